//! One self-contained HTML file: inline CSS, inline SVG, no scripts, no external requests,
//! printable. askama escapes every value by default, so packet-derived strings (DNS names,
//! SNI, HTTP lines) cannot inject markup.

use askama::Template;

use super::analyze::AnalyzeReport;
use super::flows::FlowsReport;
use super::timeline::Timeline;
use super::view::{Cx, FindingView, capture_facts, generated};
use crate::compare::CompareReport;
use crate::detect::{Finding, Severity};
use crate::summary::CaptureSummary;

/// The page's fixed words, in the report's language.
pub struct Labels {
    colon: String,
    verdict: String,
    capture: String,
    stream: String,
    evidence: String,
    filter: String,
    recommendations: String,
    frame: String,
    time: String,
    dir: String,
    flags: String,
    len: String,
    gap: String,
    what: String,
    ladder: String,
    client: String,
    server: String,
    none: String,
    clock: String,
}

impl Labels {
    fn new(cx: &Cx) -> Self {
        let g = |k: &'static str| cx.ui(k);
        Labels {
            colon: g("ui-colon"),
            verdict: g("ui-verdict"),
            capture: g("ui-capture"),
            stream: g("ui-stream"),
            evidence: g("ui-evidence"),
            filter: g("ui-filter"),
            recommendations: g("ui-recommendations"),
            frame: g("ui-frame"),
            time: g("ui-time"),
            dir: g("ui-dir"),
            flags: g("ui-flags"),
            len: g("ui-len"),
            gap: g("ui-gap"),
            what: g("ui-what"),
            ladder: g("ui-ladder"),
            client: g("ui-client"),
            server: g("ui-server"),
            none: g("ui-none"),
            clock: g("ui-clock"),
        }
    }
}

pub struct Cap {
    role: String,
    facts: Vec<(String, String)>,
}

fn cap(c: &CaptureSummary, role: String, cx: &Cx) -> Cap {
    Cap { role, facts: capture_facts(c, cx.lang) }
}

pub struct Arrow {
    x1: i64,
    y1: i64,
    x2: i64,
    y2: i64,
    color: &'static str,
    width: u32,
    label: String,
    left: String,
    right: String,
}

pub struct Break {
    y: i64,
    label: String,
}

pub struct TRow {
    frame: u64,
    time: String,
    dir: &'static str,
    flags: String,
    len: u32,
    gap: String,
    what: String,
}

pub struct Ladder {
    /// Unique within the page, for SVG marker ids.
    id: u32,
    title: String,
    client: String,
    server: String,
    width: i64,
    height: i64,
    cx: i64,
    sx: i64,
    bottom: i64,
    arrows: Vec<Arrow>,
    breaks: Vec<Break>,
    rows: Vec<TRow>,
}

/// Gaps longer than this are drawn as a marked break, not to scale.
const BREAK_S: f64 = 1.0;

fn ladder(rc: &Cx, tl: &Timeline) -> Ladder {
    let (width, cx, sx) = (780, 200, 580);
    let mut y = 40;
    let mut arrows = Vec::new();
    let mut breaks = Vec::new();
    for (i, r) in tl.rows.iter().enumerate() {
        if i > 0 && (r.gap >= BREAK_S || r.skipped_before) {
            let label = if r.gap >= BREAK_S {
                crate::msg!("ui-idle", secs = crate::i18n::Arg::dec2(r.gap)).text(rc.lang)
            } else {
                "…".into()
            };
            breaks.push(Break { y: y - 6, label });
            y += 30;
        }
        let color = if r.flags.contains("RST") {
            "#cf222e"
        } else if r.flags.contains("FIN") {
            "#bf8700"
        } else if r.flags.contains("SYN") {
            "#0969da"
        } else {
            "#444"
        };
        let (x1, x2) = if r.c2s { (cx, sx) } else { (sx, cx) };
        let mut label = r.flags.clone();
        if r.len > 0 {
            label.push_str(&format!(" len {}", r.len));
        }
        let what = rc.t(&r.what);
        if !what.is_empty() {
            label = format!("{label} — {what}");
        }
        arrows.push(Arrow {
            x1,
            y1: y,
            x2,
            y2: y + 14,
            color,
            width: if what.is_empty() { 1 } else { 2 },
            label,
            left: format!("#{} {:.3}s", r.frame, r.time),
            right: String::new(),
        });
        y += 32;
    }
    let rows = tl
        .rows
        .iter()
        .map(|r| TRow {
            frame: r.frame,
            time: format!("{:.6}", r.time),
            dir: if r.c2s { "→" } else { "←" },
            flags: r.flags.clone(),
            len: r.len,
            gap: format!("{:.3}", r.gap),
            what: rc.t(&r.what),
        })
        .collect();
    Ladder {
        id: tl.stream,
        title: crate::msg!("ui-timeline", stream = tl.stream).text(rc.lang),
        client: tl.client.clone(),
        server: tl.server.clone(),
        width,
        height: y + 10,
        cx,
        sx,
        bottom: y,
        arrows,
        breaks,
        rows,
    }
}

pub struct FView {
    v: FindingView,
    ladder: Option<Ladder>,
}

pub struct Group {
    title: String,
    findings: Vec<FView>,
}

