# peer-silent (src/detect/peer_silent.rs)
ps-summary = { $peer } stopped answering { $sender }: the same segment was resent { $retries } times over { $secs } s and nothing came back{ $more ->
    [0] { "" }
    [one] ; 1 more connection to it went silent the same way
   *[other] ; { $more } more connections to it went silent the same way
}
ps-summary-slow = { $peer } did not answer { $sender } for { $secs } s, then answered: a slow or briefly unreachable peer, not a dead one
ps-explanation = From frame { $frame } { $sender } resent a segment that { $peer } had not acknowledged, { $retries } times in all, each wait about twice the one before (TCP's retransmission back-off), over { $secs } s, and nothing came back from { $peer } on this connection that acknowledged it or showed it heard. The peer, or the path to it, was gone: a crashed or frozen host, a NAT, SLB or firewall that forgot the session, a route that black-holes, or a security group changed while the connection was open.
ps-explanation-slow = From frame { $frame } { $sender } resent a segment { $retries } times while { $peer } said nothing; { $peer } answered { $secs } s later, in frame { $answer }. The connection survived: the peer or the path stalled for a while (a long garbage-collection pause, a busy host, a route flap), which the user saw as a pause.
ps-peer-resends = { $peer } was still resending its own data meanwhile ({ $n ->
    [one] 1 resend
   *[other] { $n } resends
} with an old acknowledgement): it is alive, but nothing from { $sender } reaches it; the path toward { $peer } drops.
ps-end-reset = { $sender } then gave up and reset the connection (frame { $frame }).
ps-end-peer-reset = { $peer } reset the connection in the end (frame { $frame }): it had given up waiting too.
ps-end-fin = { $sender } then closed its side (frame { $frame }).
ps-end-gave-up = { $sender } stopped resending well before the capture ended: it gave up on the connection.
ps-end-capture = The capture ended while it was still resending.
ps-where-sender = This capture was taken on { $sender } itself (its packets leave with their first TTL): the resends left this host and no answer arrived; a capture at { $peer } tells whether the resends reached it (then its answers are lost on the way back, or it is stuck) or not (lost on the way there).
ps-where-path = In this capture the resends from { $sender } are seen and nothing comes back from { $peer }: the silence lies beyond this capture point toward { $peer }, or { $peer } stopped; a capture at { $peer } tells which.
ps-rec-peer = Check whether { $peer } was alive at that moment: its uptime and kernel log, the application's logs, CPU and memory (a frozen VM answers nothing).
ps-rec-path = Check what between { $sender } and { $peer } may have forgotten or dropped the connection at that moment: an SLB or NAT session timeout or failover, a security group or ACL change, a route change; conntrack -L on a Linux middle box shows whether it still holds the session.
ps-rec-other-end = Capture at { $peer } at the same time and run pcapdoc compare on the two captures: it shows on which leg the resends were lost.
ps-role-first = first resend
ps-role-heard = the peer's last packet before the silence
ps-heard = The last packet from { $peer } on this connection is frame { $frame }, { $secs } s before the last resend.
ps-never-heard = The capture holds no packet from { $peer } on this connection.
ps-role-last-retry = last resend ({ $n } in all)
ps-role-end = the sender gave up
ps-role-answer = the peer answered at last
ps-role-peer-reset = the silent peer reset the connection
confirm-peer-silent = a capture at the silent peer at the same time shows whether the resends reached it
