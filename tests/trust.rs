//! Trust on real captures (issue 14): every warning and error needs a victim, and one
//! problem gives one finding. One small crafted capture per case seen on public captures,
//! named after it; docs/ACCURACY.md says which corpus capture showed each.

use pcapdoc::detect::{Config, Finding, Severity};

use crate::detectors::findings;
use crate::support::craft::{C, Craft, S, handshake};

fn run(c: &Craft) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    findings(&c.write(dir.path(), "case.pcap"))
}

fn of<'a>(fs: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.detector == id).collect()
}

fn loud(fs: &[Finding]) -> Vec<String> {
    fs.iter().filter(|f| f.severity >= Severity::Warning).map(|f| format!("{}: {}", f.detector, f.summary)).collect()
}

/// A download of `segments` data segments from S to C, each ACKed.
fn download(c: &mut Craft, cport: u16, segments: u32, id0: u16, copies: u8) {
    let (cs, mut ss) = handshake(c, cport, 80);
    let (cl, sv) = ((C, cport), (S, 80));
    for i in 0..segments {
        let body = vec![b'x' + (i % 3) as u8; 1000];
        c.tcp(sv, cl, ss, cs, "PA", &body, 64).id(id0.wrapping_add(i as u16));
        for _ in 1..copies {
            c.copy(3, 1);
        }
        ss += 1000;
        c.tcp(cl, sv, cs, ss, "A", &[], 64).id(9000 + i as u16);
        for _ in 1..copies {
            c.copy(3, 1);
        }
        c.wait(0.002);
    }
}

#[test]
fn duplicated_packets_of_a_mirror_port_are_not_a_retransmission_storm() {
    // Every packet captured four times, the copies 3 µs apart and one hop further on (as
    // in nDPI's rtsp.pcap and Zeek's ssh-dups.pcap): Wireshark flags 3 of every 4 data
    // segments as retransmissions; nothing was lost.
    let mut c = Craft::new();
    download(&mut c, 40100, 60, 100, 4);
    let dir = tempfile::tempdir().unwrap();
    let path = c.write(dir.path(), "dups.pcap");
    let (a, fs) = pcapdoc::detect::run(pcapdoc::capture::CaptureReader::open(&path).unwrap(), &Config::default(), &[]);
    assert!(of(&fs, "retransmission-storm").is_empty(), "{:?}", loud(&fs));
    assert_eq!(a.quality.duplicate_frames, 60 * 3 * 2, "each data segment and ACK has three copies");
    // The same download with real loss: new IP IDs on the resends.
    let mut c = Craft::new();
    download(&mut c, 40101, 60, 100, 1);
    let (cl, sv) = ((C, 40101), (S, 80));
    for i in 0..12u32 {
        c.tcp(sv, cl, 5001 + i * 1000, 1001, "PA", &[b'x'; 1000], 64).id(500 + i as u16);
    }
    let fs = run(&c);
    assert_eq!(of(&fs, "retransmission-storm").len(), 1, "{:?}", loud(&fs));
}

