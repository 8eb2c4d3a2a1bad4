# protocol-mismatch（src/detect/protocol_mismatch.rs）
pm-summary-tls = TLS 被发往明文端口：{ $server } 用{ $reply }回应了 ClientHello，连接失败{ pm-more }
pm-summary-plain = 明文 HTTP 被发往 { $host } 的 TLS 端口 { $port }：服务器回应了{ $reply }，请求失败{ pm-more }
pm-more = { $more ->
    [0] { "" }
   *[other] ；另有 { $more } 个到它的连接以同样方式失败
}
pm-reply-http = HTTP { $status } 响应
pm-reply-tls = 一个 TLS 记录
pm-reply-other = 非 TLS 的字节（“{ $head }”）
pm-reply-nginx = nginx 的 400 页面（“明文 HTTP 请求被发往 HTTPS 端口”）
pm-explanation-tls = { $client } 以 TLS ClientHello 开始（第 { $opening } 帧）；{ $server } 回应了{ $reply }（第 { $reply_frame } 帧），说明它在这个端口上不讲 TLS，把 ClientHello 当成了格式错误的请求。TLS 会话无法建立，{ $connections ->
    [one] 该连接失败
   *[other] 全部 { $connections } 个连接都失败了
}。Wireshark 把这个回应显示为普通数据，而不是 TLS 记录。
pm-explanation-plain = { $client } 发送了明文 HTTP 请求（第 { $opening } 帧）；{ $server } 回应了{ $reply }（第 { $reply_frame } 帧）：它在这个端口上期待 TLS，所以请求没有被处理（{ $connections } 个连接）。
pm-rec-scheme-tls = 检查 URL 的协议和端口：https:// 访问端口 { $port } 到达的是明文 HTTP 监听；在那里改用 http://，或改用提供 HTTPS 的端口。
pm-rec-listener-tls = 在 SLB 上检查端口 { $port } 的监听协议和后端协议：TCP 或 HTTPS 监听配置了 HTTPS 后端协议，而服务器以明文 HTTP 监听时，正是这个现象。
pm-rec-scheme-plain = 端口 { $port } 请使用 https://（或把明文 HTTP 发往 HTTP 端口）：客户端、它的配置或一次重定向把 http:// 发到了 TLS 端口。
pm-rec-listener-plain = 在 SLB 上检查端口 { $port } 的监听和后端协议是否与 { $server } 所讲的协议一致：HTTP 监听或 TCP 监听把明文 HTTP 转发到服务器的 HTTPS 端口时，正是这个现象。
pm-role-hello = ClientHello
pm-role-request = 明文 HTTP 请求
pm-role-reply = 服务器以另一种协议的回应
confirm-protocol-mismatch = 对同一 URL 执行 curl -v 可看到所用协议与端口；SLB 控制台可看到该端口的监听与后端协议
