//! One self-contained HTML file: inline CSS, inline SVG, no scripts, no external requests,
//! printable. askama escapes every value by default, so packet-derived strings (DNS names,
//! SNI, HTTP lines) cannot inject markup.

use askama::Template;

use super::analyze::AnalyzeReport;
use super::flows::CaptureSummary;
use super::timeline::Timeline;
use crate::compare::CompareReport;
use crate::detect::{Finding, Severity};
use crate::text::{Lang, Texts};

pub struct Labels {
    verdict: String,
    capture: String,
    file: String,
    format: String,
    size: String,
    packets: String,
    span: String,
    links: String,
    anomalies: String,
    drops: String,
    issues: String,
    quality: String,
    findings: String,
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
    fn new(t: &Texts) -> Self {
        let g = |k: &str| t.get(k, &[]);
        Labels {
            verdict: g("ui.verdict"),
            capture: g("ui.capture"),
            file: g("ui.file"),
            format: g("ui.format"),
            size: g("ui.size"),
            packets: g("ui.packets"),
            span: g("ui.span"),
            links: g("ui.links"),
            anomalies: g("ui.anomalies"),
            drops: g("ui.drops"),
            issues: g("ui.issues"),
            quality: g("ui.quality"),
            findings: g("ui.findings"),
            stream: g("ui.stream"),
            evidence: g("ui.evidence"),
            filter: g("ui.filter"),
            recommendations: g("ui.recommendations"),
            frame: g("ui.frame"),
            time: g("ui.time"),
            dir: g("ui.dir"),
            flags: g("ui.flags"),
            len: g("ui.len"),
            gap: g("ui.gap"),
            what: g("ui.what"),
            ladder: g("ui.ladder"),
            client: g("ui.client"),
            server: g("ui.server"),
            none: g("ui.none"),
            clock: g("ui.clock"),
        }
    }
}

pub struct Cap<'a> {
    c: &'a CaptureSummary,
    role: String,
    span: String,
    links: String,
    anomalies: String,
    quality: Vec<String>,
}

fn cap<'a>(c: &'a CaptureSummary, role: String) -> Cap<'a> {
    let links: Vec<String> = c.link_types.iter().map(|l| l.name()).collect();
    let anomalies: Vec<String> =
        c.anomalies.iter().map(|(k, v)| format!("{v} {}", super::flows::anomaly_name(*k))).collect();
    Cap {
        c,
        role,
        span: format!("{:.3} s", c.duration_s.unwrap_or(0.0)),
        links: links.join(", "),
        anomalies: anomalies.join(", "),
        quality: super::flows::quality_notes(&c.quality),
    }
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

fn ladder(t: &Texts, tl: &Timeline) -> Ladder {
    let (width, cx, sx) = (780, 200, 580);
    let mut y = 40;
    let mut arrows = Vec::new();
    let mut breaks = Vec::new();
    for (i, r) in tl.rows.iter().enumerate() {
        if i > 0 && (r.gap >= BREAK_S || r.skipped_before) {
            let label =
                if r.gap >= BREAK_S { t.get("ui.idle", &[("secs", format!("{:.2}", r.gap))]) } else { "…".into() };
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
        if !r.what.is_empty() {
            label = format!("{label} — {}", r.what);
        }
        arrows.push(Arrow {
            x1,
            y1: y,
            x2,
            y2: y + 14,
            color,
            width: if r.what.is_empty() { 1 } else { 2 },
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
            what: r.what.clone(),
        })
        .collect();
    Ladder {
        id: tl.stream,
        title: t.get("ui.timeline", &[("stream", tl.stream.to_string())]),
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

pub struct FView<'a> {
    f: &'a Finding,
    ladder: Option<Ladder>,
}

pub struct SimpleTable {
    title: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    lang: &'static str,
    title: String,
    verdict: String,
    verdict_class: &'static str,
    labels: Labels,
    captures: Vec<Cap<'a>>,
    clock: Option<String>,
    findings: Vec<FView<'a>>,
    tables: Vec<SimpleTable>,
    footer: String,
}

fn verdict_class(findings: &[Finding]) -> &'static str {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        _ => "ok",
    }
}

fn lang_code(t: &Texts) -> &'static str {
    if t.lang == Lang::Zh { "zh" } else { "en" }
}