#[test]
fn a_copy_of_the_reset_is_not_compared_with_the_reset_itself() {
    // rtsp.pcap: the server's RST follows its own ACK (its IP ID is the next one), and the
    // capture holds copies of both one hop apart. The RST is the server's own, not a
    // middlebox's: a TTL taken from a copy must not say otherwise.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40110), (S, 8554));
    let (cs, ss) = handshake(&mut c, 40110, 8554);
    c.tcp(cl, sv, cs, ss, "PA", b"OPTIONS rtsp://x RTSP/1.0\r\n\r\n", 128).id(0x56f4).copy(2, 1);
    c.tcp(sv, cl, ss, cs + 29, "PA", b"RTSP/1.0 200 OK\r\n\r\n", 64).id(0xcd9a).copy(2, 1);
    c.tcp(cl, sv, cs + 29, ss + 19, "A", &[], 128).id(0x56f5).copy(2, 1);
    c.wait(58.0);
    c.tcp(cl, sv, cs + 29, ss + 19, "PA", b"GET_PARAMETER rtsp://x RTSP/1.0\r\n\r\n", 128).id(0x570e).copy(2, 1);
    c.tcp(sv, cl, ss + 19, cs + 64, "A", &[], 64).id(0xcd9c).copy(2, 1);
    c.tcp(sv, cl, ss + 19, cs + 64, "RA", &[], 64).id(0xcd9d).copy(2, 1);
    let fs = run(&c);
    let idle = of(&fs, "idle-timeout");
    assert_eq!(idle.len(), 1, "{:?}", loud(&fs));
    assert_eq!(idle[0].facts["rst_from_middlebox"], false, "{}", idle[0].explanation);
    assert!(idle[0].summary.to_string().contains("itself reset"), "{}", idle[0].summary);
    assert_eq!(idle[0].confidence, pcapdoc::detect::Confidence::Medium, "copies in the capture lower confidence");
    assert!(of(&fs, "retransmission-storm").is_empty());
}

#[test]
fn an_sslv2_format_client_hello_is_not_a_missing_client_hello() {
    // suricata-verify ssl_version_negated: an old client opens with an SSLv2-format hello.
    let mut c = Craft::new();
    for port in [40120u16, 40121] {
        let (cl, sv) = ((C, port), (S, 443));
        let (cs, ss) = handshake(&mut c, port, 443);
        let mut hello = vec![0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10];
        hello.extend([0xaa; 37]);
        c.tcp(cl, sv, cs, ss, "PA", &hello, 64);
        let sh = [22, 3, 1, 0, 4, 2, 0, 0, 0];
        c.tcp(sv, cl, ss, cs + 48, "PA", &sh, 64);
        c.tcp(cl, sv, cs + 48, ss + 9, "FA", &[], 64);
        c.tcp(sv, cl, ss + 9, cs + 49, "FA", &[], 64);
    }
    let fs = run(&c);
    assert!(of(&fs, "no-client-hello").is_empty(), "{:?}", loud(&fs));
    assert!(of(&fs, "tls-no-server-hello").is_empty(), "{:?}", loud(&fs));
}

/// A keep-alive HTTP connection that goes idle for `gap` seconds; `after` writes what
/// follows the gap.
fn idle_case(gap: f64, after: impl FnOnce(&mut Craft, u32, u32)) -> Vec<Finding> {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40130), (S, 80));
    let (cs, ss) = handshake(&mut c, 40130, 80);
    c.tcp(cl, sv, cs, ss, "PA", b"GET / HTTP/1.1\r\n\r\n", 64).id(1);
    c.tcp(sv, cl, ss, cs + 18, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64).id(101);
    c.tcp(cl, sv, cs + 18, ss + 19, "A", &[], 64).id(2);
    c.wait(gap);
    after(&mut c, cs + 18, ss + 19);
    run(&c)
}

#[test]
fn idle_timeout_the_first_packet_after_the_gap_was_answered() {
    // The request after the gap got its answer; the server's RST that came later ended a
    // finished exchange (Connection: close and an abortive close).
    let fs = idle_case(20.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40130), (S, 80));
        c.tcp(cl, sv, cs, ss, "PA", b"GET /b HTTP/1.1\r\n\r\n", 64).id(3);
        c.tcp(sv, cl, ss, cs + 19, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64).id(102);
        c.tcp(sv, cl, ss + 19, cs + 19, "RA", &[], 64).id(103);
    });
    assert!(of(&fs, "idle-timeout").is_empty(), "{:?}", loud(&fs));
}

