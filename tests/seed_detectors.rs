//! The seed-case detectors (outbound-scan, syn-flood, http-flood, bandwidth,
//! conntrack-exhaustion) at their thresholds, on hand-made captures: each fires just above
//! its threshold and stays quiet just below it or on the benign look-alike.

use std::path::Path;

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding, Severity};

use crate::detectors::findings;
use crate::support::craft::{C, Craft, S, handshake};

fn of<'a>(fs: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.detector == id).collect()
}

fn write(c: &Craft, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = c.write(dir.path(), name);
    (dir, p)
}

/// One SYN from C to each of `n` addresses on `port`, each refused.
fn sweep(n: u8, port: u16) -> Craft {
    let mut c = Craft::new();
    for i in 0..n {
        let dst = [203, 0, 113, 10 + i];
        c.tcp((C, 41000 + u16::from(i)), (dst, port), 7000, 0, "S", &[], 64);
        c.tcp((dst, port), (C, 41000 + u16::from(i)), 0, 7001, "RA", &[], 64);
        c.wait(0.1);
    }
    c
}

#[test]
fn a_sweep_of_sixteen_addresses_on_22_is_a_scan_fifteen_or_a_web_port_is_not() {
    let (_d, p) = write(&sweep(16, 22), "scan16.pcap");
    let fs = findings(&p);
    let scan = of(&fs, "outbound-scan");
    assert_eq!(scan.len(), 1, "{fs:#?}");
    assert_eq!(scan[0].severity, Severity::Error);
    assert_eq!(scan[0].facts["destinations"], 16);
    assert_eq!(scan[0].facts["refused"], 16);
    assert!(
        scan[0].summary.to_string().contains("192.0.2.10") && scan[0].summary.to_string().contains("port 22"),
        "{}",
        scan[0].summary
    );
    assert!(of(&fs, "connect-failure").is_empty(), "the scan explains the refused SYNs: {fs:#?}");

    let (_d, p) = write(&sweep(15, 22), "scan15.pcap");
    let fs = findings(&p);
    assert!(of(&fs, "outbound-scan").is_empty());
    assert!(!of(&fs, "connect-failure").is_empty(), "below the threshold the failures are reported one by one");

    let (_d, p) = write(&sweep(16, 443), "web16.pcap");
    assert!(of(&findings(&p), "outbound-scan").is_empty(), "16 addresses on 443 is a browser, not a scan");
}

/// `n` short SSH sessions from C to S:22, each a handshake, a banner, the client's reply and
/// a close.
fn logins(n: u16, secs_each: f64) -> Craft {
    let mut c = Craft::new();
    for i in 0..n {
        let (cl, sv) = ((C, 42000 + i), (S, 22));
        c.tcp(cl, sv, 1000, 0, "S", &[], 64).tcp(sv, cl, 5000, 1001, "SA", &[], 64).tcp(
            cl,
            sv,
            1001,
            5001,
            "A",
            &[],
            64,
        );
        c.tcp(sv, cl, 5001, 1001, "PA", b"SSH-2.0-OpenSSH_9.2\r\n", 64);
        c.tcp(cl, sv, 1001, 5022, "PA", b"SSH-2.0-libssh_0.9.6\r\n", 64);
        c.wait(secs_each);
        c.tcp(sv, cl, 5022, 1023, "FA", &[], 64).tcp(cl, sv, 1023, 5023, "FA", &[], 64);
        c.wait(0.2);
    }
    c
}

#[test]
fn twenty_short_ssh_sessions_are_password_guessing_long_ones_are_not() {
    let (_d, p) = write(&logins(20, 0.5), "guess.pcap");
    let fs = findings(&p);
    let f = of(&fs, "brute-force");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].facts["kind"], "brute-force");
    assert_eq!(f[0].facts["attempts"], 20);
    let (_d, p) = write(&logins(19, 0.5), "guess19.pcap");
    assert!(of(&findings(&p), "brute-force").is_empty());
    let (_d, p) = write(&logins(20, 31.0), "admin.pcap");
    assert!(
        of(&findings(&p), "brute-force").iter().all(|f| f.severity == Severity::Info),
        "sessions of half a minute are people working"
    );
}

