//! Issue 30: what the capture could see. One-way captures (inbound only, outbound only,
//! one host pair's answers missing), connections older than the capture, copies of a SYN,
//! capture loss and DNS that never answers: each on a small crafted capture named after
//! the case, with the healthy look-alike beside it.

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Confidence, Config, Finding, Severity};
use pcapdoc::engine::Analysis;
use pcapdoc::visibility::OneWay;

use crate::support::craft::{C, Craft, S, dns_response};

fn run_all(c: &Craft) -> (Analysis, Vec<Finding>) {
    let r =
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap")).unwrap();
    detect::run(r, &Config::default(), &[])
}

fn loud(f: &[Finding]) -> Vec<String> {
    f.iter().filter(|f| f.severity >= Severity::Warning).map(|f| format!("{}: {}", f.detector, f.summary)).collect()
}

const HELLO: [u8; 9] = [22, 3, 1, 0, 4, 1, 0, 0, 0];
const C2: [u8; 4] = [192, 0, 2, 11];
const S2: [u8; 4] = [198, 51, 100, 21];

/// The client's half of a healthy TLS connection: SYN, the ACK of the SYN/ACK, the
/// ClientHello, ACKs over 3,000 bytes of the server's handshake, 100 bytes of its own, the
/// ACK of the server's response and FIN, its own FIN.
fn client_half_of_tls(c: &mut Craft, client: [u8; 4], cport: u16, server: [u8; 4]) {
    let (cl, sv) = ((client, cport), (server, 443));
    c.tcp(cl, sv, 1000, 0, "S", &[], 64).wait(0.02);
    c.tcp(cl, sv, 1001, 5001, "A", &[], 64).wait(0.001);
    c.tcp(cl, sv, 1001, 5001, "PA", &HELLO, 64).wait(0.03);
    c.tcp(cl, sv, 1010, 8001, "A", &[], 64).wait(0.001);
    c.tcp(cl, sv, 1010, 8001, "PA", &[23; 100], 64).wait(0.03);
    c.tcp(cl, sv, 1110, 8501, "A", &[], 64).wait(0.5);
    c.tcp(cl, sv, 1110, 8502, "FA", &[], 64).wait(0.2);
}

