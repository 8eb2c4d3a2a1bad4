//! `compare` on the lab's client/server pairs (real NAT) and on crafted pairs: matching with
//! rewritten addresses and ports, clock offsets of ±5 s, and one-sided flows.

use pcapdoc::capture::CaptureReader;
use pcapdoc::compare::{CompareReport, compare};
use pcapdoc::detect::Config;

use crate::support::{self, craft::Craft};

fn run(client: &std::path::Path, server: &std::path::Path) -> CompareReport {
    compare(CaptureReader::open(client).unwrap(), CaptureReader::open(server).unwrap(), &Config::default())
}

fn lab(name: &str) -> CompareReport {
    let d = support::root().join("captures");
    run(&d.join(format!("{name}-client.pcap")), &d.join(format!("{name}-server.pcap")))
}

#[test]
fn slb_idle_reset_pair_shows_the_middlebox_rst_and_the_lost_post() {
    let r = lab("slb-idle-reset");
    assert_eq!((r.matched_total, r.matched.len()), (1, 1), "the one flow differs, so it is listed");
    let m = &r.matched[0];
    assert_ne!(m.client_side.server, m.server_side.server, "addresses differ through the NAT");
    assert!(m.basis.contains(&"isn"));
    let off = r.clock_offset_ms.unwrap();
    assert!(off.abs() < 1.0, "one host, one clock: offset {off} ms");
    // One problem, one finding: the RST made on the path, citing the POST it answered.
    let rst = r.findings.iter().find(|f| f.detector == "middlebox-rst").expect("the RST was made on the path");
    assert_eq!(rst.frames, vec![11, 12]);
    assert!(rst.explanation.to_string().contains("data at frame 11"), "{}", rst.explanation);
    assert!(r.findings.iter().all(|f| f.detector != "never-reached-server"), "the POST is part of the RST finding");
    assert!(r.findings.iter().all(|f| f.detector != "lost-on-path"), "one lost request is not a loss pattern");
}

#[test]
fn storm_pair_names_the_lossy_leg() {
    let r = lab("storm");
    let f = r.findings.iter().find(|f| f.detector == "lost-on-path").unwrap();
    assert_eq!(f.facts["leg"], "server → client");
    assert!(f.facts["lost"].as_u64().unwrap() > 1000);
    assert!(r.findings.iter().all(|f| f.facts.get("leg").is_none_or(|l| l == "server → client")));
}

#[test]
fn every_lab_pair_matches_every_flow_that_exists_on_both_sides() {
    for name in [
        "slb-idle-reset",
        "tls-idle-close-120",
        "tls-idle-close-75",
        "no-client-hello",
        "cname-hijack",
        "storm",
        "storm-control",
        "clean",
        "tls-handshake-alert",
        "tls-no-server-hello",
    ] {
        let r = lab(name);
        assert!(r.unmatched_server.is_empty(), "{name}: server flows left over: {:?}", r.unmatched_server);
        for u in &r.unmatched_client {
            // Only the hijacked name's flow, to a blackholed address, is one-sided.
            assert!(name == "cname-hijack" && u.server.starts_with("192.0.2.66"), "{name}: {u:?}");
        }
        assert!(r.clock_offset_ms.is_some_and(|o| o.abs() < 1.0), "{name}: {:?}", r.clock_offset_ms);
    }
}

/// A conversation seen at the client (192.0.2.10:40000 → 198.51.100.100:80) and, through a
/// full NAT, at the server (203.0.113.1:61000 → 203.0.113.2:8080), with the server's clock
/// `offset` seconds ahead and a 2 ms one-way delay.
fn nat_pair(offset: f64, server_sees_everything: bool) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, mut s) = (Craft::new(), Craft::new());
    let delay = 0.002;
    let (cl, vip) = (([192, 0, 2, 10], 40000), ([198, 51, 100, 100], 80));
    let (nat, srv) = (([203, 0, 113, 1], 61000), ([203, 0, 113, 2], 8080));
    let script: &[(bool, u32, u32, &str, &[u8])] = &[
        (true, 100, 0, "S", b""),
        (false, 900, 101, "SA", b""),
        (true, 101, 901, "A", b""),
        (true, 101, 901, "PA", b"GET /x HTTP/1.1\r\n\r\n"),
        (false, 901, 120, "PA", b"HTTP/1.1 200 OK\r\n\r\n"),
        (true, 120, 920, "A", b""),
    ];
    for (i, (c2s, seq, ack, flags, payload)) in script.iter().enumerate() {
        // True time of sending; each capture stamps with its own clock.
        let tau = i as f64 * 0.01;
        let last = i == script.len() - 1;
        if *c2s {
            c.at(Craft::START, tau).tcp(cl, vip, *seq, *ack, flags, payload, 64);
            if server_sees_everything || !last {
                s.at(Craft::START, tau + delay + offset).tcp(nat, srv, *seq, *ack, flags, payload, 63);
            }
        } else {
            s.at(Craft::START, tau + offset).tcp(srv, nat, *seq, *ack, flags, payload, 64);
            c.at(Craft::START, tau + delay).tcp(vip, cl, *seq, *ack, flags, payload, 63);
        }
    }
    let (a, b) = (c.write(dir.path(), "client.pcap"), s.write(dir.path(), "server.pcap"));
    (dir, a, b)
}

