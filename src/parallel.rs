//! The parallel engine: the pass [`crate::engine`] makes, spread over threads, with the same
//! result to the byte (tests/parallel.rs runs both on every committed and corpus capture).
//!
//! Three roles, data flowing one way:
//!
//! - **The numbering thread** reads the records in capture order, decodes them and places
//!   TCP segments in streams with a [`FlowTable`] of [`Slot`]s: stream numbers depend on frame
//!   order (a 4-tuple's reuse, eviction, the ICMP-quoted headers Wireshark numbers too), so
//!   they are given where the order is known. It copies a batch of records into one shared
//!   buffer, hands each worker the segments of its streams, and hands the merger a script:
//!   what each frame is, and where every observer call's data will come from.
//! - **Workers** own the streams `stream % workers`: both directions of a connection go to
//!   the same one. Each runs the per-stream work (capture copies, Wireshark's sequence
//!   analysis, the stream summary, reassembly and HTTP/TLS/DNS parsing) and returns, per
//!   segment, what an observer is shown: the analysis flags, the summary after the segment,
//!   and the application events; and the conversations that ended.
//! - **The merger** is the calling thread. It follows the script in frame order, decodes each
//!   frame again (cheaper than sending it) and calls the observer exactly as the sequential
//!   engine does, so every detector, the health summary and compare's collector see the
//!   same calls with the same arguments in the same order. The `Conversation` an observer is
//!   shown per segment carries the summary and the sequence bases (what observers read); its
//!   analysis state stays in the worker. Ended streams are the workers' own, complete.
//!
//! Bounded: at most [`QUEUE`] batches wait on each channel, each of at most
//! [`BATCH_RECORDS`] records and [`BATCH_BYTES`] bytes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::HashMap;
use crate::app::{AppEvent, AppTable};
use crate::capture::{CaptureInfo, CaptureReader, FrameMap, LinkType, Record, Timestamp};
use crate::decode::{self, Detached, Frame, L4};
use crate::engine::{self, Analysis, AppCtx, FrameStats, Observer, Options, Quality, TcpInfo};
use crate::flow::{Conversation, FlowTable, Placement, Slot, Tracked, reuse_box};
use crate::tcp::analysis::AnalysisFlags;
use crate::tcp::stream::StreamSummary;

/// Records per batch: enough that a channel operation is a small cost per record.
pub const BATCH_RECORDS: usize = 1024;
/// Bytes per batch, so that batches of large frames stay small too.
pub const BATCH_BYTES: usize = 1 << 20;
/// Batches waiting on one channel.
pub const QUEUE: usize = 4;
/// The largest record expected past a batch's byte budget (a jumbo frame, a TSO segment).
const MAX_RECORD_GUESS: usize = 64 * 1024;
/// Boxes of ended conversations a worker keeps for new ones.
const MAX_SPARE: usize = 4 * BATCH_RECORDS;
/// Steps of a full batch's script: a frame, its end, and a stream released after it.
const STEPS: usize = 3 * BATCH_RECORDS;

/// One record's place in a batch's buffer.
#[derive(Debug, Clone, Copy)]
struct Meta {
    frame: u64,
    ts: Timestamp,
    link: LinkType,
    interface: u32,
    orig_len: u32,
    start: usize,
    end: usize,
}

/// Records read and decoded by the numbering thread, shared with the workers and the merger.
#[derive(Debug, Default)]
struct Batch {
    data: Vec<u8>,
    recs: Vec<Meta>,
    /// Each record decoded, to be had back over `data` without decoding again.
    frames: Vec<Option<Detached>>,
}

impl Batch {
    /// Room for a full batch, so that filling it never moves it.
    fn new() -> Self {
        Batch {
            data: Vec::with_capacity(BATCH_BYTES + MAX_RECORD_GUESS),
            recs: Vec::with_capacity(BATCH_RECORDS),
            frames: Vec::with_capacity(BATCH_RECORDS),
        }
    }

    fn clear(&mut self) {
        self.data.clear();
        self.recs.clear();
        self.frames.clear();
    }

