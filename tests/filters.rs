//! Every display filter pcapdoc prints parses in tshark 4.0 and shows every frame its finding
//! cites. tshark's answers are in tests/golden-filters/filters.tsv, made by
//! `scripts/tshark-filters`; a filter that is not there (new or changed) fails here until the
//! script is run again.

use std::collections::HashMap;

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding};

use crate::support;

/// (capture label, detector, filter) → (rejected, hidden frames)
fn golden() -> HashMap<(String, String, String), (bool, String)> {
    let text = std::fs::read_to_string(support::root().join("tests/golden-filters/filters.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| c.get(i).copied().unwrap_or_default().to_string();
            ((get(0), get(1), get(3)), (get(4) == "1", get(6)))
        })
        .collect()
}

fn check(label: &str, findings: &[Finding], golden: &HashMap<(String, String, String), (bool, String)>) -> Vec<String> {
    let mut failures = Vec::new();
    for f in findings {
        let key = (label.to_string(), f.detector.to_string(), f.display_filter.clone());
        match golden.get(&key) {
            None => failures.push(format!(
                "{label} {}: {:?} not checked by tshark (run scripts/tshark-filters)",
                f.detector, f.display_filter
            )),
            Some((true, _)) => failures.push(format!("{label} {}: tshark rejects {:?}", f.detector, f.display_filter)),
            Some((false, hidden)) if !hidden.is_empty() => {
                failures.push(format!("{label} {}: {:?} hides cited frames {hidden}", f.detector, f.display_filter))
            }
            Some(_) => {}
        }
    }
    failures
}

#[test]
fn every_printed_filter_parses_in_tshark_and_shows_its_cited_frames() {
    let golden = golden();
    let config = Config::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut caps: Vec<(String, std::path::PathBuf)> = Vec::new();
    for e in std::fs::read_dir(support::root().join("captures")).unwrap().filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".pcap") {
            caps.push((format!("captures/{name}"), e.path()));
        }
    }
    let corpus: Vec<String> = golden.keys().map(|k| k.0.clone()).filter(|c| c.starts_with("corpus/")).collect();
    if support::corpus_available("display filters") {
        for c in corpus {
            let p = support::corpus_dir().join(c.trim_start_matches("corpus/"));
            caps.push((c, p));
        }
    }
    caps.sort();
    caps.dedup();
    for (label, path) in &caps {
        let (_, findings) = detect::run(CaptureReader::open(path).unwrap(), &config, &[]);
        checked += findings.len();
        failures.extend(check(label, &findings, &golden));
        let server =
            path.with_file_name(path.file_name().unwrap().to_string_lossy().replace("-client.pcap", "-server.pcap"));
        if label.ends_with("-client.pcap") && support::exists(&server) {
            let r = pcapdoc::compare::compare(
                CaptureReader::open(path).unwrap(),
                CaptureReader::open(&server).unwrap(),
                &config,
            );
            checked += r.findings.len();
            failures.extend(check(&format!("compare:{label}"), &r.findings, &golden));
        }
    }
    assert!(checked >= 40, "only {checked} findings checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
