//! `connect-failure`: TCP connection attempts that failed, classified as in seed 000's
//! decision tree and aggregated by destination:
//! - SYN answered by RST: nothing listens there, or the load balancer listener has no
//!   healthy backend (refused);
//! - SYN answered by ICMP destination unreachable: which code; administratively prohibited
//!   (codes 9, 10, 13) means a firewall or ACL;
//! - SYN never answered: a security-group DROP, a blackhole, or a host that is down;
//! - SYN/ACK never acknowledged by the client.
//!
//! When other sources reach the same destination, the finding says so: then the path or a
//! source-specific rule is at fault, not the service.

use crate::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::decode::{Frame, L4};
use crate::engine::{Analysis, Hooks, Observer};
use crate::flow::{Conversation, FlowRef};

pub const ABOUT: &str =
    "failed TCP connection attempts: refused, ICMP-unreachable (with code), unanswered, or never completed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Refused,
    Icmp(u8, u8),
    Silent,
    NoFinalAck,
}

/// Destinations and sources remembered, at most; samples per (destination, kind).
pub const MAX_DESTS: usize = 65_536;
pub const MAX_SOURCES: usize = 64;
pub const MAX_SAMPLES: usize = 16;
/// Failing destinations on one port, with one kind of failure, beyond which they are
/// reported together (a sweep or a fleet-wide rule, not one server's problem).
pub const MAX_LISTED: usize = 8;

/// One failed attempt: stream, first SYN frame, its time, answer frame.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    stream: u32,
    syn: u64,
    ts: Timestamp,
    answer: Option<u64>,
}

#[derive(Debug, Default)]
struct Group {
    count: u64,
    first: Option<Timestamp>,
    /// The last packet of any attempt, so retries count toward the span.
    last: Option<Timestamp>,
    sources: BTreeSet<IpAddr>,
    samples: Vec<Attempt>,
    /// Where the first sample's stream is (the one a finding cites).
    first_flow: Option<FlowRef>,
    /// Silent attempts of more than one SYN; and the earliest lone-SYN attempt.
    retried: u64,
    first_single: Option<Timestamp>,
}

#[derive(Default)]
pub struct ConnectFailure {
    /// ICMP errors quoting a TCP header, keyed by the quoted (src, dst): (frame, ts, type, code).
    icmp: HashMap<(SocketAddr, SocketAddr), (u64, Timestamp, u8, u8)>,
    /// Per destination, its failure kinds (usually one: a short list, not a tree).
    fails: HashMap<SocketAddr, Vec<(Kind, Group)>>,
    ok_sources: HashMap<SocketAddr, BTreeSet<IpAddr>>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(ConnectFailure::default())
}

