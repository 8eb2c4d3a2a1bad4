//! The `analyze` report: verdict, capture, findings (with evidence and filters), streams.
//!
//! JSON contract (versioned by `schema_version`, described in docs/JSON.md): top level
//! `{"schema_version", "capture", "verdict", "findings", "streams"}`.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::escape_control;
use super::flows::{CaptureSummary, FlowsReport, StreamRow, capture_lines};
use crate::detect::{Finding, Severity};
use crate::engine::Analysis;
use crate::text::Texts;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeReport {
    pub schema_version: u32,
    pub capture: CaptureSummary,
    /// The most severe finding in one sentence, with its first recommendation.
    pub verdict: Option<String>,
    pub findings: Vec<Finding>,
    pub streams: Vec<StreamRow>,
    /// Key frames of the streams behind the findings.
    pub timelines: Vec<super::timeline::Timeline>,
}

impl AnalyzeReport {
    pub fn new(a: &Analysis, findings: Vec<Finding>, t: &Texts) -> Self {
        let flows = FlowsReport::new(a);
        let verdict = verdict(&findings, t);
        AnalyzeReport {
            schema_version: SCHEMA_VERSION,
            capture: flows.capture,
            verdict,
            findings,
            streams: flows.streams,
            timelines: Vec::new(),
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn to_table(&self, width: Option<u16>, color: bool) -> String {
        let mut out = String::new();
        if let Some(v) = &self.verdict {
            out.push_str(&format!("Verdict: {}\n\n", escape_control(v)));
        } else {
            out.push_str("Verdict: no problems found.\n\n");
        }
        out.push_str(&capture_lines(&self.capture));
        if self.findings.is_empty() {
            return out;
        }
        let mut t = Table::new();
        t.load_style(presets::UTF8_HORIZONTAL_ONLY);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(w) = width {
            t.set_width(w);
        }
        if !color {
            t.force_no_tty();
        }
        t.set_header(["severity", "detector", "stream", "frames", "summary"]);
        for f in &self.findings {
            let sev = Cell::new(f.severity.as_str());
            let sev = if color {
                sev.fg(match f.severity {
                    Severity::Error => Color::Red,
                    Severity::Warning => Color::Yellow,
                    Severity::Info => Color::Blue,
                })
            } else {
                sev
            };
            let frames: Vec<String> = f.frames.iter().take(6).map(|n| n.to_string()).collect();
            t.add_row(vec![
                sev,
                Cell::new(f.detector),
                Cell::new(f.stream.map_or_else(|| "-".into(), |s| s.to_string())),
                Cell::new(frames.join(" ")),
                Cell::new(escape_control(&f.summary)),
            ]);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
        for (i, f) in self.findings.iter().enumerate() {
            super::finding_text(&mut out, i, f);
        }
        out
    }
}

fn verdict(findings: &[Finding], t: &Texts) -> Option<String> {
    let worst = findings.iter().max_by(|a, b| a.severity.cmp(&b.severity).then(b.time.total_cmp(&a.time)))?;
    if worst.severity == Severity::Info {
        return Some(t.get("ui.no_problems", &[]));
    }
    let rec = worst.recommendations.first().map(|r| format!(" {}: {r}", t.get("ui.fix", &[]))).unwrap_or_default();
    Some(format!("{}.{}", worst.summary.trim_end_matches('.'), rec))
}
