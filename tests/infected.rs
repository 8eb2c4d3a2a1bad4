//! Issue 22: an infected server seen from its traffic. Crafted edge cases beside the lab's
//! captures/crypto-mining-*.pcap and captures/brute-force-*.pcap (checked in detectors.rs
//! against their expectations).

use pcapdoc::detect::{Confidence, Finding, Severity};

use crate::detectors::findings;
use crate::support::craft::{C, Craft, S, handshake};

fn run(c: &Craft) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    findings(&c.write(dir.path(), "case.pcap"))
}

fn mining(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.detector == "crypto-mining").collect()
}

/// One connection from C to S:`port` carrying `lines` from the client, each answered with
/// `reply` by the server.
fn jsonrpc(c: &mut Craft, cport: u16, port: u16, lines: &[&str], reply: &str) {
    let (mut cs, mut ss) = handshake(c, cport, port);
    for l in lines {
        let m = format!("{l}\n");
        c.wait(0.05).tcp((C, cport), (S, port), cs, ss, "AP", m.as_bytes(), 64);
        cs += m.len() as u32;
        let r = format!("{reply}\n");
        c.wait(0.01).tcp((S, port), (C, cport), ss, cs, "AP", r.as_bytes(), 64);
        ss += r.len() as u32;
    }
}

#[test]
fn a_stratum_login_and_shares_on_any_port_are_mining_at_error() {
    let mut c = Craft::new();
    jsonrpc(
        &mut c,
        40_000,
        8443,
        &[
            r#"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD","pass":"x","agent":"XMRig/6.20.0"}}"#,
            r#"{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"w","job_id":"5","nonce":"2a000001","result":"00"}}"#,
        ],
        r#"{"id":1,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}"#,
    );
    let fs = run(&c);
    let m = mining(&fs);
    assert_eq!(m.len(), 1, "{fs:#?}");
    assert_eq!(m[0].severity, Severity::Error);
    assert_eq!(m[0].facts["pools"][0], "198.51.100.20:8443");
    assert_eq!(m[0].facts["agent"], "XMRig/6.20.0");
    assert_eq!(m[0].facts["shares_submitted"], 1);
    assert!(m[0].summary.to_string().contains("192.0.2.10 is mining cryptocurrency"), "{}", m[0].summary);
}

#[test]
fn an_ordinary_json_rpc_api_with_login_and_submit_methods_is_not_mining() {
    let mut c = Craft::new();
    jsonrpc(
        &mut c,
        40_001,
        8080,
        &[
            r#"{"jsonrpc":"2.0","id":1,"method":"login","params":{"user":"alice","password":"s3cret"}}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"submit","params":{"form":"contact","text":"hello"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"job","params":{"id":7,"state":"done"}}"#,
        ],
        r#"{"jsonrpc":"2.0","id":1,"result":true}"#,
    );
    let fs = run(&c);
    assert!(mining(&fs).is_empty(), "{fs:#?}");
}