impl Observer for ConnectFailure {
    fn hooks(&self) -> Hooks {
        Hooks::FRAME | Hooks::STREAM_END
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        if let L4::Icmp(i) = &f.l4 {
            if let Some(q) = i.quoted.filter(|q| q.protocol == crate::decode::PROTO_TCP) {
                if self.icmp.len() < 100_000 {
                    let key = (SocketAddr::new(q.src, q.src_port), SocketAddr::new(q.dst, q.dst_port));
                    self.icmp.entry(key).or_insert((f.frame, f.ts, i.icmp_type, i.code));
                }
            }
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        let cl = s.client_side();
        let Some(syn) = s.sides.get(cl).and_then(|d| d.syn_frame) else { return };
        let (client, server) = (s.client(), s.server());
        let srv_side = s.sides.get(1 - cl);
        let (kind, answer) = if s.synack_frame.is_some() {
            if s.handshake_completed() {
                if self.ok_sources.len() < MAX_DESTS || self.ok_sources.contains_key(&server) {
                    let set = self.ok_sources.entry(server).or_default();
                    if set.len() < MAX_SOURCES {
                        set.insert(client.ip());
                    }
                }
                return;
            }
            if s.sides.get(cl).is_some_and(|d| d.rst_frame.is_some()) {
                return; // the client gave up on purpose (e.g. a port scan)
            }
            (Kind::NoFinalAck, None)
        } else if let Some(rst) = srv_side.and_then(|d| d.rst_frame) {
            (Kind::Refused, Some(rst))
        } else if let Some(&(frame, _, ty, code)) = self.icmp.get(&(client, server)) {
            (Kind::Icmp(ty, code), Some(frame))
        } else {
            (Kind::Silent, None)
        };
        if !self.fails.contains_key(&server) && self.fails.len() >= MAX_DESTS {
            return;
        }
        let kinds = self.fails.entry(server).or_default();
        let i = match kinds.iter().position(|(k, _)| *k == kind) {
            Some(i) => i,
            None => {
                kinds.push((kind, Group::default()));
                kinds.len() - 1
            }
        };
        let Some((_, g)) = kinds.get_mut(i) else { return };
        g.count += 1;
        g.first = Some(g.first.map_or(s.start, |t| t.min(s.start)));
        g.last = Some(g.last.map_or(s.end, |t| t.max(s.end)));
        if g.sources.len() < MAX_SOURCES {
            g.sources.insert(client.ip());
        }
        if kind == Kind::Silent {
            if s.sides.get(cl).is_some_and(|d| d.packets >= 2) {
                g.retried += 1;
            } else {
                g.first_single = Some(g.first_single.map_or(s.start, |t| t.min(s.start)));
            }
        }
        if g.samples.len() < MAX_SAMPLES {
            g.first_flow.get_or_insert(c.flow_ref());
            g.samples.push(Attempt { stream: s.stream, syn, ts: s.start, answer });
        }
    }
}

fn icmp_meaning(v6: bool, t: u8, code: u8) -> &'static str {
    match (v6, t, code) {
        (false, 3, 0) => "network unreachable",
        (false, 3, 1) => "host unreachable",
        (false, 3, 3) => "port unreachable",
        (false, 3, 9) | (false, 3, 10) => "network/host administratively prohibited",
        (false, 3, 13) => "communication administratively prohibited (a firewall)",
        (true, 1, 1) => "communication administratively prohibited (a firewall)",
        (true, 1, 3) => "address unreachable",
        (true, 1, 4) => "port unreachable",
        _ => "unreachable",
    }
}

fn key_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Refused => "cf.refused",
        Kind::Icmp(..) => "cf.icmp",
        Kind::Silent => "cf.silent",
        Kind::NoFinalAck => "cf.noack",
    }
}

impl Detector for ConnectFailure {
    fn finish(&mut self, a: &Analysis, cfg: &Config) -> Vec<Finding> {
        let t = &cfg.texts;
        let end = a.capture.last_ts;
        // A silent group of lone SYNs all sent in the last 3 s: too early to say.
        let too_early =
            |g: &Group| g.retried == 0 && g.first_single.zip(end).is_some_and(|(s, e)| e.since(s) <= 3_000_000_000);
        // (port, kind) -> destinations failing that way.
        let mut by_port: BTreeMap<(u16, Kind), Vec<(SocketAddr, &Group)>> = BTreeMap::new();
        for (server, kinds) in &self.fails {
            for (kind, g) in kinds {
                if *kind == Kind::Silent && too_early(g) {
                    continue;
                }
                // A flood of unacknowledged SYN/ACKs is syn-flood's to report.
                if *kind == Kind::NoFinalAck && g.count >= super::syn_flood::MIN_HALF_OPEN {
                    continue;
                }
                by_port.entry((server.port(), *kind)).or_default().push((*server, g));
            }
        }
        let mut out = Vec::new();
        for ((port, kind), mut dests) in by_port {
            dests.sort_by_key(|(s, _)| *s);
            if dests.len() > MAX_LISTED {
                out.push(self.many(t, port, kind, &dests));
                continue;
            }
            for (server, g) in dests {
                out.push(self.one(t, server, kind, g));
            }
        }
        out
    }
}

impl ConnectFailure {
    fn what(server: SocketAddr, kind: Kind) -> String {
        match kind {
            Kind::Icmp(ty, code) => format!("{} (type {ty}, code {code})", icmp_meaning(server.is_ipv6(), ty, code)),
            _ => String::new(),
        }
    }

