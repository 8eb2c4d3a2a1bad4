//! Issue 21: outputs that cannot destroy or lose anything, inputs read once, and packet text
//! that stays inert in every report. Each test is named after the item it covers.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;

use crate::support::craft::{C, S, dns_response, handshake};
use crate::support::{self, craft::Craft};

fn pcapdoc() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin!("pcapdoc"));
    c.current_dir(support::root());
    c
}

fn slb() -> std::path::PathBuf {
    support::root().join("captures/slb-idle-reset-client.pcap")
}

#[test]
fn output_or_evidence_naming_the_input_capture_is_refused_also_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.pcap");
    std::fs::copy(slb(), &cap).unwrap();
    let before = std::fs::read(&cap).unwrap();
    let link = dir.path().join("link.pcap");
    std::os::unix::fs::symlink(&cap, &link).unwrap();
    let hard = dir.path().join("hard.pcap");
    std::fs::hard_link(&cap, &hard).unwrap();
    for args in [
        vec!["analyze".into(), cap.clone(), "-o".into(), cap.clone()],
        vec!["analyze".into(), cap.clone(), "--evidence".into(), link.clone()],
        vec!["analyze".into(), link.clone(), "-o".into(), hard.clone()],
        vec!["compare".into(), cap.clone(), slb(), "--evidence".into(), hard.clone()],
    ] {
        let out = pcapdoc().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing to overwrite"), "{args:?}: {err}");
        assert_eq!(std::fs::read(&cap).unwrap(), before, "{args:?} changed the capture");
    }
}

#[test]
fn a_failed_evidence_or_report_write_exits_2_naming_the_file_and_the_os_error() {
    for args in [
        vec!["analyze", "captures/slb-idle-reset-client.pcap", "--evidence", "/dev/full"],
        vec!["analyze", "captures/slb-idle-reset-client.pcap", "-o", "/dev/full"],
        vec![
            "compare",
            "captures/slb-idle-reset-client.pcap",
            "captures/slb-idle-reset-server.pcap",
            "--evidence",
            "/dev/full",
        ],
    ] {
        let out = pcapdoc().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("/dev/full") && err.contains("No space left on device"), "{args:?}: {err}");
        assert!(!err.contains("wrote"), "{args:?} claimed success: {err}");
    }
}

#[test]
fn a_full_or_closed_stderr_never_changes_the_outcome() {
    // Diagnostics go to stderr (the evidence line, read issues); a full stderr is ignored.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("e.pcapng");
    let out = pcapdoc()
        .args(["analyze", "captures/slb-idle-reset-client.pcap", "--evidence"])
        .arg(&ev)
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Verdict:"));
    let closed = pcapdoc()
        .args(["analyze", "captures/storm-client.pcap", "--fail-on", "warning"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(1), "--fail-on still decides");
}

#[test]
fn a_fifo_or_standard_input_is_read_once_and_works_with_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cap.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let bytes = std::fs::read(slb()).unwrap();
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || std::fs::File::create(fifo).unwrap().write_all(&bytes).unwrap())
    };
    let ev = dir.path().join("e.pcapng");
    // --evidence and the timeline both need a second pass over the capture.
    let out = pcapdoc().arg("analyze").arg(&fifo).arg("--evidence").arg(&ev).output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Timeline of stream 0"), "{text}");
    assert!(text.contains(&format!("file: {}", fifo.display())), "reported under its own name");
    assert!(std::fs::metadata(&ev).unwrap().len() > 100);
    let mut child = pcapdoc()
        .args(["analyze", "-", "--format", "json"])
        .arg("--evidence")
        .arg(dir.path().join("e2.pcapng"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["detector"], "idle-timeout");
    assert!(!v["timelines"].as_array().unwrap().is_empty(), "the second pass read standard input's copy");
}

