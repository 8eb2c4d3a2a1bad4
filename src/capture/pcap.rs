//! Classic pcap, including the variants Wireshark recognises by heuristic.
//!
//! We parse the 24-byte file header and the per-record headers ourselves rather than through
//! pcap-file: Wireshark accepts records that pcap-file rejects (`orig_len > snaplen`,
//! fractions ≥ 10^9), and it reads 20-, 24- and 28-byte record headers (Nokia, Alexey
//! Kuznetzov's "modified" format and friends) that pcap-file does not know. Frame numbers
//! must match Wireshark's, so the reader must accept what Wireshark accepts. See
//! `docs/DEPENDENCIES.md`.

use std::path::Path;

use super::source::Source;
use super::{CaptureInfo, Format, LinkType, OpenError, RawRecord, ReadIssue, Timestamp, read_u16, read_u32};

const MAGIC_USEC: u32 = 0xa1b2_c3d4;
const MAGIC_NSEC: u32 = 0xa1b2_3c4d;
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const FILE_HEADER_LEN: usize = 24;

/// Wireshark's `WTAP_MAX_PACKET_SIZE_STANDARD`: a record longer than this is corrupt.
pub const MAX_CAPLEN: u32 = 262_144;
/// Wireshark's heuristic bound on a plausible on-the-wire length (libpcap.c).
const MAX_ORIG_LEN: u32 = 128 * 1024 * 1024;
/// How far past a corrupt record we look for the next plausible one.
const RESYNC_WINDOW: usize = 4 * 1024 * 1024;

pub fn is_magic(m: [u8; 4]) -> bool {
    let be = u32::from_be_bytes(m);
    let le = u32::from_le_bytes(m);
    [MAGIC_USEC, MAGIC_NSEC, MAGIC_MODIFIED].iter().any(|&x| x == be || x == le)
}

/// The per-record header layouts of libpcap.c's `pcap_variant_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Standard,
    Nsec,
    /// Red Hat 6.1: ifindex, protocol, pkt_type, pad.
    Ss990417,
    /// Same layout as ss990417, under the modified magic.
    Ss991029,
    /// SuSE 6.3: ss990417 plus cpu1, cpu2 and 3 bytes of padding.
    Ss990915,
    /// 4 bytes of Nokia-specific data.
    Nokia,
}

impl Variant {
    fn header_len(self) -> usize {
        match self {
            Variant::Standard | Variant::Nsec => 16,
            Variant::Nokia => 20,
            Variant::Ss990417 | Variant::Ss991029 => 24,
            Variant::Ss990915 => 28,
        }
    }
}

#[derive(Clone, Copy)]
enum LengthOrder {
    Normal,
    /// Files before version 2.3 store orig_len before incl_len.
    Swapped,
    /// Version 2.3: swapped only when incl_len > orig_len.
    Maybe,
}

pub struct PcapState {
    big_endian: bool,
    variant: Variant,
    lengths: LengthOrder,
    link: LinkType,
    snaplen: u32,
    last_good_ts: Option<Timestamp>,
}

struct Header {
    ts_sec: u32,
    ts_frac: u32,
    incl_len: u32,
    orig_len: u32,
}