#[test]
fn a_healthy_https_capture_taken_inbound_only_at_the_server_is_one_way_and_silent() {
    let mut c = Craft::new();
    for (i, client) in [C, C2, C, C2, C].into_iter().enumerate() {
        client_half_of_tls(&mut c, client, 50_000 + i as u16, S);
    }
    let (a, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert_eq!(a.quality.one_way, Some(OneWay::Arriving { host: S.into() }));
    assert_eq!(a.quality.unseen_answer_streams, 5);
    let h = a.health.as_ref().unwrap();
    assert_eq!(h.tcp_established, 5, "the clients' ACKs show every handshake completed");
}

#[test]
fn a_healthy_capture_taken_outbound_only_at_the_client_is_one_way_and_silent() {
    let mut c = Craft::new();
    for (i, server) in [S, S2, S].into_iter().enumerate() {
        client_half_of_tls(&mut c, C, 50_100 + i as u16, server);
    }
    let (a, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert_eq!(a.quality.one_way, Some(OneWay::Leaving { host: C.into() }));
}

#[test]
fn syns_retried_in_an_inbound_only_capture_are_at_most_low_confidence_and_say_capture_both_directions() {
    let mut c = Craft::new();
    client_half_of_tls(&mut c, C2, 50_200, S);
    let (cl, sv) = ((C, 50_201), (S, 443));
    for wait in [1.0, 2.0, 4.0, 8.0] {
        c.tcp(cl, sv, 7000, 0, "S", &[], 64).wait(wait);
    }
    c.wait(3.0).tcp((C2, 50_202), sv, 1, 5001, "A", &[], 64);
    let (a, f) = run_all(&c);
    assert_eq!(a.quality.one_way, Some(OneWay::Arriving { host: S.into() }));
    let cf: Vec<&Finding> = f.iter().filter(|f| f.detector == "connect-failure").collect();
    assert_eq!(cf.len(), 1, "{f:?}");
    assert_eq!(cf[0].confidence, Confidence::Low);
    assert_eq!(cf[0].facts["answer_direction_captured"], false);
    let confirm = cf[0].confirm.as_ref().unwrap().to_string();
    assert!(confirm.contains("Capture both directions"), "{confirm}");
}

#[test]
fn the_same_retried_syns_in_a_two_way_capture_stay_high_confidence() {
    let mut c = Craft::new();
    let (cs, ss) = crate::support::craft::handshake(&mut c, 50_300, 443);
    c.tcp((C, 50_300), (S, 443), cs, ss, "FA", &[], 64);
    c.tcp((S, 443), (C, 50_300), ss, cs + 1, "FA", &[], 64);
    let (cl, sv) = ((C, 50_301), (S2, 443));
    for wait in [1.0, 2.0, 4.0, 8.0] {
        c.tcp(cl, sv, 7000, 0, "S", &[], 64).wait(wait);
    }
    let (a, f) = run_all(&c);
    assert_eq!(a.quality.one_way, None);
    let cf: Vec<&Finding> = f.iter().filter(|f| f.detector == "connect-failure").collect();
    assert_eq!(cf.len(), 1, "{f:?}");
    assert_eq!(cf[0].confidence, Confidence::High);
    assert!(!cf[0].facts.contains_key("answer_direction_captured"));
}

#[test]
fn a_client_hello_whose_answer_the_client_acknowledged_but_the_capture_missed_was_answered() {
    // A two-way capture overall (the client's DNS works both ways), but one host pair's
    // answers take another path: the client's ACKs advance over the server's handshake.
    let mut c = Craft::new();
    let q =
        [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0, 0, 1, 0, 1];
    c.udp((C, 5300), ([198, 51, 100, 1], 53), &q).wait(0.01);
    c.udp(([198, 51, 100, 1], 53), (C, 5300), &dns_response(0x1234, "a.example", &[], S.into())).wait(0.01);
    client_half_of_tls(&mut c, C, 50_400, S);
    c.wait(6.0);
    let (a, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert!(f.iter().all(|f| f.detector != "tls-no-server-hello"), "{f:?}");
    assert_eq!(a.quality.one_way, None);
    assert_eq!(a.quality.unseen_answer_streams, 1);
    assert!(!a.visibility.answer_captured(S.into(), C.into()));
}

#[test]
fn dns_queries_in_an_inbound_only_capture_at_a_resolver_are_not_called_unanswered_with_confidence() {
    let resolver = ([198, 51, 100, 1], 53);
    let mut c = Craft::new();
    for i in 0..12u16 {
        let client = if i % 2 == 0 { C } else { C2 };
        let mut q = vec![(i >> 8) as u8, i as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend([3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0, 0, 1, 0, 1]);
        c.udp((client, 40_000 + i), resolver, &q).wait(1.0);
    }
    c.wait(5.0);
    let (a, f) = run_all(&c);
    assert_eq!(a.quality.one_way, Some(OneWay::Arriving { host: resolver.0.into() }));
    for f in f.iter().filter(|f| f.severity >= Severity::Warning) {
        assert_eq!(f.confidence, Confidence::Low, "{}: {}", f.detector, f.summary);
    }
}

#[test]
fn dns_queries_in_an_outbound_only_capture_at_the_client_are_at_most_low_confidence() {
    let mut c = Craft::new();
    for i in 0..8u16 {
        let resolver = if i % 2 == 0 { ([198, 51, 100, 1], 53) } else { ([198, 51, 100, 2], 53) };
        let mut q = vec![0x50, i as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend([3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0, 0, 1, 0, 1]);
        c.udp((C, 40_100), resolver, &q).wait(1.0);
    }
    c.wait(5.0);
    let (a, f) = run_all(&c);
    assert_eq!(a.quality.one_way, Some(OneWay::Leaving { host: C.into() }));
    let dns: Vec<&Finding> = f.iter().filter(|f| f.detector == "dns-failure").collect();
    assert!(!dns.is_empty(), "the unanswered queries are still named");
    assert!(dns.iter().all(|f| f.confidence == Confidence::Low), "{dns:?}");
}

#[test]
fn every_query_to_both_resolvers_unanswered_until_the_client_gave_up_is_named() {
    // The client's other traffic comes and goes both ways: the capture sees answers.
    let mut c = Craft::new();
    let (cs, ss) = crate::support::craft::handshake(&mut c, 50_500, 443);
    c.tcp((C, 50_500), (S, 443), cs, ss, "FA", &[], 64);
    c.tcp((S, 443), (C, 50_500), ss, cs + 1, "FA", &[], 64);
    // glibc: the same ID to each resolver in turn, A and AAAA, for 8 s; then nothing.
    let resolvers = [([198, 51, 100, 1], 53), ([198, 51, 100, 2], 53)];
    let mut t = 0.0;
    for round in 0..4 {
        let r = resolvers[round % 2];
        for (id, qtype) in [(0x7001u16, 1u8), (0x7002, 28)] {
            let mut q = id.to_be_bytes().to_vec();
            q.extend([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e']);
            q.extend([0, 0, qtype, 0, 1]);
            c.udp((C, 40_200), r, &q);
        }
        c.wait(2.0);
        t += 2.0;
    }
    assert!(t >= 8.0);
    c.wait(0.5).tcp((C, 50_501), (S, 80), 1, 0, "S", &[], 64);
    let (a, f) = run_all(&c);
    let dns: Vec<&Finding> = f.iter().filter(|f| f.detector == "dns-failure").collect();
    assert_eq!(dns.len(), 2, "one finding per resolver: {dns:?}");
    for d in &dns {
        assert_eq!(d.severity, Severity::Error, "{}", d.summary);
        assert_eq!(d.confidence, Confidence::High, "{}", d.summary);
    }
    // The health line says it in words, never an empty list or a median of nothing.
    let h = a.health.as_ref().unwrap();
    assert_eq!(h.dns_answered, 0);
    let s = pcapdoc::summary::CaptureSummary::from_analysis(&a);
    let text = pcapdoc::report::view::health_lines(&s.health.unwrap())
        .into_iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("8 DNS queries, none answered"), "{text}");
    assert!(!text.contains("()") && !text.contains("median 0.000"), "{text}");
}

#[test]
fn a_keep_alive_connection_older_than_the_capture_carrying_a_request_and_its_200_was_answered() {
    // A CDN's CNAME chain, then a request on a connection that began before the capture.
    let mut c = Craft::new();
    let resolver = ([198, 51, 100, 1], 53);
    let mut q = vec![0x22, 0x22, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    q.extend([
        3, b'w', b'w', b'w', 4, b's', b'h', b'o', b'p', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0, 0, 1, 0, 1,
    ]);
    c.udp((C, 5301), resolver, &q).wait(0.01);
    let answer = dns_response(0x2222, "www.shop.example", &["shop.cdn.example", "edge.cdn.example"], S.into());
    c.udp(resolver, (C, 5301), &answer).wait(0.01);
    let (cl, sv) = ((C, 50_600), (S, 80));
    for i in 0..3u32 {
        let req = b"GET / HTTP/1.1\r\nHost: www.shop.example\r\n\r\n";
        let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let (cs, ss) = (1001 + i * req.len() as u32, 9001 + i * resp.len() as u32);
        c.tcp(cl, sv, cs, ss, "PA", req, 64).wait(0.02);
        c.tcp(sv, cl, ss, cs + req.len() as u32, "PA", resp, 64).wait(0.001);
        c.tcp(cl, sv, cs + req.len() as u32, ss + resp.len() as u32, "A", &[], 64).wait(1.0);
    }
    let (_, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert!(f.iter().all(|f| f.detector != "dns-cname-hijack" || f.severity == Severity::Info), "{f:?}");
}

#[test]
fn a_syn_recorded_twice_is_one_syn_not_a_retry() {
    let mut c = Craft::new();
    // Two-way overall: another connection works.
    let (cs, ss) = crate::support::craft::handshake(&mut c, 50_700, 443);
    c.tcp((C, 50_700), (S, 443), cs, ss, "FA", &[], 64);
    c.tcp((S, 443), (C, 50_700), ss, cs + 1, "FA", &[], 64);
    // One SYN, recorded twice 30 µs apart (a mirror port), never answered.
    c.tcp((C, 50_701), (S2, 443), 4242, 0, "S", &[], 64).copy(30, 0).wait(5.0);
    c.tcp((C, 50_702), (S, 443), 1, 0, "S", &[], 64);
    let (a, f) = run_all(&c);
    assert!(a.quality.duplicate_frames >= 1);
    assert!(f.iter().all(|f| f.detector != "connect-failure"), "a lone SYN is not a failure: {f:?}");
}

#[test]
fn bytes_the_receiver_acknowledged_but_the_capture_dropped_are_a_quality_note_not_loss() {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 50_800), (S, 80));
    let (cs, ss) = crate::support::craft::handshake(&mut c, 50_800, 80);
    let req = b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n";
    c.tcp(cl, sv, cs, ss, "PA", req, 64).wait(0.01);
    let cs = cs + req.len() as u32;
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n";
    c.tcp(sv, cl, ss, cs, "PA", head, 64);
    let mut seq = ss + head.len() as u32;
    for i in 0..4 {
        // The capture misses the second of four 1,000-byte segments; the client ACKs it.
        if i != 1 {
            c.tcp(sv, cl, seq, cs, "A", &[b'x'; 1000], 64);
        }
        seq += 1000;
        c.tcp(cl, sv, cs, seq, "A", &[], 64).wait(0.001);
    }
    c.tcp(sv, cl, seq, cs, "FA", &[], 64);
    c.tcp(cl, sv, cs, seq + 1, "FA", &[], 64);
    c.tcp(sv, cl, seq + 1, cs + 1, "A", &[], 64);
    let (a, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert!(a.quality.capture_missed_bytes >= 1000, "{:?}", a.quality);
}

mod peer_silent {
    use super::*;

    fn run(c: &Craft, detector: &str) -> Vec<Finding> {
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        detect::run(r, &Config::default(), &[detector.into()]).1
    }

    /// A request answered, then a second one resent with back-off (0.2, 0.4, 0.8, 1.6, 3.2
    /// s); `answer_after`: the server finally acknowledges it that long after the last resend.
    fn resends(answer_after: Option<f64>) -> Craft {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 51_000), (S, 80));
        let (cs, ss) = crate::support::craft::handshake(&mut c, 51_000, 80);
        c.tcp(cl, sv, cs, ss, "PA", &[b'a'; 100], 64).wait(0.001);
        c.tcp(sv, cl, ss, cs + 100, "PA", &[b'b'; 200], 64).wait(0.001);
        c.tcp(cl, sv, cs + 100, ss + 200, "A", &[], 64).wait(1.0);
        for wait in [0.2, 0.4, 0.8, 1.6, 3.2, 0.0] {
            c.tcp(cl, sv, cs + 100, ss + 200, "PA", &[b'c'; 100], 64).wait(wait);
        }
        if let Some(after) = answer_after {
            c.wait(after).tcp(sv, cl, ss + 200, cs + 200, "A", &[], 64);
        }
        c
    }

    #[test]
    fn a_server_that_stops_answering_mid_connection_is_named_with_its_resends() {
        let f = run(&resends(None), "peer-silent");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].facts["silent_peer"], "198.51.100.20:80");
        assert_eq!(f[0].facts["retries"], 5);
        assert_eq!(f[0].facts["ended"], "capture-ended");
        assert!(f[0].summary.to_string().contains("stopped answering"), "{}", f[0].summary);
    }

    #[test]
    fn a_server_that_was_only_slow_and_answered_in_the_end_is_info() {
        let f = run(&resends(Some(1.0)), "peer-silent");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].facts["ended"], "answered");
    }

    #[test]
    fn a_receiver_that_acknowledges_with_a_zero_window_is_not_silent() {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 51_100), (S, 80));
        let (cs, ss) = crate::support::craft::handshake(&mut c, 51_100, 80);
        c.tcp(cl, sv, cs, ss, "PA", &[b'a'; 100], 64).wait(0.001);
        c.tcp(sv, cl, ss, cs + 100, "A", &[], 64).win(0).wait(0.2);
        // The client probes the shut window; the server answers each probe, still shut.
        for wait in [0.4, 0.8, 1.6, 3.2] {
            c.tcp(cl, sv, cs + 100, ss, "A", &[b'p'; 1], 64).wait(0.001);
            c.tcp(sv, cl, ss, cs + 100, "A", &[], 64).win(0).wait(wait);
        }
        assert!(run(&c, "peer-silent").is_empty());
    }

    #[test]
    fn a_fin_never_acknowledged_after_the_data_arrived_is_info() {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 51_200), (S, 80));
        let (cs, ss) = crate::support::craft::handshake(&mut c, 51_200, 80);
        c.tcp(cl, sv, cs, ss, "PA", &[b'a'; 100], 64).wait(0.001);
        c.tcp(sv, cl, ss, cs + 100, "PA", &[b'b'; 200], 64).wait(0.001);
        c.tcp(sv, cl, ss + 200, cs + 100, "FA", &[], 64).wait(0.001);
        c.tcp(cl, sv, cs + 100, ss + 201, "A", &[], 64).wait(0.01);
        for wait in [0.3, 0.6, 1.2, 2.4, 0.0] {
            c.tcp(cl, sv, cs + 100, ss + 201, "FA", &[], 64).wait(wait);
        }
        let f = run(&c, "peer-silent");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn a_peer_whose_own_resends_still_arrive_is_deaf_not_dead() {
        let mut c = resends(None);
        // The server resends its last data meanwhile, with an old ACK: it never heard ours.
        c.tcp((S, 80), (C, 51_000), 5001 + 100, 1001 + 100, "PA", &[b'b'; 200], 64);
        let f = run(&c, "peer-silent");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
    }
}

