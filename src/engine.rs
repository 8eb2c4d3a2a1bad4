//! The pipeline driver: reads records, decodes them, places TCP segments in streams, runs
//! the sequence analysis, and hands every decoded frame to an [`Observer`] (detectors,
//! golden-file tests) in capture order.
//!
//! Contract: runs to the end of the readable part of the capture, whatever the packets
//! hold. Observers see each frame once, after its stream state has been updated. With
//! `Options::threads` above 1 the same pass runs on several threads ([`crate::parallel`]),
//! and observers see the same calls in the same order.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::app::{self, AppEvent, AppTable, SegmentIn};
use crate::capture::{CaptureInfo, CaptureReader};
use crate::decode::{self, Anomaly, Frame, IpInfo, L4, Tcp};
use crate::flow::{Conversation, FlowTable, Placement};
use crate::tcp::analysis::{AnalysisFlags, Segment};

/// What the engine learnt about one TCP frame.
#[derive(Debug, Clone, Copy)]
pub struct TcpInfo {
    pub placement: Placement,
    /// `None` when Wireshark would not analyse the segment (quoted in ICMP, short header).
    pub analysis: Option<AnalysisFlags>,
    /// A capture copy of a packet recorded just before (`tcp::dup`): Wireshark still flags
    /// it (usually as a retransmission), but it was sent once. Detectors skip copies.
    pub duplicate: bool,
}

/// The callbacks an observer implements, so that a fan-out calls only those: most detectors
/// use two or three of the five, and the calls are per packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hooks(u8);

impl Hooks {
    pub const TCP: Hooks = Hooks(1);
    pub const QUOTED_TCP: Hooks = Hooks(1 << 1);
    pub const APP: Hooks = Hooks(1 << 2);
    pub const FRAME: Hooks = Hooks(1 << 3);
    pub const STREAM_END: Hooks = Hooks(1 << 4);
    pub const NONE: Hooks = Hooks(0);
    pub const ALL: Hooks = Hooks(0b1_1111);

    /// True when every hook of `other` is in `self`.
    pub const fn has(self, other: Hooks) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Hooks {
    type Output = Hooks;
    fn bitor(self, o: Hooks) -> Hooks {
        Hooks(self.0 | o.0)
    }
}

/// Sees every frame. All methods have no-op defaults.
pub trait Observer {
    /// The callbacks below that this observer implements. A fan-out may skip the others, so
    /// an observer that overrides a callback must name it here.
    fn hooks(&self) -> Hooks {
        Hooks::ALL
    }
    /// A TCP segment, after analysis; `conv` is its stream's state. Observers read its
    /// summary and sequence bases: in a parallel run the sequence-analysis and copy-filter
    /// state stays in the worker that owns the stream, and `conv` carries only those.
    fn on_tcp(&mut self, _frame: &Frame<'_>, _tcp: &Tcp<'_>, _info: &TcpInfo, _conv: &Conversation) {}
    /// An ICMP error quoting a TCP header, with the stream of its connection if known.
    fn on_quoted_tcp(&mut self, _frame: &Frame<'_>, _stream: Option<u32>) {}
    /// Something the application layer understood (a TLS record, an HTTP head, a DNS
    /// message), attributed to the frame whose bytes completed it. `conv` is `None` for UDP.
    fn on_app(&mut self, _frame: &Frame<'_>, _ctx: &AppCtx, _event: &AppEvent, _conv: Option<&Conversation>) {}
    /// Every frame, TCP or not, after the TCP callbacks.
    fn on_frame(&mut self, _frame: &Frame<'_>) {}
    /// A TCP stream's final state: once per stream, when the flow table lets go of it:
    /// `evicted` when it was dropped as stale to bound memory (docs/LIMITS.md), otherwise at
    /// the end of the capture, in stream order. Observers that keep per-stream state drop
    /// it on eviction.
    fn on_stream_end(&mut self, _conv: &Conversation, _evicted: bool) {}
}

/// Where an application event travelled.
#[derive(Debug, Clone, Copy)]
pub struct AppCtx {
    pub stream: Option<u32>,
    pub dir: usize,
    pub src: SocketAddr,
    pub dst: SocketAddr,
}

/// Two observers watching one pass, each called for the hooks it names (read once).
pub struct Pair<'a> {
    a: &'a mut dyn Observer,
    b: &'a mut dyn Observer,
    hooks: [Hooks; 2],
}

impl<'a> Pair<'a> {
    pub fn new(a: &'a mut dyn Observer, b: &'a mut dyn Observer) -> Self {
        let hooks = [a.hooks(), b.hooks()];
        Pair { a, b, hooks }
    }
}

/// Calls `$call` on each observer of a [`Pair`] that has `$hook`.
macro_rules! pair {
    ($self:ident, $hook:expr, $o:ident => $call:expr) => {{
        let [ha, hb] = $self.hooks;
        if ha.has($hook) {
            let $o = &mut *$self.a;
            $call;
        }
        if hb.has($hook) {
            let $o = &mut *$self.b;
            $call;
        }
    }};
}

impl Observer for Pair<'_> {
    fn hooks(&self) -> Hooks {
        self.hooks[0] | self.hooks[1]
    }
    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        pair!(self, Hooks::TCP, o => o.on_tcp(f, t, i, c));
    }
    fn on_quoted_tcp(&mut self, f: &Frame<'_>, s: Option<u32>) {
        pair!(self, Hooks::QUOTED_TCP, o => o.on_quoted_tcp(f, s));
    }
    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, c: Option<&Conversation>) {
        pair!(self, Hooks::APP, o => o.on_app(f, ctx, e, c));
    }
    fn on_frame(&mut self, f: &Frame<'_>) {
        pair!(self, Hooks::FRAME, o => o.on_frame(f));
    }
    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        pair!(self, Hooks::STREAM_END, o => o.on_stream_end(c, evicted));
    }
}

