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
    /// An issue of one of several files read as one (its offsets and frames are the file's).
    InFile {
        file: String,
        issue: Box<ReadIssue>,
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
            ReadIssue::InFile { file, issue } => msg!("read-in-file", file = file.clone(), issue = issue.message()),
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
    /// When several files were read as one: each file, in time order of its first packet.
    pub files: Vec<FileSpan>,
    /// Some files' time spans overlap (captures of several interfaces or hosts, not a ring):
    /// they were merged packet by packet.
    pub files_overlap: bool,
}

/// One of several files read as one.
#[derive(Debug, Clone, Serialize)]
pub struct FileSpan {
    pub file: String,
    pub packets: u64,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
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

/// Streams the records of one capture, which may be several files read as one
/// ([`CaptureReader::open_many`]). Use [`CaptureReader::next_record`] in a `while let`.
pub struct CaptureReader {
    parts: Vec<Part>,
    /// The part whose record was handed out last: it is read on before the next choice.
    last: Option<usize>,
    /// The earliest head among the other parts when `last` was chosen, and its part: while
    /// `last`'s next head comes before it, `last` is chosen again without looking at the
    /// others (a ring's files follow one another, so a scan happens once per file).
    others: Option<(Timestamp, usize)>,
    /// Records handed out: the frame number of the last one.
    frames: u64,
    /// Where runs of merged frames came from, when there are several files.
    map: FrameMap,
    /// A name for the whole, when there are several files.
    name: Option<String>,
    progress: Option<Box<dyn FnMut(u64, u64) + Send>>,
}

/// What to read as one capture: one file, or several read as one (the second pass of a
/// report opens the same again).
#[derive(Debug, Clone)]
pub struct Sources {
    /// (path to open, name to show).
    files: Vec<(PathBuf, String)>,
    name: String,
}

impl Sources {
    pub fn one(path: &Path) -> Self {
        let shown = path.display().to_string();
        Sources { files: vec![(path.to_path_buf(), shown.clone())], name: shown }
    }

    /// Several files read as one, named `name` in reports; each (path, shown name).
    pub fn many(files: Vec<(PathBuf, String)>, name: String) -> Self {
        Sources { files, name }
    }

    pub fn open(&self) -> Result<CaptureReader, OpenError> {
        let mut r = match self.files.as_slice() {
            [(path, _)] => CaptureReader::open(path)?,
            many => {
                let paths: Vec<PathBuf> = many.iter().map(|(p, _)| p.clone()).collect();
                CaptureReader::open_many(&paths, &self.name)?
            }
        };
        r.set_display_names(self.files.iter().map(|(_, n)| n.as_str()));
        Ok(r)
    }

    /// Standard input, which cannot be opened again.
    pub fn is_stdin(&self) -> bool {
        self.files.iter().any(|(p, _)| p == Path::new("-"))
    }

    /// The name shown for the whole.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One file of a capture.
struct Part {
    src: Source,
    inner: Inner,
    info: CaptureInfo,
    done: bool,
    /// Its next record, read ahead to merge the files in time order.
    head: Option<RawRecord>,
    /// Added to its interface ids, so the files' interfaces stay apart.
    interface_base: u32,
    /// Its place among the files as given (they are read in time order).
    given: usize,
    /// Bytes read from the underlying file (compressed bytes for gzip), and its size.
    disk: Option<(std::sync::Arc<std::sync::atomic::AtomicU64>, u64)>,
    /// Where it was opened from (`-` for standard input).
    path: PathBuf,
    /// Closed until the merge reaches its first record ([`MAX_OPEN`]): its time is kept.
    parked: Option<Timestamp>,
}

/// Files held open at once past which the files of a capture are opened as the merge
/// reaches them (a ring's files follow one another: one or two open at a time), so that a
/// directory of thousands of `-G` rotations stays under the open-file limit.
pub const MAX_OPEN: usize = 64;

impl Part {
    /// When this part's next record is: its head, or the first record of a parked file.
    fn key(&self) -> Option<Timestamp> {
        self.head.as_ref().map(|h| h.ts).or(self.parked)
    }

    /// Closes the file after its first record was seen, to open it again when it is needed.
    fn park(&mut self) {
        if let (Some(h), false) = (&self.head, self.path == Path::new("-")) {
            self.parked = Some(h.ts);
            self.head = None;
            // The record read is read again when the file is opened again.
            self.info.packets = self.info.packets.saturating_sub(1);
            self.src.release();
        }
    }

