# protocol-mismatch (src/detect/protocol_mismatch.rs)
pm-summary-tls = TLS sent to a plain-text port: { $server } answered the ClientHello with { $reply } and the connection failed{ pm-more }
pm-summary-plain = Plain HTTP sent to TLS port { $port } of { $host }: it answered with { $reply } and the request failed{ pm-more }
pm-more = { $more ->
    [0] { "" }
    [one] ; 1 more connection to it failed the same way
   *[other] ; { $more } more connections to it failed the same way
}
pm-reply-http = an HTTP { $status } response
pm-reply-tls = a TLS record
pm-reply-other = bytes that are not TLS (“{ $head }”)
pm-reply-nginx = nginx's 400 page “The plain HTTP request was sent to HTTPS port”
pm-explanation-tls = { $client } opened with a TLS ClientHello (frame { $opening }); { $server } answered with { $reply } (frame { $reply_frame }), so it does not speak TLS on this port: it read the ClientHello as a malformed request. No TLS session can start, and { $connections ->
    [one] the connection failed
   *[other] all { $connections } connections failed
}. Wireshark shows the reply as plain data, not as a TLS record.
pm-explanation-plain = { $client } sent a plain HTTP request (frame { $opening }); { $server } answered with { $reply } (frame { $reply_frame }): it expects TLS on this port, so the request was never served ({ $connections ->
    [one] 1 connection
   *[other] { $connections } connections
}).
pm-rec-scheme-tls = Check the URL's scheme and port: https:// to port { $port } reaches a listener that serves plain HTTP; use http:// there, or the port that serves HTTPS.
pm-rec-listener-tls = On the SLB, check the listener and backend protocol for port { $port }: a TCP or HTTPS listener whose backend protocol is HTTPS, forwarding to a server that listens in plain HTTP, gives exactly this.
pm-rec-scheme-plain = Use https:// for port { $port } (or send plain HTTP to the HTTP port): the client, its configuration or a redirect sent http:// to a TLS port.
pm-rec-listener-plain = On the SLB, check that the listener on port { $port } and its backend protocol match what { $server } speaks: an HTTP listener or a TCP listener forwarding plain HTTP to the server's HTTPS port gives exactly this.
pm-role-hello = ClientHello
pm-role-request = plain HTTP request
pm-role-reply = the server's reply, in another protocol
confirm-protocol-mismatch = curl -v against the same URL shows the scheme and port used; the SLB console shows the listener and backend protocol of the port
