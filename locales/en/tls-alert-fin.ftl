alertfin-summary = { $closer } closed an idle TLS session with { alertfin-how } and a FIN after { $idle } s{ $fit }
alertfin-explanation = Frame { $alert } is a TLS alert record sent after ChangeCipherSpec, so its content is encrypted (Wireshark shows "Encrypted Alert"); with the FIN in frame { $fin } it is an orderly TLS close (close_notify). It came { $idle } s after the last data (frame { $before }), which is what a proxy such as a WAF or nginx does when a keep-alive connection has been idle longer than its keep-alive timeout. { $peer }
alertfin-summary-quiet = { $closer } closed this idle TLS session after { $idle } s ({ alertfin-how } and FIN){ $fit }; nothing was lost
alertfin-peer-write = { $peer } wrote on the closed connection { $after } s later (frame { $write }): that request could not be answered.
alertfin-peer-in-flight = { $peer }'s request in frame { $frame } had waited { $idle } s without an answer when the session was closed: that request failed.
alertfin-rec-none = Nothing to change for this capture: a client that opens a new connection for its next request is not affected. If requests fail elsewhere, look for writes on connections the server has already closed.
alertfin-peer-ack = { $peer } acknowledged it (frame { $frame }).
alertfin-peer-rst = { $peer } reset the connection { $after } s later (frame { $frame }).
alertfin-peer-write-rst = { $peer } wrote on the closed connection { $after } s later (frame { $write }) and got a RST (frame { $frame }): that request failed.
alertfin-peer-none = { $peer } did not react before the capture ended.
alertfin-rec-pool = Make the client stop reusing idle TLS connections before { $seconds } s (connection-pool idle timeout below { $seconds } s, e.g. { $pool } s), and handle a closed connection by reconnecting.
alertfin-rec-server = Or raise the proxy's keep-alive timeout: { $fix }.
confirm-tls-alert-fin = the proxy's or server's keep-alive timeout setting, compared with the idle time shown
alertfin-role-alert = Encrypted Alert
alertfin-role-write = peer writes on the closed session
alertfin-role-in-flight = request still unanswered
alertfin-role-peer-rst = peer RST
alertfin-role-peer-ack = peer ACK
alertfin-explanation13 = Frame { $alert } is a 19-byte TLS application_data record followed by the FIN in frame { $fin }: in TLS 1.3 the close_notify alert is encrypted and travels as application data (2 alert bytes, 1 byte of inner content type and a 16-byte AEAD tag), so Wireshark shows only "Application Data"; its size and the FIN right after it make it an orderly TLS close. It came { $idle } s after the last data (frame { $before }), which is what a proxy such as a WAF or nginx does when a keep-alive connection has been idle longer than its keep-alive timeout. { $peer }
alertfin-role-alert13 = TLS 1.3 close_notify (19-byte Application Data)
alertfin-how = { $tls13 ->
    [1] a TLS 1.3 close_notify
   *[other] an Encrypted Alert
}