    /// Opens a parked file again and reads its first record.
    fn unpark(&mut self) {
        self.parked = None;
        let shown = std::mem::take(&mut self.info.file);
        match CaptureReader::open_part(&self.path) {
            Ok(fresh) => {
                self.src = fresh.src;
                self.inner = fresh.inner;
                self.info = fresh.info;
                self.disk = fresh.disk;
                self.info.file = shown;
                self.advance();
            }
            Err(e) => {
                self.info.file = shown;
                self.info.issues.push(ReadIssue::Io { offset: 0, after_frame: 0, message: e.to_string() });
                self.done = true;
            }
        }
    }

    /// Reads the next record into `head`.
    fn advance(&mut self) {
        if self.done {
            return;
        }
        self.head = match &mut self.inner {
            Inner::Pcap(state) => state.next(&mut self.src, &mut self.info),
            Inner::Pcapng(state) => state.next(&mut self.src, &mut self.info),
        };
        match &self.head {
            Some(raw) => {
                self.info.packets += 1;
                self.info.first_ts.get_or_insert(raw.ts);
                self.info.last_ts = Some(raw.ts);
            }
            None => {
                self.done = true;
                self.info.bytes_read = self.src.offset();
                self.src.release();
            }
        }
    }
}

/// Where merged frames came from: runs of consecutive frames from one file. Bounded: files
/// that interleave packet by packet make a run per packet, and past [`FrameMap::MAX_RUNS`]
/// the rest is not mapped (`source_of` says `None`).
#[derive(Debug, Clone, Default)]
pub struct FrameMap {
    /// (first merged frame, file index, that frame's number in its file).
    runs: Vec<(u64, u32, u64)>,
    files: Vec<String>,
    full: bool,
}

impl FrameMap {
    pub const MAX_RUNS: usize = 1 << 20;

    fn note(&mut self, frame: u64, part: usize, local: u64) {
        if self.full {
            return;
        }
        let continues = self.runs.last().is_some_and(|&(f, p, l)| p as usize == part && frame - f == local - l);
        if continues {
            return;
        }
        if self.runs.len() >= Self::MAX_RUNS {
            self.full = true;
            return;
        }
        self.runs.push((frame, part as u32, local));
    }

    /// The file a merged frame came from, and its frame number there; `None` for a single
    /// file or past the bound.
    pub fn source_of(&self, frame: u64) -> Option<(&str, u64)> {
        if self.files.len() < 2 {
            return None;
        }
        let i = self.runs.partition_point(|r| r.0 <= frame).checked_sub(1)?;
        let &(first, part, local) = self.runs.get(i)?;
        if self.full && i + 1 == self.runs.len() {
            return None;
        }
        Some((self.files.get(part as usize)?.as_str(), local + (frame - first)))
    }

    /// The files, in the order they were given.
    pub fn files(&self) -> &[String] {
        &self.files
    }
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
        Ok(Self::of_parts(vec![Self::open_part(path)?], None))
    }

    /// Opens files that belong to one capture (a ring buffer, a capture split in pieces, or
    /// several interfaces) and reads them as one, merged in time order as `mergecap` merges
    /// them: at each step the earliest next record of any file, the last file (as given)
    /// winning ties. Ring files need no sorting: their names may wrap, their times do not.
    /// Frame numbers are those of the merged file; [`CaptureReader::frame_map`] gives each
    /// frame's file and number there. `name` names the whole in reports.
    pub fn open_many(paths: &[PathBuf], name: &str) -> Result<Self, OpenError> {
        let many = paths.len() > MAX_OPEN;
        let mut parts = Vec::with_capacity(paths.len());
        for path in paths {
            let mut p = Self::open_part(path)?;
            if many {
                // Its first record's time, then closed until the merge reaches it.
                p.advance();
                p.park();
            }
            parts.push(p);
        }
        Ok(Self::of_parts(parts, Some(name.to_string())))
    }

    fn open_part(path: &Path) -> Result<Part, OpenError> {
        if path == Path::new("-") {
            return Self::part_from_reader(Box::new(io::stdin()), path);
        }
        let file = File::open(path).map_err(|source| OpenError::Io { path: path.into(), source })?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(OpenError::Io { path: path.into(), source: io::Error::other("is a directory") });
        }
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut part = Self::part_from_reader(Box::new(Counting { inner: file, count: count.clone() }), path)?;
        part.disk = Some((count, size));
        Ok(part)
    }