    fn one(&self, t: &crate::text::Texts, server: SocketAddr, kind: Kind, g: &Group) -> Finding {
        let key = key_of(kind);
        let what = Self::what(server, kind);
        let others_ok: Vec<IpAddr> =
            self.ok_sources.get(&server).map(|s| s.difference(&g.sources).copied().collect()).unwrap_or_default();
        let span = g.last.zip(g.first).map_or(0, |(l, f)| l.since(f));
        let mut f = Finding::new("connect-failure", Severity::Error, g.samples.first().map(|x| x.stream));
        f.flow = g.first_flow;
        for x in g.samples.iter().take(3) {
            f = f.evidence(x.syn, x.ts, format!("SYN (stream {})", x.stream));
            if let Some(fr) = x.answer {
                f = f.evidence(fr, x.ts, "the answer");
            }
        }
        // A lone refused attempt has no duration worth printing; retries do.
        let over = if span >= 100_000_000 {
            t.get("cf.over", &[("span", format!("{:.1}", span as f64 / 1e9))])
        } else {
            String::new()
        };
        let partial = if others_ok.is_empty() {
            String::new()
        } else {
            t.get("cf.partial", &[("n", others_ok.len().to_string())])
        };
        f.summary = t.get(
            &format!("{key}.summary"),
            &[
                ("n", g.count.to_string()),
                ("server", ep(server)),
                ("over", over),
                ("what", what.clone()),
                ("partial", partial),
            ],
        );
        f.explanation = t.get(&format!("{key}.explanation"), &[("server", ep(server)), ("what", what)]);
        f.recommendations =
            vec![t.get(&format!("{key}.rec"), &[("server", ep(server)), ("port", server.port().to_string())])];
        f.display_filter = format!("ip.addr == {} && tcp.port == {} && tcp.flags.syn == 1", server.ip(), server.port());
        f.covers = g.samples.iter().map(|x| x.stream).collect();
        f.fact("attempts", g.count)
            .fact("sources", g.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .fact("other_sources_connected", others_ok.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .fact("server", ep(server))
            .seal()
    }

    /// One finding for many destinations failing the same way on one port.
    fn many(&self, t: &crate::text::Texts, port: u16, kind: Kind, dests: &[(SocketAddr, &Group)]) -> Finding {
        let key = key_of(kind);
        let n: u64 = dests.iter().map(|(_, g)| g.count).sum();
        let first = dests.iter().filter_map(|(_, g)| g.samples.first()).min_by_key(|x| x.stream);
        let mut f = Finding::new("connect-failure", Severity::Error, first.map(|x| x.stream));
        f.flow = dests.iter().filter_map(|(_, g)| g.first_flow).find(|r| first.is_some_and(|x| x.stream == r.stream));
        let mut samples: Vec<&Attempt> = dests.iter().flat_map(|(_, g)| g.samples.iter()).collect();
        samples.sort_by_key(|x| x.stream);
        for x in samples.iter().take(3) {
            f = f.evidence(x.syn, x.ts, format!("SYN (stream {})", x.stream));
            if let Some(fr) = x.answer {
                f = f.evidence(fr, x.ts, "the answer");
            }
        }
        let what = dests.first().map_or(String::new(), |(s, _)| Self::what(*s, kind));
        let listed: Vec<String> = dests.iter().take(5).map(|(s, _)| s.ip().to_string()).collect();
        let servers = format!("{} … ({} addresses)", listed.join(", "), dests.len());
        f.summary = t.get(
            &format!("{key}.summary"),
            &[
                ("n", n.to_string()),
                ("server", servers.clone()),
                ("over", String::new()),
                ("what", what.clone()),
                ("partial", String::new()),
            ],
        );
        f.explanation = t.get(&format!("{key}.explanation"), &[("server", servers), ("what", what)]);
        f.recommendations =
            vec![t.get(&format!("{key}.rec"), &[("server", format!("port {port}")), ("port", port.to_string())])];
        f.display_filter = format!("tcp.port == {port} && tcp.flags.syn == 1");
        // The earliest attempts stand for the rest (a sweep's finding lists its first ones).
        f.covers = samples.iter().take(MAX_SAMPLES).map(|x| x.stream).collect();
        f.fact("attempts", n)
            .fact("destinations", dests.len())
            .fact("port", port)
            .fact("servers", dests.iter().take(100).map(|(s, _)| ep(*s)).collect::<Vec<_>>())
            .seal()
    }
}
