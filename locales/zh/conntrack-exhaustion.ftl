ct-summary = { $span } 秒内到 { $server }（端口 { $ports }）的 { $n } 个新连接需要重传 SYN，其中 { $failed } 个始终未建立，而已建立的 { $working } 个连接仍在正常工作
ct-explanation = { $server }（或其前面的 NAT）只丢弃新连接：已有连接正常服务，新的 SYN 被忽略并重传。这是连接跟踪表已满（nf_conntrack: table full, dropping packet），或监听端口的全连接队列已满（应用调用 accept() 不够快）。
ct-rec-conntrack = 连接跟踪：执行 dmesg | grep conntrack，并比较 sysctl net.netfilter.nf_conntrack_count 与 nf_conntrack_max；若已满，调大 nf_conntrack_max、缩短 nf_conntrack_tcp_timeout_established，或用 raw 表 NOTRACK 规则让繁忙端口不做跟踪。
ct-rec-backlog = 全连接队列：在服务器上执行 ss -lnt（端口 { $ports } 监听的 Recv-Q 达到 Send-Q 即已满）和 nstat -az TcpExtListenOverflows TcpExtListenDrops；若已满，加快应用的 accept 处理，并调大监听 backlog 与 net.core.somaxconn。
ct-role-syn = SYN 发送了 { $syns } 次（流 { $stream }）
ct-role-served = 已建立的流 { $stream } 仍在正常服务
