# beaconing（src/detect/beaconing.rs）
beacon-summary = { $host } 每隔 { $period } 秒（±{ $jitter } %）连接一次 { $peer }，共 { $count } 次，每次请求约 { $bytes } 字节：这是后门信标的节奏
beacon-explanation = 以固定周期、用小而相似的请求连接一个抓包中没有其他人访问的地址，是后门向控制服务器报到、领取指令的方式（{ $peer }）。
beacon-explanation-alone = 定时任务（调用接口的 cron、更新检查、监控代理）也有同样的节奏，而这里没有其他迹象表明主机被入侵：单凭这一点只是需要核实的线索，不是证据。
beacon-sign-dga = 该地址的域名 { $name } 看起来是算法生成的，恶意程序的控制服务器常用这种域名。
beacon-sign-other = 同一主机还出现在 { $what } 的发现中：这个节奏就是它的后门在报到。
beacon-rec-find = 找出进程：在其运行时执行 ss -tnp | grep { $peer }（或用 auditd 记录对 { $port } 端口的 connect），再查看其程序（ls -l /proc/PID/exe）和父进程
beacon-rec-timer = 查找周期为 { $period } 秒的任务：每个用户的 crontab -l、/etc/cron.*、systemctl list-timers 以及已安装的代理；没人设置过的任务就是后门
beacon-rec-isolate = 如果无法解释，隔离 { $host }（停止实例或在控制台切断其网络），为磁盘创建快照用于取证，在安全组中封禁 { $ip }，并更换它保存的密钥
beacon-rec-allow = 如果这是预期的流量（监控或更新服务器），用 --allow { $ip } 标明，pcapdoc 将不再报告
beacon-role-first = 第一次报到（流 { $stream }）
beacon-role-checkin = 一次报到（流 { $stream }）
confirm-beaconing = 在主机上，ss -tnp 会显示每次报到时持有连接的进程；crontab 和 systemd 定时器会显示是否有相同周期的任务