    fn push(&mut self, rec: &Record<'_>, frame: &Frame<'_>) -> u32 {
        self.frames.push(frame.detach());
        let start = self.data.len();
        self.data.extend_from_slice(rec.data);
        self.recs.push(Meta {
            frame: rec.frame,
            ts: rec.ts,
            link: rec.link,
            interface: rec.interface,
            orig_len: rec.orig_len,
            start,
            end: self.data.len(),
        });
        (self.recs.len() - 1) as u32
    }

    fn full(&self) -> bool {
        self.recs.len() >= BATCH_RECORDS || self.data.len() >= BATCH_BYTES
    }

    /// Record `i`, decoded.
    fn frame(&self, i: u32) -> Option<Frame<'_>> {
        let rec = self.record(i)?;
        Some(match self.frames.get(i as usize) {
            Some(Some(d)) => d.attach(rec.data),
            _ => decode::decode(&rec),
        })
    }

    fn record(&self, i: u32) -> Option<Record<'_>> {
        let m = self.recs.get(i as usize)?;
        Some(Record {
            frame: m.frame,
            ts: m.ts,
            link: m.link,
            interface: m.interface,
            data: self.data.get(m.start..m.end)?,
            orig_len: m.orig_len,
        })
    }
}

/// What the merger does next.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A frame: decode it and make its calls, all but `on_frame`.
    Frame { rec: u32, kind: Kind },
    /// A stream ended (evicted, or a closed stream released): the next conversation the
    /// worker returned.
    End { worker: u16 },
    /// The frame's `on_frame`.
    FrameDone,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A TCP segment, analysed by a worker.
    Tcp { worker: u16, placement: Placement },
    /// An ICMP error quoting a TCP header, with the stream it was numbered into.
    Quoted { stream: Option<u32> },
    /// Anything else (UDP on the DNS port is parsed by the merger).
    Other,
}

/// A worker's part of a batch.
#[derive(Debug, Clone, Copy)]
enum Cmd {
    Segment {
        rec: u32,
        placement: Placement,
        base_seq: [Option<u32>; 2],
    },
    /// A stream an ICMP quote created: it has no segments, but it is a conversation.
    Open {
        stream: u32,
        src: SocketAddr,
        dst: SocketAddr,
        frame: u64,
        ts: Timestamp,
    },
    End {
        stream: u32,
    },
}

struct Job {
    batch: Arc<Batch>,
    cmds: Vec<Cmd>,
}

struct Script {
    batch: Arc<Batch>,
    steps: Vec<Step>,
}

/// A batch and a script the merger is done with, for the numbering thread to fill again:
/// buffers go back to the thread that made them instead of being freed on another.
struct Spent {
    batch: Batch,
    steps: Vec<Step>,
}

/// The merger's ends of one worker's channels: its results, and its emptied buffers going
/// back (with the boxes of the conversations that ended, for new ones).
struct Lane {
    from: Receiver<FromWorker>,
    back: SyncSender<Out>,
}

/// What an observer is shown of one segment.
struct SegmentOut {
    analysis: Option<AnalysisFlags>,
    duplicate: bool,
    summary: StreamSummary,
    base_seq: [Option<u32>; 2],
    /// How many of the batch's events are this segment's.
    events: u32,
}

#[derive(Default)]
#[allow(clippy::vec_box)] // the ended conversations are moved, not copied, and their boxes reused
struct Out {
    segments: Vec<SegmentOut>,
    events: Vec<(usize, AppEvent)>,
    ended: Vec<Box<Conversation>>,
}

/// A worker's streams still open at the end, and its application-layer counts.
#[allow(clippy::vec_box)] // moved into the analysis as they are
struct Last {
    open: Vec<Box<Conversation>>,
    malformed_dns: u64,
    dropped_bytes: u64,
    gap_bytes: u64,
}

enum FromWorker {
    Batch(Out),
    Last(Last),
}

/// What the numbering thread counted.
struct Numbered {
    capture: CaptureInfo,
    frame_map: FrameMap,
    stats: FrameStats,
    evicted: u64,
    released: u64,
}

