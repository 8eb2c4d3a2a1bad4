ct-summary = { $n ->
    [one] 1 new connection
   *[other] { $n } new connections
} to { $server } (port { $ports }) needed SYN retransmissions over { $span } s, { $failed } never completed, while { $working ->
    [one] 1 established connection
   *[other] { $working } established connections
} kept working
ct-explanation = { $server } (or a NAT in front of it) is dropping only new connections: existing ones are served, new SYNs are ignored and retried. That is a full connection-tracking table (nf_conntrack: table full, dropping packet) or a full accept queue on the listening socket (the application is not calling accept() fast enough).
ct-rec-conntrack = Conntrack: run 'dmesg | grep conntrack' and compare 'sysctl net.netfilter.nf_conntrack_count' with nf_conntrack_max; if full, raise nf_conntrack_max, shorten nf_conntrack_tcp_timeout_established, or exempt busy ports with a raw-table NOTRACK rule.
ct-rec-backlog = Accept queue: run 'ss -lnt' on the server (Recv-Q at Send-Q on the port { $ports } listener means full) and 'nstat -az TcpExtListenOverflows TcpExtListenDrops'; if full, speed up the application's accept loop and raise the listen backlog and net.core.somaxconn.
ct-role-syn = SYN sent { $syns ->
    [one] once
   *[other] { $syns } times
} (stream { $stream })
ct-role-served = established stream { $stream } still served