/// A TLS ClientHello naming `sni`.
fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut sni_ext = Vec::new();
    sni_ext.extend(((name.len() + 3) as u16).to_be_bytes());
    sni_ext.push(0);
    sni_ext.extend((name.len() as u16).to_be_bytes());
    sni_ext.extend(name);
    let mut ext = vec![0, 0];
    ext.extend((sni_ext.len() as u16).to_be_bytes());
    ext.extend(sni_ext);
    let mut body = vec![3, 3];
    body.extend([7u8; 32]);
    body.push(0); // session id
    body.extend([0, 2, 0x13, 0x01]); // one cipher suite
    body.extend([1, 0]); // null compression
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![1];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut rec = vec![22, 3, 1];
    rec.extend((hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

#[test]
fn tls_to_a_mining_pools_name_is_a_warning_at_low_confidence_and_look_alike_names_are_not() {
    let mut c = Craft::new();
    for (i, sni) in
        ["xmr-eu1.nanopool.org", "poolside.example", "pool.ntp.example", "supportxmrx.example"].iter().enumerate()
    {
        let port = 40_100 + i as u16;
        let (cs, ss) = handshake(&mut c, port, 443);
        let hello = client_hello(sni);
        c.wait(0.01).tcp((C, port), (S, 443), cs, ss, "AP", &hello, 64);
        c.wait(0.01).tcp((S, 443), (C, port), ss, cs + hello.len() as u32, "A", &[], 64);
    }
    let fs = run(&c);
    let m = mining(&fs);
    assert_eq!(m.len(), 1, "{fs:#?}");
    assert_eq!(m[0].severity, Severity::Warning);
    assert_eq!(m[0].confidence, Confidence::Low);
    assert_eq!(m[0].facts["server_name"], "xmr-eu1.nanopool.org");
    assert_eq!(m[0].facts["connections"], 1, "only the pool's name counts");
}

fn brute(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.detector == "brute-force").collect()
}

/// One login session from C to `dst`: handshake, the service's banner (if any), the client's
/// `creds`, the service's `reply`, and a close by the client.
fn login(c: &mut Craft, cport: u16, dst: ([u8; 4], u16), banner: &[u8], creds: &[u8], reply: &[u8]) {
    let cl = (C, cport);
    c.tcp(cl, dst, 1000, 0, "S", &[], 64).wait(0.001);
    c.tcp(dst, cl, 5000, 1001, "SA", &[], 64).wait(0.001);
    c.tcp(cl, dst, 1001, 5001, "A", &[], 64);
    let (mut cs, mut ss) = (1001u32, 5001u32);
    if !banner.is_empty() {
        c.wait(0.002).tcp(dst, cl, ss, cs, "PA", banner, 64);
        ss += banner.len() as u32;
    }
    c.wait(0.002).tcp(cl, dst, cs, ss, "PA", creds, 64);
    cs += creds.len() as u32;
    c.wait(0.002).tcp(dst, cl, ss, cs, "PA", reply, 64);
    ss += reply.len() as u32;
    c.wait(0.002).tcp(cl, dst, cs, ss, "FA", &[], 64);
    c.wait(0.001).tcp(dst, cl, ss, cs + 1, "FA", &[], 64);
    c.tcp(cl, dst, cs + 1, ss + 1, "A", &[], 64);
}

/// `n` login sessions like [`login`] to one service, `gap` seconds apart; the brute-force
/// findings they give.
fn logins(n: u16, dst: ([u8; 4], u16), banner: &[u8], creds: &[u8], reply: &[u8], gap: f64) -> Vec<Finding> {
    let mut c = Craft::new();
    for i in 0..n {
        login(&mut c, 42_000 + i, dst, banner, creds, reply);
        c.wait(gap);
    }
    run(&c).into_iter().filter(|f| f.detector == "brute-force").collect()
}

const AUTH: &[u8] = b"*2\r\n$4\r\nAUTH\r\n$6\r\nqwerty\r\n";
const WRONGPASS: &[u8] = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";

#[test]
fn redis_passwords_guessed_on_several_hosts_are_brute_force_with_the_refusals_and_the_guess_that_worked() {
    let mut c = Craft::new();
    let mut port = 41_000;
    for h in 0..4u8 {
        for g in 0..6 {
            let right = h == 3 && g == 5;
            login(&mut c, port, ([203, 0, 113, 10 + h], 6379), b"", AUTH, if right { b"+OK\r\n" } else { WRONGPASS });
            port += 1;
            c.wait(0.05);
        }
    }
    let fs = run(&c);
    let b = brute(&fs);
    assert_eq!(b.len(), 1, "{fs:#?}");
    assert_eq!(b[0].severity, Severity::Error);
    assert_eq!(b[0].confidence, Confidence::High, "the refusals are in plain text");
    assert_eq!(b[0].facts["hosts"], 4);
    assert_eq!(b[0].facts["attempts"], 24);
    assert_eq!(b[0].facts["rejected"], 23);
    assert_eq!(b[0].facts["accepted"], 1);
    let roles: Vec<String> = b[0].evidence.iter().map(|e| e.role.to_string()).collect();
    assert!(roles.iter().any(|r| r.contains("refuses")), "{roles:?}");
    assert!(roles.iter().any(|r| r.contains("accepts a guess")), "{roles:?}");
    assert!(b[0].explanation.to_string().contains("a guess worked"), "{}", b[0].explanation);
    assert!(fs.iter().all(|f| f.detector != "outbound-scan"), "four hosts are no sweep: {fs:#?}");
}

#[test]
fn an_app_that_logs_in_per_request_and_is_accepted_is_info_not_brute_force() {
    // MySQL: the greeting, the client's login, the server's OK (sequence 2).
    let greeting = b"J\0\0\0\x0a8.0.36\0";
    let ok = b"\x07\0\0\x02\0\0\0\x02\0\0\0";
    let mysql = ([198, 51, 100, 20], 3306);
    let creds = b"\x20\0\0\x01\x85\xa6root\0";
    let b = logins(30, mysql, greeting, creds, ok, 0.1);
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(b[0].severity, Severity::Info);
    assert_eq!(b[0].facts["accepted"], 30);
    assert!(b[0].summary.to_string().contains("not brute force"), "{}", b[0].summary);

    // The same app refused every time (ERR 1045) is guessing, whatever its pace.
    let denied = b"\x48\0\0\x02\xff\x15\x04#28000Access denied for user 'root'@'192.0.2.10' (using password: YES)";
    let b = logins(20, mysql, greeting, creds, denied, 40.0);
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(b[0].severity, Severity::Error);
    assert_eq!(b[0].facts["rejected"], 20);
}

#[test]
fn ssh_logins_at_a_tools_pace_are_brute_force_at_medium_confidence_and_at_a_cron_jobs_pace_info() {
    let banner = b"SSH-2.0-OpenSSH_9.2p1\r\n";
    let hello = b"SSH-2.0-libssh_0.9.6\r\n";
    let ssh = ([198, 51, 100, 20], 22);
    let encrypted = b"\0\0\x01\x0c\x0a\x14encrypted";
    let b = logins(20, ssh, banner, hello, encrypted, 0.3);
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(b[0].severity, Severity::Error);
    assert_eq!(b[0].confidence, Confidence::Medium, "SSH hides the refusals");

    let b = logins(20, ssh, banner, hello, encrypted, 60.0);
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(b[0].severity, Severity::Info, "one login a minute is a schedule");
    assert!(b[0].explanation.to_string().contains("every 60 s"), "{}", b[0].explanation);
}

#[test]
fn banner_grabs_without_credentials_are_not_brute_force() {
    let mut c = Craft::new();
    for i in 0..30u16 {
        let (cl, sv) = ((C, 46_000 + i), ([198, 51, 100, 20], 22));
        c.tcp(cl, sv, 1000, 0, "S", &[], 64).tcp(sv, cl, 5000, 1001, "SA", &[], 64);
        c.tcp(cl, sv, 1001, 5001, "A", &[], 64).tcp(sv, cl, 5001, 1001, "PA", b"SSH-2.0-OpenSSH_9.2\r\n", 64);
        c.tcp(cl, sv, 1001, 5022, "RA", &[], 64).wait(0.1);
    }
    let fs = run(&c);
    assert!(brute(&fs).is_empty(), "{fs:#?}");
}

#[test]
fn a_scan_that_then_guesses_logins_on_the_port_is_one_finding() {
    let mut c = Craft::new();
    for i in 0..20u8 {
        let (cl, dst) = ((C, 47_000 + u16::from(i)), ([203, 0, 113, 30 + i], 6379));
        c.tcp(cl, dst, 7000, 0, "S", &[], 64).tcp(dst, cl, 0, 7001, "RA", &[], 64).wait(0.02);
    }
    for i in 0..20 {
        login(&mut c, 48_000 + i, ([203, 0, 113, 10], 6379), b"", AUTH, WRONGPASS);
        c.wait(0.05);
    }
    let fs = run(&c);
    let b = brute(&fs);
    assert_eq!(b.len(), 1, "{fs:#?}");
    assert!(fs.iter().all(|f| f.detector != "outbound-scan"), "{fs:#?}");
    assert_eq!(b[0].facts["scanned_destinations"], 21);
    assert!(b[0].summary.to_string().contains("after scanning 21 addresses"), "{}", b[0].summary);
    assert_eq!(b[0].frames[0], 1, "the scan's first SYN is cited");
}

// ---- dga: bursts of generated names

/// A DNS message for `name` (A): a query, or a response with `rcode` and, for NOERROR, `addr`.
fn dns(id: u16, name: &str, response: Option<(u8, Option<[u8; 4]>)>) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    let (flags, answers) = match response {
        None => ([0x01, 0x00], 0u16),
        Some((rcode, addr)) => ([0x81, 0x80 | rcode], u16::from(addr.is_some())),
    };
    m.extend(flags);
    m.extend([0, 1]);
    m.extend(answers.to_be_bytes());
    m.extend([0, 0, 0, 0]);
    for l in name.split('.') {
        m.push(l.len() as u8);
        m.extend(l.as_bytes());
    }
    m.extend([0, 0, 1, 0, 1]);
    if let Some((_, Some(a))) = response {
        m.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend(a);
    }
    m
}

