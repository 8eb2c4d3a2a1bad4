//! Wireshark's TCP sequence analysis, ported so that pcapdoc flags the same frames.
//!
//! This follows `tcp_analyze_sequence_number()` in Wireshark's
//! `epan/dissectors/packet-tcp.c`, checked frame by frame against tshark 4.0 on every
//! committed capture (tests/golden). The order of the checks matters and is Wireshark's:
//! zero-window probe, zero window, lost segment, keep-alive, window update, window full,
//! keep-alive ACK, zero-window-probe ACK, duplicate ACK; then ACKed-unseen; then for
//! segments that do not advance the sequence: spurious retransmission, fast retransmission,
//! out-of-order (with the handshake RTT as threshold), and finally retransmission.
//!
//! The rules are those of the Wireshark 4.0 series, which differ from later releases in
//! places (no SACK-based fast retransmission, out-of-order timed from the highest segment,
//! the ACKed-unseen bookkeeping); each difference cites the corpus frame that settles it.
//! All 116,246 TCP frames of the 60 corpus captures match tshark 4.0.17 on every
//! `tcp.analysis.*` flag (tests/golden, `tests/tshark_agreement.rs`).
//!
//! Quirks kept on purpose, because Wireshark has them: a raw sequence number of 0 means
//! "not seen yet"; the unacked-segment list stops growing at 1000 entries.

use super::seq::Seq;
use crate::capture::Timestamp;
use crate::decode::TcpFlags;

/// Wireshark's `TCP_A_*` flags. `tcp.analysis.retransmission` is shown for all three
/// retransmission kinds; see [`AnalysisFlags::is_any_retransmission`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AnalysisFlags(pub u32);

impl AnalysisFlags {
    pub const RETRANSMISSION: u32 = 0x0001;
    pub const LOST_PACKET: u32 = 0x0002;
    pub const ACK_LOST_PACKET: u32 = 0x0004;
    pub const KEEP_ALIVE: u32 = 0x0008;
    pub const DUPLICATE_ACK: u32 = 0x0010;
    pub const ZERO_WINDOW: u32 = 0x0020;
    pub const ZERO_WINDOW_PROBE: u32 = 0x0040;
    pub const ZERO_WINDOW_PROBE_ACK: u32 = 0x0080;
    pub const KEEP_ALIVE_ACK: u32 = 0x0100;
    pub const OUT_OF_ORDER: u32 = 0x0200;
    pub const FAST_RETRANSMISSION: u32 = 0x0400;
    pub const WINDOW_UPDATE: u32 = 0x0800;
    pub const WINDOW_FULL: u32 = 0x1000;
    pub const REUSED_PORTS: u32 = 0x2000;
    pub const SPURIOUS_RETRANSMISSION: u32 = 0x4000;

