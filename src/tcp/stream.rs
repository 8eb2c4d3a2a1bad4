//! Per-stream summary: who opened and closed the connection, how, and what went wrong.
//!
//! Vocabulary borrowed from Zeek's conn.log: `conn_state` (S0, S1, SF, REJ, RSTO, ...) and
//! `history` (one letter per event kind, upper case for the originator).

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::analysis::AnalysisFlags;
use super::seq::Seq;
use crate::capture::Timestamp;
use crate::decode::TcpFlags;

/// One end's view of a close or a reset.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Side {
    pub packets: u64,
    pub bytes: u64,
    /// Payload bytes (`tcp.len`), including retransmitted ones.
    pub payload_bytes: u64,
    pub syn_frame: Option<u64>,
    pub fin_frame: Option<u64>,
    pub rst_frame: Option<u64>,
    pub last_frame: Option<u64>,
    pub last_ts: Option<Timestamp>,
    /// SYN segments sent (more than one: the SYN or SYN/ACK was retransmitted).
    pub syns: u32,
    /// The TTL (hop limit) and IPv4 ID of this side's last packet that was not a RST or a
    /// capture copy, and whether its TTL ever changed: the baseline a RST in this side's name
    /// is held against (0: none seen).
    #[serde(skip)]
    pub ttl: u8,
    #[serde(skip)]
    pub ttl_varies: bool,
    #[serde(skip)]
    pub ip_id: Option<u16>,
    /// What this side's ACK numbers say of the other side's bytes (`note_seq_ack`).
    #[serde(skip)]
    pub acks: Acks,
    history: u16,
}

/// One side's sequence and acknowledgement span, for telling what the capture could see:
/// the peer's bytes this side acknowledged that the capture never held (a one-way capture,
/// asymmetric routing, the capture's own drops).
#[derive(Debug, Clone, Copy, Default)]
pub struct Acks {
    /// The first and the highest acknowledgement number this side sent (ACK set, no RST).
    first: Option<Seq>,
    highest: Seq,
    /// The end of the highest segment this side sent (sequence + length, SYN and FIN
    /// counted), when it sent any.
    seq_end: Option<Seq>,
    /// This side sent its SYN, then an ACK-bearing segment without SYN or RST: it took a
    /// SYN/ACK (the third packet of a handshake, or data on it).
    pub acked_after_syn: bool,
    /// Bytes skipped by a segment that began past this side's highest one ("previous
    /// segment not captured") and not since filled by a resend: missing from the capture,
    /// unless the network lost them and the sender has not resent them yet.
    holes: u32,
}

impl Acks {
    /// Notes one segment this side sent.
    fn note(&mut self, seq: u32, ack: u32, seglen: u32, flags: TcpFlags, sent_syn: bool) {
        let end = Seq(seq) + seglen + u32::from(flags.syn()) + u32::from(flags.fin());
        if let (Some(e), false) = (self.seq_end, flags.syn() || flags.rst()) {
            let start = Seq(seq);
            if start.gt(e) && start.since(e) < 1 << 30 {
                self.holes = self.holes.saturating_add(start.since(e));
            } else if start.lt(e) && seglen > 0 {
                // A resend below the highest byte: it may fill a hole (the network lost it
                // and the sender resent it, so the capture did not miss it).
                self.holes = self.holes.saturating_sub(seglen);
            }
        }
        if self.seq_end.is_none_or(|e| end.gt(e)) {
            self.seq_end = Some(end);
        }
        if !flags.ack() || flags.rst() {
            return;
        }
        let ack = Seq(ack);
        match self.first {
            None => {
                self.first = Some(ack);
                self.highest = ack;
            }
            // A jump of more than 2^30 is a stray or crafted number, not data acknowledged.
            Some(_) if ack.gt(self.highest) && ack.since(self.highest) < 1 << 30 => self.highest = ack,
            Some(_) => {}
        }
        if sent_syn && !flags.syn() {
            self.acked_after_syn = true;
        }
    }

    /// Bytes this side acknowledged over its first acknowledgement number: the peer sent at
    /// least that much after the first ACK seen.
    pub fn acknowledged(&self) -> u32 {
        self.first.map_or(0, |f| self.highest.since(f))
    }
}

