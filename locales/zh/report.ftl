ui-title = pcapdoc 诊断报告
ui-compare-title = pcapdoc 双端对比报告
ui-verdict = 结论
ui-no-problems = 未发现问题。
ui-fix = 建议
ui-capture = 抓包文件
ui-file = 文件
ui-format = 格式
ui-size = 大小
ui-packets = 报文数
ui-span = 时间范围
ui-links = 链路类型
ui-anomalies = 异常
ui-drops = 抓包丢包
ui-issues = 文件损坏
ui-quality = 抓包质量
ui-findings = 诊断结论
ui-severity = 级别
ui-detector = 检测项
ui-stream = 流
ui-frames = 帧
ui-summary = 摘要
ui-evidence = 证据
ui-filter = Wireshark 过滤器
ui-recommendations = 修改建议
ui-timeline = 流 { $stream } 的时序
ui-frame = 帧号
ui-time = 时间 (秒)
ui-dir = 方向
ui-flags = 标志
ui-len = 长度
ui-what = 说明
ui-gap = 间隔 (秒)
ui-rows-left-out = 省略若干行
ui-streams = TCP 流
ui-ladder = 交互时序图
ui-client = 客户端
ui-server = 服务端
ui-idle = 空闲 { $secs } 秒
ui-none = 无
ui-clock = 时钟
ui-matched = 匹配的连接
ui-unmatched = 未匹配的连接
ui-side-findings = 单端抓包结论
ui-generated = 由 pcapdoc { $version } 生成。帧号和 tcp.stream 编号与 Wireshark 一致。
list-separator = 、
sentence-separator = { "" }
sentences = { $parts }
finding-unset = （无文本）
role-rst = RST
role-fin = FIN
role-syn-stream = SYN（流 { $stream }）
role-answer = 应答
empty = { "" }
clause-separator = ；