    fn of_parts(mut parts: Vec<Part>, name: Option<String>) -> Self {
        let mut base = 0u32;
        for (i, p) in parts.iter_mut().enumerate() {
            p.given = i;
            p.interface_base = base;
            base = base.saturating_add(u32::try_from(p.info.interfaces.max(1)).unwrap_or(u32::MAX));
            if p.head.is_none() && p.parked.is_none() && !p.done {
                p.advance();
            }
        }
        let map = FrameMap { files: parts.iter().map(|p| p.info.file.clone()).collect(), ..FrameMap::default() };
        CaptureReader { parts, last: None, others: None, frames: 0, map, name, progress: None }
    }

    /// Names the capture in reports as `name` (a spooled pipe is read from a temporary file,
    /// and reported as what the user gave).
    pub fn set_display_name(&mut self, name: &Path) {
        if let [one] = self.parts.as_mut_slice() {
            one.info.file = name.display().to_string();
        }
    }

    /// Names the files in reports, in the order they were given.
    pub fn set_display_names<'n>(&mut self, names: impl Iterator<Item = &'n str>) {
        let names: Vec<&str> = names.collect();
        for p in &mut self.parts {
            if let Some(n) = names.get(p.given) {
                p.info.file = (*n).to_string();
            }
        }
        self.map.files = self.parts.iter().map(|p| p.info.file.clone()).collect();
    }

    /// Size of the files on disk, when known (not for standard input).
    pub fn file_size(&self) -> Option<u64> {
        self.parts.iter().map(|p| p.disk.as_ref().map(|d| d.1)).sum()
    }

    /// Calls `hook(bytes read from disk, total size)` every few thousand records and at the end.
    pub fn set_progress(&mut self, hook: Box<dyn FnMut(u64, u64) + Send>) {
        self.progress = Some(hook);
    }

    fn report_progress(&mut self) {
        let Some(hook) = self.progress.as_mut() else { return };
        let (mut done, mut size) = (0, 0);
        for (count, total) in self.parts.iter().filter_map(|p| p.disk.as_ref()) {
            done += count.load(std::sync::atomic::Ordering::Relaxed);
            size += total;
        }
        if size > 0 {
            hook(done, size);
        }
    }

    /// Opens from any reader; `path` is only used in messages and the summary.
    pub fn from_reader(input: Box<dyn Read + Send>, path: &Path) -> Result<Self, OpenError> {
        Ok(Self::of_parts(vec![Self::part_from_reader(input, path)?], None))
    }

    fn part_from_reader(input: Box<dyn Read + Send>, path: &Path) -> Result<Part, OpenError> {
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
        Ok(Part {
            src,
            inner,
            info,
            done: false,
            head: None,
            interface_base: 0,
            given: 0,
            disk: None,
            path: path.to_path_buf(),
            parked: None,
        })
    }

    /// The next packet record, or `None` at the end of the readable part of the files.
    pub fn next_record(&mut self) -> Option<Record<'_>> {
        let prev = self.last.take();
        if let Some(p) = prev.and_then(|i| self.parts.get_mut(i)) {
            p.advance();
        }
        // The earliest head. On a tie the last of the files as given wins: mergecap's
        // `is_earlier` is true for equal times and each file in turn replaces the pick (a
        // ring's file that ends at the microsecond the next one starts; lab long-ring).
        let wins = |ts: Timestamp, i: usize, other: Option<(Timestamp, usize)>| {
            other.is_none_or(|(t, j)| ts < t || (ts == t && i > j))
        };
        let again = prev.and_then(|i| {
            let ts = self.parts.get(i)?.head.as_ref()?.ts;
            (self.parts.len() == 1 || (self.others.is_some() && wins(ts, i, self.others))).then_some((i, ts))
        });
        let pick = match again {
            Some(p) => Some(p),
            None => loop {
                let mut pick: Option<(usize, Timestamp)> = None;
                for (i, p) in self.parts.iter().enumerate() {
                    if let Some(ts) = p.key() {
                        if pick.is_none_or(|(_, t)| ts <= t) {
                            pick = Some((i, ts));
                        }
                    }
                }
                // A closed file's first record comes next: open it, and choose again.
                if let Some(p) = pick.and_then(|(i, _)| self.parts.get_mut(i)).filter(|p| p.parked.is_some()) {
                    p.unpark();
                    continue;
                }
                if let (Some((i, _)), true) = (pick, self.parts.len() > 1) {
                    self.others = None;
                    for (j, p) in self.parts.iter().enumerate().filter(|(j, _)| *j != i) {
                        if let Some(ts) = p.key() {
                            if self.others.is_none_or(|(t, _)| ts <= t) {
                                self.others = Some((ts, j));
                            }
                        }
                    }
                    // No other file has a packet left: this one goes on alone.
                    if self.others.is_none() {
                        self.others = Some((Timestamp(i64::MAX), usize::MAX));
                    }
                }
                break pick;
            },
        };
        let Some((i, _)) = pick else {
            if self.frames > 0 || self.progress.is_some() {
                self.report_progress();
            }
            return None;
        };
        self.frames += 1;
        if self.frames % PROGRESS_EVERY == 0 {
            self.report_progress();
        }
        self.last = Some(i);
        if self.parts.len() > 1 {
            let local = self.parts.get(i).map_or(0, |p| p.info.packets);
            self.map.note(self.frames, i, local);
        }
        let p = self.parts.get(i)?;
        let raw = p.head.as_ref()?;
        Some(Record {
            frame: self.frames,
            ts: raw.ts,
            link: raw.link,
            interface: raw.interface.saturating_add(p.interface_base),
            data: p.src.bytes(raw.data.clone()),
            orig_len: raw.orig_len,
        })
    }

    /// Where each frame came from, when several files are read as one.
    pub fn frame_map(&self) -> &FrameMap {
        &self.map
    }

    /// What the files say, and what went wrong reading them, as one capture.
    pub fn into_info(self) -> CaptureInfo {
        self.into_parts().0
    }

    /// [`CaptureReader::into_info`], and the frame map.
    pub fn into_parts(self) -> (CaptureInfo, FrameMap) {
        let mut infos: Vec<CaptureInfo> = self
            .parts
            .into_iter()
            .map(|mut p| {
                p.info.bytes_read = p.info.bytes_read.max(p.src.offset());
                // A record read ahead but never handed out (the caller stopped early).
                p.info.packets -= u64::from(p.head.is_some() && !p.done);
                p.info
            })
            .collect();
        let info = if infos.len() == 1 {
            infos.pop().unwrap_or_default()
        } else {
            merge_infos(&infos, self.name.unwrap_or_default())
        };
        (info, self.map)
    }
}

