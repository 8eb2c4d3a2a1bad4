//! Issue 18: long captures. Files that belong to one capture (a capture split in pieces, a
//! tcpdump ring that wrapped, captures of two points) are read as one, with the frame and
//! stream numbers of the merged file; `--each` reads them one by one. The captures are in
//! captures/long/, made by scripts/make-long-captures and the lab's long-ring scenario;
//! tshark's view of each directory merged with mergecap is in tests/golden/ and checked
//! frame by frame by tshark_agreement.

use std::process::Command;

use serde_json::Value;

use crate::support;

fn pcapdoc() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin!("pcapdoc"));
    c.current_dir(support::root());
    c
}

fn json(args: &[&str]) -> Value {
    let out = pcapdoc().args(["analyze", "--format", "json"]).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What must not change when a capture is cut in pieces: each finding's detector, severity,
/// stream and frames, and each stream's numbers.
fn shape(v: &Value) -> (Vec<Value>, Vec<Value>) {
    let findings = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!([f["detector"], f["severity"], f["stream"], f["frames"]]))
        .collect();
    let streams = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| serde_json::json!([s["stream"], s["first_frame"], s["last_frame"], s["packets"], s["history"]]))
        .collect();
    (findings, streams)
}

#[test]
fn a_capture_split_in_three_or_a_gzip_ring_gives_the_whole_files_findings_frames_and_streams() {
    let whole = json(&["captures/slb-idle-reset-client.pcap"]);
    assert_eq!(whole["findings"][0]["detector"], "idle-timeout");
    for dir in ["captures/long/slb-split", "captures/long/slb-ring-gz"] {
        let pieces = json(&[dir]);
        assert_eq!(shape(&pieces), shape(&whole), "{dir}");
        assert_eq!(pieces["capture"]["packets"], whole["capture"]["packets"]);
        let files = pieces["capture"]["files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "{dir}");
        assert_eq!(pieces["capture"]["files_overlap"], false);
        // The pieces are named 3, 2, 1 in time order: read by time, not by name.
        assert!(files[0]["file"].as_str().unwrap().contains("/3.pcapng"), "{files:?}");
        // Frame 10 of the whole is the second frame of the last piece.
        let ev = &pieces["findings"][0]["evidence"][0];
        assert_eq!(ev["frame"], 10);
        assert!(ev["file"].as_str().unwrap().contains("/1.pcapng"), "{ev}");
        assert_eq!(ev["file_frame"], 2);
    }
    // The same files named one by one on the command line, in any order.
    let named = json(&[
        "captures/long/slb-split/1.pcapng",
        "captures/long/slb-split/3.pcapng",
        "captures/long/slb-split/2.pcapng",
    ]);
    assert_eq!(shape(&named), shape(&whole));
}

#[test]
fn each_reads_the_files_one_by_one_and_misses_what_spans_them() {
    let v = json(&[
        "--each",
        "captures/long/slb-split/3.pcapng",
        "captures/long/slb-split/2.pcapng",
        "captures/long/slb-split/1.pcapng",
    ]);
    let reports = v.as_array().expect("one report per file");
    assert_eq!(reports.len(), 3);
    let found: Vec<usize> = reports.iter().map(|r| r["findings"].as_array().unwrap().len()).collect();
    // Only the last piece holds the idle gap and the reset; the first two look healthy.
    assert_eq!(found, [0, 0, 1]);
}

#[test]
fn a_twenty_file_tcpdump_ring_that_wrapped_is_read_in_time_order() {
    let v = json(&["captures/long/ring"]);
    let files = v["capture"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 20);
    // -W 20 wrapped: the lowest-numbered files hold the newest packets, so time order is
    // not name order, and the files are listed (and read) by time.
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    let starts: Vec<f64> = files.iter().map(|f| f["first_ts"].as_f64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    assert!(!names[0].ends_with("ring.pcap00.gz") && names[19] < names[0], "{names:?}");
    assert_eq!(v["capture"]["files_overlap"], false);
    let total: u64 = files.iter().map(|f| f["packets"].as_u64().unwrap()).sum();
    assert_eq!(v["capture"]["packets"].as_u64(), Some(total));
    // tshark's golden of the mergecap'd ring numbers as many TCP frames.
    let golden = std::fs::read_to_string(support::golden_dir().join("captures__long__ring.tsv")).unwrap();
    let tcp_frames = golden.lines().filter(|l| !l.starts_with('#')).count() as u64;
    assert!(tcp_frames > 100_000 && tcp_frames <= total, "{tcp_frames} of {total}");
}

#[test]
fn files_whose_times_overlap_are_merged_as_mergecap_merges_them_and_the_report_says_so() {
    let client = "captures/connect-failures-client.pcap";
    let server = "captures/connect-failures-server.pcap";
    let both = json(&[client, server]);
    let merged = json(&["captures/long/connect-failures-merged.pcapng"]);
    assert_eq!(shape(&both), shape(&merged));
    assert_eq!(both["capture"]["files_overlap"], true);
    let out = pcapdoc().args(["analyze", client, server]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("their times overlap") && text.contains("pcapdoc compare"), "{text}");
}

#[test]
fn a_directory_is_its_capture_files_and_one_without_any_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["1.pcapng", "2.pcapng", "3.pcapng"] {
        std::fs::copy(support::root().join("captures/long/slb-split").join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("README.txt"), "notes about the capture\n").unwrap();
    std::fs::write(dir.path().join(".hidden.pcap"), "not read").unwrap();
    let v = json(&[dir.path().to_str().unwrap()]);
    assert_eq!(v["capture"]["files"].as_array().unwrap().len(), 3);
    assert_eq!(v["findings"][0]["detector"], "idle-timeout");

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "nothing here").unwrap();
    let out = pcapdoc().arg("analyze").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no capture files"), "{err}");
}

#[test]
fn a_healthy_capture_says_what_was_checked_and_found_working() {
    let v = json(&["captures/clean-client.pcap"]);
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "info"));
    let h = &v["capture"]["health"];
    assert_eq!(h["tcp_streams"], 4);
    assert_eq!(h["tcp_established"], 4);
    assert_eq!(h["conn_states"]["SF"], 4);
    assert_eq!(h["handshake_rtt_ms"]["n"], 4);
    assert!(h["handshake_rtt_ms"]["median"].as_f64().unwrap() > 0.0);
    assert_eq!(h["dns_queries"], 1);
    assert_eq!(h["dns_answered"], 1);
    assert_eq!(h["dns_rcodes"]["NOERROR"], 1);
    assert_eq!(h["tls_completed"], 2);
    assert_eq!(h["http_statuses"]["200"], 2);
    for (lang, words) in [
        ("en", ["checked", "TCP streams", "handshake round trip", "DNS quer", "TLS handshakes", "HTTP requests"]),
        ("zh", ["已检查", "TCP 流", "握手往返时间", "DNS 查询", "TLS 握手", "HTTP 请求"]),
    ] {
        let out = pcapdoc().args(["analyze", "--lang", lang, "captures/clean-client.pcap"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for w in words {
            assert!(text.contains(w), "{lang}: {w} missing in\n{text}");
        }
    }
    // A report with a problem leads with the problem; the figures stay in the JSON.
    let out = pcapdoc().args(["analyze", "captures/slb-idle-reset-client.pcap"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("checked:"));
    assert_eq!(json(&["captures/slb-idle-reset-client.pcap"])["capture"]["health"]["tcp_streams"], 1);
}

/// The seed case of 002: the application logged a failure at a moment; what does the capture
/// hold then? (cname-hijack: at 10:42:28 the client resolved pay.shop.example through a
/// hijacked CNAME to 192.0.2.66, and its SYNs there got no answer.)
#[test]
fn at_names_the_failed_connection_and_dns_answer_nearest_the_moment_and_says_when_there_was_no_traffic() {
    let cap = "captures/cname-hijack-client.pcap";
    let v = json(&[cap, "--at", "2026-11-23 10:42:30", "--window", "5s"]);
    let m = &v["focus"]["moment"];
    assert!(m["packets"].as_u64().unwrap() > 0);
    let failed = m["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{m}");
    assert_eq!(failed[0]["server"], "192.0.2.66:80");
    assert_eq!(failed[0]["conn_state"], "S0");
    let dns = m["dns"].as_array().unwrap();
    assert!(
        dns.iter().any(|d| d["name"] == "pay.shop.example"
            && d["answers"].as_array().unwrap().iter().any(|a| a == "CNAME gfvip09aj.hijack.example")),
        "{dns:?}"
    );
    // The nearest finding is the hijack, 1.3 s before the moment.
    let (i, secs) = (m["nearest"][0][0].as_u64().unwrap() as usize, m["nearest"][0][1].as_f64().unwrap());
    assert_eq!(v["findings"][i]["detector"], "dns-cname-hijack");
    assert!((-1.5..-1.0).contains(&secs), "{secs}");

    // The same moment in the user's time zone.
    let east = json(&[cap, "--at", "2026-11-23 18:42:30+08:00", "--window", "5s"]);
    assert_eq!(east["focus"]["at"], v["focus"]["at"]);

    // A minute later the capture holds nothing to the address: said plainly, with the last
    // packet before.
    let out = pcapdoc()
        .args(["analyze", cap, "--at", "2026-11-23 10:43:30", "--window", "10s", "--host", "192.0.2.66"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("holds no traffic of 192.0.2.66 around 2026-11-23 10:43:30.000 UTC"), "{text}");
    assert!(text.contains("the last packet before is at 2026-11-23 10:42:"), "{text}");
    let v = json(&[cap, "--at", "2026-11-23 10:43:30", "--window", "10s", "--host", "192.0.2.66"]);
    assert_eq!(v["focus"]["moment"]["packets"], 0);
    assert!(v["findings"].as_array().unwrap().is_empty(), "nothing happened then");
}

#[test]
fn from_to_host_and_port_narrow_the_findings_and_streams() {
    let cap = "captures/cname-hijack-client.pcap";
    let all = json(&[cap]);
    assert!(!all["findings"].as_array().unwrap().is_empty());
    let streams = all["streams"].as_array().unwrap().len();
    // Another port: nothing of this capture.
    let v = json(&[cap, "--port", "8443"]);
    assert!(v["findings"].as_array().unwrap().is_empty() && v["streams"].as_array().unwrap().is_empty());
    // The hijacked address: its finding and its stream only.
    let v = json(&[cap, "--host", "192.0.2.66"]);
    assert_eq!(v["findings"][0]["detector"], "dns-cname-hijack");
    let kept = v["streams"].as_array().unwrap();
    assert!(
        kept.len() < streams && kept.iter().all(|s| s["server"].as_str().unwrap().starts_with("192.0.2.66:")),
        "{kept:?}"
    );
    // A window before the capture: nothing; frame and stream numbers are the file's.
    let v = json(&[cap, "--from", "2026-11-23 10:00:00", "--to", "2026-11-23 10:10:00"]);
    assert!(v["findings"].as_array().unwrap().is_empty() && v["streams"].as_array().unwrap().is_empty());
    let v = json(&[cap, "--from", "2026-11-23 10:42:00"]);
    assert_eq!(v["findings"][0]["frames"], all["findings"][0]["frames"]);
    // A time that is not one is refused with a clear message.
    let out = pcapdoc().args(["analyze", cap, "--at", "half past noon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a time like"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Cuts a classic pcap into `n` pieces of consecutive records, as a `-G` rotation would.
fn cut(whole: &std::path::Path, n: usize, dir: &std::path::Path) {
    let bytes = std::fs::read(whole).unwrap();
    let (header, mut rest) = bytes.split_at(24);
    let mut records = Vec::new();
    while rest.len() >= 16 {
        let len = u32::from_le_bytes(rest[8..12].try_into().unwrap()) as usize;
        let (rec, tail) = rest.split_at(16 + len);
        records.push(rec);
        rest = tail;
    }
    let per = records.len().div_ceil(n);
    for (i, chunk) in records.chunks(per).enumerate() {
        let mut out = header.to_vec();
        chunk.iter().for_each(|r| out.extend_from_slice(r));
        std::fs::write(dir.join(format!("rot-{i:04}.pcap")), out).unwrap();
    }
}

#[test]
fn a_directory_of_more_files_than_can_be_open_at_once_is_read_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let whole = support::root().join("captures/storm-client.pcap");
    cut(&whole, 150, dir.path());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 150);
    let one = json(&[whole.to_str().unwrap()]);
    // With at most 40 files open (fewer than the 150 pieces): the files are opened as the
    // merge reaches them.
    let cmd = format!(
        "ulimit -n 40 && exec '{}' analyze --format json '{}'",
        assert_cmd::cargo::cargo_bin!("pcapdoc").display(),
        dir.path().display()
    );
    let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let many: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shape(&many), shape(&one));
    assert_eq!(many["capture"]["files"].as_array().unwrap().len(), 150);
    assert_eq!(many["capture"]["packets"], one["capture"]["packets"]);
}
