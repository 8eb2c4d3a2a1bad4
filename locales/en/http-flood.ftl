httpflood-summary = { $n } HTTP requests in { $secs } s ({ $rate }/s); { $uri_share }% to { $uri }, { $ua_share }% from User-Agent '{ $ua }': an HTTP flood (CC attack)
httpflood-base = The rest of the capture ran at { $baseline } requests/s ({ $total } requests in all).
httpflood-nobase = The whole capture is the burst ({ $total } requests in all): there is no quieter period in it to compare with.
httpflood-explanation = { $base } A burst of requests concentrated on one URL and one client program is the pattern of a CC attack: it spends the server's CPU on one expensive page. Top sources in the burst: { $ips }.
httpflood-rec-waf = Add a WAF CC custom rule: URI { $uri } (exact match), detection window { $window } s, { $count } requests from one source IP, action block for 30 minutes; lower the count if the attack persists.
httpflood-rec-ua = The User-Agent '{ $ua }' is a tool, not a browser: add a WAF rule that blocks or challenges it.
httpflood-rec-origin = Make sure the origin accepts traffic only from the WAF's back-to-origin addresses, so the rule cannot be bypassed.
httpflood-role-request = request
