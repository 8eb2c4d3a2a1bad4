//! The parallel engine gives the sequential engine's answer to the byte (issue 20): the whole
//! `analyze` JSON report (findings, stream list, limits, health, timelines) on every
//! committed capture and every corpus capture, with one worker and with several, and again
//! with a flow table small enough that streams are evicted and released all the time, so
//! that the numbering thread's eviction and release reach the workers and the merger in the
//! order the sequential engine makes them.

use std::path::{Path, PathBuf};

use pcapdoc::capture::Sources;
use pcapdoc::detect::{self, Config};
use pcapdoc::report::analyze::AnalyzeReport;
use pcapdoc::report::timeline;

use crate::support;

/// Every capture file under `dir` (the lab's scripts and the compare baselines left out), and
/// each ring directory of `captures/long`.
fn captures_in(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() {
            // A ring of files is read as one capture, as `analyze DIR` reads it.
            if dir.ends_with("captures/long") {
                out.push(p);
            } else if name != "baselines" && name != "lab" {
                captures_in(&p, out);
            }
        } else if [".pcap", ".pcapng", ".cap", ".pcap.gz", ".trace"].iter().any(|s| name.ends_with(s))
            || name.contains(".pcap")
        {
            out.push(p);
        }
    }
}

fn all_captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    captures_in(&support::root().join("captures"), &mut v);
    if support::corpus_available("parallel_and_sequential_reports_are_identical") {
        captures_in(&support::corpus_dir(), &mut v);
    }
    v.sort();
    v
}

/// The `analyze --format json` report of `path`, as the CLI builds it.
fn report(path: &Path, threads: usize, max_streams: usize) -> Option<String> {
    let mut config = Config::default();
    config.engine.threads = threads;
    config.engine.max_streams = max_streams;
    let sources = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path).ok()?.flatten().map(|e| e.path()).collect();
        files.sort();
        Sources::many(
            files.into_iter().map(|f| (f.clone(), f.display().to_string())).collect(),
            path.display().to_string(),
        )
    } else {
        Sources::one(path)
    };
    let reader = sources.open().ok()?;
    let (analysis, findings) = detect::run(reader, &config, &[]);
    let mut report = AnalyzeReport::new(&analysis, findings);
    let places = timeline::places(&report.findings, &analysis);
    drop(analysis);
    report.timelines =
        timeline::collect_from(&sources, &report.findings, &places, &config.engine).into_values().collect();
    Some(serde_json::to_string_pretty(&report).unwrap())
}

/// The first line where two reports differ, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y).map_or_else(
        || "(one is a prefix of the other)".into(),
        |(i, (x, y))| format!("line {}: {x:?} vs {y:?}", i + 1),
    )
}

fn check(max_streams: usize) {
    let captures = all_captures();
    assert!(captures.len() >= 100, "only {} captures found", captures.len());
    let mut compared = 0;
    let mut failures = Vec::new();
    for path in &captures {
        let Some(sequential) = report(path, 1, max_streams) else { continue };
        compared += 1;
        for threads in [2, 4] {
            let parallel = report(path, threads, max_streams).unwrap();
            if parallel != sequential {
                failures.push(format!(
                    "{} with {threads} threads: {}",
                    path.display(),
                    first_difference(&sequential, &parallel)
                ));
            }
        }
    }
    assert!(compared >= 100, "only {compared} captures could be read");
    assert!(failures.is_empty(), "parallel reports differ from sequential ones:\n{}", failures.join("\n"));
}

#[test]
fn parallel_and_sequential_reports_are_identical() {
    check(pcapdoc::flow::DEFAULT_MAX_LIVE);
}

#[test]
fn parallel_and_sequential_reports_are_identical_while_streams_are_evicted() {
    // 16 live streams (the table's least), two of them closed: most captures evict and
    // release streams from their first seconds on.
    check(16);
}
