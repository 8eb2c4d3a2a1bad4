//! pcapng: sections, interfaces with their own link types and `if_tsresol`, and the three
//! packet block types.
//!
//! pcap-file does the block framing (`RawBlock`: length checks and the trailing length) and
//! parses section headers, interface descriptions and statistics. We read packet blocks'
//! fixed headers ourselves, because pcap-file's packet parsers drop the whole packet when an
//! option is malformed and ignore `if_tsresol`, and we never hand Name Resolution Blocks to
//! it: its record parser can slice past the end of a short record (`docs/DEPENDENCIES.md`).

use std::path::Path;

use byteorder_slice::{BigEndian, ByteOrder, LittleEndian};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::interface_statistics::{InterfaceStatisticsBlock, InterfaceStatisticsOption};
use pcap_file::pcapng::{PcapNgBlock, RawBlock};

use super::source::Source;
use super::{CaptureInfo, Format, LinkType, OpenError, RawRecord, ReadIssue, Timestamp, read_u16, read_u32};

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const ISB: u32 = 5;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// Block types we know, for resynchronisation after a damaged block.
const KNOWN_BLOCKS: [u32; 9] = [SHB, IDB, PB, SPB, 4, ISB, EPB, 9, 10];
const RESYNC_WINDOW: usize = 4 * 1024 * 1024;

pub fn is_magic(m: [u8; 4]) -> bool {
    u32::from_be_bytes(m) == SHB
}

#[derive(Clone, Copy)]
struct Interface {
    link: LinkType,
    snaplen: u32,
    /// Timestamp units per second (from `if_tsresol`).
    units_per_sec: u128,
    /// `if_tsoffset`, seconds.
    offset_secs: i64,
}

pub struct PcapngState {
    big_endian: bool,
    interfaces: Vec<Interface>,
    last_ts: Timestamp,
    drops: Option<u64>,
}

impl PcapngState {
    pub fn open(src: &mut Source, info: &mut CaptureInfo, path: &Path) -> Result<Self, OpenError> {
        let bad = |reason: &str| OpenError::BadHeader { path: path.into(), reason: reason.into() };
        let have = src.ensure(12).map_err(|source| OpenError::Io { path: path.into(), source })?;
        let w = src.window();
        if have < 12 {
            return Err(bad("the file ends inside the first pcapng block"));
        }
        let big_endian = match read_u32(w, 8, true) {
            Some(BYTE_ORDER_MAGIC) => true,
            Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => false,
            _ => return Err(bad("the section header's byte-order magic is neither 1a2b3c4d nor 4d3c2b1a")),
        };
        info.format = Some(Format::Pcapng);
        Ok(PcapngState { big_endian, interfaces: Vec::new(), last_ts: Timestamp::default(), drops: None })
    }

