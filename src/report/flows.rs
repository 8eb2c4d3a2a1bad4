//! The `flows` view: one row per TCP stream, like `tshark -q -z conv,tcp` but with
//! Wireshark's analysis counters and Zeek's connection vocabulary.
//!
//! The JSON form is a contract other tools read: `{"capture": {...}, "streams": [...]}` with
//! the field names below. Add fields; never rename or remove one.

use serde::Serialize;

use crate::engine::Analysis;
pub use crate::summary::CaptureSummary;
use crate::tcp::stream::Counters;

/// One row of `pcapdoc flows`.
#[derive(Debug, Clone, Serialize)]
pub struct StreamRow {
    pub stream: u32,
    /// "ip:port" of the SYN sender.
    pub client: String,
    pub server: String,
    pub first_frame: u64,
    pub last_frame: u64,
    pub packets: u64,
    pub bytes: u64,
    pub start: f64,
    pub end: f64,
    pub conn_state: &'static str,
    pub history: String,
    pub rtt_ms: Option<f64>,
    #[serde(flatten)]
    pub counters: Counters,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowsReport {
    pub capture: CaptureSummary,
    pub streams: Vec<StreamRow>,
}

impl FlowsReport {
    pub fn new(a: &Analysis) -> Self {
        let streams = a
            .conversations
            .iter()
            .map(|c| {
                let s = &c.summary;
                StreamRow {
                    stream: s.stream,
                    client: crate::detect::ep(s.client()),
                    server: crate::detect::ep(s.server()),
                    first_frame: s.first_frame,
                    last_frame: s.last_frame,
                    packets: s.sides.iter().map(|d| d.packets).sum(),
                    bytes: s.sides.iter().map(|d| d.bytes).sum(),
                    start: s.start.as_secs_f64(),
                    end: s.end.as_secs_f64(),
                    conn_state: s.conn_state(),
                    history: s.history(),
                    rtt_ms: s.rtt_ns.map(|ns| (ns as f64 / 1e3).round() / 1e3),
                    counters: s.counters,
                }
            })
            .collect();
        FlowsReport { capture: CaptureSummary::from_analysis(a), streams }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
