//! The `compare` report as text: clock, matched flows, findings, timelines of problem flows.

use comfy_table::{ContentArrangement, Table, presets};

use super::escape_control;
use super::flows::capture_lines;
use crate::compare::{CompareReport, MatchedFlow};

/// Column titles of the matched-flows table, shared by every report format.
pub(crate) const MATCHED_HEADER: [&str; 8] = [
    "client stream",
    "client view",
    "server stream",
    "server view",
    "matched by",
    "lost c→s",
    "lost s→c",
    "made on path",
];

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

pub fn to_json(r: &CompareReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn table(width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_HORIZONTAL_ONLY);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.force_no_tty();
    if let Some(w) = width {
        t.set_width(w);
    }
    t
}

pub fn to_table(r: &CompareReport, width: Option<u16>) -> String {
    let mut out = String::new();
    let worst = r.findings.iter().max_by(|a, b| a.severity.cmp(&b.severity));
    match worst {
        Some(f) => out.push_str(&format!("Verdict: {}\n\n", escape_control(&f.summary))),
        None => out.push_str("Verdict: the two captures agree; nothing was lost or made on the path.\n\n"),
    }
    out.push_str("client side: ");
    out.push_str(&capture_lines(&r.client.capture));
    out.push_str("server side: ");
    out.push_str(&capture_lines(&r.server.capture));
    match &r.clock {
        Some(c) => out.push_str(&format!(
            "clock: server = client {:+.3} ms (± {:.3} ms, {} packet pairs); one-way delay client→server {:.3} ms, server→client {:.3} ms\n",
            c.offset_ms, c.uncertainty_ms, c.samples, c.client_to_server_delay_ms, c.server_to_client_delay_ms
        )),
        None => out.push_str("clock: no packet seen in both captures; offset unknown\n"),
    }
    let mut t = table(width);
    t.set_header(MATCHED_HEADER);
    for m in &r.matched {
        t.add_row(matched_cells(m));
    }
    out.push_str(&format!("\n{} matched flow(s)\n{t}\n", r.matched.len()));
    for (label, list) in [("client", &r.unmatched_client), ("server", &r.unmatched_server)] {
        if !list.is_empty() {
            let v: Vec<String> =
                list.iter().map(|f| format!("stream {} {} → {}", f.stream, f.client, f.server)).collect();
            out.push_str(&format!("unmatched at the {label}: {}\n", v.join("; ")));
        }
    }
    for (i, f) in r.findings.iter().enumerate() {
        super::finding_text(&mut out, i, f);
    }
    for tl in &r.timelines {
        let mut t = table(width);
        t.set_header(["client frame", "client t (s)", "event", "server frame", "server t (s)", "note"]);
        for row in &tl.rows {
            let opt = |v: Option<u64>| v.map_or_else(|| "-".into(), |x| x.to_string());
            let tm = |v: Option<f64>| v.map_or_else(|| "-".into(), |x| format!("{x:.6}"));
            t.add_row(vec![
                opt(row.client_frame),
                tm(row.client_time),
                row.event.clone(),
                opt(row.server_frame),
                tm(row.server_time),
                row.note.clone(),
            ]);
        }
        out.push_str(&format!(
            "\nTimeline: client stream {} / server stream {} (server times on the client's clock)\n{t}\n",
            tl.client_stream, tl.server_stream
        ));
    }
    for (label, side) in [("client", &r.client), ("server", &r.server)] {
        if !side.findings.is_empty() {
            out.push_str(&format!("\n{label} capture alone:\n"));
            for f in &side.findings {
                out.push_str(&format!("  {} {}: {}\n", f.severity.as_str(), f.detector, escape_control(&f.summary)));
            }
        }
    }
    out
}
