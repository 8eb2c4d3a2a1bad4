//! In-order payload of one direction of a TCP stream, rebuilt across segments.
//!
//! Contract:
//! - In-order bytes are handed to the sink straight from the packet, without copying.
//! - Out-of-order segments are copied into a buffer capped at `cap` bytes per direction;
//!   when the cap would be exceeded, or a hole never fills, the hole is declared a gap
//!   (`Chunk::Gap(n)`) and delivery goes on after it. Consumers resynchronise on gaps.
//! - Retransmitted and overlapping bytes are delivered once (the first copy wins, as in
//!   Wireshark's default reassembly).
//! - Bytes the capture did not keep (snaplen) are a gap too.

use std::collections::BTreeMap;

use super::seq::Seq;

/// What a consumer receives, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    Data(&'a [u8]),
    /// This many bytes are missing from the stream.
    Gap(u32),
}

/// Default cap on out-of-order bytes held per direction.
pub const DEFAULT_CAP: usize = 256 * 1024;

#[derive(Debug, Default)]
pub struct Reassembler {
    next: Option<Seq>,
    /// Out-of-order segments keyed by sequence number (compared by distance from `next`).
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
    cap: usize,
    /// Bytes given up on (gaps), for the report.
    pub gap_bytes: u64,
    /// Out-of-order bytes not buffered because of the cap.
    pub dropped_bytes: u64,
}

impl Reassembler {
    pub fn new(cap: usize) -> Self {
        Reassembler { cap, ..Default::default() }
    }

    /// A reassembler that expects its first byte at `start` (ISN + 1), when known.
    pub fn starting_at(cap: usize, start: Option<Seq>) -> Self {
        Reassembler { cap, next: start, ..Default::default() }
    }

    /// The next sequence number expected, once known.
    pub fn next_seq(&self) -> Option<Seq> {
        self.next
    }

    /// Feeds one segment. `seglen` is the length the IP header claims; `payload` what was
    /// captured of it (a prefix). `syn` says the segment's sequence number is the ISN.
    pub fn push(
        &mut self,
        seq: Seq,
        syn: bool,
        fin: bool,
        seglen: u32,
        payload: &[u8],
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        let data_seq = if syn { seq + 1 } else { seq };
        let next = *self.next.get_or_insert(data_seq);
        if seglen > 0 {
            let offset = data_seq.diff(next);
            if offset <= 0 {
                // In order, or overlapping what was already delivered: trim the old part.
                let skip = offset.unsigned_abs();
                if skip < seglen {
                    self.deliver(
                        data_seq + skip,
                        seglen - skip,
                        payload.get(skip as usize..).unwrap_or_default(),
                        sink,
                    );
                    self.drain(sink);
                }
            } else {
                self.hold(data_seq, seglen, payload, sink);
            }
        }
        if fin {
            // Nothing more will come: whatever is still held goes out after its gaps.
            self.flush(sink);
        }
    }

