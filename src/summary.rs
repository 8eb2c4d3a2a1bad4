//! The capture summary: the `capture` object of every report (analyze, compare, flows), built
//! from an [`Analysis`](crate::engine::Analysis). It sits outside `report` so that `compare`
//! can carry it without depending on the report stage.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::capture::{CaptureInfo, LinkType};
use crate::decode::Anomaly;

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
    /// Tunnels the frames came through: `{kind, outer_src, outer_dst, frames}` per endpoint
    /// pair (a VXLAN or GRE mirror session, an IP-in-IP tunnel); the findings are about the
    /// inner packets.
    pub tunnels: Vec<TunnelRow>,
    /// Decode anomalies by kind (ip-fragment, truncated-transport, ...).
    pub anomalies: BTreeMap<Anomaly, u64>,
    /// Damage to the file itself, as sentences.
    pub read_issues: Vec<String>,
    /// The same, as messages, for the report's language.
    #[serde(skip)]
    pub read_issue_messages: Vec<crate::i18n::Message>,
    /// What bounded buffers had to let go of (see docs/LIMITS.md).
    pub limits: Limits,
    /// What the capture itself got wrong (copies, missing handshake packets, time going
    /// backwards): data that lowers confidence in the findings (docs/ACCURACY.md).
    pub quality: crate::engine::Quality,
    /// When several files were read as one: each file (`file`, `packets`, `first_ts`,
    /// `last_ts`), in time order; empty for one file.
    pub files: Vec<crate::capture::FileSpan>,
    /// The files' time spans overlap: merged packet by packet (several interfaces or hosts).
    pub files_overlap: bool,
    /// What was seen working: connections, handshake times, DNS, TLS, HTTP (`analyze`;
    /// null in `flows`).
    pub health: Option<crate::health::Health>,
    /// The text formats list `health` (a report with no warning or error: what was checked).
    #[serde(skip)]
    pub show_health: bool,
    /// `--at`, `--from`/`--to`, `--host`/`--port` as sentences (label key, text), for the text
    /// formats; JSON has them as the report's `focus`.
    #[serde(skip)]
    pub focus_lines: Vec<(&'static str, crate::i18n::Message)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TunnelRow {
    pub kind: crate::decode::TunnelKind,
    pub outer_src: String,
    pub outer_dst: String,
    pub frames: u64,
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
    /// Detector tables that reached their bound: the heaviest keys were kept, and the
    /// count and weight of the lighter ones let go of are here.
    pub detectors: Vec<crate::detect::bounded::DetectorCap>,
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
            detectors: a.detector_caps.clone(),
        };
        c.quality = a.quality.clone();
        c.health.clone_from(&a.health);
        c.tunnels = a
            .tunnels
            .iter()
            .map(|((kind, src, dst), n)| TunnelRow {
                kind: *kind,
                outer_src: src.to_string(),
                outer_dst: dst.to_string(),
                frames: *n,
            })
            .collect();
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
            read_issue_messages: info.issues.iter().map(|i| i.message()).collect(),
            limits: Limits::default(),
            tunnels: Vec::new(),
            quality: crate::engine::Quality::default(),
            files: info.files.clone(),
            files_overlap: info.files_overlap,
            health: None,
            show_health: false,
            focus_lines: Vec::new(),
        }
    }
}