    /// The `tcp.analysis.*` field names, in the order the golden files list them.
    pub const NAMES: [(u32, &'static str); 15] = [
        (Self::RETRANSMISSION, "retransmission"),
        (Self::FAST_RETRANSMISSION, "fast_retransmission"),
        (Self::SPURIOUS_RETRANSMISSION, "spurious_retransmission"),
        (Self::OUT_OF_ORDER, "out_of_order"),
        (Self::LOST_PACKET, "lost_segment"),
        (Self::ACK_LOST_PACKET, "ack_lost_segment"),
        (Self::DUPLICATE_ACK, "duplicate_ack"),
        (Self::KEEP_ALIVE, "keep_alive"),
        (Self::KEEP_ALIVE_ACK, "keep_alive_ack"),
        (Self::ZERO_WINDOW, "zero_window"),
        (Self::ZERO_WINDOW_PROBE, "zero_window_probe"),
        (Self::ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack"),
        (Self::WINDOW_UPDATE, "window_update"),
        (Self::WINDOW_FULL, "window_full"),
        (Self::REUSED_PORTS, "reused_ports"),
    ];

    pub fn has(self, f: u32) -> bool {
        self.0 & f != 0
    }
    pub fn set(&mut self, f: u32) {
        self.0 |= f;
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Wireshark sets `tcp.analysis.retransmission` on fast and spurious retransmissions too.
    pub fn is_any_retransmission(self) -> bool {
        self.has(Self::RETRANSMISSION | Self::FAST_RETRANSMISSION | Self::SPURIOUS_RETRANSMISSION)
    }
    /// The `tcp.analysis.*` fields this frame would show in Wireshark.
    pub fn field_names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(bit, name)| self.has(*bit) || (*name == "retransmission" && self.is_any_retransmission()))
            .map(|(_, n)| n)
    }
}

/// Wireshark's `TCP_MAX_UNACKED_SEGMENTS`.
const MAX_UNACKED_SEGMENTS: usize = 1000;
/// Fast retransmission must follow the last duplicate ACK within 20 ms.
const FAST_RETRANSMISSION_WINDOW_NS: i64 = 20_000_000;
/// Out-of-order threshold when the handshake RTT is unknown: 3 ms.
const DEFAULT_OOO_THRESHOLD_NS: i64 = 3_000_000;

#[derive(Clone, Copy, Debug)]
struct Unacked {
    seq: Seq,
    nextseq: Seq,
}

/// Wireshark's `tcp_flow_t` plus `tcp_analyze_seq_flow_info_t`: one direction's state.
#[derive(Clone, Debug, Default)]
pub struct FlowAnalysis {
    /// 0 means "none yet", as in Wireshark.
    nextseq: u32,
    /// When `nextseq` last advanced.
    nextseqtime: Timestamp,
    maxseqtobeacked: u32,
    lastack: u32,
    lastacktime: Timestamp,
    /// Signed: Wireshark uses -1 to mean "just ACKed unseen data".
    pub(crate) dupacknum: i32,
    /// Last raw window; Wireshark starts it at G_MAXUINT32 so that no real window equals it.
    pub(crate) window: u32,
    /// -1 unknown, -2 known not to be used, else the shift.
    win_scale: i8,
    is_first_ack: bool,
    lastsegmentflags: AnalysisFlags,
    /// Newest first, as Wireshark prepends.
    /// Sent but not yet ACKed segments. Order does not matter to any check we port.
    segments: Vec<Unacked>,
}

impl FlowAnalysis {
    pub fn new() -> Self {
        FlowAnalysis { win_scale: -1, window: u32::MAX, ..Default::default() }
    }
}

/// The two directions of one conversation, plus what Wireshark keeps per conversation.
#[derive(Clone, Debug)]
pub struct ConvAnalysis {
    pub flows: [FlowAnalysis; 2],
    /// Time of the most recent SYN (`ts_mru_syn`).
    ts_mru_syn: Option<Timestamp>,
    /// The handshake RTT (`ts_first_rtt`): SYN to the first pure ACK.
    pub first_rtt_ns: Option<i64>,
}

impl Default for ConvAnalysis {
    fn default() -> Self {
        ConvAnalysis { flows: [FlowAnalysis::new(), FlowAnalysis::new()], ts_mru_syn: None, first_rtt_ns: None }
    }
}

/// What the analysis needs of one segment.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub frame: u64,
    pub ts: Timestamp,
    pub seq: u32,
    pub ack: u32,
    pub seglen: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// The window-scale option, if the segment carried one.
    pub window_scale: Option<u8>,
}

const SYN_FIN_RST: u16 = TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST;

