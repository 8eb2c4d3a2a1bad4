nch-summary = { nch-of-total } from { $client } to { $server } never started TLS{ $others }
nch-summary-spare = { nch-of-total } from { $client } to { $server } were closed unused before TLS, while its other connections to that server spoke TLS: spare pre-connections
nch-summary-other = { nch-of-total } from { $client } to { $server } carried a protocol that is not TLS
nch-explanation-spare = Browsers and HTTP clients open a connection ahead of need and close it unused when no request comes; this client sent a ClientHello to the same server on { $hellos ->
    [one] another connection
   *[other] { $hellos } other connections
}, so its TLS works. Nothing failed here.
nch-explanation-other = The client sent { $bytes } bytes that are neither TLS nor HTTP: the port carries another protocol (some messengers and VPNs use 443 to pass firewalls). This is not a TLS failure.
nch-rec-other = If { $server } should serve HTTPS, check which service listens there and which listener protocol the load balancer uses for this port.
nch-others = ; { $server_ip } answered TLS from other connections
nch-explanation = The TCP handshake completed on a TLS port, but the client sent no ClientHello before the connection closed ({ $how }). The server was waiting for the client to speak TLS first. This points at the client's TLS setup: an HTTP client without its TLS library (the seed case: PHP without extension=php_openssl), a plain-text protocol sent to a TLS port, or a client that gives up before its handshake.
nch-how-silent = it sent nothing
nch-how-plaintext = it sent { $bytes } bytes that are not TLS
nch-rec-client = Check the TLS support of the client on { $client }: for PHP enable extension=php_openssl (php.ini) and restart; for other runtimes make sure the HTTPS client library is installed and the URL scheme is https://.
nch-rec-compare = Compare with a client that works against the same server (openssl s_client -connect { $server }).
nsh-summary = { $server } never answered the ClientHello from { $client }
nsh-explanation = The client sent a ClientHello (frame { $frame }{ $sni }) and the server sent no TLS record back before { $end }. A listener that accepts TCP but does not speak TLS on this port, an overloaded TLS terminator, or a middlebox that drops the ClientHello (for example by SNI) all look like this.
nsh-rec = Check what listens on { $server } (openssl s_client -connect { $server }), and whether a firewall or WAF filters this SNI.
hsa-summary = { $sender } aborted the TLS handshake with a { $level } alert: { $desc }
hsa-explanation = Frame { $frame } is a plaintext TLS alert sent during the handshake: { $desc } ({ $code }). { $meaning }
hsa-meaning-handshake-failure = The two sides share no cipher suite or key-exchange method they both accept.
hsa-meaning-protocol-version = The two sides share no TLS version (e.g. a client limited to TLS 1.0/1.1 and a server requiring TLS 1.2+).
hsa-meaning-other = The handshake failed at this step.
hsa-rec = Compare the client's offered versions and cipher suites with the server's configuration (e.g. nginx ssl_protocols and ssl_ciphers); openssl s_client -connect { $server } shows what the server accepts.
confirm-no-client-hello = the client's own log or a test with openssl s_client from the same host shows whether its TLS works
confirm-tls-no-server-hello = openssl s_client -connect to the same address and port shows whether anything there speaks TLS
confirm-tls-handshake-alert = openssl s_client with the client's versions and ciphers reproduces the alert
nch-of-total = { $total ->
    [one] the connection
   *[other] { $bad } of { $total } connections
}
nch-role-handshake = stream { $stream }: handshake, no ClientHello
nch-role-closed = stream { $stream }: closed without TLS
role-client-hello = ClientHello
nsh-end-closed = the connection closed
nsh-end-capture = the capture ended
nsh-role-close = close
nsh-sni = , SNI { $sni }
hsa-role-alert = TLS alert
hsa-level-fatal = fatal
hsa-level-warning = warning
