//! Flow table: the third step of the pipeline. Numbers TCP streams as Wireshark's
//! `tcp.stream` does.
//!
//! Wireshark keys a conversation by its address/port pair in either direction and gives
//! each new conversation the next stream index. A pure SYN whose sequence number differs
//! from the ISN already recorded for that direction starts a new conversation on the same
//! 4-tuple (flagged `tcp.analysis.reused_ports`), and so does a SYN/ACK with a new ISN
//! (packet-tcp.c, issues 15097 and 16944). A TCP header quoted inside an ICMP error (its first
//! 16 bytes at least) also finds or creates a conversation, as Wireshark 4.0's does, but is not
//! analysed: backscatter of connections the capture never saw shifts later stream numbers.

use crate::HashMap;
use std::net::{IpAddr, SocketAddr};

use crate::capture::Timestamp;
use crate::decode::TcpFlags;
use crate::tcp::analysis::ConvAnalysis;
use crate::tcp::dup::DupFilter;
use crate::tcp::stream::StreamSummary;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    lo: (IpAddr, u16),
    hi: (IpAddr, u16),
}

impl FlowKey {
    pub fn new(a: SocketAddr, b: SocketAddr) -> Self {
        let (x, y) = ((a.ip(), a.port()), (b.ip(), b.port()));
        if x <= y { FlowKey { lo: x, hi: y } } else { FlowKey { lo: y, hi: x } }
    }
}

/// Where a stream's packets are in the capture: enough to find them again in a second pass
/// without a flow table, even after the stream was evicted from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRef {
    pub stream: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first_frame: u64,
    pub last_frame: u64,
}

/// What numbering needs of every stream, whatever else is kept with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Numbering {
    /// Wireshark's `base_seq` per direction (ISN, or first seq - 1 when no SYN was seen).
    pub base_seq: [Option<u32>; 2],
    /// Queued in the table's list of closed streams.
    closed_noted: bool,
}

/// What a [`FlowTable`] keeps per stream. The sequential engine keeps whole
/// [`Conversation`]s; the parallel engine's numbering thread keeps [`Slot`]s and leaves the
/// conversations to its workers (`crate::parallel`).
pub trait Tracked {
    fn open(stream: u32, src: SocketAddr, dst: SocketAddr, frame: u64, ts: Timestamp) -> Self;
    fn stream(&self) -> u32;
    /// The endpoint that sent the stream's first packet, and the other.
    fn endpoints(&self) -> (SocketAddr, SocketAddr);
    fn numbering(&self) -> &Numbering;
    fn numbering_mut(&mut self) -> &mut Numbering;
    /// A SYN with the ISN already recorded for side `dir` was placed (a retransmission).
    fn syn_repeated(&mut self, dir: usize);
    /// Closed (a RST either way, or FIN both ways), and the time of its latest packet: the
    /// order of eviction.
    fn activity(&self) -> (bool, Timestamp);

    /// 0 when `src` is the endpoint that sent this stream's first packet.
    fn direction(&self, src: SocketAddr) -> usize {
        usize::from(src != self.endpoints().0)
    }
}

/// One TCP conversation: its summary and its analysis state.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub summary: StreamSummary,
    pub analysis: ConvAnalysis,
    /// Recent packets per direction, to tell capture copies from retransmissions.
    pub dups: DupFilter,
    pub numbering: Numbering,
}

impl Tracked for Conversation {
    fn open(stream: u32, src: SocketAddr, dst: SocketAddr, frame: u64, ts: Timestamp) -> Self {
        Conversation {
            summary: StreamSummary::new(stream, src, dst, frame, ts),
            analysis: ConvAnalysis::default(),
            dups: DupFilter::default(),
            numbering: Numbering::default(),
        }
    }
    fn stream(&self) -> u32 {
        self.summary.stream
    }
    fn endpoints(&self) -> (SocketAddr, SocketAddr) {
        (self.summary.first_src, self.summary.first_dst)
    }
    fn numbering(&self) -> &Numbering {
        &self.numbering
    }
    fn numbering_mut(&mut self) -> &mut Numbering {
        &mut self.numbering
    }
    fn syn_repeated(&mut self, dir: usize) {
        self.analysis.syn_repeated(dir);
    }
    fn activity(&self) -> (bool, Timestamp) {
        let s = &self.summary;
        let closed = s.sides.iter().any(|d| d.rst_frame.is_some()) || s.sides.iter().all(|d| d.fin_frame.is_some());
        (closed, s.end)
    }
}

