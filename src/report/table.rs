//! The terminal view of every report: plain text and comfy-table tables that fit the
//! terminal's width (80 columns when the output is not a terminal), addresses unbroken.

use comfy_table::{Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width};

use super::analyze::AnalyzeReport;
use super::escape_control;
use super::flows::FlowsReport;
use super::timeline::Timeline;
use super::view::{Cx, FindingView, capture_facts, generated};
use crate::compare::CompareReport;
use crate::detect::{Finding, Severity};
use crate::summary::CaptureSummary;

/// `UTF8_HORIZONTAL_ONLY` without the lines between rows.
const COMPACT: comfy_table::TableStyle = comfy_table::TableStyle::new()
    .top_border(comfy_table::LineStyle::none().fill('─').junction('─'))
    .header_separator(comfy_table::LineStyle::none().fill('═').junction('═'))
    .bottom_border(comfy_table::LineStyle::none().fill('─').junction('─'));

/// Width used when the output is not a terminal: narrow enough to read in a ticket.
pub const PIPE_WIDTH: u16 = 100;

fn table(cx: &Cx) -> Table {
    let mut t = Table::new();
    t.load_style(COMPACT);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(cx.width.unwrap_or(PIPE_WIDTH));
    if !cx.color {
        t.force_no_tty();
    }
    t
}

/// Rows to show as a table when every column but the last fits unbroken in the width, and
/// else as records ("title  value" lines per row), so that addresses never break.
struct Grid {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    right: Vec<usize>,
    /// Column 0's colour per row, on a colour terminal.
    colors: Vec<Option<Color>>,
}

/// The narrowest the last (wrapping) column may get: a note of two or three words a line.
const MIN_LAST: usize = 16;

impl Grid {
    fn new(head: Vec<String>) -> Self {
        Grid { head, rows: Vec::new(), right: Vec::new(), colors: Vec::new() }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| escape_control(&c)).collect());
        self.colors.push(None);
    }

    fn render(&self, cx: &Cx, indent: usize) -> String {
        use unicode_width::UnicodeWidthStr;
        let width = usize::from(cx.width.unwrap_or(PIPE_WIDTH)).saturating_sub(indent);
        let n = self.head.len();
        let col_width = |i: usize| {
            let head = self.head.get(i).map_or(0, |h| h.split_whitespace().map(|w| w.width()).max().unwrap_or(0));
            self.rows.iter().filter_map(|r| r.get(i)).map(|c| c.width()).fold(head, usize::max)
        };
        let fixed: usize = (0..n.saturating_sub(1)).map(col_width).sum();
        let last = col_width(n.saturating_sub(1)).min(MIN_LAST);
        let pad = " ".repeat(indent);
        // Each column takes its width and a space of padding on each side, and one space
        // separates two columns: 3n - 1 beyond the cells.
        let overhead = (3 * n).saturating_sub(1);
        if fixed + last + overhead <= width {
            let mut t = table(&Cx { width: Some(u16::try_from(width).unwrap_or(u16::MAX)), ..*cx });
            t.set_header(self.head.iter().map(Cell::new));
            for (r, color) in self.rows.iter().zip(&self.colors) {
                t.add_row(r.iter().enumerate().map(|(i, c)| {
                    let cell = Cell::new(c);
                    let cell = if self.right.contains(&i) { cell.set_alignment(CellAlignment::Right) } else { cell };
                    match color {
                        Some(k) if i == 0 && cx.color => cell.fg(*k),
                        _ => cell,
                    }
                }));
            }
            // Every column but the last exactly as wide as its widest cell; the last takes
            // what is left and wraps.
            let rest = width.saturating_sub(fixed + overhead).max(last);
            for i in 0..n {
                let w = 2 + if i + 1 == n { rest.min(col_width(i)) } else { col_width(i) };
                if let Some(c) = t.column_mut(i) {
                    c.set_constraint(ColumnConstraint::Absolute(Width::Fixed(u16::try_from(w).unwrap_or(u16::MAX))));
                }
            }
            return t.to_string().lines().map(|l| format!("{pad}{l}\n")).collect();
        }
        let label = self.head.iter().map(|h| h.width()).max().unwrap_or(0);
        let mut out = String::new();
        for r in &self.rows {
            out.push_str(&format!("{pad}{}\n", "─".repeat(width.min(label + 40))));
            for (h, c) in self.head.iter().zip(r) {
                if !c.is_empty() {
                    let gap = " ".repeat(label.saturating_sub(h.width()));
                    out.push_str(&format!("{pad} {h}{gap}  {c}\n"));
                }
            }
        }
        out
    }
}

fn capture_lines(out: &mut String, cx: &Cx, c: &CaptureSummary) {
    for (label, value) in capture_facts(c, cx.lang) {
        out.push_str(&cx.labeled(&label, &escape_control(&value)));
        out.push('\n');
    }
}

/// One finding's full text, shared by `analyze` and `compare`.
fn finding_text(out: &mut String, cx: &Cx, index: usize, f: &Finding, timeline: Option<&Timeline>) {
    finding_view_text(out, cx, index, &FindingView::new(f, cx.lang), timeline);
}

