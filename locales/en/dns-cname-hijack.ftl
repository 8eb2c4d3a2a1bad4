dns-summary = { $name } resolves through { $chain }, which looks hijacked: { $why }
dns-summary-many = { $n } names under { $pattern } resolve through CNAMEs in { $domain }, outside the expected { $suffix } ({ $names }, …): they look hijacked
dns-why-suffix = the CNAME target { $target } is outside the expected { $suffix }
dns-why-dead = { $n ->
    [one] the connection to { $addrs } got no SYN/ACK,
   *[other] none of the { $n } connections to { $addrs } got a SYN/ACK,
} while connections to other names' addresses worked
dns-why-race = the same query got { $n } different answers ({ $answers }); the first to arrive is the suspect, since an injector near the client wins the race
dns-why-split = the name resolved to different chains in one capture ({ $chains })
dns-explanation = The DNS answer in frame { $frame } sends { $name } to { $chain }: { $detail }. A resolver or a device on the path that rewrites answers (DNS hijacking, a poisoned cache at the ISP) produces exactly this: the client connects to an address that does not serve the site.
dns-rec-resolver = Query another resolver to compare (e.g. dig @223.5.5.5 { $name }), and point the client at it (223.5.5.5 / 223.6.6.6).
dns-rec-pin = As a stop-gap, pin { $name } to the right address in the client's hosts file.
dns-rec-pin-to = As a stop-gap, pin { $name } to { $addrs } (the later answer, most likely the resolver's own) in the client's hosts file, after checking it with another resolver.
dns-rec-isp = Ask the resolver's operator (the ISP) to flush its cache for { $name }; if the record is yours, consider an A record instead of the CNAME.
confirm-dns-cname-hijack = the same query to another resolver (dig @223.5.5.5) shows the expected answer
dns-role-answer = DNS answer
dns-role-query = DNS query
dns-role-dead-syn = SYN in stream { $stream }, never answered
dns-role-rival = another answer from { $server }
