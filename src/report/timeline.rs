//! Timelines of the streams behind findings: the key frames of each, in the manner of a
//! Wireshark packet list, with the gap since the previous packet.
//!
//! Collected by a second, bounded pass over the capture (only the streams that have
//! findings, at most [`MAX_PER_STREAM`] packets each, found by address pair and frame range),
//! so the first pass keeps no per-packet state. Standard input cannot be read twice: there,
//! reports have no timelines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use std::net::SocketAddr;

use crate::HashMap;
use crate::capture::{CaptureReader, Timestamp};
use crate::decode::{self, Frame, L4, Tcp};
use crate::detect::Finding;
use crate::engine::{self, Analysis, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowKey, FlowRef};

const MAX_PER_STREAM: usize = 5_000;
/// Rows shown per timeline: the handshake, and a few packets around each evidence frame.
const CONTEXT: usize = 3;
const MAX_ROWS: usize = 40;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub frame: u64,
    /// Seconds since the stream's first packet.
    pub time: f64,
    /// Seconds since the previous row's packet in the stream (not the previous row).
    pub gap: f64,
    /// true: client → server.
    pub c2s: bool,
    pub flags: String,
    pub len: u32,
    /// The evidence role, when the frame is evidence.
    #[serde(serialize_with = "crate::i18n::english")]
    pub what: crate::i18n::Message,
    /// Rows were left out before this one.
    pub skipped_before: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub stream: u32,
    pub client: String,
    pub server: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Copy)]
struct P {
    frame: u64,
    ts: Timestamp,
    c2s: bool,
    flags: crate::decode::TcpFlags,
    len: u32,
}

/// What the second pass gathers: each wanted stream's packets and its endpoints.
#[derive(Default)]
struct Packets {
    pkts: BTreeMap<u32, Vec<P>>,
    ends: BTreeMap<u32, (String, String)>,
}

impl Packets {
    fn push(&mut self, stream: u32, p: P) {
        let v = self.pkts.entry(stream).or_default();
        if v.len() < MAX_PER_STREAM {
            v.push(p);
        }
    }
}

/// The engine-driven pass: for streams the first pass no longer knows the place of, and
/// beside the evidence writer when `--evidence` reads the capture anyway (one second pass).
pub struct Collect {
    wanted: BTreeSet<u32>,
    got: Packets,
}

impl Collect {
    /// Gathers the packets of the streams `findings` cite.
    pub fn new(findings: &[Finding]) -> Self {
        Collect { wanted: findings.iter().filter_map(|f| f.stream).collect(), got: Packets::default() }
    }

    /// The timelines from what was gathered.
    pub fn timelines(self, findings: &[Finding]) -> BTreeMap<u32, Timeline> {
        assemble(self.got, findings)
    }
}

impl Observer for Collect {
    fn hooks(&self) -> Hooks {
        Hooks::TCP
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        let s = i.placement.stream;
        if !self.wanted.contains(&s) {
            return;
        }
        let p = P {
            frame: f.frame,
            ts: f.ts,
            c2s: i.placement.dir == c.summary.client_side(),
            flags: t.flags,
            len: t.seglen.unwrap_or(0),
        };
        self.got.push(s, p);
        self.got.ends.entry(s).or_insert_with(|| (c.summary.client().to_string(), c.summary.server().to_string()));
    }
}

/// Frames read past the last evidence frame, for the context packets that follow it.
const TAIL_FRAMES: u64 = 10_000;

/// Timelines for the streams of `findings`, read again from `path`, and only as far as the
/// last evidence frame (plus [`TAIL_FRAMES`]).
///
/// The first pass knows each stream's endpoints and frame range, so this pass needs no flow
/// table or sequence analysis: it skips the records outside the wanted streams' frame ranges
/// undecoded, and places each TCP packet by its address pair and frame number. A stream the
/// first pass evicted is known that way only if its detector recorded where it was
/// ([`Finding::flow`]); otherwise the whole engine runs again, as far as the bound.
pub fn collect(
    path: &Path,
    findings: &[Finding],
    analysis: &Analysis,
    options: &engine::Options,
) -> BTreeMap<u32, Timeline> {
    collect_from(&crate::capture::Sources::one(path), findings, &places(findings, analysis), options)
}

/// Where the findings' streams are in the capture: from the flow table at the end, else as
/// the detector saw them end. Taken before the [`Analysis`] is dropped, so that the second
/// pass does not hold two flow tables at once.
pub fn places(findings: &[Finding], analysis: &Analysis) -> Vec<FlowRef> {
    let wanted: BTreeSet<u32> = findings.iter().filter_map(|f| f.stream).collect();
    wanted
        .iter()
        .filter_map(|&s| {
            analysis
                .conversation(s)
                .map(Conversation::flow_ref)
                .or_else(|| findings.iter().filter_map(|f| f.flow).find(|r| r.stream == s))
        })
        .collect()
}

