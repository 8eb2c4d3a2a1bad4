//! Reports as users receive them: snapshots of every format for lab captures (stable order,
//! relative paths, no clock times of the run), and packet strings that try to break out.

use std::path::Path;

use assert_cmd::Command;

use crate::support::{
    self,
    craft::{C, Craft},
};

fn pcapdoc() -> Command {
    let mut c = Command::cargo_bin("pcapdoc").unwrap();
    c.current_dir(support::root()).env_remove("COLUMNS").env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> String {
    let out = pcapdoc().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const FORMATS: [&str; 4] = ["table", "md", "json", "html"];
const LANGS: [&str; 2] = ["en", "zh"];

/// The snapshot name: English keeps the names the snapshots had before `--lang`.
fn snap(kind: &str, what: &str, format: &str, lang: &str) -> String {
    if lang == "en" { format!("{kind}__{what}__{format}") } else { format!("{kind}__{what}__{format}__{lang}") }
}

#[test]
fn analyze_snapshots() {
    for cap in ["slb-idle-reset-client", "tls-idle-close-120-client", "cname-hijack-client"] {
        let path = format!("captures/{cap}.pcap");
        for format in FORMATS {
            for lang in LANGS {
                let text = run(&["analyze", "--format", format, "--lang", lang, &path]);
                insta::assert_snapshot!(snap("analyze", cap, format, lang), text);
            }
        }
    }
}

#[test]
fn compare_snapshots() {
    // The SLB reset (a RST made on the path, and each side's own idle-timeout finding); the
    // WAF-like RST beside a server's own reset (both sides have findings); SYNs that never
    // reached the server (the path answered for it, three ways).
    for pair in ["slb-idle-reset", "mid-transfer-reset", "connect-failures"] {
        for format in FORMATS {
            for lang in LANGS {
                let (c, s) = (format!("captures/{pair}-client.pcap"), format!("captures/{pair}-server.pcap"));
                let text = run(&["compare", "--format", format, "--lang", lang, &c, &s]);
                insta::assert_snapshot!(snap("compare", pair, format, lang), text);
            }
        }
    }
}

#[test]
fn flows_snapshots() {
    for format in FORMATS {
        for lang in LANGS {
            let text = run(&["flows", "--format", format, "--lang", lang, "captures/connect-failures-client.pcap"]);
            insta::assert_snapshot!(snap("flows", "connect-failures-client", format, lang), text);
        }
    }
}

/// Words that may stay in Latin letters in a Chinese report: protocol and field names,
/// tools, settings and products the advice names, and detector ids.
const ALLOWED: &[&str] = &[
    // Commands, and the mining protocol and its method names (crypto-mining).
    "crontab",
    "ls",
    // Commands that find the process behind DNS lookups (dga-domains).
    "tcpdump",
    "any",
    "auditd",
    "systemd",
    "stratum",
    "login",
    "bandwidth",
    "beaconing",
    "curl",
    "all",
    "nscd",
    "trace",
    "upstream",
    "server",
    "application",
    "data",
    "hosts",
    "eth0",
    "iptables",
    "grep",
    "compare",
    "ethtool",
    "ssl",
    "ciphers",
    "protocols",
    "max",
    "nf",
    "timeout",
    "established",
    "tcp",
    "udp",
    "ip",
    "icmp",
    "rst",
    "syn",
    "fin",
    "ack",
    "psh",
    "urg",
    "tls",
    "ssl",
    "dns",
    "http",
    "https",
    "cname",
    "clienthello",
    "serverhello",
    "changecipherspec",
    "encrypted",
    "alert",
    "close_notify",
    "sni",
    "ttl",
    "rtt",
    "mtu",
    "nat",
    "slb",
    "clb",
    "alb",
    "nlb",
    "elb",
    "waf",
    "ddos",
    "cc",
    "cdn",
    "isp",
    "acl",
    "wireshark",
    "tshark",
    "pcapdoc",
    "pcap",
    "pcapng",
    "gzip",
    "ether",
    "raw",
    "linux",
    "windows",
    "nginx",
    "php",
    "openssl",
    "ini",
    "keep",
    "alive",
    "keepalive",
    "proxy_read_timeout",
    "keepalive_timeout",
    "net",
    "ipv",
    "ipv4",
    "ipv6",
    "tcp_keepalive_time",
    "aliyun",
    "aws",
    "azure",
    "gcp",
    "cloud",
    "id",
    "ms",
    "mbit",
    "json",
    "md",
    "html",
    "ms",
    "api",
    "uri",
    "url",
    "user",
    "agent",
    "ua",
    "frame",
    "number",
    "stream",
    "eq",
    "in",
    "and",
    "or",
    "not",
    "flags",
    "reset",
    "analysis",
    "retransmission",
    "qry",
    "name",
    "addr",
    "port",
    "src",
    "dst",
    "len",
    "seq",
    "win",
    "zero_window",
    "version",
    "mergecap",
    "editcap",
    "mtr",
    "iftop",
    "nethogs",
    "ss",
    "ps",
    "top",
    "dmesg",
    "sysctl",
    "nstat",
    "dig",
    "cron",
    "authorized_keys",
    "happy",
    "eyeballs",
    "fatal",
    "warning",
    "handshake_failure",
    "protocol_version",
    "extension",
    "php_openssl",
    "s_client",
    "connect",
    "somaxconn",
    "tcp_syncookies",
    "tcp_max_syn_backlog",
    "robots",
    "txt",
    "crawl",
    "delay",
    "recv",
    "send",
    "notrack",
    "nf_conntrack",
    "conntrack",
    "table",
    "full",
    "dropping",
    "packet",
    "accept",
    "backlog",
    "listen",
    "spool",
    "etc",
    "var",
    "core",
    "netfilter",
    "flood",
    "isn",
    "payload",
    "timing",
];

fn english_words(text: &str) -> Vec<String> {
    // Filters, addresses, file names and detector ids are data, not prose.
    let prose: String = text
        .lines()
        .filter(|l| {
            !l.contains("Wireshark")
                && !l.contains("tcp.stream")
                && !l.contains("frame.number")
                && !l.contains("ip.addr")
                && !l.contains("dns.qry")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let prose = prose.replace('\\', "");
    let mut bad = Vec::new();
    // Paths, options (--format, -az) and URLs are data.
    let kept: Vec<&str> =
        prose.split_whitespace().filter(|t| !t.contains('/') && !t.starts_with('-') && !t.contains("://")).collect();
    let prose = kept.join(" ");
    for w in prose.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')) {
        let w = w.trim_matches(|c: char| c == '.' || c == '-');
        if w.len() < 2 || !w.chars().any(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        // Detector ids, host names, file names, hex and counters of Wireshark.
        if w.contains('-') || w.contains('.') || w.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let lower = w.to_ascii_lowercase();
        let parts_ok =
            lower.split('_').all(|p| p.is_empty() || ALLOWED.contains(&p)) || ALLOWED.contains(&lower.as_str());
        // Zeek-style history letters (ShADadFf), connection states and acronyms (S1, RSTO,
        // FULLNAT), and identifiers with inner capitals (TcpExtListenDrops).
        let history = w.chars().all(|c| "ShADadFfRrTtWwIiQq^".contains(c))
            || w.starts_with("0x")
            || w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            || w.chars().skip(1).any(|c| c.is_ascii_uppercase());
        if !parts_ok && !history {
            bad.push(w.to_string());
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn chinese_reports_are_chinese_all_through() {
    let mut failures = Vec::new();
    let caps: Vec<String> = std::fs::read_dir(support::root().join("captures"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-client.pcap"))
        .collect();
    assert!(caps.len() >= 10, "{caps:?}");
    // In process, each capture read once and its reports rendered in every format: the
    // same renderers the command line uses (src/report), a fraction of the time.
    use pcapdoc::capture::CaptureReader;
    use pcapdoc::report::{Format, Render, render, view::Cx};
    let cx = Cx::new(pcapdoc::i18n::Lang::parse("zh").unwrap());
    let config = pcapdoc::detect::Config::default();
    for cap in &caps {
        let path = support::root().join("captures").join(cap);
        let server = support::root().join("captures").join(cap.replace("-client.pcap", "-server.pcap"));
        let (analysis, findings) = pcapdoc::detect::run(CaptureReader::open(&path).unwrap(), &config, &[]);
        let mut analyze = pcapdoc::report::analyze::AnalyzeReport::new(&analysis, findings);
        analyze.timelines = pcapdoc::report::timeline::collect(&path, &analyze.findings, &analysis, &config.engine)
            .into_values()
            .collect();
        let flows = pcapdoc::report::flows::FlowsReport::new(&analysis);
        let mut reports: Vec<Box<dyn Render>> = vec![Box::new(analyze), Box::new(flows)];
        if support::exists(&server) {
            let c = CaptureReader::open(&path).unwrap();
            let s = CaptureReader::open(&server).unwrap();
            reports.push(Box::new(pcapdoc::compare::compare(c, s, &config)));
        }
        for format in [Format::Table, Format::Md, Format::Html] {
            for r in &reports {
                let text = render(r.as_ref(), format, &cx);
                let text = if format == Format::Html { strip_tags(&text) } else { text };
                let bad = english_words(&text);
                if !bad.is_empty() {
                    failures.push(format!("{cap} {format:?}: {bad:?}"));
                }
                // Full-width punctuation, once: no sentence glued from parts ends twice.
                for twice in ["。。", "，。", "；。", "：：", "。，", "：。"] {
                    if text.contains(twice) {
                        failures.push(format!("{cap} {format:?}: {twice:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "English words in Chinese reports:\n{}", failures.join("\n"));
}

/// The text of an HTML page: tags, the style sheet and entities left out.
fn strip_tags(html: &str) -> String {
    let body = html.split("</style>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
}

/// Grammar the message catalogue must never produce, in English reports of every lab capture.
#[test]
fn english_reports_have_no_broken_grammar() {
    let plural_one = [
        "connections",
        "attempts",
        "packets",
        "frames",
        "times",
        "segments",
        "sources",
        "streams",
        "ports",
        "addresses",
        "requests",
        "bytes",
    ];
    let mut failures = Vec::new();
    for e in std::fs::read_dir(support::root().join("captures")).unwrap().filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".pcap") {
            continue;
        }
        let text = run(&["analyze", "--format", "md", &format!("captures/{name}")]);
        for line in text.lines() {
            let prose = line.replace("**", "").replace('*', "");
            let words: Vec<&str> = prose.split_whitespace().collect();
            for pair in words.windows(2) {
                if let [a, b] = pair {
                    if *a == "1" && plural_one.contains(&b.trim_matches(|c: char| !c.is_alphabetic())) {
                        failures.push(format!("{name}: '1 {b}' in {line}"));
                    }
                }
            }
            for bad in ["(s)", "  ", " .", "none of the 1 ", ". a ", ". the "] {
                let prose = prose.replace("e.g. ", "e.g ").replace("i.e. ", "i.e ");
                if prose.trim_start_matches(['|', '-', ' ']).contains(bad) && !line.starts_with('|') {
                    failures.push(format!("{name}: {bad:?} in {line}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn chinese_reports_use_the_chinese_catalogue() {
    let md = run(&["analyze", "--lang", "zh", "--format", "md", "captures/slb-idle-reset-client.pcap"]);
    assert!(md.contains("结论") && md.contains("空闲") && md.contains("建议"), "{md}");
    assert!(!md.contains("Keep connections busier"), "an English recommendation leaked");
}

#[test]
fn the_format_is_guessed_from_the_output_extension() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, probe) in [("html", "<!DOCTYPE html>"), ("md", "# pcapdoc report"), ("json", "\"schema_version\"")] {
        let out = dir.path().join(format!("r.{ext}"));
        pcapdoc().args(["analyze", "captures/clean-client.pcap", "-o"]).arg(&out).assert().success();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(probe), "{ext}: {}", &text[..text.len().min(200)]);
    }
}

/// A capture whose DNS name carries markup, a table pipe, a backtick and an ANSI escape,
/// and gets two different answers (so that a finding quotes the name).
fn hostile_capture(dir: &Path) -> std::path::PathBuf {
    let name = "x<script>alert(1)</script>|`\x1b[31mred.example";
    let resolver = ([198, 51, 100, 1], 53);
    let mut c = Craft::new();
    let a = support::craft::dns_response(3, name, &["a.example"], [198, 51, 100, 5].into());
    let b = support::craft::dns_response(3, name, &["b.example"], [203, 0, 113, 6].into());
    c.udp(resolver, (C, 5353), &a).udp(resolver, (C, 5353), &b);
    c.write(dir, "hostile.pcap")
}

#[test]
fn packet_strings_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cap = hostile_capture(dir.path());
    let cap = cap.to_str().unwrap();
    let html = run(&["analyze", "--format", "html", cap]);
    assert!(html.contains("dns-cname-hijack"), "the hostile name must reach a finding");
    assert!(!html.contains("<script>"), "raw markup in HTML");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
    assert!(!html.contains('\x1b'), "ESC in HTML");
    assert!(!html.contains("http://") || !html.contains("src=\"http"), "external resources");
    let md = run(&["analyze", "--format", "md", cap]);
    // Markup may appear only inside code spans, where Markdown shows it as text (and where
    // a display filter must stay copy-pasteable).
    let outside_code = |l: &str| -> String { l.split("``").step_by(2).collect::<Vec<_>>().join(" ") };
    let bad: Vec<&str> = md.lines().filter(|l| outside_code(l).contains("<script>") || l.contains('\x1b')).collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert!(md.contains("\\|") && md.contains("\\`"), "pipes and backticks escaped");
    let table = run(&["analyze", "--format", "table", cap]);
    assert!(!table.contains('\x1b'), "ESC reached the terminal");
    assert!(table.contains("\\u{1b}"), "shown as an escape instead");
}

#[test]
fn html_loads_nothing_from_outside() {
    let html = run(&["analyze", "--format", "html", "captures/slb-idle-reset-client.pcap"]);
    for needle in ["<script", "<link", "src=", "@import", "url(http"] {
        assert!(!html.contains(needle), "HTML contains {needle}");
    }
}

/// Every IPv4 address in a capture, from pcapdoc's own reading (endpoints and DNS answers).
fn addresses(cap: &str) -> Vec<std::net::Ipv4Addr> {
    let mut v = Vec::new();
    let json: serde_json::Value = serde_json::from_str(&run(&["flows", "--format", "json", cap])).unwrap();
    for s in json["streams"].as_array().unwrap() {
        for k in ["client", "server"] {
            let ep = s[k].as_str().unwrap();
            if let Ok(sa) = ep.parse::<std::net::SocketAddr>() {
                if let std::net::IpAddr::V4(a) = sa.ip() {
                    v.push(a);
                }
            }
        }
    }
    let events = run(&["events", cap]);
    for token in events.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        if let Ok(a) = token.parse::<std::net::Ipv4Addr>() {
            if token.split('.').count() == 4 {
                v.push(a);
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

#[test]
fn anonymize_leaves_no_original_address_in_the_report_or_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    for cap in ["captures/cname-hijack-client.pcap", "captures/slb-idle-reset-client.pcap"] {
        let originals = addresses(cap);
        assert!(originals.len() >= 2, "{cap}: {originals:?}");
        let ev = dir.path().join("evidence.pcapng");
        for format in ["table", "md", "json", "html"] {
            let out = pcapdoc()
                .args(["analyze", "--anonymize", "--anonymize-key", "test-key", "--format", format, cap, "--evidence"])
                .arg(&ev)
                .output()
                .unwrap();
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            for a in &originals {
                assert!(!text.contains(&a.to_string()), "{cap} {format}: {a} left in the report");
            }
        }
        let bytes = std::fs::read(&ev).unwrap();
        assert!(bytes.len() > 100, "evidence written");
        for a in &originals {
            let o = a.octets();
            assert!(!bytes.windows(4).any(|w| w == o), "{cap}: {a} left in the evidence bytes");
        }
    }
}

#[test]
fn the_same_key_gives_the_same_pseudonyms_in_both_files_of_a_compare() {
    // Both sides of the lab's clean pair see the VIP or the server; anonymizing each side
    // alone with one key must agree with the compare report, which covers both.
    let key = ["--anonymize", "--anonymize-key", "same"];
    let cmp = run(&[
        &["compare", "--all", "--format", "json"][..],
        &key[..],
        &["captures/clean-client.pcap", "captures/clean-server.pcap"][..],
    ]
    .concat());
    let one = run(&[&["analyze", "--format", "json"][..], &key[..], &["captures/clean-client.pcap"][..]].concat());
    let two = run(&[&["analyze", "--format", "json"][..], &key[..], &["captures/clean-server.pcap"][..]].concat());
    let v: serde_json::Value = serde_json::from_str(&cmp).unwrap();
    let a: serde_json::Value = serde_json::from_str(&one).unwrap();
    let b: serde_json::Value = serde_json::from_str(&two).unwrap();
    let m = &v["matched"][0];
    assert_eq!(m["client_side"]["server"], a["streams"][0]["server"], "client capture's VIP");
    assert_eq!(m["server_side"]["server"], b["streams"][0]["server"], "server capture's server");
    assert!(!cmp.contains("198.51.100.100") && !cmp.contains("203.0.113.2"));
}

#[test]
fn evidence_holds_exactly_the_cited_streams_with_comments() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("e.pcapng");
    pcapdoc()
        .args(["analyze", "--format", "json", "captures/no-client-hello-client.pcap", "--evidence"])
        .arg(&ev)
        .assert()
        .success();
    let mut r = pcapdoc::capture::CaptureReader::open(&ev).unwrap();
    let mut n = 0;
    while r.next_record().is_some() {
        n += 1;
    }
    // Streams 0, 1 and 2 (no ClientHello) are cited; the healthy TLS stream 3 is not.
    let flows: serde_json::Value =
        serde_json::from_str(&run(&["flows", "--format", "json", "captures/no-client-hello-client.pcap"])).unwrap();
    let cited: u64 = flows["streams"].as_array().unwrap().iter().take(3).map(|s| s["packets"].as_u64().unwrap()).sum();
    assert_eq!(n, cited);
    let bytes = std::fs::read(&ev).unwrap();
    assert!(bytes.windows(25).any(|w| w == b"pcapdoc: original frame 1"), "comments are written");
}

/// Field names documented in the first table that follows `heading` in docs/JSON.md.
fn documented_fields(heading: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(support::root().join("docs/JSON.md")).unwrap();
    let section = doc.split(heading).nth(1).unwrap_or_else(|| panic!("docs/JSON.md has no {heading:?}"));
    let mut fields = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        if line.starts_with('|') {
            in_table = true;
            let first = line.split('|').nth(1).unwrap_or("").trim();
            if first == "field" || first.starts_with("---") {
                continue;
            }
            // `a`, `b` ... `c` forms list several fields in one row.
            for part in first.split('`').skip(1).step_by(2) {
                fields.push(part.to_string());
            }
        } else if in_table {
            break;
        }
    }
    fields
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn json_output_matches_docs_json_md() {
    let flows: serde_json::Value =
        serde_json::from_str(&run(&["flows", "--format", "json", "captures/slb-idle-reset-client.pcap"])).unwrap();
    let mut cap = documented_fields("## Shared: `capture`");
    cap.sort();
    assert_eq!(keys(&flows["capture"]), cap, "capture fields vs docs/JSON.md");
    // The stream table uses "... keep_alives" for the counters in between.
    let documented = documented_fields("## `pcapdoc flows --format json`");
    let got = keys(&flows["streams"][0]);
    for d in &documented {
        assert!(got.contains(d), "documented stream field {d} missing from the output");
    }
    for g in &got {
        let counter = [
            "fast_retransmissions",
            "spurious_retransmissions",
            "out_of_order",
            "dup_acks",
            "lost_segments",
            "zero_windows",
        ]
        .contains(&g.as_str());
        assert!(documented.contains(g) || counter, "stream field {g} is not documented");
    }
    let analyze: serde_json::Value =
        serde_json::from_str(&run(&["analyze", "--format", "json", "captures/slb-idle-reset-client.pcap"])).unwrap();
    let mut fnd = documented_fields("Each finding:");
    fnd.sort();
    assert_eq!(keys(&analyze["findings"][0]), fnd, "finding fields vs docs/JSON.md");
    assert_eq!(analyze["schema_version"], 2);
    for k in ["schema_version", "capture", "verdict", "findings", "streams"] {
        assert!(analyze.get(k).is_some(), "{k}");
    }
    let cmp = slb_compare_json();
    for k in ["client", "server", "clock_offset_ms", "matched", "unmatched_client", "unmatched_server", "findings"] {
        assert!(cmp.get(k).is_some(), "compare.{k} (the contract in issue 5)");
    }
}

/// Timelines are read back three ways: by address pair and frame range from the flow table's
/// conversations; the same from the place a detector recorded when the stream ended (the
/// stream was evicted since); and, when neither is known, by running the engine again. All
/// three must give the same rows.
#[test]
fn timelines_agree_however_their_streams_are_found() {
    use pcapdoc::capture::CaptureReader;
    use pcapdoc::detect::{self, Config};
    use pcapdoc::report::timeline;

    // Findings that do not change when streams are evicted, so the evidence roles agree.
    let path = support::root().join("captures/outbound-scan-client.pcap");
    let run = |max_streams: usize| {
        let mut config = Config::default();
        config.engine.max_streams = max_streams;
        let (analysis, findings) = detect::run(CaptureReader::open(&path).unwrap(), &config, &[]);
        let rows = |findings: &[detect::Finding]| {
            serde_json::to_value(timeline::collect(&path, findings, &analysis, &config.engine)).unwrap()
        };
        let recorded = rows(&findings);
        let unrecorded: Vec<detect::Finding> = findings
            .iter()
            .cloned()
            .map(|mut f| {
                f.flow = None;
                f
            })
            .collect();
        // Cited streams the flow table let go of, each with the place its detector recorded.
        let evicted: Vec<bool> = findings
            .iter()
            .filter(|f| f.stream.is_some_and(|s| analysis.conversation(s).is_none()))
            .map(|f| f.flow.is_some_and(|r| Some(r.stream) == f.stream))
            .collect();
        (recorded, rows(&unrecorded), evicted)
    };
    let (held, _, none_evicted) = run(100_000);
    let (recorded, reread, evicted) = run(4);
    assert!(none_evicted.is_empty());
    assert!(!evicted.is_empty(), "no cited stream was evicted");
    assert!(evicted.iter().all(|&recorded| recorded), "{evicted:?}");
    assert!(held.as_object().is_some_and(|m| !m.is_empty()), "no timelines");
    assert_eq!(held, recorded);
    assert_eq!(held, reread);
}

/// With `--evidence` the timelines come from the evidence writer's pass (the capture is read
/// a second time once); they are the same as without it.
#[test]
fn timelines_are_the_same_with_and_without_evidence() {
    let dir = tempfile::tempdir().unwrap();
    for cap in ["captures/slb-idle-reset-client.pcap", "captures/connect-failures-client.pcap"] {
        let plain: serde_json::Value = serde_json::from_str(&run(&["analyze", "--format", "json", cap])).unwrap();
        let ev = dir.path().join("e.pcapng");
        let out = pcapdoc().args(["analyze", "--format", "json", cap, "--evidence"]).arg(&ev).output().unwrap();
        assert!(out.status.success());
        let with: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!plain["timelines"].as_array().unwrap().is_empty(), "{cap} has timelines");
        assert_eq!(plain["timelines"], with["timelines"], "{cap}");
        assert!(std::fs::metadata(&ev).unwrap().len() > 0);
    }
}

/// Damage to the file is reported in the report's language too.
#[test]
fn file_damage_is_said_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(support::root().join("captures/clean-client.pcap")).unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &full[..full.len() - 7]).unwrap();
    let out = pcapdoc().args(["analyze", "--lang", "zh", "--format", "md"]).arg(&cut).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("文件损坏") && md.contains("截断"), "{md}");
    assert!(english_words(&md).is_empty(), "{:?}", english_words(&md));
}

/// The code spans and raw HTML a real CommonMark renderer (with GFM tables) finds in `md`.
fn commonmark(md: &str) -> (Vec<String>, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser};
    let (mut code, mut html) = (Vec::new(), Vec::new());
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Code(c) => code.push(c.into_string()),
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.into_string()),
            _ => {}
        }
    }
    (code, html)
}

/// Issue 35: every display filter in a Markdown report renders to exactly the JSON's
/// `display_filter`, for every finding of every lab and corpus capture and of every lab
/// pair's compare; and no packet text becomes a raw HTML element.
#[test]
fn markdown_filters_render_to_exactly_the_json_filter_in_commonmark() {
    use pcapdoc::capture::CaptureReader;
    use pcapdoc::report::{Format, render, view::Cx};
    let cx = Cx::new(pcapdoc::i18n::Lang::EN);
    let config = pcapdoc::detect::Config::default();
    let mut caps: Vec<std::path::PathBuf> = std::fs::read_dir(support::root().join("captures"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    if support::corpus_available("markdown_filters_render_to_exactly_the_json_filter_in_commonmark") {
        for e in walk(&support::corpus_dir()) {
            if e.to_string_lossy().contains(".pcap") || e.extension().is_some_and(|x| x == "cap") {
                caps.push(e);
            }
        }
    }
    caps.sort();
    let (mut checked, mut failures) = (0, Vec::new());
    for path in &caps {
        let Ok(reader) = CaptureReader::open(path) else { continue };
        let (analysis, findings) = pcapdoc::detect::run(reader, &config, &[]);
        let wanted: Vec<String> = findings.iter().map(|f| f.display_filter.clone()).collect();
        let report = pcapdoc::report::analyze::AnalyzeReport::new(&analysis, findings);
        let mut texts = vec![render(&report, Format::Md, &cx)];
        let mut wanted_all = wanted;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let server = path.with_file_name(name.replace("-client.pcap", "-server.pcap"));
        if name.ends_with("-client.pcap") && support::exists(&server) {
            let r = pcapdoc::compare::compare(
                CaptureReader::open(path).unwrap(),
                CaptureReader::open(&server).unwrap(),
                &config,
            );
            wanted_all.extend(r.findings.iter().map(|f| f.display_filter.clone()));
            texts.push(render(&r, Format::Md, &cx));
        }
        let mut spans = Vec::new();
        for t in &texts {
            let (code, html) = commonmark(t);
            if !html.is_empty() {
                failures.push(format!("{name}: raw HTML {html:?}"));
            }
            spans.extend(code);
        }
        for w in wanted_all.iter().filter(|w| !w.is_empty()) {
            checked += 1;
            if !spans.contains(w) {
                let near: Vec<&String> =
                    spans.iter().filter(|s| s.contains("==") || s.contains(" eq ")).take(3).collect();
                failures.push(format!("{name}: {w:?} is not a code span; spans like {near:?}"));
            }
        }
    }
    assert!(checked >= 60, "only {checked} filters checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn hostile_packet_text_stays_inert_in_commonmark() {
    let dir = tempfile::tempdir().unwrap();
    let cap = hostile_capture(dir.path());
    let md = run(&["analyze", "--format", "md", cap.to_str().unwrap()]);
    let (code, html) = commonmark(&md);
    assert!(html.is_empty(), "raw HTML reached the rendered report: {html:?}");
    assert!(!code.is_empty());
}

/// A DNS message: `id`, flags, one question `qname`/`qtype`, then raw records.
fn dns_message(id: u16, flags: u16, qname: &str, qtype: u16, counts: [u16; 3], records: &[u8]) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend(flags.to_be_bytes());
    m.extend(1u16.to_be_bytes());
    for c in counts {
        m.extend(c.to_be_bytes());
    }
    m.extend(wire_name(qname));
    m.extend(qtype.to_be_bytes());
    m.extend([0, 1]);
    m.extend(records);
    m
}

use crate::support::craft::wire_name;

/// Issue 35 item 4: the addresses a DNS message carries outside its answers (an authority
/// section's name server and the additional section's A record for it), and addresses written
/// inside names (`10.20.30.40.nip.io`, the reverse name `40.30.20.10.in-addr.arpa`), all
/// leave the anonymized evidence and report; read back with pcapdoc's own decoder.
#[test]
fn anonymize_rewrites_addresses_in_every_dns_section_and_inside_names() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = ([198, 51, 100, 1], 53);
    let mut c = Craft::new();
    // Two unanswered tries for each name written with an address (dns-failure cites them).
    for (id, name, qtype) in [(0x1001u16, "10.20.30.40.nip.io", 1u16), (0x1002, "40.30.20.10.in-addr.arpa", 12)] {
        let q = dns_message(id, 0x0100, name, qtype, [0, 0, 0], &[]);
        c.udp((C, 40_001), resolver, &q).wait(1.0);
        c.udp((C, 40_001), resolver, &q).wait(1.0);
    }
    // SERVFAIL carrying an authority NS record and the additional A record of its name server.
    let q = dns_message(0x1003, 0x0100, "shop.example", 1, [0, 0, 0], &[]);
    c.udp((C, 40_002), resolver, &q).wait(0.01);
    let mut rec = wire_name("shop.example");
    rec.extend([0, 2, 0, 1, 0, 0, 0, 60]);
    let ns = wire_name("ns1.shop.example");
    rec.extend((ns.len() as u16).to_be_bytes());
    rec.extend(&ns);
    rec.extend(&ns);
    rec.extend([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 77]);
    let r = dns_message(0x1003, 0x8182, "shop.example", 1, [0, 1, 1], &rec);
    c.udp(resolver, (C, 40_002), &r).wait(3.0);
    let cap = c.write(dir.path(), "dns-forms.pcap");
    let ev = dir.path().join("evidence.pcapng");
    let out = pcapdoc()
        .args(["analyze", "--anonymize", "--anonymize-key", "k", "--format", "json"])
        .arg(&cap)
        .arg("--evidence")
        .arg(&ev)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8(out.stdout).unwrap();
    // Every evidence frame, decoded again.
    let mut reader = pcapdoc::capture::CaptureReader::open(&ev).unwrap();
    let mut frames = 0;
    let mut payloads = Vec::new();
    while let Some(rec) = reader.next_record() {
        frames += 1;
        payloads.push(rec.data.to_vec());
    }
    // Frames 1 (the nip.io name), 4 (the reverse name), 5 and 6 (the SERVFAIL with its
    // authority and additional records).
    assert!(frames >= 4, "the cited DNS frames are in the evidence: {frames}");
    let leaks = |hay: &[u8]| -> Vec<&str> {
        let mut v = Vec::new();
        if hay.windows(4).any(|w| w == [203, 0, 113, 77]) {
            v.push("203.0.113.77 (additional A)");
        }
        if hay.windows(4).any(|w| w == [10, 20, 30, 40]) {
            v.push("10.20.30.40 bytes");
        }
        // The name's labels: 2 "10" 2 "20" 2 "30" 2 "40", and the reverse form.
        if hay.windows(12).any(|w| w == b"\x0210\x0220\x0230\x0240") {
            v.push("10.20.30.40 in a name");
        }
        if hay.windows(12).any(|w| w == b"\x0240\x0230\x0220\x0210") {
            v.push("40.30.20.10.in-addr.arpa");
        }
        v
    };
    for p in &payloads {
        assert!(leaks(p).is_empty(), "evidence leaks {:?}", leaks(p));
    }
    for original in ["203.0.113.77", "10.20.30.40", "40.30.20.10", "198.51.100.1", "192.0.2.10"] {
        assert!(!report.contains(original), "{original} left in the report");
    }
}

/// Issue 35 item 2: errors first, then warnings, then info, in every format (the verdict
/// names the worst finding, and it is the first a reader meets). The storm capture's info
/// finding comes earlier in time than its error.
#[test]
fn every_format_lists_errors_before_warnings_before_info() {
    let cap = "captures/storm-client.pcap";
    let json: serde_json::Value = serde_json::from_str(&run(&["analyze", "--format", "json", cap])).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let sev: Vec<i32> = findings.iter().map(|f| rank(f["severity"].as_str().unwrap())).collect();
    assert!(sev.contains(&0) && sev.contains(&2), "the capture has an error and an info finding: {sev:?}");
    assert!(sev.windows(2).all(|w| w[0] <= w[1]), "json order {sev:?}");
    let times: Vec<f64> = findings.iter().map(|f| f["time"].as_f64().unwrap()).collect();
    assert!(times.last() < times.first(), "the info finding is the earlier one, so time order would differ");
    let error = findings[0]["detector"].as_str().unwrap();
    let info = findings.last().unwrap()["detector"].as_str().unwrap();
    for format in ["table", "md", "html"] {
        let text = run(&["analyze", "--format", format, cap]);
        // Each finding's own heading: "[1] error retransmission-storm", "### 1. error — …".
        let pos = |sev: &str, det: &str| {
            text.lines().position(|l| l.contains(sev) && l.contains(det) && !l.contains("Verdict"))
        };
        let (e, i) = (pos("error", error), pos("info", info));
        assert!(e.is_some() && i.is_some(), "{format}: {e:?} {i:?}");
        assert!(e < i, "{format}: the error (line {e:?}) comes after the info (line {i:?})");
    }
}

/// Issue 35 item 5: a piped report (100 columns) keeps compare's timeline a table.
#[test]
fn a_piped_compare_timeline_is_a_table_at_100_columns() {
    let out = run(&["compare", "captures/storm-client.pcap", "captures/storm-server.pcap"]);
    let records = out
        .lines()
        .filter(|l| l.trim_start().starts_with("client frame") && l.trim_end().ends_with(char::is_numeric))
        .count();
    assert_eq!(records, 0, "the timeline fell back to one record per row");
    let timeline = out.split("Timeline: client stream").nth(1).expect("a timeline");
    let rows: Vec<&str> = timeline.lines().skip(1).take(12).collect();
    assert!(rows.iter().any(|l| l.contains("client") && l.contains("packet") && l.contains("note")), "{rows:?}");
    assert!(rows.iter().all(|l| unicode_width::UnicodeWidthStr::width(*l) <= 100), "{rows:?}");
}

#[test]
fn the_capture_format_is_said_in_the_reports_language() {
    let zh = run(&["analyze", "--lang", "zh", "captures/edge/seq-wraparound.pcap"]);
    assert!(!zh.contains("(nanosecond)"));
    let dir = tempfile::tempdir().unwrap();
    // A nanosecond pcap: the same capture with the nanosecond magic and times scaled.
    let mut b = std::fs::read("captures/edge/seq-wraparound.pcap").unwrap();
    b[..4].copy_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    let p = dir.path().join("ns.pcap");
    std::fs::write(&p, &b).unwrap();
    let zh = run(&["analyze", "--lang", "zh", p.to_str().unwrap()]);
    assert!(zh.contains("pcap（纳秒时间戳）"), "{}", &zh[..zh.len().min(400)]);
    let en = run(&["analyze", p.to_str().unwrap()]);
    assert!(en.contains("pcap (nanosecond)"));
}

/// Issue 35 item 3: compare's verdict on the SLB idle-reset pair names the root cause, not
/// only the mechanism: the device between reset the connection after 20.5 s idle, longer
/// than the CLB's 15 s keep-alive, with the catalogue's fix first.
#[test]
fn compare_verdict_names_the_idle_timeout_behind_the_middlebox_rst() {
    let out = run(&["compare", "captures/slb-idle-reset-client.pcap", "captures/slb-idle-reset-server.pcap"]);
    let verdict = out.lines().next().unwrap();
    assert!(verdict.contains("was not sent by the server"), "{verdict}");
    assert!(verdict.contains("after 20.5 s idle"), "{verdict}");
    assert!(verdict.contains("CLB") && verdict.contains("(15 s)"), "{verdict}");
    assert!(verdict.contains("Fix: Keep connections busier than the idle timeout"), "{verdict}");
    let json = slb_compare_json();
    let f = &json["findings"][0];
    assert_eq!(f["detector"], "middlebox-rst");
    assert_eq!(f["facts"]["idle_s"], 20.501);
}

/// compare's JSON for the SLB idle-reset pair.
fn slb_compare_json() -> serde_json::Value {
    let args =
        ["compare", "--format", "json", "captures/slb-idle-reset-client.pcap", "captures/slb-idle-reset-server.pcap"];
    serde_json::from_str(&run(&args)).unwrap()
}
