synflood-summary = { $n } half-open connections to { $server } in { $span } s ({ $rate }/s) from { $sources ->
    [one] one source
   *[other] { $sources } sources
}: a SYN flood
synflood-explanation = { $half ->
    [one] 1 attempt
   *[other] { $half } attempts
} got a SYN/ACK that was never acknowledged ({ $retx } SYN/ACK retransmissions) and { $silent } got no answer, against { $done } that completed. Each half-open connection holds a slot in the server's SYN queue; when it is full, real clients cannot connect. Top sources: { $top }. Behind a full-NAT load balancer the sources shown are the balancer's own addresses; the real ones are in its logs.
synflood-rec-ddos = Put { $server } behind anti-DDoS protection (DDoS basic/高防 IP) and check its traffic-scrubbing thresholds; a flood this size is absorbed there, not on the server.
synflood-rec-kernel = On the server: keep net.ipv4.tcp_syncookies=1, raise net.ipv4.tcp_max_syn_backlog and the listen backlog (net.core.somaxconn), and watch 'nstat -az TcpExtListenDrops TcpExtSyncookiesSent'.
synflood-rec-sg = If the top sources are few and not your users, deny them in the security group or network ACL.
synflood-role-unacked = SYN/ACK never acknowledged