/// Runs the pipeline with `options.threads - 1` workers (at least one).
pub fn run(reader: CaptureReader, observer: &mut dyn Observer, options: &Options) -> Analysis {
    let workers = options.threads.saturating_sub(1).clamp(1, usize::from(u16::MAX));
    std::thread::scope(|scope| {
        let (script_tx, script_rx) = sync_channel::<Script>(QUEUE);
        let (spent_tx, spent_rx) = sync_channel::<Spent>(QUEUE);
        let mut job_txs = Vec::with_capacity(workers);
        let mut lanes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (job_tx, job_rx) = sync_channel::<Job>(QUEUE);
            let (out_tx, out_rx) = sync_channel::<FromWorker>(QUEUE);
            let (back_tx, back_rx) = sync_channel::<Out>(QUEUE);
            let cap = options.reassembly_cap;
            scope.spawn(move || work(job_rx, out_tx, back_rx, cap));
            job_txs.push(job_tx);
            lanes.push(Lane { from: out_rx, back: back_tx });
        }
        let front = scope.spawn(move || number(reader, options, job_txs, script_tx, spent_rx));
        let merged = merge(script_rx, &lanes, &spent_tx, observer);
        drop(lanes);
        // The numbering thread cannot fail short of a bug; its panic is the scope's.
        let numbered = front.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        finish(merged, numbered, observer, options)
    })
}

/// The numbering thread: reads, decodes, numbers, and deals out the batches.
fn number(
    mut reader: CaptureReader,
    options: &Options,
    jobs: Vec<SyncSender<Job>>,
    scripts: SyncSender<Script>,
    spent: Receiver<Spent>,
) -> Numbered {
    let workers = jobs.len();
    let owner = |stream: u32| (stream as usize % workers) as u16;
    let mut flows: FlowTable<Slot> = FlowTable::with_capacity_limit(options.max_streams);
    let mut stats = FrameStats::default();
    let mut batch = Batch::new();
    let per_worker = BATCH_RECORDS.div_ceil(workers) * 2;
    let mut cmds: Vec<Vec<Cmd>> = (0..workers).map(|_| Vec::with_capacity(per_worker)).collect();
    let mut steps: Vec<Step> = Vec::with_capacity(STEPS);
    // A stream the table let go of: its worker hands the conversation over, and the merger
    // shows it to the observer here in the order of calls.
    let end = |stream: u32, cmds: &mut Vec<Vec<Cmd>>, steps: &mut Vec<Step>| {
        let worker = owner(stream);
        if let Some(c) = cmds.get_mut(usize::from(worker)) {
            c.push(Cmd::End { stream });
        }
        steps.push(Step::End { worker });
    };
    // Lets go of the streams the table evicts to make room, as the sequential engine does.
    let evict = |flows: &mut FlowTable<Slot>, cmds: &mut Vec<Vec<Cmd>>, steps: &mut Vec<Step>| {
        if flows.full() {
            for slot in flows.evict() {
                end(slot.stream(), cmds, steps);
                flows.recycle(slot);
            }
        }
    };
    let mut open = true;
    while open {
        let Some(rec) = reader.next_record() else { break };
        if options.last_frame.is_some_and(|last| rec.frame > last) {
            break;
        }
        let frame = decode::decode(&rec);
        let idx = batch.push(&rec, &frame);
        stats.note(&frame);
        // The kind of step the frame makes; the TCP arm pushes its own, since the end of a
        // stream it releases comes after it.
        let kind = match (&frame.l4, frame.ip) {
            (L4::Tcp(tcp), Some(ip)) => {
                evict(&mut flows, &mut cmds, &mut steps);
                let (src, dst) = (SocketAddr::new(ip.src, tcp.src_port), SocketAddr::new(ip.dst, tcp.dst_port));
                let placement = flows.place(src, dst, tcp.flags, tcp.seq, tcp.ack, frame.frame, frame.ts, false);
                let worker = owner(placement.stream);
                let mut release = None;
                if let Some(slot) = flows.get_mut(placement.stream) {
                    slot.record(placement.dir, frame.ts, tcp.flags);
                    let base_seq = slot.numbering().base_seq;
                    if let Some(c) = cmds.get_mut(usize::from(worker)) {
                        c.push(Cmd::Segment { rec: idx, placement, base_seq });
                    }
                    if tcp.flags.rst() || slot.fin_both() {
                        release = flows.note_closed(placement.stream);
                    }
                }
                steps.push(Step::Frame { rec: idx, kind: Kind::Tcp { worker, placement } });
                if let Some(old) = release {
                    end(old.stream(), &mut cmds, &mut steps);
                    flows.recycle(old);
                }
                None
            }
            (L4::Icmp(icmp), Some(_)) if icmp.quoted.is_some_and(|q| q.protocol == decode::PROTO_TCP) => {
                let mut stream = None;
                if let Some((q, (seq, ack, flags))) = icmp.quoted.and_then(|q| Some((q, q.tcp?))) {
                    evict(&mut flows, &mut cmds, &mut steps);
                    let (src, dst) = (SocketAddr::new(q.src, q.src_port), SocketAddr::new(q.dst, q.dst_port));
                    let p = flows.place(src, dst, flags, seq, ack, frame.frame, frame.ts, true);
                    if p.is_new {
                        if let Some(c) = cmds.get_mut(usize::from(owner(p.stream))) {
                            c.push(Cmd::Open { stream: p.stream, src, dst, frame: frame.frame, ts: frame.ts });
                        }
                    }
                    stream = Some(p.stream);
                }
                Some(Kind::Quoted { stream })
            }
            _ => Some(Kind::Other),
        };
        if let Some(kind) = kind {
            steps.push(Step::Frame { rec: idx, kind });
        }
        steps.push(Step::FrameDone);
        if batch.full() {
            open = deal(&mut batch, &mut cmds, &mut steps, &jobs, &scripts, &spent);
        }
    }
    if open {
        deal(&mut batch, &mut cmds, &mut steps, &jobs, &scripts, &spent);
    }
    let (evicted, released) = (flows.evicted(), flows.released());
    let (capture, frame_map) = reader.into_parts();
    Numbered { capture, frame_map, stats, evicted, released }
}

