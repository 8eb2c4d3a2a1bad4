synflood-summary = { $span } 秒内到 { $server } 的半开连接 { $n } 个（每秒 { $rate } 个），来自 { $sources } 个来源：SYN Flood 攻击
synflood-explanation = { $half } 次尝试收到 SYN/ACK 后从未确认（SYN/ACK 重传 { $retx } 次），{ $silent } 次没有应答，而正常完成的只有 { $done } 次。每个半开连接都占用服务器 SYN 队列的一个位置，队列满后正常用户无法建立连接。主要来源：{ $top }。在 FULLNAT 模式的负载均衡后面，看到的来源是负载均衡自身的地址，真实来源需查看其日志。
synflood-rec-ddos = 为 { $server } 接入 DDoS 防护（基础防护或高防 IP），并检查清洗阈值；这种规模的攻击应在防护层吸收，而不是在服务器上。
synflood-rec-kernel = 在服务器上：保持 net.ipv4.tcp_syncookies=1，调大 net.ipv4.tcp_max_syn_backlog 和监听队列（net.core.somaxconn），并用 nstat -az TcpExtListenDrops TcpExtSyncookiesSent 观察。
synflood-rec-sg = 如果主要来源很少且不是您的用户，在安全组或网络 ACL 中拒绝它们。
synflood-role-unacked = SYN/ACK 始终未被确认
