//! `syn-flood`: many half-open connections toward one server. A SYN flood leaves the server
//! holding SYN_RECV entries (it sent a SYN/ACK that is never acknowledged) or, behind a
//! filter, SYNs that go unanswered; real clients then find the listen queue full. Seed 002
//! lists it with the CC attacks that anti-DDoS services absorb.
//!
//! Mechanism: every stream that began with a SYN is classified when it ends (completed,
//! half-open, unanswered, refused) and counted per server endpoint, with its source
//! address. Bounded: the [`MAX_SERVERS`] servers with the most half-open attempts, the
//! [`MAX_SOURCES`] busiest sources of each (`bounded::Heavy`: a flood that starts late is
//! still counted), and [`MAX_STREAMS`] streams each for the finding's `covers`.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::bounded::{DetectorCap, Heavy, Weight};
use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::engine::{Analysis, Hooks, Observer};
use crate::flow::{Conversation, FlowRef};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/syn-flood.ftl`.
pub const MESSAGES: &[&str] = &[
    "synflood-summary",
    "synflood-explanation",
    "synflood-rec-ddos",
    "synflood-rec-kernel",
    "synflood-rec-sg",
    "synflood-role-unacked",
];
pub const ABOUT: &str = "many half-open connections toward one server, with the top sources";

/// Half-open or unanswered attempts toward one server that make a flood.
pub const MIN_HALF_OPEN: u64 = 100;
/// ... when they are at least this share of all attempts toward it.
pub const MIN_SHARE: f64 = 0.5;
pub const MAX_SERVERS: usize = 4_096;
pub const MAX_SOURCES: usize = 256;
pub const MAX_STREAMS: usize = 4_096;

#[derive(Debug)]
struct Target {
    half_open: u64,
    unanswered: u64,
    sources: Heavy<IpAddr, u64>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    /// (SYN frame, time, stream, SYN/ACK frame) of the first half-open attempts.
    samples: Vec<(u64, Timestamp, u32, Option<u64>)>,
    /// Where the first sample's stream is.
    first_flow: Option<FlowRef>,
    /// The half-open and unanswered streams (at most [`MAX_STREAMS`]).
    streams: Vec<u32>,
    synack_retransmissions: u64,
}

impl Default for Target {
    fn default() -> Self {
        Target {
            half_open: 0,
            unanswered: 0,
            sources: Heavy::counting(MAX_SOURCES),
            first: None,
            last: None,
            samples: Vec::new(),
            first_flow: None,
            streams: Vec::new(),
            synack_retransmissions: 0,
        }
    }
}

/// A server is kept for its half-open and unanswered attempts; one whose connections all
/// completed weighs nothing and is let go of first.
impl Weight for Target {
    fn weight(&self) -> u64 {
        self.half_open + self.unanswered
    }
}

impl Target {
    fn distinct_sources(&self) -> u64 {
        self.sources.distinct()
    }

    fn add(&mut self, a: &Open) {
        self.first = Some(self.first.map_or(a.start, |x| x.min(a.start)));
        self.last = Some(self.last.map_or(a.start, |x| x.max(a.start)));
        if a.synack.is_some() {
            self.half_open += 1;
            self.synack_retransmissions += u64::from(a.synack_retransmissions);
        } else {
            self.unanswered += 1;
        }
        *self.sources.entry(a.source, || 0) += 1;
        if self.streams.len() < MAX_STREAMS {
            self.streams.push(a.stream);
        }
        if self.samples.len() < 3 {
            self.samples.push((a.syn, a.start, a.stream, a.synack));
            self.first_flow.get_or_insert(a.flow);
        }
    }
}

/// One half-open or unanswered attempt.
#[derive(Debug, Clone, Copy)]
struct Open {
    syn: u64,
    start: Timestamp,
    stream: u32,
    synack: Option<u64>,
    synack_retransmissions: u32,
    source: IpAddr,
    flow: FlowRef,
}

/// Every server's attempts, and its first half-open one: a server gets the full [`Target`]
/// (and its allocations) only at its second, so the many servers of a scan with one
/// unanswered SYN each cost no more than this.
#[derive(Debug, Default)]
struct Counts {
    attempts: u64,
    first_open: Option<Open>,
}

impl Weight for Counts {
    fn weight(&self) -> u64 {
        self.attempts
    }
}

pub struct SynFlood {
    /// Attempts per server endpoint, for the share that is half-open.
    counts: Heavy<SocketAddr, Counts>,
    /// Full detail only for servers that had two half-open or unanswered attempts.
    targets: Heavy<SocketAddr, Target>,
}

/// Servers whose attempts are counted.
pub const MAX_COUNTED: usize = 32_768;

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(SynFlood { counts: Heavy::new(MAX_COUNTED), targets: Heavy::new(MAX_SERVERS) })
}

impl Observer for SynFlood {
    fn hooks(&self) -> Hooks {
        Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        if !s.attempted() {
            return;
        }
        let cl = s.client_side();
        let (client, server) = (s.client(), s.server());
        let counts = self.counts.entry(server, Counts::default);
        counts.attempts += 1;
        let client_side = s.sides.get(cl);
        let server_side = s.sides.get(1 - cl);
        // A one-way capture shows a completed handshake by the client's ACK of a SYN/ACK
        // it does not hold.
        let completed = s.established();
        if completed
            || client_side.is_some_and(|d| d.rst_frame.is_some())
            || server_side.is_some_and(|d| d.rst_frame.is_some())
        {
            // Completed, or refused or abandoned on purpose (connect-failure's and
            // outbound-scan's business).
            return;
        }
        let open = Open {
            syn: client_side.and_then(|d| d.syn_frame).unwrap_or(s.first_frame),
            start: s.start,
            stream: s.stream,
            synack: s.synack_frame,
            synack_retransmissions: server_side.map_or(0, |d| d.syns.saturating_sub(1)),
            source: client.ip(),
            flow: c.flow_ref(),
        };
        let earlier = match self.targets.get_mut(&server) {
            Some(t) => return t.add(&open),
            None => match counts.first_open.take() {
                None => {
                    counts.first_open = Some(open);
                    return;
                }
                Some(first) => first,
            },
        };
        let t = self.targets.entry(server, Target::default);
        t.add(&earlier);
        t.add(&open);
    }
}

impl Detector for SynFlood {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        let targets: BTreeMap<_, _> = self.targets.iter().collect();
        for (&server, t) in targets {
            // A server let go of from the attempt counts was light: its half-open attempts
            // are all it is known to have had.
            let attempts = self.counts.get(&server).map_or(0, |c| c.attempts).max(t.half_open + t.unanswered);
            let completed = attempts.saturating_sub(t.half_open + t.unanswered);
            let open = t.half_open + t.unanswered;
            if open < MIN_HALF_OPEN || (open as f64) < MIN_SHARE * attempts as f64 {
                continue;
            }
            let (Some(first), Some(last)) = (t.first, t.last) else { continue };
            let span = last.since(first) as f64 / 1e9;
            let per_s = if span < 1.0 { open as f64 } else { open as f64 / span };
            let mut top: Vec<(IpAddr, u64)> = t.sources.iter().map(|(a, n)| (*a, *n)).collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(5);
            let top_text = crate::i18n::Arg::list(
                top.iter().map(|(a, n)| format!("{a} ({:.0}%)", 100.0 * *n as f64 / open.max(1) as f64)),
            );
            let mut f = Finding::new("syn-flood", Severity::Error, t.samples.first().map(|x| x.2));
            f.flow = t.first_flow;
            for &(syn, ts, stream, synack) in &t.samples {
                f = f.evidence(syn, ts, msg!("role-syn-stream", stream = stream));
                if let Some(sa) = synack {
                    f = f.evidence(sa, ts, msg!("synflood-role-unacked"));
                }
            }
            f.summary = msg!(
                "synflood-summary",
                n = open,
                server = ep(server),
                span = format!("{span:.1}"),
                rate = format!("{per_s:.0}"),
                sources = t.distinct_sources()
            );
            f.explanation = msg!(
                "synflood-explanation",
                half = t.half_open,
                silent = t.unanswered,
                done = completed,
                top = top_text,
                retx = t.synack_retransmissions
            );
            f.recommendations = vec![
                msg!("synflood-rec-ddos", server = ep(server)),
                msg!("synflood-rec-kernel"),
                msg!("synflood-rec-sg"),
            ];
            f.display_filter = format!(
                "ip.addr == {} && tcp.port == {} && tcp.flags.syn == 1 && tcp.flags.ack == 0",
                server.ip(),
                server.port()
            );
            f.covers.clone_from(&t.streams);
            let f = f
                .fact("server", ep(server))
                .fact("attempts", attempts)
                .fact("half_open", t.half_open)
                .fact("unanswered", t.unanswered)
                .fact("completed", completed)
                .fact("per_second", (per_s * 10.0).round() / 10.0)
                .fact("distinct_sources", t.distinct_sources())
                .fact(
                    "top_sources",
                    top.iter()
                        .map(|(a, n)| serde_json::json!({"source": a.to_string(), "attempts": n}))
                        .collect::<Vec<_>>(),
                );
            out.push(f.seal().show_cited());
        }
        out
    }

    fn caps(&self) -> Vec<DetectorCap> {
        [self.targets.cap_report("syn-flood", "servers"), self.counts.cap_report("syn-flood", "attempted")]
            .into_iter()
            .flatten()
            .collect()
    }
}