/// The numbering thread's record of a stream: what [`Conversation`]'s summary says about
/// closing and activity, kept from the same packets (`record`).
#[derive(Debug, Clone)]
pub struct Slot {
    stream: u32,
    first: (SocketAddr, SocketAddr),
    numbering: Numbering,
    end: Timestamp,
    rst: bool,
    fin: [bool; 2],
}

impl Slot {
    /// One segment of side `dir`, as [`StreamSummary::record`] sees it.
    pub fn record(&mut self, dir: usize, ts: Timestamp, flags: TcpFlags) {
        if ts > self.end {
            self.end = ts;
        }
        self.rst |= flags.rst();
        if let Some(f) = self.fin.get_mut(dir) {
            *f |= flags.fin();
        }
    }

    /// Both sides sent a FIN.
    pub fn fin_both(&self) -> bool {
        self.fin == [true, true]
    }
}

impl Tracked for Slot {
    fn open(stream: u32, src: SocketAddr, dst: SocketAddr, _frame: u64, ts: Timestamp) -> Self {
        Slot { stream, first: (src, dst), numbering: Numbering::default(), end: ts, rst: false, fin: [false; 2] }
    }
    fn stream(&self) -> u32 {
        self.stream
    }
    fn endpoints(&self) -> (SocketAddr, SocketAddr) {
        self.first
    }
    fn numbering(&self) -> &Numbering {
        &self.numbering
    }
    fn numbering_mut(&mut self) -> &mut Numbering {
        &mut self.numbering
    }
    fn syn_repeated(&mut self, _dir: usize) {}
    fn activity(&self) -> (bool, Timestamp) {
        (self.rst || self.fin_both(), self.end)
    }
}

impl Conversation {
    /// Where this stream's packets are, as far as the capture has been read.
    pub fn flow_ref(&self) -> FlowRef {
        let s = &self.summary;
        FlowRef {
            stream: s.stream,
            client: s.client(),
            server: s.server(),
            first_frame: s.first_frame,
            last_frame: s.last_frame,
        }
    }

    /// The sequence number of the first payload byte from side `dir`, when its SYN was seen
    /// (ISN + 1): where reassembly of that side starts, whichever segment comes first.
    pub fn data_start(&self, dir: usize) -> Option<u32> {
        let syn_seen = self.summary.sides.get(dir).is_some_and(|s| s.syn_frame.is_some());
        syn_seen.then(|| self.numbering.base_seq.get(dir).copied().flatten()).flatten().map(|isn| isn.wrapping_add(1))
    }

    /// Relative sequence number, as Wireshark shows `tcp.seq`.
    pub fn relative_seq(&self, dir: usize, seq: u32) -> u32 {
        seq.wrapping_sub(self.numbering.base_seq.get(dir).copied().flatten().unwrap_or(0))
    }
}

/// `value` in a box from `spare` when there is one (no allocation), else in a new one.
#[allow(clippy::vec_box)] // the boxes are what is reused
pub fn reuse_box<T>(spare: &mut Vec<Box<T>>, value: T) -> Box<T> {
    match spare.pop() {
        Some(mut b) => {
            *b = value;
            b
        }
        None => Box::new(value),
    }
}

/// Where a TCP header landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub stream: u32,
    pub dir: usize,
    /// A new conversation was created for this packet.
    pub is_new: bool,
    /// The new conversation reuses the 4-tuple of an earlier one.
    pub reused_ports: bool,
    /// A pure SYN with the ISN already recorded: a retransmitted SYN (its sequence analysis
    /// restarts from it, [`Tracked::syn_repeated`]).
    pub syn_repeated: bool,
}

/// Conversations the table holds by default before it evicts stale ones: 2^17, so that
/// 100,000 streams open at once fit beside the closed ones still held (at most an eighth of
/// the bound), and none is evicted while it is in use (docs/PERFORMANCE.md: 190 MB peak).
pub const DEFAULT_MAX_LIVE: usize = 131_072;

