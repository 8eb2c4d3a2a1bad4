//! Detectors on the lab's real captures: each fires where its expectations file says (stream
//! and key frames from tshark), and nothing at warning or above fires on the clean capture
//! and the no-loss control.

use std::fs;
use std::path::Path;

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding, Severity};
use serde_json::Value;

use crate::support;

pub fn findings(path: &Path) -> Vec<Finding> {
    let reader = CaptureReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    detect::run(reader, &Config::default(), &[]).1
}

fn expectations() -> Vec<(String, Value)> {
    let dir = support::root().join("captures");
    let mut v: Vec<(String, Value)> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expect.json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().trim_end_matches(".expect.json").to_string();
            (name, serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap())
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(v.len() >= 10, "the lab's scenarios have expectations: {}", v.len());
    v
}

#[test]
fn each_detector_fires_on_its_lab_capture_with_the_expected_stream_and_frames() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, exp) in expectations() {
        for e in exp["expect"].as_array().unwrap() {
            let side = e["capture"].as_str().unwrap();
            let path = support::root().join("captures").join(format!("{name}-{side}.pcap"));
            let detector = e["detector"].as_str().unwrap();
            let fs = findings(&path);
            // Several findings of one detector (connect-failure, one per port): take the one on
            // the expected stream.
            // Findings without a stream (one per resolver) are told apart by their frames.
            let want_stream = e["stream"].as_u64().map(|s| s as u32);
            let want_frames: Vec<u64> =
                e["frames"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
            let hit = fs
                .iter()
                .filter(|f| f.detector == detector)
                .find(|f| {
                    (want_stream.is_none() || f.stream == want_stream)
                        && want_frames.iter().all(|w| f.frames.contains(w))
                })
                .or_else(|| {
                    fs.iter()
                        .filter(|f| f.detector == detector)
                        .find(|f| want_stream.is_none() || f.stream == want_stream)
                })
                .or_else(|| fs.iter().find(|f| f.detector == detector));
            let Some(f) = hit else {
                failures.push(format!(
                    "{name}-{side}: no {detector} finding; got {:?}",
                    fs.iter().map(|f| f.detector).collect::<Vec<_>>()
                ));
                continue;
            };
            checked += 1;
            if f.severity == Severity::Info {
                failures.push(format!("{name}-{side}: {detector} only at info"));
            }
            if let Some(stream) = e["stream"].as_u64() {
                if f.stream != Some(stream as u32) {
                    failures.push(format!("{name}-{side}: {detector} on stream {:?}, expected {stream}", f.stream));
                }
            }
            for frame in e["frames"].as_array().into_iter().flatten().filter_map(Value::as_u64) {
                if !f.frames.contains(&frame) {
                    failures.push(format!("{name}-{side}: {detector} cites {:?}, missing frame {frame}", f.frames));
                }
            }
            if let Some(streams) = e["streams"].as_array() {
                let got = f.facts.get("streams").cloned().unwrap_or_default();
                for s in streams {
                    if !got.as_array().is_some_and(|g| g.contains(s)) {
                        failures.push(format!("{name}-{side}: {detector} streams {got}, missing {s}"));
                    }
                }
            }
            // A close fits its device's timeout ("matches"); a reset or silence comes some
            // time after the device forgot the connection ("exceeds").
            if let Some(key) = e["matches"].as_str() {
                let got = f.facts.get("matches").or_else(|| f.facts.get("exceeds")).and_then(Value::as_str);
                if got != Some(key) {
                    failures.push(format!("{name}-{side}: {detector} matches {got:?}, expected {key}"));
                }
            }
            // Facts the scenario fixes: who sent a RST, what the server replied.
            for (k, v) in e["facts"].as_object().into_iter().flatten() {
                if f.facts.get(k) != Some(v) {
                    failures.push(format!("{name}-{side}: {detector} fact {k} = {:?}, expected {v}", f.facts.get(k)));
                }
            }
            if let Some(chain) = e["chain"].as_array() {
                let s = f.summary.to_string();
                for c in chain.iter().filter_map(Value::as_str) {
                    if !s.contains(c) {
                        failures.push(format!("{name}-{side}: chain element {c} not in {s:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 23, "checked {checked} expectations");
}

#[test]
fn clean_and_control_captures_raise_nothing_at_warning_or_above() {
    for (name, exp) in expectations() {
        if exp["silent"].as_array().is_none_or(|s| s.is_empty()) {
            continue;
        }
        for side in ["client", "server"] {
            let path = support::root().join("captures").join(format!("{name}-{side}.pcap"));
            let loud: Vec<String> = findings(&path)
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
                .map(|f| f.summary.to_string())
                .collect();
            assert!(loud.is_empty(), "{name}-{side}: {loud:?}");
        }
    }
}

#[test]
fn healthy_cname_chains_are_not_flagged() {
    let fs = findings(&support::root().join("captures/cname-hijack-client.pcap"));
    for f in fs.iter().filter(|f| f.detector == "dns-cname-hijack") {
        assert!(
            !f.summary.to_string().starts_with("www.shop.example")
                && !f.summary.to_string().starts_with("api.shop.example"),
            "{}",
            f.summary
        );
    }
    let clean = findings(&support::root().join("captures/clean-client.pcap"));
    assert!(clean.iter().all(|f| f.detector != "dns-cname-hijack"), "clean capture's CNAME flagged");
}

#[test]
fn the_storm_names_the_lossy_direction() {
    let fs = findings(&support::root().join("captures/storm-client.pcap"));
    let f = fs.iter().find(|f| f.detector == "retransmission-storm").unwrap();
    assert_eq!(f.facts["sender"], "198.51.100.100");
    assert_eq!(f.facts["receiver"], "198.51.100.2");
    assert!(f.facts["retransmissions"].as_u64().unwrap() >= 1000);
    // At the client, the originals of the lost segments never arrived.
    assert_eq!(f.facts["capture_point"], "after-loss");
}

#[test]
fn the_slb_reset_is_attributed_to_a_middlebox_by_ttl() {
    let fs = findings(&support::root().join("captures/slb-idle-reset-client.pcap"));
    let f = fs.iter().find(|f| f.detector == "idle-timeout").unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.facts.get("rst_from_middlebox"), Some(&Value::Bool(true)));
    assert!(f.display_filter.starts_with("tcp.stream eq 0"));
}

mod edge_cases {
    use super::findings;
    use crate::support::craft::{C, Craft, S, dns_response, handshake};
    use pcapdoc::detect::Severity;

    fn idle_then_rst(gap: f64) -> Vec<pcapdoc::detect::Finding> {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Craft::new();
        let (cs, ss) = handshake(&mut c, 40000, 80);
        c.tcp((C, 40000), (S, 80), cs, ss, "PA", b"GET / HTTP/1.1\r\n\r\n", 64);
        c.tcp((S, 80), (C, 40000), ss, cs + 18, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64);
        c.tcp((C, 40000), (S, 80), cs + 18, ss + 19, "A", &[], 64);
        c.wait(gap);
        c.tcp((C, 40000), (S, 80), cs + 18, ss + 19, "PA", b"POST /pay HTTP/1.1\r\n\r\n", 64);
        c.tcp((S, 80), (C, 40000), ss + 19, 0, "R", &[], 64);
        findings(&c.write(dir.path(), "idle.pcap"))
    }

    #[test]
    fn a_gap_just_under_the_slb_timeout_is_only_a_warning_and_just_over_is_an_error() {
        let under = idle_then_rst(13.5);
        let f = under.iter().find(|f| f.detector == "idle-timeout").expect("a RST after 13.5 s idle is still reported");
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.facts.get("matches").is_none());
        let over = idle_then_rst(15.5);
        let f = over.iter().find(|f| f.detector == "idle-timeout").unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.facts["matches"], "aliyun-clb-http");
        assert!(idle_then_rst(2.0).iter().all(|f| f.detector != "idle-timeout"), "2 s is think time");
    }

    /// A TLS session closed after idle: with or without the alert, with or without the FIN.
    fn tls_close(alert: bool, fin: bool) -> Vec<pcapdoc::detect::Finding> {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Craft::new();
        let (cl, sv) = ((C, 40001), (S, 443));
        let (mut cs, mut ss) = handshake(&mut c, 40001, 443);
        let ch = [22, 3, 1, 0, 4, 1, 0, 0, 0];
        c.tcp(cl, sv, cs, ss, "PA", &ch, 64);
        cs += ch.len() as u32;
        let sh = [22, 3, 3, 0, 4, 2, 0, 0, 0, 20, 3, 3, 0, 1, 1];
        c.tcp(sv, cl, ss, cs, "PA", &sh, 64);
        ss += sh.len() as u32;
        let data = [23, 3, 3, 0, 3, 9, 9, 9];
        c.tcp(cl, sv, cs, ss, "PA", &data, 64);
        cs += data.len() as u32;
        c.wait(120.0);
        if alert {
            let a = [21, 3, 3, 0, 26].iter().copied().chain([0u8; 26]).collect::<Vec<u8>>();
            c.tcp(sv, cl, ss, cs, "PA", &a, 64);
            ss += a.len() as u32;
        }
        if fin {
            c.tcp(sv, cl, ss, cs, "FA", &[], 64);
        }
        c.tcp(cl, sv, cs, ss + 1, "A", &[], 64);
        findings(&c.write(dir.path(), "tls.pcap"))
    }

    #[test]
    fn alert_with_fin_is_reported_alert_without_fin_and_fin_without_alert_are_not() {
        let both = tls_close(true, true);
        let f = both.iter().find(|f| f.detector == "tls-alert-fin").expect("alert + FIN after 120 s idle");
        assert_eq!(f.facts["matches"], "aliyun-waf");
        assert!(tls_close(true, false).iter().all(|f| f.detector != "tls-alert-fin"), "alert without FIN");
        assert!(tls_close(false, true).iter().all(|f| f.detector != "tls-alert-fin"), "FIN without alert");
    }

    #[test]
    fn a_client_hello_split_across_two_segments_counts_as_a_client_hello() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Craft::new();
        let (cl, sv) = ((C, 40002), (S, 443));
        let (cs, ss) = handshake(&mut c, 40002, 443);
        let ch = [22, 3, 1, 0, 4, 1, 0, 0, 0];
        c.tcp(cl, sv, cs, ss, "PA", &ch[..3], 64);
        c.tcp(cl, sv, cs + 3, ss, "PA", &ch[3..], 64);
        c.tcp(sv, cl, ss, cs + 9, "FA", &[], 64);
        c.tcp(cl, sv, cs + 9, ss + 1, "FA", &[], 64);
        let fs = findings(&c.write(dir.path(), "split.pcap"));
        assert!(
            fs.iter().all(|f| f.detector != "no-client-hello"),
            "{:?}",
            fs.iter().map(|f| &f.summary).collect::<Vec<_>>()
        );
        // And without any ClientHello the same connection is reported.
        let mut c = Craft::new();
        let (cs, ss) = handshake(&mut c, 40003, 443);
        c.tcp((S, 443), (C, 40003), ss, cs, "FA", &[], 64);
        c.tcp((C, 40003), (S, 443), cs, ss + 1, "FA", &[], 64);
        let fs = findings(&c.write(dir.path(), "none.pcap"));
        assert!(fs.iter().any(|f| f.detector == "no-client-hello"));
    }

    #[test]
    fn a_cname_chain_of_three_to_a_dead_address_is_flagged_and_a_working_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Craft::new();
        let resolver = ([198, 51, 100, 1], 53);
        let dead = [203, 0, 113, 66];
        c.udp(
            resolver,
            (C, 5353),
            &dns_response(7, "pay.shop.example", &["a.cdn.example", "b.cdn.example", "c.evil.example"], dead.into()),
        );
        // A working name, for contrast.
        c.udp(resolver, (C, 5354), &dns_response(8, "www.shop.example", &["vip.lb.example"], S.into()));
        let (cs, ss) = handshake(&mut c, 40010, 80);
        c.tcp((C, 40010), (S, 80), cs, ss, "FA", &[], 64);
        c.tcp((S, 80), (C, 40010), ss, cs + 1, "FA", &[], 64);
        for _ in 0..3 {
            c.tcp((C, 40011), (dead, 443), 7000, 0, "S", &[], 64).wait(1.0);
        }
        let fs = findings(&c.write(dir.path(), "dns.pcap"));
        let hij: Vec<_> = fs.iter().filter(|f| f.detector == "dns-cname-hijack").collect();
        assert_eq!(hij.len(), 1, "{:?}", hij.iter().map(|f| &f.summary).collect::<Vec<_>>());
        assert!(
            hij[0].summary.to_string().contains("a.cdn.example → b.cdn.example → c.evil.example → 203.0.113.66"),
            "{}",
            hij[0].summary
        );
        assert_eq!(hij[0].severity, Severity::Error);
    }

    #[test]
    fn two_different_answers_to_one_query_are_an_injection_race_identical_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let resolver = ([198, 51, 100, 1], 53);
        let mut c = Craft::new();
        c.udp(resolver, (C, 5353), &dns_response(9, "pay.shop.example", &["vip.lb.example"], S.into()));
        c.udp(resolver, (C, 5353), &dns_response(9, "pay.shop.example", &["x.evil.example"], [203, 0, 113, 9].into()));
        let fs = findings(&c.write(dir.path(), "race.pcap"));
        assert!(fs.iter().any(|f| f.detector == "dns-cname-hijack" && f.severity == Severity::Warning));
        let mut c = Craft::new();
        let same = dns_response(9, "pay.shop.example", &["vip.lb.example"], S.into());
        c.udp(resolver, (C, 5353), &same).udp(resolver, (C, 5353), &same);
        let fs = findings(&c.write(dir.path(), "dup.pcap"));
        assert!(fs.iter().all(|f| f.detector != "dns-cname-hijack"), "identical duplicates are not a race");
    }
}

#[test]
fn a_segment_retried_with_rto_back_off_is_reported_with_its_chain() {
    use crate::support::craft::{C, Craft, S, handshake};
    let dir = tempfile::tempdir().unwrap();
    let mut c = Craft::new();
    let (cs, ss) = handshake(&mut c, 40500, 80);
    let (cl, sv) = ((C, 40500), (S, 80));
    c.tcp(sv, cl, ss, cs, "PA", &[b'd'; 500], 64);
    let mut gap = 0.2;
    for _ in 0..11 {
        c.wait(gap);
        c.tcp(sv, cl, ss, cs, "PA", &[b'd'; 500], 64);
        gap *= 2.0;
    }
    let fs = findings(&c.write(dir.path(), "rto.pcap"));
    let f = fs.iter().find(|f| f.detector == "retransmission-storm").expect("11 retransmissions of 12 segments");
    let chain: Vec<f64> =
        f.facts["rto_backoff_s"].as_array().unwrap().iter().filter_map(serde_json::Value::as_f64).collect();
    assert_eq!(chain.len(), 10);
    assert!(chain.windows(2).all(|w| (w[1] / w[0] - 2.0).abs() < 0.01), "doubling: {chain:?}");
}