#[test]
fn idle_timeout_a_keep_alive_probe_that_was_acknowledged() {
    // many-protocols.pcap stream 71: a keep-alive probe after 10 s, acknowledged; the server
    // closes 2 s later, the client closes too, the server's stack resets the last segment.
    let fs = idle_case(10.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40130), (S, 80));
        c.tcp(cl, sv, cs - 1, ss, "A", b"\0", 64).id(3);
        c.tcp(sv, cl, ss, cs, "A", &[], 64).id(102);
        c.wait(2.3);
        c.tcp(sv, cl, ss, cs, "FA", &[], 64).id(103);
        c.tcp(cl, sv, cs, ss + 1, "FA", &[], 64).id(4);
        c.tcp(sv, cl, ss + 1, 0, "R", &[], 64).id(0);
    });
    assert!(of(&fs, "idle-timeout").is_empty(), "{:?}", loud(&fs));
}

#[test]
fn idle_timeout_a_reset_after_an_orderly_fin_exchange() {
    // A window update after the gap, then both sides close and a late RST follows: the
    // connection ended in order before the RST.
    let fs = idle_case(20.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40130), (S, 80));
        c.tcp(cl, sv, cs, ss, "A", &[], 64).id(3);
        c.tcp(sv, cl, ss, cs, "FA", &[], 64).id(102);
        c.tcp(cl, sv, cs, ss + 1, "FA", &[], 64).id(4);
        c.tcp(sv, cl, ss + 1, 0, "R", &[], 64).id(0);
    });
    assert!(loud(&fs).is_empty(), "{:?}", loud(&fs));
}

#[test]
fn idle_timeout_the_gap_was_the_senders_own_retransmission_back_off() {
    // tls2.pcap: data unacknowledged before the gap, resent after it: the connection was
    // never idle, the sender was backing off.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40131), (S, 443));
    let (cs, ss) = handshake(&mut c, 40131, 443);
    c.tcp(sv, cl, ss, cs, "PA", &[23, 3, 3, 0, 3, 1, 2, 3], 64).id(10);
    for (i, gap) in [8.0, 10.0, 10.0, 10.0].into_iter().enumerate() {
        c.wait(gap);
        c.tcp(sv, cl, ss, cs, "PA", &[23, 3, 3, 0, 3, 1, 2, 3], 64).id(11 + i as u16);
    }
    let fs = run(&c);
    assert!(of(&fs, "idle-timeout").is_empty(), "{:?}", loud(&fs));
}

#[test]
fn idle_timeout_a_connection_idle_since_its_handshake_then_reset_is_found() {
    // A pool opens a connection and first uses it 908 s later: the TCP listener's 900 s
    // timeout has expired, the first request gets a RST.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40132), (S, 3306));
    let (cs, ss) = handshake(&mut c, 40132, 3306);
    c.wait(908.0);
    c.tcp(cl, sv, cs, ss, "PA", b"SELECT 1", 64).id(5);
    c.tcp(sv, cl, ss, 0, "R", &[], 52).id(0);
    let fs = run(&c);
    let idle = of(&fs, "idle-timeout");
    assert_eq!(idle.len(), 1, "{:?}", loud(&fs));
    assert_eq!(idle[0].severity, Severity::Error);
    // 908 s is within the catalogue's tolerance of the 900 s TCP listener timeout.
    assert_eq!(idle[0].facts["matches"], "aliyun-clb-tcp");
}

#[test]
fn idle_timeout_a_gap_far_longer_than_a_timeout_exceeds_it_and_does_not_match_it() {
    let fs = idle_case(27.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40130), (S, 80));
        c.tcp(cl, sv, cs, ss, "PA", b"POST /pay HTTP/1.1\r\n\r\n", 64).id(3);
        c.tcp(sv, cl, ss, 0, "R", &[], 50).id(0);
    });
    let idle = of(&fs, "idle-timeout");
    assert_eq!(idle.len(), 1, "{:?}", loud(&fs));
    assert!(idle[0].facts.get("matches").is_none(), "27 s does not match a 15 s timeout");
    assert_eq!(idle[0].facts["exceeds"], "aliyun-clb-http");
    assert!(idle[0].summary.to_string().contains("longer than"), "{}", idle[0].summary);
}