pub fn analyze(r: &AnalyzeReport, t: &Texts) -> String {
    let findings = r
        .findings
        .iter()
        .map(|f| FView {
            f,
            ladder: f.stream.and_then(|s| r.timelines.iter().find(|tl| tl.stream == s)).map(|tl| ladder(t, tl)),
        })
        .collect();
    let streams = SimpleTable {
        title: t.get("ui.streams", &[]),
        head: ["stream", "client", "server", "frames", "state", "history", "rtt ms", "retx", "dupack", "lost", "ka"]
            .map(String::from)
            .to_vec(),
        rows: r
            .streams
            .iter()
            .map(|s| {
                vec![
                    s.stream.to_string(),
                    s.client.clone(),
                    s.server.clone(),
                    format!("{}-{}", s.first_frame, s.last_frame),
                    s.conn_state.to_string(),
                    s.history.clone(),
                    s.rtt_ms.map_or_else(|| "-".into(), |v| format!("{v:.3}")),
                    s.counters.retransmissions.to_string(),
                    s.counters.dup_acks.to_string(),
                    s.counters.lost_segments.to_string(),
                    s.counters.keep_alives.to_string(),
                ]
            })
            .collect(),
    };
    let page = Page {
        lang: lang_code(t),
        title: t.get("ui.title", &[]),
        verdict: r.verdict.clone().unwrap_or_else(|| t.get("ui.no_problems", &[])),
        verdict_class: verdict_class(&r.findings),
        labels: Labels::new(t),
        captures: vec![cap(&r.capture, String::new())],
        clock: None,
        findings,
        tables: vec![streams],
        footer: t.get("ui.generated", &[("version", env!("CARGO_PKG_VERSION").into())]),
    };
    finish(page.render())
}

pub fn compare(r: &CompareReport, t: &Texts) -> String {
    let worst = r.findings.iter().max_by(|a, b| a.severity.cmp(&b.severity));
    let mut tables = vec![SimpleTable {
        title: t.get("ui.matched", &[]),
        head: super::compare::MATCHED_HEADER.map(String::from).to_vec(),
        rows: r.matched.iter().map(|m| super::compare::matched_cells(m).to_vec()).collect(),
    }];
    for tl in &r.timelines {
        let f = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| x.to_string());
        let tm = |v: Option<f64>| v.map_or_else(|| "-".into(), |x| format!("{x:.6}"));
        tables.push(SimpleTable {
            title: format!("client stream {} / server stream {}", tl.client_stream, tl.server_stream),
            head: ["client frame", "client t (s)", "event", "server frame", "server t (s)", "note"]
                .map(String::from)
                .to_vec(),
            rows: tl
                .rows
                .iter()
                .map(|row| {
                    vec![
                        f(row.client_frame),
                        tm(row.client_time),
                        row.event.clone(),
                        f(row.server_frame),
                        tm(row.server_time),
                        row.note.clone(),
                    ]
                })
                .collect(),
        });
    }
    let page = Page {
        lang: lang_code(t),
        title: t.get("ui.compare_title", &[]),
        verdict: worst.map_or_else(|| t.get("ui.no_problems", &[]), |f| f.summary.clone()),
        verdict_class: verdict_class(&r.findings),
        labels: Labels::new(t),
        captures: vec![cap(&r.client.capture, t.get("ui.client", &[])), cap(&r.server.capture, t.get("ui.server", &[]))],
        clock: r.clock.map(|c| {
            format!(
                "server = client {:+.3} ms (± {:.3} ms, {} pairs); one-way delay client→server {:.3} ms, server→client {:.3} ms",
                c.offset_ms, c.uncertainty_ms, c.samples, c.client_to_server_delay_ms, c.server_to_client_delay_ms
            )
        }),
        findings: r.findings.iter().map(|f| FView { f, ladder: None }).collect(),
        tables,
        footer: t.get("ui.generated", &[("version", env!("CARGO_PKG_VERSION").into())]),
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
