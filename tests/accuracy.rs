//! Precision on captures nobody here made (docs/ACCURACY.md): the warning and error findings
//! of every corpus capture and every committed capture, pinned in a golden file, so that a
//! change that adds a false alarm or loses a true one shows up in review.
//!
//! `tests/golden-accuracy/findings.tsv` has one line per finding at warning or above (capture,
//! severity, detector, stream) and one `-` line per capture with none. Regenerate it with
//! `PCAPDOC_BLESS=1 cargo test accuracy`, and say in docs/ACCURACY.md why each new line is
//! right.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Severity};

use crate::support;

fn golden_path() -> std::path::PathBuf {
    support::root().join("tests/golden-accuracy/findings.tsv")
}

/// The captures the tshark goldens name (the 60 corpus files and the committed ones).
fn captures() -> Vec<(String, std::path::PathBuf)> {
    let mut v: Vec<(String, std::path::PathBuf)> = fs::read_dir(support::golden_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let stem = name.strip_suffix(".tsv")?.to_string();
            (stem.starts_with("corpus__") || stem.starts_with("captures__"))
                .then(|| (stem, support::capture_for_golden(&name)))
        })
        .collect();
    v.sort();
    v
}

fn lines_for(name: &str, path: &Path) -> Vec<String> {
    let reader = if path.is_dir() {
        support::open_capture(path)
    } else {
        let Ok(reader) = CaptureReader::open(path) else { return vec![format!("{name}\tunreadable")] };
        reader
    };
    let (_, findings) = detect::run(reader, &Config::default(), &[]);
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| {
            format!(
                "{name}\t{}\t{}\t{}",
                f.severity.as_str(),
                f.detector,
                f.stream.map_or_else(|| "-".to_string(), |s| s.to_string())
            )
        })
        .collect();
    if v.is_empty() {
        v.push(format!("{name}\t-"));
    }
    v
}

#[test]
fn warning_and_error_findings_on_every_corpus_and_committed_capture_are_pinned() {
    let skip_corpus = !support::corpus_available("accuracy");
    let mut got = BTreeSet::new();
    let mut missing = Vec::new();
    let mut read = 0;
    for (name, path) in captures() {
        if !support::exists(&path) {
            if !(skip_corpus && name.starts_with("corpus__")) {
                missing.push(format!("{name}: {} is missing", path.display()));
            }
            continue;
        }
        read += 1;
        got.extend(lines_for(&name, &path));
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(read >= 40, "only {read} captures read");
    if std::env::var_os("PCAPDOC_BLESS").is_some() {
        let text: String = got.iter().map(|l| format!("{l}\n")).collect();
        fs::write(golden_path(), text).unwrap();
        return;
    }
    let want: BTreeSet<String> = fs::read_to_string(golden_path())
        .expect("tests/golden-accuracy/findings.tsv (PCAPDOC_BLESS=1 makes it)")
        .lines()
        .filter(|l| !(skip_corpus && l.starts_with("corpus__")))
        .map(String::from)
        .collect();
    let added: Vec<&String> = got.difference(&want).collect();
    let lost: Vec<&String> = want.difference(&got).collect();
    assert!(
        added.is_empty() && lost.is_empty(),
        "precision changed; review each line, then PCAPDOC_BLESS=1 and docs/ACCURACY.md\nnew:\n  {}\ngone:\n  {}",
        added.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        lost.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn healthy_corpus_captures_get_no_warning_or_error() {
    // The corpus captures docs/ACCURACY.md calls healthy: none may gain a warning.
    let golden = fs::read_to_string(golden_path()).unwrap_or_default();
    let healthy = ["tls__tls1.2.pcap", "google-cert-repeat.pcap", "wikipedia.pcap", "many-protocols.pcap", "tls2.pcap"];
    for h in healthy {
        let loud: Vec<&str> = golden.lines().filter(|l| l.contains(h) && !l.ends_with("\t-")).collect();
        assert!(loud.is_empty(), "{h} is healthy but has: {loud:?}");
        assert!(golden.lines().any(|l| l.contains(h)), "{h} is in the table");
    }
}
