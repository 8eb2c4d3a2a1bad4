//! The `flows` view: one row per TCP stream, like `tshark -q -z conv,tcp` but with
//! Wireshark's analysis counters and Zeek's connection vocabulary.
//!
//! The JSON form is a contract other tools read: `{"capture": {...}, "streams": [...]}` with
//! the field names below. Add fields; never rename or remove one.

use std::collections::BTreeMap;

use comfy_table::{Cell, CellAlignment, Table, presets};
use serde::Serialize;

use crate::capture::{CaptureInfo, LinkType};
use crate::decode::Anomaly;
use crate::engine::Analysis;
use crate::tcp::stream::Counters;

/// The `capture` object shared by every JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureSummary {
    pub file: String,
    pub format: String,
    pub gzip: bool,
    pub link_types: Vec<LinkType>,
    pub interfaces: usize,
    pub packets: u64,
    pub bytes: u64,
    pub first_ts: Option<f64>,
    pub last_ts: Option<f64>,
    pub duration_s: Option<f64>,
    pub tcp_streams: usize,
    pub interface_drops: Option<u64>,
    /// Decode anomalies by kind (ip-fragment, truncated-transport, ...).
    pub anomalies: BTreeMap<Anomaly, u64>,
    /// Damage to the file itself, as sentences.
    pub read_issues: Vec<String>,
    /// What bounded buffers had to let go of (see docs/LIMITS.md).
    pub limits: Limits,
    /// What the capture itself got wrong (copies, missing handshake packets, time going
    /// backwards): data that lowers confidence in the findings (docs/ACCURACY.md).
    pub quality: crate::engine::Quality,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Limits {
    pub reassembly_cap_bytes: usize,
    pub reassembly_dropped_bytes: u64,
    pub reassembly_gap_bytes: u64,
    pub malformed_dns: u64,
    /// Live TCP streams held at most, and how many stale ones were evicted to stay there.
    pub max_streams: usize,
    pub evicted_streams: u64,
    /// Closed streams let go of (complete when they went) to hold at most an eighth of
    /// `max_streams` of them.
    pub released_closed_streams: u64,
}

impl CaptureSummary {
    pub fn from_analysis(a: &crate::engine::Analysis) -> Self {
        let gone = a.evicted_streams.saturating_add(a.released_streams);
        let seen = a.conversations.len().saturating_add(usize::try_from(gone).unwrap_or(usize::MAX));
        let mut c = Self::new(&a.capture, &a.anomalies, seen);
        c.limits = Limits {
            reassembly_cap_bytes: a.reassembly_cap,
            reassembly_dropped_bytes: a.reassembly_dropped_bytes,
            reassembly_gap_bytes: a.reassembly_gap_bytes,
            malformed_dns: a.malformed_dns,
            max_streams: a.max_streams,
            evicted_streams: a.evicted_streams,
            released_closed_streams: a.released_streams,
        };
        c.quality = a.quality;
        c
    }

    pub fn new(info: &CaptureInfo, anomalies: &BTreeMap<Anomaly, u64>, tcp_streams: usize) -> Self {
        let first = info.first_ts.map(|t| t.as_secs_f64());
        let last = info.last_ts.map(|t| t.as_secs_f64());
        CaptureSummary {
            file: info.file.clone(),
            format: info.format.map_or_else(|| "unknown".into(), |f| f.to_string()),
            gzip: info.gzip,
            link_types: info.link_types.clone(),
            interfaces: info.interfaces,
            packets: info.packets,
            bytes: info.bytes_read,
            first_ts: first,
            last_ts: last,
            duration_s: first.zip(last).map(|(a, b)| ((b - a) * 1e6).round() / 1e6),
            tcp_streams,
            interface_drops: info.interface_drops,
            anomalies: anomalies.iter().filter(|(a, _)| **a != Anomaly::NotIp).map(|(a, n)| (*a, *n)).collect(),
            read_issues: info.issues.iter().map(|i| i.to_string()).collect(),
            limits: Limits::default(),
            quality: crate::engine::Quality::default(),
        }
    }
}

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
                    client: s.client().to_string(),
                    server: s.server().to_string(),
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

    pub fn to_table(&self, width: Option<u16>) -> String {
        let mut t = Table::new();
        t.load_style(presets::UTF8_HORIZONTAL_ONLY);
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        if let Some(w) = width {
            t.set_width(w);
        }
        t.set_header([
            "stream", "client", "server", "frames", "pkts", "bytes", "dur s", "state", "history", "rtt ms", "retx",
            "fast", "spur", "ooo", "dupack", "lost", "0win", "ka",
        ]);
        for r in &self.streams {
            let c = &r.counters;
            let num = |n: u64| Cell::new(n).set_alignment(CellAlignment::Right);
            t.add_row(vec![
                num(u64::from(r.stream)),
                Cell::new(&r.client),
                Cell::new(&r.server),
                Cell::new(format!("{}-{}", r.first_frame, r.last_frame)),
                num(r.packets),
                num(r.bytes),
                Cell::new(format!("{:.3}", r.end - r.start)).set_alignment(CellAlignment::Right),
                Cell::new(r.conn_state),
                Cell::new(&r.history),
                Cell::new(r.rtt_ms.map_or_else(|| "-".into(), |v| format!("{v:.3}")))
                    .set_alignment(CellAlignment::Right),
                num(c.retransmissions),
                num(c.fast_retransmissions),
                num(c.spurious_retransmissions),
                num(c.out_of_order),
                num(c.dup_acks),
                num(c.lost_segments),
                num(c.zero_windows),
                num(c.keep_alives),
            ]);
        }
        let mut out = capture_lines(&self.capture);
        out.push_str(&t.to_string());
        out.push('\n');
        out
    }
}

