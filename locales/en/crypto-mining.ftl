# crypto-mining (src/detect/crypto_mining.rs)
mining-summary = { $miner } is mining cryptocurrency: it speaks stratum to { $npools ->
    [one] the pool
   *[other] the pools
} { $pool } ({ $who }; { $submits ->
    [one] 1 share submitted
   *[other] { $submits } shares submitted
})
mining-summary-tls = { $miner } connects over TLS to { $sni } ({ $pool }), a mining pool's name: likely a miner
mining-who = worker { $worker }, agent { $agent }
mining-explanation = The connections to { $pool } carry the stratum protocol ({ $methods }): the miner logs in with its wallet or worker name, the pool hands out work ({ $jobs } jobs seen) and the miner returns shares ({ $submits } seen), over { $connections ->
    [one] 1 connection
   *[other] { $connections } connections
}. A server nobody set up to mine that does this is infected: the miner takes its CPU, and the cloud provider blocks instances that mine or attack others (seeds 001 and 004).
mining-explanation-tls = The ClientHello names a mining-pool service; the contents are encrypted, so the stratum itself is not visible ({ $connections ->
    [one] 1 connection
   *[other] { $connections } connections
}). Confirm on the host which process holds the connection.
mining-rec-isolate = Isolate { $miner } now: stop the instance, or cut its network in the console (a security group that allows only your own address), so the miner stops and nothing spreads
mining-rec-snapshot = Before cleaning, snapshot its disks for forensics (how it got in decides what else to fix)
mining-rec-find = Find the miner on the host: ss -tnp | grep :{ $port } names the process connected to { $pool }; then its binary (ls -l /proc/PID/exe), crontab -l for every user, systemd units and ~/.ssh/authorized_keys it added
mining-rec-sg = Block outbound traffic to { $pool } and to ports the server has no business with in its security group, and check for other open ports
mining-rec-keys = Rotate the server's passwords, SSH keys and the access keys stored on it; rebuild from a trusted image or snapshot rather than trust a cleaned system
mining-role-login = the miner's login to the pool (stream { $stream })
mining-role-job = work from the pool (stream { $stream })
mining-role-hello = the ClientHello naming the pool (stream { $stream })
confirm-crypto-mining = on the host, ss -tnp shows the process holding the pool connection, and top shows it using the CPU