/// Sends a batch: first each worker its part, then the merger its script (a worker's part
/// is always on its way before the script that waits for it). False when the merger has
/// gone.
fn deal(
    batch: &mut Batch,
    cmds: &mut [Vec<Cmd>],
    steps: &mut Vec<Step>,
    jobs: &[SyncSender<Job>],
    scripts: &SyncSender<Script>,
    spent: &Receiver<Spent>,
) -> bool {
    let (fresh, fresh_steps) = match spent.try_recv() {
        Ok(mut s) => {
            s.batch.clear();
            s.steps.clear();
            (s.batch, s.steps)
        }
        Err(_) => (Batch::new(), Vec::with_capacity(STEPS)),
    };
    let shared = Arc::new(std::mem::replace(batch, fresh));
    for (tx, c) in jobs.iter().zip(cmds.iter_mut()) {
        let room = c.capacity();
        let job = Job { batch: Arc::clone(&shared), cmds: std::mem::replace(c, Vec::with_capacity(room)) };
        if tx.send(job).is_err() {
            return false;
        }
    }
    let steps = std::mem::replace(steps, fresh_steps);
    scripts.send(Script { batch: shared, steps }).is_ok()
}

/// A worker: the per-stream work on its streams' segments.
fn work(jobs: Receiver<Job>, out: SyncSender<FromWorker>, back: Receiver<Out>, reassembly_cap: usize) {
    let mut convs: HashMap<u32, Box<Conversation>> = HashMap::default();
    #[allow(clippy::vec_box)] // the boxes are what is reused
    let mut spare: Vec<Box<Conversation>> = Vec::new();
    let mut apps = AppTable::new(reassembly_cap);
    for Job { batch, cmds } in jobs {
        let mut o = match back.try_recv() {
            Ok(mut o) => {
                o.segments.clear();
                o.events.clear();
                let room = MAX_SPARE.saturating_sub(spare.len());
                spare.extend(o.ended.drain(..).take(room));
                o.ended.clear();
                o
            }
            Err(_) => Out {
                segments: Vec::with_capacity(cmds.len()),
                events: Vec::with_capacity(cmds.len() / 2),
                ended: Vec::new(),
            },
        };
        let mut open =
            |stream, src, dst, frame, ts| reuse_box(&mut spare, Conversation::open(stream, src, dst, frame, ts));
        for cmd in cmds {
            match cmd {
                Cmd::Segment { rec, placement, base_seq } => {
                    let Some(frame) = batch.frame(rec) else { continue };
                    let (L4::Tcp(tcp), Some(ip)) = (&frame.l4, frame.ip) else { continue };
                    let stream = placement.stream;
                    let conv = convs.entry(stream).or_insert_with(|| {
                        let (src, dst) = (SocketAddr::new(ip.src, tcp.src_port), SocketAddr::new(ip.dst, tcp.dst_port));
                        open(stream, src, dst, frame.frame, frame.ts)
                    });
                    conv.numbering.base_seq = base_seq;
                    if placement.syn_repeated {
                        conv.analysis.syn_repeated(placement.dir);
                    }
                    let info = engine::track(conv, placement, &frame, &ip, tcp);
                    let before = o.events.len();
                    apps.tcp_segment(&engine::segment_in(&placement, tcp, conv), &mut |dir, ev| {
                        o.events.push((dir, ev))
                    });
                    o.segments.push(SegmentOut {
                        analysis: info.analysis,
                        duplicate: info.duplicate,
                        summary: conv.summary.clone(),
                        base_seq,
                        events: (o.events.len() - before) as u32,
                    });
                    if engine::closes(tcp, conv) {
                        apps.close(stream);
                    }
                }
                Cmd::Open { stream, src, dst, frame, ts } => {
                    convs.insert(stream, open(stream, src, dst, frame, ts));
                }
                Cmd::End { stream } => {
                    if let Some(c) = convs.remove(&stream) {
                        apps.close(stream);
                        o.ended.push(c);
                    }
                }
            }
        }
        // Let go of the batch before the merger can want it back.
        drop(batch);
        if out.send(FromWorker::Batch(o)).is_err() {
            return;
        }
    }
    apps.finish();
    let open = convs.into_values().collect();
    let last = Last {
        open,
        malformed_dns: apps.malformed_dns,
        dropped_bytes: apps.reassembly_dropped_bytes,
        gap_bytes: apps.reassembly_gap_bytes,
    };
    // The merger may have stopped; then nobody wants this.
    let _ = out.send(FromWorker::Last(last));
}