impl PcapState {
    pub fn open(src: &mut Source, info: &mut CaptureInfo, path: &Path) -> Result<Self, OpenError> {
        let bad = |reason: &str| OpenError::BadHeader { path: path.into(), reason: reason.into() };
        let have = src.ensure(FILE_HEADER_LEN).map_err(|source| OpenError::Io { path: path.into(), source })?;
        let hdr = src.window().get(..FILE_HEADER_LEN).filter(|_| have >= FILE_HEADER_LEN);
        let hdr = hdr.ok_or_else(|| bad("the file ends inside the 24-byte pcap header"))?;
        let magic_be = read_u32(hdr, 0, true).unwrap_or_default();
        let big_endian = [MAGIC_USEC, MAGIC_NSEC, MAGIC_MODIFIED].contains(&magic_be);
        let magic = read_u32(hdr, 0, big_endian).unwrap_or_default();
        let major = read_u16(hdr, 4, big_endian).unwrap_or_default();
        let minor = read_u16(hdr, 6, big_endian).unwrap_or_default();
        let snaplen = read_u32(hdr, 16, big_endian).unwrap_or_default();
        let network = read_u32(hdr, 20, big_endian).unwrap_or_default();
        if major < 2 {
            return Err(bad(&format!("pcap version {major}.{minor} is not supported")));
        }
        // The upper bits hold the FCS length and reserved fields (LT_LINKTYPE).
        let link = LinkType(network & 0x03ff_ffff);
        let lengths = match (major, minor) {
            (2, m) if m < 3 => LengthOrder::Swapped,
            (2, 3) => LengthOrder::Maybe,
            (543, _) => LengthOrder::Swapped,
            _ => LengthOrder::Normal,
        };
        src.consume(FILE_HEADER_LEN);
        let mut state =
            PcapState { big_endian, variant: Variant::Standard, lengths, link, snaplen, last_good_ts: None };
        let only_standard = !matches!((major, minor), (2, 4));
        state.variant = match magic {
            MAGIC_NSEC => Variant::Nsec,
            MAGIC_MODIFIED => state.pick_variant(src, &[Variant::Ss991029, Variant::Ss990915]),
            _ if only_standard => Variant::Standard,
            _ => state.pick_variant(src, &[Variant::Standard, Variant::Ss990417, Variant::Nokia]),
        };
        info.format = Some(match state.variant {
            Variant::Standard => Format::Pcap,
            Variant::Nsec => Format::PcapNanos,
            _ => Format::PcapModified,
        });
        info.link_types = vec![link];
        info.interfaces = 1;
        info.sections = 1;
        Ok(state)
    }

    /// Picks the record layout the way Wireshark 4.0's libpcap.c does: try each candidate
    /// in order and take the first whose first two record headers have sane lengths; if
    /// none does, assume the first. (Later Wireshark versions score more fields over three
    /// records; tshark 4.0, our oracle, reads the corpus file `bug-6875-01/fuzz.pcap` as
    /// ss990417 only under the older rule.)
    fn pick_variant(&self, src: &mut Source, candidates: &[Variant]) -> Variant {
        // Two records of at most MAX_CAPLEN plus the longest header.
        let _ = src.ensure(2 * (MAX_CAPLEN as usize + 28) + 28);
        let window = src.window();
        candidates
            .iter()
            .copied()
            .find(|&v| self.layout_fits(window, v))
            .or_else(|| candidates.first().copied())
            .unwrap_or(Variant::Standard)
    }

    fn layout_fits(&self, window: &[u8], variant: Variant) -> bool {
        let mut at = 0usize;
        for _ in 0..2 {
            let Some(rest) = window.get(at..) else { return false };
            if rest.is_empty() {
                return true;
            }
            if rest.len() < variant.header_len() {
                return false;
            }
            let Some(h) = self.header(rest) else { return false };
            let sane = h.incl_len <= MAX_CAPLEN && h.orig_len <= MAX_ORIG_LEN && h.incl_len <= h.orig_len;
            if !sane {
                return false;
            }
            at += variant.header_len() + h.incl_len as usize;
        }
        true
    }

    /// The common 16-byte prefix of every record header, with lengths put in order.
    fn header(&self, b: &[u8]) -> Option<Header> {
        let be = self.big_endian;
        let mut h = Header {
            ts_sec: read_u32(b, 0, be)?,
            ts_frac: read_u32(b, 4, be)?,
            incl_len: read_u32(b, 8, be)?,
            orig_len: read_u32(b, 12, be)?,
        };
        let swap = match self.lengths {
            LengthOrder::Normal => false,
            LengthOrder::Swapped => true,
            LengthOrder::Maybe => h.incl_len > h.orig_len,
        };
        if swap {
            std::mem::swap(&mut h.incl_len, &mut h.orig_len);
        }
        Some(h)
    }

    fn timestamp(&self, h: &Header) -> Timestamp {
        // Wireshark takes the fraction as given even when it is out of range (the
        // timestamp_invalid_nano corpus file); carrying it into the seconds keeps order.
        let nanos = match self.variant {
            Variant::Nsec => i64::from(h.ts_frac),
            _ => i64::from(h.ts_frac) * 1000,
        };
        Timestamp::from_parts(i64::from(h.ts_sec), nanos)
    }