/// A few lines describing the capture, for terminal output.
pub fn capture_lines(c: &CaptureSummary) -> String {
    let links: Vec<String> = c.link_types.iter().map(|l| l.name()).collect();
    let mut s = format!(
        "{}: {}{}, {} packets, {} TCP streams, {:.3} s, link {}\n",
        c.file,
        c.format,
        if c.gzip { " (gzip)" } else { "" },
        c.packets,
        c.tcp_streams,
        c.duration_s.unwrap_or(0.0),
        if links.is_empty() { "-".into() } else { links.join(",") },
    );
    for issue in &c.read_issues {
        s.push_str(&format!("warning: {issue}\n"));
    }
    if c.limits.reassembly_dropped_bytes > 0 {
        s.push_str(&format!(
            "note: {} out-of-order bytes were not reassembled (cap {} bytes per direction)\n",
            c.limits.reassembly_dropped_bytes, c.limits.reassembly_cap_bytes
        ));
    }
    if c.limits.evicted_streams > 0 {
        s.push_str(&format!(
            "note: {} stale TCP streams were evicted to keep at most {} in memory (--max-streams); their findings were made at eviction, and a 4-tuple seen again after it gets a new stream number\n",
            c.limits.evicted_streams, c.limits.max_streams
        ));
    }
    if c.limits.released_closed_streams > 0 {
        s.push_str(&format!(
            "note: {} closed TCP streams were let go of once complete, to hold at most {} of them; their findings were made as they closed\n",
            c.limits.released_closed_streams,
            c.limits.max_streams / 8
        ));
    }
    for note in quality_notes(&c.quality) {
        s.push_str(&format!("capture quality: {note}\n"));
    }
    if !c.anomalies.is_empty() {
        let parts: Vec<String> = c.anomalies.iter().map(|(k, v)| format!("{v} {}", anomaly_name(*k))).collect();
        s.push_str(&format!("anomalies: {}\n", parts.join(", ")));
    }
    s
}

/// The capture-quality counts as sentences, for every text format.
pub fn quality_notes(q: &crate::engine::Quality) -> Vec<String> {
    let mut v = Vec::new();
    if q.duplicate_frames > 0 {
        v.push(format!(
            "{} TCP {} captured more than once (same IP ID, sequence and payload, moments apart: a mirror port or a capture on a bridge and its member); the copies are not counted as retransmissions",
            q.duplicate_frames,
            if q.duplicate_frames == 1 { "frame was" } else { "frames were" }
        ));
    }
    if q.missing_synack > 0 {
        v.push(format!(
            "{} {} answered with data, but {} SYN/ACK is missing from the capture (packets were lost by the capture, not the network)",
            q.missing_synack,
            if q.missing_synack == 1 { "connection was" } else { "connections were" },
            if q.missing_synack == 1 { "its" } else { "their" }
        ));
    }
    if q.timestamps_backwards > 0 {
        v.push(format!(
            "{} {} an earlier timestamp than the frame before (merged or reordered capture); gaps and rates near them are approximate",
            q.timestamps_backwards,
            if q.timestamps_backwards == 1 { "frame has" } else { "frames have" }
        ));
    }
    v
}

pub fn anomaly_name(a: Anomaly) -> &'static str {
    match a {
        Anomaly::UnsupportedLink => "frames on an unsupported link type",
        Anomaly::NotIp => "non-IP frames",
        Anomaly::BadIpHeader => "bad IP headers",
        Anomaly::IpFragment => "IP fragments",
        Anomaly::TruncatedTransport => "truncated transport headers",
        Anomaly::BadTcpHeaderLength => "bad TCP header lengths",
    }
}
