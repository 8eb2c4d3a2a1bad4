//! Issue 15 items 2, 4, 5 and 6 on crafted edge cases: each diagnosis fires on its pattern
//! and stays silent on the healthy look-alike next to it.

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding, Severity};

use crate::support::craft::{C, Craft, S, handshake};

fn run(c: &Craft, detector: &str) -> Vec<Finding> {
    let r =
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap")).unwrap();
    detect::run(r, &Config::default(), &[detector.into()]).1
}

fn len(b: &[u8]) -> u32 {
    u32::try_from(b.len()).unwrap()
}

const HELLO: [u8; 9] = [22, 3, 1, 0, 4, 1, 0, 0, 0];
const SERVER_HELLO: [u8; 9] = [22, 3, 3, 0, 4, 2, 0, 0, 0];
const ALERT: [u8; 7] = [21, 3, 1, 0, 2, 2, 10];

/// One connection: the client's first bytes, the server's answer, then the server's FIN.
fn exchange(port: u16, first: &[u8], reply: &[u8], with_syn: bool) -> Craft {
    let mut c = Craft::new();
    let (cl, sv) = ((C, 50100), (S, port));
    let (cseq, sseq) = if with_syn { handshake(&mut c, 50100, port) } else { (1001, 5001) };
    c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", first, 64);
    c.wait(0.001).tcp(sv, cl, sseq, cseq + len(first), "AP", reply, 64);
    c.wait(0.001).tcp(sv, cl, sseq + len(reply), cseq + len(first), "AF", &[], 64);
    c
}

mod protocol_mismatch {
    use super::*;

    #[test]
    fn a_client_hello_answered_with_an_http_400_is_tls_sent_to_a_plain_port() {
        let c = exchange(80, &HELLO, b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n", true);
        let f = run(&c, "protocol-mismatch");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].facts["client_spoke"], "tls");
        assert_eq!(f[0].facts["server_replied"], "http 400");
        assert!(f[0].summary.to_string().starts_with("TLS sent to a plain-text port"), "{}", f[0].summary);
        assert!(f[0].recommendations.iter().any(|r| r.to_string().contains("port 80")));
    }

    #[test]
    fn a_client_hello_answered_with_a_banner_names_the_bytes() {
        let c = exchange(8443, &HELLO, b"SSH-2.0-OpenSSH_9.6\r\n", true);
        let f = run(&c, "protocol-mismatch");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].summary.to_string().contains("SSH-2.0-OpenSSH_9.6"), "{}", f[0].summary);
    }

    #[test]
    fn plain_http_answered_with_a_tls_alert_is_http_sent_to_a_tls_port() {
        let c = exchange(443, b"GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n", &ALERT, true);
        let f = run(&c, "protocol-mismatch");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].facts["client_spoke"], "http");
        assert!(f[0].summary.to_string().starts_with("Plain HTTP sent to TLS port 443"), "{}", f[0].summary);
    }

    #[test]
    fn nginx_page_for_plain_http_on_its_tls_port_is_recognised() {
        let page = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title>";
        let c = exchange(443, b"GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n", page, true);
        let f = run(&c, "protocol-mismatch");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].summary.to_string().contains("nginx's 400 page"), "{}", f[0].summary);
    }

    #[test]
    fn matching_protocols_are_silent() {
        assert!(run(&exchange(443, &HELLO, &SERVER_HELLO, true), "protocol-mismatch").is_empty());
        let ok = exchange(80, b"GET / HTTP/1.1\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n", true);
        assert!(run(&ok, "protocol-mismatch").is_empty());
        // An ordinary 400 (a bad header) on the HTTP port is not a protocol mismatch.
        let bad = exchange(80, b"GET / HTTP/1.1\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\nbad header", true);
        assert!(run(&bad, "protocol-mismatch").is_empty());
    }

    #[test]
    fn a_stream_joined_after_its_start_is_not_judged() {
        // No SYN: the server's first bytes seen may be the middle of a record.
        let c = exchange(443, &[23, 3, 3, 0, 2, 1, 2], b"\x88\x13continuation of a record", false);
        assert!(run(&c, "protocol-mismatch").is_empty());
    }
}

