//! Capture duplicates: the same packet recorded twice (or four times) by the capture, not
//! sent twice by its host.
//!
//! A SPAN port that mirrors both the ingress and the egress of a switch, `tcpdump -i any`
//! seeing a bridge and its member port, or a capture merged from two taps all record one
//! packet more than once, microseconds apart. Wireshark flags every copy after the first as
//! `tcp.analysis.retransmission` (and pcapdoc's [`super::analysis`] does too, to agree with
//! it); a detector that counted them would see a storm where nothing was lost (corpus
//! `zeek/.../tcp/ssh-dups.pcap`, every packet ×4; `http/m57-long-49583-80.pcap`, ×2;
//! `nDPI/.../rtsp.pcap`, ×4 on both sides of a router, TTL 128 and 127).
//!
//! A copy has the same IPv4 identification, sequence and acknowledgement numbers, flags,
//! window, length, TCP timestamps and payload as a packet of the same direction shortly
//! before it; the TTL may differ (a copy taken past a router). A real retransmission differs
//! in at least one of those (the IP ID of every common stack moves on; the TSval does) or
//! comes later: no stack retransmits within [`SAME_ID_WINDOW_NS`] of the original. A data
//! segment with no distinguishing field (IPv6, or IP ID 0, and no timestamps) counts as a
//! copy only within [`BARE_WINDOW_NS`]. An empty segment with none is never called a copy:
//! stacks send identical RSTs (IP ID 0) to each packet that arrives after a close, and
//! identical pure ACKs, a fraction of a millisecond apart (corpus `many-protocols.pcap`
//! frames 4235-4236, `example.pcap` 4620-4622).

use crate::capture::Timestamp;
use crate::decode::{IpInfo, Tcp};

/// A copy carrying a non-zero IPv4 identification: up to this long after the original.
/// Linux's minimum RTO is 200 ms, and a retransmission gets a new identification anyway.
pub const SAME_ID_WINDOW_NS: i64 = 200_000_000;
/// A copy with nothing that tells it from a retransmission (IPv6 or IP ID 0, no TCP
/// timestamps): only this close to the original. Mirror and bridge copies are microseconds
/// apart; the fastest fast retransmission needs a round trip and three duplicate ACKs.
pub const BARE_WINDOW_NS: i64 = 2_000_000;
/// Recent originals remembered per direction: copies are adjacent in the sender's direction,
/// interleaved at most with a few packets of other streams or the other direction.
const RECENT: usize = 3;

/// The last few original packets of each direction of one stream, as fingerprints (the
/// lowest bit always set, so that 0 marks an empty slot: 16 bytes a slot, in every stream).
#[derive(Debug, Clone, Copy, Default)]
pub struct DupFilter {
    recent: [[(u64, Timestamp); RECENT]; 2],
    next: [u8; 2],
}

/// Everything that tells two sends apart, folded into 64 bits (FNV-1a; deterministic, no
/// allocation). The TTL is left out on purpose.
fn fingerprint(ip: &IpInfo, tcp: &Tcp<'_>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&ip.ip_id.unwrap_or(0).to_be_bytes());
    eat(&tcp.seq.to_be_bytes());
    eat(&tcp.ack.to_be_bytes());
    eat(&tcp.flags.0.to_be_bytes());
    eat(&tcp.window.unwrap_or(0).to_be_bytes());
    eat(&tcp.seglen.unwrap_or(0).to_be_bytes());
    let (tsval, tsecr) = tcp.options.timestamp.unwrap_or((0, 0));
    eat(&tsval.to_be_bytes());
    eat(&tsecr.to_be_bytes());
    // The first and last bytes of the payload: enough to tell two segments of equal length
    // apart without hashing every byte of a bulk transfer.
    let p = tcp.payload;
    eat(p.get(..16).unwrap_or(p));
    eat(p.get(p.len().saturating_sub(16)..).unwrap_or_default());
    h
}