/// A TLS session idle for `idle` s, then the server's Encrypted Alert + FIN; `after` adds
/// what the client does.
fn tls_idle_close(idle: f64, after: impl FnOnce(&mut Craft, u32, u32)) -> Vec<Finding> {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40140), (S, 443));
    let (mut cs, mut ss) = handshake(&mut c, 40140, 443);
    let ch = [22, 3, 1, 0, 4, 1, 0, 0, 0];
    c.tcp(cl, sv, cs, ss, "PA", &ch, 64);
    cs += 9;
    let sh = [22, 3, 3, 0, 4, 2, 0, 0, 0, 20, 3, 3, 0, 1, 1];
    c.tcp(sv, cl, ss, cs, "PA", &sh, 64);
    ss += 15;
    let ccs = [20, 3, 3, 0, 1, 1];
    c.tcp(cl, sv, cs, ss, "PA", &ccs, 64);
    cs += 6;
    let req = [23, 3, 3, 0, 3, 9, 9, 9];
    c.tcp(cl, sv, cs, ss, "PA", &req, 64);
    cs += 8;
    c.tcp(sv, cl, ss, cs, "PA", &req, 64);
    ss += 8;
    c.tcp(cl, sv, cs, ss, "A", &[], 64);
    c.wait(idle);
    let alert = [21, 3, 3, 0, 26].iter().copied().chain([0u8; 26]).collect::<Vec<u8>>();
    c.tcp(sv, cl, ss, cs, "PA", &alert, 64);
    ss += 31;
    c.tcp(sv, cl, ss, cs, "FA", &[], 64);
    ss += 1;
    c.tcp(cl, sv, cs, ss, "A", &[], 64);
    after(&mut c, cs, ss);
    run(&c)
}

#[test]
fn tls_alert_fin_a_quiet_close_of_an_idle_session_is_info() {
    // tls-subjectaltname: the server closed idle sessions after 64.7 s; nobody wrote again.
    let fs = tls_idle_close(64.7, |_, _, _| {});
    let f = of(&fs, "tls-alert-fin");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info, "{}", f[0].summary);
    assert_eq!(f[0].facts["victim"], false);
}

#[test]
fn tls_alert_fin_the_peers_close_notify_is_not_a_failed_request() {
    // many-protocols.pcap stream 50: the peer answers the close with its own alert and FIN,
    // and the closer's stack resets that; nobody was hurt.
    let fs = tls_idle_close(120.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40140), (S, 443));
        let alert = [21, 3, 3, 0, 26].iter().copied().chain([0u8; 26]).collect::<Vec<u8>>();
        c.tcp(cl, sv, cs, ss, "PA", &alert, 64);
        c.tcp(cl, sv, cs + 31, ss, "FA", &[], 64);
        c.tcp(sv, cl, ss, 0, "R", &[], 64);
    });
    let f = of(&fs, "tls-alert-fin");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info, "{}", f[0].explanation);
}

#[test]
fn tls_alert_fin_a_write_after_the_close_that_meets_a_reset_is_an_error() {
    let fs = tls_idle_close(120.0, |c, cs, ss| {
        let (cl, sv) = ((C, 40140), (S, 443));
        c.wait(15.0);
        c.tcp(cl, sv, cs, ss, "PA", &[23, 3, 3, 0, 3, 7, 7, 7], 64);
        c.tcp(sv, cl, ss, 0, "R", &[], 64);
    });
    let f = of(&fs, "tls-alert-fin");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].facts["matches"], "aliyun-waf");
}