/// An observer that sees nothing.
pub struct NoObserver;
impl Observer for NoObserver {
    fn hooks(&self) -> Hooks {
        Hooks::NONE
    }
}

/// Everything the engine produced, for detectors and reports.
/// Tunnel endpoint pairs counted per capture (a bound, not a guess: mirror sessions are few).
pub const MAX_TUNNELS: usize = 64;

#[derive(Debug)]
pub struct Analysis {
    pub capture: CaptureInfo,
    pub conversations: Vec<Box<Conversation>>,
    /// Decode anomalies by kind.
    pub anomalies: BTreeMap<Anomaly, u64>,
    /// Frames that came through a tunnel, by encapsulation and outer endpoints (the mirror
    /// session or tunnel they arrived by); at most [`MAX_TUNNELS`] endpoint pairs.
    pub tunnels: BTreeMap<(decode::TunnelKind, IpAddr, IpAddr), u64>,
    /// DNS messages on port 53 that could not be parsed.
    pub malformed_dns: u64,
    /// Out-of-order bytes dropped at the reassembly cap, and bytes missing from streams.
    pub reassembly_dropped_bytes: u64,
    pub reassembly_gap_bytes: u64,
    pub reassembly_cap: usize,
    /// What the capture itself got wrong: copies, missing handshake packets, time going
    /// backwards. Data, not errors; they lower confidence, never raise severity.
    pub quality: Quality,
    /// TCP streams evicted from the flow table to bound memory.
    pub evicted_streams: u64,
    /// Closed TCP streams let go of to bound memory (their state was complete).
    pub released_streams: u64,
    /// The flow table's bound on live streams.
    pub max_streams: usize,
    /// Detector tables that reached their bound (filled in by `detect::run`).
    pub detector_caps: Vec<crate::detect::bounded::DetectorCap>,
    /// Each frame's file, when several files were read as one.
    pub frame_map: crate::capture::FrameMap,
    /// Which directions of traffic the capture holds.
    pub visibility: crate::visibility::Visibility,
    /// What was seen working (filled in by `detect::run`).
    pub health: Option<crate::health::Health>,
}

impl Analysis {
    /// The conversation numbered `stream`, if it is still held (not evicted).
    pub fn conversation(&self, stream: u32) -> Option<&Conversation> {
        self.conversations
            .binary_search_by_key(&stream, |c| c.summary.stream)
            .ok()
            .and_then(|i| self.conversations.get(i))
            .map(|b| &**b)
    }
}

