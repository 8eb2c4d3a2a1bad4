cf-partial = { $n ->
    [one] ; 1 other source connected to it
   *[other] ; { $n } other sources connected to it
}
cf-fallback = ; the client connected to { $other } on the same port moments later (a fallback such as happy eyeballs: nothing failed for the user)
cf-silent-confirm = a capture at the server shows whether the SYNs arrived
cf-portscan-summary = { $src } probed { $ports } ports of { $target } ({ $refused } refused, { $silent } unanswered): a port scan
cf-portscan-explanation = One source opening connections to many ports of one address, most of them closed, is a port scan (ports { $list }). The refused and unanswered attempts are the scan's, not failures of a service.
cf-portscan-rec = If { $src } is yours, find the process that scans (ss -tnp, ps) and check the host for malware; if it is not, deny { $src } in the security group of { $target }.
cf-refused-summary = { $n } { cf-attempts } to { $server } refused with a RST{ $over }{ $partial }
cf-refused-explanation = { $server } (or a device in front of it) answered the SYN with a RST: nothing listens on that port, or a load balancer listener has no healthy backend behind it.
cf-refused-rec = Check that the service listens on port { $port } (ss -lntp on the server) and, behind a load balancer, that the listener's backends pass their health checks.
cf-icmp-summary = { $n } { cf-attempts } to { $server } got ICMP { $what }{ $partial }
cf-icmp-explanation = The SYN was answered by an ICMP error ({ $what }) from a router or firewall on the path: the packet was rejected before it reached a listening socket.
cf-icmp-rec = Find the rule that rejects traffic to { $server }: security group inbound rules, network ACLs, host firewall (iptables REJECT), and for 'prohibited' the device that sent the ICMP.
cf-over = { " " }over { $span } s
cf-silent-summary = { $n } { cf-attempts } to { $server } got no answer to { $syns ->
    [one] its SYN
   *[other] { $syns } SYNs
}{ $over }{ $partial }
cf-silent-explanation = The SYNs went out and nothing came back: a security group or firewall DROP rule, a blackhole route, an address that is down, or a wrong address (DNS).
cf-silent-rec = Check the security group inbound rule and the SLB listener whitelist for port { $port }, the route to { $server }, and that { $server } is the address you expect.
cf-noack-summary = { $n ->
    [one] 1 connection
   *[other] { $n } connections
} to { $server }: the SYN/ACK was never acknowledged{ $partial }
cf-noack-explanation = { $server } answered with a SYN/ACK, but the client's final ACK never came: the SYN/ACK did not reach the client (asymmetric routing, a firewall on the return path) or the client dropped it.
cf-noack-rec = Capture at the client to see whether the SYN/ACK arrives; check the return route and stateful firewalls between the two.
confirm-connect-failure = a capture at the server shows whether the SYNs arrived, and ss -lnt there whether the port listens
confirm-port-scan = the scanning host's process list (ss -tnp) shows which program opened the connections
cf-attempts = { $n ->
    [one] connection attempt
   *[other] connection attempts
}
cf-icmp-what = { $meaning } (type { $ty }, code { $code })
cf-servers = { $list } … ({ $n } addresses)
cf-port = port { $port }
icmp-net-unreachable = network unreachable
icmp-host-unreachable = host unreachable
icmp-port-unreachable = port unreachable
icmp-net-host-prohibited = network/host administratively prohibited
icmp-prohibited = communication administratively prohibited (a firewall)
icmp-address-unreachable = address unreachable
icmp-unreachable = unreachable