/// The conversations of one capture, numbered as Wireshark numbers `tcp.stream`.
///
/// Bounded: at most `max_live` conversations are held. When a new one would exceed that,
/// [`FlowTable::evict`] lets go of a quarter of them, closed ones (RST, or FIN both ways)
/// first, then those idle longest. A capture with fewer concurrent streams than the bound
/// is never touched, so stream numbers match Wireshark's; after an eviction, a 4-tuple that
/// reappears gets a new stream number where Wireshark would have continued the old one.
/// Closed streams have a tighter bound of their own ([`FlowTable::note_closed`]).
pub struct FlowTable<C = Conversation> {
    /// Closed streams (RST, or FIN both ways) in the order they closed. At most
    /// `max_live / 8` are kept: a busy server closes far more connections than it holds open,
    /// and the closed ones need no more than a little time for stragglers.
    closed: std::collections::VecDeque<u32>,
    current: HashMap<FlowKey, u32>,
    /// Boxed: a table of 760-byte values would waste most of its empty slots.
    live: HashMap<u32, Box<C>>,
    /// Boxes of conversations let go of, reused for new ones: a capture of a million short
    /// flows allocates `max_live` boxes, not a million (fewer calls, and no heap
    /// fragmentation between them and the detectors' small allocations). At most a quarter
    /// of the bound plus one are kept.
    #[allow(clippy::vec_box)] // the boxes are what is reused
    spare: Vec<Box<C>>,
    next: u32,
    max_live: usize,
    evicted: u64,
    released: u64,
}

impl<C: Tracked> Default for FlowTable<C> {
    fn default() -> Self {
        Self::with_capacity_limit(DEFAULT_MAX_LIVE)
    }
}