fn finding_view_text(out: &mut String, cx: &Cx, index: usize, v: &FindingView, timeline: Option<&Timeline>) {
    let e = escape_control;
    out.push_str(&format!("\n[{}] {} {}: {}\n", index + 1, v.severity, v.detector, e(&v.summary)));
    out.push_str(&format!("    {}\n", e(&v.explanation)));
    out.push_str(&format!("    {}\n", e(&v.confidence)));
    for (frame, role) in &v.evidence {
        out.push_str(&format!("    {} {frame:>7}  {}\n", v.frame_label, e(role)));
    }
    out.push_str(&format!("    {}\n", cx.labeled(&cx.ui("ui-filter"), &e(&v.filter))));
    for r in &v.recommendations {
        out.push_str(&format!("    - {}\n", e(r)));
    }
    if let Some(tl) = timeline {
        timeline_table(out, cx, tl);
    }
}

fn timeline_table(out: &mut String, cx: &Cx, tl: &Timeline) {
    let title = crate::msg!("ui-timeline", stream = tl.stream).text(cx.lang);
    out.push_str(&format!("    {title} ({} → {})\n", escape_control(&tl.client), escape_control(&tl.server)));
    let head = ["ui-frame", "ui-time", "ui-dir", "ui-flags", "ui-len", "ui-gap", "ui-what"];
    let mut g = Grid::new(head.map(|k| cx.ui(k)).to_vec());
    g.right = vec![0, 1, 4, 5];
    for r in &tl.rows {
        if r.skipped_before {
            let mut skipped = vec!["…".to_string()];
            skipped.resize(6, String::new());
            skipped.push(cx.ui("ui-rows-left-out"));
            g.row(skipped);
        }
        g.row(vec![
            r.frame.to_string(),
            format!("{:.6}", r.time),
            (if r.c2s { "→" } else { "←" }).to_string(),
            r.flags.clone(),
            r.len.to_string(),
            format!("{:.3}", r.gap),
            cx.t(&r.what),
        ]);
    }
    out.push_str(&g.render(cx, 4));
}

fn findings_table(out: &mut String, cx: &Cx, findings: &[Finding]) {
    let mut g = Grid::new(["ui-severity", "ui-detector", "ui-stream", "ui-summary"].map(|k| cx.ui(k)).to_vec());
    for f in findings {
        g.row(vec![
            super::view::severity(f.severity, cx.lang),
            f.detector.to_string(),
            f.stream.map_or_else(|| "-".into(), |s| s.to_string()),
            f.summary.text(cx.lang),
        ]);
        if let Some(c) = g.colors.last_mut() {
            *c = Some(match f.severity {
                Severity::Error => Color::Red,
                Severity::Warning => Color::Yellow,
                Severity::Info => Color::Blue,
            });
        }
    }
    out.push('\n');
    out.push_str(&g.render(cx, 0));
}

pub fn analyze(r: &AnalyzeReport, cx: &Cx) -> String {
    let mut out = cx.labeled(&cx.ui("ui-verdict"), &escape_control(&cx.t(&r.verdict)));
    out.push_str("\n\n");
    capture_lines(&mut out, cx, &r.capture);
    if r.findings.is_empty() {
        return out;
    }
    findings_table(&mut out, cx, &r.findings);
    for (i, f) in r.findings.iter().enumerate() {
        let tl = f.stream.and_then(|s| r.timelines.iter().find(|tl| tl.stream == s));
        finding_text(&mut out, cx, i, f, tl);
    }
    out
}

/// Every column of `pcapdoc flows` (message keys of their titles).
pub const FLOW_COLUMN_KEYS: [&str; 18] = [
    "col-stream",
    "col-client",
    "col-server",
    "col-frames",
    "col-packets",
    "col-bytes",
    "col-duration",
    "col-state",
    "col-history",
    "col-rtt",
    "col-retx",
    "col-fast",
    "col-spurious",
    "col-ooo",
    "col-dupack",
    "col-lost",
    "col-zero-window",
    "col-keepalive",
];

/// The columns an 80-column terminal keeps: stream, ends, packets, RTT, retransmissions.
const FLOW_NARROW_COLUMNS: [usize; 6] = [0, 1, 2, 4, 9, 10];
/// And one of 120 columns: frames, bytes, duration, duplicate ACKs and lost segments too.
const FLOW_MEDIUM_COLUMNS: [usize; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 15];
const FLOWS_MEDIUM_WIDTH: u16 = 120;
/// From this width the flows table shows every column.
const FLOWS_FULL_WIDTH: u16 = 160;

pub fn flow_cells(r: &super::flows::StreamRow) -> [String; 18] {
    let c = &r.counters;
    [
        r.stream.to_string(),
        r.client.clone(),
        r.server.clone(),
        format!("{}-{}", r.first_frame, r.last_frame),
        r.packets.to_string(),
        r.bytes.to_string(),
        format!("{:.3}", r.end - r.start),
        r.conn_state.to_string(),
        r.history.clone(),
        r.rtt_ms.map_or_else(|| "-".into(), |v| format!("{v:.3}")),
        c.retransmissions.to_string(),
        c.fast_retransmissions.to_string(),
        c.spurious_retransmissions.to_string(),
        c.out_of_order.to_string(),
        c.dup_acks.to_string(),
        c.lost_segments.to_string(),
        c.zero_windows.to_string(),
        c.keep_alives.to_string(),
    ]
}

