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

use serde::Serialize;

use crate::capture::{CaptureReader, Timestamp};
use crate::decode::{Frame, Tcp, TcpFlags};
use crate::detect::{self, Config, Finding, Severity};
use crate::engine::{Analysis, Observer, TcpInfo};
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

/// One side's capture: the analysis, per-stream packets, and its own findings.
pub struct Side {
    pub analysis: Analysis,
    pub streams: BTreeMap<u32, Vec<Pkt>>,
    pub isn: BTreeMap<u32, u32>,
    pub findings: Vec<Finding>,
    pub dropped: u64,
}

/// Runs the engine (and the analyze detectors) over one capture, keeping packets.
pub fn collect(reader: CaptureReader, config: &Config) -> Side {
    let mut col = Collector::default();
    let (analysis, findings) = detect::run_with(reader, config, &[], &mut col);
    Side { analysis, streams: col.streams, isn: col.isn, findings, dropped: col.dropped }
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
    let conv = side.analysis.conversation(stream);
    FlowRef {
        stream,
        client: conv.map_or_else(String::new, |c| c.summary.client().to_string()),
        server: conv.map_or_else(String::new, |c| c.summary.server().to_string()),
        packets: side.streams.get(&stream).map_or(0, Vec::len),
    }
}

/// The first data segments' (direction, length, hash): what survives any NAT.
fn fingerprint(pkts: &[Pkt]) -> Vec<(bool, u32, u64)> {
    pkts.iter().filter(|p| p.len > 0 && !p.retx).take(8).map(|p| (p.c2s, p.len, p.hash)).collect()
}

/// Scores a pair of flows. Higher is more certain; 0 means "not the same flow".
fn score(c: &Side, cs: u32, s: &Side, ss: u32, offset: Option<i64>) -> (u32, Vec<&'static str>) {
    let (Some(cp), Some(sp)) = (c.streams.get(&cs), s.streams.get(&ss)) else { return (0, vec![]) };
    let mut score = 0;
    let mut basis = Vec::new();
    // Full NAT rewrites addresses and ports but not sequence numbers; a SYN proxy or an L7
    // proxy changes the ISN too, and then only payload can tell.
    if let (Some(a), Some(b)) = (c.isn.get(&cs), s.isn.get(&ss)) {
        if a == b {
            score += 10;
            basis.push("isn");
        }
    }
    let (fa, fb) = (fingerprint(cp), fingerprint(sp));
    let same = fa.iter().zip(fb.iter()).take_while(|(x, y)| x == y).count() as u32;
    if same > 0 {
        score += 3 * same;
        basis.push("payload");
    }
    let (cc, sc) = (c.analysis.conversation(cs), s.analysis.conversation(ss));
    if let (Some(cc), Some(sc)) = (cc, sc) {
        if cc.summary.server().port() == sc.summary.server().port() {
            score += 1;
        }
        if let Some(off) = offset {
            let dt = (sc.summary.start.0 - off - cc.summary.start.0).abs();
            if dt < 2_000_000_000 {
                score += 2;
                basis.push("timing");
            }
        }
    }
    (score, basis)
}

