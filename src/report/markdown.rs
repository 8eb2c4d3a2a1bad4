//! GitHub-flavoured Markdown, to paste into a ticket. Everything that came from packets is
//! escaped: table pipes, backticks, brackets, angle brackets, and control characters.

use super::analyze::AnalyzeReport;
use super::escape_control;
use super::flows::FlowsReport;
use super::timeline::Timeline;
use super::view::{Cx, FindingView, capture_facts, generated};
use crate::compare::CompareReport;
use crate::detect::Finding;
use crate::summary::CaptureSummary;

/// Escapes text for Markdown prose and table cells.
pub fn md(s: &str) -> String {
    let s = escape_control(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span that renders, in any CommonMark renderer, to exactly `s` (a display filter
/// copied from it must work in Wireshark): its fence is one backtick longer than the longest
/// run of backticks inside (CommonMark ends a span only at a run of exactly its fence's
/// length), so packet text can never close it and reach raw HTML. Nothing inside is escaped:
/// a backslash in a code span is literal (CommonMark 6.1), so `\|` would reach the reader as
/// a backslash and a pipe. For a paragraph, not a table cell (where GFM splits cells at `|`
/// before inline parsing).
pub fn code(s: &str) -> String {
    let s = escape_control(s).replace('\n', " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if s.is_empty() {
        return "` `".into();
    }
    // CommonMark strips one space from each end of a span that has one at both; content
    // that starts or ends with a backtick or a space is padded, and the padding is what
    // gets stripped.
    let padded = longest > 0 || (s.starts_with(' ') && s.ends_with(' '));
    let fence = "`".repeat(longest + 1);
    if padded { format!("{fence} {s} {fence}") } else { format!("{fence}{s}{fence}") }
}

fn capture(out: &mut String, cx: &Cx, c: &CaptureSummary) {
    out.push_str("| | |\n|---|---|\n");
    for (label, value) in capture_facts(c, cx.lang) {
        out.push_str(&format!("| {} | {} |\n", md(&label), md(&value)));
    }
}

fn finding(out: &mut String, cx: &Cx, i: usize, f: &Finding, timeline: Option<&Timeline>) {
    finding_view(out, cx, i, &FindingView::new(f, cx.lang), timeline);
}

fn finding_view(out: &mut String, cx: &Cx, i: usize, v: &FindingView, timeline: Option<&Timeline>) {
    out.push_str(&format!("\n### {}. {} — {}\n\n", i + 1, md(&v.severity), md(v.detector)));
    out.push_str(&format!("**{}**\n\n{}\n\n*{}*\n\n", md(&v.summary), md(&v.explanation), md(&v.confidence)));
    out.push_str(&format!("**{}{}**\n\n", cx.ui("ui-evidence"), cx.ui("ui-colon")));
    for (frame, role) in &v.evidence {
        out.push_str(&format!("- {} {frame}{} {}\n", v.frame_label, cx.ui("ui-colon"), md(role)));
    }
    out.push_str(&format!(
        "\n**{}{colon}** {}\n\n**{}{colon}**\n\n",
        cx.ui("ui-filter"),
        code(&v.filter),
        cx.ui("ui-recommendations"),
        colon = cx.ui("ui-colon")
    ));
    for r in &v.recommendations {
        out.push_str(&format!("- {}\n", md(r)));
    }
    if let Some(tl) = timeline {
        let title = crate::msg!("ui-timeline", stream = tl.stream).text(cx.lang);
        out.push_str(&format!("\n**{}** ({} → {})\n\n", md(&title), md(&tl.client), md(&tl.server)));
        let head = ["ui-frame", "ui-time", "ui-dir", "ui-flags", "ui-len", "ui-gap", "ui-what"].map(|k| cx.ui(k));
        out.push_str(&format!("| {} |\n|---:|---:|---|---|---:|---:|---|\n", head.join(" | ")));
        for r in &tl.rows {
            if r.skipped_before {
                out.push_str(&format!("| … | | | | | | {} |\n", cx.ui("ui-rows-left-out")));
            }
            out.push_str(&format!(
                "| {} | {:.6} | {} | {} | {} | {:.3} | {} |\n",
                r.frame,
                r.time,
                if r.c2s { "→" } else { "←" },
                md(&r.flags),
                r.len,
                r.gap,
                md(&cx.t(&r.what))
            ));
        }
    }
}

fn table(out: &mut String, head: &[String], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str(&format!(
        "| {} |\n|{}\n",
        head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | "),
        "---|".repeat(head.len())
    ));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")));
    }
}

fn streams(out: &mut String, cx: &Cx, rows: &[super::flows::StreamRow]) {
    let head: Vec<String> = super::table::FLOW_COLUMN_KEYS.iter().map(|k| cx.ui(k)).collect();
    table(out, &head, rows.iter().map(|r| super::table::flow_cells(r).to_vec()));
}

pub fn analyze(r: &AnalyzeReport, cx: &Cx) -> String {
    let mut out = format!("# {}\n\n", cx.ui("ui-title"));
    out.push_str(&format!(
        "**{}{}** {}\n\n## {}\n\n",
        cx.ui("ui-verdict"),
        cx.ui("ui-colon"),
        md(&cx.t(&r.verdict)),
        cx.ui("ui-capture")
    ));
    capture(&mut out, cx, &r.capture);
    out.push_str(&format!("\n## {}\n", cx.ui("ui-findings")));
    if r.findings.is_empty() {
        out.push_str(&format!("\n{}\n", cx.ui("ui-none")));
    }
    for (i, f) in r.findings.iter().enumerate() {
        let tl = f.stream.and_then(|s| r.timelines.iter().find(|tl| tl.stream == s));
        finding(&mut out, cx, i, f, tl);
    }
    out.push_str(&format!("\n## {}\n\n", cx.ui("ui-streams")));
    streams(&mut out, cx, &r.streams);
    out.push_str(&format!("\n_{}_\n", md(&generated(cx.lang))));
    out
}

pub fn flows(r: &FlowsReport, cx: &Cx) -> String {
    let mut out = format!("# {}\n\n## {}\n\n", cx.ui("ui-flows-title"), cx.ui("ui-capture"));
    capture(&mut out, cx, &r.capture);
    out.push_str(&format!("\n## {}\n\n", cx.ui("ui-streams")));
    streams(&mut out, cx, &r.streams);
    out.push_str(&format!("\n_{}_\n", md(&generated(cx.lang))));
    out
}

pub fn compare(r: &CompareReport, cx: &Cx) -> String {
    let mut out = format!("# {}\n\n", cx.ui("ui-compare-title"));
    let verdict = super::compare::verdict(r);
    out.push_str(&format!("**{}{}** {}\n\n", cx.ui("ui-verdict"), cx.ui("ui-colon"), md(&cx.t(&verdict))));
    for (label, side) in [("ui-client", &r.client), ("ui-server", &r.server)] {
        out.push_str(&format!("## {} — {}\n\n", cx.ui("ui-capture"), cx.ui(label)));
        capture(&mut out, cx, &side.capture);
        out.push('\n');
    }
    out.push_str(&format!("## {}\n\n{}\n\n", cx.ui("ui-clock"), md(&cx.t(&super::compare::clock_text(r)))));
    out.push_str(&format!("## {}\n", cx.ui("ui-findings")));
    if r.findings.is_empty() {
        out.push_str(&format!("\n{}\n", cx.ui("ui-none")));
    }
    for (i, f) in r.findings.iter().enumerate() {
        let v = FindingView::new(f, cx.lang).framed(super::view::compare_frame_key(f, "client"), cx.lang);
        finding_view(&mut out, cx, i, &v, None);
    }
    for (label, side, name) in [("ui-client-alone", &r.client, "client"), ("ui-server-alone", &r.server, "server")] {
        if !side.findings.is_empty() {
            out.push_str(&format!("\n## {}\n", cx.ui(label)));
            for (i, f) in side.findings.iter().enumerate() {
                let v = FindingView::new(f, cx.lang).framed(super::view::compare_frame_key(f, name), cx.lang);
                finding_view(&mut out, cx, i, &v, None);
            }
        }
    }
    out.push_str(&format!("\n## {}\n\n{}\n", cx.ui("ui-matched"), md(&cx.t(&super::compare::matched_summary(r)))));
    if !r.matched.is_empty() {
        out.push('\n');
        let head: Vec<String> = super::compare::MATCHED_HEADER.iter().map(|k| cx.ui(k)).collect();
        table(
            &mut out,
            &head,
            r.matched.iter().take(super::compare::MATCHED_SHOWN).map(|m| super::compare::matched_cells(m).to_vec()),
        );
    }
    if r.matched.len() > super::compare::MATCHED_SHOWN {
        out.push_str(&format!(
            "\n{}\n",
            md(&crate::msg!("ui-more-rows", n = r.matched.len() - super::compare::MATCHED_SHOWN).text(cx.lang))
        ));
    }
    if !r.unmatched_client.is_empty() || !r.unmatched_server.is_empty() {
        out.push_str(&format!("\n## {}\n\n", cx.ui("ui-unmatched")));
        for (side, list) in [("ui-client", &r.unmatched_client), ("ui-server", &r.unmatched_server)] {
            for u in list.iter().take(super::compare::MATCHED_SHOWN) {
                let line = crate::msg!(
                    "ui-unmatched-flow",
                    side = crate::i18n::Message::new(side),
                    stream = u.stream,
                    client = u.client.clone(),
                    server = u.server.clone(),
                    packets = u.packets
                );
                out.push_str(&format!("- {}\n", md(&cx.t(&line))));
            }
        }
    }
    for tl in &r.timelines {
        let title = crate::msg!("ui-compare-timeline", client = tl.client_stream, server = tl.server_stream);
        out.push_str(&format!("\n### {}\n\n", md(&cx.t(&title))));
        let head: Vec<String> = super::compare::TIMELINE_HEADER.iter().map(|k| cx.ui(k)).collect();
        table(&mut out, &head, tl.rows.iter().map(|row| super::compare::timeline_cells(row, cx).to_vec()));
    }
    out.push_str(&format!("\n_{}_\n", md(&generated(cx.lang))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_strings_cannot_break_markdown() {
        // The ESC becomes the text \u{1b}, whose backslash is escaped in turn.
        assert_eq!(md("a|b`c<script>\x1b[31m"), "a\\|b\\`c\\<script\\>\\\\u{1b}\\[31m");
        assert_eq!(code("dns.qry.name == \"x`y|z\""), "`` dns.qry.name == \"x`y|z\" ``");
    }

    #[test]
    fn a_code_span_fence_is_longer_than_any_backtick_run_inside() {
        // Two backticks used to close the double-backtick span and let the HTML after them out.
        let hostile = "a``<img src=x onerror=alert(1)>";
        assert_eq!(code(hostile), "``` a``<img src=x onerror=alert(1)> ```");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("````"), "````` ```` `````");
    }

    #[test]
    fn bidirectional_controls_are_shown_not_obeyed() {
        assert_eq!(md("evil\u{202e}gpj.exe"), "evil\\\\u{202e}gpj.exe");
        assert_eq!(code("a\u{2066}b"), "`a\\u{2066}b`");
    }
}