impl<C: Tracked> FlowTable<C> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity_limit(max_live: usize) -> Self {
        FlowTable {
            closed: std::collections::VecDeque::new(),
            current: HashMap::default(),
            live: HashMap::default(),
            spare: Vec::new(),
            next: 0,
            max_live: max_live.max(16),
            evicted: 0,
            released: 0,
        }
    }

    pub fn get(&self, stream: u32) -> Option<&C> {
        self.live.get(&stream).map(|b| &**b)
    }

    pub fn get_mut(&mut self, stream: u32) -> Option<&mut C> {
        self.live.get_mut(&stream).map(|b| &mut **b)
    }

    /// Live conversations, in stream order.
    pub fn conversations(&self) -> Vec<&C> {
        let mut v: Vec<&C> = self.live.values().map(|b| &**b).collect();
        v.sort_unstable_by_key(|c| c.stream());
        v
    }

    /// Live conversations, in stream order (still boxed: unboxing would copy them all while
    /// the originals are alive, doubling the peak).
    pub fn into_conversations(self) -> Vec<Box<C>> {
        let mut v: Vec<Box<C>> = self.live.into_values().collect();
        v.sort_unstable_by_key(|c| c.stream());
        v
    }

    /// Conversations evicted so far because the table was full.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Closed conversations let go of so far because more were held than an eighth of the
    /// bound: finished streams, reported in full before they went.
    pub fn released(&self) -> u64 {
        self.released
    }

    /// Gives back a conversation that [`FlowTable::note_closed`] or [`FlowTable::evict`]
    /// returned, once its observers are done with it, for its box to be reused.
    pub fn recycle(&mut self, c: Box<C>) {
        if self.spare.len() <= self.max_live / 4 {
            self.spare.push(c);
        }
    }

    /// Notes that `stream` has closed. When more closed streams are held than the bound
    /// allows, the one that closed longest ago is released and returned.
    pub fn note_closed(&mut self, stream: u32) -> Option<Box<C>> {
        let c = self.live.get_mut(&stream)?.numbering_mut();
        if c.closed_noted {
            return None;
        }
        c.closed_noted = true;
        self.closed.push_back(stream);
        if self.closed.len() <= self.max_live / 8 {
            return None;
        }
        let oldest = self.closed.pop_front()?;
        let c = self.live.remove(&oldest)?;
        let (a, b) = c.endpoints();
        let key = FlowKey::new(a, b);
        if self.current.get(&key) == Some(&oldest) {
            self.current.remove(&key);
        }
        self.released += 1;
        Some(c)
    }

    /// True when the next new conversation would exceed the bound.
    pub fn full(&self) -> bool {
        self.live.len() >= self.max_live
    }

    /// Lets go of a quarter of the live conversations (closed first, then the longest idle)
    /// and returns them, in stream order, for their last observers.
    pub fn evict(&mut self) -> Vec<Box<C>> {
        let n = self.live.len() / 4;
        if n == 0 {
            return Vec::new();
        }
        // Closed ones sort first (false < true), then by last activity.
        let mut order: Vec<(bool, Timestamp, u32)> = self
            .live
            .values()
            .map(|c| {
                let (closed, end) = c.activity();
                (!closed, end, c.stream())
            })
            .collect();
        order.select_nth_unstable(n - 1);
        let mut out: Vec<Box<C>> = Vec::with_capacity(n);
        for &(_, _, stream) in order.iter().take(n) {
            if let Some(c) = self.live.remove(&stream) {
                let (a, b) = c.endpoints();
                let key = FlowKey::new(a, b);
                if self.current.get(&key) == Some(&stream) {
                    self.current.remove(&key);
                }
                out.push(c);
            }
        }
        self.evicted += out.len() as u64;
        out.sort_unstable_by_key(|c| c.stream());
        out
    }

    fn create(&mut self, key: FlowKey, src: SocketAddr, dst: SocketAddr, frame: u64, ts: Timestamp) -> u32 {
        let stream = self.next;
        self.next = self.next.saturating_add(1);
        let boxed = reuse_box(&mut self.spare, C::open(stream, src, dst, frame, ts));
        self.live.insert(stream, boxed);
        self.current.insert(key, stream);
        stream
    }

    /// Finds or creates the conversation for a TCP header, applying Wireshark's port-reuse
    /// rules. `in_error` is true for a header quoted in an ICMP error.
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        frame: u64,
        ts: Timestamp,
        in_error: bool,
    ) -> Placement {
        let key = FlowKey::new(src, dst);
        let (mut stream, mut is_new) = match self.current.get(&key) {
            Some(&s) => (s, false),
            None => (self.create(key, src, dst, frame, ts), true),
        };
        let mut reused_ports = false;
        let mut syn_repeated = false;
        if !in_error {
            let pure_syn = flags.syn() && !flags.ack();
            let syn_ack = flags.syn() && flags.ack();
            if pure_syn || syn_ack {
                let conv = self.live.get(&stream);
                let dir = conv.map_or(0, |c| c.direction(src));
                let base = conv.and_then(|c| c.numbering().base_seq.get(dir).copied().flatten());
                match base {
                    Some(b) if b != seq && pure_syn => {
                        stream = self.create(key, src, dst, frame, ts);
                        is_new = true;
                        reused_ports = true;
                    }
                    // A SYN/ACK with a new ISN: Wireshark 4.0 flags the reuse but keeps the
                    // conversation and replaces its base_seq (issue 16944; corpus:
                    // rst-inject-rae frame 3). Later versions start a new conversation.
                    Some(b) if b != seq => {
                        if let Some(slot) =
                            self.live.get_mut(&stream).and_then(|c| c.numbering_mut().base_seq.get_mut(dir))
                        {
                            *slot = Some(seq);
                        }
                        reused_ports = true;
                    }
                    Some(_) if pure_syn => {
                        // Same ISN: a retransmitted SYN. Restore nextseq (issue 17616).
                        if let Some(c) = self.live.get_mut(&stream) {
                            c.syn_repeated(dir);
                            syn_repeated = true;
                        }
                    }
                    _ => {}
                }
            }
        }
        let conv = self.live.get_mut(&stream);
        let dir = conv.as_ref().map_or(0, |c| c.direction(src));
        if let (Some(c), false) = (conv, in_error) {
            let base_seq = &mut c.numbering_mut().base_seq;
            if base_seq.get(dir).copied().flatten().is_none() {
                let base = if flags.syn() { seq } else { seq.wrapping_sub(1) };
                if let Some(slot) = base_seq.get_mut(dir) {
                    *slot = Some(base);
                }
            }
            let rev = 1 - dir;
            if flags.ack() && base_seq.get(rev).copied().flatten().is_none() {
                if let Some(slot) = base_seq.get_mut(rev) {
                    *slot = Some(ack.wrapping_sub(1));
                }
            }
        }
        Placement { stream, dir, is_new, reused_ports, syn_repeated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn both_directions_share_a_stream() {
        let mut t = FlowTable::<Conversation>::new();
        let (c, s) = (sa("192.0.2.1:40000"), sa("198.51.100.2:443"));
        let a = t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, 1, Timestamp(0), false);
        let b = t.place(s, c, TcpFlags(TcpFlags::SYN | TcpFlags::ACK), 900, 101, 2, Timestamp(1), false);
        assert_eq!((a.stream, a.dir, b.stream, b.dir), (0, 0, 0, 1));
        assert!(a.is_new && !b.is_new);
    }

    #[test]
    fn a_new_isn_on_the_same_tuple_is_a_new_stream() {
        let mut t = FlowTable::<Conversation>::new();
        let (c, s) = (sa("192.0.2.1:40000"), sa("198.51.100.2:80"));
        t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, 1, Timestamp(0), false);
        let retx = t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, 2, Timestamp(1), false);
        assert_eq!(retx.stream, 0, "same ISN is a retransmission");
        let reuse = t.place(c, s, TcpFlags(TcpFlags::SYN), 5000, 0, 3, Timestamp(2), false);
        assert_eq!(reuse.stream, 1);
        assert!(reuse.reused_ports);
    }

    #[test]
    fn a_quoted_header_gets_a_stream_but_sets_no_isn() {
        let mut t = FlowTable::<Conversation>::new();
        let (c, s) = (sa("192.0.2.1:40000"), sa("198.51.100.2:80"));
        let q = t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, 1, Timestamp(0), true);
        assert!(q.is_new);
        let syn = t.place(c, s, TcpFlags(TcpFlags::SYN), 777, 0, 2, Timestamp(1), false);
        assert_eq!(syn.stream, 0, "no ISN was recorded from the ICMP quote");
    }

    #[test]
    fn eviction_lets_go_of_closed_streams_first_then_the_idlest() {
        let mut t = FlowTable::<Conversation>::with_capacity_limit(16);
        let s = sa("198.51.100.2:80");
        for i in 0..16u16 {
            let c = SocketAddr::new(sa("192.0.2.1:1").ip(), 40000 + i);
            let p = t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, u64::from(i) + 1, Timestamp(i64::from(i)), false);
            let conv = t.get_mut(p.stream).unwrap();
            conv.summary.record(
                0,
                u64::from(i) + 1,
                Timestamp(i64::from(i)),
                60,
                TcpFlags(TcpFlags::SYN),
                0,
                Default::default(),
            );
            // Streams 10 and 12 were reset; the rest are open, idle since their SYN.
            if i == 10 || i == 12 {
                conv.summary.record(1, 100, Timestamp(100), 60, TcpFlags(TcpFlags::RST), 0, Default::default());
            }
        }
        assert!(t.full());
        let gone: Vec<u32> = t.evict().iter().map(|c| c.summary.stream).collect();
        assert_eq!(gone, vec![0, 1, 10, 12], "the two reset streams, then the two idlest open ones");
        assert_eq!(t.evicted(), 4);
        assert!(!t.full());
        assert!(t.get(10).is_none() && t.get(2).is_some());
        // The evicted tuple is forgotten: it starts a new stream.
        let again = t.place(
            SocketAddr::new(sa("192.0.2.1:1").ip(), 40000),
            s,
            TcpFlags(TcpFlags::SYN),
            7,
            0,
            99,
            Timestamp(200),
            false,
        );
        assert!(again.is_new);
        assert_eq!(again.stream, 16);
    }

    #[test]
    fn closed_streams_beyond_an_eighth_of_the_bound_are_evicted_oldest_first() {
        let mut t = FlowTable::<Conversation>::with_capacity_limit(16); // two closed streams kept
        let s = sa("198.51.100.2:80");
        let mut evicted = Vec::new();
        for i in 0..4u16 {
            let c = SocketAddr::new(sa("192.0.2.1:1").ip(), 41000 + i);
            let p = t.place(c, s, TcpFlags(TcpFlags::SYN), 100, 0, u64::from(i) + 1, Timestamp(0), false);
            evicted.extend(t.note_closed(p.stream).map(|c| c.summary.stream));
            assert!(t.note_closed(p.stream).is_none(), "a stream is queued once");
        }
        assert_eq!(evicted, vec![0, 1]);
        assert_eq!(t.released(), 2);
        assert_eq!(t.evicted(), 0);
        assert!(t.get(0).is_none() && t.get(1).is_none() && t.get(2).is_some() && t.get(3).is_some());
    }
}