#[test]
fn tls_alert_fin_a_close_at_27_s_matches_no_15_s_timeout() {
    let fs = tls_idle_close(27.0, |c, cs, ss| {
        c.wait(1.0);
        c.tcp((C, 40140), (S, 443), cs, ss, "PA", &[23, 3, 3, 0, 3, 7, 7, 7], 64);
        c.tcp((S, 443), (C, 40140), ss, 0, "R", &[], 64);
    });
    let f = of(&fs, "tls-alert-fin");
    assert!(f[0].facts.get("matches").is_none(), "{:?}", f[0].facts);
    assert_eq!(f[0].severity, Severity::Warning, "a victim, but no known timeout");
}

#[test]
fn connect_failure_a_syn_the_client_reset_itself() {
    let mut c = Craft::new();
    c.tcp((C, 40150), (S, 443), 7000, 0, "S", &[], 64).wait(0.0003);
    c.tcp((C, 40150), (S, 443), 7001, 0, "R", &[], 64).wait(10.0);
    c.udp((C, 5000), (S, 53), b"\0\0");
    let fs = run(&c);
    assert!(loud(&fs).is_empty(), "{:?}", loud(&fs));
}

#[test]
fn connect_failure_the_synack_is_missing_from_the_capture_but_the_server_answered() {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40151), (S, 80));
    c.tcp(cl, sv, 1000, 0, "S", &[], 64).wait(0.01);
    c.tcp(cl, sv, 1001, 5001, "A", &[], 64);
    c.tcp(cl, sv, 1001, 5001, "PA", b"GET / HTTP/1.1\r\n\r\n", 64);
    c.tcp(sv, cl, 5001, 1019, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64);
    c.tcp(cl, sv, 1019, 5020, "FA", &[], 64);
    c.tcp(sv, cl, 5020, 1020, "FA", &[], 64);
    let dir = tempfile::tempdir().unwrap();
    let path = c.write(dir.path(), "nosynack.pcap");
    let (a, fs) = pcapdoc::detect::run(pcapdoc::capture::CaptureReader::open(&path).unwrap(), &Config::default(), &[]);
    assert!(loud(&fs).is_empty(), "{:?}", loud(&fs));
    assert_eq!(a.quality.missing_synack, 1);
}

#[test]
fn connect_failure_a_snippet_capture_that_stops_after_the_synack() {
    // nDPI's sites.pcapng keeps the first packets of each flow: SYN, SYN/ACK, and nothing.
    let mut c = Craft::new();
    for i in 0..4u16 {
        c.tcp((C, 40160 + i), (S, 80), 1000, 0, "S", &[], 64).wait(0.01);
        c.tcp((S, 80), (C, 40160 + i), 5000, 1001, "SA", &[], 64).wait(5.0);
    }
    let fs = run(&c);
    assert!(loud(&fs).is_empty(), "{:?}", loud(&fs));
    // A server that retries its SYN/ACK into silence is a real failure.
    let mut c = Craft::new();
    c.tcp((C, 40170), (S, 80), 1000, 0, "S", &[], 64).wait(0.01);
    for _ in 0..3 {
        c.tcp((S, 80), (C, 40170), 5000, 1001, "SA", &[], 64).wait(1.0);
    }
    c.wait(5.0);
    let fs = run(&c);
    assert_eq!(of(&fs, "connect-failure").len(), 1, "{:?}", loud(&fs));
}

#[test]
fn connect_failure_a_fin_that_acknowledged_the_synack() {
    // zeek fin_retransmission.pcap: SYN, FIN, SYN/ACK, FIN/ACK, RST: the client aborted.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40171), (S, 443));
    c.tcp(cl, sv, 1000, 0, "S", &[], 64);
    c.tcp(cl, sv, 1001, 0, "F", &[], 64);
    c.tcp(sv, cl, 5000, 1001, "SA", &[], 64);
    c.tcp(cl, sv, 1001, 5001, "FA", &[], 64);
    c.tcp(sv, cl, 5001, 0, "R", &[], 64);
    let fs = run(&c);
    assert!(loud(&fs).is_empty(), "{:?}", loud(&fs));
}