/// One summary for several files read as one: their packets, bytes and interfaces added up,
/// link types joined, the time span of all, and each file's issues named after it.
fn merge_infos(infos: &[CaptureInfo], name: String) -> CaptureInfo {
    let mut m = CaptureInfo { file: name, ..CaptureInfo::default() };
    m.format = infos.first().and_then(|i| i.format);
    m.gzip = infos.iter().any(|i| i.gzip);
    for i in infos {
        for l in &i.link_types {
            if !m.link_types.contains(l) {
                m.link_types.push(*l);
            }
        }
        m.interfaces += i.interfaces;
        m.sections += i.sections;
        m.packets += i.packets;
        m.bytes_read += i.bytes_read;
        m.first_ts = m.first_ts.min(i.first_ts).or(m.first_ts).or(i.first_ts);
        m.last_ts = m.last_ts.max(i.last_ts);
        if let Some(d) = i.interface_drops {
            m.interface_drops = Some(m.interface_drops.unwrap_or(0) + d);
        }
        for issue in &i.issues {
            m.issues.push(ReadIssue::InFile { file: i.file.clone(), issue: Box::new(issue.clone()) });
        }
        m.files.push(FileSpan { file: i.file.clone(), packets: i.packets, first_ts: i.first_ts, last_ts: i.last_ts });
    }
    m.files.sort_by_key(|f| f.first_ts);
    m.files_overlap =
        m.files.windows(2).any(|w| match (w.first().and_then(|a| a.last_ts), w.get(1).and_then(|b| b.first_ts)) {
            (Some(end), Some(start)) => start < end,
            _ => false,
        });
    m
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

/// True when the file starts like a capture (pcap, pcapng or gzip): how a directory's
/// files are chosen.
pub fn looks_like_capture(path: &Path) -> bool {
    let mut head = [0u8; 4];
    let read = File::open(path).and_then(|mut f| f.read_exact(&mut head));
    read.is_ok() && (head.starts_with(&GZIP_MAGIC) || pcap::is_magic(head) || pcapng::is_magic(head))
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