/// Capture-quality counts (docs/ACCURACY.md): what a reader of the report must know before
/// trusting a count of retransmissions or failed handshakes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Quality {
    /// TCP frames that are capture copies of a frame just before them (`tcp::dup`).
    pub duplicate_frames: u64,
    /// Frames whose timestamp is earlier than the frame before them.
    pub timestamps_backwards: u64,
    /// Streams whose client sent a SYN and the server answered with data, but whose SYN/ACK
    /// is not in the capture.
    pub missing_synack: u64,
    /// Streams first seen mid-connection (no SYN in the capture).
    pub started_mid_stream: u64,
    /// The capture holds one direction only (`crate::visibility`).
    pub one_way: Option<crate::visibility::OneWay>,
    /// Streams whose client acknowledged a SYN/ACK or data from the server that the capture
    /// does not hold: the answers happened, out of the capture's sight.
    pub unseen_answer_streams: u64,
    /// Bytes the receivers acknowledged that the capture does not hold, in streams where
    /// both directions were captured: the capture's own drops, not the network's loss.
    pub capture_missed_bytes: u64,
    /// A few of those streams' (server, client) pairs, for the note.
    pub unseen_pair_sample: Vec<(IpAddr, IpAddr)>,
    /// (server, client) pairs of those streams, bounded (`visibility::MAX_PAIRS`).
    #[serde(skip)]
    pub(crate) unseen_pairs: std::collections::BTreeSet<(IpAddr, IpAddr)>,
}

impl Quality {
    pub(crate) fn note_stream(&mut self, c: &Conversation) {
        let s = &c.summary;
        // A stream an ICMP error's quote made has no packets of its own.
        if s.sides.iter().all(|d| d.packets == 0) {
            return;
        }
        if s.answer_unseen() {
            self.unseen_answer_streams += 1;
            if self.unseen_pairs.len() < crate::visibility::MAX_PAIRS {
                self.unseen_pairs.insert((s.server().ip(), s.client_ip()));
            }
        } else if s.sides.iter().all(|d| d.packets > 0) {
            let missed = s.unseen_bytes(0).saturating_add(s.unseen_bytes(1));
            self.capture_missed_bytes = self.capture_missed_bytes.saturating_add(u64::from(missed));
        }
        if !s.attempted() && s.synack_frame.is_none() {
            self.started_mid_stream += 1;
        } else if s.attempted() && s.synack_frame.is_none() {
            let server_spoke = s.sides.get(1 - s.client_side()).is_some_and(|d| d.payload_bytes > 0);
            self.missing_synack += u64::from(server_spoke);
        }
    }
}

impl Quality {
    /// Joins what the streams showed of unseen answers to what the frames showed of the
    /// directions, and notes a capture that holds one direction only.
    pub(crate) fn settle(&mut self, mut v: crate::visibility::Visibility) -> crate::visibility::Visibility {
        self.unseen_pair_sample = self.unseen_pairs.iter().take(4).copied().collect();
        for (server, client) in std::mem::take(&mut self.unseen_pairs) {
            v.note_unseen_pair(server, client);
        }
        self.one_way = v.one_way();
        v
    }
}

/// Engine settings: the bounds of its buffers (docs/LIMITS.md).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Out-of-order bytes held per stream direction for reassembly.
    pub reassembly_cap: usize,
    /// Live TCP streams held before stale ones are evicted.
    pub max_streams: usize,
    /// Stop after this frame (a second pass that needs only the frames up to some point).
    pub last_frame: Option<u64>,
    /// Threads to run on: 1 runs everything on the caller's thread; more run the parallel
    /// engine with `threads - 1` workers (docs/PERFORMANCE.md).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reassembly_cap: crate::tcp::reassembly::DEFAULT_CAP,
            max_streams: crate::flow::DEFAULT_MAX_LIVE,
            last_frame: None,
            threads: 1,
        }
    }
}

/// Runs the whole pipeline over one capture with default bounds.
pub fn run(reader: CaptureReader, observer: &mut dyn Observer) -> Analysis {
    run_with_options(reader, observer, &Options::default())
}

/// What the engine counts of every frame, whatever it holds.
#[derive(Debug, Default)]
pub(crate) struct FrameStats {
    pub anomalies: BTreeMap<Anomaly, u64>,
    pub tunnels: BTreeMap<(decode::TunnelKind, IpAddr, IpAddr), u64>,
    pub timestamps_backwards: u64,
    pub visibility: crate::visibility::Visibility,
    latest: Option<crate::capture::Timestamp>,
}

impl FrameStats {
    pub fn note(&mut self, frame: &Frame<'_>) {
        match self.latest {
            Some(t) if frame.ts < t => self.timestamps_backwards += 1,
            _ => self.latest = Some(frame.ts),
        }
        if let Some(ip) = frame.ip {
            self.visibility.note(ip.src, ip.dst);
        }
        if let Some(a) = frame.anomaly {
            *self.anomalies.entry(a).or_insert(0) += 1;
        }
        if let Some(t) = frame.tunnel {
            let key = (t.kind, t.outer.src, t.outer.dst);
            if self.tunnels.len() < MAX_TUNNELS || self.tunnels.contains_key(&key) {
                *self.tunnels.entry(key).or_insert(0) += 1;
            }
        }
    }
}

