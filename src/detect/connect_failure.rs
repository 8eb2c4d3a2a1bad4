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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};

use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::decode::{Frame, L4};
use crate::engine::{Analysis, Observer};

pub const ABOUT: &str =
    "failed TCP connection attempts: refused, ICMP-unreachable (with code), unanswered, or never completed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Refused,
    Icmp(u8, u8),
    Silent,
    NoFinalAck,
}

#[derive(Default)]
pub struct ConnectFailure {
    /// ICMP errors quoting a TCP header, keyed by the quoted (src, dst): (frame, ts, type, code).
    icmp: HashMap<(SocketAddr, SocketAddr), (u64, Timestamp, u8, u8)>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(ConnectFailure::default())
}

impl Observer for ConnectFailure {
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

/// Failed attempts: (stream, first SYN frame, its time, client address, answer frame, last packet time).
type Attempts = Vec<(u32, u64, Timestamp, IpAddr, Option<u64>, Timestamp)>;

impl Detector for ConnectFailure {
    fn finish(&mut self, a: &Analysis, cfg: &Config) -> Vec<Finding> {
        let t = &cfg.texts;
        // destination -> kind -> [(stream, first SYN frame, ts, client ip, answer frame, last packet ts)]
        let mut fails: BTreeMap<SocketAddr, BTreeMap<Kind, Attempts>> = BTreeMap::new();
        let mut ok_sources: BTreeMap<SocketAddr, BTreeSet<IpAddr>> = BTreeMap::new();
        for c in &a.conversations {
            let s = &c.summary;
            let cl = s.client_side();
            let Some(syn) = s.sides.get(cl).and_then(|d| d.syn_frame) else { continue };
            let (client, server) = (s.client(), s.server());
            let srv_side = s.sides.get(1 - cl);
            let hist = s.history();
            let kind = if s.synack_frame.is_some() {
                // Established when the client acknowledged (A) or sent data (D).
                if hist.contains('A') || hist.contains('D') {
                    ok_sources.entry(server).or_default().insert(client.ip());
                    continue;
                }
                if s.sides.get(cl).is_some_and(|d| d.rst_frame.is_some()) {
                    continue; // the client gave up on purpose (e.g. a port scan)
                }
                Kind::NoFinalAck
            } else if let Some(rst) = srv_side.and_then(|d| d.rst_frame) {
                fails.entry(server).or_default().entry(Kind::Refused).or_default().push((
                    s.stream,
                    syn,
                    s.start,
                    client.ip(),
                    Some(rst),
                    s.end,
                ));
                continue;
            } else if let Some(&(frame, _, ty, code)) = self.icmp.get(&(client, server)) {
                fails.entry(server).or_default().entry(Kind::Icmp(ty, code)).or_default().push((
                    s.stream,
                    syn,
                    s.start,
                    client.ip(),
                    Some(frame),
                    s.end,
                ));
                continue;
            } else if s.sides.get(cl).is_some_and(|d| d.packets >= 2)
                || a.capture.last_ts.is_some_and(|e| e.since(s.start) > 3_000_000_000)
            {
                Kind::Silent
            } else {
                continue; // one SYN at the very end of the capture: too early to say
            };
            fails.entry(server).or_default().entry(kind).or_default().push((
                s.stream,
                syn,
                s.start,
                client.ip(),
                None,
                s.end,
            ));
        }
        let mut out = Vec::new();
        for (server, kinds) in fails {
            for (kind, attempts) in kinds {
                let Some(&(stream, _, first_ts, _, _, _)) = attempts.first() else { continue };
                let sources: BTreeSet<IpAddr> = attempts.iter().map(|x| x.3).collect();
                let others_ok: Vec<IpAddr> =
                    ok_sources.get(&server).map(|s| s.difference(&sources).copied().collect()).unwrap_or_default();
                // From the first SYN to the last packet of any attempt, so retries count.
                let span = attempts.iter().map(|x| x.5.since(first_ts)).max().unwrap_or(0);
                let (key, what, v6) = match kind {
                    Kind::Refused => ("cf.refused", String::new(), server.is_ipv6()),
                    Kind::Icmp(ty, code) => (
                        "cf.icmp",
                        format!("{} (type {ty}, code {code})", icmp_meaning(server.is_ipv6(), ty, code)),
                        server.is_ipv6(),
                    ),
                    Kind::Silent => ("cf.silent", String::new(), server.is_ipv6()),
                    Kind::NoFinalAck => ("cf.noack", String::new(), server.is_ipv6()),
                };
                let _ = v6;
                let mut f = Finding::new("connect-failure", Severity::Error, Some(stream));
                for (s, syn, ts, _, answer, _) in attempts.iter().take(3) {
                    f = f.evidence(*syn, *ts, format!("SYN (stream {s})"));
                    if let Some(fr) = answer {
                        f = f.evidence(*fr, *ts, "the answer");
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
                        ("n", attempts.len().to_string()),
                        ("server", ep(server)),
                        ("over", over),
                        ("what", what.clone()),
                        ("partial", partial),
                    ],
                );
                f.explanation = t.get(&format!("{key}.explanation"), &[("server", ep(server)), ("what", what)]);
                f.recommendations =
                    vec![t.get(&format!("{key}.rec"), &[("server", ep(server)), ("port", server.port().to_string())])];
                f.display_filter =
                    format!("ip.addr == {} && tcp.port == {} && tcp.flags.syn == 1", server.ip(), server.port());
                f.covers = attempts.iter().map(|x| x.0).collect();
                let f = f
                    .fact("attempts", attempts.len())
                    .fact("sources", sources.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .fact("other_sources_connected", others_ok.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .fact("server", ep(server));
                out.push(f.seal());
            }
        }
        out
    }
}