#[test]
fn connect_failure_happy_eyeballs_refused_on_ipv6_then_working_on_ipv4_is_info() {
    let mut c = Craft::new();
    // [::1]:443 refused (client and server both ::1), then IPv4 on the same port works.
    let mut lo = [0u8; 16];
    lo[15] = 1;
    c.tcp6((lo, 40180), (lo, 443), 1000, 0, "S", &[]);
    c.tcp6((lo, 443), (lo, 40180), 0, 1001, "RA", &[]);
    let (cs, ss) = handshake(&mut c, 40181, 443);
    c.tcp((C, 40181), (S, 443), cs, ss, "PA", &[22, 3, 1, 0, 4, 1, 0, 0, 0], 64);
    c.tcp((S, 443), (C, 40181), ss, cs + 9, "PA", &[22, 3, 3, 0, 4, 2, 0, 0, 0], 64);
    let fs = run(&c);
    let cf = of(&fs, "connect-failure");
    assert_eq!(cf.len(), 1, "{:?}", loud(&fs));
    assert_eq!(cf[0].severity, Severity::Info, "{}", cf[0].summary);
}

#[test]
fn connect_failure_a_host_probing_many_ports_of_one_target_is_one_port_scan() {
    let mut c = Craft::new();
    for port in 1..=20u16 {
        c.tcp((C, 41000 + port), (S, port), 7000, 0, "S", &[], 64);
        c.tcp((S, port), (C, 41000 + port), 0, 7001, "RA", &[], 64);
    }
    let fs = run(&c);
    assert!(of(&fs, "connect-failure").is_empty(), "{:?}", loud(&fs));
    let scan = of(&fs, "port-scan");
    assert_eq!(scan.len(), 1);
    assert_eq!(scan[0].facts["ports"].as_array().unwrap().len(), 20);
}

#[test]
fn one_problem_one_finding_an_unanswered_connection_is_not_also_a_storm() {
    let mut c = Craft::new();
    for gap in [1.0, 2.0, 4.0, 8.0, 16.0] {
        c.tcp((C, 40190), (S, 8080), 1000, 0, "S", &[], 64).wait(gap);
    }
    let fs = run(&c);
    assert_eq!(loud(&fs).len(), 1, "{:?}", loud(&fs));
    let cf = of(&fs, "connect-failure");
    assert_eq!(cf[0].facts["syns_sent"], 5);
}

#[test]
fn one_problem_one_finding_a_hijacked_name_explains_its_failed_connections() {
    use crate::support::craft::dns_response;
    let resolver = ([198, 51, 100, 1], 53);
    let dead = [192, 0, 2, 66];
    let mut c = Craft::new();
    c.udp(resolver, (C, 5353), &dns_response(7, "pay.shop.example", &["gfvip09aj.hijack.example"], dead.into()));
    c.udp(resolver, (C, 5354), &dns_response(8, "www.shop.example", &["vip.lb.example"], S.into()));
    let (cs, ss) = handshake(&mut c, 40250, 443);
    c.tcp((C, 40250), (S, 443), cs, ss, "FA", &[], 64);
    c.tcp((S, 443), (C, 40250), ss, cs + 1, "FA", &[], 64);
    for gap in [1.0, 2.0, 4.0] {
        c.tcp((C, 40251), (dead, 443), 7000, 0, "S", &[], 64).wait(gap);
    }
    let fs = run(&c);
    assert_eq!(loud(&fs).len(), 1, "{:?}", loud(&fs));
    assert_eq!(of(&fs, "dns-cname-hijack").len(), 1);
}

