//! GitHub-flavoured Markdown, to paste into a ticket. Everything that came from packets is
//! escaped: table pipes, backticks, brackets, angle brackets, and control characters.

use super::analyze::AnalyzeReport;
use super::escape_control;
use super::flows::CaptureSummary;
use super::timeline::Timeline;
use crate::compare::CompareReport;
use crate::detect::Finding;
use crate::text::Texts;

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

/// A code span that survives backticks and pipes in its content.
pub fn code(s: &str) -> String {
    let s = escape_control(s).replace('|', "\\|").replace('\n', " ");
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

fn capture(out: &mut String, t: &Texts, c: &CaptureSummary) {
    let links: Vec<String> = c.link_types.iter().map(|l| l.name()).collect();
    out.push_str(&format!("| {} | {} |\n|---|---|\n", t.get("ui.file", &[]), md(&c.file)));
    out.push_str(&format!(
        "| {} | {}{} |\n",
        t.get("ui.format", &[]),
        md(&c.format),
        if c.gzip { " (gzip)" } else { "" }
    ));
    out.push_str(&format!("| {} | {} |\n", t.get("ui.size", &[]), c.bytes));
    out.push_str(&format!("| {} | {} |\n", t.get("ui.packets", &[]), c.packets));
    out.push_str(&format!("| {} | {:.3} s |\n", t.get("ui.span", &[]), c.duration_s.unwrap_or(0.0)));
    out.push_str(&format!("| {} | {} |\n", t.get("ui.links", &[]), md(&links.join(", "))));
    if !c.anomalies.is_empty() {
        let a: Vec<String> =
            c.anomalies.iter().map(|(k, v)| format!("{v} {}", super::flows::anomaly_name(*k))).collect();
        out.push_str(&format!("| {} | {} |\n", t.get("ui.anomalies", &[]), md(&a.join(", "))));
    }
    if let Some(d) = c.interface_drops {
        out.push_str(&format!("| {} | {d} |\n", t.get("ui.drops", &[])));
    }
    for i in &c.read_issues {
        out.push_str(&format!("| {} | {} |\n", t.get("ui.issues", &[]), md(i)));
    }
    for q in super::flows::quality_notes(&c.quality) {
        out.push_str(&format!("| {} | {} |\n", t.get("ui.quality", &[]), md(&q)));
    }
}

fn finding(out: &mut String, t: &Texts, i: usize, f: &Finding, timeline: Option<&Timeline>) {
    out.push_str(&format!("\n### {}. {} — {}\n\n", i + 1, f.severity.as_str(), md(f.detector)));
    out.push_str(&format!("**{}**\n\n{}\n\n", md(&f.summary), md(&f.explanation)));
    out.push_str(&format!("*confidence: {}*", f.confidence.as_str()));
    if !f.confirm.is_empty() {
        out.push_str(&format!(" — to confirm: {}", md(&f.confirm)));
    }
    out.push_str("\n\n");
    out.push_str(&format!("**{}:**\n\n", t.get("ui.evidence", &[])));
    for e in &f.evidence {
        out.push_str(&format!("- {} {}: {}\n", t.get("ui.frame", &[]), e.frame, md(&e.role)));
    }
    out.push_str(&format!(
        "\n**{}:** {}\n\n**{}:**\n\n",
        t.get("ui.filter", &[]),
        code(&f.display_filter),
        t.get("ui.recommendations", &[])
    ));
    for r in &f.recommendations {
        out.push_str(&format!("- {}\n", md(r)));
    }
    if let Some(tl) = timeline {
        out.push_str(&format!(
            "\n**{}** ({} → {})\n\n",
            t.get("ui.timeline", &[("stream", tl.stream.to_string())]),
            md(&tl.client),
            md(&tl.server)
        ));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n|---:|---:|---|---|---:|---:|---|\n",
            t.get("ui.frame", &[]),
            t.get("ui.time", &[]),
            t.get("ui.dir", &[]),
            t.get("ui.flags", &[]),
            t.get("ui.len", &[]),
            t.get("ui.gap", &[]),
            t.get("ui.what", &[])
        ));
        for r in &tl.rows {
            if r.skipped_before {
                out.push_str(&format!("| … | | | | | | {} |\n", t.get("ui.rows_left_out", &[])));
            }
            out.push_str(&format!(
                "| {} | {:.6} | {} | {} | {} | {:.3} | {} |\n",
                r.frame,
                r.time,
                if r.c2s { "→" } else { "←" },
                md(&r.flags),
                r.len,
                r.gap,
                md(&r.what)
            ));
        }
    }
}

