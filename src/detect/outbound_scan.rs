//! `outbound-scan`: one host opening connections to many distinct addresses on one port, or
//! making many short sessions to one address's login port. This is the traffic that gets a
//! cloud server blocked for attacking others (seed 001: "已阻断该服务器对其它服务器端口
//! (TCP:22)的访问"); seed 004 is the incident response that follows.
//!
//! Mechanism: every new connection attempt (a stream that begins with a SYN) is counted per
//! (source address, destination port), with the set of distinct destination addresses; and
//! per (source, destination endpoint) on login ports. State is bounded (`bounded::Heavy`):
//! the [`MAX_KEYS`] keys with the most distinct destinations (or short sessions) are kept,
//! so a scan that starts after many other hosts connected is still seen; destinations are
//! remembered exactly up to [`MAX_DESTS`] per key and counted by estimate beyond.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::bounded::{CountedSet, DetectorCap, Heavy, Weight};
use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::Message;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/outbound-scan.ftl`.
pub const MESSAGES: &[&str] = &[
    "scan-sweep-summary",
    "scan-sweep-explanation",
    "scan-login-summary",
    "scan-login-explanation",
    "scan-rec-isolate",
    "scan-rec-inspect",
    "scan-rec-keys",
    "scan-rec-egress",
    "scan-role-login",
];
pub const ABOUT: &str =
    "a host connecting to many addresses on one port (22, 3389, 445 ...) or guessing logins: 'attacking others'";

/// Ports whose sweeps get servers blocked: remote shells, file sharing, databases.
pub const RISKY_PORTS: &[u16] =
    &[21, 22, 23, 135, 139, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017];
/// Ports where many short sessions to one address mean password guessing.
pub const LOGIN_PORTS: &[u16] = &[21, 22, 23, 110, 143, 1433, 3306, 3389, 5432, 5900];
/// Distinct destinations on one risky port that make a sweep.
pub const MIN_DESTS_RISKY: usize = 16;
/// Distinct destinations on any other port that make a sweep.
pub const MIN_DESTS_OTHER: usize = 256;
/// Short sessions to one login endpoint that make password guessing.
pub const MIN_LOGINS: usize = 20;
/// A login session shorter than this is a failed guess.
pub const SHORT_SESSION_NS: i64 = 30_000_000_000;
pub const MAX_KEYS: usize = 2_048;
pub const MAX_DESTS: usize = 256;
/// Streams listed per sweep, for the finding's `covers`.
pub const MAX_STREAMS: usize = 4_096;

#[derive(Debug)]
struct Sweep {
    /// Distinct destinations, exactly up to [`MAX_DESTS`], estimated beyond.
    dests: CountedSet<IpAddr>,
    /// Outcome counts from finished streams: (answered, refused, silent).
    outcome: (u64, u64, u64),
    attempts: u64,
    first: Timestamp,
    last: Timestamp,
    /// (frame, time, stream) of the first attempts, for evidence.
    samples: Vec<(u64, Timestamp, u32)>,
    /// Where the first sample's stream is, once it ended.
    first_flow: Option<FlowRef>,
    /// Every attempt's stream (at most [`MAX_STREAMS`]).
    streams: Vec<u32>,
}

impl Weight for Sweep {
    fn weight(&self) -> u64 {
        self.dests.len() as u64
    }
}

impl Weight for Login {
    fn weight(&self) -> u64 {
        self.short
    }
}

#[derive(Debug, Default)]
struct Login {
    attempts: u64,
    short: u64,
    first: Option<(u64, Timestamp, u32)>,
    first_flow: Option<FlowRef>,
    last: Option<Timestamp>,
}

pub struct OutboundScan {
    sweeps: Heavy<(IpAddr, u16), Sweep>,
    logins: Heavy<(IpAddr, SocketAddr), Login>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(OutboundScan { sweeps: Heavy::new(MAX_KEYS), logins: Heavy::new(MAX_KEYS) })
}

impl Observer for OutboundScan {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _: &Conversation) {
        if !(i.placement.is_new && t.flags.syn() && !t.flags.ack()) {
            return;
        }
        let Some(ip) = f.ip else { return };
        let key = (ip.src, t.dst_port);
        let s = self.sweeps.entry(key, || Sweep {
            dests: CountedSet::new(MAX_DESTS),
            outcome: (0, 0, 0),
            attempts: 0,
            first: f.ts,
            last: f.ts,
            samples: Vec::new(),
            first_flow: None,
            streams: Vec::new(),
        });
        s.attempts += 1;
        s.last = s.last.max(f.ts);
        s.dests.insert(ip.dst);
        if s.streams.len() < MAX_STREAMS {
            s.streams.push(i.placement.stream);
        }
        if s.samples.len() < 5 {
            s.samples.push((f.frame, f.ts, i.placement.stream));
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        if !s.attempted() {
            return;
        }
        let (client, server) = (s.client(), s.server());
        let key = (client.ip(), server.port());
        if let Some(sweep) = self.sweeps.get_mut(&key) {
            if sweep.samples.first().is_some_and(|x| x.2 == s.stream) {
                sweep.first_flow = Some(c.flow_ref());
            }
            bump_outcome(&mut sweep.outcome, s);
        }
        if !LOGIN_PORTS.contains(&server.port()) || !s.handshake_completed() {
            return;
        }
        let l = self.logins.entry((client.ip(), server), Login::default);
        l.attempts += 1;
        if s.end.since(s.start) < SHORT_SESSION_NS {
            l.short += 1;
        }
        let syn = s.sides.get(s.client_side()).and_then(|d| d.syn_frame).unwrap_or(s.first_frame);
        if l.first.is_none() {
            l.first = Some((syn, s.start, s.stream));
            l.first_flow = Some(c.flow_ref());
        }
        l.last = Some(l.last.map_or(s.end, |t| t.max(s.end)));
    }
}

fn bump_outcome(o: &mut (u64, u64, u64), s: &crate::tcp::stream::StreamSummary) {
    let server_side = s.sides.get(1 - s.client_side());
    if s.synack_frame.is_some() {
        o.0 += 1;
    } else if server_side.is_some_and(|d| d.rst_frame.is_some()) {
        o.1 += 1;
    } else {
        o.2 += 1;
    }
}

/// Attempts per second over their span (a span under 10 ms counts as 10 ms).
fn rate(n: u64, first: Timestamp, last: Timestamp) -> f64 {
    n as f64 / (last.since(first) as f64 / 1e9).max(0.01)
}

impl Detector for OutboundScan {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        // Ordered output: by source, then port.
        let sweeps: BTreeMap<_, _> = self.sweeps.iter().collect();
        for (&(src, port), s) in sweeps {
            let need = if RISKY_PORTS.contains(&port) { MIN_DESTS_RISKY } else { MIN_DESTS_OTHER };
            if s.dests.len() < need {
                continue;
            }
            let (answered, refused, silent) = s.outcome;
            let per_s = rate(s.attempts, s.first, s.last);
            // Beyond MAX_DESTS the count is an estimate (about 6.5 % off).
            let dests = if s.dests.is_exact() { s.dests.len().to_string() } else { format!("~{}", s.dests.len()) };
            let mut f = Finding::new("outbound-scan", Severity::Error, s.samples.first().map(|x| x.2));
            f.flow = s.first_flow;
            for &(frame, ts, stream) in &s.samples {
                f = f.evidence(frame, ts, msg!("role-syn-stream", stream = stream));
            }
            f.summary = msg!(
                "scan-sweep-summary",
                src = src,
                dests = dests.clone(),
                port = port,
                attempts = s.attempts,
                rate = format!("{per_s:.1}")
            );
            f.explanation = msg!(
                "scan-sweep-explanation",
                src = src,
                port = port,
                answered = answered,
                refused = refused,
                silent = silent
            );
            f.recommendations = recommendations(port);
            f.display_filter =
                format!("ip.src == {src} && tcp.dstport == {port} && tcp.flags.syn == 1 && tcp.flags.ack == 0");
            f.covers.clone_from(&s.streams);
            let f = f
                .fact("kind", "sweep")
                .fact("source", src.to_string())
                .fact("port", port)
                .fact("destinations", s.dests.len())
                .fact("destinations_estimated", !s.dests.is_exact())
                .fact("attempts", s.attempts)
                .fact("per_second", (per_s * 10.0).round() / 10.0)
                .fact("answered", answered)
                .fact("refused", refused)
                .fact("unanswered", silent);
            out.push(f.seal());
        }
        let logins: BTreeMap<_, _> = self.logins.iter().collect();
        for (&(src, dst), l) in logins {
            if (l.short as usize) < MIN_LOGINS {
                continue;
            }
            let Some((frame, first, stream)) = l.first else { continue };
            let per_s = rate(l.attempts, first, l.last.unwrap_or(first));
            let mut f = Finding::new("outbound-scan", Severity::Error, Some(stream)).evidence(
                frame,
                first,
                msg!("scan-role-login", stream = stream),
            );
            f.flow = l.first_flow;
            f.summary = msg!("scan-login-summary", src = src, n = l.short, dst = ep(dst), rate = format!("{per_s:.1}"));
            f.explanation = msg!("scan-login-explanation", src = src, dst = ep(dst));
            f.recommendations = recommendations(dst.port());
            f.display_filter = format!("ip.src == {src} && ip.dst == {} && tcp.dstport == {}", dst.ip(), dst.port());
            let f = f
                .fact("kind", "login-guessing")
                .fact("source", src.to_string())
                .fact("destination", ep(dst))
                .fact("sessions", l.attempts)
                .fact("short_sessions", l.short)
                .fact("per_second", (per_s * 10.0).round() / 10.0);
            out.push(f.seal());
        }
        out
    }

    fn caps(&self) -> Vec<DetectorCap> {
        [self.sweeps.cap_report("outbound-scan", "sweeps"), self.logins.cap_report("outbound-scan", "logins")]
            .into_iter()
            .flatten()
            .collect()
    }
}

fn recommendations(port: u16) -> Vec<Message> {
    ["scan-rec-isolate", "scan-rec-inspect", "scan-rec-keys", "scan-rec-egress"]
        .into_iter()
        .map(|k| Message::new(k).arg("port", port))
        .collect()
}
