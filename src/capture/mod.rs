//! Capture reader: the first step of the pipeline.
//!
//! Turns a file (or standard input) holding classic pcap, pcapng, or either of them
//! gzip-compressed, into a stream of [`Record`]s numbered exactly as Wireshark numbers
//! `frame.number`: every packet record counts, whatever it carries.
//!
//! Contract:
//! - Only opening can fail ([`OpenError`]): the file is unreadable or is not a capture.
//! - After that, damage never stops the caller with an error. A truncated last record, a
//!   corrupt record or an I/O error mid-file becomes a [`ReadIssue`] in [`CaptureInfo`], and
//!   every record read before it is still delivered.
//! - Memory is bounded by [`source::Source::MAX_WINDOW`], whatever the file says.

mod pcap;
mod pcapng;
pub mod source;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use serde::Serialize;

use self::source::Source;

/// Nanoseconds since the Unix epoch. i64 covers the years 1678 to 2262.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_parts(secs: i64, nanos: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }
    /// Seconds since the epoch, as a float for reports and JSON.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// `self - earlier` in nanoseconds, saturating.
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_secs_f64())
    }
}

/// A link-layer header type, by its LINKTYPE_ number (tcpdump.org/linktypes.html).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// DLT_RAW as some BSDs number it in pcap headers.
    pub const RAW_BSD: LinkType = LinkType(12);
    pub const RAW_OPENBSD: LinkType = LinkType(14);

    pub fn name(self) -> String {
        match self.0 {
            0 => "null".into(),
            1 => "ether".into(),
            12 | 14 | 101 => "raw".into(),
            108 => "loop".into(),
            113 => "linux-sll".into(),
            228 => "ipv4".into(),
            229 => "ipv6".into(),
            274 => "ether-mpacket".into(),
            276 => "linux-sll2".into(),
            n => format!("linktype-{n}"),
        }
    }
}

impl Serialize for LinkType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// One packet record, borrowed from the reader's window.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Wireshark's `frame.number`, starting at 1.
    pub frame: u64,
    pub ts: Timestamp,
    pub link: LinkType,
    pub interface: u32,
    /// The bytes captured (`frame.cap_len`).
    pub data: &'a [u8],
    /// The length on the wire (`frame.len`).
    pub orig_len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Pcap,
    PcapNanos,
    /// Alexey Kuznetzov's "modified" pcap (magic a1b2cd34) and the other 24-byte-header
    /// variants that Wireshark recognises.
    PcapModified,
    Pcapng,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pcap => "pcap",
            Format::PcapNanos => "pcap (nanosecond)",
            Format::PcapModified => "pcap (modified)",
            Format::Pcapng => "pcapng",
        })
    }
}

/// Something wrong with the file itself, found while reading. Never fatal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReadIssue {
    /// The input ends inside a record; that record is dropped, as tshark drops it.
    TruncatedRecord {
        offset: u64,
        after_frame: u64,
    },
    /// A record header that cannot be right (length beyond any limit, bad block length...).
    CorruptRecord {
        offset: u64,
        after_frame: u64,
        /// Why the record cannot be right, as a message (`reason-*` in report.ftl).
        #[serde(serialize_with = "crate::i18n::english")]
        reason: crate::i18n::Message,
    },
    /// After a corrupt record we found the next plausible record and went on reading.
    /// Wireshark stops at the corrupt record, so frames after `after_frame` do not exist there.
    Resynchronised {
        offset: u64,
        skipped_bytes: u64,
        after_frame: u64,
    },
    /// A pcapng packet names an interface that was never described.
    UnknownInterface {
        offset: u64,
        frame: u64,
        interface: u32,
    },
    /// An interface's `if_tsresol` could not be used; microseconds were assumed.
    BadTimestampResolution {
        interface: u32,
        value: u8,
    },
    Io {
        offset: u64,
        after_frame: u64,
        message: String,
    },
}