pub struct SimpleTable {
    title: String,
    /// A line under the title (compare: how many flows agree); may be empty.
    note: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    lang: &'static str,
    title: String,
    verdict: String,
    verdict_class: &'static str,
    labels: Labels,
    captures: Vec<Cap>,
    clock: Option<String>,
    groups: Vec<Group>,
    tables: Vec<SimpleTable>,
    footer: String,
}

fn verdict_class<'f>(findings: impl Iterator<Item = &'f Finding>) -> &'static str {
    match findings.map(|f| f.severity).max() {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        _ => "ok",
    }
}

fn views<'f>(cx: &Cx, findings: impl Iterator<Item = &'f Finding>, timelines: &[Timeline]) -> Vec<FView> {
    findings
        .map(|f| FView {
            v: FindingView::new(f, cx.lang),
            ladder: f.stream.and_then(|s| timelines.iter().find(|tl| tl.stream == s)).map(|tl| ladder(cx, tl)),
        })
        .collect()
}

/// A comparison's findings, each citing frames of the capture it names.
fn compare_views<'f>(cx: &Cx, findings: impl Iterator<Item = &'f Finding>, side: &str) -> Vec<FView> {
    findings
        .map(|f| FView {
            v: FindingView::new(f, cx.lang).framed(super::view::compare_frame_key(f, side), cx.lang),
            ladder: None,
        })
        .collect()
}

fn streams_table(cx: &Cx, rows: &[super::flows::StreamRow]) -> SimpleTable {
    SimpleTable {
        title: cx.ui("ui-streams"),
        note: String::new(),
        head: super::table::FLOW_COLUMN_KEYS.iter().map(|k| cx.ui(k)).collect(),
        rows: rows.iter().map(|r| super::table::flow_cells(r).to_vec()).collect(),
    }
}

pub fn analyze(r: &AnalyzeReport, cx: &Cx) -> String {
    let page = Page {
        lang: cx.lang.id(),
        title: cx.ui("ui-title"),
        verdict: cx.t(&r.verdict),
        verdict_class: verdict_class(r.findings.iter()),
        labels: Labels::new(cx),
        captures: vec![cap(&r.capture, String::new(), cx)],
        clock: None,
        groups: vec![Group { title: cx.ui("ui-findings"), findings: views(cx, r.findings.iter(), &r.timelines) }],
        tables: vec![streams_table(cx, &r.streams)],
        footer: generated(cx.lang),
    };
    finish(page.render())
}

pub fn flows(r: &FlowsReport, cx: &Cx) -> String {
    let page = Page {
        lang: cx.lang.id(),
        title: cx.ui("ui-flows-title"),
        verdict: msg_streams(cx, r),
        verdict_class: "ok",
        labels: Labels::new(cx),
        captures: vec![cap(&r.capture, String::new(), cx)],
        clock: None,
        groups: Vec::new(),
        tables: vec![streams_table(cx, &r.streams)],
        footer: generated(cx.lang),
    };
    finish(page.render())
}

fn msg_streams(cx: &Cx, r: &FlowsReport) -> String {
    crate::msg!("ui-packets-streams", packets = r.capture.packets, streams = r.streams.len()).text(cx.lang)
}

pub fn compare(r: &CompareReport, cx: &Cx) -> String {
    let mut tables = vec![SimpleTable {
        title: cx.ui("ui-matched"),
        note: cx.t(&super::compare::matched_summary(r)),
        head: super::compare::MATCHED_HEADER.iter().map(|k| cx.ui(k)).collect(),
        rows: r
            .matched
            .iter()
            .take(super::compare::MATCHED_SHOWN)
            .map(|m| super::compare::matched_cells(m).to_vec())
            .collect(),
    }];
    for tl in &r.timelines {
        tables.push(SimpleTable {
            title: cx.t(&crate::msg!("ui-compare-timeline", client = tl.client_stream, server = tl.server_stream)),
            note: String::new(),
            head: super::compare::TIMELINE_HEADER.iter().map(|k| cx.ui(k)).collect(),
            rows: tl.rows.iter().map(|row| super::compare::timeline_cells(row, cx).to_vec()).collect(),
        });
    }
    let mut groups =
        vec![Group { title: cx.ui("ui-findings"), findings: compare_views(cx, r.findings.iter(), "client") }];
    for (label, side, name) in [("ui-client-alone", &r.client, "client"), ("ui-server-alone", &r.server, "server")] {
        if !side.findings.is_empty() {
            groups.push(Group { title: cx.ui(label), findings: compare_views(cx, side.findings.iter(), name) });
        }
    }
    let page = Page {
        lang: cx.lang.id(),
        title: cx.ui("ui-compare-title"),
        verdict: cx.t(&super::compare::verdict(r)),
        verdict_class: verdict_class(super::compare::all_findings(r).into_iter()),
        labels: Labels::new(cx),
        captures: vec![cap(&r.client.capture, cx.ui("ui-client"), cx), cap(&r.server.capture, cx.ui("ui-server"), cx)],
        clock: Some(cx.t(&super::compare::clock_text(r))),
        groups,
        tables,
        footer: generated(cx.lang),
    };
    finish(page.render())
}

/// askama escapes markup but not control characters; packet bytes such as ESC must not
/// reach the page either. The template itself holds none but newlines and tabs.
fn finish(rendered: askama::Result<String>) -> String {
    match rendered {
        Ok(html) => super::escape_control(&html),
        Err(e) => format!("<!DOCTYPE html><p>report rendering failed: {e}</p>"),
    }
}
