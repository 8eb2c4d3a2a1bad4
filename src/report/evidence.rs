//! `--evidence FILE.pcapng`: only the packets behind the findings (every packet of each
//! cited stream, and every other cited frame, such as DNS exchanges), each with a pcapng
//! comment naming the finding it supports. A support engineer opens this instead of the
//! 2 GB original; frame numbers differ, so each comment also gives the original frame number.

use crate::HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};

use crate::anonymize::Anonymizer;
use crate::capture::{CaptureReader, LinkType};
use crate::decode::{Frame, Tcp};
use crate::detect::Finding;
use crate::engine::{self, Observer, TcpInfo};
use crate::flow::Conversation;

struct Writer<'a> {
    out: PcapNgWriter<BufWriter<File>>,
    /// (capture side, link type) -> interface id: a comparison's two captures are two
    /// interfaces, named after their side.
    interfaces: HashMap<(Option<&'static str>, LinkType), u32>,
    /// "client" or "server" in a comparison's evidence.
    side: Option<&'static str>,
    /// stream -> "detector (severity)" labels
    streams: BTreeMap<u32, Vec<String>>,
    /// frame -> roles
    frames: BTreeMap<u64, Vec<String>>,
    written: u64,
    /// Addresses written as text in payloads that had to be masked (`--anonymize`).
    masked: u64,
    error: Option<String>,
    anonymizer: Option<&'a Anonymizer>,
    current_stream: Option<u32>,
}

impl Writer<'_> {
    fn interface(&mut self, link: LinkType) -> Option<u32> {
        if let Some(&id) = self.interfaces.get(&(self.side, link)) {
            return Some(id);
        }
        let mut options = vec![InterfaceDescriptionOption::IfTsResol(9)];
        if let Some(side) = self.side {
            options.push(InterfaceDescriptionOption::IfName(Cow::Owned(format!("{side} capture"))));
        }
        let idb = InterfaceDescriptionBlock { linktype: DataLink::from(link.0), snaplen: 0, options };
        if let Err(e) = self.out.write_pcapng_block(idb) {
            self.error = Some(write_error(e));
            return None;
        }
        let id = self.interfaces.len() as u32;
        self.interfaces.insert((self.side, link), id);
        Some(id)
    }

    fn write(&mut self, f: &Frame<'_>, stream: Option<u32>) {
        if self.error.is_some() {
            return;
        }
        let mut notes: Vec<String> = Vec::new();
        if let Some(s) = stream.and_then(|s| self.streams.get(&s)) {
            notes.extend(s.iter().cloned());
        }
        if let Some(roles) = self.frames.get(&f.frame) {
            notes.extend(roles.iter().cloned());
        }
        if notes.is_empty() {
            return;
        }
        let Some(iface) = self.interface(f.link) else { return };
        let data = match self.anonymizer {
            Some(a) => {
                let (data, masked) = a.packet(f.raw, f.link);
                self.masked += masked as u64;
                Cow::Owned(data)
            }
            None => Cow::Borrowed(f.raw),
        };
        let mut comment = match self.side {
            Some(side) => format!("pcapdoc: {side} frame {}; {}", f.frame, notes.join("; ")),
            None => format!("pcapdoc: original frame {}; {}", f.frame, notes.join("; ")),
        };
        if let Some(a) = self.anonymizer {
            comment = a.text(&comment);
        }
        let epb = EnhancedPacketBlock {
            interface_id: iface,
            timestamp: Duration::from_nanos(u64::try_from(f.ts.0).unwrap_or(0)),
            original_len: f.wire_len,
            data,
            options: vec![EnhancedPacketOption::Comment(Cow::Owned(comment))],
        };
        match self.out.write_pcapng_block(epb) {
            Ok(_) => self.written += 1,
            Err(e) => self.error = Some(write_error(e)),
        }
    }
}

impl Observer for Writer<'_> {
    fn on_tcp(&mut self, _f: &Frame<'_>, _t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        self.current_stream = Some(i.placement.stream);
    }
    fn on_frame(&mut self, f: &Frame<'_>) {
        let stream = self.current_stream.take();
        self.write(f, stream);
    }
}