#[test]
fn dns_race_the_genuine_answer_is_not_called_hijacked() {
    use crate::support::craft::dns_response;
    let resolver = ([198, 51, 100, 1], 53);
    let mut c = Craft::new();
    c.udp(resolver, (C, 5353), &dns_response(9, "pay.shop.example", &["x.evil.example"], [203, 0, 113, 9].into()));
    c.udp(resolver, (C, 5353), &dns_response(9, "pay.shop.example", &["vip.lb.example"], S.into()));
    let fs = run(&c);
    let dns = of(&fs, "dns-cname-hijack");
    assert_eq!(dns.len(), 1, "{:?}", dns.iter().map(|f| &f.summary).collect::<Vec<_>>());
    assert!(dns[0].summary.to_string().contains("x.evil.example"), "the first (injected) answer: {}", dns[0].summary);
    assert!(
        dns[0].recommendations.iter().any(|r| r.to_string().contains("198.51.100.20")),
        "pin to the genuine address"
    );
    assert!(
        !dns[0].recommendations.iter().any(|r| r.to_string().contains("203.0.113.9")),
        "never advise pinning the forgery"
    );
}

#[test]
fn no_client_hello_a_spare_pre_connection_of_a_working_client_is_info() {
    // tls13draft23-chrome67: one connection with a ClientHello, one opened ahead and closed unused.
    let mut c = Craft::new();
    let (cs, ss) = handshake(&mut c, 40200, 443);
    c.tcp((C, 40200), (S, 443), cs, ss, "PA", &[22, 3, 1, 0, 4, 1, 0, 0, 0], 64);
    c.tcp((S, 443), (C, 40200), ss, cs + 9, "PA", &[22, 3, 3, 0, 4, 2, 0, 0, 0], 64);
    let (cs, ss) = handshake(&mut c, 40201, 443);
    c.wait(1.4);
    c.tcp((C, 40201), (S, 443), cs, ss, "FA", &[], 64);
    c.tcp((S, 443), (C, 40201), ss, cs + 1, "FA", &[], 64);
    let fs = run(&c);
    let f = of(&fs, "no-client-hello");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
}

#[test]
fn no_client_hello_another_protocol_on_443_is_not_tls_and_not_php() {
    // telegram_videocall: MTProto on 443.
    let mut c = Craft::new();
    for port in [40210u16, 40211, 40212] {
        let (cs, ss) = handshake(&mut c, port, 443);
        c.tcp((C, port), (S, 443), cs, ss, "PA", &[0xef, 0x9a, 0x11, 0x42, 0x00, 0x07], 64);
        c.tcp((S, 443), (C, port), ss, cs + 6, "PA", &[0x3c, 0x01, 0x02], 64);
        c.tcp((C, port), (S, 443), cs + 6, ss + 3, "FA", &[], 64);
    }
    let fs = run(&c);
    let f = of(&fs, "no-client-hello");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(!f[0].recommendations.iter().any(|r| r.to_string().contains("php")), "{:?}", f[0].recommendations);
}