    pub(crate) fn next(&mut self, src: &mut Source, info: &mut CaptureInfo) -> Option<RawRecord> {
        loop {
            let have = match src.ensure(12) {
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
            if have < 12 {
                info.issues.push(ReadIssue::TruncatedRecord { offset, after_frame });
                return None;
            }
            let w = src.window();
            let block_type = read_u32(w, 0, self.big_endian).unwrap_or_default();
            if block_type == SHB {
                // A new section may switch byte order.
                match read_u32(w, 8, true) {
                    Some(BYTE_ORDER_MAGIC) => self.big_endian = true,
                    Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => self.big_endian = false,
                    _ => {}
                }
            }
            let len = read_u32(src.window(), 4, self.big_endian).unwrap_or_default() as usize;
            if len < 12 || len % 4 != 0 || len > Source::MAX_WINDOW {
                info.issues.push(ReadIssue::CorruptRecord {
                    offset,
                    after_frame,
                    reason: crate::msg!("reason-block-length", len = len),
                });
                if self.resync(src, info, after_frame) {
                    continue;
                }
                return None;
            }
            let have = match src.ensure(len) {
                Ok(n) => n,
                Err(e) => {
                    info.issues.push(io_issue(src, info, &e));
                    return None;
                }
            };
            if have < len {
                info.issues.push(ReadIssue::TruncatedRecord { offset, after_frame });
                return None;
            }
            let block = src.window().get(..len).unwrap_or_default();
            let framed = if self.big_endian {
                RawBlock::from_slice::<BigEndian>(block).map(|(_, b)| b)
            } else {
                RawBlock::from_slice::<LittleEndian>(block).map(|(_, b)| b)
            };
            let raw = match framed {
                Ok(raw) => raw,
                Err(e) => {
                    info.issues.push(ReadIssue::CorruptRecord {
                        offset,
                        after_frame,
                        reason: crate::msg!("reason-parser", detail = e.to_string()),
                    });
                    if self.resync(src, info, after_frame) {
                        continue;
                    }
                    return None;
                }
            };
            let body = raw.body.as_ref();
            let outcome = match block_type {
                SHB => {
                    self.interfaces.clear();
                    info.sections += 1;
                    Outcome::Skip
                }
                IDB => {
                    let iface = if self.big_endian {
                        parse_idb::<BigEndian>(body, self.big_endian)
                    } else {
                        parse_idb::<LittleEndian>(body, self.big_endian)
                    };
                    if iface.units_per_sec == 0 {
                        info.issues.push(ReadIssue::BadTimestampResolution {
                            interface: self.interfaces.len() as u32,
                            value: 0,
                        });
                    }
                    let iface = Interface { units_per_sec: iface.units_per_sec.max(1), ..iface };
                    if !info.link_types.contains(&iface.link) {
                        info.link_types.push(iface.link);
                    }
                    info.interfaces += 1;
                    self.interfaces.push(iface);
                    Outcome::Skip
                }
                ISB => {
                    let drops = if self.big_endian {
                        InterfaceStatisticsBlock::from_slice::<BigEndian>(body).ok().map(|(_, b)| b)
                    } else {
                        InterfaceStatisticsBlock::from_slice::<LittleEndian>(body).ok().map(|(_, b)| b)
                    }
                    .and_then(|isb| {
                        isb.options.iter().find_map(|o| match o {
                            InterfaceStatisticsOption::IsbIfDrop(n) => Some(*n),
                            _ => None,
                        })
                    });
                    if let Some(n) = drops {
                        // Statistics are cumulative per interface; keep the largest seen.
                        self.drops = Some(self.drops.unwrap_or(0).max(n));
                        info.interface_drops = self.drops;
                    }
                    Outcome::Skip
                }
                EPB | PB => self.packet_block(block_type, body, offset, info),
                SPB => self.simple_packet_block(body, info),
                _ => Outcome::Skip,
            };
            let header_len = 8;
            src.consume(len);
            match outcome {
                Outcome::Skip => continue,
                Outcome::Corrupt(reason) => {
                    info.issues.push(ReadIssue::CorruptRecord { offset, after_frame, reason });
                    continue;
                }
                Outcome::Packet { ts, link, interface, data, orig_len } => {
                    let whole = src.last_consumed(len);
                    let start = whole.start + header_len + data.start;
                    return Some(RawRecord { ts, link, interface, data: start..start + data.len(), orig_len });
                }
            }
        }
    }

    fn interface(&self, id: u32, offset: u64, info: &mut CaptureInfo) -> Interface {
        match self.interfaces.get(id as usize) {
            Some(i) => *i,
            None => {
                info.issues.push(ReadIssue::UnknownInterface { offset, frame: info.packets + 1, interface: id });
                Interface { link: LinkType(u32::MAX), snaplen: 0, units_per_sec: 1_000_000, offset_secs: 0 }
            }
        }
    }

    /// Enhanced (type 6) and obsolete Packet (type 2) blocks share a layout after the
    /// interface id: timestamp high, low, captured length, original length, data.
    fn packet_block(&mut self, block_type: u32, body: &[u8], offset: u64, info: &mut CaptureInfo) -> Outcome {
        let be = self.big_endian;
        let iface_id = if block_type == EPB { read_u32(body, 0, be) } else { read_u16(body, 0, be).map(u32::from) };
        let (Some(iface_id), Some(hi), Some(lo), Some(caplen), Some(orig_len)) =
            (iface_id, read_u32(body, 4, be), read_u32(body, 8, be), read_u32(body, 12, be), read_u32(body, 16, be))
        else {
            return Outcome::Corrupt(crate::msg!("reason-pb-short"));
        };
        let data_start = 20usize;
        let Some(data_end) = data_start.checked_add(caplen as usize).filter(|&e| e <= body.len()) else {
            return Outcome::Corrupt(crate::msg!(
                "reason-pb-caplen",
                claimed = caplen,
                held = body.len().saturating_sub(data_start)
            ));
        };
        let iface = self.interface(iface_id, offset, info);
        let ticks = (u128::from(hi) << 32) | u128::from(lo);
        let ts = ticks_to_timestamp(ticks, iface.units_per_sec, iface.offset_secs);
        self.last_ts = ts;
        Outcome::Packet { ts, link: iface.link, interface: iface_id, data: data_start..data_end, orig_len }
    }

    /// A Simple Packet Block carries no timestamp and belongs to interface 0; its captured
    /// length is the smaller of the original length and what the block holds.
    fn simple_packet_block(&mut self, body: &[u8], info: &mut CaptureInfo) -> Outcome {
        let Some(orig_len) = read_u32(body, 0, self.big_endian) else {
            return Outcome::Corrupt(crate::msg!("reason-spb-short"));
        };
        let iface = self.interface(0, 0, info);
        let mut caplen = (orig_len as usize).min(body.len().saturating_sub(4));
        if iface.snaplen > 0 {
            caplen = caplen.min(iface.snaplen as usize);
        }
        Outcome::Packet { ts: self.last_ts, link: iface.link, interface: 0, data: 4..4 + caplen, orig_len }
    }

    /// Finds the next offset, 4-byte aligned, where a known block type sits with a sane
    /// length whose trailer repeats it.
    fn resync(&mut self, src: &mut Source, info: &mut CaptureInfo, after_frame: u64) -> bool {
        let start_offset = src.offset();
        let _ = src.ensure(RESYNC_WINDOW);
        let w = src.window();
        let be = self.big_endian;
        let found = (1..w.len() / 4).map(|k| k * 4).find(|&at| {
            let (Some(t), Some(len)) = (read_u32(w, at, be), read_u32(w, at + 4, be)) else { return false };
            let len = len as usize;
            KNOWN_BLOCKS.contains(&t)
                && len >= 12
                && len % 4 == 0
                && read_u32(w, at + len - 4, be).is_some_and(|trailer| trailer as usize == len)
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
}

enum Outcome {
    Skip,
    Corrupt(crate::i18n::Message),
    Packet { ts: Timestamp, link: LinkType, interface: u32, data: std::ops::Range<usize>, orig_len: u32 },
}

/// Parses an Interface Description Block with pcap-file, falling back to the fixed fields
/// when pcap-file rejects the block (a non-zero reserved field, a malformed option): the
/// interface still exists, and later packets still need its link type.
fn parse_idb<B: ByteOrder>(body: &[u8], big_endian: bool) -> Interface {
    let mut iface = Interface {
        link: LinkType(u32::from(read_u16(body, 0, big_endian).unwrap_or(u16::MAX))),
        snaplen: read_u32(body, 4, big_endian).unwrap_or(0),
        units_per_sec: 1_000_000,
        offset_secs: 0,
    };
    if let Ok((_, idb)) = InterfaceDescriptionBlock::from_slice::<B>(body) {
        iface.link = LinkType(u32::from(idb.linktype));
        iface.snaplen = idb.snaplen;
        for opt in &idb.options {
            match opt {
                InterfaceDescriptionOption::IfTsResol(r) => iface.units_per_sec = units_per_sec(*r),
                InterfaceDescriptionOption::IfTsOffset(o) => iface.offset_secs = i64::try_from(*o).unwrap_or(0),
                _ => {}
            }
        }
    }
    iface
}

/// `if_tsresol`: the high bit selects a power of 2, otherwise a power of 10 (pcapng spec
/// section 4.2). Returns 0 for a resolution we cannot represent.
fn units_per_sec(r: u8) -> u128 {
    let exp = u32::from(r & 0x7f);
    if r & 0x80 != 0 { 2u128.checked_pow(exp) } else { 10u128.checked_pow(exp) }.unwrap_or(0)
}

fn ticks_to_timestamp(ticks: u128, units_per_sec: u128, offset_secs: i64) -> Timestamp {
    let units = units_per_sec.max(1);
    let secs = ticks / units;
    let frac = ticks % units;
    let nanos = frac.saturating_mul(1_000_000_000) / units;
    let secs = i64::try_from(secs).unwrap_or(i64::MAX).saturating_add(offset_secs);
    Timestamp::from_parts(secs, i64::try_from(nanos).unwrap_or(0))
}

fn io_issue(src: &Source, info: &CaptureInfo, e: &std::io::Error) -> ReadIssue {
    ReadIssue::Io { offset: src.offset(), after_frame: info.packets, message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsresol_powers_of_ten_and_two() {
        assert_eq!(units_per_sec(6), 1_000_000);
        assert_eq!(units_per_sec(9), 1_000_000_000);
        assert_eq!(units_per_sec(0), 1);
        assert_eq!(units_per_sec(0x80 | 10), 1024);
        assert_eq!(units_per_sec(0x80 | 127), 1u128 << 127);
        assert_eq!(units_per_sec(127), 0, "10^127 does not fit: reported, not a panic");
    }

    #[test]
    fn ticks_convert_without_overflow() {
        let ts = ticks_to_timestamp(u128::from(u64::MAX), 1, 0);
        assert!(ts.0 > 0);
        let ts = ticks_to_timestamp(1_500_000, 1_000_000, 0);
        assert_eq!(ts.0, 1_500_000_000);
        let ts = ticks_to_timestamp(3, 2, 10);
        assert_eq!(ts.0, 11_500_000_000);
    }
}
