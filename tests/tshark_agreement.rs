//! pcapdoc must number frames and streams, and classify segments, exactly as tshark does.
//!
//! `scripts/tshark-golden` stores tshark's view of every TCP frame (frame number,
//! `tcp.stream`, the `tcp.analysis.*` flags set) in tests/golden/. This test runs pcapdoc's
//! engine on the same files and reports every frame where the two disagree.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use pcapdoc::decode::{Frame, Tcp};
use pcapdoc::engine::{self, Observer, TcpInfo};
use pcapdoc::flow::Conversation;

use crate::support;

/// frame -> (stream, sorted flags)
type View = BTreeMap<u64, (String, String)>;

struct Collect(View);

impl Observer for Collect {
    fn on_tcp(&mut self, f: &Frame<'_>, _t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        let mut names: Vec<&str> = i.analysis.map(|a| a.field_names().collect()).unwrap_or_default();
        names.sort_unstable();
        self.0.insert(f.frame, (i.placement.stream.to_string(), names.join(",")));
    }
    fn on_quoted_tcp(&mut self, f: &Frame<'_>, stream: Option<u32>) {
        self.0.insert(f.frame, (stream.map(|s| s.to_string()).unwrap_or_default(), String::new()));
    }
}

fn golden(path: &Path) -> View {
    let text = fs::read_to_string(path).expect("read golden");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let frame = cols.next().and_then(|c| c.parse().ok()).expect("frame number");
            let stream = cols.next().unwrap_or("").to_string();
            let mut flags: Vec<&str> = cols.next().unwrap_or("").split(',').filter(|s| !s.is_empty()).collect();
            flags.sort_unstable();
            (frame, (stream, flags.join(",")))
        })
        .collect()
}

fn ours(capture: &Path) -> View {
    let reader = support::open_capture(capture);
    let mut c = Collect(BTreeMap::new());
    engine::run(reader, &mut c);
    c.0
}

/// Lists disagreements, at most `limit` of them, as "frame N: tshark (s, f) pcapdoc (s, f)".
fn disagreements(want: &View, got: &View, limit: usize) -> Vec<String> {
    let frames: std::collections::BTreeSet<u64> = want.keys().chain(got.keys()).copied().collect();
    frames
        .into_iter()
        .filter_map(|f| {
            let (w, g) = (want.get(&f), got.get(&f));
            (w != g).then(|| format!("frame {f}: tshark {w:?} pcapdoc {g:?}"))
        })
        .take(limit)
        .collect()
}

#[test]
fn every_tcp_frame_of_every_golden_capture_matches_tshark() {
    let mut goldens: Vec<_> = fs::read_dir(support::golden_dir())
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    goldens.sort();
    assert!(goldens.len() >= 60, "expected goldens for the 60 corpus captures, found {}", goldens.len());
    let skip_corpus = !support::corpus_available("tshark agreement");
    let mut failures = Vec::new();
    let mut frames = 0usize;
    let mut checked = 0usize;
    for g in &goldens {
        let name = g.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let capture = support::capture_for_golden(name);
        if !support::exists(&capture) {
            if name.starts_with("corpus__") && skip_corpus {
                continue;
            }
            failures.push(format!("{name}: capture {} is missing", capture.display()));
            continue;
        }
        let want = golden(g);
        let got = ours(&capture);
        frames += want.len();
        checked += 1;
        let diff = disagreements(&want, &got, 10);
        if !diff.is_empty() {
            failures.push(format!("{name}:\n  {}", diff.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "disagreements with tshark:\n{}", failures.join("\n"));
    assert!(checked > 0 && frames > 0, "nothing was compared");
}

#[test]
fn the_comparison_reports_a_disagreement_by_frame() {
    let mut want = View::new();
    want.insert(7, ("0".into(), "retransmission".into()));
    let mut got = want.clone();
    got.insert(7, ("0".into(), String::new()));
    got.insert(9, ("1".into(), String::new()));
    let d = disagreements(&want, &got, 10);
    assert_eq!(d.len(), 2);
    assert!(d[0].starts_with("frame 7:"), "{d:?}");
    assert!(d[1].starts_with("frame 9:"), "{d:?}");
}
