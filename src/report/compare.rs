//! The parts of the `compare` report every format shares: column titles, cells, the verdict
//! and the clock line.

use super::view::Cx;
use crate::compare::{CompareReport, MatchedFlow, TimelineRow};
use crate::detect::{Finding, Severity};
use crate::i18n::{Arg, Message};
use crate::msg;

/// Column titles (message keys) of the matched-flows table.
pub(crate) const MATCHED_HEADER: [&str; 8] = [
    "col-client-stream",
    "col-client-view",
    "col-server-stream",
    "col-server-view",
    "col-matched-by",
    "col-lost-c2s",
    "col-lost-s2c",
    "col-made-on-path",
];

/// Matched flows listed in the text formats; JSON has them all.
pub(crate) const MATCHED_SHOWN: usize = 200;

/// One matched flow as the cells of [`MATCHED_HEADER`], unescaped.
pub(crate) fn matched_cells(m: &MatchedFlow) -> [String; 8] {
    [
        m.client_side.stream.to_string(),
        format!("{} → {}", m.client_side.client, m.client_side.server),
        m.server_side.stream.to_string(),
        format!("{} → {}", m.server_side.client, m.server_side.server),
        m.basis.join("+"),
        m.lost_client_to_server.to_string(),
        m.lost_server_to_client.to_string(),
        (m.injected_at_client + m.injected_at_server).to_string(),
    ]
}

/// Column titles of a problem flow's two-sided timeline.
pub(crate) const TIMELINE_HEADER: [&str; 6] =
    ["col-client-frame", "col-client-time", "col-event", "col-server-frame", "col-server-time", "col-note"];

pub(crate) fn timeline_cells(row: &TimelineRow, cx: &Cx) -> [String; 6] {
    let f = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| x.to_string());
    let tm = |v: Option<f64>| v.map_or_else(|| "-".into(), |x| format!("{x:.6}"));
    [
        f(row.client_frame),
        tm(row.client_time),
        row.event.clone(),
        f(row.server_frame),
        tm(row.server_time),
        cx.t(&row.note),
    ]
}

/// Every finding of the comparison and of each side alone, most severe first.
pub fn all_findings(r: &CompareReport) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = r.findings.iter().chain(&r.client.findings).chain(&r.server.findings).collect();
    v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.time.total_cmp(&b.time)));
    v
}

/// One verdict for the pair: what the comparison proved, else the worst finding of either
/// side alone, else that the two agree.
pub fn verdict(r: &CompareReport) -> Message {
    // The most severe, and of those the first in time.
    let path = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .max_by(|a, b| a.severity.cmp(&b.severity).then(b.time.total_cmp(&a.time)));
    if let Some(f) = path {
        return super::view::verdict(std::slice::from_ref(f));
    }
    let side = |findings: &[Finding], who: &'static str| {
        findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .max_by(|a, b| a.severity.cmp(&b.severity).then(b.time.total_cmp(&a.time)))
            .map(|f| (f.severity, Message::new(who).arg("verdict", super::view::verdict(std::slice::from_ref(f)))))
    };
    let mut sides: Vec<(Severity, Message)> =
        [side(&r.client.findings, "ui-verdict-client"), side(&r.server.findings, "ui-verdict-server")]
            .into_iter()
            .flatten()
            .collect();
    sides.sort_by_key(|s| std::cmp::Reverse(s.0));
    let differ = r.matched_total - r.matched_agreeing;
    match sides.len() {
        0 if differ > 0 => msg!("ui-compare-minor", n = differ),
        0 => msg!("ui-compare-agree"),
        _ => Message::sentences(sides.into_iter().map(|(_, m)| m).collect()),
    }
}

/// The line before the matched flows: how many are in both captures, how many agree, and
/// that the rest follow.
pub fn matched_summary(r: &CompareReport) -> Message {
    let differ = r.matched_total - r.matched_agreeing;
    let listed_agreeing = r.matched.len().saturating_sub(differ);
    msg!(
        "ui-matched-summary",
        total = r.matched_total,
        agree = r.matched_agreeing,
        hidden = r.matched_agreeing - listed_agreeing.min(r.matched_agreeing),
        differ = if listed_agreeing > 0 { r.matched.len() } else { differ }
    )
}

/// The clock line: the offset between the captures and the one-way delays.
pub fn clock_text(r: &CompareReport) -> Message {
    match &r.clock {
        Some(c) => msg!(
            "ui-clock-offset",
            offset = format!("{:+.3}", c.offset_ms),
            uncertainty = Arg::Decimal(c.uncertainty_ms, 3),
            pairs = c.samples,
            c2s = Arg::Decimal(c.client_to_server_delay_ms, 3),
            s2c = Arg::Decimal(c.server_to_client_delay_ms, 3)
        ),
        None => msg!("ui-clock-unknown"),
    }
}