# 各种格式共用的报告用语（src/report/）
list = { $items }
anomaly-unsupported-link = { $n } 个不支持链路类型的帧
anomaly-not-ip = { $n } 个非 IP 帧
anomaly-bad-ip-header = { $n } 个错误的 IP 头
anomaly-ip-fragment = { $n } 个 IP 分片
anomaly-truncated-transport = { $n } 个被截断的传输层头
anomaly-bad-tcp-header-length = { $n } 个错误的 TCP 头长度
col-stream = 流
col-client = 客户端
col-server = 服务端
col-frames = 帧
col-packets = 报文
col-bytes = 字节
col-duration = 时长 秒
col-state = 状态
col-history = 历史
col-rtt = RTT 毫秒
col-retx = 重传
col-fast = 快速重传
col-spurious = 虚假重传
col-ooo = 乱序
col-dupack = 重复 ACK
col-lost = 丢失
col-zero-window = 零窗口
col-keepalive = 保活
col-client-stream = 客户端流
col-client-view = 客户端视角
col-server-stream = 服务端流
col-server-view = 服务端视角
col-matched-by = 匹配依据
col-lost-c2s = 丢失 客→服
col-lost-s2c = 丢失 服→客
col-made-on-path = 路径上产生
col-client-frame = 客户端帧
col-client-time = 客户端时间 (秒)
col-event = 报文
col-server-frame = 服务端帧
col-server-time = 服务端时间 (秒)
col-note = 说明
severity-info = 提示
severity-warning = 警告
severity-error = 错误
confidence-high = 高
confidence-medium = 中
confidence-low = 低
ui-confidence = 可信度：{ $level }
ui-confidence-confirm = 可信度：{ $level }；确认方法：{ $confirm }
ui-verdict-fix = { $summary }。建议：{ $fix }
ui-verdict-only = { $summary }。
ui-verdict-client = 客户端抓包：{ $verdict }
ui-verdict-server = 服务端抓包：{ $verdict }
ui-bytes = { $n } 字节
ui-seconds = { $s } 秒
ui-contents = 内容
ui-packets-streams = { $packets } 个包，{ $streams } 条 TCP 流
ui-in-file = { $role }（{ $file } 第 { $frame } 帧）
ui-checked = 已检查
health-tcp = { $streams } 条 TCP 流，其中 { $attempted } 条在抓包中发起，{ $established } 条建立成功；结束方式：{ $states }（SF：正常关闭；S0：无应答；REJ：被拒绝；RSTO/RSTR：被客户端/服务端重置；S1：仍未关闭）
health-rtt = 握手往返时间：中位数 { $median } ms，90% 低于 { $p90 } ms，最差 { $worst } ms（{ $n } 次握手）
health-dns = { $queries } 个 DNS 查询，{ $answered } 个得到应答（{ $rcodes }）：中位数 { $median } ms，最差 { $worst } ms
health-tls = 开始了 { $hellos } 次 TLS 握手，服务端应答 { $answered } 次，完成 { $completed } 次（随后有客户端的加密记录）
health-http = { $requests } 个 HTTP 请求；按状态码统计的响应：{ $statuses }
ui-focus = 范围
ui-at = 该时刻
ui-at-failed = 当时失败
ui-at-dns = 当时的 DNS
ui-at-nearest = 最近的结论
focus-span = 只列出 { $from } 至 { $to } 之间的结论和流
focus-from = 只列出 { $from } 之后的结论和流
focus-to = 只列出 { $to } 之前的结论和流
focus-scope = 只列出涉及 { $what } 的结论和流
focus-any = 任何主机
focus-host = { $hosts }
focus-silent = 抓包在 { $at } 前后没有 { $whose } 的任何流量：之前最后一个包在 { $before }，之后第一个包在 { $after }。当时失败的流量没有经过这个抓包点：请检查流量去了哪里（DNS 应答、路由、其他抓包点）
focus-moment = { $at } 前后：{ $packets } 个包，新建 { $connections } 个 TCP 连接（{ $failed } 个失败），{ $dns } 个 DNS 应答
focus-failed = 流 { $stream } { $client } → { $server }：{ $state }，时间 { $time }（第 { $frame } 帧）
focus-dns = { $time }：{ $name } → { $answers }（{ $rcode }，第 { $frame } 帧）
focus-nearest-before = [{ $n }] 该时刻之前 { $secs } 秒：{ $summary }
focus-nearest-after = [{ $n }] 该时刻之后 { $secs } 秒：{ $summary }
focus-none = 无
ui-note = 说明
note-files = 按时间顺序把 { $n } 个文件作为一个抓包读取：帧号和 Wireshark 过滤器对应合并后的文件（用同样的文件执行 mergecap -w merged.pcapng），每个证据帧也标出所在文件及其中的帧号
note-files-overlap = 把 { $n } 个文件作为一个抓包读取，但它们的时间相互重叠：像是不同接口或不同主机的抓包，已按时间逐包合并（与 mergecap 相同）；在两处都抓到的连接会出现两次。要对比客户端和服务端的抓包，请使用 pcapdoc compare
note-reassembly = 有 { $n } 字节乱序数据未重组（每个方向上限 { $cap } 字节）
note-evicted = 为使内存中最多保留 { $max } 条流（--max-streams），淘汰了 { $n } 条不活跃的 TCP 流；它们的结论在淘汰时得出，之后再次出现的同一四元组会获得新的流编号
note-released = 为最多保留 { $max } 条已关闭的流，释放了 { $n } 条已完整结束的 TCP 流；它们的结论在关闭时得出
note-detector-cap = { $detector } 在内存中保留了{ $table ->
    [resolutions] 最先出现的 { $cap } 个不同的 DNS 应答
    [servers] 流量最多的 { $cap } 个服务器
    [attempted] 连接尝试最多的 { $cap } 个服务器
    [sweeps] 目标地址最多的 { $cap } 个（源地址，端口）组合
    [logins] 短会话最多的 { $cap } 个（源地址，登录服务）组合
   *[other] { $cap } 个键
}；另有 { $n } 个（共 { $weight } 次{ $table ->
    [resolutions] 应答
   *[other] 尝试
}）已释放：只存在于它们之中的问题不会被报告
quality-duplicates = 有 { $n } 个 TCP 帧被重复抓取（IP 标识、序号和载荷相同，时间相近：镜像端口，或同时在网桥及其成员接口上抓包）；这些副本不计为重传
quality-missing-synack = 有 { $n } 个连接收到了数据应答，但抓包中缺少其 SYN/ACK（报文是抓包丢失的，不是网络丢失的）
quality-backwards = 有 { $n } 个帧的时间戳早于前一帧（合并或乱序的抓包）；其附近的间隔和速率只是近似值
ui-flows-title = pcapdoc 连接列表
ui-flows-narrow = （只显示主要列；160 列以上的终端，或使用 --format md、json、html 可显示全部列）
ui-client-side = 客户端抓包
ui-server-side = 服务端抓包
ui-client-alone = 仅客户端抓包的结论
ui-server-alone = 仅服务端抓包的结论
ui-clock-offset = 服务端时钟 = 客户端时钟 { $offset } 毫秒（± { $uncertainty } 毫秒，{ $pairs } 对报文）；单向时延 客户端 → 服务端 { $c2s } 毫秒，服务端 → 客户端 { $s2c } 毫秒
ui-clock-unknown = 两个抓包中没有共同的报文，时钟偏差未知
ui-compare-agree = 两端抓包一致：路径上没有丢包，也没有中间设备产生的报文。
ui-compare-timeline = 时序：客户端流 { $client } / 服务端流 { $server }（服务端时间已换算为客户端时钟）
ui-matched-count = { $n } 个匹配的连接
ui-matched-summary = 两个抓包中共有 { $total } 个相同的连接，其中 { $agree } 个逐包一致{ $hidden ->
    [0] {""}
   *[other] {""}（未列出：--all 可列出全部）
}{ $differ ->
    [0] 。
   *[other] ；以下 { $differ } 个存在差异：
}
ui-compare-minor = 有 { $n } 个连接在两端抓包之间相差一两个报文（在路径上丢失或产生），没有成规律的丢包。
ui-more-rows = 另有 { $n } 行，见 JSON 报告
ui-unmatched-client = 仅在客户端出现
ui-unmatched-server = 仅在服务端出现
ui-unmatched-flow = { $side }：流 { $stream } { $client } → { $server }（{ $packets } 个报文）
ui-labeled = { $label }：{ $value }
ui-colon = ：
read-truncated = 抓包文件在第 { $offset } 字节处截断于一条记录中间；结果覆盖第 1 至第 { $after_frame } 帧
read-corrupt = 第 { $after_frame } 帧之后、第 { $offset } 字节处的记录已损坏：{ $reason }
read-resynchronised = 跳过了 { $skipped } 字节损坏数据，从第 { $offset } 字节继续读取；Wireshark 在第 { $after_frame } 帧之后停止，因此之后的帧号在 Wireshark 中不存在
read-unknown-interface = 第 { $frame } 帧（第 { $offset } 字节）引用了文件中从未描述的接口 { $interface }
read-bad-tsresol = 接口 { $interface } 的 if_tsresol（{ $value }）无法使用，按微秒处理
read-in-file = { $file }：{ $issue }
read-io = 第 { $after_frame } 帧之后、第 { $offset } 字节处读取出错：{ $message }
reason-caplen = 记录声称有 { $claimed } 字节抓包数据，超过 { $max } 字节的上限
reason-block-length = 块长度 { $len } 不可能成立（小于 12、不是 4 的倍数或超过 16 MiB）
reason-parser = pcapng 解析器拒绝了该块（{ $detail }）
reason-pb-short = 报文块短于其 20 字节的固定头部
reason-pb-caplen = 报文块声称有 { $claimed } 字节抓包数据，实际只有 { $held } 字节
reason-spb-short = 简单报文块缺少长度字段
anomaly-unsupported-tunnel = { $n } 个使用 pcapdoc 无法解析的封装的隧道报文（未分析）
ui-tunnels = 隧道
ui-tunnel = { $kind } { $src } → { $dst }，{ $n } 帧（诊断针对隧道内的报文）
