//! The `analyze` report: verdict, capture, findings (with evidence and filters), streams.
//!
//! JSON contract (versioned by `schema_version`, described in docs/JSON.md): top level
//! `{"schema_version", "capture", "verdict", "verdict_message", "findings", "streams",
//! "timelines"}`.

use serde::Serialize;

use super::flows::{FlowsReport, StreamRow};
use crate::detect::{Finding, Severity};
use crate::engine::Analysis;
use crate::i18n::Message;
use crate::summary::CaptureSummary;

/// 2: messages (keys and arguments) beside every text; the verdict always present.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeReport {
    pub schema_version: u32,
    pub capture: CaptureSummary,
    /// The most severe finding in one sentence, with its first recommendation (English).
    #[serde(serialize_with = "crate::i18n::english")]
    pub verdict: Message,
    #[serde(rename = "verdict_message")]
    #[serde(serialize_with = "as_message")]
    pub verdict_key: Message,
    pub findings: Vec<Finding>,
    pub streams: Vec<StreamRow>,
    /// Key frames of the streams behind the findings.
    pub timelines: Vec<super::timeline::Timeline>,
    /// The scope `--at`, `--from`/`--to`, `--host`/`--port` set, and the moment; null
    /// without them.
    pub focus: Option<crate::focus::FocusReport>,
}

fn as_message<S: serde::Serializer>(m: &Message, s: S) -> Result<S::Ok, S::Error> {
    m.serialize(s)
}

impl AnalyzeReport {
    pub fn new(a: &Analysis, findings: Vec<Finding>) -> Self {
        let mut flows = FlowsReport::new(a);
        flows.capture.show_health = !findings.iter().any(|f| f.severity >= Severity::Warning);
        let verdict = super::view::verdict(&findings);
        AnalyzeReport {
            schema_version: SCHEMA_VERSION,
            capture: flows.capture,
            verdict_key: verdict.clone(),
            verdict,
            findings,
            streams: flows.streams,
            timelines: Vec::new(),
            focus: None,
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