/// `half` SYNs answered by a SYN/ACK that is never acknowledged, and `done` completed
/// connections, toward S:80 from three sources.
fn flood(half: u16, done: u16) -> Craft {
    let mut c = Craft::new();
    for i in 0..half {
        let src = [198, 51, 100, 11 + (i % 3) as u8];
        c.tcp((src, 10000 + i), (S, 80), 1000, 0, "S", &[], 64);
        c.tcp((S, 80), (src, 10000 + i), 5000, 1001, "SA", &[], 64);
    }
    for i in 0..done {
        let (cl, sv) = ((C, 30000 + i), (S, 80));
        c.tcp(cl, sv, 1000, 0, "S", &[], 64).tcp(sv, cl, 5000, 1001, "SA", &[], 64).tcp(
            cl,
            sv,
            1001,
            5001,
            "A",
            &[],
            64,
        );
    }
    c.wait(5.0);
    c
}

#[test]
fn a_hundred_half_open_connections_are_a_syn_flood_when_they_are_the_majority() {
    let (_d, p) = write(&flood(100, 10), "flood.pcap");
    let fs = findings(&p);
    let f = of(&fs, "syn-flood");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].facts["half_open"], 100);
    assert_eq!(f[0].facts["distinct_sources"], 3);
    assert_eq!(f[0].facts["top_sources"].as_array().unwrap().len(), 3);
    assert!(of(&fs, "connect-failure").is_empty(), "the flood explains the unacknowledged SYN/ACKs");
    let (_d, p) = write(&flood(99, 0), "flood99.pcap");
    assert!(of(&findings(&p), "syn-flood").is_empty());
    let (_d, p) = write(&flood(120, 130), "busy.pcap");
    assert!(of(&findings(&p), "syn-flood").is_empty(), "a minority of half-open connections is a busy server");
}

/// `n` requests in about a second for the URIs `uris` (cycled) with User-Agent `ua`, after
/// 30 s of one request every 3 s.
fn requests(n: u16, uris: &[&str], ua: &str) -> Craft {
    let mut c = Craft::new();
    let get = |uri: &str, ua: &str| format!("GET {uri} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: {ua}\r\n\r\n");
    let mut port = 20000u16;
    let mut one = |c: &mut Craft, uri: &str, ua: &str| {
        port += 1;
        let (cs, ss) = handshake(c, port, 80);
        c.tcp((C, port), (S, 80), cs, ss, "PA", get(uri, ua).as_bytes(), 64);
    };
    for _ in 0..10 {
        one(&mut c, "/", "Mozilla/5.0 Firefox/128.0");
        c.wait(3.0);
    }
    for i in 0..n {
        one(&mut c, uris[usize::from(i) % uris.len()], ua);
    }
    c
}

#[test]
fn a_burst_on_one_uri_is_an_http_flood_with_a_waf_rule_a_browser_page_load_is_not() {
    let (_d, p) = write(&requests(300, &["/api/login"], "ApacheBench/2.3"), "cc.pcap");
    let fs = findings(&p);
    let f = of(&fs, "http-flood");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].facts["top_uri"], "/api/login");
    assert_eq!(f[0].facts["top_user_agent"], "ApacheBench/2.3");
    assert_eq!(f[0].facts["waf_rule"]["window_s"], 10);
    assert!(
        f[0].recommendations[0].to_string().contains("/api/login")
            && f[0].recommendations[0].to_string().contains("10 s")
    );
    assert!(
        f[0].recommendations.iter().any(|r| r.to_string().contains("ApacheBench")),
        "a tool's User-Agent gets its own rule"
    );

    let many: Vec<String> = (0..300).map(|i| format!("/static/{i}.png")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let (_d, p) = write(&requests(300, &many, "Mozilla/5.0 Firefox/128.0"), "page.pcap");
    assert!(of(&findings(&p), "http-flood").is_empty(), "one browser, many resources");
    let (_d, p) = write(&requests(150, &["/api/login"], "ApacheBench/2.3"), "small.pcap");
    assert!(of(&findings(&p), "http-flood").is_empty(), "below 200 requests");
}

