scan-sweep-summary = { $src } tried { $dests } different addresses on port { $port } ({ $attempts } attempts, { $rate }/s): an outbound scan
scan-sweep-explanation = One host opening connections to many addresses on one port is what a compromised server does when it looks for more victims, and what gets a cloud server blocked for attacking others ('对外攻击'). Of the attempts that finished in this capture, { $answered } were answered, { $refused } refused with a RST and { $silent } got nothing back.
scan-rec-isolate = Isolate the server first: stop the instance or restrict its outbound security-group rules to what the business needs, so the attack stops and the block is lifted.
scan-rec-inspect = Inspect it for malware: unknown processes (ps, top), cron jobs (/var/spool/cron, /etc/cron.*), new users and authorized_keys, and what opens connections to port { $port } (ss -tnp); rebuild from a clean image if in doubt.
scan-rec-keys = Rotate every password and SSH key the server held, patch the system and applications, and move SSH off port 22 with key-only logins.
scan-rec-egress = Tighten outbound security-group rules: deny outbound TCP { $port } and the other login ports (22, 23, 445, 3389) except to the addresses the business needs.
scan-rec-snapshot = Before cleaning, snapshot its disks for forensics: how it got in decides what else must be fixed.
brute-summary = { $src } tried { $attempts } logins to port { $port } on { $nhosts ->
    [one] { $hosts }
   *[other] { $nhosts } hosts ({ $hosts })
}, { $rate }/s: brute force
brute-summary-scan = { $login }, after scanning { $dests } addresses on that port
brute-explanation = Each connection completed its handshake, sent credentials and was over within seconds: { $src } is guessing passwords of the service on port { $port }. This is what gets a cloud server blocked for attacking others (seed 001); if { $src } is your server, it runs someone else's program.
brute-explanation-rejected = The service refused { $rejected ->
    [one] 1 login
   *[other] { $rejected } logins
} in plain text.
brute-explanation-accepted = { $accepted ->
    [one] 1 login was
   *[other] { $accepted } logins were
} accepted after refusals: a guess worked, and that host is now in the attacker's hands too.
brute-summary-benign = { $src } made { $attempts } short logins to port { $port } on { $nhosts ->
    [one] { $hosts }
   *[other] { $nhosts } hosts ({ $hosts })
}: not brute force
brute-explanation-benign-accepted = The service accepted the logins ({ $accepted } seen) and refused none: a client that opens a connection per request instead of keeping a pool. Pooling would save the handshakes.
brute-explanation-benign-slow = Nothing was refused and the logins came about every { $gap } s, at a schedule's pace (a cron job, a monitoring check), not a guessing tool's.
brute-role-login = login attempt to { $dst } (stream { $stream })
brute-role-rejected = the service refuses the credentials (stream { $stream })
brute-role-accepted = the service accepts a guess (stream { $stream })
brute-role-scan = the first SYN of the scan (stream { $stream })
confirm-brute-force = on the host, ss -tnp names the process making the logins; the target's auth log (/var/log/auth.log or /var/log/secure) shows the failed attempts
