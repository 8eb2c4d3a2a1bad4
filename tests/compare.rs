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
    assert_eq!(r.matched.len(), 1);
    let m = &r.matched[0];
    assert_ne!(m.client_side.server, m.server_side.server, "addresses differ through the NAT");
    assert!(m.basis.contains(&"isn"));
    let off = r.clock_offset_ms.unwrap();
    assert!(off.abs() < 1.0, "one host, one clock: offset {off} ms");
    let rst = r.findings.iter().find(|f| f.detector == "middlebox-rst").expect("the RST was made on the path");
    assert_eq!(rst.frames, vec![12]);
    let post =
        r.findings.iter().find(|f| f.detector == "never-reached-server").expect("the POST never reached the server");
    assert_eq!(post.frames, vec![11]);
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
    let r = run(&c, &s);
    assert_eq!(r.matched.len(), 1);
    assert_eq!(r.matched[0].client_side.client, "192.0.2.10:40000");
    assert_eq!(r.matched[0].server_side.client, "203.0.113.1:61000");
    assert!(r.findings.is_empty(), "{:?}", r.findings.iter().map(|f| &f.summary).collect::<Vec<_>>());
}

#[test]
fn a_clock_offset_of_plus_or_minus_5_s_is_measured_within_a_millisecond() {
    for offset in [5.0, -5.0] {
        let (_d, c, s) = nat_pair(offset, true);
        let r = run(&c, &s);
        assert_eq!(r.matched.len(), 1, "offset {offset}");
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
    assert_eq!(r.matched.len(), 1);
    assert_eq!(r.unmatched_client.len(), 1);
    assert_eq!(r.unmatched_client[0].server, "198.51.100.7:443");
    assert!(r.unmatched_server.is_empty());
}