/// The OS error behind a failed write (pcap-file calls every I/O error "Error reading bytes").
fn write_error(e: pcap_file::PcapError) -> String {
    match e {
        pcap_file::PcapError::IoError(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Two observers on one pass.
/// What each finding cites: its streams' labels and its frames' roles.
fn cited<'f>(findings: impl Iterator<Item = &'f Finding>) -> (BTreeMap<u32, Vec<String>>, BTreeMap<u64, Vec<String>>) {
    let mut streams: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut frames: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for f in findings {
        let label = format!("{} ({})", f.detector, f.severity.as_str());
        // The main stream, and every stream the finding lists (no-client-hello cites several).
        let listed = f.facts.get("streams").and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_u64());
        for s in f.stream.into_iter().chain(listed.filter_map(|s| u32::try_from(s).ok())) {
            let v = streams.entry(s).or_default();
            if !v.contains(&label) {
                v.push(label.clone());
            }
        }
        for e in &f.evidence {
            frames.entry(e.frame).or_default().push(format!("{}: {}", f.detector, e.role.text(crate::i18n::Lang::EN)));
        }
    }
    (streams, frames)
}

fn create(dest: &Path) -> Result<PcapNgWriter<BufWriter<File>>, String> {
    let file = File::create(dest).map_err(|e| format!("cannot create {dest:?}: {e}"))?;
    PcapNgWriter::new(BufWriter::new(file)).map_err(|e| format!("cannot write {dest:?}: {e}"))
}

fn open(source: &Path) -> Result<CaptureReader, String> {
    if source == Path::new("-") {
        return Err("--evidence needs a capture file: standard input cannot be read twice".into());
    }
    CaptureReader::open(source).map_err(|e| e.to_string())
}

/// What an evidence capture holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub packets: u64,
    /// Addresses written as text in payloads, masked with `x` because their pseudonym has
    /// another length (`--anonymize`).
    pub masked_text: u64,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.packets;
        write!(f, "{n} {}", if n == 1 { "packet" } else { "packets" })?;
        if self.masked_text > 0 {
            write!(
                f,
                " ({} {} written as text in payloads masked with x: their pseudonyms are not the same length)",
                self.masked_text,
                if self.masked_text == 1 { "address" } else { "addresses" }
            )?;
        }
        Ok(())
    }
}

/// Writes the evidence capture; returns what it holds. `also` watches the same
/// pass (the timelines' collector), so that the capture is read a second time only once.
pub fn write(
    source: &crate::capture::Sources,
    findings: &[Finding],
    dest: &Path,
    anonymizer: Option<&Anonymizer>,
    options: &engine::Options,
    also: &mut dyn Observer,
) -> Result<Written, String> {
    let reader = source.open().map_err(|e| e.to_string())?;
    let (streams, frames) = cited(findings.iter());
    let mut w = Writer {
        out: create(dest)?,
        interfaces: HashMap::default(),
        side: None,
        streams,
        frames,
        written: 0,
        masked: 0,
        error: None,
        anonymizer,
        current_stream: None,
    };
    engine::run_with_options(reader, &mut engine::Pair::new(&mut w, also), options);
    finish(w, dest)
}

/// Flushes the evidence file and reports the first failed write: a full disk shows only at
/// the flush of the buffered writer, which dropping it would hide.
fn finish(w: Writer<'_>, dest: &Path) -> Result<Written, String> {
    if let Some(e) = w.error {
        return Err(format!("cannot write {}: {e}", dest.display()));
    }
    let written = Written { packets: w.written, masked_text: w.masked };
    w.out.into_inner().into_inner().map_err(|e| format!("cannot write {}: {}", dest.display(), e.error()))?;
    Ok(written)
}

/// A comparison's evidence: the packets each side's findings cite, from both captures, in one
/// pcapng with one interface per capture ("client capture", "server capture") and each
/// packet's comment naming its side, its frame there and its findings.
pub fn write_compare(
    sides: [(&Path, Vec<&Finding>); 2],
    dest: &Path,
    anonymizer: Option<&Anonymizer>,
    options: &engine::Options,
) -> Result<Written, String> {
    let readers = [open(sides[0].0)?, open(sides[1].0)?];
    let mut w = Writer {
        out: create(dest)?,
        interfaces: HashMap::default(),
        side: None,
        streams: BTreeMap::new(),
        frames: BTreeMap::new(),
        written: 0,
        masked: 0,
        error: None,
        anonymizer,
        current_stream: None,
    };
    for (((_, findings), reader), side) in sides.iter().zip(readers).zip(["client", "server"]) {
        let (streams, frames) = cited(findings.iter().copied());
        w.side = Some(side);
        w.streams = streams;
        w.frames = frames;
        engine::run_with_options(reader, &mut w, options);
    }
    finish(w, dest)
}