/// [`collect`], with the streams' places taken by [`places`].
pub fn collect_from(
    sources: &crate::capture::Sources,
    findings: &[Finding],
    known: &[FlowRef],
    options: &engine::Options,
) -> BTreeMap<u32, Timeline> {
    let wanted: BTreeSet<u32> = findings.iter().filter_map(|f| f.stream).collect();
    if wanted.is_empty() || sources.is_stdin() {
        return BTreeMap::new();
    }
    let Ok(reader) = sources.open() else { return BTreeMap::new() };
    let last = findings.iter().filter(|f| f.stream.is_some()).flat_map(|f| f.frames.last()).max().copied();
    let bound = last.map(|l| l.saturating_add(TAIL_FRAMES));
    let c = if known.len() == wanted.len() {
        by_address(reader, known, bound)
    } else {
        let mut c = Collect { wanted, got: Packets::default() };
        let options = engine::Options { last_frame: bound, ..*options };
        engine::run_with_options(reader, &mut c, &options);
        c.got
    };
    assemble(c, findings)
}

/// Each stream's rows: the first packets and those around each evidence frame.
fn assemble(c: Packets, findings: &[Finding]) -> BTreeMap<u32, Timeline> {
    let mut roles: BTreeMap<(u32, u64), crate::i18n::Message> = BTreeMap::new();
    for f in findings {
        if let Some(s) = f.stream {
            for e in &f.evidence {
                roles.entry((s, e.frame)).or_insert_with(|| e.role.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    for (stream, pkts) in c.pkts {
        let Some(first) = pkts.first() else { continue };
        let start = first.ts;
        // Which packets to show: the first CONTEXT, and CONTEXT around each evidence frame.
        let mut keep = BTreeSet::new();
        for i in 0..CONTEXT.min(pkts.len()) {
            keep.insert(i);
        }
        for (i, p) in pkts.iter().enumerate() {
            if roles.contains_key(&(stream, p.frame)) {
                for k in i.saturating_sub(CONTEXT)..=(i + CONTEXT).min(pkts.len() - 1) {
                    keep.insert(k);
                }
            }
        }
        let mut rows = Vec::new();
        let mut last_kept: Option<usize> = None;
        for &i in keep.iter().take(MAX_ROWS) {
            let Some(p) = pkts.get(i) else { continue };
            let prev_ts = i.checked_sub(1).and_then(|j| pkts.get(j)).map_or(p.ts, |q| q.ts);
            rows.push(Row {
                frame: p.frame,
                time: round6(p.ts.since(start) as f64 / 1e9),
                gap: round6(p.ts.since(prev_ts) as f64 / 1e9),
                c2s: p.c2s,
                flags: p.flags.describe(),
                len: p.len,
                what: roles.get(&(stream, p.frame)).cloned().unwrap_or_else(|| crate::i18n::Message::new("empty")),
                skipped_before: last_kept.is_some_and(|l| i > l + 1),
            });
            last_kept = Some(i);
        }
        let (client, server) = c.ends.get(&stream).cloned().unwrap_or_default();
        out.insert(stream, Timeline { stream, client, server, rows });
    }
    out
}

/// The packets of the streams at `flows`, found by address pair and frame range.
fn by_address(mut reader: CaptureReader, flows: &[FlowRef], bound: Option<u64>) -> Packets {
    let mut targets: HashMap<FlowKey, Vec<FlowRef>> = HashMap::default();
    let mut c = Packets::default();
    for r in flows {
        targets.entry(FlowKey::new(r.client, r.server)).or_default().push(*r);
        c.ends.insert(r.stream, (r.client.to_string(), r.server.to_string()));
    }
    // The frame ranges the streams span, merged and in order: records outside them are
    // skipped undecoded (cited streams are often a few early ones and a few late ones).
    let mut spans: Vec<(u64, u64)> = flows.iter().map(|r| (r.first_frame, r.last_frame)).collect();
    spans.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let end = merged.last().map_or(0, |s| s.1).min(bound.unwrap_or(u64::MAX));
    let mut spans = merged.into_iter().peekable();
    while let Some(rec) = reader.next_record() {
        if rec.frame > end {
            break;
        }
        while spans.next_if(|&(_, b)| b < rec.frame).is_some() {}
        if spans.peek().is_none_or(|&(a, _)| a > rec.frame) {
            continue;
        }
        let frame = decode::decode(&rec);
        let (L4::Tcp(t), Some(ip)) = (&frame.l4, frame.ip) else { continue };
        let src = SocketAddr::new(ip.src, t.src_port);
        let Some(list) = targets.get(&FlowKey::new(src, SocketAddr::new(ip.dst, t.dst_port))) else { continue };
        // A reused address pair: the stream whose range holds the frame.
        let Some(target) =
            list.iter().filter(|g| (g.first_frame..=g.last_frame).contains(&frame.frame)).max_by_key(|g| g.first_frame)
        else {
            continue;
        };
        let p = P {
            frame: frame.frame,
            ts: frame.ts,
            c2s: src == target.client,
            flags: t.flags,
            len: t.seglen.unwrap_or(0),
        };
        c.push(target.stream, p);
    }
    c
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
