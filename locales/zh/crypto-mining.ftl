# crypto-mining (src/detect/crypto_mining.rs)
mining-summary = { $miner } 正在挖矿：它用 stratum 协议连接 { $npools } 个矿池 { $pool }（{ $who }；提交了 { $submits } 个份额）
mining-summary-tls = { $miner } 通过 TLS 连接 { $sni }（{ $pool }），这是矿池服务的域名：很可能是挖矿程序
mining-who = 矿工 { $worker }，程序 { $agent }
mining-explanation = 到 { $pool } 的连接承载的是 stratum 挖矿协议（{ $methods }）：挖矿程序用钱包或矿工名登录，矿池下发任务（看到 { $jobs } 个），挖矿程序提交份额（看到 { $submits } 个），共 { $connections } 个连接。一台没有人安排挖矿的服务器出现这种流量，说明已经中毒：挖矿程序占用 CPU，云厂商会封禁挖矿或对外攻击的实例（案例 001、004）。
mining-explanation-tls = ClientHello 中的域名属于矿池服务；内容是加密的，看不到 stratum 本身（{ $connections } 个连接）。请在主机上确认是哪个进程建立了这个连接。
mining-rec-isolate = 立即隔离 { $miner }：在控制台停止实例，或断开其网络（安全组只放行你自己的地址），让挖矿停止、避免扩散
mining-rec-snapshot = 清理之前先为磁盘创建快照以便取证（入侵途径决定还要修复什么）
mining-rec-find = 在主机上找到挖矿程序：ss -tnp | grep :{ $port } 会列出连接 { $pool } 的进程；再查它的程序文件（ls -l /proc/PID/exe）、每个用户的 crontab -l、它添加的 systemd 服务和 ~/.ssh/authorized_keys
mining-rec-sg = 在安全组中阻断到 { $pool } 的出方向流量以及服务器不需要的端口，并检查其他开放的端口
mining-rec-keys = 更换服务器的密码、SSH 密钥以及其中保存的访问密钥；用可信的镜像或快照重建，而不是信任清理过的系统
mining-role-login = 挖矿程序登录矿池（流 { $stream }）
mining-role-job = 矿池下发的任务（流 { $stream }）
mining-role-hello = 指向矿池的 ClientHello（流 { $stream }）
confirm-crypto-mining = 在主机上执行 ss -tnp 可以看到持有矿池连接的进程，top 可以看到它占用 CPU