impl ConvAnalysis {
    /// Analyses one segment travelling in direction `dir` (0 or 1).
    pub fn analyze(&mut self, dir: usize, s: &Segment) -> AnalysisFlags {
        let mut ta = AnalysisFlags::default();
        let flags = s.flags.0;
        let seq = Seq(s.seq);
        let ack = Seq(s.ack);
        let seglen = s.seglen;
        let window = u32::from(s.window);
        let first_rtt = self.first_rtt_ns;
        let [f0, f1] = &mut self.flows;
        let (fwd, rev) = if dir == 0 { (f0, f1) } else { (f1, f0) };

        'fwd: {
            // ZERO WINDOW PROBE: exactly one byte at the next sequence into a zero window.
            if seglen == 1 && s.seq == fwd.nextseq && rev.window == 0 {
                ta.set(AnalysisFlags::ZERO_WINDOW_PROBE);
                break 'fwd;
            }
            // ZERO WINDOW: window 0 and none of SYN/FIN/RST.
            if window == 0 && flags & SYN_FIN_RST == 0 {
                ta.set(AnalysisFlags::ZERO_WINDOW);
            }
            // LOST PACKET: beyond the highest sequence seen. RSTs are not checked.
            if fwd.nextseq != 0 && seq.gt(Seq(fwd.nextseq)) && flags & TcpFlags::RST == 0 {
                ta.set(AnalysisFlags::LOST_PACKET);
            }
            // KEEP ALIVE: 0 or 1 byte, one before the next expected sequence number.
            if seglen <= 1 && s.seq == fwd.nextseq.wrapping_sub(1) && flags & SYN_FIN_RST == 0 {
                ta.set(AnalysisFlags::KEEP_ALIVE);
            }
            let same_seq_ack = s.seq == fwd.nextseq && s.ack == fwd.lastack;
            let plain = flags & SYN_FIN_RST == 0;
            // WINDOW UPDATE: a pure ACK repeating seq/ack with a new window.
            if seglen == 0 && window != 0 && window != fwd.window && same_seq_ack && plain {
                ta.set(AnalysisFlags::WINDOW_UPDATE);
            }
            // WINDOW FULL: data reaching exactly the edge of the peer's advertised window.
            if seglen > 0 && rev.win_scale != -1 && plain {
                let shift = if rev.is_first_ack || rev.win_scale == -2 { 0 } else { rev.win_scale.max(0) as u32 };
                let edge = Seq(rev.lastack) + rev.window.checked_shl(shift).unwrap_or(0);
                if seq + seglen == edge {
                    ta.set(AnalysisFlags::WINDOW_FULL);
                }
            }
            // KEEP ALIVE ACK: repeats the previous ACK right after a keep-alive.
            if seglen == 0
                && window != 0
                && window == fwd.window
                && same_seq_ack
                && rev.lastsegmentflags.has(AnalysisFlags::KEEP_ALIVE)
                && plain
            {
                ta.set(AnalysisFlags::KEEP_ALIVE_ACK);
                break 'fwd;
            }
            // ZERO WINDOW PROBE ACK: repeats the zero window right after a probe.
            if seglen == 0
                && window == 0
                && window == fwd.window
                && same_seq_ack
                && rev.lastsegmentflags.has(AnalysisFlags::ZERO_WINDOW_PROBE)
                && plain
            {
                ta.set(AnalysisFlags::ZERO_WINDOW_PROBE_ACK);
                break 'fwd;
            }
            // DUPLICATE ACK: a pure ACK repeating window, seq and ack.
            if seglen == 0 && window != 0 && window == fwd.window && same_seq_ack && plain {
                // -1 marks "this direction just ACKed unseen data" (see below).
                fwd.dupacknum = if fwd.dupacknum == -1 { 1 } else { fwd.dupacknum + 1 };
                ta.set(AnalysisFlags::DUPLICATE_ACK);
            }
        }
        // finished_fwd: a changed ACK resets the duplicate-ACK count.
        if s.ack != fwd.lastack {
            fwd.dupacknum = 0;
        }

        // ACKED LOST PACKET: this ACKs beyond anything seen in the other direction. To report
        // one gap once, the bound jumps forward to the other side's nextseq when it can;
        // when it is already there (the other side is stalled), the other direction's
        // dupacknum is set to -1 until it sends a different ACK. tshark 4.0's behaviour on
        // the corpus (KakaoTalk_chat frames 33-310, tcp-rst-unacked-stream-11 frames 14-27,
        // tls2, netflix) fits only `LT_SEQ(maxseqtobeacked, nextseq)` here.
        if rev.maxseqtobeacked != 0 && ack.gt(Seq(rev.maxseqtobeacked)) && flags & TcpFlags::ACK != 0 {
            if Seq(rev.maxseqtobeacked).lt(Seq(rev.nextseq)) {
                rev.maxseqtobeacked = rev.nextseq;
                ta.set(AnalysisFlags::ACK_LOST_PACKET);
            } else {
                if rev.dupacknum == 0 {
                    ta.set(AnalysisFlags::ACK_LOST_PACKET);
                }
                rev.dupacknum = -1;
            }
        }