/// The work on one TCP segment that its own stream decides: the capture-copy filter,
/// Wireshark's sequence analysis, and the stream's summary. The parallel engine's workers
/// run it too (`crate::parallel`).
pub(crate) fn track(
    conv: &mut Conversation,
    placement: Placement,
    frame: &Frame<'_>,
    ip: &IpInfo,
    tcp: &Tcp<'_>,
) -> TcpInfo {
    let duplicate = conv.dups.is_copy(placement.dir, frame.ts, ip, tcp);
    // Wireshark analyses only when it knows the segment length and has the window.
    let analysis = match (tcp.seglen, tcp.window) {
        (Some(seglen), Some(window)) => {
            let seg = Segment {
                frame: frame.frame,
                ts: frame.ts,
                seq: tcp.seq,
                ack: tcp.ack,
                seglen,
                flags: tcp.flags,
                window,
                window_scale: tcp.options.window_scale,
            };
            let mut f = conv.analysis.analyze(placement.dir, &seg);
            if placement.reused_ports {
                f.set(AnalysisFlags::REUSED_PORTS);
            }
            Some(f)
        }
        _ => None,
    };
    let flags = analysis.unwrap_or_default();
    conv.summary.record(
        placement.dir,
        frame.frame,
        frame.ts,
        frame.wire_len,
        tcp.flags,
        tcp.seglen.unwrap_or(0),
        flags,
    );
    conv.summary.note_seq_ack(placement.dir, tcp.seq, tcp.ack, tcp.seglen.unwrap_or(0), tcp.flags);
    if duplicate {
        conv.summary.note_copy(placement.dir, tcp.flags);
    }
    conv.summary.rtt_ns = conv.analysis.first_rtt_ns;
    if !duplicate && !tcp.flags.rst() {
        conv.summary.note_ip(placement.dir, ip.ttl, ip.ip_id);
    }
    TcpInfo { placement, analysis, duplicate }
}

/// The segment as the application layer takes it.
pub(crate) fn segment_in<'a>(placement: &Placement, tcp: &Tcp<'a>, conv: &Conversation) -> SegmentIn<'a> {
    SegmentIn {
        stream: placement.stream,
        dir: placement.dir,
        seq: tcp.seq,
        syn: tcp.flags.syn(),
        fin: tcp.flags.fin(),
        seglen: tcp.seglen.unwrap_or(0),
        payload: tcp.payload,
        dns_port: tcp.src_port == 53 || tcp.dst_port == 53,
        data_start: [conv.data_start(0), conv.data_start(1)],
    }
}

/// True when this segment, just recorded, closes its stream: a RST, or the FIN that makes
/// both sides' FINs.
pub(crate) fn closes(tcp: &Tcp<'_>, conv: &Conversation) -> bool {
    tcp.flags.rst() || conv.summary.sides.iter().all(|s| s.fin_frame.is_some())
}

/// A UDP frame on the DNS port, parsed and handed to `observer`; true when it was not DNS
/// that could be read. Other UDP frames are left alone (false).
pub(crate) fn udp_dns(frame: &Frame<'_>, observer: &mut dyn Observer) -> bool {
    let (L4::Udp(udp), Some(ip)) = (&frame.l4, frame.ip) else { return false };
    if udp.src_port != 53 && udp.dst_port != 53 {
        return false;
    }
    let ev = app::udp_dns(udp.payload);
    let ctx = AppCtx {
        stream: None,
        dir: usize::from(udp.src_port == 53),
        src: SocketAddr::new(ip.src, udp.src_port),
        dst: SocketAddr::new(ip.dst, udp.dst_port),
    };
    observer.on_app(frame, &ctx, &ev, None);
    matches!(ev, AppEvent::MalformedDns(_))
}

/// Runs the whole pipeline over one capture: on several threads when `options.threads` asks
/// for them ([`crate::parallel`]; the result is the same).
pub fn run_with_options(reader: CaptureReader, observer: &mut dyn Observer, options: &Options) -> Analysis {
    if options.threads > 1 {
        return crate::parallel::run(reader, observer, options);
    }
    run_sequential(reader, observer, options)
}

