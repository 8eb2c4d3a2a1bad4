# http-errors (src/detect/http_errors.rs)
he-summary = { $site } answered { $errors ->
    [one] 1 request
   *[other] { $errors } requests
} with a gateway error ({ $statuses }) out of { $responses }: the backend behind { $server } is failing
he-summary-all = Every request to { $site } failed with a gateway error ({ $statuses }): the backend behind { $server } is down or not answering
he-explanation = { $server } answered { $errors } of { $responses } responses for { $site } with 502, 503 or 504: { $urls }. The first came in frame { $first }, the last in frame { $last } ({ $span } s later). { $meanings }. { $writer }
he-url = { $method } { $path } ({ $statuses })
he-meaning-502 = 502 Bad Gateway: the proxy got no valid answer from its backend (the backend refused, reset or crashed)
he-meaning-503 = 503 Service Unavailable: no healthy backend, or the service is shedding load (rate limit, maintenance)
he-meaning-504 = 504 Gateway Timeout: the backend did not answer within the proxy's timeout (nginx proxy_read_timeout, the SLB's request timeout)
he-writer-proxy = The error pages carry “Server: { $header }” while most of this site's successful responses carry “Server: { $ok }”: the proxy in front (an SLB, a WAF, nginx) wrote them, so the client reached it and the hop behind it failed.
he-writer-same = The error pages carry the same “Server: { $header }” as most successful ones: the backend itself, or the proxy that writes every response, answered them.
he-writer-alone = The error pages carry “Server: { $header }”; no successful response from this site is in the capture to compare with.
he-writer-none = The error pages carry no Server header, so the capture cannot say whether the proxy or the backend wrote them.
he-rec-backend = Check the backends of { $site }: their health checks on the SLB, whether the service is running and listening, its error log at these times, and its response time against the proxy's timeout.
he-rec-proxy = Read the proxy's error log for these requests (nginx error.log "upstream", the SLB or WAF access log's upstream status and upstream response time): it names the backend address that failed and how.
he-role-first-request = request that got the first gateway error
he-role-first-error = first gateway error
he-role-last-error = last gateway error
hu-summary = { $count ->
    [one] A request
   *[other] { $count } requests
} to { $server } got no response: the connection closed before any answer
hu-explanation = { $client } sent { $method } { $path } (frame { $frame }) and { $server } sent nothing back before { $closed } ({ $count ->
    [one] 1 request
   *[other] { $count } requests
} in all). A server that accepts the connection and closes it without answering is crashing or rejecting the request (a worker that dies, a request-size or header limit, a proxy with no backend to send it to); a client that closes first gave up waiting.
hu-closed-server = { $server } closed the connection (FIN, frame { $frame })
hu-closed-client = the client { $client } gave up and closed (FIN, frame { $frame })
hu-rec = Read the error log of the service on { $server } (and of any proxy in front of it) at these times for requests closed without a response, and compare with the same request sent with curl -v.
hu-role-request = request never answered
confirm-http-errors = the proxy's or the SLB's access log at these times shows the same statuses and the upstream that failed
