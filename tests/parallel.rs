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

/// The committed captures (86 with the rings read whole), and the 60 corpus ones when
/// `../shared` is there; the fewest the test accepts, so that it cannot pass on an empty list.
fn all_captures() -> (Vec<PathBuf>, usize) {
    let mut v = Vec::new();
    captures_in(&support::root().join("captures"), &mut v);
    let mut least = 80;
    if support::corpus_available("parallel_and_sequential_reports_are_identical") {
        captures_in(&support::corpus_dir(), &mut v);
        least += 55;
    }
    v.sort();
    (v, least)
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
    let (captures, least) = all_captures();
    assert!(captures.len() >= least, "only {} captures found", captures.len());
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
    assert!(compared >= least, "only {compared} captures could be read");
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

/// A report of a crafted capture's bytes, as in [`report`] (no timelines: nothing to cite).
fn report_of(bytes: &[u8], threads: usize, max_streams: usize) -> String {
    let reader = pcapdoc::capture::CaptureReader::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        Path::new("crafted.pcap"),
    )
    .unwrap();
    let mut config = Config::default();
    config.engine.threads = threads;
    config.engine.max_streams = max_streams;
    let (analysis, findings) = detect::run(reader, &config, &[]);
    serde_json::to_string_pretty(&AnalyzeReport::new(&analysis, findings)).unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Streams that open, reuse their ports with new ISNs, retransmit SYNs, close half-way,
    /// reset and come back, on few 4-tuples and a small flow table: the numbering thread's
    /// slots must say what the conversations say about every one.
    #[test]
    fn any_mix_of_segments_gets_the_same_report_in_parallel(
        packets in proptest::collection::vec(
            (0u16..6, 0usize..2, proptest::bool::ANY, 0usize..8, 0usize..4, 0usize..3, 0u8..4),
            1..300,
        ),
    ) {
        use crate::support::craft::{C, Craft, S};
        const FLAGS: [&str; 8] = ["S", "SA", "A", "PA", "FA", "R", "RA", "F"];
        const SEQS: [u32; 4] = [100, 101, 5000, 90_000];
        let payloads: [&[u8]; 3] = [b"", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &[0x16, 3, 1, 0, 4, 1, 0, 0, 0]];
        let mut c = Craft::new();
        for (port, server, to_server, flags, seq, payload, wait) in packets {
            let client = (C, 40_000 + port);
            let server = (S, [80, 443][server]);
            let (src, dst) = if to_server { (client, server) } else { (server, client) };
            let flags = FLAGS[flags];
            let body = if flags.contains('S') || flags.contains('R') { b"" as &[u8] } else { payloads[payload] };
            c.tcp(src, dst, SEQS[seq], SEQS[(seq + 1) % 4], flags, body, 64);
            c.wait([0.0, 0.001, 2.0, 20.0][usize::from(wait)]);
        }
        let bytes = c.bytes();
        for max_streams in [16, 131_072] {
            let sequential = report_of(&bytes, 1, max_streams);
            for threads in [2, 3] {
                let parallel = report_of(&bytes, threads, max_streams);
                proptest::prop_assert!(
                    parallel == sequential,
                    "{threads} threads, {max_streams} streams: {}",
                    first_difference(&sequential, &parallel)
                );
            }
        }
    }
}

/// `compare` runs every detector with its packet collector beside them: the collector sees
/// the merger's calls too, so both captures of every lab pair compare the same in parallel.
#[test]
fn compare_reports_of_every_lab_pair_are_identical_in_parallel() {
    let dir = support::root().join("captures");
    let mut pairs = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let client = e.path();
        let name = client.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let Some(stem) = name.strip_suffix("-client.pcap") else { continue };
        let server = dir.join(format!("{stem}-server.pcap"));
        if !server.exists() {
            continue;
        }
        let run = |threads: usize| {
            let mut config = Config::default();
            config.engine.threads = threads;
            let open = |p: &Path| pcapdoc::capture::CaptureReader::open(p).unwrap();
            serde_json::to_string_pretty(&pcapdoc::compare::compare(open(&client), open(&server), &config)).unwrap()
        };
        let sequential = run(1);
        let parallel = run(3);
        assert!(sequential == parallel, "{stem}: {}", first_difference(&sequential, &parallel));
        pairs += 1;
    }
    assert!(pairs >= 20, "only {pairs} client/server pairs found");
}

/// An observer that fails (a bug in a detector) ends the run with that panic, as in the
/// sequential engine: the other threads see their channels close and stop; nothing hangs.
#[test]
fn a_panic_in_an_observer_ends_a_parallel_run_instead_of_hanging_it() {
    struct Fails(u32);
    impl pcapdoc::engine::Observer for Fails {
        fn on_frame(&mut self, _: &pcapdoc::decode::Frame<'_>) {
            self.0 += 1;
            assert!(self.0 < 5_000, "planted failure");
        }
    }
    let path = support::root().join("captures/storm-client.pcap");
    let options = pcapdoc::engine::Options { threads: 3, ..Default::default() };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let reader = pcapdoc::capture::CaptureReader::open(&path).unwrap();
        pcapdoc::engine::run_with_options(reader, &mut Fails(0), &options)
    }));
    let message = run
        .err()
        .and_then(|p| p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())))
        .unwrap_or_default();
    assert!(message.contains("planted failure"), "the observer's panic comes back: {message:?}");
}