pub fn flows(r: &FlowsReport, cx: &Cx) -> String {
    let width = cx.width.unwrap_or(PIPE_WIDTH);
    let full = width >= FLOWS_FULL_WIDTH;
    let keep: Vec<usize> = match width {
        w if w >= FLOWS_FULL_WIDTH => (0..FLOW_COLUMN_KEYS.len()).collect(),
        w if w >= FLOWS_MEDIUM_WIDTH => FLOW_MEDIUM_COLUMNS.to_vec(),
        _ => FLOW_NARROW_COLUMNS.to_vec(),
    };
    let mut g = Grid::new(keep.iter().filter_map(|&i| FLOW_COLUMN_KEYS.get(i)).map(|k| cx.ui(k)).collect());
    g.right = keep.iter().enumerate().filter(|(_, c)| !matches!(**c, 1 | 2 | 7 | 8)).map(|(i, _)| i).collect();
    for row in &r.streams {
        let cells = flow_cells(row);
        g.row(keep.iter().filter_map(|&i| cells.get(i).cloned()).collect());
    }
    let mut out = String::new();
    capture_lines(&mut out, cx, &r.capture);
    out.push_str(&g.render(cx, 0));
    if !full {
        out.push_str(&cx.ui("ui-flows-narrow"));
        out.push('\n');
    }
    out
}

pub fn compare(r: &CompareReport, cx: &Cx) -> String {
    let mut out = cx.labeled(&cx.ui("ui-verdict"), &escape_control(&cx.t(&super::compare::verdict(r))));
    out.push('\n');
    for (label, side) in [("ui-client-side", &r.client), ("ui-server-side", &r.server)] {
        out.push_str(&format!("\n{}\n", cx.ui(label)));
        capture_lines(&mut out, cx, &side.capture);
    }
    out.push_str(&format!(
        "\n{}\n",
        cx.labeled(&cx.ui("ui-clock"), &escape_control(&cx.t(&super::compare::clock_text(r))))
    ));
    if !r.findings.is_empty() {
        findings_table(&mut out, cx, &r.findings);
    }
    out.push_str(&format!("\n{}\n", escape_control(&cx.t(&super::compare::matched_summary(r)))));
    if !r.matched.is_empty() {
        let mut g = Grid::new(super::compare::MATCHED_HEADER.map(|k| cx.ui(k)).to_vec());
        g.right = vec![0, 2, 5, 6, 7];
        for m in r.matched.iter().take(super::compare::MATCHED_SHOWN) {
            g.row(super::compare::matched_cells(m).to_vec());
        }
        out.push_str(&g.render(cx, 0));
    }
    if r.matched.len() > super::compare::MATCHED_SHOWN {
        out.push_str(&crate::msg!("ui-more-rows", n = r.matched.len() - super::compare::MATCHED_SHOWN).text(cx.lang));
        out.push('\n');
    }
    for (label, list) in [("ui-unmatched-client", &r.unmatched_client), ("ui-unmatched-server", &r.unmatched_server)] {
        if !list.is_empty() {
            let v: Vec<String> =
                list.iter().take(20).map(|f| format!("{} {} → {}", f.stream, f.client, f.server)).collect();
            out.push_str(&cx.labeled(&cx.ui(label), &escape_control(&v.join("; "))));
            out.push('\n');
        }
    }
    for (i, f) in r.findings.iter().enumerate() {
        let v = FindingView::new(f, cx.lang).framed(super::view::compare_frame_key(f, "client"), cx.lang);
        finding_view_text(&mut out, cx, i, &v, None);
    }
    for tl in &r.timelines {
        let mut g = Grid::new(super::compare::TIMELINE_HEADER.map(|k| cx.ui(k)).to_vec());
        g.right = vec![0, 1, 3, 4];
        for row in &tl.rows {
            g.row(super::compare::timeline_cells(row, cx).to_vec());
        }
        let title = crate::msg!("ui-compare-timeline", client = tl.client_stream, server = tl.server_stream);
        out.push_str(&format!("\n{}\n{}", cx.t(&title), g.render(cx, 0)));
    }
    for (label, side, name) in [("ui-client-alone", &r.client, "client"), ("ui-server-alone", &r.server, "server")] {
        if !side.findings.is_empty() {
            out.push_str(&format!("\n{}\n", cx.ui(label)));
            for (i, f) in side.findings.iter().enumerate() {
                let v = FindingView::new(f, cx.lang).framed(super::view::compare_frame_key(f, name), cx.lang);
                finding_view_text(&mut out, cx, i, &v, None);
            }
        }
    }
    out.push_str(&format!("\n{}\n", generated(cx.lang)));
    out
}