/// What the merger gathered.
struct Merged {
    quality: Quality,
    udp_malformed_dns: u64,
    lasts: Vec<Last>,
}

/// Where the merger is in one worker's results for a batch.
struct Cursor {
    out: Out,
    segment: usize,
    event: usize,
    ended: usize,
}

/// The merger: follows the scripts in frame order and makes the observer's calls.
fn merge(scripts: Receiver<Script>, lanes: &[Lane], spent: &SyncSender<Spent>, observer: &mut dyn Observer) -> Merged {
    let mut quality = Quality::default();
    let mut udp_malformed_dns = 0u64;
    // The conversation observers are shown per segment: the worker's summary and bases.
    let nowhere = SocketAddr::from(([0, 0, 0, 0], 0));
    let mut shown = Conversation::open(0, nowhere, nowhere, 0, Timestamp(0));
    let mut lasts = Vec::with_capacity(lanes.len());
    let mut cursors: Vec<Cursor> = Vec::with_capacity(lanes.len());
    // False when a worker stopped before the end (a bug): then nothing is waited for, so
    // that every thread sees its channels close and the scope can report the panic.
    let mut complete = true;
    'scripts: for script in scripts {
        cursors.clear();
        for lane in lanes {
            match lane.from.recv() {
                Ok(FromWorker::Batch(out)) => cursors.push(Cursor { out, segment: 0, event: 0, ended: 0 }),
                // A worker that stopped early: nothing more can be merged in order.
                Ok(FromWorker::Last(_)) | Err(_) => {
                    complete = false;
                    break 'scripts;
                }
            }
        }
        let mut current = None;
        for step in &script.steps {
            match *step {
                Step::Frame { rec, kind } => {
                    let Some(frame) = script.batch.frame(rec) else { continue };
                    match kind {
                        Kind::Tcp { worker, placement } => {
                            let Some(c) = cursors.get_mut(usize::from(worker)) else { continue };
                            let (Some(seg), L4::Tcp(tcp), Some(ip)) =
                                (c.out.segments.get(c.segment), &frame.l4, frame.ip)
                            else {
                                continue;
                            };
                            c.segment += 1;
                            quality.duplicate_frames += u64::from(seg.duplicate);
                            shown.summary.clone_from(&seg.summary);
                            shown.numbering.base_seq = seg.base_seq;
                            let info = TcpInfo { placement, analysis: seg.analysis, duplicate: seg.duplicate };
                            observer.on_tcp(&frame, tcp, &info, &shown);
                            let (src, dst) =
                                (SocketAddr::new(ip.src, tcp.src_port), SocketAddr::new(ip.dst, tcp.dst_port));
                            let events = c.out.events.get(c.event..c.event + seg.events as usize).unwrap_or_default();
                            c.event += events.len();
                            for (dir, ev) in events {
                                let ctx = AppCtx { stream: Some(placement.stream), dir: *dir, src, dst };
                                observer.on_app(&frame, &ctx, ev, Some(&shown));
                            }
                        }
                        Kind::Quoted { stream } => observer.on_quoted_tcp(&frame, stream),
                        Kind::Other => udp_malformed_dns += u64::from(engine::udp_dns(&frame, observer)),
                    }
                    current = Some(frame);
                }
                Step::End { worker } => {
                    let Some(c) = cursors.get_mut(usize::from(worker)) else { continue };
                    if let Some(conv) = c.out.ended.get(c.ended) {
                        c.ended += 1;
                        quality.note_stream(conv);
                        observer.on_stream_end(conv, true);
                    }
                }
                Step::FrameDone => {
                    if let Some(frame) = current.take() {
                        observer.on_frame(&frame);
                    }
                }
            }
        }
        // Buffers go back where they came from; when a queue back is full they are freed.
        for (lane, c) in lanes.iter().zip(cursors.drain(..)) {
            let _ = lane.back.try_send(c.out);
        }
        let Script { batch, steps } = script;
        if let Ok(batch) = Arc::try_unwrap(batch) {
            let _ = spent.try_send(Spent { batch, steps });
        }
    }
    for lane in lanes.iter().filter(|_| complete) {
        if let Ok(FromWorker::Last(last)) = lane.from.recv() {
            lasts.push(last);
        }
    }
    Merged { quality, udp_malformed_dns, lasts }
}

