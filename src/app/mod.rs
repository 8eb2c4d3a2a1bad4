//! Application layer: what the reassembled bytes of a stream say (TLS records, HTTP heads,
//! DNS messages), as events for the detectors.
//!
//! A stream's protocol is decided by its first payload bytes, whichever side sends first:
//! a TLS record header, an HTTP request or status line, or port 53. Anything else is
//! opaque, and its bytes are no longer reassembled (so bulk transfers cost nothing here).

pub mod dns;
pub mod http;
pub mod tls;

use crate::HashMap;

use crate::tcp::reassembly::{Chunk, Reassembler};
use crate::tcp::seq::Seq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    Tls(tls::TlsEvent),
    Http(http::HttpEvent),
    Dns(dns::DnsMessage),
    /// Bytes on a DNS port that dns-parser could not read, and their header when it is
    /// there (it still pairs a response with its query).
    MalformedDns(Option<dns::Header>),
    /// A direction's first bytes are not the protocol the other side opened with: a
    /// ClientHello answered in plain text, an HTTP request answered with a TLS record.
    WrongProtocol {
        spoken: Kind,
        reply: Reply,
    },
}

/// What came back on a stream that spoke another protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An HTTP response: its status.
    Http { status: u16 },
    /// A TLS record.
    Tls,
    /// Anything else: its first bytes, printable ASCII kept and the rest as `.`.
    Other { head: String },
}

/// Bytes of an unknown reply kept for the report.
const REPLY_HEAD: usize = 24;

impl Reply {
    fn of(first: &[u8]) -> Self {
        if let Some(http::HttpEvent::Response { status, .. }) =
            http::looks_like_response(first).then(|| http::parse_head(first)).flatten()
        {
            return Reply::Http { status };
        }
        if tls::looks_like_tls(first) {
            return Reply::Tls;
        }
        let head = first
            .iter()
            .take(REPLY_HEAD)
            .map(|&b| if b.is_ascii_graphic() || b == b' ' { char::from(b) } else { '.' })
            .collect();
        Reply::Other { head }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Undecided,
    Tls,
    Http,
    Dns,
    Opaque,
}

/// Per-stream application state, kept only for streams that carry payload.
#[derive(Debug)]
pub struct StreamApp {
    pub kind: Kind,
    reasm: [Reassembler; 2],
    tls: [tls::TlsTracker; 2],
    dns: [dns::TcpDnsFramer; 2],
    /// Each direction has sent payload.
    spoke: [bool; 2],
}

impl StreamApp {
    fn new(cap: usize, data_start: [Option<u32>; 2]) -> Self {
        let [a, b] = data_start.map(|start| Reassembler::starting_at(cap, start.map(Seq)));
        StreamApp {
            kind: Kind::Undecided,
            reasm: [a, b],
            tls: [tls::TlsTracker::new(), tls::TlsTracker::new()],
            dns: Default::default(),
            spoke: [false; 2],
        }
    }
}

/// One TCP segment's worth of input.
pub struct SegmentIn<'a> {
    pub stream: u32,
    pub dir: usize,
    pub seq: u32,
    pub syn: bool,
    pub fin: bool,
    pub seglen: u32,
    pub payload: &'a [u8],
    pub dns_port: bool,
    /// Where each side's payload starts, when its SYN was seen ([`crate::flow::Conversation::data_start`]).
    /// A stream's state is created at its first payload, so this anchors reassembly as the
    /// SYN would have: a first data segment that arrives out of order is held, not taken
    /// as the start.
    pub data_start: [Option<u32>; 2],
}

pub struct AppTable {
    /// Boxed: a table of 300-byte values costs as much for its empty slots as for its full
    /// ones, and with 100,000 open streams the slots are most of the memory.
    streams: HashMap<u32, Box<StreamApp>>,
    cap: usize,
    pub malformed_dns: u64,
    /// Out-of-order bytes not buffered because a direction's reassembly cap was reached.
    pub reassembly_dropped_bytes: u64,
    /// Bytes declared missing (holes never filled, snaplen cuts).
    pub reassembly_gap_bytes: u64,
}

impl AppTable {
    /// `cap`: out-of-order bytes held per stream direction.
    pub fn new(cap: usize) -> Self {
        AppTable {
            streams: HashMap::default(),
            cap,
            malformed_dns: 0,
            reassembly_dropped_bytes: 0,
            reassembly_gap_bytes: 0,
        }
    }

    pub fn kind(&self, stream: u32) -> Kind {
        self.streams.get(&stream).map_or(Kind::Undecided, |s| s.kind)
    }