/// Lookups of `names` by C at the resolver, `gap` seconds apart, each answered with `rcode`
/// (and `addr` for NOERROR).
fn lookups(c: &mut Craft, names: &[&str], rcode: u8, addr: Option<[u8; 4]>, gap: f64) {
    let resolver = ([198, 51, 100, 1], 53);
    for (i, n) in names.iter().enumerate() {
        let id = 0x4000 + i as u16 + (rcode as u16) * 0x100;
        let client = (C, 50_000 + (i as u16 % 1000));
        c.udp(client, resolver, &dns(id, n, None)).wait(0.002);
        c.udp(resolver, client, &dns(id, n, Some((rcode, addr)))).wait(gap);
    }
}

const GENERATED: &[&str] = &[
    "yxklmoehdzwjxu.biz",
    "tgrufyzptm.com",
    "yanvmtfagvfdj.info",
    "royzwiddqfkcl.info",
    "zojmddbkhimxj.com",
    "fnalmafudmoqg.com",
    "bbzbxjzytjhywfa.com",
    "agbampqauixvffu.net",
    "xdcnkboeljvkx.info",
    "ewonugvkzmyogxl.biz",
    "tinzufnfxhk.net",
    "jjsvspdxifbhjp.biz",
];

fn dga(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.detector == "dga-domains").collect()
}

