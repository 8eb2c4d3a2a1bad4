# zero-window（src/detect/zero_window.rs）
zw-summary = { $receiver } 通告零窗口 { $secs } 秒，{ $sender } 的数据一直在等待发送：{ $receiver } 上的应用停止了读取{ zw-more }
zw-summary-closed = { $receiver } 保持零窗口 { $secs } 秒，窗口重新打开前连接即被重置：{ $sender } 的数据始终没有送达{ zw-more }
zw-more = { $more ->
    [0] { "" }
   *[other] ；另有 { $more } 个到它的连接以同样方式停滞
}
zw-explanation = 从第 { $first } 帧起，{ $receiver } 告知 { $sender } 其接收缓冲区已满（窗口为 0），持续 { $secs } 秒；期间 { $sender } 发送了 { $probes } 个零窗口探测（Wireshark 将其标为 zero-window probe；Linux 的探测序号较旧，被标为 keep-alive）。{ $outcome }{ $receiver } 的内核在正常接收，是其上层应用没有读取套接字：进程繁忙或被阻塞（磁盘写入慢、锁、下游队列已满、垃圾回收），而不是网络问题。
zw-reopened = 窗口在第 { $frame } 帧重新打开。
zw-never = 抓包中窗口始终没有重新打开。
zw-rec-app = 查看 { $receiver } 上该进程在此时刻的状态（日志、CPU 与磁盘 I/O 等待、线程堆栈）；读取停滞数秒会拖慢该连接上的所有请求。
zw-rec-buffer = 如果读取方本来就慢，改为在独立线程中读取，或调大其接收缓冲区（net.ipv4.tcp_rmem、SO_RCVBUF）；若应用持续跟不上，调大缓冲区只会推迟停滞。
zw-role-first = 第一个零窗口
zw-role-probe = 第一个零窗口探测
zw-role-reopen = 窗口重新打开
confirm-zero-window = 查看接收进程的日志，或此时刻的 CPU 与磁盘 I/O 监控，可确认是什么阻塞了它