/// Bytes `sender` sent that `receiver` acknowledged but the capture does not hold: past the
/// sender's highest captured segment, and in the holes below it once the receiver
/// acknowledged beyond them.
pub fn acked_beyond_captured(sender: &Side, receiver: &Side) -> u32 {
    let Some(first) = receiver.acks.first else { return 0 };
    match sender.acks.seq_end {
        Some(end) if receiver.acks.highest.gt(end) => {
            receiver.acks.highest.since(end).saturating_add(sender.acks.holes)
        }
        Some(end) if receiver.acks.highest == end => sender.acks.holes,
        Some(_) => 0,
        None => receiver.acks.highest.since(first),
    }
}

/// Counters of frames with each `tcp.analysis.*` flag (the field Wireshark shows).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counters {
    pub retransmissions: u64,
    pub fast_retransmissions: u64,
    pub spurious_retransmissions: u64,
    pub out_of_order: u64,
    pub dup_acks: u64,
    pub lost_segments: u64,
    pub zero_windows: u64,
    pub keep_alives: u64,
}

impl Counters {
    pub fn add(&mut self, f: AnalysisFlags) {
        let bump = |c: &mut u64, yes: bool| *c += u64::from(yes);
        bump(&mut self.retransmissions, f.is_any_retransmission());
        bump(&mut self.fast_retransmissions, f.has(AnalysisFlags::FAST_RETRANSMISSION));
        bump(&mut self.spurious_retransmissions, f.has(AnalysisFlags::SPURIOUS_RETRANSMISSION));
        bump(&mut self.out_of_order, f.has(AnalysisFlags::OUT_OF_ORDER));
        bump(&mut self.dup_acks, f.has(AnalysisFlags::DUPLICATE_ACK));
        bump(&mut self.lost_segments, f.has(AnalysisFlags::LOST_PACKET));
        bump(&mut self.zero_windows, f.has(AnalysisFlags::ZERO_WINDOW));
        bump(&mut self.keep_alives, f.has(AnalysisFlags::KEEP_ALIVE));
    }

    pub fn merge(&mut self, o: &Counters) {
        self.retransmissions += o.retransmissions;
        self.fast_retransmissions += o.fast_retransmissions;
        self.spurious_retransmissions += o.spurious_retransmissions;
        self.out_of_order += o.out_of_order;
        self.dup_acks += o.dup_acks;
        self.lost_segments += o.lost_segments;
        self.zero_windows += o.zero_windows;
        self.keep_alives += o.keep_alives;
    }
}

// History letters (Zeek): index into HISTORY_LETTERS.
const H_SYN: u16 = 1 << 0;
const H_SYNACK: u16 = 1 << 1;
const H_ACK: u16 = 1 << 2;
const H_DATA: u16 = 1 << 3;
const H_FIN: u16 = 1 << 4;
const H_RST: u16 = 1 << 5;
const H_RETX: u16 = 1 << 6;
const H_ZEROWIN: u16 = 1 << 7;
const HISTORY_LETTERS: [(u16, char); 8] = [
    (H_SYN, 's'),
    (H_SYNACK, 'h'),
    (H_ACK, 'a'),
    (H_DATA, 'd'),
    (H_FIN, 'f'),
    (H_RST, 'r'),
    (H_RETX, 't'),
    (H_ZEROWIN, 'w'),
];

/// A TCP stream as Wireshark numbers it (`tcp.stream`).
#[derive(Debug, Clone)]
pub struct StreamSummary {
    pub stream: u32,
    /// The endpoint that sent the first packet we saw; `sides[0]` is its side.
    pub first_src: SocketAddr,
    pub first_dst: SocketAddr,
    pub sides: [Side; 2],
    pub first_frame: u64,
    pub last_frame: u64,
    pub start: Timestamp,
    pub end: Timestamp,
    pub counters: Counters,
    pub rtt_ns: Option<i64>,
    /// Order of first appearance of history letters, to render Zeek-style strings.
    /// Inline: at most one entry per letter and direction, so no allocation per stream.
    /// Each entry: direction << 3 | the letter's index in `HISTORY_LETTERS`.
    history_order: [u8; 16],
    history_len: u8,
    pub synack_frame: Option<u64>,
}

impl StreamSummary {
    pub fn new(stream: u32, src: SocketAddr, dst: SocketAddr, frame: u64, ts: Timestamp) -> Self {
        StreamSummary {
            stream,
            first_src: src,
            first_dst: dst,
            sides: [Side::default(), Side::default()],
            first_frame: frame,
            last_frame: frame,
            start: ts,
            end: ts,
            counters: Counters::default(),
            rtt_ns: None,
            history_order: [0; 16],
            history_len: 0,
            synack_frame: None,
        }
    }