impl ReadIssue {
    /// What went wrong, as a message for the report (`locales/<lang>/report.ftl`).
    pub fn message(&self) -> crate::i18n::Message {
        use crate::msg;
        match self {
            ReadIssue::TruncatedRecord { offset, after_frame } => {
                msg!("read-truncated", offset = *offset, after_frame = *after_frame)
            }
            ReadIssue::CorruptRecord { offset, after_frame, reason } => {
                msg!("read-corrupt", offset = *offset, after_frame = *after_frame, reason = reason.clone())
            }
            ReadIssue::Resynchronised { offset, skipped_bytes, after_frame } => {
                msg!("read-resynchronised", offset = *offset, skipped = *skipped_bytes, after_frame = *after_frame)
            }
            ReadIssue::UnknownInterface { offset, frame, interface } => {
                msg!("read-unknown-interface", offset = *offset, frame = *frame, interface = *interface)
            }
            ReadIssue::BadTimestampResolution { interface, value } => {
                msg!("read-bad-tsresol", interface = *interface, value = *value)
            }
            ReadIssue::Io { offset, after_frame, message } => {
                msg!("read-io", offset = *offset, after_frame = *after_frame, message = message.clone())
            }
        }
    }
}

impl fmt::Display for ReadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())
    }
}

/// What the capture file itself says, plus what went wrong while reading it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureInfo {
    pub file: String,
    pub format: Option<Format>,
    pub gzip: bool,
    pub link_types: Vec<LinkType>,
    pub interfaces: usize,
    pub sections: usize,
    pub packets: u64,
    pub bytes_read: u64,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
    /// Packets the capturing interface dropped, where pcapng statistics record it.
    pub interface_drops: Option<u64>,
    pub issues: Vec<ReadIssue>,
}

/// Opening failed: these are the only fatal capture errors.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open {path:?}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path:?} is not a packet capture: expected pcap, pcapng or gzip, found {found}")]
    NotACapture { path: PathBuf, found: String },
    #[error("{path:?} is empty")]
    Empty { path: PathBuf },
    #[error("{path:?} is a capture, but its header is damaged: {reason}")]
    BadHeader { path: PathBuf, reason: String },
}

enum Inner {
    Pcap(pcap::PcapState),
    Pcapng(pcapng::PcapngState),
}

/// Streams the records of one capture. Use [`CaptureReader::next_record`] in a `while let`.
pub struct CaptureReader {
    src: Source,
    inner: Inner,
    info: CaptureInfo,
    done: bool,
    /// Bytes read from the underlying file (compressed bytes for gzip), and its size.
    disk: Option<(std::sync::Arc<std::sync::atomic::AtomicU64>, u64)>,
    progress: Option<Box<dyn FnMut(u64, u64)>>,
}

