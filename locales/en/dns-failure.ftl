# dns-failure (src/detect/dns_failure.rs)
dnsf-summary-dead = The resolver { $resolver } { $queries ->
    [one] never answered the query sent to it
   *[other] answered none of { $queries } queries
} ({ dnsf-tries }): it is unreachable or blocked, and every lookup through it failed
dnsf-summary-lost = The resolver { $resolver } left { $lost } of { $queries ->
    [one] 1 query
   *[other] { $queries } queries
} unanswered ({ dnsf-tries }): lookups through it were lost or timed out
dnsf-explanation-lost = { $lost ->
    [one] 1 query
   *[other] { $lost } queries
} to { $resolver } got no answer, after { dnsf-tries } in all over { $span } s (first in frame { $first }): { $names }. { $heard } { $outcome }
dnsf-tries = { $tries ->
    [one] 1 try
   *[other] { $tries } tries
}
dnsf-silent = No DNS answer from { $resolver } is in the capture at all: the queries did not reach it, it does not serve DNS, or a firewall, security group or ACL drops them (check also that this capture point sees incoming traffic).
dnsf-one-way = Nothing at all came back to the asking host in this capture, not even on its TCP connections: if the capture point sees only outgoing traffic (a one-way mirror, a filter on the source), capture both directions before trusting this.
dnsf-heard = It answered { $answers } other queries, so it is reachable: these were lost on the way, or it could not resolve them in time (a dead or slow upstream behind it).
dnsf-resolved-later = Each of these names resolved elsewhere in the capture (a retry or another resolver), after a delay the user saw.
dnsf-never-resolved = { $count ->
    [one] 1 name
   *[other] { $count } names
} never resolved in the capture.
dnsf-rec-reach = Check the path to { $resolver } on UDP and TCP port 53 (dig @{ $resolver } NAME; the security group, network ACL and host firewall) and, for a forwarding resolver, the upstream servers it forwards to.
dnsf-rec-alternate = Configure a second resolver the client can fall back on, and compare with a lookup through it.
dnsf-summary-rcode = The resolver { $resolver } failed lookups of { $names ->
    [one] 1 name
   *[other] { $names } names
} ({ $kinds })
dnsf-explanation-rcode = { $resolver } answered { $kinds } for { $names }. { $never ->
    [0] Each of these names resolved elsewhere in the capture, so the client got its answer another way.
    [one] 1 of them never resolved in the capture.
   *[other] { $never } of them never resolved in the capture.
}
dnsf-rcode-servfail = { $count } SERVFAIL
dnsf-rcode-refused = { $count } REFUSED
dnsf-rec-servfail = SERVFAIL means { $resolver } could not get an answer from the authoritative servers or its upstream (they are down or unreachable, or DNSSEC validation failed): check its upstream and the domain's name servers (dig +trace NAME).
dnsf-rec-refused = REFUSED means { $resolver } will not answer this client or this name (it is not allowed to recurse for the client's address, or has no upstream for the domain): check its access list and forwarding rules, or use the resolver the VPC provides.
dnsf-summary-nx = { $names ->
    [one] The name { $first } does not exist
   *[other] { $names } names do not exist ({ $first }, ...)
} according to { $resolver } (NXDOMAIN): no connection to it can follow
dnsf-explanation-nx = { $resolver } answered NXDOMAIN for { $names }: the name does not exist in DNS (as far as that resolver knows), and the name did not resolve any other way in the capture. A typo in a configuration, a record deleted or not yet created, a split-horizon zone that this resolver does not see, or a search domain the client appends all give this.
dnsf-rec-nx = Check the name in the client's configuration, and the zone's records (dig { $first } against the authoritative server and against the resolver the client uses); for a private zone, make sure the client uses the resolver that serves it.
dnsf-summary-slow = The resolver { $resolver } was slow: { $count ->
    [one] 1 answer
   *[other] { $count } answers
} took over 1 s (the slowest { $worst } s)
dnsf-explanation-slow = { $count } of { $answers } answers from { $resolver } came more than 1 s after the first try; the slowest, for { $name }, took { $worst } s (query frame { $query }, answer frame { $answer }). Every connection that waits for these names starts that much later. A forwarding resolver with a slow or distant upstream, a resolver under load, or lost queries that were retried cause this.
dnsf-rec-slow = Check what { $resolver } forwards to and how fast (its logs, dig @{ $resolver } NAME repeated); a resolver closer to the client, or a local cache (nscd, systemd-resolved), takes this off every lookup.
dnsf-name = { $name }{ $count ->
    [one] {""}
   *[other] {""} ({ $count } times)
}
dnsf-more-names = { $count } more
dnsf-role-first-query = first query that failed
dnsf-role-last-try = last try left unanswered
dnsf-role-answer = its answer
dnsf-role-slow-query = query of the slowest answer
dnsf-role-slow-answer = the slowest answer
confirm-dns-failure = dig @RESOLVER NAME from the same host at the same time shows the same status or timeout
# dga (src/detect/dga.rs; made by the dns-failure observer)
dga-summary = { $host } looked up { $n } random-looking names in { $span } s that do not exist (NXDOMAIN at { $resolver }): names made by an algorithm, as malware does to find its controller
dga-explanation = Names such as { $names } are not chosen by people: their letters fall in pairs that words and brands seldom use. Malware with a domain generation algorithm asks for dozens of them, of which its owner registered one or two, so most come back NXDOMAIN ({ $judged } generated-looking names asked in all).
dga-resolved = Of the generated names, these resolved, and are the likely controllers: { $names }.
dga-contacted = { $host } then opened a connection to { $addr } ({ $name }, stream { $stream }): it is calling its controller.
dga-rec-isolate = Isolate { $host }: stop the instance, or cut its network in the console (a security group that allows only your own address), before it takes orders
dga-rec-find = Find the process asking: on Linux, tcpdump -i any -nn port 53 with ss -unp (or auditd on connect) while it runs; the name { $name } in the resolver's query log dates the first infection
dga-rec-block = Snapshot the disks for forensics, then block the controller addresses ({ $addrs }) and the generated names at the resolver or firewall
dga-rec-keys = Rotate the passwords, SSH keys and access keys the host held, and rebuild it from a trusted image
dga-role-query = a query for a generated name, { $name }
dga-role-nx = NXDOMAIN for { $name }
dga-role-resolved = a generated name that exists: { $name } → { $addr }
dga-role-connect = a connection to the controller { $addr } (stream { $stream })
confirm-dga-domains = the resolver's query log shows the same host asking for the names; the process is found with ss -unp or auditd while the lookups run