    /// Records one segment sent by side `dir` (0 = `first_src`).
    #[allow(clippy::too_many_arguments)] // each is one column of the segment; a struct adds nothing
    pub fn record(
        &mut self,
        dir: usize,
        frame: u64,
        ts: Timestamp,
        wire_len: u32,
        flags: TcpFlags,
        seglen: u32,
        analysis: AnalysisFlags,
    ) {
        self.last_frame = self.last_frame.max(frame);
        if ts < self.start {
            self.start = ts;
        }
        if ts > self.end {
            self.end = ts;
        }
        self.counters.add(analysis);
        let mut letters = 0u16;
        if flags.syn() && !flags.ack() {
            letters |= H_SYN;
        }
        if flags.syn() && flags.ack() {
            letters |= H_SYNACK;
            self.synack_frame.get_or_insert(frame);
        }
        if !flags.syn() && !flags.fin() && !flags.rst() && flags.ack() && seglen == 0 {
            letters |= H_ACK;
        }
        if seglen > 0 {
            letters |= H_DATA;
        }
        if flags.fin() {
            letters |= H_FIN;
        }
        if flags.rst() {
            letters |= H_RST;
        }
        if analysis.is_any_retransmission() && seglen > 0 {
            letters |= H_RETX;
        }
        if analysis.has(AnalysisFlags::ZERO_WINDOW) {
            letters |= H_ZEROWIN;
        }
        let Some(side) = self.sides.get_mut(dir) else { return };
        side.packets += 1;
        side.bytes += u64::from(wire_len);
        side.payload_bytes += u64::from(seglen);
        side.last_frame = Some(frame);
        side.last_ts = Some(ts);
        if flags.syn() {
            side.syn_frame.get_or_insert(frame);
            side.syns = side.syns.saturating_add(1);
        }
        if flags.fin() {
            side.fin_frame.get_or_insert(frame);
        }
        if flags.rst() {
            side.rst_frame.get_or_insert(frame);
        }
        let new = letters & !side.history;
        side.history |= letters;
        for (bit, _) in HISTORY_LETTERS {
            if new & bit != 0 {
                if let Some(slot) = self.history_order.get_mut(usize::from(self.history_len)) {
                    *slot = (u8::from(dir != 0) << 3) | bit.trailing_zeros() as u8;
                    self.history_len += 1;
                }
            }
        }
    }

    /// A capture copy of a segment just recorded (`tcp::dup`): its SYN was sent once, so it
    /// is not a retry (a SYN recorded twice is not "2 SYNs").
    pub fn note_copy(&mut self, dir: usize, flags: TcpFlags) {
        if let Some(side) = self.sides.get_mut(dir) {
            if flags.syn() {
                side.syns = side.syns.saturating_sub(1).max(1);
            }
        }
    }

    /// Notes the IP header of a packet side `dir` sent (not for RSTs or capture copies).
    pub fn note_ip(&mut self, dir: usize, ttl: u8, ip_id: Option<u16>) {
        if let Some(side) = self.sides.get_mut(dir) {
            if side.ttl != 0 && side.ttl != ttl {
                side.ttl_varies = true;
            }
            side.ttl = ttl;
            side.ip_id = ip_id;
        }
    }

    /// Notes a segment's sequence and acknowledgement numbers (after [`Self::record`]).
    pub fn note_seq_ack(&mut self, dir: usize, seq: u32, ack: u32, seglen: u32, flags: TcpFlags) {
        if let Some(side) = self.sides.get_mut(dir) {
            let sent_syn = side.history & H_SYN != 0;
            side.acks.note(seq, ack, seglen, flags, sent_syn);
        }
    }

    /// The server answered on this stream: it sent something other than a RST (a SYN/ACK,
    /// data, an ACK), or the client's packets show that it did (the client acknowledged a
    /// SYN/ACK or data that the capture does not hold: a one-way capture, a connection older
    /// than the capture). A RST alone is a refusal, not an answer.
    pub fn server_answered(&self) -> bool {
        let Some(server) = self.sides.get(1 - self.client_side()) else { return false };
        let spoke = server.packets > u64::from(server.rst_frame.is_some());
        spoke || self.answer_unseen()
    }

    /// The client's packets prove an answer that the capture does not hold: it acknowledged a
    /// SYN/ACK (an ACK after its SYN) or the server's data, and no packet of the server's
    /// direction is in the stream.
    pub fn answer_unseen(&self) -> bool {
        let c = self.client_side();
        let (Some(client), Some(server)) = (self.sides.get(c), self.sides.get(1 - c)) else { return false };
        server.packets == 0 && (client.acks.acked_after_syn || client.acks.acknowledged() > 0)
    }