/// Counts the bytes read through it, for progress reporting.
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// How often (in records) the progress hook is called.
const PROGRESS_EVERY: u64 = 8192;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl CaptureReader {
    /// Opens a file, or standard input when `path` is `-`.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        if path == Path::new("-") {
            return Self::from_reader(Box::new(io::stdin()), path);
        }
        let file = File::open(path).map_err(|source| OpenError::Io { path: path.into(), source })?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut r = Self::from_reader(Box::new(Counting { inner: file, count: count.clone() }), path)?;
        r.disk = Some((count, size));
        Ok(r)
    }

    /// Names the capture in reports as `name` (a spooled pipe is read from a temporary file,
    /// and reported as what the user gave).
    pub fn set_display_name(&mut self, name: &Path) {
        self.info.file = name.display().to_string();
    }

    /// Size of the file on disk, when known (not for standard input).
    pub fn file_size(&self) -> Option<u64> {
        self.disk.as_ref().map(|d| d.1)
    }

    /// Calls `hook(bytes read from disk, file size)` every few thousand records and at the end.
    pub fn set_progress(&mut self, hook: Box<dyn FnMut(u64, u64)>) {
        self.progress = Some(hook);
    }

    fn report_progress(&mut self) {
        if let (Some(hook), Some((count, size))) = (self.progress.as_mut(), self.disk.as_ref()) {
            hook(count.load(std::sync::atomic::Ordering::Relaxed), *size);
        }
    }

    /// Opens from any reader; `path` is only used in messages and the summary.
    pub fn from_reader(input: Box<dyn Read + Send>, path: &Path) -> Result<Self, OpenError> {
        let io_err = |source| OpenError::Io { path: path.into(), source };
        let mut src = Source::new(input);
        let mut gzip = false;
        // Detect by content, never by name: `rtsp.pcap` in the corpus is really pcapng.
        if src.ensure(2).map_err(io_err)? >= 2 && src.window().starts_with(&GZIP_MAGIC) {
            gzip = true;
            src = Source::new(Box::new(MultiGzDecoder::new(SourceReader(src))));
        }
        let have = src.ensure(4).map_err(io_err)?;
        if have == 0 {
            return Err(OpenError::Empty { path: path.into() });
        }
        let magic: [u8; 4] = src
            .window()
            .get(..4)
            .and_then(|m| m.try_into().ok())
            .ok_or_else(|| OpenError::NotACapture { path: path.into(), found: "fewer than 4 bytes".into() })?;
        let mut info = CaptureInfo { file: path.display().to_string(), gzip, ..CaptureInfo::default() };
        let inner = if pcap::is_magic(magic) {
            Inner::Pcap(pcap::PcapState::open(&mut src, &mut info, path)?)
        } else if pcapng::is_magic(magic) {
            Inner::Pcapng(pcapng::PcapngState::open(&mut src, &mut info, path)?)
        } else {
            return Err(OpenError::NotACapture { path: path.into(), found: describe_magic(magic) });
        };
        Ok(Self { src, inner, info, done: false, disk: None, progress: None })
    }

    /// The next packet record, or `None` at the end of the readable part of the file.
    pub fn next_record(&mut self) -> Option<Record<'_>> {
        if self.done {
            return None;
        }
        let found = match &mut self.inner {
            Inner::Pcap(state) => state.next(&mut self.src, &mut self.info),
            Inner::Pcapng(state) => state.next(&mut self.src, &mut self.info),
        };
        let Some(raw) = found else {
            self.done = true;
            self.info.bytes_read = self.src.offset();
            self.report_progress();
            return None;
        };
        self.info.packets += 1;
        if self.info.packets % PROGRESS_EVERY == 0 {
            self.report_progress();
        }
        self.info.first_ts.get_or_insert(raw.ts);
        self.info.last_ts = Some(raw.ts);
        let data = self.src.bytes(raw.data);
        let record = Record {
            frame: self.info.packets,
            ts: raw.ts,
            link: raw.link,
            interface: raw.interface,
            data,
            orig_len: raw.orig_len,
        };
        Some(record)
    }

    pub fn info(&self) -> &CaptureInfo {
        &self.info
    }

    pub fn into_info(mut self) -> CaptureInfo {
        self.info.bytes_read = self.info.bytes_read.max(self.src.offset());
        self.info
    }
}

/// Where a record lies in the source window; resolved to a slice by the reader so that the
/// format parsers need not hand out borrows.
pub(crate) struct RawRecord {
    pub ts: Timestamp,
    pub link: LinkType,
    pub interface: u32,
    pub data: std::ops::Range<usize>,
    pub orig_len: u32,
}

/// Lets a `Source` that has already peeked at bytes be read again from its start (used to put
/// a gzip decoder in front of it).
struct SourceReader(Source);

impl Read for SourceReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.ensure(1)? == 0 {
            return Ok(0);
        }
        let w = self.0.window();
        let n = w.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), w.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.0.consume(n);
        Ok(n)
    }
}

fn describe_magic(m: [u8; 4]) -> String {
    if m.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("text starting {:?}", String::from_utf8_lossy(&m))
    } else {
        format!("magic bytes {:02x}{:02x}{:02x}{:02x}", m[0], m[1], m[2], m[3])
    }
}

/// Reads a u32 at `at` in the given byte order, or `None` past the end.
pub(crate) fn read_u32(b: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if big_endian { u32::from_be_bytes(bytes) } else { u32::from_le_bytes(bytes) })
}

pub(crate) fn read_u16(b: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let bytes: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if big_endian { u16::from_be_bytes(bytes) } else { u16::from_le_bytes(bytes) })
}
