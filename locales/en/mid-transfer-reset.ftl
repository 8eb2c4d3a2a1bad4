# mid-transfer-reset (src/detect/mid_transfer_reset.rs)
mtr-summary-path = A device on the path reset the connection between { $victim } and { $claimed } while it was in use, forging { $claimed }'s address: a WAF, IPS or firewall cut it off{ mtr-more }
mtr-summary-server = { $claimed } reset the connection in the middle of the exchange with { $victim }: the transfer was cut off{ mtr-more }
mtr-summary-server-close = { $claimed } ended the connection with a RST right after its own data (an abortive close): harmless if { $victim } had received everything, a cut transfer if not{ mtr-more }
mtr-summary-client = The client { $claimed } reset its connection to { $server } while receiving: it abandoned the transfer{ mtr-more }
mtr-more = { $more ->
    [0] { "" }
    [one] ; 1 more connection the same way
   *[other] ; { $more } more connections the same way
}
mtr-explanation = Frame { $rst } is a RST from { $claimed } to { $victim } { $state }; no FIN came first, so the connection was torn down, not closed. { $who } { $count ->
    [one] This happened on 1 connection.
   *[other] This happened on { $count } connections.
}
mtr-state-request = while { $victim }'s data (frame { $frame }) was still unanswered
mtr-state-flowing = { $ms } ms after the last data (frame { $frame }), while data was flowing
mtr-who-path = Its TTL is { $rst_ttl }, but { $claimed }'s own packets on this connection arrive with TTL { $peer_ttl }: the RST was made by a device between the two ends and sent in { $claimed }'s name.
mtr-who-path-id = Its TTL is { $rst_ttl } and its IP ID { $rst_id }, but { $claimed }'s own packets on this connection arrive with TTL { $peer_ttl } and IDs near { $peer_id }: the RST was made by a device between the two ends and sent in { $claimed }'s name.
mtr-who-peer = Its TTL ({ $ttl }) is the one { $claimed }'s own packets carry, so { $claimed } (or the proxy that terminates the connection in its place) sent it: its application aborted the connection (a crash, a request or response size limit, a proxy timeout, SO_LINGER 0).
mtr-who-unknown = Nothing else from that end was seen to compare the RST with.
mtr-rec-path = Find the device between the client and { $server } that blocks this traffic: the WAF's or IPS's block log (a rule matching the request: its size, a pattern), a firewall's session or rate limit, the SLB's access-control policy; the RST's TTL tells how many hops from the capture point it is.
mtr-rec-server = Read the log of the service on { $server } (and of any proxy in front of it) at this time: an aborted response or a crashed worker, a body-size or timeout limit that resets instead of answering.
mtr-rec-client = Usually harmless (a user cancelled, a client timeout fired); if the client should have finished, check its timeout and why it stopped reading.
mtr-role-last-data = last data before the reset
mtr-role-rst = RST
mtr-role-peer = { $peer }'s own last data before it
confirm-mid-transfer-reset = a capture on the other side of the path, or the log of the suspected device, shows whether the RST left the peer
