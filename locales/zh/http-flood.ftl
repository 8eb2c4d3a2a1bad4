httpflood-summary = { $secs } 秒内 { $n } 个 HTTP 请求（每秒 { $rate } 个）；{ $uri_share }% 请求 { $uri }，{ $ua_share }% 来自 User-Agent“{ $ua }”：HTTP Flood（CC 攻击）
httpflood-base = 抓包其余时间的请求速率为每秒 { $baseline } 个（共 { $total } 个请求）。
httpflood-nobase = 整个抓包都处于突发期（共 { $total } 个请求），没有可供对比的平稳时段。
httpflood-explanation = { $base }集中在同一 URL 和同一客户端程序的请求突发是 CC 攻击的特征：它让服务器的 CPU 消耗在同一个高开销页面上。突发期间的主要来源：{ $ips }。
httpflood-rec-waf = 在 WAF 中添加 CC 自定义防护规则：URI { $uri }（完全匹配），检测时长 { $window } 秒，单一源 IP 访问 { $count } 次，执行封禁，封禁 30 分钟；攻击持续时可调低次数。
httpflood-rec-ua = User-Agent“{ $ua }”是工具而非浏览器：在 WAF 中添加规则对其封禁或人机验证。
httpflood-rec-origin = 确保源站只接受 WAF 回源地址的访问，避免规则被绕过。
httpflood-role-request = 请求