/// (client stream, server stream, score, basis)
pub type Match = (u32, u32, u32, Vec<&'static str>);

/// Matches flows one to one, best score first. Needs a score of at least 4: an ISN match,
/// or two payload matches, or a payload match plus timing.
pub fn match_flows(c: &Side, s: &Side, offset: Option<i64>) -> Vec<Match> {
    let mut cands = Vec::new();
    for &cs in c.streams.keys() {
        for &ss in s.streams.keys() {
            let (sc, basis) = score(c, cs, s, ss, offset);
            if sc >= 4 {
                cands.push((sc, cs, ss, basis));
            }
        }
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_c = std::collections::BTreeSet::new();
    let mut used_s = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (sc, cs, ss, basis) in cands {
        if used_c.contains(&cs) || used_s.contains(&ss) {
            continue;
        }
        used_c.insert(cs);
        used_s.insert(ss);
        out.push((cs, ss, sc, basis));
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

/// Estimates the clock offset from aligned packets of matched flows.
pub fn clock_offset(c: &Side, s: &Side, matches: &[Match]) -> Option<Offset> {
    let mut min_cs: Option<i64> = None; // t_server - t_client for client → server packets
    let mut max_sc: Option<i64> = None; // t_server - t_client for server → client packets
    let mut samples = 0;
    for (cs, ss, _, _) in matches {
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

/// Compares a client-side and a server-side capture.
/// The ids of the findings only a comparison makes.
pub const FINDING_IDS: &[&str] = &["middlebox-rst", "middlebox-fin", "never-reached-server", "lost-on-path"];

/// The messages of those findings: `locales/<lang>/compare.ftl`.
pub const MESSAGES: &[&str] = &[
    "cmp-injected-summary",
    "cmp-injected-explanation",
    "cmp-ttl",
    "cmp-injected-rec",
    "cmp-never-summary",
    "cmp-flow-summary",
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
    "cmp-note-lost-c2s",
    "cmp-note-made-server",
    "cmp-note-made-client",
    "cmp-note-lost-s2c",
    "cmp-note-retx",
];

pub fn compare(client: CaptureReader, server: CaptureReader, config: &Config) -> CompareReport {
    let c = collect(client, config);
    let s = collect(server, config);
    let first = match_flows(&c, &s, None);
    let off0 = clock_offset(&c, &s, &first);
    let matches = match_flows(&c, &s, off0.map(|o| (o.offset_ms * 1e6) as i64));
    let clock = clock_offset(&c, &s, &matches).or(off0);
    let offset_ns = clock.map_or(0, |o| (o.offset_ms * 1e6) as i64);
    let mut matched = Vec::new();
    let mut findings = Vec::new();
    let mut timelines = Vec::new();
    for (cs, ss, score, basis) in &matches {
        let (Some(cp), Some(sp)) = (c.streams.get(cs), s.streams.get(ss)) else { continue };
        let d = diff_flow(cp, sp);
        let cref = flow_ref(&c, *cs);
        let sref = flow_ref(&s, *ss);
        let mut problem = false;
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
            f.display_filter = format!("tcp.stream eq {stream} && frame.number == {}", p.frame);
            let capture = if at_client { "client" } else { "server" };
            findings.push(f.fact("capture", capture).fact("ttl", p.ttl).seal());
        }
        // Client data the server never saw at all (not even a retransmission of it).
        let server_seqs: std::collections::BTreeSet<u32> =
            sp.iter().filter(|p| p.c2s && p.len > 0).map(|p| p.rel_seq).collect();
        if let Some(p) = d.lost_c2s.iter().find(|p| p.len > 0 && !server_seqs.contains(&p.rel_seq)) {
            problem = true;
            let tries = d.lost_c2s.iter().filter(|q| q.rel_seq == p.rel_seq && q.len > 0).count();
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
        matched.push(MatchedFlow {
            client_side: cref,
            server_side: sref,
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
    // A client flow to a destination whose other flows reached the server capture should
    // have reached it too: it was dropped (or answered) on the path.
    let reached: std::collections::BTreeSet<&str> = matched.iter().map(|m| m.client_side.server.as_str()).collect();
    for u in &unmatched_client {
        if !reached.contains(u.server.as_str()) {
            continue;
        }
        let Some(first) = c.streams.get(&u.stream).and_then(|v| v.first()) else { continue };
        let mut f = Finding::new("never-reached-server", Severity::Error, Some(u.stream)).evidence(
            first.frame,
            first.ts,
            msg!("cmp-role-flow"),
        );
        f.summary = msg!("cmp-flow-summary", client = u.client.clone(), server = u.server.clone(), packets = u.packets);
        f.explanation = msg!("cmp-never-explanation");
        f.recommendations = vec![msg!("cmp-never-rec")];
        f.display_filter = format!("tcp.stream eq {}", u.stream);
        findings.push(f.seal());
    }
    let unmatched_server = s.streams.keys().filter(|k| !ms.contains(k)).map(|k| flow_ref(&s, *k)).collect();
    findings.sort_by(|a, b| a.time.total_cmp(&b.time).then(b.severity.cmp(&a.severity)));
    let side = |x: &Side| SideReport {
        capture: CaptureSummary::from_analysis(&x.analysis),
        findings: x.findings.clone(),
        packets_not_compared: x.dropped,
    };
    CompareReport {
        schema_version: 2,
        client: side(&c),
        server: side(&s),
        clock_offset_ms: clock.map(|o| o.offset_ms),
        clock,
        matched,
        unmatched_client,
        unmatched_server,
        findings,
        timelines,
    }
}
