# peer-silent (src/detect/peer_silent.rs)
ps-summary = { $peer } 不再应答 { $sender }：同一个报文段重传了 { $retries } 次、历时 { $secs } 秒，没有任何回应{ $more ->
    [0] { "" }
   *[other] ；另有 { $more } 个到它的连接同样失去应答
}
ps-summary-slow = { $peer } 有 { $secs } 秒没有应答 { $sender }，之后恢复了应答：对端慢或短暂不可达，并未失联
ps-explanation = 从第 { $frame } 帧起，{ $sender } 重传一个 { $peer } 未确认的报文段，共 { $retries } 次，按 TCP 重传退避（每次等待约为上次的两倍），历时 { $secs } 秒，这条连接上 { $peer } 没有发回任何确认它或表明收到了它的报文。对端或到它的路径已经不在了：主机崩溃或卡死，NAT、SLB 或防火墙丢掉了会话，路由黑洞，或者连接存续期间安全组被修改。
ps-explanation-slow = 从第 { $frame } 帧起，{ $sender } 重传了 { $retries } 次而 { $peer } 没有回应；{ $secs } 秒后 { $peer } 在第 { $answer } 帧恢复应答。连接没有断：对端或路径停顿了一段时间（长时间 GC 停顿、主机繁忙、路由抖动），用户看到的是一次卡顿。
ps-peer-resends = 其间 { $peer } 仍在重传自己的数据（{ $n } 次，确认号没有前进）：它还活着，但 { $sender } 发出的内容到不了它；通往 { $peer } 方向的路径在丢包。
ps-end-reset = 随后 { $sender } 放弃并重置了连接（第 { $frame } 帧）。
ps-end-peer-reset = 最后 { $peer } 重置了连接（第 { $frame } 帧）：它也放弃了等待。
ps-end-fin = 随后 { $sender } 关闭了自己一侧（第 { $frame } 帧）。
ps-end-gave-up = { $sender } 在抓包结束前很久就不再重传：它放弃了这条连接。
ps-end-capture = 抓包结束时它仍在重传。
ps-where-sender = 此抓包就在 { $sender } 本机抓取（它的报文带着初始 TTL 发出）：重传离开了本机，没有应答到达；在 { $peer } 上抓包可以判断重传是否到达了它（到达了则是它的应答在回程丢失或它卡住了，没到达则是去程丢失）。
ps-where-path = 在此抓包中可以看到 { $sender } 的重传，而 { $peer } 没有任何回应：静默发生在此抓包点之后通往 { $peer } 的方向，或 { $peer } 停止了响应；在 { $peer } 上抓包可以判断是哪一种。
ps-rec-peer = 检查 { $peer } 在那一刻是否存活：运行时间和内核日志、应用日志、CPU 和内存（卡死的虚拟机不会应答任何报文）。
ps-rec-path = 检查 { $sender } 与 { $peer } 之间哪一环可能在那一刻忘记或丢弃了连接：SLB 或 NAT 会话超时或切换、安全组或 ACL 变更、路由变化；在 Linux 中间设备上用 conntrack -L 可以看到会话是否还在。
ps-rec-other-end = 同时在 { $peer } 上抓包，并对两份抓包运行 pcapdoc compare：可以看出重传在哪一段丢失。
ps-role-first = 第一次重传
ps-role-heard = 静默前对端的最后一个报文
ps-heard = 这条连接上 { $peer } 的最后一个报文是第 { $frame } 帧，在最后一次重传之前 { $secs } 秒。
ps-never-heard = 抓包中没有这条连接上来自 { $peer } 的报文。
ps-role-last-retry = 最后一次重传（共 { $n } 次）
ps-role-end = 发送方放弃
ps-role-answer = 对端终于应答
ps-role-peer-reset = 静默的对端重置了连接
confirm-peer-silent = 同时在静默的对端抓包，可以看出重传是否到达了它