    /// Feeds one TCP segment; `emit` gets (direction, event) in stream order. State is
    /// created at a stream's first payload byte, so handshakes, scans and bare ACKs cost a
    /// lookup at most.
    pub fn tcp_segment(&mut self, s: &SegmentIn<'_>, emit: &mut dyn FnMut(usize, AppEvent)) {
        let app = if s.seglen > 0 {
            let cap = self.cap;
            self.streams.entry(s.stream).or_insert_with(|| Box::new(StreamApp::new(cap, s.data_start)))
        } else if s.fin {
            // A FIN releases what a side still holds; without state there is nothing held.
            match self.streams.get_mut(&s.stream) {
                Some(app) => app,
                None => return,
            }
        } else {
            return;
        };
        if app.kind == Kind::Opaque {
            return;
        }
        let dir = s.dir.min(1);
        let StreamApp { kind, reasm, tls, dns, spoke } = &mut **app;
        let anchored = s.data_start.get(dir).is_some_and(Option::is_some);
        let mut malformed = 0u64;
        let Some(r) = reasm.get_mut(dir) else { return };
        r.push(Seq(s.seq), s.syn, s.fin, s.seglen, s.payload, &mut |chunk| {
            if *kind == Kind::Undecided {
                if let Chunk::Data(d) = chunk {
                    *kind = if tls::looks_like_tls(d) {
                        Kind::Tls
                    } else if s.dns_port {
                        Kind::Dns
                    } else if http::looks_like_request(d) || http::looks_like_response(d) {
                        Kind::Http
                    } else {
                        Kind::Opaque
                    };
                }
            }
            // A direction's first bytes, when nothing of it was lost before them (after a gap
            // the bytes are the middle of something, not its first word).
            let first = match chunk {
                Chunk::Data(d) if !d.is_empty() => spoke.get_mut(dir).is_some_and(|s| !std::mem::replace(s, true)),
                Chunk::Gap(_) => {
                    if let Some(s) = spoke.get_mut(dir) {
                        *s = true;
                    }
                    false
                }
                _ => false,
            };
            let other_spoke = spoke.get(1 - dir).copied().unwrap_or(false);
            // Only where the SYN said where the direction's bytes start: in a stream the
            // capture joined late, the first bytes seen are the middle of something.
            let first = first && anchored;
            match (*kind, chunk) {
                (Kind::Tls, Chunk::Data(d)) => {
                    if first && other_spoke && !tls::looks_like_tls(d) {
                        emit(dir, AppEvent::WrongProtocol { spoken: Kind::Tls, reply: Reply::of(d) });
                    }
                    if let Some(t) = tls.get_mut(dir) {
                        t.feed(d, &mut |e| emit(dir, AppEvent::Tls(e)));
                    }
                }
                (Kind::Http, Chunk::Data(d)) if first && other_spoke && tls::looks_like_tls(d) => {
                    emit(dir, AppEvent::WrongProtocol { spoken: Kind::Http, reply: Reply::Tls });
                }
                (Kind::Tls, Chunk::Gap(n)) => {
                    if let Some(t) = tls.get_mut(dir) {
                        t.gap(n);
                    }
                }
                (Kind::Http, Chunk::Data(d)) if http::looks_like_request(d) || http::looks_like_response(d) => {
                    if let Some(e) = http::parse_head(d) {
                        emit(dir, AppEvent::Http(e));
                    }
                }
                (Kind::Dns, Chunk::Data(d)) => {
                    if let Some(f) = dns.get_mut(dir) {
                        f.feed(d, &mut |m| match dns::parse(m) {
                            Some(msg) => emit(dir, AppEvent::Dns(msg)),
                            None => {
                                malformed += 1;
                                emit(dir, AppEvent::MalformedDns(dns::header(m)));
                            }
                        });
                    }
                }
                (Kind::Dns, Chunk::Gap(_)) => {
                    if let Some(f) = dns.get_mut(dir) {
                        f.gap();
                    }
                }
                _ => {}
            }
        });
        self.malformed_dns += malformed;
        // Once both directions of a TLS stream are out of sync, or the stream is plain
        // bulk HTTP past its heads, the state is of no more use.
        if app.kind == Kind::Tls && app.tls.iter().all(|t| !t.active()) {
            app.kind = Kind::Opaque;
        }
    }

    /// A stream is over (both sides closed, or reset): drop its state, keeping its counts.
    pub fn close(&mut self, stream: u32) {
        if let Some(app) = self.streams.remove(&stream) {
            self.count(&app);
        }
    }

    fn count(&mut self, app: &StreamApp) {
        for r in &app.reasm {
            self.reassembly_dropped_bytes += r.dropped_bytes;
            self.reassembly_gap_bytes += r.gap_bytes;
        }
    }

    /// Totals at the end of the capture, including streams still open.
    pub fn finish(&mut self) {
        let open: Vec<Box<StreamApp>> = self.streams.drain().map(|(_, a)| a).collect();
        for app in &open {
            self.count(app);
        }
    }
}

/// Parses a UDP payload on port 53.
pub fn udp_dns(payload: &[u8]) -> AppEvent {
    dns::parse(payload).map_or_else(|| AppEvent::MalformedDns(dns::header(payload)), AppEvent::Dns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the two halves of one TLS application-data record, second half first, and
    /// returns the events.
    fn reordered_record(data_start: Option<u32>) -> Vec<AppEvent> {
        const START: u32 = 1_000;
        let record = [23, 3, 3, 0, 4, 1, 2, 3, 4];
        let (head, tail) = record.split_at(3);
        let mut table = AppTable::new(1024);
        let mut events = Vec::new();
        for (seq, payload) in [(START + 3, tail), (START, head)] {
            let seg = SegmentIn {
                stream: 0,
                dir: 0,
                seq,
                syn: false,
                fin: false,
                seglen: payload.len() as u32,
                payload,
                dns_port: false,
                data_start: [data_start, None],
            };
            table.tcp_segment(&seg, &mut |_, e| events.push(e));
        }
        events
    }

    #[test]
    fn a_first_data_segment_out_of_order_waits_for_the_start_the_syn_gave() {
        assert_eq!(reordered_record(Some(1_000)), vec![AppEvent::Tls(tls::TlsEvent::ApplicationData { length: 4 })]);
    }

    #[test]
    fn without_a_syn_the_first_segment_seen_is_the_start() {
        assert_eq!(reordered_record(None), vec![]);
    }

    #[test]
    fn segments_without_payload_create_no_state() {
        let mut table = AppTable::new(1024);
        for (syn, fin) in [(true, false), (false, false), (false, true)] {
            let seg = SegmentIn {
                stream: 7,
                dir: 0,
                seq: 1,
                syn,
                fin,
                seglen: 0,
                payload: &[],
                dns_port: false,
                data_start: [None, None],
            };
            table.tcp_segment(&seg, &mut |_, _| {});
        }
        assert!(table.streams.is_empty());
    }
}
