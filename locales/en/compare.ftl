cmp-injected-summary = { $kind } at { $here } frame { $frame } was not sent by the { $sender }; a device between them sent it
cmp-injected-idle-summary = { $kind } at { $here } frame { $frame } was not sent by the { $sender }: the device between them reset the connection after { $idle } s idle{ $how }, its idle timeout; not the { $sender }
cmp-injected-explanation = The { $sender } capture holds no such { $kind }: it was created on the path, by a load balancer, NAT, firewall or proxy that no longer recognised the connection (an expired session) or that ended it on purpose. { $ttl }
cmp-ttl = Its TTL ({ $ttl }) also differs from the usual TTL of the { $sender }: { $usual }.
cmp-injected-rec = Check the session or idle timeouts and the logs of the devices between the two capture points (SLB, WAF, NAT, security group), and capture on them if you can.
cmp-never-summary = client data at frame { $frame } ({ $len } bytes, { $tries ->
    [one] sent once
   *[other] sent { $tries } times
}) never reached the server
cmp-never-explanation = The server's capture holds no segment with this data, not even a retransmission: the request was dropped or answered on the path. Combined with a RST the server never sent, the device in between forgot the connection.
cmp-never-rec = Find which device between the two capture points answered or dropped the request; see the middlebox findings for this flow.
cmp-lost-summary = { $lost } of { $sent } data segments ({ $pct }%) sent { $leg } never reached the other capture
cmp-lost-explanation = Each of these segments is in the sender's capture and missing from the receiver's: the loss is on the { $leg } leg, between the two capture points. The sender retransmitted { $retx ->
    [0] nothing
    [one] once
   *[other] { $retx } times
}.
cmp-lost-rec = Look for drops on the { $leg } path between the capture points: interface and security-group drop counters, rate limits, and mtr along that direction.
cmp-client = client
cmp-server = server
cmp-leg-c2s = client → server
cmp-leg-s2c = server → client
cmp-role-injected = { $kind } seen at the { $here }, never sent by the { $sender }
cmp-role-never = client data the server never received
cmp-role-lost = sent { $leg }, never arrived
cmp-role-flow = first packet of a flow the server never saw
cmp-note-lost-c2s = never reached the server's capture
cmp-note-made-server = not sent by the server: made on the path
cmp-note-made-client = not sent by the client: made on the path
cmp-note-lost-s2c = never reached the client's capture
cmp-note-retx = retransmission
cmp-unreached-rst = { $count ->
    [one] The connection attempt
   *[other] { $count } connection attempts
} to { $server } never reached the server: a device on the path refused { $count ->
    [one] it
   *[other] them
} with a RST the server never sent
cmp-unreached-synack = { $count ->
    [one] The connection
   *[other] { $count } connections
} to { $server } never reached the server: a device on the path answered the SYN in its place (a SYN proxy or a listener of its own on port { $port })
cmp-unreached-silent = { $count ->
    [one] The SYN
   *[other] SYNs of { $count } connections
} to { $server } never reached the server: dropped on the path (security group, network ACL, SLB listener for port { $port })
cmp-unreached-explanation = The client sent { $count ->
    [one] a SYN
   *[other] SYNs on { $count } connections
} to { $server }, and the server's capture holds no packet of { $count ->
    [one] that connection
   *[other] those connections
}, while other connections to the same address did reach it: the path between the two capture points stopped them, and whatever the client got back was made there.
cmp-unreached-rec = Check what stands between the capture points for port { $port }: the SLB listener for that port (does it exist, and forward to this server?), security-group and network-ACL inbound rules, and the host firewall; the client-side findings say what came back.
cmp-unreached-icmp = { $count ->
    [one] The SYN
   *[other] SYNs of { $count } connections
} to { $server } never reached the server: a router or firewall on the path rejected { $count ->
    [one] it
   *[other] them
} with an ICMP error
cmp-injected-never = The client's data at frame { $frame } ({ $len } bytes, { $tries ->
    [one] sent once
   *[other] sent { $tries } times
}) never reached the server: the device stopped it and answered in the server's name.