    pub(crate) fn next(&mut self, src: &mut Source, info: &mut CaptureInfo) -> Option<RawRecord> {
        let hlen = self.variant.header_len();
        loop {
            let have = match src.ensure(hlen) {
                Ok(n) => n,
                Err(e) => {
                    info.issues.push(io_issue(src, info, &e));
                    return None;
                }
            };
            if have == 0 {
                return None;
            }
            let offset = src.offset();
            let after_frame = info.packets;
            let Some(h) = (if have >= hlen { self.header(src.window()) } else { None }) else {
                info.issues.push(ReadIssue::TruncatedRecord { offset, after_frame });
                return None;
            };
            if h.incl_len > MAX_CAPLEN {
                info.issues.push(ReadIssue::CorruptRecord {
                    offset,
                    after_frame,
                    reason: crate::msg!("reason-caplen", claimed = h.incl_len, max = MAX_CAPLEN),
                });
                if self.resync(src, info, after_frame) {
                    continue;
                }
                return None;
            }
            let total = hlen + h.incl_len as usize;
            let have = match src.ensure(total) {
                Ok(n) => n,
                Err(e) => {
                    info.issues.push(io_issue(src, info, &e));
                    return None;
                }
            };
            if have < total {
                info.issues.push(ReadIssue::TruncatedRecord { offset, after_frame });
                return None;
            }
            let ts = self.timestamp(&h);
            self.last_good_ts = Some(ts);
            src.consume(total);
            // The record's bytes stay in the window until the next call; the reader resolves
            // the range against the window as it was *before* consume, so report it relative
            // to the new start: consume only moves `start`, the bytes are untouched.
            return Some(RawRecord {
                ts,
                link: self.link,
                interface: 0,
                data: Self::consumed_range(src, h.incl_len as usize),
                orig_len: h.orig_len,
            });
        }
    }

    /// The range, in the window's backing buffer terms, of the last `len` bytes consumed.
    fn consumed_range(src: &Source, len: usize) -> std::ops::Range<usize> {
        src.last_consumed(len)
    }

    /// Looks for the next record header that makes sense, and whose successor makes sense
    /// too, within a bounded distance. Returns true if reading can go on.
    fn resync(&mut self, src: &mut Source, info: &mut CaptureInfo, after_frame: u64) -> bool {
        let start_offset = src.offset();
        let _ = src.ensure(RESYNC_WINDOW);
        let window = src.window();
        let hlen = self.variant.header_len();
        let found = (1..window.len().saturating_sub(hlen)).find(|&at| {
            let Some(rest) = window.get(at..) else { return false };
            match self.plausible(rest) {
                Some(next) => match rest.get(next..) {
                    Some(after) if after.len() >= hlen => self.plausible(after).is_some(),
                    Some(after) => after.is_empty(),
                    None => false,
                },
                None => false,
            }
        });
        match found {
            Some(skip) => {
                src.consume(skip);
                info.issues.push(ReadIssue::Resynchronised {
                    offset: start_offset + skip as u64,
                    skipped_bytes: skip as u64,
                    after_frame,
                });
                true
            }
            None => false,
        }
    }

    /// If `b` starts with a believable record, its total length.
    fn plausible(&self, b: &[u8]) -> Option<usize> {
        let h = self.header(b)?;
        let frac_ok = match self.variant {
            Variant::Nsec => h.ts_frac < 1_000_000_000,
            _ => h.ts_frac < 1_000_000,
        };
        let max = if self.snaplen == 0 { MAX_CAPLEN } else { MAX_CAPLEN.min(self.snaplen) };
        let len_ok = h.incl_len > 0 && h.incl_len <= max && h.incl_len <= h.orig_len;
        let ts = self.timestamp(&h);
        // Within a day of the last good record: packets are written in time order.
        let time_ok = self.last_good_ts.is_none_or(|last| ts.since(last).abs() < 86_400_000_000_000);
        (frac_ok && len_ok && time_ok && h.orig_len <= 65_535 * 4)
            .then(|| self.variant.header_len() + h.incl_len as usize)
    }
}

fn io_issue(src: &Source, info: &CaptureInfo, e: &std::io::Error) -> ReadIssue {
    ReadIssue::Io { offset: src.offset(), after_frame: info.packets, message: e.to_string() }
}