mod http_errors {
    use super::*;

    /// One request per connection: (path, response status, Server header).
    fn site(responses: &[(&str, u16, &str)], mute: bool) -> Craft {
        let mut c = Craft::new();
        for (i, (path, status, server)) in responses.iter().enumerate() {
            let port = 50200 + u16::try_from(i).unwrap();
            let (cl, sv) = ((C, port), (S, 80));
            let (cseq, sseq) = handshake(&mut c, port, 80);
            let req = format!("GET {path} HTTP/1.1\r\nHost: shop.example\r\n\r\n").into_bytes();
            c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", &req, 64);
            let resp = format!("HTTP/1.1 {status} X\r\nServer: {server}\r\nContent-Length: 0\r\n\r\n").into_bytes();
            c.wait(0.01).tcp(sv, cl, sseq, cseq + len(&req), "AP", &resp, 64);
            c.wait(0.001).tcp(sv, cl, sseq + len(&resp), cseq + len(&req), "AF", &[], 64);
            c.wait(0.001).tcp(cl, sv, cseq + len(&req), sseq + len(&resp) + 1, "AF", &[], 64);
            c.wait(0.3);
        }
        if mute {
            let (cl, sv) = ((C, 50299), (S, 8080));
            let (cseq, sseq) = handshake(&mut c, 50299, 8080);
            let req = b"POST /api/cart HTTP/1.1\r\nHost: shop.example\r\n\r\n";
            c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", req, 64);
            c.wait(0.2).tcp(sv, cl, sseq, cseq + len(req), "AF", &[], 64);
            c.wait(0.001).tcp(cl, sv, cseq + len(req), sseq + 1, "AF", &[], 64);
        }
        c
    }

    #[test]
    fn gateway_errors_from_the_proxy_are_named_with_their_urls_and_writer() {
        let c = site(
            &[
                ("/api/items", 200, "gunicorn"),
                ("/api/items", 200, "gunicorn"),
                ("/api/orders", 502, "Tengine"),
                ("/api/orders", 502, "Tengine"),
                ("/api/report", 504, "Tengine"),
            ],
            false,
        );
        let f = run(&c, "http-errors");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].facts["errors"], 3);
        assert_eq!(f[0].facts["responses"], 5);
        assert_eq!(f[0].facts["written_by_proxy"], true);
        let e = f[0].explanation.to_string();
        assert!(e.contains("GET /api/orders (2 × 502)") && e.contains("GET /api/report (1 × 504)"), "{e}");
        assert!(e.contains("“Server: Tengine”") && e.contains("“Server: gunicorn”"), "{e}");
    }

    #[test]
    fn a_site_whose_every_response_is_a_gateway_error_is_an_error() {
        let c = site(&[("/", 503, "nginx"), ("/", 503, "nginx"), ("/x", 503, "nginx")], false);
        let f = run(&c, "http-errors");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].summary.to_string().starts_with("Every request to shop.example failed"), "{}", f[0].summary);
    }

    #[test]
    fn healthy_responses_and_client_errors_are_silent() {
        let c = site(&[("/", 200, "nginx"), ("/missing", 404, "nginx"), ("/boom", 500, "app")], false);
        assert!(run(&c, "http-errors").is_empty());
    }

    #[test]
    fn a_request_closed_without_an_answer_is_unanswered() {
        let f = run(&site(&[("/", 200, "nginx")], true), "http-errors");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].facts["requests"], 1);
        assert_eq!(f[0].facts["closed_by_server"], 1);
        assert!(f[0].explanation.to_string().contains("POST /api/cart"), "{}", f[0].explanation);
    }

    #[test]
    fn a_request_still_open_at_the_end_of_the_capture_is_not_judged() {
        let mut c = Craft::new();
        let (cseq, sseq) = handshake(&mut c, 50300, 80);
        c.wait(0.01).tcp((C, 50300), (S, 80), cseq, sseq, "AP", b"GET / HTTP/1.1\r\n\r\n", 64);
        assert!(run(&c, "http-errors").is_empty());
    }
}