/// A request to a failing site whose path holds a bidi override, backticks and HTML, and a
/// ClientHello answered with backticks and HTML.
fn hostile_capture(dir: &std::path::Path) -> std::path::PathBuf {
    let mut c = Craft::new();
    let (cs, ss) = handshake(&mut c, 50800, 80);
    let req = "GET /files/evil\u{202e}gpj.exe``<img src=x onerror=alert(1)>\"' HTTP/1.1\r\nHost: shop.example\r\n\r\n";
    let resp = b"HTTP/1.1 502 Bad Gateway\r\nServer: proxy\r\n\r\n";
    c.wait(0.01).tcp((C, 50800), (S, 80), cs, ss, "AP", req.as_bytes(), 64);
    c.wait(0.01).tcp((S, 80), (C, 50800), ss, cs + req.len() as u32, "AP", resp, 64);
    let (cs, ss) = handshake(&mut c, 50801, 80);
    c.wait(0.01).tcp((C, 50801), (S, 80), cs, ss, "AP", &[22, 3, 1, 0, 4, 1, 0, 0, 0], 64);
    c.wait(0.01).tcp((S, 80), (C, 50801), ss, cs + 9, "AP", b"``<script>alert(1)</script>", 64);
    c.write(dir, "hostile.pcap")
}

#[test]
fn markdown_code_spans_and_html_stay_inert_whatever_the_packets_hold() {
    let dir = tempfile::tempdir().unwrap();
    let cap = hostile_capture(dir.path());
    let out = pcapdoc().arg("analyze").arg(&cap).args(["--format", "md"]).output().unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("http-errors") && md.contains("protocol-mismatch"), "{md}");
    // Every < from the packets is escaped (the report itself writes none).
    let raw = md.match_indices('<').filter(|(i, _)| !md[..*i].ends_with('\\')).count();
    assert_eq!(raw, 0, "{md}");
    assert!(md.contains("\\<img") && md.contains("\\<script"), "{md}");
    let out = pcapdoc().arg("analyze").arg(&cap).args(["--format", "html"]).output().unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("protocol-mismatch"), "{html}");
    assert!(!html.contains("<img") && !html.contains("<script>alert"), "packet text became markup");
    assert!(!html.contains("onerror=alert(1)>\""), "a quote from the packet left its attribute or text");
}