pub fn analyze(r: &AnalyzeReport, t: &Texts) -> String {
    let mut out = format!("# {}\n\n", t.get("ui.title", &[]));
    let verdict = r.verdict.clone().unwrap_or_else(|| t.get("ui.no_problems", &[]));
    out.push_str(&format!("**{}:** {}\n\n## {}\n\n", t.get("ui.verdict", &[]), md(&verdict), t.get("ui.capture", &[])));
    capture(&mut out, t, &r.capture);
    out.push_str(&format!("\n## {}\n", t.get("ui.findings", &[])));
    if r.findings.is_empty() {
        out.push_str(&format!("\n{}\n", t.get("ui.none", &[])));
    }
    for (i, f) in r.findings.iter().enumerate() {
        let tl = f.stream.and_then(|s| r.timelines.iter().find(|tl| tl.stream == s));
        finding(&mut out, t, i, f, tl);
    }
    out.push_str(&format!(
        "\n## {}\n\n| {} | client | server | frames | state | history | rtt ms | retx | dupack | lost | ka |\n|---:|---|---|---|---|---|---:|---:|---:|---:|---:|\n",
        t.get("ui.streams", &[]),
        t.get("ui.stream", &[])
    ));
    for s in &r.streams {
        out.push_str(&format!(
            "| {} | {} | {} | {}-{} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.stream,
            md(&s.client),
            md(&s.server),
            s.first_frame,
            s.last_frame,
            s.conn_state,
            md(&s.history),
            s.rtt_ms.map_or_else(|| "-".into(), |v| format!("{v:.3}")),
            s.counters.retransmissions,
            s.counters.dup_acks,
            s.counters.lost_segments,
            s.counters.keep_alives
        ));
    }
    out.push_str(&format!("\n_{}_\n", md(&t.get("ui.generated", &[("version", env!("CARGO_PKG_VERSION").into())]))));
    out
}

pub fn compare(r: &CompareReport, t: &Texts) -> String {
    let mut out = format!("# {}\n\n", t.get("ui.compare_title", &[]));
    let worst = r.findings.iter().max_by(|a, b| a.severity.cmp(&b.severity));
    let verdict = worst.map_or_else(|| t.get("ui.no_problems", &[]), |f| f.summary.clone());
    out.push_str(&format!("**{}:** {}\n\n", t.get("ui.verdict", &[]), md(&verdict)));
    for (label, side) in [("ui.client", &r.client), ("ui.server", &r.server)] {
        out.push_str(&format!("## {} — {}\n\n", t.get("ui.capture", &[]), t.get(label, &[])));
        capture(&mut out, t, &side.capture);
        out.push('\n');
    }
    if let Some(c) = &r.clock {
        out.push_str(&format!(
            "## {}\n\nserver = client {:+.3} ms (± {:.3} ms, {} pairs); one-way delay client→server {:.3} ms, server→client {:.3} ms\n\n",
            t.get("ui.clock", &[]),
            c.offset_ms,
            c.uncertainty_ms,
            c.samples,
            c.client_to_server_delay_ms,
            c.server_to_client_delay_ms
        ));
    }
    out.push_str(&format!("## {}\n\n| client stream | client view | server stream | server view | matched by | lost c→s | lost s→c | made on path |\n|---:|---|---:|---|---|---:|---:|---:|\n", t.get("ui.matched", &[])));
    for m in &r.matched {
        let cells = super::compare::matched_cells(m).map(|c| md(&c));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    if !r.unmatched_client.is_empty() || !r.unmatched_server.is_empty() {
        out.push_str(&format!("\n## {}\n\n", t.get("ui.unmatched", &[])));
        for (side, list) in [("client", &r.unmatched_client), ("server", &r.unmatched_server)] {
            for u in list {
                out.push_str(&format!(
                    "- {side}: stream {} {} → {} ({} packets)\n",
                    u.stream,
                    md(&u.client),
                    md(&u.server),
                    u.packets
                ));
            }
        }
    }
    out.push_str(&format!("\n## {}\n", t.get("ui.findings", &[])));
    for (i, f) in r.findings.iter().enumerate() {
        finding(&mut out, t, i, f, None);
    }
    for tl in &r.timelines {
        out.push_str(&format!(
            "\n### client stream {} / server stream {}\n\n| client frame | client t (s) | event | server frame | server t (s) | note |\n|---:|---:|---|---:|---:|---|\n",
            tl.client_stream, tl.server_stream
        ));
        for row in &tl.rows {
            let f = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| x.to_string());
            let tm = |v: Option<f64>| v.map_or_else(|| "-".into(), |x| format!("{x:.6}"));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                f(row.client_frame),
                tm(row.client_time),
                md(&row.event),
                f(row.server_frame),
                tm(row.server_time),
                md(&row.note)
            ));
        }
    }
    out.push_str(&format!("\n_{}_\n", md(&t.get("ui.generated", &[("version", env!("CARGO_PKG_VERSION").into())]))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_strings_cannot_break_markdown() {
        // The ESC becomes the text \u{1b}, whose backslash is escaped in turn.
        assert_eq!(md("a|b`c<script>\x1b[31m"), "a\\|b\\`c\\<script\\>\\\\u{1b}\\[31m");
        assert_eq!(code("dns.qry.name == \"x`y|z\""), "`` dns.qry.name == \"x`y\\|z\" ``");
    }
}