    /// Bytes side `dir` sent that the other side acknowledged and the capture does not hold
    /// past `dir`'s highest captured segment.
    pub fn unseen_bytes(&self, dir: usize) -> u32 {
        match (self.sides.get(dir), self.sides.get(1 - dir)) {
            (Some(sender), Some(receiver)) => acked_beyond_captured(sender, receiver),
            _ => 0,
        }
    }

    /// Which side is the client (the SYN sender). Without a SYN: the side that received the
    /// SYN/ACK; without either, the side using the higher port when only one is a
    /// well-known port; else whoever spoke first.
    pub fn client_side(&self) -> usize {
        let [a, b] = &self.sides;
        match (a.history & H_SYN != 0, b.history & H_SYN != 0) {
            (true, false) => return 0,
            (false, true) => return 1,
            (true, true) => {
                return if a.syn_frame <= b.syn_frame { 0 } else { 1 };
            }
            _ => {}
        }
        match (a.history & H_SYNACK != 0, b.history & H_SYNACK != 0) {
            (true, false) => return 1,
            (false, true) => return 0,
            _ => {}
        }
        let (pa, pb) = (self.first_src.port(), self.first_dst.port());
        if pa < 1024 && pb >= 1024 {
            return 1;
        }
        0
    }

    pub fn endpoint(&self, side: usize) -> SocketAddr {
        if side == 0 { self.first_src } else { self.first_dst }
    }

    pub fn client(&self) -> SocketAddr {
        self.endpoint(self.client_side())
    }
    pub fn server(&self) -> SocketAddr {
        self.endpoint(1 - self.client_side())
    }
    pub fn client_ip(&self) -> IpAddr {
        self.client().ip()
    }

    /// The client sent a SYN (the stream is a connection attempt we saw begin).
    pub fn attempted(&self) -> bool {
        self.sides.get(self.client_side()).is_some_and(|s| s.history & H_SYN != 0)
    }

    /// The three-way handshake completed: a SYN/ACK, then the client acknowledged or sent data.
    pub fn handshake_completed(&self) -> bool {
        self.synack_frame.is_some()
            && self.sides.get(self.client_side()).is_some_and(|s| s.history & (H_ACK | H_DATA) != 0)
    }

    /// The handshake completed as far as the capture can tell: seen whole, or shown by the
    /// client's ACK of a SYN/ACK that a one-way capture does not hold.
    pub fn established(&self) -> bool {
        self.handshake_completed() || (self.attempted() && self.answer_unseen())
    }

    /// Zeek's history string: letters in order of first appearance, upper case for the
    /// originator (the client).
    pub fn history(&self) -> String {
        let orig = self.client_side() as u8;
        self.history_order
            .iter()
            .take(usize::from(self.history_len))
            .filter_map(|&entry| {
                let dir = entry >> 3;
                HISTORY_LETTERS
                    .get(usize::from(entry & 7))
                    .map(|(_, c)| if dir == orig { c.to_ascii_uppercase() } else { *c })
            })
            .collect()
    }

    /// Zeek's `conn_state`, from the client's point of view.
    pub fn conn_state(&self) -> &'static str {
        let c = self.client_side();
        let (o, r) = (self.sides.get(c).map_or(0, |s| s.history), self.sides.get(1 - c).map_or(0, |s| s.history));
        let o_syn = o & H_SYN != 0;
        let r_synack = r & H_SYNACK != 0;
        let o_fin = o & H_FIN != 0;
        let r_fin = r & H_FIN != 0;
        let o_rst = o & H_RST != 0;
        let r_rst = r & H_RST != 0;
        let established = o_syn && r_synack;
        if !o_syn && !r_synack {
            return "OTH";
        }
        if !established {
            if o_syn && r_rst {
                return "REJ";
            }
            if o_syn && o_rst {
                return "RSTOS0";
            }
            if o_syn && o_fin {
                return "SH";
            }
            if r_synack && r_rst {
                return "RSTRH";
            }
            if r_synack && r_fin {
                return "SHR";
            }
            if o_syn && r == 0 {
                return "S0";
            }
            return if o_syn { "S0" } else { "OTH" };
        }
        if o_rst {
            return "RSTO";
        }
        if r_rst {
            return "RSTR";
        }
        match (o_fin, r_fin) {
            (true, true) => "SF",
            (true, false) => "S2",
            (false, true) => "S3",
            (false, false) => "S1",
        }
    }
}