#[test]
fn flows_match_through_rewritten_addresses_and_ports() {
    let (_d, c, s) = nat_pair(0.0, true);
    let r = pcapdoc::compare::compare_with(
        CaptureReader::open(&c).unwrap(),
        CaptureReader::open(&s).unwrap(),
        &Config::default(),
        pcapdoc::compare::CompareOptions { all: true },
    );
    assert_eq!(r.matched.len(), 1);
    assert_eq!((r.matched_total, r.matched_agreeing), (1, 1));
    assert_eq!(r.matched[0].client_side.client, "192.0.2.10:40000");
    assert_eq!(r.matched[0].server_side.client, "203.0.113.1:61000");
    assert!(r.findings.is_empty(), "{:?}", r.findings.iter().map(|f| &f.summary).collect::<Vec<_>>());
}

#[test]
fn a_clock_offset_of_plus_or_minus_5_s_is_measured_within_a_millisecond() {
    for offset in [5.0, -5.0] {
        let (_d, c, s) = nat_pair(offset, true);
        let r = run(&c, &s);
        assert_eq!(r.matched_total, 1, "offset {offset}");
        let clock = r.clock.unwrap();
        // The midpoint of the two directions: the 2 ms delay each way cancels out.
        assert!((clock.offset_ms - offset * 1000.0).abs() < 1.0, "offset {offset}: measured {}", clock.offset_ms);
        assert!((clock.client_to_server_delay_ms - 2.0).abs() < 1.0, "{clock:?}");
    }
}

#[test]
fn a_flow_present_on_only_one_side_is_listed_unmatched() {
    let (d, c, s) = nat_pair(0.0, true);
    // Add, at the client only, a second connection to an unrelated address.
    let mut extra = Craft::new();
    extra.tcp(([192, 0, 2, 10], 40001), ([198, 51, 100, 7], 443), 5, 0, "S", b"", 64);
    let bytes = std::fs::read(&c).unwrap();
    let mut merged = bytes.clone();
    merged.extend_from_slice(&extra.bytes()[24..]);
    let c2 = d.path().join("client2.pcap");
    std::fs::write(&c2, merged).unwrap();
    let r = run(&c2, &s);
    assert_eq!(r.matched_total, 1);
    assert!(r.matched.is_empty(), "a flow whose two views agree is counted, not listed");
    assert_eq!(r.unmatched_client.len(), 1);
    assert_eq!(r.unmatched_client[0].server, "198.51.100.7:443");
    assert!(r.unmatched_server.is_empty());
}