/// Three seconds of 1,400-byte frames from S to C at `per_s` frames a second, plus one
/// frame a second between two other hosts.
/// Three seconds of `per_s` full-size TCP segments a second from one pair, beside
/// `other_per_s` UDP datagrams of another; `lossy`: every 50th segment is resent 3 ms later
/// (Wireshark's `retransmission`; closer, an identical segment is the capture's copy), as a
/// queue dropping at its ceiling makes the sender do.
fn bulk(per_s: u32, other_per_s: u32, lossy: bool) -> Craft {
    let mut c = Craft::new();
    let other = ([203, 0, 113, 5], 5000);
    let (sv, cl) = ((S, 80), (C, 40_000));
    // A handshake without waits: a round trip of 0.2 ms, so a resend 3 ms on is a
    // retransmission rather than reordering.
    c.tcp(cl, sv, 100, 0, "S", &[], 64).tcp(sv, cl, 1000, 101, "SA", &[], 64).tcp(cl, sv, 101, 1001, "A", &[], 64);
    let mut seq = 1001u32;
    for _sec in 0..3 {
        let total = per_s + other_per_s;
        for i in 0..total {
            if i < per_s {
                c.tcp(sv, cl, seq, 101, "A", &[0u8; 1346], 64);
                if lossy && i % 50 == 25 {
                    c.wait(0.003).tcp(sv, cl, seq, 101, "A", &[0u8; 1346], 64);
                }
                seq = seq.wrapping_add(1346);
            } else {
                c.udp(other, ([203, 0, 113, 6], 5000), &[0u8; 1358]);
            }
        }
        c.wait(1.0 - f64::from(total) * 100e-6 - if lossy { f64::from(per_s / 50 + 1) * 0.0031 } else { 0.0 });
    }
    c
}

fn with_link(p: &Path, mbps: Option<f64>) -> Vec<Finding> {
    let cfg = Config { link_mbps: mbps, ..Config::default() };
    detect::run(CaptureReader::open(p).unwrap(), &cfg, &["bandwidth".to_string()]).1
}

#[test]
fn one_pair_filling_a_flat_topped_link_that_drops_is_a_warning_shared_traffic_is_info() {
    // ~10 Mbit/s, all from one pair, held three seconds, resending at the top.
    let (_d, p) = write(&bulk(890, 0, true), "hog.pcap");
    let fs = with_link(&p, None);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].severity, Severity::Warning);
    assert_eq!(fs[0].facts["saturated_seconds"], 3);
    assert!(fs[0].facts["peak_bps"].as_u64().unwrap() > 9_000_000);
    assert_eq!(fs[0].facts["top_talkers"][0]["source"], "198.51.100.20");
    // Half and half: saturated, but nobody hogs it.
    let (_d, p) = write(&bulk(450, 450, true), "shared.pcap");
    let fs = with_link(&p, None);
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].severity, Severity::Info);
    // Told the link is 100 Mbit/s, 10 Mbit/s is not saturation, and 3.6 MB is too little to report.
    let (_d, p) = write(&bulk(890, 0, true), "hog.pcap");
    assert!(with_link(&p, Some(100.0)).is_empty());
}

/// Issue 30: a steady sender at a flat rate with no loss and no stretched round trips (a
/// load test, a paced stream) is a fact, not a full link; told the link's rate, the same
/// plateau at that rate is saturation.
#[test]
fn a_plateau_without_loss_or_rising_delay_is_not_a_full_link() {
    let (_d, p) = write(&bulk(890, 0, false), "steady.pcap");
    assert!(with_link(&p, None).is_empty(), "{:#?}", with_link(&p, None));
    let fs = with_link(&p, Some(10.0));
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].severity, Severity::Warning);
}