        // RETRANSMISSION / FAST RETRANSMISSION / OUT-OF-ORDER, for segments that carry data
        // (or SYN/FIN) and do not advance the sequence number.
        let syn_or_fin = flags & (TcpFlags::SYN | TcpFlags::FIN) != 0;
        'retrans: {
            if !(seglen > 0 || syn_or_fin) || ta.has(AnalysisFlags::KEEP_ALIVE) {
                break 'retrans;
            }
            let mut seq_not_advanced = fwd.nextseq != 0 && seq.lt(Seq(fwd.nextseq));
            // More than one byte starting one below nextseq follows a possible zero-window
            // probe: new data, not a retransmission.
            if seglen > 1 && fwd.nextseq.wrapping_sub(1) == s.seq {
                seq_not_advanced = false;
            }
            // SPURIOUS: everything in it was already ACKed.
            if seglen > 0 && rev.lastack != 0 && (seq + seglen).le(Seq(rev.lastack)) {
                ta.set(AnalysisFlags::SPURIOUS_RETRANSMISSION);
                break 'retrans;
            }
            if !seq_not_advanced {
                break 'retrans;
            }
            // FAST RETRANSMISSION: >= 2 duplicate ACKs for this very sequence, and within
            // 20 ms of the last ACK from the other side.
            let since_ack = s.ts.since(rev.lastacktime);
            if rev.dupacknum >= 2 && rev.lastack == s.seq && since_ack < FAST_RETRANSMISSION_WINDOW_NS {
                ta.set(AnalysisFlags::FAST_RETRANSMISSION);
                break 'retrans;
            }
            // OUT-OF-ORDER: within one handshake RTT (3 ms if unknown) of the highest segment
            // of this direction, and not ending where that segment ended.
            let since_highest = s.ts.since(fwd.nextseqtime);
            let ooo_thres = first_rtt.filter(|&r| r != 0).unwrap_or(DEFAULT_OOO_THRESHOLD_NS);
            let expected_next = seq + seglen + u32::from(syn_or_fin);
            if since_highest < ooo_thres && Seq(fwd.nextseq) != expected_next {
                ta.set(AnalysisFlags::OUT_OF_ORDER);
                break 'retrans;
            }
            ta.set(AnalysisFlags::RETRANSMISSION);
        }

        let mut nextseq = seq + seglen;
        if (seglen > 0 || syn_or_fin) && fwd.segments.len() < MAX_UNACKED_SEGMENTS {
            if syn_or_fin {
                nextseq = nextseq + 1;
            }
            fwd.segments.push(Unacked { seq, nextseq });
        }
        // Highest sequence seen; zero-window probes do not advance it.
        if (nextseq.gt(Seq(fwd.nextseq)) || fwd.nextseq == 0) && !ta.has(AnalysisFlags::ZERO_WINDOW_PROBE) {
            fwd.nextseq = nextseq.0;
            fwd.nextseqtime = s.ts;
        }
        // Highest contiguous sequence, for ACKed-unseen detection.
        if (s.seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0) && !ta.has(AnalysisFlags::ZERO_WINDOW_PROBE) {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = window;
        fwd.lastack = s.ack;
        fwd.lastacktime = s.ts;
        fwd.lastsegmentflags = ta;

        // Forget what this ACK covers in the other direction; trim a partially ACKed one.
        rev.segments.retain_mut(|u| {
            if ack == u.nextseq {
                false
            } else if ack.gt(u.seq) && ack.le(u.nextseq) {
                u.seq = ack;
                true
            } else {
                u.nextseq.gt(ack)
            }
        });
        if rev.segments.is_empty() && rev.segments.capacity() > 32 {
            // Everything is acknowledged: give a large send window's memory back (a table of
            // 100,000 idle streams should not hold their old windows). Small ones are kept:
            // freeing them would mean a malloc and a free per segment of a bulk transfer.
            rev.segments = Vec::new();
        }

        self.after_analysis(dir, s);
        ta
    }

    /// What Wireshark does after the sequence analysis of a segment: handshake RTT,
    /// first-ACK tracking, and the window scale from SYN options (dissected after the
    /// analysis, so they apply from the next segment on).
    fn after_analysis(&mut self, dir: usize, s: &Segment) {
        let f = s.flags;
        let [a, b] = &mut self.flows;
        let (fwd, rev) = if dir == 0 { (a, b) } else { (b, a) };
        if f.syn() {
            if !f.ack() {
                self.ts_mru_syn = Some(s.ts);
            }
            fwd.is_first_ack = true;
        }
        if f.0 & (TcpFlags::SYN | TcpFlags::ACK) == TcpFlags::ACK {
            if let (Some(syn), None) = (self.ts_mru_syn, self.first_rtt_ns) {
                self.first_rtt_ns = Some(s.ts.since(syn));
            }
            fwd.is_first_ack = false;
        }
        if f.syn() {
            // pdu_store_window_scale_option clamps shifts above 14 (RFC 7323 section 2.3).
            if let Some(shift) = s.window_scale {
                fwd.win_scale = shift.min(14) as i8;
            }
            // verify_tcp_window_scaling
            if fwd.win_scale == -1 {
                fwd.win_scale = -2;
                rev.win_scale = -2;
            } else if f.ack() && rev.win_scale == -2 {
                fwd.win_scale = -2;
            }
        }
    }

    /// Restores `nextseq` from `maxseqtobeacked` when a SYN repeats the stored ISN
    /// (Wireshark issue 17616: a RST may carry SEQ = the ACK received).
    pub fn syn_repeated(&mut self, dir: usize) {
        if let Some(fl) = self.flows.get_mut(dir) {
            fl.nextseq = fl.maxseqtobeacked;
        }
    }
}
