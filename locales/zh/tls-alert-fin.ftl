alertfin-summary = { $closer } 在 TLS 会话空闲 { $idle } 秒后发送了 { alertfin-how } 和 FIN 关闭连接{ $fit }
alertfin-explanation = 第 { $alert } 帧是在 ChangeCipherSpec 之后发送的 TLS 告警记录，内容已加密（Wireshark 显示为 "Encrypted Alert"）；与第 { $fin } 帧的 FIN 一起，这是一次正常的 TLS 关闭（close_notify）。它距离最后一次数据（第 { $before } 帧）{ $idle } 秒，这正是 WAF 或 nginx 等代理在长连接空闲超过 keep-alive 超时后的行为。{ $peer }
alertfin-summary-quiet = { $closer } 在 TLS 会话空闲 { $idle } 秒后关闭了该会话（{ alertfin-how } 和 FIN）{ $fit }；没有请求受影响
alertfin-peer-write = { $peer } 在 { $after } 秒后仍在已关闭的连接上发送数据（第 { $write } 帧）：该请求无法得到响应。
alertfin-peer-in-flight = 关闭会话时，{ $peer } 在第 { $frame } 帧发出的请求已等待 { $idle } 秒仍未得到响应：该请求失败。
alertfin-rec-none = 本次抓包无需修改：客户端下次请求新建连接即不受影响。若其他时候请求失败，检查是否在服务端已关闭的连接上继续发送。
alertfin-peer-ack = { $peer } 确认了该关闭（第 { $frame } 帧）。
alertfin-peer-rst = { $peer } 在 { $after } 秒后发送了 RST（第 { $frame } 帧）。
alertfin-peer-write-rst = { $peer } 在 { $after } 秒后仍在已关闭的连接上发送数据（第 { $write } 帧），收到 RST（第 { $frame } 帧）：该请求失败。
alertfin-peer-none = 抓包结束前 { $peer } 没有响应。
alertfin-rec-pool = 让客户端在 { $seconds } 秒之前停止复用空闲的 TLS 连接（连接池空闲超时小于 { $seconds } 秒，例如 { $pool } 秒），并在连接被关闭时重新建立连接。
alertfin-rec-server = 或调大代理的 keep-alive 超时：{ $fix }。
confirm-tls-alert-fin = 将代理或服务器的 keep-alive 超时配置与此处的空闲时长对比即可确认
alertfin-role-alert = Encrypted Alert（加密告警）
alertfin-role-write = 对端在已关闭的会话上发送数据
alertfin-role-in-flight = 仍未得到响应的请求
alertfin-role-peer-rst = 对端 RST
alertfin-role-peer-ack = 对端 ACK
alertfin-explanation13 = 第 { $alert } 帧是一个 19 字节的 TLS application_data 记录，紧接着第 { $fin } 帧的 FIN：在 TLS 1.3 中 close_notify 告警被加密并作为应用数据发送（2 字节告警、1 字节内部内容类型和 16 字节 AEAD 标签），所以 Wireshark 只显示 "Application Data"；它的长度和紧随其后的 FIN 表明这是一次正常的 TLS 关闭。它距离最后一次数据（第 { $before } 帧）{ $idle } 秒，这正是 WAF 或 nginx 等代理在长连接空闲超过 keep-alive 超时后的行为。{ $peer }
alertfin-role-alert13 = TLS 1.3 close_notify（19 字节 Application Data）
alertfin-how = { $tls13 ->
    [1] TLS 1.3 close_notify
   *[other] Encrypted Alert
}
