//! `conntrack-exhaustion`: new connections to a server fail or need SYN retransmissions
//! while connections that were already established keep working. A server (or a NAT in
//! front of it) that drops only *new* flows has run out of something per-connection: a full
//! `nf_conntrack` table (the kernel logs "nf_conntrack: table full, dropping packet"), or a
//! full accept queue on the listening socket. Seed 001 names the first; the lab reproduces
//! the second, which looks the same on the wire.
//!
//! Mechanism: per server address, connection attempts whose SYN was sent more than once
//! (or never answered), and established connections that began before the first such
//! attempt and still carried packets from the server after it. Bounded (`bounded::Heavy`):
//! the [`MAX_SERVERS`] servers with the most retried attempts, [`MAX_PER_SERVER`] attempts
//! and connections each.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::bounded::{DetectorCap, Heavy, Weight};
use super::{Config, Detector, Finding, Severity};
use crate::capture::Timestamp;
use crate::engine::{Analysis, Hooks, Observer};
use crate::flow::{Conversation, FlowRef};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/conntrack-exhaustion.ftl`.
pub const MESSAGES: &[&str] =
    &["ct-summary", "ct-explanation", "ct-rec-conntrack", "ct-rec-backlog", "ct-role-syn", "ct-role-served"];
pub const ABOUT: &str =
    "new SYNs unanswered or retried while established connections keep working (conntrack or accept queue full)";

/// Struggling new connections to one server that make the pattern.
pub const MIN_STRUGGLING: usize = 3;
/// Retried-but-completed attempts that make a warning when none failed.
pub const MIN_LOUD_RETRIED: usize = 10;
pub const MAX_SERVERS: usize = 4_096;
pub const MAX_PER_SERVER: usize = 1_024;

/// A new connection that needed its SYN retransmitted.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    stream: u32,
    syn: u64,
    start: Timestamp,
    port: u16,
    syns: u32,
    completed: bool,
}

#[derive(Debug, Clone, Copy)]
struct Working {
    stream: u32,
    start: Timestamp,
    /// The server's last packet on it.
    last: Timestamp,
    last_frame: u64,
}

#[derive(Debug, Default)]
struct Server {
    struggling: Vec<Attempt>,
    /// Where the first struggling attempt's stream is.
    first_flow: Option<FlowRef>,
    /// New connections whose only SYN went unanswered: connect-failure's, but this finding
    /// covers them when it is made.
    unanswered: Vec<u32>,
    working: Vec<Working>,
    /// New connections that completed on the first SYN.
    clean: u64,
}

/// Retried attempts are the signal; a server with working connections only is let go of
/// before one that has both.
impl Weight for Server {
    fn weight(&self) -> u64 {
        2 * self.struggling.len() as u64 + u64::from(!self.working.is_empty())
    }
}

pub struct ConntrackExhaustion {
    servers: Heavy<IpAddr, Server>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(ConntrackExhaustion { servers: Heavy::new(MAX_SERVERS) })
}

impl Observer for ConntrackExhaustion {
    fn hooks(&self) -> Hooks {
        Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        if !s.attempted() {
            return;
        }
        let cl = s.client_side();
        let server = s.server();
        let (Some(client_side), Some(server_side)) = (s.sides.get(cl), s.sides.get(1 - cl)) else { return };
        if server_side.rst_frame.is_some() && s.synack_frame.is_none() {
            return; // refused: the server is there and says no
        }
        let entry = self.servers.entry(server.ip(), Server::default);
        let completed = s.established();
        if client_side.syns < 2 && s.synack_frame.is_none() && client_side.packets >= 1 && !completed {
            if entry.unanswered.len() < MAX_PER_SERVER {
                entry.unanswered.push(s.stream);
            }
        } else if client_side.syns >= 2 {
            entry.first_flow.get_or_insert_with(|| c.flow_ref());
            if entry.struggling.len() < MAX_PER_SERVER {
                entry.struggling.push(Attempt {
                    stream: s.stream,
                    syn: client_side.syn_frame.unwrap_or(s.first_frame),
                    start: s.start,
                    port: server.port(),
                    syns: client_side.syns,
                    completed,
                });
            }
        } else if completed {
            entry.clean += 1;
            if let (Some(last), Some(last_frame)) = (server_side.last_ts, server_side.last_frame) {
                if entry.working.len() < MAX_PER_SERVER {
                    entry.working.push(Working { stream: s.stream, start: s.start, last, last_frame });
                }
            }
        }
    }
}

impl Detector for ConntrackExhaustion {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        let servers: BTreeMap<_, _> = self.servers.iter().collect();
        for (ip, srv) in servers {
            // Attempts that needed a SYN retransmission; lone unanswered SYNs without retries
            // are connect-failure's.
            let struggling: Vec<&Attempt> = srv.struggling.iter().collect();
            if struggling.len() < MIN_STRUGGLING {
                continue;
            }
            let Some(first) = struggling.iter().map(|a| a.start).min() else { continue };
            let last = struggling.iter().map(|a| a.start).max().unwrap_or(first);
            let working: Vec<&Working> = srv.working.iter().filter(|w| w.start < first && w.last > first).collect();
            let Some(w) = working.first() else { continue };
            let failed = struggling.iter().filter(|a| !a.completed).count();
            let ports: BTreeSet<u16> = struggling.iter().map(|a| a.port).collect();
            let ports = crate::i18n::Arg::list(ports.iter().map(u16::to_string));
            // Some never completed: users saw failures. Many retried but all completed: users
            // saw delays of a second or more. A few retried, all completed: worth a look only.
            let severity = match (failed, struggling.len()) {
                (1.., _) => Severity::Error,
                (0, MIN_LOUD_RETRIED..) => Severity::Warning,
                _ => Severity::Info,
            };
            let mut f = Finding::new("conntrack-exhaustion", severity, struggling.first().map(|a| a.stream));
            f.flow = srv.first_flow;
            for a in struggling.iter().take(3) {
                f = f.evidence(a.syn, a.start, msg!("ct-role-syn", syns = a.syns, stream = a.stream));
            }
            f = f.evidence(w.last_frame, w.last, msg!("ct-role-served", stream = w.stream));
            let span = format!("{:.1}", last.since(first) as f64 / 1e9);
            f.summary = msg!(
                "ct-summary",
                n = struggling.len(),
                failed = failed,
                server = ip,
                ports = ports.clone(),
                working = working.len(),
                span = span
            );
            f.explanation = msg!("ct-explanation", server = ip);
            f.recommendations = vec![msg!("ct-rec-conntrack"), msg!("ct-rec-backlog", ports = ports)];
            f.display_filter =
                format!("ip.addr == {ip} && tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.analysis.retransmission");
            f.covers = srv.struggling.iter().map(|a| a.stream).chain(srv.unanswered.iter().copied()).collect();
            let f = f
                .fact("server", ip.to_string())
                .fact("struggling_attempts", struggling.len())
                .fact("failed_attempts", failed)
                .fact("working_connections", working.len())
                .fact("streams", struggling.iter().map(|a| a.stream).collect::<Vec<_>>());
            out.push(f.seal().show_cited());
        }
        out
    }

    fn caps(&self) -> Vec<DetectorCap> {
        self.servers.cap_report("conntrack-exhaustion", "servers").into_iter().collect()
    }
}