/// Four kept connections keep talking while `n` new ones retry their SYNs; `failed` of
/// them never complete.
fn busy_and_new(n: u16, failed: u16, keep_talking: bool) -> Craft {
    let mut c = Craft::new();
    for k in 0..4u16 {
        let (cl, sv) = ((C, 43000 + k), (S, 8080));
        c.tcp(cl, sv, 1000, 0, "S", &[], 64).tcp(sv, cl, 5000, 1001, "SA", &[], 64).tcp(
            cl,
            sv,
            1001,
            5001,
            "A",
            &[],
            64,
        );
    }
    c.wait(1.0);
    for i in 0..n {
        let cl = (C, 44000 + i);
        c.tcp(cl, (S, 8080), 9000, 0, "S", &[], 64);
    }
    c.wait(1.0);
    for i in 0..n {
        let cl = (C, 44000 + i);
        c.tcp(cl, (S, 8080), 9000, 0, "S", &[], 64);
        if i >= failed {
            c.tcp((S, 8080), cl, 7000, 9001, "SA", &[], 64).tcp(cl, (S, 8080), 9001, 7001, "A", &[], 64);
        }
    }
    if keep_talking {
        for k in 0..4u16 {
            let (cl, sv) = ((C, 43000 + k), (S, 8080));
            c.tcp(cl, sv, 1001, 5001, "PA", b"ping\n", 64).tcp(sv, cl, 5001, 1006, "PA", b"pong\n", 64);
        }
    }
    c.wait(4.0);
    c
}

#[test]
fn new_syns_retried_while_old_connections_work_is_a_full_table() {
    let (_d, p) = write(&busy_and_new(3, 2, true), "full.pcap");
    let fs = findings(&p);
    let f = of(&fs, "conntrack-exhaustion");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].facts["failed_attempts"], 2);
    assert_eq!(f[0].facts["working_connections"], 4);
    assert!(f[0].recommendations.iter().any(|r| r.to_string().contains("nf_conntrack_count")));
    assert!(f[0].recommendations.iter().any(|r| r.to_string().contains("ListenOverflows")));
    assert!(of(&fs, "connect-failure").is_empty() && of(&fs, "retransmission-storm").is_empty(), "{fs:#?}");
    // The same SYNs while the old connections are silent: just an unreachable server.
    let (_d, p) = write(&busy_and_new(3, 2, false), "down.pcap");
    let fs = findings(&p);
    assert!(of(&fs, "conntrack-exhaustion").is_empty());
    // Two retried SYNs are not a pattern; three retried that all completed are only info.
    let (_d, p) = write(&busy_and_new(2, 2, true), "two.pcap");
    assert!(of(&findings(&p), "conntrack-exhaustion").is_empty());
    let (_d, p) = write(&busy_and_new(3, 0, true), "slow.pcap");
    assert_eq!(of(&findings(&p), "conntrack-exhaustion")[0].severity, Severity::Info);
}

/// Finished connections beyond the closed-stream bound are released, not evicted: they were
/// complete, so no stale-stream warning is due.
#[test]
fn closed_streams_beyond_their_bound_are_released_not_counted_as_evictions() {
    let mut c = Craft::new();
    for port in 20000..20200u16 {
        let (cs, ss) = handshake(&mut c, port, 80);
        c.tcp((C, port), (S, 80), cs, ss, "R", &[], 64);
    }
    let (_d, p) = write(&c, "closed.pcap");
    let mut cfg = Config::default();
    cfg.engine.max_streams = 64;
    let (a, _) = detect::run(CaptureReader::open(&p).unwrap(), &cfg, &[]);
    assert_eq!(a.evicted_streams, 0);
    assert_eq!(a.released_streams, 200 - 64 / 8);
    assert_eq!(a.conversations.len(), 64 / 8);
}

#[test]
fn a_flood_larger_than_the_flow_table_is_still_found_and_the_evictions_are_counted() {
    let (_d, p) = write(&flood(400, 0), "big-flood.pcap");
    let mut cfg = Config::default();
    cfg.engine.max_streams = 64;
    let (a, fs) = detect::run(CaptureReader::open(&p).unwrap(), &cfg, &[]);
    assert!(a.evicted_streams >= 300, "evicted {}", a.evicted_streams);
    assert!(a.conversations.len() <= 64);
    let f = of(&fs, "syn-flood");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].facts["half_open"], 400, "evicted streams were classified as they left");
}