mod mid_transfer_reset {
    use super::*;

    /// A download: the server sends data, then a RST claiming to be the server's with
    /// `rst_ttl` (the server's own packets have TTL 64, as its handshake) and `rst_id`.
    fn download_reset(rst_ttl: u8, rst_id: u16, gap: f64) -> Vec<Finding> {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 50400), (S, 80));
        let (cseq, sseq) = handshake(&mut c, 50400, 80);
        let req = b"GET /big HTTP/1.1\r\n\r\n";
        c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", req, 64);
        let mut s = sseq;
        for i in 0..5u16 {
            c.wait(0.001).tcp(sv, cl, s, cseq + len(req), "A", &[b'x'; 1000], 64).id(0x4000 + i);
            s += 1000;
        }
        c.wait(gap).tcp(sv, cl, s, cseq + len(req), "AR", &[], rst_ttl).id(rst_id);
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        detect::run(r, &Config::default(), &["mid-transfer-reset".into(), "idle-timeout".into()]).1
    }

    #[test]
    fn a_reset_from_the_server_right_after_its_own_data_is_an_abortive_close_at_info() {
        let f = download_reset(64, 0x4005, 0.01);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].facts["sent_by"], "server");
        assert!(f[0].summary.to_string().contains("abortive close"), "{}", f[0].summary);
        assert!(f[0].explanation.to_string().contains("Its TTL (64) is the one"), "{}", f[0].explanation);
    }

    #[test]
    fn a_reset_from_the_server_during_the_clients_upload_is_a_warning() {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 50410), (S, 8080));
        let (cseq, sseq) = handshake(&mut c, 50410, 8080);
        let head = b"POST /upload HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
        c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", head, 64);
        let mut seq = cseq + len(head);
        for _ in 0..5 {
            c.wait(0.001).tcp(cl, sv, seq, sseq, "A", &[b'x'; 1000], 64);
            seq += 1000;
        }
        c.wait(0.001).tcp(sv, cl, sseq, seq, "A", &[], 64);
        c.wait(0.001).tcp(sv, cl, sseq, seq, "AR", &[], 64);
        let f = run(&c, "mid-transfer-reset");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].facts["sent_by"], "server");
        assert_eq!(f[0].facts["request_outstanding"], true);
    }

    #[test]
    fn a_reset_with_another_ttl_and_ip_id_was_made_on_the_path() {
        let f = download_reset(250, 0x0000, 0.01);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].facts["sent_by"], "path");
        assert_eq!(f[0].facts["ip_id_mismatch"], true);
        assert_eq!(f[0].confidence, pcapdoc::detect::Confidence::High);
        assert!(f[0].summary.to_string().starts_with("A device on the path reset"), "{}", f[0].summary);
    }

    #[test]
    fn another_ttl_with_the_ends_own_ip_id_run_is_less_sure() {
        let f = download_reset(250, 0x4005, 0.01);
        assert_eq!(f[0].facts["sent_by"], "path");
        assert_eq!(f[0].confidence, pcapdoc::detect::Confidence::Medium);
    }

    #[test]
    fn an_end_whose_own_ttl_varies_is_never_said_to_be_impersonated() {
        // The handshake came with TTL 64, the data with 60 (two paths, or a rewriting
        // device): a RST with either TTL proves nothing about its sender.
        let mut c = Craft::new();
        let (cl, sv) = ((C, 50700), (S, 80));
        let (cseq, sseq) = handshake(&mut c, 50700, 80);
        c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", b"GET / HTTP/1.1\r\n\r\n", 64);
        c.wait(0.01).tcp(sv, cl, sseq, cseq + 18, "A", &[b'x'; 500], 60);
        c.wait(0.01).tcp(sv, cl, sseq + 500, cseq + 18, "AR", &[], 250);
        let f = run(&c, "mid-transfer-reset");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].facts["sent_by"], "server");
    }

    #[test]
    fn a_reset_after_the_transfer_went_quiet_is_not_mid_transfer() {
        // 5 s after the last data, with the server having answered: not flowing, nothing outstanding.
        assert!(download_reset(64, 0x4005, 5.0).iter().all(|f| f.detector != "mid-transfer-reset"));
    }

    #[test]
    fn a_reset_after_a_fin_is_a_close_not_a_cut() {
        let mut c = Craft::new();
        let (cl, sv) = ((C, 50500), (S, 80));
        let (cseq, sseq) = handshake(&mut c, 50500, 80);
        c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", b"GET / HTTP/1.1\r\n\r\n", 64);
        c.wait(0.01).tcp(sv, cl, sseq, cseq + 18, "AP", b"HTTP/1.1 200 OK\r\n\r\n", 64);
        c.wait(0.001).tcp(cl, sv, cseq + 18, sseq + 19, "AF", &[], 64);
        c.wait(0.001).tcp(sv, cl, sseq + 19, cseq + 19, "AR", &[], 64);
        assert!(run(&c, "mid-transfer-reset").is_empty());
    }

    #[test]
    fn a_copy_of_the_reset_is_never_its_own_baseline() {
        // The RST recorded twice by a mirror (the copy's TTL one lower): one finding, the
        // server's, judged against the server's data packets.
        let mut c = Craft::new();
        let (cl, sv) = ((C, 50600), (S, 80));
        let (cseq, sseq) = handshake(&mut c, 50600, 80);
        c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", b"GET / HTTP/1.1\r\n\r\n", 64);
        c.wait(0.01).tcp(sv, cl, sseq, cseq + 18, "A", &[b'x'; 500], 64).id(7);
        c.wait(0.01).tcp(sv, cl, sseq + 500, cseq + 18, "AR", &[], 64).id(8).copy(20, 1);
        let f = run(&c, "mid-transfer-reset");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].facts["sent_by"], "server");
    }
}