/// The streams still open at the end go to the observer in stream order; then the analysis.
fn finish(merged: Merged, numbered: Numbered, observer: &mut dyn Observer, options: &Options) -> Analysis {
    let Merged { mut quality, udp_malformed_dns, lasts } = merged;
    let mut malformed_dns = udp_malformed_dns;
    let (mut dropped, mut gaps) = (0, 0);
    let mut conversations = Vec::new();
    for last in lasts {
        malformed_dns += last.malformed_dns;
        dropped += last.dropped_bytes;
        gaps += last.gap_bytes;
        conversations.extend(last.open);
    }
    conversations.sort_unstable_by_key(|c| c.summary.stream);
    for conv in &conversations {
        quality.note_stream(conv);
        observer.on_stream_end(conv, false);
    }
    quality.timestamps_backwards = numbered.stats.timestamps_backwards;
    let visibility = quality.settle(numbered.stats.visibility);
    Analysis {
        visibility,
        capture: numbered.capture,
        frame_map: numbered.frame_map,
        conversations,
        anomalies: numbered.stats.anomalies,
        tunnels: numbered.stats.tunnels,
        malformed_dns,
        reassembly_dropped_bytes: dropped,
        reassembly_gap_bytes: gaps,
        reassembly_cap: options.reassembly_cap,
        quality,
        evicted_streams: numbered.evicted,
        released_streams: numbered.released,
        max_streams: options.max_streams,
        detector_caps: Vec::new(),
        health: None,
    }
}