/// Runs the whole pipeline over one capture on this thread.
pub fn run_sequential(mut reader: CaptureReader, observer: &mut dyn Observer, options: &Options) -> Analysis {
    let mut flows: FlowTable = FlowTable::with_capacity_limit(options.max_streams);
    let mut apps = AppTable::new(options.reassembly_cap);
    let mut udp_malformed_dns = 0u64;
    let mut quality = Quality::default();
    let mut stats = FrameStats::default();
    while let Some(rec) = reader.next_record() {
        if options.last_frame.is_some_and(|last| rec.frame > last) {
            break;
        }
        let frame = decode::decode(&rec);
        stats.note(&frame);
        match (&frame.l4, frame.ip) {
            (L4::Tcp(tcp), Some(ip)) => {
                let src = SocketAddr::new(ip.src, tcp.src_port);
                let dst = SocketAddr::new(ip.dst, tcp.dst_port);
                if flows.full() {
                    for conv in flows.evict() {
                        quality.note_stream(&conv);
                        apps.close(conv.summary.stream);
                        observer.on_stream_end(&conv, true);
                        flows.recycle(conv);
                    }
                }
                let placement = flows.place(src, dst, tcp.flags, tcp.seq, tcp.ack, frame.frame, frame.ts, false);
                let Some(conv) = flows.get_mut(placement.stream) else { continue };
                let info = track(conv, placement, &frame, &ip, tcp);
                quality.duplicate_frames += u64::from(info.duplicate);
                observer.on_tcp(&frame, tcp, &info, conv);
                let ctx = AppCtx { stream: Some(placement.stream), dir: placement.dir, src, dst };
                let conv: &Conversation = conv;
                apps.tcp_segment(&segment_in(&placement, tcp, conv), &mut |dir, ev| {
                    let ctx = AppCtx { dir, ..ctx };
                    observer.on_app(&frame, &ctx, &ev, Some(conv));
                });
                if closes(tcp, conv) {
                    apps.close(placement.stream);
                    if let Some(old) = flows.note_closed(placement.stream) {
                        quality.note_stream(&old);
                        apps.close(old.summary.stream);
                        observer.on_stream_end(&old, true);
                        flows.recycle(old);
                    }
                }
            }
            // tshark 4.0 numbers the TCP header an ICMP error quotes, when the quote holds
            // its first 16 bytes, into its connection's tcp.stream, and a connection it has
            // not seen gets a new one (a SYN flood's backscatter, a server answering spoofed
            // SYNs), which shifts every later stream number; a shorter quote gets none
            // (tests/synthetic.rs; corpus alexa-app frames 56 and 115).
            (L4::Icmp(icmp), Some(_)) if icmp.quoted.is_some_and(|q| q.protocol == decode::PROTO_TCP) => {
                let mut stream = None;
                if let Some((q, (seq, ack, flags))) = icmp.quoted.and_then(|q| Some((q, q.tcp?))) {
                    // A new stream holds a slot like any other: a flood of backscatter is
                    // bounded by --max-streams too.
                    if flows.full() {
                        for conv in flows.evict() {
                            quality.note_stream(&conv);
                            apps.close(conv.summary.stream);
                            observer.on_stream_end(&conv, true);
                            flows.recycle(conv);
                        }
                    }
                    let (src, dst) = (SocketAddr::new(q.src, q.src_port), SocketAddr::new(q.dst, q.dst_port));
                    stream = Some(flows.place(src, dst, flags, seq, ack, frame.frame, frame.ts, true).stream);
                }
                observer.on_quoted_tcp(&frame, stream);
            }
            (L4::Udp(_), Some(_)) => udp_malformed_dns += u64::from(udp_dns(&frame, observer)),
            _ => {}
        }
        observer.on_frame(&frame);
    }
    apps.finish();
    for conv in flows.conversations() {
        quality.note_stream(conv);
        observer.on_stream_end(conv, false);
    }
    let evicted_streams = flows.evicted();
    let released_streams = flows.released();
    quality.timestamps_backwards = stats.timestamps_backwards;
    let visibility = quality.settle(stats.visibility);
    let (capture, frame_map) = reader.into_parts();
    Analysis {
        capture,
        frame_map,
        visibility,
        conversations: flows.into_conversations(),
        anomalies: stats.anomalies,
        tunnels: stats.tunnels,
        malformed_dns: udp_malformed_dns + apps.malformed_dns,
        reassembly_dropped_bytes: apps.reassembly_dropped_bytes,
        reassembly_gap_bytes: apps.reassembly_gap_bytes,
        reassembly_cap: options.reassembly_cap,
        quality,
        evicted_streams,
        released_streams,
        max_streams: options.max_streams,
        detector_caps: Vec::new(),
        health: None,
    }
}
