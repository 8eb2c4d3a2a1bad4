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
//!
//! A failure needs a victim (docs/ACCURACY.md). Not failures, and not reported:
//! - a client that reset or closed its own attempt (a scanner, a browser's spare
//!   connection; corpus `fin_retransmission.pcap`, whose FIN acknowledged the SYN/ACK);
//! - a SYN/ACK never acknowledged but never retransmitted either: the capture stopped
//!   following the stream (nDPI's snippet captures keep a few packets per flow);
//! - a server that sent data although its SYN/ACK is not in the capture (a capture loss,
//!   counted in the capture-quality notes);
//! - a lone SYN never retried: the client gave up at once (happy eyeballs, or a RST of its
//!   own 0.3 ms later) or the capture missed the rest. Silence counts only when the client
//!   retried (then also when it finally reset its attempt: corpus `alexa-app` stream 12).
//!
//! A failed attempt followed within [`FALLBACK_NS`] by a working connection to the same
//! port over the other address family (IPv6 refused, IPv4 worked: RFC 8305 happy
//! eyeballs) hurt nobody: `info`. (Another address of the same family is not taken as a
//! fallback: a page load connects to many servers on port 443 at once.) One source failing on [`PORT_SCAN_PORTS`] or more ports of
//! one address is a port scan: one `port-scan` finding, not one error per port.

