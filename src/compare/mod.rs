//! `compare`: lines up a capture taken at the client with one taken at the server.
//!
//! Steps, each a function below:
//! 1. [`collect`] every TCP packet of both captures, per stream, oriented client → server,
//!    with sequence numbers relative to each direction's ISN, a hash of the payload's first
//!    bytes, TTL and IP ID.
//! 2. [`match_flows`]: NAT may rewrite addresses and ports (SNAT, DNAT, full NAT), so flows
//!    are matched by what survives: the client's ISN, the sizes and payload hashes of the
//!    first data segments, and, once the clock offset is known, start times. One to one,
//!    best score first. A layer-7 proxy terminates TCP; there only payloads can match.
//! 3. [`clock_offset`] from matched packets: the minimum one-way "delay" each way is
//!    delay + offset and delay − offset; their midpoint is the offset, half their spread its
//!    uncertainty.
//! 4. [`diff_flow`]: packets one side sent that the other never saw, located by direction
//!    (which leg lost them), RSTs and FINs that the supposed sender never sent (a middlebox
//!    made them), requests that never reached the server, retransmissions seen at one end,
//!    and TTL outliers.

use crate::HashMap;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Serialize;

use crate::capture::{CaptureReader, Timestamp};
use crate::decode::{Frame, Tcp, TcpFlags};
use crate::detect::{self, Config, Finding, Severity};
use crate::engine::{Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::Message;
use crate::msg;
use crate::summary::CaptureSummary;

/// One TCP packet, as compare needs it.
#[derive(Debug, Clone, Copy)]
pub struct Pkt {
    pub frame: u64,
    pub ts: Timestamp,
    /// true: sent by the client (the SYN sender).
    pub c2s: bool,
    pub rel_seq: u32,
    pub rel_ack: u32,
    pub flags: TcpFlags,
    pub len: u32,
    pub hash: u64,
    pub ttl: u8,
    pub ip_id: Option<u16>,
    pub retx: bool,
}

/// Packets kept per capture, at most. Compare is for targeted captures of one problem;
/// beyond this, later packets are not compared (and the report says so).
pub const MAX_PACKETS: usize = 2_000_000;

#[derive(Debug, Default)]
struct Collector {
    streams: BTreeMap<u32, Vec<Pkt>>,
    /// The client's raw ISN per stream, from its first SYN.
    isn: BTreeMap<u32, u32>,
    /// Streams an ICMP error answered (its frame), bounded like the packets.
    icmp: BTreeMap<u32, u64>,
    kept: usize,
    dropped: u64,
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes.iter().take(64) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Observer for Collector {
    fn on_quoted_tcp(&mut self, f: &Frame<'_>, stream: Option<u32>) {
        if let Some(s) = stream {
            if self.icmp.len() < MAX_PACKETS {
                self.icmp.entry(s).or_insert(f.frame);
            }
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if self.kept >= MAX_PACKETS {
            self.dropped += 1;
            return;
        }
        let dir = i.placement.dir;
        let p = Pkt {
            frame: f.frame,
            ts: f.ts,
            c2s: dir == c.summary.client_side(),
            rel_seq: c.relative_seq(dir, t.seq),
            rel_ack: if t.flags.ack() { c.relative_seq(1 - dir, t.ack) } else { 0 },
            flags: t.flags,
            len: t.seglen.unwrap_or(0),
            hash: fnv(t.payload),
            ttl: f.ip.map_or(0, |ip| ip.ttl),
            ip_id: f.ip.and_then(|ip| ip.ip_id),
            retx: i.analysis.is_some_and(|a| a.is_any_retransmission()),
        };
        if t.flags.syn() && !t.flags.ack() {
            self.isn.entry(i.placement.stream).or_insert(t.seq);
        }
        self.streams.entry(i.placement.stream).or_default().push(p);
        self.kept += 1;
    }
}

/// What compare keeps of a stream's summary: who talked to whom, and when it started.
#[derive(Debug, Clone, Copy)]
pub struct StreamInfo {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub start: Timestamp,
}

/// One side's capture: its summary, per-stream packets and endpoints, and its own findings.
/// The engine's per-stream state is let go once the capture is read, so two sides of
/// 100,000 connections each fit in memory (docs/PERFORMANCE.md).
pub struct Side {
    pub summary: CaptureSummary,
    pub info: BTreeMap<u32, StreamInfo>,
    pub streams: BTreeMap<u32, Vec<Pkt>>,
    pub isn: BTreeMap<u32, u32>,
    /// Streams an ICMP error answered, and the error's frame.
    pub icmp: BTreeMap<u32, u64>,
    pub findings: Vec<Finding>,
    pub dropped: u64,
}

/// Runs the engine (and the analyze detectors) over one capture, keeping packets.
pub fn collect(reader: CaptureReader, config: &Config) -> Side {
    let mut col = Collector::default();
    let (analysis, findings) = detect::run_with(reader, config, &[], &mut col);
    let summary = CaptureSummary::from_analysis(&analysis);
    let info = analysis
        .conversations
        .iter()
        .map(|c| {
            let s = &c.summary;
            (s.stream, StreamInfo { client: s.client(), server: s.server(), start: s.start })
        })
        .collect();
    drop(analysis);
    let mut streams = col.streams;
    for v in streams.values_mut() {
        v.shrink_to_fit();
    }
    Side { summary, info, streams, isn: col.isn, icmp: col.icmp, findings, dropped: col.dropped }
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowRef {
    pub stream: u32,
    pub client: String,
    pub server: String,
    pub packets: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchedFlow {
    pub client_side: FlowRef,
    pub server_side: FlowRef,
    /// What the match rests on: "isn", "payload", "timing".
    pub basis: Vec<&'static str>,
    pub score: u32,
    /// Packets the client sent that never reached the server's capture.
    pub lost_client_to_server: usize,
    /// Packets the server sent that never reached the client's capture.
    pub lost_server_to_client: usize,
    /// Packets seen at the client as sent by the server, that the server never sent.
    pub injected_at_client: usize,
    pub injected_at_server: usize,
    pub retransmissions_client_capture: usize,
    pub retransmissions_server_capture: usize,
}

fn flow_ref(side: &Side, stream: u32) -> FlowRef {
    let info = side.info.get(&stream);
    FlowRef {
        stream,
        client: info.map_or_else(String::new, |i| i.client.to_string()),
        server: info.map_or_else(String::new, |i| i.server.to_string()),
        packets: side.streams.get(&stream).map_or(0, Vec::len),
    }
}

/// The first data segments' (direction, length, hash): what survives any NAT.
type Print = (bool, u32, u64);

/// Data segments of a flow's fingerprint.
const PRINT_LEN: usize = 8;

fn fingerprint(pkts: &[Pkt]) -> Vec<Print> {
    pkts.iter().filter(|p| p.len > 0 && !p.retx).take(PRINT_LEN).map(|p| (p.c2s, p.len, p.hash)).collect()
}

/// What matching needs of one flow, computed once per flow (not once per pair).
struct FlowKey {
    stream: u32,
    isn: Option<u32>,
    print: Vec<Print>,
    server_port: Option<u16>,
    start: i64,
}

fn flow_keys(side: &Side) -> Vec<FlowKey> {
    side.streams
        .iter()
        .map(|(&stream, pkts)| {
            let info = side.info.get(&stream);
            FlowKey {
                stream,
                isn: side.isn.get(&stream).copied(),
                print: fingerprint(pkts),
                server_port: info.map(|i| i.server.port()),
                start: info.map_or_else(|| pkts.first().map_or(0, |p| p.ts.0), |i| i.start.0),
            }
        })
        .collect()
}

/// What a match rests on, as bits of [`BASES`] (a candidate list of millions of pairs
/// holds no allocation per pair).
type Basis = u8;
const BASES: [(Basis, &str); 3] = [(1, "isn"), (2, "payload"), (4, "timing")];

fn basis_names(b: Basis) -> Vec<&'static str> {
    BASES.iter().filter(|(bit, _)| b & bit != 0).map(|(_, n)| *n).collect()
}

/// Scores a pair of flows. Higher is more certain; 0 means "not the same flow".
fn score(a: &FlowKey, b: &FlowKey, offset: Option<i64>) -> (u32, Basis) {
    let mut score = 0;
    let mut basis = 0;
    // Full NAT rewrites addresses and ports but not sequence numbers; a SYN proxy or an L7
    // proxy changes the ISN too, and then only payload can tell.
    if a.isn.is_some() && a.isn == b.isn {
        score += 10;
        basis |= 1;
    }
    let same = a.print.iter().zip(b.print.iter()).take_while(|(x, y)| x == y).count() as u32;
    if same > 0 {
        score += 3 * same;
        basis |= 2;
    }
    if a.server_port.is_some() && a.server_port == b.server_port {
        score += 1;
    }
    if let Some(off) = offset {
        let dt = (b.start - off - a.start).abs();
        if dt < TIMING_NS {
            score += 2;
            basis |= 4;
        }
        // Among look-alikes (a proxy's identical requests), the one that started at the
        // same moment.
        if dt < CLOSE_NS {
            score += 1;
        }
    }
    (score, basis)
}

/// Start times closer than this (after the clock offset) count as "the same moment", and
/// closer than [`CLOSE_NS`] as the same connection among look-alikes.
const TIMING_NS: i64 = 2_000_000_000;
const CLOSE_NS: i64 = 50_000_000;
/// Flows sharing a first data segment that are scored against each other without a time
/// window (ab's 20,000 identical requests share one): beyond this, the nearest in time (or,
/// before the offset is known, in order) are.
const BUCKET_ALL: usize = 32;
const BUCKET_NEAREST: usize = 16;

/// (client stream, server stream, score, basis)
pub type Match = (u32, u32, u32, Vec<&'static str>);

/// Matches flows one to one, best score first. Needs a score of at least 4: an ISN match,
/// or two payload matches, or a payload match plus timing.
///
/// A pair can reach 4 only if it shares the client's ISN or its first data segment, so
/// candidates come from two indexes (ISN, first segment) instead of every pair: near linear
/// in the number of flows. A large group of flows with the same first segment is narrowed
/// to the server flows nearest in start time once the clock offset is known, and to those
/// nearest in order before it is (both captures number streams in time order).
pub fn match_flows(c: &Side, s: &Side, offset: Option<i64>) -> Vec<Match> {
    match_keys(&flow_keys(c), &flow_keys(s), offset)
}

/// [`match_flows`] on keys computed once (compare matches twice: before and after the
/// clock offset is known).
fn match_keys(ck: &[FlowKey], sk: &[FlowKey], offset: Option<i64>) -> Vec<Match> {
    let mut by_isn: HashMap<u32, Vec<usize>> = HashMap::default();
    let mut by_print: HashMap<Print, Vec<usize>> = HashMap::default();
    for (i, k) in sk.iter().enumerate() {
        if let Some(isn) = k.isn {
            by_isn.entry(isn).or_default().push(i);
        }
        if let Some(p) = k.print.first() {
            by_print.entry(*p).or_default().push(i);
        }
    }
    // Each group in stream order (`sk` is), for the rank window, and in start-time order,
    // for the time window.
    let by_print_order = by_print.clone();
    for v in by_print.values_mut() {
        v.sort_by_key(|&i| sk.get(i).map_or(0, |k| k.start));
    }
    // The client flows of each group, in order, for the rank window before the offset.
    let mut client_rank: HashMap<Print, usize> = HashMap::default();
    let mut cands = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    for a in ck {
        seen.clear();
        if let Some(v) = a.isn.and_then(|isn| by_isn.get(&isn)) {
            seen.extend(v.iter().copied());
        }
        // A flow whose ISN the other capture has is that flow (full NAT keeps ISNs; two
        // flows with one 32-bit ISN in both captures are a chance the ranking below breaks
        // anyway): the payload groups are for flows whose ISN a proxy changed.
        let my_rank = a.print.first().map_or(0, |p| {
            let rank = client_rank.entry(*p).or_default();
            *rank += 1;
            *rank - 1
        });
        if let Some(p) = a.print.first().filter(|_| seen.is_empty()) {
            if let Some(v) = by_print.get(p) {
                if v.len() <= BUCKET_ALL {
                    seen.extend(v.iter().copied());
                } else if let Some(off) = offset {
                    let at = v.partition_point(|&i| sk.get(i).map_or(0, |k| k.start - off) < a.start - TIMING_NS);
                    seen.extend(
                        v.iter()
                            .skip(at)
                            .take_while(|&&i| sk.get(i).is_some_and(|k| k.start - off <= a.start + TIMING_NS))
                            .take(4 * BUCKET_NEAREST)
                            .copied(),
                    );
                } else if let Some(order) = by_print_order.get(p) {
                    let lo = my_rank.saturating_sub(BUCKET_NEAREST);
                    seen.extend(order.iter().skip(lo).take(2 * BUCKET_NEAREST).copied());
                }
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for &j in &seen {
            let Some(b) = sk.get(j) else { continue };
            let (sc, basis) = score(a, b, offset);
            if sc >= 4 {
                cands.push((sc, a.stream, b.stream, basis));
            }
        }
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_c = crate::HashSet::default();
    let mut used_s = crate::HashSet::default();
    let mut out = Vec::new();
    for (sc, cs, ss, basis) in cands {
        if used_c.contains(&cs) || used_s.contains(&ss) {
            continue;
        }
        used_c.insert(cs);
        used_s.insert(ss);
        out.push((cs, ss, sc, basis_names(basis)));
    }
    out.sort_by_key(|m| m.0);
    out
}

/// Identity of a packet across the two captures.
fn key(p: &Pkt) -> (bool, u32, u32, u16, u32, u64) {
    (p.c2s, p.rel_seq, p.rel_ack, p.flags.0 & 0x01f, p.len, p.hash)
}

/// Pairs the packets of two views of one flow: (client index, server index).
fn align(cp: &[Pkt], sp: &[Pkt]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut by_key: HashMap<_, Vec<usize>> = HashMap::default();
    for (i, p) in sp.iter().enumerate() {
        by_key.entry(key(p)).or_default().push(i);
    }
    for v in by_key.values_mut() {
        v.reverse();
    }
    let mut seen_s = vec![false; sp.len()];
    let mut pairs = Vec::with_capacity(cp.len() + sp.len());
    for (i, p) in cp.iter().enumerate() {
        let j = by_key.get_mut(&key(p)).and_then(Vec::pop);
        if let Some(j) = j {
            if let Some(s) = seen_s.get_mut(j) {
                *s = true;
            }
        }
        pairs.push((Some(i), j));
    }
    for (j, seen) in seen_s.iter().enumerate() {
        if !seen {
            pairs.push((None, Some(j)));
        }
    }
    pairs
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Offset {
    /// Server clock minus client clock, in milliseconds.
    pub offset_ms: f64,
    pub uncertainty_ms: f64,
    pub client_to_server_delay_ms: f64,
    pub server_to_client_delay_ms: f64,
    pub samples: usize,
}

/// Matched flows whose packets estimate the clock: the minimum one-way delay is found long
/// before this many, and a busy pair has hundreds of thousands.
const CLOCK_FLOWS: usize = 5_000;

/// Estimates the clock offset from aligned packets of matched flows.
pub fn clock_offset(c: &Side, s: &Side, matches: &[Match]) -> Option<Offset> {
    let mut min_cs: Option<i64> = None; // t_server - t_client for client → server packets
    let mut max_sc: Option<i64> = None; // t_server - t_client for server → client packets
    let mut samples = 0;
    for (cs, ss, _, _) in matches.iter().take(CLOCK_FLOWS) {
        let (Some(cp), Some(sp)) = (c.streams.get(cs), s.streams.get(ss)) else { continue };
        for (i, j) in align(cp, sp) {
            let (Some(a), Some(b)) = (i.and_then(|i| cp.get(i)), j.and_then(|j| sp.get(j))) else { continue };
            let d = b.ts.since(a.ts);
            samples += 1;
            if a.c2s {
                min_cs = Some(min_cs.map_or(d, |m| m.min(d)));
            } else {
                max_sc = Some(max_sc.map_or(d, |m| m.max(d)));
            }
        }
    }
    let (lo, hi) = match (min_cs, max_sc) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) | (None, Some(a)) => (a, a),
        (None, None) => return None,
    };
    let offset = (lo + hi) as f64 / 2.0;
    let ms = |ns: f64| (ns / 1e3).round() / 1e3;
    Some(Offset {
        offset_ms: ms(offset),
        uncertainty_ms: ms(((lo - hi) as f64 / 2.0).abs()),
        client_to_server_delay_ms: ms(lo as f64 - offset),
        server_to_client_delay_ms: ms(offset - hi as f64),
        samples,
    })
}

/// What went wrong in one matched flow, with the packets that show it.
#[derive(Debug, Default)]
pub struct FlowDiff {
    pub lost_c2s: Vec<Pkt>,
    pub lost_s2c: Vec<Pkt>,
    /// Seen at the client as coming from the server, never sent by the server.
    pub injected_at_client: Vec<Pkt>,
    /// Seen at the server as coming from the client, never sent by the client.
    pub injected_at_server: Vec<Pkt>,
    pub retx_client: usize,
    pub retx_server: usize,
    /// (client packet, server packet) pairs, for timelines.
    pub pairs: Vec<(Option<Pkt>, Option<Pkt>)>,
}

/// Which packets of a flow one capture has and the other lacks.
pub fn diff_flow(cp: &[Pkt], sp: &[Pkt]) -> FlowDiff {
    let mut d = FlowDiff::default();
    let (c_end, s_end) = (cp.last().map(|p| p.ts), sp.last().map(|p| p.ts));
    for (i, j) in align(cp, sp) {
        let (a, b) = (i.and_then(|i| cp.get(i)).copied(), j.and_then(|j| sp.get(j)).copied());
        match (a, b) {
            (Some(a), None) if a.c2s => d.lost_c2s.push(a),
            (Some(a), None) => d.injected_at_client.push(a),
            (None, Some(b)) if b.c2s => d.injected_at_server.push(b),
            (None, Some(b)) => d.lost_s2c.push(b),
            _ => {}
        }
        d.pairs.push((a, b));
    }
    // Packets after the other capture's last packet may only mean it stopped looking; they
    // count as lost only when the path answered them (a RST or FIN made on the path later).
    let answered_at = |injected: &[Pkt]| injected.iter().map(|p| p.ts.0).max();
    if let (Some(end), None) = (s_end, answered_at(&d.injected_at_client)) {
        d.lost_c2s.retain(|p| p.ts.0 <= end.0 + 1_000_000_000);
    }
    if let (Some(end), None) = (c_end, answered_at(&d.injected_at_server)) {
        d.lost_s2c.retain(|p| p.ts.0 <= end.0 + 1_000_000_000);
    }
    d.retx_client = cp.iter().filter(|p| p.retx).count();
    d.retx_server = sp.iter().filter(|p| p.retx).count();
    d
}

/// One row of a side-by-side timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineRow {
    pub client_frame: Option<u64>,
    /// Seconds since the flow's first packet, on the client's clock.
    pub client_time: Option<f64>,
    pub event: String,
    pub server_frame: Option<u64>,
    /// Seconds since the flow's first packet, on the client's clock (offset removed).
    pub server_time: Option<f64>,
    #[serde(serialize_with = "crate::i18n::english")]
    pub note: Message,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub client_stream: u32,
    pub server_stream: u32,
    pub rows: Vec<TimelineRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideReport {
    pub capture: CaptureSummary,
    /// What `analyze` finds in this capture alone.
    pub findings: Vec<Finding>,
    /// Packets not compared because the capture exceeded the compare limit.
    pub packets_not_compared: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    pub schema_version: u32,
    pub client: SideReport,
    pub server: SideReport,
    /// Server clock minus client clock.
    pub clock_offset_ms: Option<f64>,
    pub clock: Option<Offset>,
    /// Flows found in both captures.
    pub matched_total: usize,
    /// Of those, the ones whose two views agree packet for packet (not listed unless
    /// `--all`).
    pub matched_agreeing: usize,
    /// The matched flows with a difference (lost or made on the path); every matched flow
    /// with `--all`.
    pub matched: Vec<MatchedFlow>,
    pub unmatched_client: Vec<FlowRef>,
    pub unmatched_server: Vec<FlowRef>,
    pub findings: Vec<Finding>,
    pub timelines: Vec<Timeline>,
}

fn describe(p: &Pkt) -> String {
    let arrow = if p.c2s { "→" } else { "←" };
    let mut s = format!("{arrow} {}", p.flags.describe());
    if p.len > 0 {
        s.push_str(&format!(" len {}", p.len));
    }
    s.push_str(&format!(" seq {}", p.rel_seq));
    s
}

const TIMELINE_ROWS: usize = 60;

fn timeline(cs: u32, ss: u32, d: &FlowDiff, offset_ns: i64) -> Timeline {
    let start =
        d.pairs.iter().filter_map(|(a, b)| a.map(|p| p.ts.0).or(b.map(|p| p.ts.0 - offset_ns))).min().unwrap_or(0);
    let mut rows: Vec<(i64, TimelineRow)> = Vec::new();
    let interesting = |p: &Pkt| p.flags.syn() || p.flags.fin() || p.flags.rst() || p.len > 0;
    for (a, b) in &d.pairs {
        let any = a.or(*b);
        let Some(p) = any else { continue };
        let missing = a.is_none() || b.is_none();
        if !missing && !interesting(&p) {
            continue;
        }
        let note = match (a, b) {
            (Some(x), None) if x.c2s => Message::new("cmp-note-lost-c2s"),
            (Some(_), None) => Message::new("cmp-note-made-server"),
            (None, Some(x)) if x.c2s => Message::new("cmp-note-made-client"),
            (None, Some(_)) => Message::new("cmp-note-lost-s2c"),
            _ if p.retx => Message::new("cmp-note-retx"),
            _ => Message::new("empty"),
        };
        let t_c = a.map(|x| (x.ts.0 - start) as f64 / 1e9);
        let t_s = b.map(|x| (x.ts.0 - offset_ns - start) as f64 / 1e9);
        let order = a.map(|x| x.ts.0).or(b.map(|x| x.ts.0 - offset_ns)).unwrap_or(0);
        rows.push((
            order,
            TimelineRow {
                client_frame: a.map(|x| x.frame),
                client_time: t_c.map(|t| (t * 1e6).round() / 1e6),
                event: describe(&p),
                server_frame: b.map(|x| x.frame),
                server_time: t_s.map(|t| (t * 1e6).round() / 1e6),
                note,
            },
        ));
    }
    rows.sort_by_key(|(o, _)| *o);
    let mut out: Vec<TimelineRow> = rows.into_iter().map(|(_, r)| r).collect();
    if out.len() > TIMELINE_ROWS {
        // Keep the beginning and the end, where connections start and die.
        let tail = out.split_off(out.len() - TIMELINE_ROWS / 2);
        out.truncate(TIMELINE_ROWS / 2);
        out.push(TimelineRow {
            client_frame: None,
            client_time: None,
            event: "…".into(),
            server_frame: None,
            server_time: None,
            note: Message::new("ui-rows-left-out"),
        });
        out.extend(tail);
    }
    Timeline { client_stream: cs, server_stream: ss, rows: out }
}

/// Connections attempts per destination listed in a finding, at most.
const UNREACHED_LISTED: usize = 50;

/// Client flows the server capture never saw, to a destination the comparison shows is
/// the server's (another flow to the same address reached it; or, when nothing matched,
/// a port the server capture serves): one finding per destination endpoint, saying how the
/// path answered (a RST the server never sent, a SYN/ACK it never sent, or nothing).
fn unreached(c: &Side, s: &Side, matches: &[Match], unmatched: &[FlowRef]) -> Vec<Finding> {
    let via: crate::HashSet<std::net::IpAddr> =
        matches.iter().filter_map(|m| c.info.get(&m.0)).map(|i| i.server.ip()).collect();
    let server_ports: crate::HashSet<u16> = s.info.values().map(|i| i.server.port()).collect();
    // destination → (client flows, how the path answered the first)
    let mut groups: BTreeMap<SocketAddr, Vec<(u32, &Pkt, Answer)>> = BTreeMap::new();
    for u in unmatched {
        let (Some(info), Some(pkts)) = (c.info.get(&u.stream), c.streams.get(&u.stream)) else { continue };
        let ours =
            if via.is_empty() { server_ports.contains(&info.server.port()) } else { via.contains(&info.server.ip()) };
        // Only connection attempts: a flow the client capture joined midway has no SYN.
        let Some(first) = pkts.iter().find(|p| p.c2s && p.flags.syn() && !p.flags.ack()) else { continue };
        if !ours {
            continue;
        }
        let answer = if pkts.iter().any(|p| !p.c2s && p.flags.syn() && p.flags.ack()) {
            Answer::SynAck
        } else if pkts.iter().any(|p| !p.c2s && p.flags.rst()) {
            Answer::Rst
        } else if c.icmp.contains_key(&u.stream) {
            Answer::Icmp
        } else {
            Answer::Nothing
        };
        groups.entry(info.server).or_default().push((u.stream, first, answer));
    }
    let mut out = Vec::new();
    for (dst, flows) in groups {
        let Some(&(stream, first, answer)) = flows.first() else { continue };
        let key = match answer {
            Answer::Rst => "cmp-unreached-rst",
            Answer::SynAck => "cmp-unreached-synack",
            Answer::Icmp => "cmp-unreached-icmp",
            Answer::Nothing => "cmp-unreached-silent",
        };
        let mut f = Finding::new("never-reached-server", Severity::Error, Some(stream)).evidence(
            first.frame,
            first.ts,
            msg!("cmp-role-flow"),
        );
        let attempts = flows.len();
        f.summary =
            Message::new(key).arg("server", dst.to_string()).arg("port", dst.port().to_string()).arg("count", attempts);
        f.explanation = msg!("cmp-unreached-explanation", server = dst.to_string(), count = attempts);
        f.recommendations = vec![msg!("cmp-unreached-rec", port = dst.port().to_string())];
        let listed: Vec<u32> = flows.iter().take(UNREACHED_LISTED).map(|(s, _, _)| *s).collect();
        f.display_filter = detect::streams_filter(&listed);
        f.covers = flows.iter().map(|(s, _, _)| *s).collect();
        let how = match answer {
            Answer::Rst => "rst",
            Answer::SynAck => "syn-ack",
            Answer::Icmp => "icmp",
            Answer::Nothing => "none",
        };
        out.push(
            f.fact("capture", "client")
                .fact("destination", dst.to_string())
                .fact("attempts", attempts)
                .fact("path_answered", how)
                .seal(),
        );
    }
    out
}

/// How the path answered a SYN that never reached the server.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Rst,
    SynAck,
    Icmp,
    Nothing,
}

/// The ids of the findings only a comparison makes.
pub const FINDING_IDS: &[&str] = &["middlebox-rst", "middlebox-fin", "never-reached-server", "lost-on-path"];

/// The messages of those findings: `locales/<lang>/compare.ftl`.
pub const MESSAGES: &[&str] = &[
    "cmp-injected-idle-summary",
    "cmp-injected-summary",
    "cmp-injected-explanation",
    "cmp-ttl",
    "cmp-injected-rec",
    "cmp-injected-never",
    "cmp-never-summary",
    "cmp-never-explanation",
    "cmp-never-rec",
    "cmp-lost-summary",
    "cmp-lost-explanation",
    "cmp-lost-rec",
    "cmp-client",
    "cmp-server",
    "cmp-leg-c2s",
    "cmp-leg-s2c",
    "cmp-role-injected",
    "cmp-role-never",
    "cmp-role-lost",
    "cmp-role-flow",
    "cmp-unreached-rst",
    "cmp-unreached-synack",
    "cmp-unreached-silent",
    "cmp-unreached-icmp",
    "cmp-unreached-explanation",
    "cmp-unreached-rec",
    "cmp-note-lost-c2s",
    "cmp-note-made-server",
    "cmp-note-made-client",
    "cmp-note-lost-s2c",
    "cmp-note-retx",
];

/// How much a comparison lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompareOptions {
    /// List every matched flow, not only those with a difference.
    pub all: bool,
}

/// Compares a client-side and a server-side capture, listing the flows with a difference.
/// Why a device between the captures made a RST, as the capture that saw it tells: the
/// connection sat idle longer than the device keeps state (its own `idle-timeout` finding on
/// that stream).
struct IdleCause {
    idle_s: f64,
    idle: String,
    /// ", longer than Alibaba Cloud SLB (CLB) … (15 s)", from the timeout catalogue.
    how: Message,
    /// The idle-timeout finding's fixes (the catalogue's).
    fixes: Vec<Message>,
}

fn idle_cause(side: &Side, stream: u32, config: &Config) -> Option<IdleCause> {
    let g = side
        .findings
        .iter()
        .find(|g| g.detector == "idle-timeout" && (g.stream == Some(stream) || g.covers.contains(&stream)))?;
    let idle_s = g.facts.get("idle_s")?.as_f64()?;
    let (key, fits) = match (g.facts.get("matches"), g.facts.get("exceeds")) {
        (Some(k), _) => (k.as_str(), true),
        (None, Some(k)) => (k.as_str(), false),
        _ => (None, false),
    };
    let how = match key.and_then(|k| config.timeouts.entries.iter().find(|e| e.key == k)) {
        Some(e) => {
            let seconds =
                if e.seconds.fract() == 0.0 { format!("{:.0}", e.seconds) } else { format!("{:.2}", e.seconds) };
            msg!(if fits { "idle-match" } else { "idle-exceeds" }, name = e.name_local(), seconds = seconds)
        }
        None => msg!("idle-nomatch"),
    };
    Some(IdleCause { idle_s, idle: format!("{idle_s:.1}"), how, fixes: g.recommendations.clone() })
}

pub fn compare(client: CaptureReader, server: CaptureReader, config: &Config) -> CompareReport {
    compare_with(client, server, config, CompareOptions::default())
}

/// [`compare`], with its listing options.
pub fn compare_with(
    client: CaptureReader,
    server: CaptureReader,
    config: &Config,
    opts: CompareOptions,
) -> CompareReport {
    let c = collect(client, config);
    let s = collect(server, config);
    let (ck, sk) = (flow_keys(&c), flow_keys(&s));
    let first = match_keys(&ck, &sk, None);
    let off0 = clock_offset(&c, &s, &first);
    let matches = match_keys(&ck, &sk, off0.map(|o| (o.offset_ms * 1e6) as i64));
    drop((ck, sk));
    let clock = clock_offset(&c, &s, &matches).or(off0);
    let offset_ns = clock.map_or(0, |o| (o.offset_ms * 1e6) as i64);
    let mut matched = Vec::new();
    let (mut matched_total, mut agreeing) = (0, 0);
    let mut findings = Vec::new();
    let mut timelines = Vec::new();
    for (cs, ss, score, basis) in &matches {
        let (Some(cp), Some(sp)) = (c.streams.get(cs), s.streams.get(ss)) else { continue };
        let d = diff_flow(cp, sp);
        let mut problem = false;
        // Client data the server never saw at all (not even a retransmission of it).
        let server_seqs: std::collections::BTreeSet<u32> =
            sp.iter().filter(|p| p.c2s && p.len > 0).map(|p| p.rel_seq).collect();
        let never = d.lost_c2s.iter().find(|p| p.len > 0 && !server_seqs.contains(&p.rel_seq)).map(|p| {
            let tries = d.lost_c2s.iter().filter(|q| q.rel_seq == p.rel_seq && q.len > 0).count();
            (*p, tries)
        });
        let mut explained_never = false;
        // A RST or FIN one side saw "from" the other, which the other never sent.
        for (p, at_client) in
            d.injected_at_client.iter().map(|p| (p, true)).chain(d.injected_at_server.iter().map(|p| (p, false)))
        {
            if !(p.flags.rst() || p.flags.fin()) {
                continue;
            }
            problem = true;
            let kind = if p.flags.rst() { "RST" } else { "FIN" };
            let (here, sender, stream) =
                if at_client { ("cmp-client", "cmp-server", *cs) } else { ("cmp-server", "cmp-client", *ss) };
            let usual_ttl = {
                let pk = if at_client { cp } else { sp };
                let mut counts: HashMap<u8, usize> = HashMap::default();
                for q in pk.iter().filter(|q| q.c2s == p.c2s && q.frame != p.frame) {
                    *counts.entry(q.ttl).or_default() += 1;
                }
                counts.into_iter().max_by_key(|(_, n)| *n).map(|(t, _)| t)
            };
            let ttl_note = match usual_ttl {
                Some(u) if u != p.ttl => {
                    msg!("cmp-ttl", ttl = p.ttl, usual = u, sender = Message::new(sender))
                }
                _ => Message::new("empty"),
            };
            let mut f = Finding::new("middlebox-rst", Severity::Error, Some(stream)).evidence(
                p.frame,
                p.ts,
                msg!("cmp-role-injected", kind = kind, here = Message::new(here), sender = Message::new(sender)),
            );
            if kind == "FIN" {
                f.detector = "middlebox-fin";
            }
            f.summary = msg!(
                "cmp-injected-summary",
                kind = kind,
                here = Message::new(here),
                frame = p.frame,
                sender = Message::new(sender)
            );
            f.explanation =
                msg!("cmp-injected-explanation", kind = kind, sender = Message::new(sender), ttl = ttl_note);
            f.recommendations = vec![msg!("cmp-injected-rec")];
            // The capture that saw it may know why: a device's idle timeout.
            let seen_by = if at_client { &c } else { &s };
            if let Some(cause) = idle_cause(seen_by, stream, config) {
                f.summary = msg!(
                    "cmp-injected-idle-summary",
                    kind = kind,
                    here = Message::new(here),
                    frame = p.frame,
                    sender = Message::new(sender),
                    idle = cause.idle,
                    how = cause.how
                );
                f.recommendations.splice(0..0, cause.fixes);
                f = f.fact("idle_s", cause.idle_s);
            }
            // One problem, one finding: the request the path answered is part of this one.
            if let (true, Some((q, tries))) = (at_client, never) {
                if !explained_never {
                    explained_never = true;
                    f = f.evidence(q.frame, q.ts, msg!("cmp-role-never"));
                    f.explanation = Message::sentences(vec![
                        f.explanation,
                        msg!("cmp-injected-never", frame = q.frame, len = q.len, tries = tries),
                    ]);
                }
            }
            f.display_filter = format!("tcp.stream eq {stream} && frame.number == {}", p.frame);
            let capture = if at_client { "client" } else { "server" };
            findings.push(f.fact("capture", capture).fact("ttl", p.ttl).seal().show_cited());
        }
        if let (Some((p, tries)), false) = (never, explained_never) {
            problem = true;
            let mut f = Finding::new("never-reached-server", Severity::Error, Some(*cs)).evidence(
                p.frame,
                p.ts,
                msg!("cmp-role-never"),
            );
            f.summary = msg!("cmp-never-summary", frame = p.frame, len = p.len, tries = tries);
            f.explanation = msg!("cmp-never-explanation");
            f.recommendations = vec![msg!("cmp-never-rec")];
            f.display_filter = format!("tcp.stream eq {cs} && frame.number >= {}", p.frame);
            findings.push(f.fact("tries", tries).seal());
        }
        // Loss by leg.
        let sent_s2c = sp.iter().filter(|p| !p.c2s && p.len > 0).count();
        let sent_c2s = cp.iter().filter(|p| p.c2s && p.len > 0).count();
        for (lost, sent, leg, stream, side_retx) in [
            (d.lost_s2c.iter().filter(|p| p.len > 0).count(), sent_s2c, "server-to-client", *ss, d.retx_server),
            (d.lost_c2s.iter().filter(|p| p.len > 0).count(), sent_c2s, "client-to-server", *cs, d.retx_client),
        ] {
            if lost == 0 || sent == 0 {
                continue;
            }
            let ratio = lost as f64 / sent as f64;
            // One lost request is `never-reached-server`; a loss pattern needs a few.
            if lost < 3 {
                continue;
            }
            problem = true;
            let sev = if ratio >= 0.05 { Severity::Error } else { Severity::Warning };
            let lost_pkts = if leg.starts_with("server") { &d.lost_s2c } else { &d.lost_c2s };
            let leg_text = || Message::new(if leg.starts_with("server") { "cmp-leg-s2c" } else { "cmp-leg-c2s" });
            let mut f = Finding::new("lost-on-path", sev, Some(stream));
            for p in lost_pkts.iter().filter(|p| p.len > 0).take(3) {
                f = f.evidence(p.frame, p.ts, msg!("cmp-role-lost", leg = leg_text()));
            }
            f.summary = msg!(
                "cmp-lost-summary",
                lost = lost,
                sent = sent,
                pct = format!("{:.1}", ratio * 100.0),
                leg = leg_text()
            );
            f.explanation = msg!("cmp-lost-explanation", leg = leg_text(), retx = side_retx);
            f.recommendations = vec![msg!("cmp-lost-rec", leg = leg_text())];
            f.display_filter = format!("tcp.stream eq {stream} && tcp.analysis.retransmission");
            findings.push(
                f.fact("leg", if leg.starts_with("server") { "server → client" } else { "client → server" })
                    // The capture whose frames it cites: the sender's.
                    .fact("capture", if leg.starts_with("server") { "server" } else { "client" })
                    .fact("lost", lost)
                    .fact("sent", sent)
                    .seal()
                    .show_cited(),
            );
        }
        matched_total += 1;
        let differs = !(d.lost_c2s.is_empty()
            && d.lost_s2c.is_empty()
            && d.injected_at_client.is_empty()
            && d.injected_at_server.is_empty());
        if !differs {
            agreeing += 1;
            if !opts.all {
                continue;
            }
        }
        matched.push(MatchedFlow {
            client_side: flow_ref(&c, *cs),
            server_side: flow_ref(&s, *ss),
            basis: basis.clone(),
            score: *score,
            lost_client_to_server: d.lost_c2s.len(),
            lost_server_to_client: d.lost_s2c.len(),
            injected_at_client: d.injected_at_client.len(),
            injected_at_server: d.injected_at_server.len(),
            retransmissions_client_capture: d.retx_client,
            retransmissions_server_capture: d.retx_server,
        });
        if problem {
            timelines.push(timeline(*cs, *ss, &d, offset_ns));
        }
    }
    let mc: std::collections::BTreeSet<u32> = matches.iter().map(|m| m.0).collect();
    let ms: std::collections::BTreeSet<u32> = matches.iter().map(|m| m.1).collect();
    let unmatched_client: Vec<FlowRef> =
        c.streams.keys().filter(|k| !mc.contains(k)).map(|k| flow_ref(&c, *k)).collect();
    findings.extend(unreached(&c, &s, &matches, &unmatched_client));
    let unmatched_server = s.streams.keys().filter(|k| !ms.contains(k)).map(|k| flow_ref(&s, *k)).collect();
    detect::report_order(&mut findings);
    let side = |x: &Side| SideReport {
        capture: x.summary.clone(),
        findings: x.findings.clone(),
        packets_not_compared: x.dropped,
    };
    CompareReport {
        schema_version: 3,
        client: side(&c),
        server: side(&s),
        clock_offset_ms: clock.map(|o| o.offset_ms),
        clock,
        matched_total,
        matched_agreeing: agreeing,
        matched,
        unmatched_client,
        unmatched_server,
        findings,
        timelines,
    }
}
