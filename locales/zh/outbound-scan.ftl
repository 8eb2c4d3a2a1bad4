scan-sweep-summary = { $src } 尝试连接了 { $dests } 个不同地址的 { $port } 端口（{ $attempts } 次，每秒 { $rate } 次）：对外扫描
scan-sweep-explanation = 一台主机向大量地址的同一端口发起连接，是服务器被入侵后寻找下一个目标的典型行为，也是云服务器因“对外攻击”被封禁的原因。本次抓包中已结束的尝试里，{ $answered } 次得到应答，{ $refused } 次被 RST 拒绝，{ $silent } 次没有任何回应。
scan-rec-isolate = 首先隔离服务器：停止实例，或将出方向安全组规则收紧到业务所需，阻止攻击继续并便于解除封禁。
scan-rec-inspect = 排查恶意程序：未知进程（ps、top）、定时任务（/var/spool/cron、/etc/cron.*）、新增用户和 authorized_keys，以及向 { $port } 端口发起连接的进程（ss -tnp）；无法确认时用干净镜像重建。
scan-rec-keys = 更换服务器上所有密码和 SSH 密钥，更新系统与应用补丁，将 SSH 改为非 22 端口并只允许密钥登录。
scan-rec-egress = 收紧出方向安全组规则：除业务需要的地址外，拒绝出方向 TCP { $port } 及其他登录端口（22、23、445、3389）。
scan-rec-snapshot = 清理之前先为磁盘创建快照，用于取证：入侵途径决定了还需要修复什么。
brute-summary = { $src } 对 { $nhosts ->
    [one] { $hosts }
   *[other] { $nhosts } 台主机（{ $hosts }）
}的 { $port } 端口尝试登录 { $attempts } 次（每秒 { $rate } 次）：暴力破解
brute-summary-scan = { $login }，此前扫描了该端口的 { $dests } 个地址
brute-explanation = 每个连接都完成了握手、发送了凭据并在数秒内结束：{ $src } 正在猜测 { $port } 端口服务的密码。这正是云服务器因“对外攻击”被封禁的原因（案例 001）；如果 { $src } 是您的服务器，说明它正在运行他人的程序。
brute-explanation-rejected = 服务以明文拒绝了 { $rejected } 次登录。
brute-explanation-accepted = 在多次拒绝之后有 { $accepted } 次登录被接受：有密码被猜中，那台主机也已落入攻击者之手。
brute-summary-benign = { $src } 对 { $nhosts ->
    [one] { $hosts }
   *[other] { $nhosts } 台主机（{ $hosts }）
}的 { $port } 端口发起了 { $attempts } 次短登录：不是暴力破解
brute-explanation-benign-accepted = 服务接受了这些登录（{ $accepted } 次）且没有拒绝：这是每个请求新建一个连接、没有使用连接池的客户端。使用连接池可以省去这些握手。
brute-explanation-benign-slow = 没有登录被拒绝，且大约每 { $gap } 秒一次，是定时任务或监控检查的节奏，而不是猜密码工具的节奏。
brute-role-login = 对 { $dst } 的登录尝试（流 { $stream }）
brute-role-rejected = 服务拒绝了凭据（流 { $stream }）
brute-role-accepted = 服务接受了一次猜测（流 { $stream }）
brute-role-scan = 扫描的第一个 SYN（流 { $stream }）
confirm-brute-force = 在主机上用 ss -tnp 找出发起登录的进程；目标主机的认证日志（/var/log/auth.log 或 /var/log/secure）会记录失败的尝试