    /// Delivers `len` bytes at the expected position; the captured part as data, the rest
    /// (cut by snaplen) as a gap.
    fn deliver(&mut self, at: Seq, len: u32, captured: &[u8], sink: &mut dyn FnMut(Chunk<'_>)) {
        let have = captured.len().min(len as usize);
        if have > 0 {
            sink(Chunk::Data(captured.get(..have).unwrap_or_default()));
        }
        let missing = len - have as u32;
        if missing > 0 {
            self.gap_bytes += u64::from(missing);
            sink(Chunk::Gap(missing));
        }
        self.next = Some(at + len);
    }

    fn hold(&mut self, seq: Seq, seglen: u32, payload: &[u8], sink: &mut dyn FnMut(Chunk<'_>)) {
        let take = payload.len().min(seglen as usize);
        if self.pending_bytes + take > self.cap {
            // Over the cap: give up on the hole before the earliest held segment.
            self.flush(sink);
            if self.pending_bytes + take > self.cap {
                self.dropped_bytes += take as u64;
                return;
            }
        }
        if self.pending.contains_key(&seq.0) {
            return;
        }
        self.pending_bytes += take;
        // A captured prefix shorter than seglen: the tail is a gap when it is reached.
        let mut bytes = payload.get(..take).unwrap_or_default().to_vec();
        bytes.shrink_to_fit();
        self.pending.insert(seq.0, bytes);
        let _ = seglen;
    }

    /// Delivers held segments that have become contiguous.
    fn drain(&mut self, sink: &mut dyn FnMut(Chunk<'_>)) {
        while let Some(next) = self.next {
            let Some((&key, _)) = self.pending.iter().find(|(k, _)| Seq(**k).diff(next) <= 0) else { break };
            let Some(bytes) = self.pending.remove(&key) else { break };
            self.pending_bytes -= bytes.len();
            let start = Seq(key);
            let skip = next.diff(start).max(0) as u32;
            let len = bytes.len() as u32;
            if skip < len {
                let tail = bytes.get(skip as usize..).unwrap_or_default();
                sink(Chunk::Data(tail));
                self.next = Some(start + len);
            }
        }
    }

    /// Declares every hole a gap and delivers everything held, in order.
    pub fn flush(&mut self, sink: &mut dyn FnMut(Chunk<'_>)) {
        while let Some(next) = self.next {
            // Earliest held segment by distance from `next`.
            let Some(&key) = self.pending.keys().min_by_key(|k| Seq(**k).diff(next)) else { break };
            let gap = Seq(key).diff(next);
            if gap > 0 {
                self.gap_bytes += gap as u64;
                sink(Chunk::Gap(gap as u32));
                self.next = Some(Seq(key));
            }
            self.drain(sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segs: &[(u32, &[u8])], cap: usize) -> (Vec<u8>, Vec<u32>) {
        let mut r = Reassembler::new(cap);
        let mut data = Vec::new();
        let mut gaps = Vec::new();
        for (seq, p) in segs {
            r.push(Seq(*seq), false, false, p.len() as u32, p, &mut |c| match c {
                Chunk::Data(d) => data.extend_from_slice(d),
                Chunk::Gap(n) => gaps.push(n),
            });
        }
        r.flush(&mut |c| match c {
            Chunk::Data(d) => data.extend_from_slice(d),
            Chunk::Gap(n) => gaps.push(n),
        });
        (data, gaps)
    }

    #[test]
    fn out_of_order_segments_come_out_in_order() {
        let (d, g) = run(&[(100, b"abc"), (106, b"ghi"), (103, b"def")], 1024);
        assert_eq!(d, b"abcdefghi");
        assert!(g.is_empty());
    }

    #[test]
    fn retransmitted_and_overlapping_bytes_are_delivered_once() {
        let (d, g) = run(&[(100, b"abcd"), (100, b"abcd"), (102, b"cdef")], 1024);
        assert_eq!(d, b"abcdef");
        assert!(g.is_empty());
    }

    #[test]
    fn a_hole_that_never_fills_becomes_a_gap() {
        let (d, g) = run(&[(100, b"ab"), (110, b"xyz")], 1024);
        assert_eq!(d, b"abxyz");
        assert_eq!(g, vec![8]);
    }

    #[test]
    fn the_buffer_never_holds_more_than_its_cap() {
        let mut r = Reassembler::new(10);
        let mut out = Vec::new();
        r.push(Seq(0), false, false, 1, b"a", &mut |_| {});
        for k in 0..100u32 {
            r.push(Seq(10 + k * 4), false, false, 4, b"wxyz", &mut |c| out.push(format!("{c:?}")));
            assert!(r.pending_bytes <= 10);
        }
        assert!(!out.is_empty(), "pressure on the cap declares gaps and delivers");
    }

    #[test]
    fn sequence_wraparound_is_seamless() {
        let (d, g) = run(&[(u32::MAX - 1, b"ab"), (0, b"cd"), (2, b"ef")], 1024);
        assert_eq!(d, b"abcdef");
        assert!(g.is_empty());
    }

    #[test]
    fn snaplen_cut_payload_is_a_gap() {
        let mut r = Reassembler::new(1024);
        let mut seen = Vec::new();
        r.push(Seq(1), false, false, 100, b"GET /", &mut |c| seen.push(format!("{c:?}")));
        r.push(Seq(101), false, false, 3, b"xyz", &mut |c| seen.push(format!("{c:?}")));
        assert_eq!(seen, vec!["Data([71, 69, 84, 32, 47])", "Gap(95)", "Data([120, 121, 122])"]);
    }
}