#[test]
fn syns_that_never_reach_the_server_are_findings_per_port_saying_how_the_path_answered() {
    let r = lab("connect-failures");
    let mut got: Vec<(String, String)> = r
        .findings
        .iter()
        .filter(|f| f.detector == "never-reached-server")
        .map(|f| {
            (
                f.facts["destination"].as_str().unwrap().to_string(),
                f.facts["path_answered"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("198.51.100.100:81", "rst"),
        ("198.51.100.100:82", "icmp"),
        ("198.51.100.100:83", "none"),
        ("198.51.100.100:84", "rst"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
    let v = pcapdoc::report::compare::verdict(&r).to_string();
    assert!(v.contains("198.51.100.100:81 never reached the server"), "{v}");
    assert!(!v.contains("agree"), "{v}");
}

#[test]
fn a_rst_the_path_made_is_found_and_the_server_side_reset_is_not_blamed_on_the_path() {
    let r = lab("mid-transfer-reset");
    let made: Vec<_> = r.findings.iter().filter(|f| f.detector == "middlebox-rst").collect();
    assert_eq!(made.len(), 1, "{:?}", r.findings.iter().map(|f| f.summary.to_string()).collect::<Vec<_>>());
    assert_eq!(made[0].facts["capture"], "client");
    assert_eq!(made[0].facts["ttl"], 64);
    // The server's own reset of the download is in both captures: not a path finding.
    assert!(made[0].stream == Some(1));
    assert!(r.client.findings.iter().any(|f| f.detector == "mid-transfer-reset" && f.facts["sent_by"] == "server"));
}

#[test]
fn the_captures_agree_only_when_they_do() {
    let r = lab("clean");
    assert!(r.findings.is_empty());
    assert_eq!(r.matched_agreeing, r.matched_total);
    assert!(pcapdoc::report::compare::verdict(&r).to_string().contains("agree"));
    let r = lab("storm");
    assert!(!pcapdoc::report::compare::verdict(&r).to_string().contains("agree"));
}

#[test]
fn a_hundred_identical_requests_through_a_proxy_that_changes_isns_match_one_to_one_by_time() {
    // An L7 proxy: new ISNs and ports on the server side, the server's clock 3 s ahead;
    // every connection carries the same request and response, so only timing tells them
    // apart (the first-segment group is larger than the all-pairs limit).
    let dir = tempfile::tempdir().unwrap();
    let (mut c, mut s) = (Craft::new(), Craft::new());
    let req: &[u8] = b"GET /health HTTP/1.1\r\n\r\n";
    let resp: &[u8] = b"HTTP/1.1 200 OK\r\n\r\n";
    let n: u16 = 100;
    for i in 0..n {
        let t = f64::from(i) * 0.5;
        let (cl, vip) = (([192, 0, 2, 10], 40000 + i), ([198, 51, 100, 100], 80));
        let (px, srv) = (([203, 0, 113, 1], 50000 + i), ([203, 0, 113, 2], 8080));
        let (ci, pi, si) = (1000 + u32::from(i) * 7, 70000 + u32::from(i) * 13, 900_000 + u32::from(i) * 11);
        let rl = req.len() as u32;
        let sl = resp.len() as u32;
        c.at(Craft::START, t).tcp(cl, vip, ci, 0, "S", b"", 64);
        c.at(Craft::START, t + 0.001).tcp(vip, cl, 5000, ci + 1, "SA", b"", 63);
        c.at(Craft::START, t + 0.002).tcp(cl, vip, ci + 1, 5001, "A", b"", 64);
        c.at(Craft::START, t + 0.003).tcp(cl, vip, ci + 1, 5001, "PA", req, 64);
        s.at(Craft::START, 3.0 + t + 0.004).tcp(px, srv, pi, 0, "S", b"", 64);
        s.at(Craft::START, 3.0 + t + 0.0045).tcp(srv, px, si, pi + 1, "SA", b"", 64);
        s.at(Craft::START, 3.0 + t + 0.005).tcp(px, srv, pi + 1, si + 1, "A", b"", 64);
        s.at(Craft::START, 3.0 + t + 0.006).tcp(px, srv, pi + 1, si + 1, "PA", req, 64);
        s.at(Craft::START, 3.0 + t + 0.007).tcp(srv, px, si + 1, pi + 1 + rl, "PA", resp, 64);
        c.at(Craft::START, t + 0.009).tcp(vip, cl, 5001, ci + 1 + rl, "PA", resp, 63);
        c.at(Craft::START, t + 0.010).tcp(cl, vip, ci + 1 + rl, 5001 + sl, "A", b"", 64);
    }
    let (a, b) = (c.write(dir.path(), "client.pcap"), s.write(dir.path(), "server.pcap"));
    let r = pcapdoc::compare::compare_with(
        CaptureReader::open(&a).unwrap(),
        CaptureReader::open(&b).unwrap(),
        &Config::default(),
        pcapdoc::compare::CompareOptions { all: true },
    );
    assert_eq!(r.matched_total, usize::from(n));
    for m in &r.matched {
        // Port 40000 + i at the client is port 50000 + i at the server.
        let cport: u16 = m.client_side.client.rsplit(':').next().unwrap().parse().unwrap();
        let sport: u16 = m.server_side.client.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(sport - 50000, cport - 40000, "{m:?}");
        assert!(!m.basis.contains(&"isn"));
    }
    assert!((r.clock_offset_ms.unwrap() - 3000.0).abs() < 5.0, "{:?}", r.clock);
}
