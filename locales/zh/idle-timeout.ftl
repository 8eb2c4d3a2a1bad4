# idle-timeout (src/detect/idle_timeout.rs)
idle-summary-reset = { $sender } 空闲 { $idle } 秒后发送数据，收到来自 { $resetter } 的 RST{ $fit }{ idle-more }
idle-summary-silence = { $sender } 空闲 { $idle } 秒后发送数据，没有收到任何回应{ $fit }{ idle-more }
idle-summary-closed = { $closer } 在连接空闲 { $idle } 秒后关闭了连接{ $fit }{ idle-more }
idle-summary-closed-then-reset = { $closer } 在连接空闲 { $idle } 秒后关闭了连接；{ $peer } 随后发送的数据被 RST 拒绝{ $fit }{ idle-more }
idle-summary-reset-by-peer = { $sender } 空闲 { $idle } 秒后发送数据，{ $resetter } 自己重置了连接：它已按自身的空闲限制丢弃了该连接{ $fit }{ idle-more }
idle-summary-keepalive-reset = { $sender } 空闲 { $idle } 秒后发送的 TCP keep-alive 探测收到来自 { $resetter } 的 RST{ $fit }{ idle-more }：该连接已被遗忘
idle-match = ，符合 { $name }（{ $seconds } 秒）
idle-exceeds = ，超过 { $name }（{ $seconds } 秒）
idle-more = { $more ->
    [0] { "" }
   *[other] ；另有 { $more } 个连接以同样方式失败
}
idle-who-peer = 该 RST 的 IP 标识紧接 { $peer } 上一个报文：是 { $peer } 自己重置了连接（其应用或内核已丢弃该连接），而不是中间设备。
idle-confirm = 在另一端同时抓包可确认 RST 是对端还是中间设备发送的
idle-nomatch = （没有已知的空闲超时与该间隔相符）
idle-explanation = 连接从第 { $before } 帧到第 { $after } 帧之间 { $idle } 秒没有任何报文。两端之间的负载均衡、NAT 或代理为每个连接保存状态，连接空闲超过其空闲超时后状态被清除；之后的报文不再属于任何已知连接，于是被回复 RST（或被丢弃）。{ $who }
idle-who-middlebox = 该 RST 的 TTL（{ $rst_ttl }）与 { $peer } 其他报文的 TTL（{ $peer_ttl }）不同：它很可能是中间设备生成的，而不是 { $peer } 本身发送的。
idle-who-unknown = { "" }
idle-match-none = { "" }
idle-explanation-peer = 连接从第 { $before } 帧到第 { $after } 帧之间 { $idle } 秒没有任何报文；之后发送的数据被回复 RST。{ $who }
idle-rec-peer = 查找 { $peer } 上应用的空闲限制（短于 { $idle } 秒的会话或 keep-alive 超时），让客户端在此时间内发送数据，或在连接空闲这么久后重新建立连接而不是复用。
idle-rec-raise = 让连接在空闲超时之前有数据交互或由客户端主动关闭：{ $fix }。
idle-rec-pool = 将客户端连接池的空闲回收时间设为小于 { $seconds } 秒（例如 { $pool } 秒），避免复用已被中间设备清除的连接。
idle-rec-keepalive = 或开启 TCP keep-alive，间隔小于超时时间（Linux：net.ipv4.tcp_keepalive_time={ $ka }）。
idle-rec-measure = 找出路径上空闲超时小于 { $idle } 秒的设备，并与应用让连接空闲的时长进行比较。
idle-role-before = 空闲前的最后一个报文
idle-role-after = 空闲后的第一个报文
idle-role-unanswered = 最后一次未获应答的重传
idle-role-fin = 空闲后的 FIN
idle-role-closed-send = 在已关闭连接上发送的数据