mod dns_failure {
    use super::*;

    const RESOLVER: [u8; 4] = [198, 51, 100, 53];

    fn query(id: u16, name: &str, flags: u16, rcode: u8, answer: Option<[u8; 4]>) -> Vec<u8> {
        let mut q = Vec::new();
        q.extend(id.to_be_bytes());
        q.extend((flags | u16::from(rcode)).to_be_bytes());
        q.extend([0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
        for label in name.split('.') {
            q.push(u8::try_from(label.len()).unwrap());
            q.extend(label.as_bytes());
        }
        q.extend([0, 0, 1, 0, 1]);
        if let Some(a) = answer {
            q.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            q.extend(a);
        }
        q
    }

    /// Each (name, outcome): `None` no answer after 3 tries 2 s apart, `Some((rcode, delay))`.
    fn lookups(items: &[(&str, Option<(u8, f64)>)]) -> Vec<Finding> {
        let mut c = Craft::new();
        for (i, (name, outcome)) in items.iter().enumerate() {
            let id = 0x100 + u16::try_from(i).unwrap();
            let cl = (C, 40000 + id);
            let rs = (RESOLVER, 53);
            match outcome {
                None => {
                    for _ in 0..3 {
                        c.udp(cl, rs, &query(id, name, 0x0100, 0, None)).wait(2.0);
                    }
                }
                Some((rcode, delay)) => {
                    c.udp(cl, rs, &query(id, name, 0x0100, 0, None)).wait(*delay);
                    let ans = (*rcode == 0).then_some([203, 0, 113, 7]);
                    c.udp(rs, cl, &query(id, name, 0x8180, *rcode, ans)).wait(0.2);
                }
            }
        }
        c.wait(5.0).udp((C, 39999), (RESOLVER, 53), &query(1, "last.example", 0x0100, 0, None));
        c.wait(0.01).udp((RESOLVER, 53), (C, 39999), &query(1, "last.example", 0x8180, 0, Some([203, 0, 113, 8])));
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        detect::run(r, &Config::default(), &["dns-failure".into()]).1
    }

    #[test]
    fn answered_fast_lookups_are_silent() {
        assert!(lookups(&[("www.shop.example", Some((0, 0.02))), ("api.shop.example", Some((0, 0.3)))]).is_empty());
    }

    #[test]
    fn a_query_never_answered_is_a_warning_with_its_tries() {
        let f = lookups(&[("www.shop.example", Some((0, 0.02))), ("api.shop.example", None)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].facts["unanswered_tries"], 3);
        assert!(f[0].explanation.to_string().contains("api.shop.example (3 times)"), "{}", f[0].explanation);
    }

    #[test]
    fn servfail_and_refused_are_named_and_a_name_that_resolved_elsewhere_is_only_info() {
        let f = lookups(&[("a.shop.example", Some((2, 0.02))), ("b.shop.example", Some((5, 0.02)))]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!((f[0].facts["servfail"].as_u64(), f[0].facts["refused"].as_u64()), (Some(1), Some(1)));
        let later = lookups(&[("a.shop.example", Some((2, 0.02))), ("a.shop.example", Some((0, 0.02)))]);
        assert_eq!(later.len(), 1, "{later:?}");
        assert_eq!(later[0].severity, Severity::Info);
    }

    #[test]
    fn nxdomain_is_a_warning_only_for_a_needed_address_name() {
        let f = lookups(&[("nosuch.shop.example", Some((3, 0.02)))]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].confidence, pcapdoc::detect::Confidence::Medium);
        assert!(f[0].summary.to_string().contains("nosuch.shop.example does not exist"), "{}", f[0].summary);
        // Single labels, WPAD, reverse lookups, and search-list expansions of a name that
        // resolved fail by design.
        let quiet = lookups(&[
            ("intranet", Some((3, 0.02))),
            ("wpad.corp.example", Some((3, 0.02))),
            ("7.113.0.203.in-addr.arpa", Some((3, 0.02))),
            ("api.shop.example.corp.example", Some((3, 0.02))),
            ("api.shop.example", Some((0, 0.02))),
        ]);
        assert!(quiet.is_empty(), "{quiet:?}");
    }

    #[test]
    fn slow_answers_are_a_warning_when_they_are_a_pattern() {
        let f = lookups(&[("a.example", Some((0, 1.5))), ("b.example", Some((0, 1.6)))]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].facts["slow_answers"], 2);
        let mut many: Vec<(&str, Option<(u8, f64)>)> = vec![("slow.example", Some((0, 1.2)))];
        many.extend(std::iter::repeat_n(("fast.example", Some((0, 0.01))), 20));
        let one = lookups(&many);
        assert_eq!(one.len(), 1, "{one:?}");
        assert_eq!(one[0].severity, Severity::Info, "one slow answer among many");
    }

    #[test]
    fn a_capture_that_sees_nothing_come_back_is_less_sure_the_resolver_is_dead() {
        // Only the host's own packets: queries, and SYNs of a connection with no answer seen.
        let mut c = Craft::new();
        for _ in 0..3 {
            c.udp((C, 40003), (RESOLVER, 53), &query(5, "www.shop.example", 0x0100, 0, None)).wait(2.0);
        }
        c.wait(3.0).udp((C, 40004), (S, 9), b"x");
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        let f = detect::run(r, &Config::default(), &["dns-failure".into()]).1;
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].confidence, pcapdoc::detect::Confidence::Low);
        assert!(f[0].explanation.to_string().contains("only outgoing traffic"), "{}", f[0].explanation);
        // With answers from another resolver, the capture sees both ways: sure again.
        let sure = lookups(&[("www.shop.example", None)]);
        assert_eq!(sure[0].confidence, pcapdoc::detect::Confidence::High);
    }

    #[test]
    fn a_query_at_the_end_of_the_capture_is_not_judged() {
        let mut c = Craft::new();
        c.udp((C, 40001), (RESOLVER, 53), &query(9, "late.example", 0x0100, 0, None));
        c.wait(0.5).udp((C, 40002), (S, 80), b"x");
        let r = CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap"))
            .unwrap();
        assert!(detect::run(r, &Config::default(), &["dns-failure".into()]).1.is_empty());
    }
}
