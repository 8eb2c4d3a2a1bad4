//! `syn-flood`: many half-open connections toward one server. A SYN flood leaves the server
//! holding SYN_RECV entries (it sent a SYN/ACK that is never acknowledged) or, behind a
//! filter, SYNs that go unanswered; real clients then find the listen queue full. Seed 002
//! lists it with the CC attacks that anti-DDoS services absorb.
//!
//! Mechanism: every stream that began with a SYN is classified when it ends (completed,
//! half-open, unanswered, refused) and counted per server endpoint, with its source
//! address. Bounded: [`MAX_SERVERS`] servers, [`MAX_SOURCES`] sources each.

use crate::HashMap;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

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
pub const MAX_SERVERS: usize = 65_536;
pub const MAX_SOURCES: usize = 65_536;

#[derive(Debug, Default)]
struct Target {
    completed: u64,
    half_open: u64,
    unanswered: u64,
    sources: HashMap<IpAddr, u64>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    /// (SYN frame, time, stream, SYN/ACK frame) of the first half-open attempts.
    samples: Vec<(u64, Timestamp, u32, Option<u64>)>,
    /// Where the first sample's stream is.
    first_flow: Option<FlowRef>,
    /// The half-open and unanswered streams (at most [`MAX_SOURCES`]).
    streams: Vec<u32>,
    synack_retransmissions: u64,
}

#[derive(Default)]
pub struct SynFlood {
    /// Attempts per server endpoint (compact: most servers are never flooded).
    attempts: HashMap<SocketAddr, u64>,
    /// Full detail only for servers that had a half-open or unanswered attempt.
    targets: HashMap<SocketAddr, Target>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(SynFlood::default())
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
        if !self.attempts.contains_key(&server) && self.attempts.len() >= MAX_SERVERS {
            return;
        }
        *self.attempts.entry(server).or_default() += 1;
        let client_side = s.sides.get(cl);
        let server_side = s.sides.get(1 - cl);
        let completed = s.handshake_completed();
        if completed
            || client_side.is_some_and(|d| d.rst_frame.is_some())
            || server_side.is_some_and(|d| d.rst_frame.is_some())
        {
            // Completed, or refused or abandoned on purpose (connect-failure's and
            // outbound-scan's business).
            if completed {
                if let Some(t) = self.targets.get_mut(&server) {
                    t.completed += 1;
                }
            }
            return;
        }
        if !self.targets.contains_key(&server) && self.targets.len() >= MAX_SERVERS {
            return;
        }
        let t = self.targets.entry(server).or_default();
        t.first = Some(t.first.map_or(s.start, |x| x.min(s.start)));
        t.last = Some(t.last.map_or(s.start, |x| x.max(s.start)));
        if s.synack_frame.is_some() {
            t.half_open += 1;
            t.synack_retransmissions += u64::from(server_side.map_or(0, |d| d.syns.saturating_sub(1)));
        } else {
            t.unanswered += 1;
        }
        {
            if t.sources.len() < MAX_SOURCES || t.sources.contains_key(&client.ip()) {
                *t.sources.entry(client.ip()).or_default() += 1;
            }
            if t.streams.len() < MAX_SOURCES {
                t.streams.push(s.stream);
            }
            if t.samples.len() < 3 {
                let syn = client_side.and_then(|d| d.syn_frame).unwrap_or(s.first_frame);
                t.samples.push((syn, s.start, s.stream, s.synack_frame));
                t.first_flow.get_or_insert(c.flow_ref());
            }
        }
    }
}

impl Detector for SynFlood {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        let targets: BTreeMap<_, _> = self.targets.iter().collect();
        for (&server, t) in targets {
            let attempts = self.attempts.get(&server).copied().unwrap_or(0);
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
                sources = t.sources.len()
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
                .fact("distinct_sources", t.sources.len())
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
}
