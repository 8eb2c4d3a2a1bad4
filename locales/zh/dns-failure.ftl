# dns-failure（src/detect/dns_failure.rs）
dnsf-summary-dead = 解析服务器 { $resolver } 没有回应任何查询（共 { $queries } 个查询，{ $tries } 次尝试）：它不可达或被拦截，经由它的解析全部失败
dnsf-summary-lost = 解析服务器 { $resolver } 有 { $lost } 个查询没有回应（共 { $queries } 个查询，{ $tries } 次尝试）：经由它的解析丢失或超时
dnsf-explanation-lost = 发往 { $resolver } 的 { $lost } 个查询没有得到回应，共尝试 { $tries } 次，历时 { $span } 秒（第一个在第 { $first } 帧）：{ $names }。{ $heard }{ $outcome }
dnsf-tries = { $tries } 次尝试
dnsf-silent = 抓包中完全没有来自 { $resolver } 的 DNS 应答：查询没有到达它、它不提供 DNS 服务，或防火墙、安全组、ACL 丢弃了查询（也请确认该抓包点能看到入方向流量）。
dnsf-one-way = 在这个抓包中，发起查询的主机没有收到任何报文，连它的 TCP 连接的回包也没有：如果抓包点只能看到出方向流量（单向镜像、按源地址过滤），请先抓取双向流量再下结论。
dnsf-heard = 它回应了其他 { $answers } 个查询，说明它可达：这些查询在途中丢失，或它没能及时解析（其后的上游已宕机或很慢）。
dnsf-resolved-later = 这些名字在抓包中的其他地方都解析成功了（重试或换用其他解析服务器），但用户经历了延迟。
dnsf-never-resolved = 有 { $count } 个名字在抓包中始终没有解析成功。
dnsf-rec-reach = 检查到 { $resolver } 的 UDP 与 TCP 53 端口的路径（dig @{ $resolver } 域名；安全组、网络 ACL 与主机防火墙）；若它是转发型解析服务器，还要检查它转发到的上游。
dnsf-rec-alternate = 为客户端配置第二个可回退的解析服务器，并用它解析作对比。
dnsf-summary-rcode = 解析服务器 { $resolver } 解析 { $names } 个名字失败（{ $kinds }）
dnsf-explanation-rcode = { $resolver } 对 { $names } 返回了 { $kinds }。{ $never ->
    [0] 这些名字在抓包中都通过其他途径解析成功，客户端最终拿到了结果。
   *[other] 其中 { $never } 个在抓包中始终没有解析成功。
}
dnsf-rcode-servfail = { $count } 个 SERVFAIL
dnsf-rcode-refused = { $count } 个 REFUSED
dnsf-rec-servfail = SERVFAIL 表示 { $resolver } 无法从权威服务器或上游得到答案（它们宕机、不可达，或 DNSSEC 校验失败）：检查它的上游和该域名的权威服务器（dig +trace 域名）。
dnsf-rec-refused = REFUSED 表示 { $resolver } 不愿为该客户端或该名字提供解析（不允许为该客户端地址递归，或没有该域的上游）：检查它的访问控制和转发规则，或改用 VPC 提供的解析服务器。
dnsf-summary-nx = { $names ->
    [one] 名字 { $first } 不存在
   *[other] { $names } 个名字不存在（{ $first } 等）
}（{ $resolver } 返回 NXDOMAIN）：无法建立到它的连接
dnsf-explanation-nx = { $resolver } 对 { $names } 返回 NXDOMAIN：该名字在 DNS 中不存在（就这个解析服务器所知），抓包中也没有通过其他途径解析成功。配置中的拼写错误、记录被删除或尚未创建、该解析服务器看不到的内网分区（split-horizon），或客户端追加的搜索域，都会造成这种情况。
dnsf-rec-nx = 检查客户端配置中的名字和该区域的记录（分别向权威服务器和客户端所用的解析服务器执行 dig { $first }）；若是内网私有区域，确保客户端使用能解析它的解析服务器。
dnsf-summary-slow = 解析服务器 { $resolver } 响应缓慢：{ $count } 个应答超过 1 秒（最慢 { $worst } 秒）
dnsf-explanation-slow = { $resolver } 的 { $answers } 个应答中有 { $count } 个在首次查询 1 秒之后才到达；最慢的是 { $name }，用了 { $worst } 秒（查询第 { $query } 帧，应答第 { $answer } 帧）。每个等待这些名字的连接都会因此推迟建立。转发型解析服务器的上游慢或距离远、解析服务器负载高，或查询丢失后重试，都会造成这种情况。
dnsf-rec-slow = 检查 { $resolver } 转发到哪里以及速度如何（它的日志、重复执行 dig @{ $resolver } 域名）；使用离客户端更近的解析服务器，或本地缓存（nscd、systemd-resolved），可以为每次解析省下这段时间。
dnsf-name = { $name }{ $count ->
    [one] {""}
   *[other] {""}（{ $count } 次）
}
dnsf-more-names = 另外 { $count } 个
dnsf-role-first-query = 第一个失败的查询
dnsf-role-last-try = 最后一次没有回应的尝试
dnsf-role-answer = 它的应答
dnsf-role-slow-query = 最慢应答对应的查询
dnsf-role-slow-answer = 最慢的应答
confirm-dns-failure = 在同一主机、同一时间执行 dig @解析服务器 域名，会得到同样的状态或超时
# dga（src/detect/dga.rs，由 dns-failure 观察者生成）
dga-summary = { $host } 在 { $span } 秒内查询了 { $n } 个看似随机且不存在的域名（{ $resolver } 返回 NXDOMAIN）：这些域名由算法生成，是恶意程序寻找控制服务器的方式
dga-explanation = 像 { $names } 这样的域名不是人起的：其中的字母组合在单词和品牌名里很少出现。使用域名生成算法（DGA）的恶意程序会查询几十个这样的域名，而其控制者只注册了其中一两个，所以大多数返回 NXDOMAIN（共查询了 { $judged } 个疑似生成的域名）。
dga-resolved = 生成的域名中，以下能够解析，很可能就是控制服务器：{ $names }。
dga-contacted = 随后 { $host } 向 { $addr } 发起了连接（{ $name }，流 { $stream }）：它正在联系控制服务器。
dga-rec-isolate = 隔离 { $host }：停止实例，或在控制台切断其网络（只放行您自己地址的安全组），避免它接收指令
dga-rec-find = 找出发起查询的进程：在 Linux 上运行期间用 tcpdump -i any -nn port 53 配合 ss -unp（或 auditd 记录 connect）；解析服务器查询日志中 { $name } 首次出现的时间即感染时间
dga-rec-block = 先为磁盘创建快照用于取证，再在解析服务器或防火墙上封禁控制服务器地址（{ $addrs }）和这些生成的域名
dga-rec-keys = 更换该主机上的密码、SSH 密钥和访问密钥，并用可信镜像重建
dga-role-query = 对生成域名 { $name } 的查询
dga-role-nx = { $name } 返回 NXDOMAIN
dga-role-resolved = 一个存在的生成域名：{ $name } → { $addr }
dga-role-connect = 连接控制服务器 { $addr }（流 { $stream }）
confirm-dga-domains = 解析服务器的查询日志会显示同一主机在查询这些域名；在查询进行时用 ss -unp 或 auditd 找到对应进程