#[test]
fn a_burst_of_generated_names_answered_nxdomain_is_dga_and_the_one_contacted_is_the_controller() {
    let mut c = Craft::new();
    lookups(&mut c, &GENERATED[..11], 3, None, 0.2);
    lookups(&mut c, &["wzbxefzhqmoo.net"], 0, Some([203, 0, 113, 66]), 0.1);
    let (cl, c2) = ((C, 40_500), ([203, 0, 113, 66], 4444));
    c.tcp(cl, c2, 1000, 0, "S", &[], 64).tcp(c2, cl, 5000, 1001, "SA", &[], 64);
    let fs = run(&c);
    let d = dga(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert_eq!(d[0].severity, Severity::Error, "the host calls its controller");
    assert_eq!(d[0].facts["nxdomain_names"], 11);
    assert_eq!(d[0].facts["contacted"], "203.0.113.66");
    assert_eq!(d[0].facts["resolvers"][0], "198.51.100.1");
    assert!(d[0].explanation.to_string().contains("wzbxefzhqmoo.net → 203.0.113.66"), "{}", d[0].explanation);
    assert!(
        fs.iter().filter(|f| f.detector == "dns-failure").all(|f| !f.summary.to_string().contains(".biz")),
        "the generated names' NXDOMAINs are the dga finding's alone: {fs:#?}"
    );

    // Without the connection: a warning, the resolved name still named.
    let mut c = Craft::new();
    lookups(&mut c, &GENERATED[..10], 3, None, 0.2);
    let fs = run(&c);
    let d = dga(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert_eq!(d[0].severity, Severity::Warning);
    assert_eq!(d[0].confidence, Confidence::Medium);
    let mut c = Craft::new();
    lookups(&mut c, &GENERATED[..9], 3, None, 0.2);
    assert!(dga(&run(&c)).is_empty(), "nine names are below the burst");
}

#[test]
fn chrome_probes_typos_random_subdomains_and_resolving_random_names_are_not_dga() {
    let mut c = Craft::new();
    // Chrome's intranet-redirect probes: random single labels.
    lookups(&mut c, &["qpwoeirutyz", "mvbznxlkqw", "hgjfkdlsaq"], 3, None, 0.05);
    // Typos and names that do not exist, chosen by people.
    lookups(
        &mut c,
        &[
            "wwww.shop.example",
            "imgs.shop.example",
            "stagingapi.com",
            "wordpressblog.net",
            "paymentgateway.org",
            "mailserverhost.info",
            "kubernetes.com",
            "xiaohongshu.cn",
            "bilibili.biz",
            "cloudfront.net",
            "tencentcloud.com",
            "aliyuncs.com",
        ],
        3,
        None,
        0.05,
    );
    // Random subdomains of one domain (a CDN's hashes, a water-torture attack).
    let subs: Vec<String> = GENERATED.iter().map(|g| format!("{}.victim.example", &g[..8])).collect();
    lookups(&mut c, &subs.iter().map(String::as_str).collect::<Vec<_>>(), 3, None, 0.05);
    // Random-looking names that resolve (tracking domains, a CDN's own names).
    let mut c2 = Craft::new();
    lookups(&mut c2, GENERATED, 0, Some([203, 0, 113, 80]), 0.05);
    for fs in [run(&c), run(&c2)] {
        assert!(dga(&fs).is_empty(), "{fs:#?}");
    }
}

#[test]
fn generated_names_spread_over_an_hour_are_not_a_burst() {
    let mut c = Craft::new();
    lookups(&mut c, GENERATED, 3, None, 300.0);
    assert!(dga(&run(&c)).is_empty());
}

// ---- beaconing

/// `n` check-ins from C to `peer`, `period` seconds apart with the given jitter pattern
/// (a share of the period, cycled), each a handshake, `request` and a close.
fn checkins(c: &mut Craft, peer: ([u8; 4], u16), n: u16, period: f64, jitter: &[f64], request: &[u8], base: u16) {
    for i in 0..n {
        let cl = (C, base + i);
        c.tcp(cl, peer, 1000, 0, "S", &[], 64).wait(0.001);
        c.tcp(peer, cl, 5000, 1001, "SA", &[], 64).wait(0.001);
        c.tcp(cl, peer, 1001, 5001, "PA", request, 64).wait(0.001);
        let end = 1001 + request.len() as u32;
        c.tcp(peer, cl, 5001, end, "FA", &[], 64).tcp(cl, peer, end, 5002, "FA", &[], 64);
        let j = jitter.get(usize::from(i) % jitter.len().max(1)).copied().unwrap_or(0.0);
        c.wait(period * (1.0 + j) - 0.003);
    }
}

fn beacons(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.detector == "beaconing").collect()
}

const C2: ([u8; 4], u16) = ([203, 0, 113, 77], 4444);

#[test]
fn check_ins_every_60_s_within_5_percent_are_a_beacon_at_info_when_nothing_else_explains_them() {
    let mut c = Craft::new();
    checkins(
        &mut c,
        C2,
        10,
        60.0,
        &[0.0, 0.03, -0.04, 0.02, -0.01],
        b"GET /pixel.gif?id=7f3a HTTP/1.1\r\n\r\n",
        40_000,
    );
    let fs = run(&c);
    let b = beacons(&fs);
    assert_eq!(b.len(), 1, "{fs:#?}");
    assert_eq!(b[0].severity, Severity::Info, "a cron job has the same rhythm");
    assert_eq!(b[0].facts["checkins"], 10);
    assert_eq!(b[0].facts["peer"], "203.0.113.77:4444");
    let period = b[0].facts["period_s"].as_f64().unwrap();
    assert!((59.0..=61.5).contains(&period), "{period}");
    assert!(b[0].facts["jitter_percent"].as_f64().unwrap() <= 5.0, "{:?}", b[0].facts);
    // Seven check-ins are not yet a rhythm.
    let mut c = Craft::new();
    checkins(&mut c, C2, 7, 60.0, &[0.0], b"ping", 40_000);
    assert!(beacons(&run(&c)).is_empty());
}

#[test]
fn irregular_connections_big_or_unlike_requests_a_shared_server_and_ntp_are_not_beacons() {
    // Irregular: a person browsing.
    let mut c = Craft::new();
    checkins(&mut c, C2, 12, 30.0, &[0.0, 0.6, -0.5, 1.4, -0.3, 0.9], b"GET / HTTP/1.1\r\n\r\n", 40_000);
    // Big requests: an upload every minute is a backup, not a check-in.
    let big = vec![b'x'; 40_000];
    checkins(&mut c, ([203, 0, 113, 78], 443), 10, 60.0, &[0.0], &big, 41_000);
    // A server other hosts talk to too: a shared API.
    checkins(&mut c, ([203, 0, 113, 79], 443), 10, 60.0, &[0.0], b"GET /api HTTP/1.1\r\n\r\n", 42_000);
    c.tcp(([192, 0, 2, 99], 50_000), ([203, 0, 113, 79], 443), 1000, 0, "S", &[], 64);
    // NTP over TCP port 123 and DNS over TCP: expected periodic traffic.
    checkins(&mut c, ([203, 0, 113, 80], 123), 10, 60.0, &[0.0], b"ntp", 43_000);
    checkins(&mut c, ([203, 0, 113, 81], 53), 10, 60.0, &[0.0], b"\0\x1ddns", 44_000);
    // An address inside: a private service.
    checkins(&mut c, ([10, 0, 0, 5], 8080), 10, 60.0, &[0.0], b"GET /health HTTP/1.1\r\n\r\n", 45_000);
    let fs = run(&c);
    assert!(beacons(&fs).is_empty(), "{:#?}", beacons(&fs));
}

#[test]
fn allow_names_an_expected_periodic_peer_and_a_second_sign_makes_a_beacon_a_warning() {
    let mut c = Craft::new();
    checkins(&mut c, C2, 10, 20.0, &[0.0, 0.02], b"HELLO id=lab-01\n", 40_000);
    let dir = tempfile::tempdir().unwrap();
    let p = c.write(dir.path(), "beacon.pcap");
    let cfg = |allow: &[&str]| pcapdoc::detect::Config {
        allow: allow.iter().map(|s| (*s).to_string()).collect(),
        ..Default::default()
    };
    let with = |cfg: &pcapdoc::detect::Config| {
        let reader = pcapdoc::capture::CaptureReader::open(&p).unwrap();
        pcapdoc::detect::run(reader, cfg, &[]).1
    };
    assert_eq!(beacons(&with(&cfg(&[]))).len(), 1);
    assert!(beacons(&with(&cfg(&["203.0.113.77"]))).is_empty(), "--allow 203.0.113.77");

    // The same host also guesses Redis passwords: the beacon is its backdoor, a warning.
    for g in 0..20u16 {
        login(&mut c, 46_000 + g, ([203, 0, 113, 10], 6379), b"", AUTH, WRONGPASS);
        c.wait(0.05);
    }
    let fs = run(&c);
    let b = beacons(&fs);
    assert_eq!(b.len(), 1, "{fs:#?}");
    assert_eq!(b[0].severity, Severity::Warning);
    assert!(b[0].explanation.to_string().contains("brute-force"), "{}", b[0].explanation);
    assert_eq!(b[0].facts["signs"][0], "brute-force");
}