impl DupFilter {
    /// True when this packet, sent in direction `dir`, is a capture copy of a recent one.
    /// Originals are remembered; copies are not, so the window runs from the original.
    pub fn is_copy(&mut self, dir: usize, ts: Timestamp, ip: &IpInfo, tcp: &Tcp<'_>) -> bool {
        let d = dir.min(1);
        let fp = fingerprint(ip, tcp) | 1;
        let distinct = ip.ip_id.is_some_and(|id| id != 0) || tcp.options.timestamp.is_some();
        // A SYN is never sent twice within a couple of milliseconds either (the first
        // retransmission waits an RTO of a second or more, RFC 6298): an identical SYN
        // that close is the capture's copy, not a retry.
        let carries = tcp.seglen.unwrap_or(0) > 0 || tcp.flags.syn();
        let window = match (distinct, carries) {
            (true, _) => SAME_ID_WINDOW_NS,
            (false, true) => BARE_WINDOW_NS,
            (false, false) => -1,
        };
        let Some(recent) = self.recent.get_mut(d) else { return false };
        let copy = recent.iter().any(|&(f, t)| f == fp && (0..=window).contains(&ts.since(t)));
        if !copy {
            let slot = usize::from(self.next.get(d).copied().unwrap_or(0)) % RECENT;
            if let Some(s) = recent.get_mut(slot) {
                *s = (fp, ts);
            }
            if let Some(n) = self.next.get_mut(d) {
                *n = ((slot + 1) % RECENT) as u8;
            }
        }
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{TcpFlags, TcpOptions};
    use std::net::{IpAddr, Ipv4Addr};

    fn ip(id: Option<u16>, ttl: u8) -> IpInfo {
        IpInfo {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
            ttl,
            ip_id: id,
        }
    }

    fn seg(seq: u32, payload: &[u8]) -> Tcp<'_> {
        Tcp {
            src_port: 1000,
            dst_port: 80,
            seq,
            ack: 1,
            flags: TcpFlags(0x18),
            window: Some(100),
            header_len: 20,
            seglen: Some(payload.len() as u32),
            payload,
            options: TcpOptions::default(),
        }
    }

    fn at(us: i64) -> Timestamp {
        Timestamp::from_parts(1_000, us * 1000)
    }

    #[test]
    fn a_mirror_copy_past_a_router_is_a_copy() {
        let mut d = DupFilter::default();
        assert!(!d.is_copy(0, at(0), &ip(Some(7), 128), &seg(1, b"GET /")));
        assert!(d.is_copy(0, at(12), &ip(Some(7), 127), &seg(1, b"GET /")));
        assert!(d.is_copy(0, at(20), &ip(Some(7), 128), &seg(1, b"GET /")));
    }

    #[test]
    fn a_retransmission_with_a_new_ip_id_is_not_a_copy() {
        let mut d = DupFilter::default();
        assert!(!d.is_copy(0, at(0), &ip(Some(7), 64), &seg(1, b"GET /")));
        assert!(!d.is_copy(0, at(300_000), &ip(Some(8), 64), &seg(1, b"GET /")));
    }

    #[test]
    fn the_same_id_long_after_is_not_a_copy() {
        let mut d = DupFilter::default();
        assert!(!d.is_copy(0, at(0), &ip(Some(7), 64), &seg(1, b"x")));
        assert!(!d.is_copy(0, at(250_000), &ip(Some(7), 64), &seg(1, b"x")));
    }

    #[test]
    fn without_an_id_only_microseconds_apart_counts() {
        let mut d = DupFilter::default();
        assert!(!d.is_copy(0, at(0), &ip(Some(0), 64), &seg(1, b"abc")));
        assert!(d.is_copy(0, at(5), &ip(Some(0), 64), &seg(1, b"abc")));
        assert!(!d.is_copy(0, at(10_000), &ip(Some(0), 64), &seg(1, b"abc")));
    }

    #[test]
    fn identical_resets_without_an_id_are_not_copies() {
        let mut d = DupFilter::default();
        let mut rst = seg(9, b"");
        rst.flags = TcpFlags(0x04);
        assert!(!d.is_copy(0, at(0), &ip(Some(0), 64), &rst));
        assert!(!d.is_copy(0, at(700), &ip(Some(0), 64), &rst));
    }

    #[test]
    fn other_direction_and_other_payload_are_not_copies() {
        let mut d = DupFilter::default();
        assert!(!d.is_copy(0, at(0), &ip(Some(7), 64), &seg(1, b"abc")));
        assert!(!d.is_copy(1, at(1), &ip(Some(7), 64), &seg(1, b"abc")));
        assert!(!d.is_copy(0, at(2), &ip(Some(7), 64), &seg(1, b"abd")));
    }
}