#[test]
fn bidirectional_and_c1_controls_are_made_visible_in_every_text_format() {
    let dir = tempfile::tempdir().unwrap();
    let cap = hostile_capture(dir.path());
    for format in ["table", "md", "html", "json"] {
        let out = pcapdoc().arg("analyze").arg(&cap).args(["--format", format]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        if format == "json" {
            // JSON escapes nothing it need not; a reader's parser gives back the raw text.
            continue;
        }
        assert!(!text.contains('\u{202e}'), "{format}: a raw right-to-left override");
        assert!(text.contains("\\u{202e}"), "{format}: shown as \\u{{202e}}");
    }
}

#[test]
fn a_quote_or_backslash_in_a_dns_name_is_escaped_in_the_printed_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Craft::new();
    let name = "pay\"x\\y.shop.example";
    let dead = [203, 0, 113, 66];
    c.udp(
        ([198, 51, 100, 1], 53),
        (C, 5353),
        &dns_response(7, name, &["a.cdn.example", "b.cdn.example", "c.evil.example"], dead.into()),
    );
    c.udp(([198, 51, 100, 1], 53), (C, 5354), &dns_response(8, "www.shop.example", &["vip.lb.example"], S.into()));
    let (cs, ss) = handshake(&mut c, 40010, 80);
    c.tcp((C, 40010), (S, 80), cs, ss, "FA", &[], 64);
    c.tcp((S, 80), (C, 40010), ss, cs + 1, "FA", &[], 64);
    for _ in 0..3 {
        c.tcp((C, 40011), (dead, 443), 7000, 0, "S", &[], 64).wait(1.0);
    }
    let cap = c.write(dir.path(), "dns.pcap");
    let out = pcapdoc().arg("analyze").arg(&cap).args(["--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["detector"] == "dns-cname-hijack")
        .unwrap_or_else(|| panic!("{v:#}"));
    let filter = f["display_filter"].as_str().unwrap();
    assert!(filter.starts_with(r#"dns.qry.name == "pay\"x\\y.shop.example""#), "{filter}");
}

proptest! {
    #[test]
    fn no_string_can_end_a_markdown_code_span(s in ".{0,40}") {
        let span = pcapdoc::report::markdown::code(&s);
        let fence = span.chars().take_while(|&c| c == '`').count();
        let inner = &span[fence..span.len() - fence];
        // Inside, no run of backticks as long as the fence.
        prop_assert!(inner.split(|c| c != '`').all(|run| run.len() < fence), "{span}");
        prop_assert!(!inner.contains('\n'));
    }

    #[test]
    fn no_string_can_end_a_filter_string(s in "\\PC{0,40}|[\"\\\\\\x00-\\x1f]{0,10}") {
        let q = pcapdoc::detect::filter_string(&s);
        let body = &q[1..q.len() - 1];
        // Every quote and backslash inside is escaped: scanning left to right, a quote is
        // never unescaped.
        let mut escaped = false;
        for c in body.chars() {
            if escaped { escaped = false; continue; }
            match c {
                '\\' => escaped = true,
                '"' => prop_assert!(false, "unescaped quote in {q}"),
                c => prop_assert!(!c.is_ascii_control(), "raw control in {q}"),
            }
        }
        prop_assert!(!escaped, "a trailing backslash escapes the closing quote: {q}");
    }
}

/// Item 3: the detector tables keep the heaviest keys, so a flood or a scan that starts after
/// more keys than a table holds is still found, and the report says what was let go of.
fn run_caps(c: &Craft) -> (pcapdoc::engine::Analysis, Vec<pcapdoc::detect::Finding>) {
    let dir = tempfile::tempdir().unwrap();
    let p = c.write(dir.path(), "caps.pcap");
    let reader = pcapdoc::capture::CaptureReader::open(&p).unwrap();
    pcapdoc::detect::run(reader, &pcapdoc::detect::Config::default(), &[])
}

#[test]
fn memory_bounded_a_syn_flood_after_more_servers_than_the_table_holds_is_still_found() {
    use pcapdoc::detect::syn_flood::MAX_SERVERS;
    let mut c = Craft::new();
    // More servers than the table holds, each with two unanswered SYNs (light, but each
    // gets the full record).
    let light = u16::try_from(MAX_SERVERS + 904).unwrap();
    for i in 0..light {
        for k in 0..2u16 {
            c.tcp((C, 20_000 + k), (S, 1_000 + i), 7, 0, "S", &[], 64);
        }
    }
    // Then the flood: 300 SYNs to one server, answered with a SYN/ACK and never acknowledged.
    let victim = [203, 0, 113, 80];
    for i in 0..300u16 {
        let src = [198, 51, 100, u8::try_from(i % 200).unwrap() + 1];
        c.tcp((src, 30_000 + i), (victim, 80), 9, 0, "S", &[], 64);
        c.tcp((victim, 80), (src, 30_000 + i), 100, 10, "SA", &[], 64);
    }
    let (analysis, findings) = run_caps(&c);
    let flood: Vec<_> = findings.iter().filter(|f| f.detector == "syn-flood").collect();
    assert_eq!(flood.len(), 1, "{findings:#?}");
    assert_eq!(flood[0].facts["server"], "203.0.113.80:80");
    assert_eq!(flood[0].facts["half_open"], 300);
    assert_eq!(flood[0].facts["distinct_sources"], 200);
    let cap = analysis.detector_caps.iter().find(|d| d.detector == "syn-flood" && d.table == "servers");
    let cap = cap.unwrap_or_else(|| panic!("{:?}", analysis.detector_caps));
    assert_eq!(cap.cap, MAX_SERVERS);
    assert!(cap.dropped_keys >= u64::from(light) - MAX_SERVERS as u64, "{cap:?}");
}

#[test]
fn memory_bounded_a_sweep_after_many_one_off_hosts_is_still_found_and_counted_past_the_exact_set() {
    use pcapdoc::detect::outbound_scan::{MAX_DESTS, MAX_KEYS};
    let mut c = Craft::new();
    for i in 0..u32::try_from(MAX_KEYS + 1_000).unwrap() {
        let src = [10, 1, (i >> 8) as u8, i as u8];
        c.tcp((src, 40_000), (S, 22), 7, 0, "S", &[], 64);
    }
    // The scanner: 1,000 destinations on 22, four times the exact set.
    let n = 1_000u32;
    for i in 0..n {
        let dst = [203, 0, (i >> 8) as u8 + 113, i as u8];
        c.tcp((C, 41_000 + (i as u16 % 20_000)), (dst, 22), 7, 0, "S", &[], 64);
    }
    let (analysis, findings) = run_caps(&c);
    let scans: Vec<_> = findings.iter().filter(|f| f.detector == "outbound-scan").collect();
    assert_eq!(scans.len(), 1, "{findings:#?}");
    assert_eq!(scans[0].facts["source"], "192.0.2.10");
    assert_eq!(scans[0].facts["destinations_estimated"], true);
    let d = scans[0].facts["destinations"].as_u64().unwrap();
    assert!(d >= MAX_DESTS as u64 && (d as f64 - f64::from(n)).abs() < 0.2 * f64::from(n), "{d}");
    assert!(
        analysis.detector_caps.iter().any(|d| d.detector == "outbound-scan" && d.table == "sweeps"),
        "{:?}",
        analysis.detector_caps
    );
}

#[test]
fn memory_bounded_many_names_sent_off_the_expected_suffix_to_one_domain_are_one_finding() {
    let mut c = Craft::new();
    let resolver = [192, 0, 2, 53];
    for i in 0..50u16 {
        let name = format!("host{i}.shop.example");
        let target = format!("x{i}.cdn.evil.test");
        let addr = std::net::Ipv4Addr::new(203, 0, 113, 1 + (i % 200) as u8);
        c.udp((resolver, 53), (C, 30_000 + i), &dns_response(i, &name, &[&target], addr));
    }
    // One more name, sent elsewhere: its own finding.
    c.udp(
        (resolver, 53),
        (C, 31_000),
        &dns_response(999, "pay.shop.example", &["a.other.test"], [203, 0, 113, 9].into()),
    );
    let dir = tempfile::tempdir().unwrap();
    let p = c.write(dir.path(), "names.pcap");
    let config = pcapdoc::detect::Config {
        expect_cname: vec![("shop.example".into(), "cdn.shop-cdn.example".into())],
        ..Default::default()
    };
    let (_, findings) = pcapdoc::detect::run(pcapdoc::capture::CaptureReader::open(&p).unwrap(), &config, &[]);
    let dns: Vec<_> = findings.iter().filter(|f| f.detector == "dns-cname-hijack").collect();
    assert_eq!(dns.len(), 2, "{dns:#?}");
    let many = dns.iter().find(|f| f.facts.get("names_count").is_some()).expect("an aggregated finding");
    assert_eq!(many.facts["names_count"], 50);
    assert_eq!(many.facts["target_domain"], "evil.test");
    assert_eq!(many.facts["example_names"].as_array().map(Vec::len), Some(5));
    assert!(many.summary.to_string().starts_with("50 names under shop.example"), "{}", many.summary);
    assert!(dns.iter().any(|f| f.facts["name"] == "pay.shop.example" && f.facts.get("names_count").is_none()));
}

/// Item 5: a capture whose payloads write addresses as text (Host, X-Forwarded-For, Referer),
/// whose DNS answers carry addresses and names built from addresses, in a file named after
/// an address and cut short (so a warning names the file).
#[test]
fn anonymize_leaves_no_original_address_in_any_output_or_evidence_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Craft::new();
    let (cs, ss) = handshake(&mut c, 50900, 80);
    let req = "GET /a HTTP/1.1\r\nHost: 172.16.5.6\r\nX-Forwarded-For: 10.20.30.41, 100.64.7.8\r\nReferer: http://10.20.30.41/\r\n\r\n";
    let resp = b"HTTP/1.1 502 Bad Gateway\r\nServer: proxy\r\nVia: 1.1 10.20.30.43\r\n\r\n";
    c.wait(0.01).tcp((C, 50900), (S, 80), cs, ss, "AP", req.as_bytes(), 64);
    c.wait(0.01).tcp((S, 80), (C, 50900), ss, cs + req.len() as u32, "AP", resp, 64);
    let resolver = [192, 0, 2, 53];
    let answer = dns_response(
        7,
        "ip-10-20-30-40.ec2.internal",
        &["10.20.30.40.nip.io"],
        std::net::Ipv4Addr::new(203, 0, 113, 77),
    );
    c.udp((resolver, 53), (C, 33_000), &answer);
    let name = "10.20.30.42.pcap";
    let full = c.write(dir.path(), "whole.pcap");
    let mut bytes = std::fs::read(&full).unwrap();
    bytes.extend_from_slice(&[0x10, 0, 0, 0, 0, 0]); // a record header cut short
    let cap = dir.path().join(name);
    std::fs::write(&cap, bytes).unwrap();

    let originals: Vec<[u8; 4]> = vec![
        C,
        S,
        resolver,
        [203, 0, 113, 77],
        [172, 16, 5, 6],
        [10, 20, 30, 41],
        [100, 64, 7, 8],
        [10, 20, 30, 40],
        [10, 20, 30, 42],
        [10, 20, 30, 43],
    ];
    let forms = |o: &[u8; 4]| {
        let [a, b, c, d] = *o;
        vec![format!("{a}.{b}.{c}.{d}"), format!("{a}-{b}-{c}-{d}"), format!("{a:02x}{b:02x}{c:02x}{d:02x}")]
    };
    let ev = dir.path().join("ev.pcapng");
    for format in ["table", "md", "json", "html"] {
        let out = pcapdoc()
            .args(["analyze", "--anonymize", "--anonymize-key", "k", "--format", format])
            .args(["--expect-cname", "ec2.internal=amazonaws.com"])
            .arg(&cap)
            .arg("--evidence")
            .arg(&ev)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
        let stderr = String::from_utf8_lossy(&out.stderr).to_ascii_lowercase();
        assert!(stdout.contains("http-errors") && stdout.contains("dns-cname-hijack"), "{format}: {stdout}");
        assert!(stderr.contains(".pcap"), "a warning names the file: {stderr}");
        let evidence = std::fs::read(&ev).unwrap();
        let ev_text = String::from_utf8_lossy(&evidence).to_ascii_lowercase();
        assert!(ev_text.contains("get /a http/1.1"), "the payload is kept, rewritten");
        for o in &originals {
            assert!(!evidence.windows(4).any(|w| w == o), "{format}: {o:?} left in the evidence bytes");
            for f in forms(o) {
                for (what, text) in [("report", &stdout), ("stderr", &stderr), ("evidence", &ev_text)] {
                    assert!(!text.contains(&f), "{format}: {f} left in the {what}");
                }
            }
        }
    }
}

proptest! {
    /// Item 5: whatever text surrounds it, an address standing as a word (dotted or dashed)
    /// is rewritten, and no text makes the rewriter fail.
    #[test]
    fn anonymize_rewrites_an_address_in_any_surrounding_text(
        before in "[ -~\u{80}-\u{10ffff}]{0,20}",
        after in "[ -~\u{80}-\u{10ffff}]{0,20}",
        o in proptest::array::uniform4(0u8..=255),
        dashed in any::<bool>(),
    ) {
        let a = pcapdoc::anonymize::Anonymizer::new([3; 32]);
        let sep = if dashed { "-" } else { "." };
        let addr = o.iter().map(u8::to_string).collect::<Vec<_>>().join(sep);
        // Word boundaries the rewriter recognises around an address.
        let text = format!("{before} {addr} {after}");
        let out = a.text(&text);
        let pseudo = a.addr(std::net::IpAddr::from(o));
        let want = match pseudo {
            std::net::IpAddr::V4(p) => p.octets().iter().map(u8::to_string).collect::<Vec<_>>().join(sep),
            std::net::IpAddr::V6(p) => p.to_string(),
        };
        prop_assert!(out.contains(&format!(" {want} ")), "{text:?} -> {out:?}");
    }
}