#[test]
fn no_client_hello_the_seeds_pattern_is_a_warning() {
    let mut c = Craft::new();
    for port in [40220u16, 40221, 40222] {
        let (cs, ss) = handshake(&mut c, port, 443);
        c.wait(0.3);
        c.tcp((C, port), (S, 443), cs, ss, "FA", &[], 64);
        c.tcp((S, 443), (C, port), ss, cs + 1, "FA", &[], 64);
    }
    let fs = run(&c);
    let f = of(&fs, "no-client-hello");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn a_storm_seen_at_the_sender_where_resends_are_marked_out_of_order() {
    // At the sender, upstream of the loss, SACK-recovery resends leave right after newer
    // data: Wireshark marks them out-of-order, not retransmissions (within 3 ms of the
    // sender's previous segment, no fresh duplicate ACKs). Captured at the sender: TTL 64 on
    // its packets.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40230), (S, 80));
    let (cs, mut ss) = handshake(&mut c, 40230, 80);
    let mut id = 1000u16;
    for _ in 0..20u32 {
        // Ten new segments, the second of which is lost beyond the capture point.
        let base = ss;
        for k in 0..10u32 {
            c.tcp(sv, cl, base + k * 1000, cs, "A", &[b'a'; 1000], 64).id(id);
            id += 1;
        }
        ss = base + 10_000;
        // The resend leaves within a millisecond of the newest data.
        c.tcp(sv, cl, base + 1000, cs, "A", &[b'a'; 1000], 64).id(id);
        id += 1;
        c.tcp(cl, sv, cs, ss, "A", &[], 63);
        c.wait(0.01);
    }
    let fs = run(&c);
    let storm = of(&fs, "retransmission-storm");
    assert_eq!(storm.len(), 1, "{:?}", loud(&fs));
    assert!(storm[0].facts["resent_out_of_order"].as_u64().unwrap() >= 19, "{:?}", storm[0].facts);
    assert!(storm[0].facts["retransmissions"].as_u64().unwrap() >= 20, "{:?}", storm[0].facts);
}

#[test]
fn an_idle_reset_is_still_found_after_twenty_thousand_closed_connections() {
    // Detectors judge from what they were handed when each stream ended; the flow table
    // lets closed streams go on a busy capture, at default settings and at a tiny bound.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40240), (S, 80));
    let (cs, ss) = handshake(&mut c, 40240, 80);
    c.tcp(cl, sv, cs, ss, "PA", b"GET / HTTP/1.1\r\n\r\n", 64).id(1);
    c.tcp(sv, cl, ss, cs + 18, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64).id(2);
    c.tcp(cl, sv, cs + 18, ss + 19, "A", &[], 64).id(3);
    c.wait(16.0);
    c.tcp(cl, sv, cs + 18, ss + 19, "PA", b"POST /pay HTTP/1.1\r\n\r\n", 64).id(4);
    c.tcp(sv, cl, ss + 19, 0, "R", &[], 52).id(0);
    for i in 0..20_000u32 {
        let ip = [203, 0, 113, (i % 200) as u8 + 1];
        let port = 10_000 + (i / 200) as u16;
        c.tcp((ip, port), (S, 443), 1, 0, "S", &[], 64);
        c.tcp((S, 443), (ip, port), 9, 2, "SA", &[], 64);
        c.tcp((ip, port), (S, 443), 2, 10, "FA", &[], 64);
        c.tcp((S, 443), (ip, port), 10, 3, "FA", &[], 64);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = c.write(dir.path(), "busy.pcap");
    for max in [pcapdoc::flow::DEFAULT_MAX_LIVE, 16] {
        let mut cfg = Config::default();
        cfg.engine.max_streams = max;
        let (_, fs) = pcapdoc::detect::run(pcapdoc::capture::CaptureReader::open(&path).unwrap(), &cfg, &[]);
        let idle = of(&fs, "idle-timeout");
        assert_eq!(idle.len(), 1, "--max-streams {max}: {:?}", loud(&fs));
        assert_eq!(idle[0].stream, Some(0), "--max-streams {max}");
        assert!(idle[0].frames.contains(&7) && idle[0].frames.contains(&8), "{:?}", idle[0].frames);
    }
}

#[test]
fn a_dns_query_from_ephemeral_port_4789_is_dns_not_a_vxlan_tunnel() {
    let mut c = Craft::new();
    let resolver = [192, 0, 2, 53];
    let answer = crate::support::craft::dns_response(7, "www.example.com", &[], [203, 0, 113, 5].into());
    c.udp((resolver, 53), (C, 4789), &answer);
    let dir = tempfile::tempdir().unwrap();
    let p = c.write(dir.path(), "dns4789.pcap");
    let (analysis, _) =
        pcapdoc::detect::run(pcapdoc::capture::CaptureReader::open(&p).unwrap(), &Config::default(), &[]);
    assert!(analysis.tunnels.is_empty(), "{:?}", analysis.tunnels);
    assert!(analysis.anomalies.is_empty(), "{:?}", analysis.anomalies);
}
