# mid-transfer-reset（src/detect/mid_transfer_reset.rs）
mtr-summary-path = 路径上的设备冒充 { $claimed } 的地址，重置了 { $victim } 与 { $claimed } 之间正在使用的连接：WAF、IPS 或防火墙切断了它{ mtr-more }
mtr-summary-server = { $claimed } 在与 { $victim } 交换数据的中途重置了连接：传输被切断{ mtr-more }
mtr-summary-server-close = { $claimed } 在发送完自己的数据后立即以 RST 结束了连接（中止式关闭）：若 { $victim } 已收到全部数据则无害，否则传输被切断{ mtr-more }
mtr-summary-client = 客户端 { $claimed } 在接收过程中重置了到 { $server } 的连接：它放弃了这次传输{ mtr-more }
mtr-more = { $more ->
    [0] { "" }
   *[other] ；另有 { $more } 个连接同样如此
}
mtr-explanation = 第 { $rst } 帧是 { $claimed } 发给 { $victim } 的 RST，{ $state }；之前没有 FIN，所以连接是被强行拆除的，而不是正常关闭。{ $who }共有 { $count } 个连接出现这种情况。
mtr-state-request = 当时 { $victim } 的数据（第 { $frame } 帧）还没有得到回应
mtr-state-flowing = 距最后一次数据（第 { $frame } 帧）{ $ms } 毫秒，数据正在传输
mtr-who-path = 它的 TTL 是 { $rst_ttl }，而 { $claimed } 在这个连接上自己的包到达时 TTL 为 { $peer_ttl }：这个 RST 是两端之间的设备以 { $claimed } 的名义发出的。
mtr-who-path-id = 它的 TTL 是 { $rst_ttl }、IP ID 是 { $rst_id }，而 { $claimed } 在这个连接上自己的包到达时 TTL 为 { $peer_ttl }、IP ID 在 { $peer_id } 附近：这个 RST 是两端之间的设备以 { $claimed } 的名义发出的。
mtr-who-peer = 它的 TTL（{ $ttl }）与 { $claimed } 自己的包一致，所以是 { $claimed }（或代替它终结连接的代理）发出的：其应用中止了连接（崩溃、请求或响应大小限制、代理超时、SO_LINGER 0）。
mtr-who-unknown = 没有看到该端的其他包，无法与这个 RST 对比。
mtr-rec-path = 找出客户端与 { $server } 之间拦截这类流量的设备：WAF 或 IPS 的拦截日志（匹配该请求的规则：大小、特征）、防火墙的会话或速率限制、SLB 的访问控制策略；RST 的 TTL 可推算它距抓包点有几跳。
mtr-rec-server = 查看 { $server } 上服务（及其前面的代理）在此时刻的日志：被中止的响应或崩溃的工作进程、以重置代替回应的请求体大小或超时限制。
mtr-rec-client = 通常无害（用户取消、客户端超时）；如果客户端本应完成传输，检查它的超时设置以及它为何停止读取。
mtr-role-last-data = 重置前的最后一次数据
mtr-role-rst = RST
mtr-role-peer = { $peer } 在此之前自己的最后一次数据
confirm-mid-transfer-reset = 在路径另一侧抓包，或查看可疑设备的日志，可确认 RST 是否由对端发出