mod sslv2 {
    use super::*;

    fn run(c: &Craft) -> Vec<Finding> {
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        detect::run(r, &Config::default(), &["protocol-mismatch".into()]).1
    }

    /// An SSLv2 ClientHello, the server's SSLv2 ServerHello, more of both, and FINs.
    fn sslv2_exchange(server_hello: &[u8], close: &str) -> Craft {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 51_300), (S, 443));
        let (cs, ss) = crate::support::craft::handshake(&mut c, 51_300, 443);
        let mut hello = vec![0x80, 0x1c, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10];
        hello.extend([0x01, 0x00, 0x80]);
        hello.extend([7u8; 16]);
        let h = hello.len() as u32;
        c.tcp(cl, sv, cs, ss, "PA", &hello, 64).wait(0.01);
        let sh = server_hello.len() as u32;
        c.tcp(sv, cl, ss, cs + h, "PA", server_hello, 64).wait(0.01);
        c.tcp(cl, sv, cs + h, ss + sh, "PA", &[0x80, 0x05, 0x02, 1, 2, 3, 4], 64).wait(0.01);
        c.tcp(sv, cl, ss + sh, cs + h + 7, "PA", &[0x80, 0x03, 0x05, 9, 9], 64).wait(0.01);
        c.tcp(cl, sv, cs + h + 7, ss + sh + 5, close, &[], 64);
        c.tcp(sv, cl, ss + sh + 5, cs + h + 8, close, &[], 64);
        c
    }

    fn server_hello() -> Vec<u8> {
        // 0x80 len, SERVER-HELLO (4), session-id-hit 0, certificate type 1, version 0x0002,
        // certificate length 4, cipher specs length 3, connection-id length 16.
        let mut b = vec![0x80, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x03, 0x00, 0x10];
        b.extend([1, 2, 3, 4, 0x01, 0x00, 0x80]);
        b.extend([5u8; 16]);
        b[1] = (b.len() - 2) as u8;
        b
    }

    #[test]
    fn an_sslv2_server_hello_answering_an_sslv2_client_hello_is_tls() {
        assert!(pcapdoc::app::tls::looks_like_tls(&server_hello()));
        assert!(run(&sslv2_exchange(&server_hello(), "FA")).is_empty());
    }

    #[test]
    fn a_mismatch_whose_connection_went_on_and_closed_in_order_is_not_a_failure() {
        // Bytes that are not TLS at all, but both sides kept talking and closed with FINs.
        assert!(run(&sslv2_exchange(b"\x00\x01hello, not tls\r\n", "FA")).is_empty());
        // The same reset: a failed connection, named.
        assert_eq!(run(&sslv2_exchange(b"\x00\x01hello, not tls\r\n", "RA")).len(), 1);
    }
}

#[test]
fn a_response_the_capture_dropped_but_the_client_acknowledged_is_not_a_missing_response() {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 50_900), (S, 80));
    let (cs, ss) = crate::support::craft::handshake(&mut c, 50_900, 80);
    let req = b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    c.tcp(cl, sv, cs, ss, "PA", req, 64).wait(0.01);
    let cs = cs + req.len() as u32;
    // The response (60 bytes) is not in the capture; the client's ACK covers it.
    c.tcp(cl, sv, cs, ss + 60, "A", &[], 64).wait(0.001);
    c.tcp(sv, cl, ss + 60, cs, "FA", &[], 64);
    c.tcp(cl, sv, cs, ss + 61, "FA", &[], 64);
    c.tcp(sv, cl, ss + 61, cs + 1, "A", &[], 64);
    let (a, f) = run_all(&c);
    assert!(loud(&f).is_empty(), "{:?}", loud(&f));
    assert!(a.quality.capture_missed_bytes >= 60, "{:?}", a.quality);
}
