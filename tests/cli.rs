//! The command line as a user meets it: exit statuses, messages, the flows JSON contract.

use assert_cmd::Command;

use crate::support;

fn pcapdoc() -> Command {
    let mut c = Command::cargo_bin("pcapdoc").unwrap();
    c.env_remove("COLUMNS").env("NO_COLOR", "1");
    c
}

#[test]
fn not_a_capture_is_exit_2_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello world\n").unwrap();
    let out = pcapdoc().args(["flows"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.txt") && err.contains("not a packet capture"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_file_is_exit_2() {
    let out = pcapdoc().args(["flows", "/nonexistent/x.pcap"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

#[test]
fn truncated_capture_warns_and_keeps_results() {
    let full = std::fs::read(support::root().join("captures/synthetic/pcap-usec-le.pcap")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.pcap");
    std::fs::write(&p, &full[..full.len() - 10]).unwrap();
    let out = pcapdoc().args(["flows", "--format", "json"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut short"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["capture"]["packets"], 16, "all but the cut record");
    assert_eq!(v["streams"].as_array().unwrap().len(), 1);
}

#[test]
fn flows_json_has_the_documented_fields() {
    let p = support::root().join("captures/synthetic/pcap-usec-le.pcap");
    let out = pcapdoc().args(["flows", "--format", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["file", "format", "link_types", "packets", "first_ts", "last_ts", "anomalies"] {
        assert!(v["capture"].get(k).is_some(), "capture.{k} missing");
    }
    let s = &v["streams"][0];
    for k in [
        "stream",
        "client",
        "server",
        "first_frame",
        "last_frame",
        "packets",
        "bytes",
        "start",
        "end",
        "conn_state",
        "history",
        "rtt_ms",
        "retransmissions",
        "fast_retransmissions",
        "spurious_retransmissions",
        "out_of_order",
        "dup_acks",
        "lost_segments",
        "zero_windows",
        "keep_alives",
    ] {
        assert!(s.get(k).is_some(), "streams[0].{k} missing");
    }
    assert_eq!(s["client"], "192.0.2.10:40000");
    assert_eq!(s["server"], "198.51.100.20:80");
    assert_eq!(s["conn_state"], "SF");
    assert_eq!(s["rtt_ms"], 40.0);
}

#[test]
fn flows_counters_match_the_golden_frames() {
    // The per-stream counters are sums of the per-frame flags that tshark agrees with.
    let golden = std::fs::read_to_string(
        support::golden_dir().join("corpus__zeek__testing__btest__Traces__tcp__ssh-dups.pcap.tsv"),
    );
    let golden = golden.unwrap();
    let retx = golden.lines().filter(|l| !l.starts_with('#') && l.contains("retransmission")).count();
    let dup = golden.lines().filter(|l| l.contains("duplicate_ack")).count();
    let cap = support::corpus_dir().join("zeek/testing/btest/Traces/tcp/ssh-dups.pcap");
    // The golden file is committed; the capture lives in ../shared, which a fresh clone does
    // not have.
    if !support::corpus_available("flows counters") {
        return;
    }
    let out = pcapdoc().args(["flows", "--format", "json"]).arg(&cap).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sum = |k: &str| v["streams"].as_array().unwrap().iter().map(|s| s[k].as_u64().unwrap()).sum::<u64>() as usize;
    assert_eq!(sum("retransmissions"), retx);
    assert_eq!(sum("dup_acks"), dup);
    assert!(retx > 100, "ssh-dups has a storm of retransmissions: {retx}");
}

/// The shipped man page and completions are made from the command line's definition, and
/// kept current: regenerate with `pcapdoc generate man > contrib/man/pcapdoc.1` (and `bash`,
/// `zsh`, `fish`, `powershell`, `elvish` into `contrib/completions/pcapdoc.<shell>`).
#[test]
fn shipped_man_page_and_completions_are_current() {
    use pcapdoc::cli::{Generated, generated};
    let files = [
        (Generated::Man, "contrib/man/pcapdoc.1"),
        (Generated::Bash, "contrib/completions/pcapdoc.bash"),
        (Generated::Zsh, "contrib/completions/pcapdoc.zsh"),
        (Generated::Fish, "contrib/completions/pcapdoc.fish"),
        (Generated::Powershell, "contrib/completions/pcapdoc.powershell"),
        (Generated::Elvish, "contrib/completions/pcapdoc.elvish"),
    ];
    for (what, path) in files {
        let shipped = std::fs::read(support::root().join(path)).unwrap();
        assert_eq!(shipped, generated(what).unwrap(), "{path} is stale: regenerate it with pcapdoc generate");
    }
    let man = String::from_utf8(generated(Generated::Man).unwrap()).unwrap();
    assert!(man.contains("analyze") && man.contains("compare"), "the man page lists the subcommands");
}