use crate::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::decode::{Frame, L4};
use crate::engine::{Analysis, Hooks, Observer};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::{Arg, Message};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/connect-failure.ftl`.
pub const MESSAGES: &[&str] = &[
    "cf-partial",
    "cf-fallback",
    "cf-silent-confirm",
    "cf-portscan-summary",
    "cf-portscan-explanation",
    "cf-portscan-rec",
    "cf-refused-summary",
    "cf-refused-explanation",
    "cf-refused-rec",
    "cf-icmp-summary",
    "cf-icmp-explanation",
    "cf-icmp-rec",
    "cf-over",
    "cf-silent-summary",
    "cf-silent-explanation",
    "cf-silent-rec",
    "cf-noack-summary",
    "cf-noack-explanation",
    "cf-noack-rec",
    "confirm-connect-failure",
    "confirm-port-scan",
    "cf-attempts",
    "cf-icmp-what",
    "cf-servers",
    "cf-port",
    "icmp-net-unreachable",
    "icmp-host-unreachable",
    "icmp-port-unreachable",
    "icmp-net-host-prohibited",
    "icmp-prohibited",
    "icmp-address-unreachable",
    "icmp-unreachable",
];
pub const ABOUT: &str = "failed TCP connection attempts (refused, ICMP-unreachable with its code, unanswered after retries, never completed) and port scans";

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
/// A working connection to the same port this soon after a failed attempt is the client
/// falling back (RFC 8305 happy eyeballs waits 250 ms; a resolver's next address, a second).
pub const FALLBACK_NS: i64 = 3_000_000_000;
/// Distinct ports of one address that one source failed on: a port scan.
pub const PORT_SCAN_PORTS: usize = 8;
/// Working connections remembered per port, for the fallback test.
const MAX_OK_PER_PORT: usize = 4_096;

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
    /// SYNs the clients sent in all, retries included.
    syns: u64,
}

#[derive(Default)]
pub struct ConnectFailure {
    /// ICMP errors quoting a TCP header, keyed by the quoted (src, dst): (frame, ts, type, code).
    icmp: HashMap<(SocketAddr, SocketAddr), (u64, Timestamp, u8, u8)>,
    /// Per destination, its failure kinds (usually one: a short list, not a tree).
    fails: HashMap<SocketAddr, Vec<(Kind, Group)>>,
    ok_sources: HashMap<SocketAddr, BTreeSet<IpAddr>>,
    /// Per server port: (start, server address) of completed connections.
    ok_by_port: HashMap<u16, Vec<(Timestamp, IpAddr)>>,
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
        let (Some(cside), Some(srv_side)) = (s.sides.get(cl), s.sides.get(1 - cl)) else { return };
        let client_gave_up = cside.rst_frame.is_some() || cside.fin_frame.is_some();
        let (kind, answer) = if s.synack_frame.is_some() {
            if s.handshake_completed() {
                if self.ok_sources.len() < MAX_DESTS || self.ok_sources.contains_key(&server) {
                    let set = self.ok_sources.entry(server).or_default();
                    if set.len() < MAX_SOURCES {
                        set.insert(client.ip());
                    }
                }
                if self.ok_by_port.len() < MAX_DESTS || self.ok_by_port.contains_key(&server.port()) {
                    let v = self.ok_by_port.entry(server.port()).or_default();
                    if v.len() < MAX_OK_PER_PORT {
                        v.push((s.start, server.ip()));
                    }
                }
                return;
            }
            // The client ended it itself (a FIN or RST after the SYN/ACK: a scanner, or a
            // FIN that acknowledged the SYN/ACK), or nobody retried: no victim.
            if client_gave_up || srv_side.syns < 2 {
                return;
            }
            (Kind::NoFinalAck, None)
        } else if srv_side.payload_bytes > 0 || s.answer_unseen() {
            // The server answered: its SYN/ACK is missing from the capture (a capture loss,
            // or a one-way capture whose client acknowledged it), not from the network.
            return;
        } else if let Some(rst) = srv_side.rst_frame {
            (Kind::Refused, Some(rst))
        } else if let Some(&(frame, _, ty, code)) = self.icmp.get(&(client, server)) {
            (Kind::Icmp(ty, code), Some(frame))
        } else if cside.syns < 2 {
            // Never retried: the client moved on (a reset of its own SYN, happy eyeballs) or
            // the capture missed the rest. A client that retried and then gave up did fail.
            return;
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
        g.syns += u64::from(cside.syns);
        g.first = Some(g.first.map_or(s.start, |t| t.min(s.start)));
        g.last = Some(g.last.map_or(s.end, |t| t.max(s.end)));
        if g.sources.len() < MAX_SOURCES {
            g.sources.insert(client.ip());
        }
        if g.samples.len() < MAX_SAMPLES {
            g.first_flow.get_or_insert(c.flow_ref());
            g.samples.push(Attempt { stream: s.stream, syn, ts: s.start, answer });
        }
    }
}

fn icmp_meaning(v6: bool, t: u8, code: u8) -> &'static str {
    match (v6, t, code) {
        (false, 3, 0) => "icmp-net-unreachable",
        (false, 3, 1) => "icmp-host-unreachable",
        (false, 3, 3) | (true, 1, 4) => "icmp-port-unreachable",
        (false, 3, 9) | (false, 3, 10) => "icmp-net-host-prohibited",
        (false, 3, 13) | (true, 1, 1) => "icmp-prohibited",
        (true, 1, 3) => "icmp-address-unreachable",
        _ => "icmp-unreachable",
    }
}

fn key_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Refused => "refused",
        Kind::Icmp(..) => "icmp",
        Kind::Silent => "silent",
        Kind::NoFinalAck => "noack",
    }
}

impl Detector for ConnectFailure {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        // Port scans first: (source, target address) -> failing ports. A destination whose
        // every failing source is a scanner of its address belongs to that scan.
        let mut probes: BTreeMap<(IpAddr, IpAddr), BTreeSet<u16>> = BTreeMap::new();
        for (server, kinds) in &self.fails {
            for (kind, g) in kinds {
                if *kind != Kind::NoFinalAck {
                    for src in &g.sources {
                        probes.entry((*src, server.ip())).or_default().insert(server.port());
                    }
                }
            }
        }
        probes.retain(|_, ports| ports.len() >= PORT_SCAN_PORTS);
        let scanned =
            |server: &SocketAddr, g: &Group| g.sources.iter().all(|src| probes.contains_key(&(*src, server.ip())));
        for ((src, target), ports) in &probes {
            out.push(self.port_scan(*src, *target, ports));
        }
        // (port, kind) -> destinations failing that way.
        let mut by_port: BTreeMap<(u16, Kind), Vec<(SocketAddr, &Group)>> = BTreeMap::new();
        for (server, kinds) in &self.fails {
            for (kind, g) in kinds {
                // A flood of unacknowledged SYN/ACKs is syn-flood's to report.
                if *kind == Kind::NoFinalAck && g.count >= super::syn_flood::MIN_HALF_OPEN {
                    continue;
                }
                if *kind != Kind::NoFinalAck && scanned(server, g) {
                    continue;
                }
                by_port.entry((server.port(), *kind)).or_default().push((*server, g));
            }
        }
        for ((port, kind), mut dests) in by_port {
            dests.sort_by_key(|(s, _)| *s);
            if dests.len() > MAX_LISTED {
                out.push(self.many(port, kind, &dests));
                continue;
            }
            for (server, g) in dests {
                out.push(self.one(server, kind, g));
            }
        }
        out
    }
}

impl ConnectFailure {
    fn what(server: SocketAddr, kind: Kind) -> Message {
        match kind {
            Kind::Icmp(ty, code) => msg!(
                "cf-icmp-what",
                meaning = Message::new(icmp_meaning(server.is_ipv6(), ty, code)),
                ty = ty.to_string(),
                code = code.to_string()
            ),
            _ => Message::new("empty"),
        }
    }

    fn one(&self, server: SocketAddr, kind: Kind, g: &Group) -> Finding {
        let key = key_of(kind);
        let what = Self::what(server, kind);
        let others_ok: Vec<IpAddr> =
            self.ok_sources.get(&server).map(|s| s.difference(&g.sources).copied().collect()).unwrap_or_default();
        let span = g.last.zip(g.first).map_or(0, |(l, f)| l.since(f));
        let fallback = self.fallback(server, g);
        let sev = if fallback.is_some() { Severity::Info } else { Severity::Error };
        let mut f = Finding::new("connect-failure", sev, g.samples.first().map(|x| x.stream));
        f.flow = g.first_flow;
        for x in g.samples.iter().take(3) {
            f = f.evidence(x.syn, x.ts, msg!("role-syn-stream", stream = x.stream));
            if let Some(fr) = x.answer {
                f = f.evidence(fr, x.ts, msg!("role-answer"));
            }
        }
        // A lone refused attempt has no duration worth printing; retries do.
        let over = if span >= 100_000_000 {
            msg!("cf-over", span = format!("{:.1}", span as f64 / 1e9))
        } else {
            Message::new("empty")
        };
        let partial = match fallback {
            Some(other) => msg!("cf-fallback", other = other),
            None if others_ok.is_empty() => Message::new("empty"),
            None => msg!("cf-partial", n = others_ok.len()),
        };
        f.summary = Message::owned(format!("cf-{key}-summary"))
            .arg("n", g.count)
            .arg("syns", g.syns)
            .arg("server", ep(server))
            .arg("over", over)
            .arg("what", what.clone())
            .arg("partial", partial);
        f.explanation = Message::owned(format!("cf-{key}-explanation")).arg("server", ep(server)).arg("what", what);
        f.recommendations =
            vec![Message::owned(format!("cf-{key}-rec")).arg("server", ep(server)).arg("port", server.port())];
        // The RST answers carry no SYN flag; an ICMP error's quoted header does, so this shows
        // every frame the finding cites.
        f.display_filter = format!(
            "ip.addr == {} && tcp.port == {} && (tcp.flags.syn == 1 || tcp.flags.reset == 1)",
            server.ip(),
            server.port()
        );
        f.covers = g.samples.iter().map(|x| x.stream).collect();
        if kind == Kind::Silent {
            f.confirm = Some(msg!("cf-silent-confirm"));
        }
        f = Self::claim(f, kind, server.ip(), g);
        f.fact("attempts", g.count)
            .fact("syns_sent", g.syns)
            .fact("sources", g.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .fact("other_sources_connected", others_ok.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .fact("server", ep(server))
            .seal()
    }

    /// What the finding says nobody answered: the server a silent SYN's, the client a
    /// SYN/ACK never acknowledged's (a claim the capture must hold the direction of).
    fn claim(f: Finding, kind: Kind, server: IpAddr, g: &Group) -> Finding {
        let Some(&client) = g.sources.first() else { return f };
        match kind {
            Kind::Silent => f.silence(server, client),
            Kind::NoFinalAck => f.silence(client, server),
            _ => f,
        }
    }

    /// The address the clients reached on the same port soon after every sampled failure,
    /// if there is one: then the failure was a fallback, not an outage.
    fn fallback(&self, server: SocketAddr, g: &Group) -> Option<IpAddr> {
        let ok = self.ok_by_port.get(&server.port())?;
        let mut found = None;
        for x in &g.samples {
            let hit = ok.iter().find(|(start, ip)| {
                ip.is_ipv4() != server.is_ipv4() && (0..=FALLBACK_NS).contains(&start.since(x.ts))
            })?;
            found = Some(hit.1);
        }
        found
    }

    /// One source failing on many ports of one address.
    fn port_scan(&self, src: IpAddr, target: IpAddr, ports: &BTreeSet<u16>) -> Finding {
        let mut attempts = 0u64;
        let (mut refused, mut silent) = (0u64, 0u64);
        let mut samples: Vec<Attempt> = Vec::new();
        for kinds in self.fails.iter().filter(|(s, _)| s.ip() == target && ports.contains(&s.port())).map(|(_, k)| k) {
            for (kind, g) in kinds.iter().filter(|(k, g)| *k != Kind::NoFinalAck && g.sources.contains(&src)) {
                attempts += g.count;
                match kind {
                    Kind::Refused => refused += g.count,
                    _ => silent += g.count,
                }
                samples.extend(g.samples.iter().copied());
            }
        }
        samples.sort_by_key(|x| x.stream);
        let mut f = Finding::new("port-scan", Severity::Warning, samples.first().map(|x| x.stream));
        for x in samples.iter().take(3) {
            f = f.evidence(x.syn, x.ts, msg!("role-syn-stream", stream = x.stream));
        }
        let mut listed: Vec<Arg> = ports.iter().take(12).map(|p| Arg::from(p.to_string())).collect();
        if ports.len() > listed.len() {
            listed.push(Arg::from("…"));
        }
        f.summary = msg!(
            "cf-portscan-summary",
            src = src,
            ports = ports.len(),
            target = target,
            refused = refused,
            silent = silent
        );
        f.explanation = msg!("cf-portscan-explanation", src = src, list = Arg::list(listed));
        f.recommendations = vec![msg!("cf-portscan-rec", src = src, target = target)];
        f.display_filter = format!("ip.src == {src} && ip.dst == {target} && tcp.flags.syn == 1 && tcp.flags.ack == 0");
        f.covers = samples.iter().map(|x| x.stream).collect();
        f.fact("source", src.to_string())
            .fact("target", target.to_string())
            .fact("ports", ports.iter().copied().collect::<Vec<_>>())
            .fact("attempts", attempts)
            .seal()
    }

    /// One finding for many destinations failing the same way on one port.
    fn many(&self, port: u16, kind: Kind, dests: &[(SocketAddr, &Group)]) -> Finding {
        let key = key_of(kind);
        let n: u64 = dests.iter().map(|(_, g)| g.count).sum();
        let first = dests.iter().filter_map(|(_, g)| g.samples.first()).min_by_key(|x| x.stream);
        let mut f = Finding::new("connect-failure", Severity::Error, first.map(|x| x.stream));
        f.flow = dests.iter().filter_map(|(_, g)| g.first_flow).find(|r| first.is_some_and(|x| x.stream == r.stream));
        let mut samples: Vec<&Attempt> = dests.iter().flat_map(|(_, g)| g.samples.iter()).collect();
        samples.sort_by_key(|x| x.stream);
        for x in samples.iter().take(3) {
            f = f.evidence(x.syn, x.ts, msg!("role-syn-stream", stream = x.stream));
            if let Some(fr) = x.answer {
                f = f.evidence(fr, x.ts, msg!("role-answer"));
            }
        }
        let what = dests.first().map_or(Message::new("empty"), |(s, _)| Self::what(*s, kind));
        let syns: u64 = dests.iter().map(|(_, g)| g.syns).sum();
        let listed = Arg::list(dests.iter().take(5).map(|(s, _)| s.ip()));
        let servers = msg!("cf-servers", list = listed, n = dests.len());
        f.summary = Message::owned(format!("cf-{key}-summary"))
            .arg("n", n)
            .arg("syns", syns)
            .arg("server", servers.clone())
            .arg("over", Message::new("empty"))
            .arg("what", what.clone())
            .arg("partial", Message::new("empty"));
        f.explanation = Message::owned(format!("cf-{key}-explanation")).arg("server", servers).arg("what", what);
        f.recommendations =
            vec![Message::owned(format!("cf-{key}-rec")).arg("server", msg!("cf-port", port = port)).arg("port", port)];
        f.display_filter = format!("tcp.port == {port} && (tcp.flags.syn == 1 || tcp.flags.reset == 1)");
        // The earliest attempts stand for the rest (a sweep's finding lists its first ones).
        f.covers = samples.iter().take(MAX_SAMPLES).map(|x| x.stream).collect();
        if let Some((server, g)) = dests.first() {
            f = Self::claim(f, kind, server.ip(), g);
        }
        f.fact("attempts", n)
            .fact("destinations", dests.len())
            .fact("port", port)
            .fact("servers", dests.iter().take(100).map(|(s, _)| ep(*s)).collect::<Vec<_>>())
            .seal()
    }
}
