//! `mid-transfer-reset`: a RST that ended a working connection while data was flowing or a
//! request was waiting for its answer, and who really sent it.
//!
//! Mechanism: per stream, from its first payload, the last payload of each side; the TTL and
//! IPv4 ID of each side's own packets (RSTs and capture copies aside, from the handshake on)
//! are in the stream summary. A RST is
//! **mid-transfer** when no FIN came before it, the handshake was seen, and either side
//! sent payload within [`FLOWING_S`] before it, or the RST claims to come from the server and
//! the client's payload is the last one (a request or upload never answered). Resets after an idle gap are
//! `idle-timeout`'s; resets of a stalled receiver are `zero-window`'s.
//!
//! **Who sent it**: the RST claims to come from one end. When its TTL differs from the TTL
//! of that end's own packets on the same connection, it was made by a device on the path
//! (a WAF or IPS block, a firewall's session limit, an injected RST); a different IPv4 ID
//! (far from the end's own run of IDs) supports that. The comparison is with the end's
//! other packets, never with a copy of the RST. Resets genuinely from the server, and any
//! from the path, are warnings (a transfer or request was cut off) when a request or upload
//! of the client's was unanswered or flowing; a server's reset right after its own data, with
//! nothing of the client's outstanding, is an abortive close (some servers and load
//! balancers end every connection so): info. A genuine reset from the client while it
//! received is the client abandoning the transfer (a cancel, a timeout in the application):
//! info.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::{At, Config, Detector, Finding, Severity, ep, stream_filter};
use crate::HashMap;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::Message;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/mid-transfer-reset.ftl`.
pub const MESSAGES: &[&str] = &[
    "mtr-summary-path",
    "mtr-summary-server",
    "mtr-summary-server-close",
    "mtr-summary-client",
    "mtr-more",
    "mtr-explanation",
    "mtr-state-request",
    "mtr-state-flowing",
    "mtr-who-path",
    "mtr-who-path-id",
    "mtr-who-peer",
    "mtr-who-unknown",
    "mtr-rec-path",
    "mtr-rec-server",
    "mtr-rec-client",
    "mtr-role-last-data",
    "mtr-role-rst",
    "mtr-role-peer",
    "confirm-mid-transfer-reset",
];
pub const ABOUT: &str =
    "a RST that cut off a transfer or an unanswered request, and whether the peer or a device on the path sent it";

/// Payload this recent makes a transfer "flowing".
const FLOWING_S: f64 = 1.0;
/// Streams watched at once.
const MAX_STREAMS: usize = 100_000;
/// Groups (server endpoint and who sent the RST) kept, and streams per group.
const MAX_GROUPS: usize = 1_000;
const MAX_LISTED: usize = 50;
/// An IPv4 ID this far from the end's last one is not from its run of IDs.
const IP_ID_SPAN: u16 = 1024;

/// A watched stream: each side's last payload (TTLs and IDs are in the stream summary).
#[derive(Debug, Clone, Copy, Default)]
struct Watched {
    last_data: [Option<At>; 2],
    last_data_dir: Option<u8>,
    /// Its first RST after the handshake was judged: later packets change nothing.
    judged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sender {
    /// A device on the path, in the name of the end.
    Path,
    /// The server, while the client's request or upload (the last data) was unanswered.
    Server,
    /// The server, right after its own data, with nothing of the client's outstanding: an
    /// abortive close (SO_LINGER 0, some load balancers and servers end every connection so),
    /// which cut something only if the client had not received it all.
    ServerClose,
    Client,
}

#[derive(Debug, Clone)]
struct Case {
    stream: u32,
    client: SocketAddr,
    /// The end the RST claims to come from, and the other.
    claimed: SocketAddr,
    victim: SocketAddr,
    rst: At,
    rst_ttl: u8,
    rst_id: Option<u16>,
    peer_ttl: u8,
    peer_id: Option<u16>,
    peer_packet: Option<At>,
    last_data: At,
    /// The RST's receiver sent the last payload (a request or upload never answered).
    outstanding: bool,
    id_mismatch: bool,
}

#[derive(Default)]
pub struct MidTransferReset {
    watched: HashMap<u32, Watched>,
    groups: BTreeMap<(SocketAddr, Sender), (usize, Vec<Case>)>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(MidTransferReset::default())
}

fn id_far(a: u16, b: u16) -> bool {
    a.wrapping_sub(b) > IP_ID_SPAN && b.wrapping_sub(a) > IP_ID_SPAN
}

impl Observer for MidTransferReset {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if i.duplicate {
            return;
        }
        let s = i.placement.stream;
        let dir = i.placement.dir.min(1);
        let at = At { frame: f.frame, ts: f.ts };
        if !t.flags.rst() {
            // State starts at a stream's first payload: scans and handshakes cost a lookup.
            if t.seglen.unwrap_or(0) == 0 {
                return;
            }
            let room = self.watched.len() < MAX_STREAMS;
            let w = match self.watched.entry(s) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) if room => v.insert(Watched::default()),
                std::collections::hash_map::Entry::Vacant(_) => return,
            };
            if !w.judged {
                if let Some(d) = w.last_data.get_mut(dir) {
                    *d = Some(at);
                }
                w.last_data_dir = Some(u8::from(dir != 0));
            }
            return;
        }
        let Some(w) = self.watched.get_mut(&s) else { return };
        // A RST before the handshake completed ends nothing worth judging (and a stray one
        // must not hide a later reset); from the handshake on, the stream is judged once.
        let sum = &c.summary;
        if w.judged || !sum.handshake_completed() {
            return;
        }
        w.judged = true;
        let w = *w;
        let Some(ip) = f.ip else { return };
        if sum.sides.iter().any(|d| d.fin_frame.is_some_and(|fin| fin < f.frame)) {
            return;
        }
        let (Some(me), Some(&my_data)) = (sum.sides.get(dir), w.last_data.get(dir)) else { return };
        let last_data = w.last_data.iter().flatten().copied().max_by_key(|a| a.frame);
        let Some(last_data) = last_data else { return };
        // A request left unanswered: the client spoke last and the reset claims to be the
        // server's. (A client that resets after the server's last data is not answering
        // anything: only a flowing transfer makes its reset mid-transfer.)
        let client_side = sum.client_side();
        let outstanding = dir != client_side && w.last_data_dir.map(usize::from) == Some(client_side);
        let flowing = (f.ts.since(last_data.ts) as f64) / 1e9 <= FLOWING_S;
        if !(outstanding || flowing) {
            return;
        }
        let ttl_differs = me.ttl != 0 && !me.ttl_varies && me.ttl != ip.ttl;
        let id_mismatch = match (me.ip_id, ip.ip_id) {
            (Some(a), Some(b)) => id_far(a, b) && !(a == 0 && b == 0),
            _ => false,
        };
        let sender = if ttl_differs {
            Sender::Path
        } else if dir == client_side {
            Sender::Client
        } else if outstanding {
            Sender::Server
        } else {
            Sender::ServerClose
        };
        let case = Case {
            stream: s,
            client: sum.client(),
            claimed: sum.endpoint(dir),
            victim: sum.endpoint(1 - dir),
            rst: at,
            rst_ttl: ip.ttl,
            rst_id: ip.ip_id,
            peer_ttl: me.ttl,
            peer_id: me.ip_id,
            peer_packet: my_data,
            last_data,
            outstanding,
            id_mismatch,
        };
        let key = (sum.server(), sender);
        if !self.groups.contains_key(&key) && self.groups.len() >= MAX_GROUPS {
            return;
        }
        let g = self.groups.entry(key).or_default();
        g.0 += 1;
        if g.1.len() < MAX_LISTED {
            g.1.push(case);
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        self.watched.remove(&c.summary.stream);
    }
}

impl Detector for MidTransferReset {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for ((server, sender), (count, cases)) in &self.groups {
            let Some(w) = cases.first() else { continue };
            let sev =
                if matches!(sender, Sender::Client | Sender::ServerClose) { Severity::Info } else { Severity::Warning };
            let mut f = Finding::new("mid-transfer-reset", sev, Some(w.stream))
                .evidence(w.last_data.frame, w.last_data.ts, msg!("mtr-role-last-data"))
                .evidence(w.rst.frame, w.rst.ts, msg!("mtr-role-rst"));
            if *sender == Sender::Path {
                if let Some(p) = w.peer_packet {
                    f = f.evidence(p.frame, p.ts, msg!("mtr-role-peer", peer = ep(w.claimed)));
                }
                if !w.id_mismatch {
                    f.confidence = f.confidence.lower();
                }
            }
            let key = match sender {
                Sender::Path => "mtr-summary-path",
                Sender::Server => "mtr-summary-server",
                Sender::ServerClose => "mtr-summary-server-close",
                Sender::Client => "mtr-summary-client",
            };
            let more = count - 1;
            f.summary = Message::new(key)
                .arg("claimed", ep(w.claimed))
                .arg("victim", ep(w.victim))
                .arg("server", ep(*server))
                .arg("more", more);
            let state = if w.outstanding {
                msg!("mtr-state-request", victim = ep(w.victim), frame = w.last_data.frame)
            } else {
                msg!(
                    "mtr-state-flowing",
                    frame = w.last_data.frame,
                    ms = format!("{:.0}", w.rst.ts.since(w.last_data.ts) as f64 / 1e6)
                )
            };
            let id = |v: Option<u16>| v.map_or_else(|| "-".to_string(), |v| format!("0x{v:04x}"));
            let who = match sender {
                Sender::Path if w.id_mismatch => msg!(
                    "mtr-who-path-id",
                    claimed = ep(w.claimed),
                    rst_ttl = u64::from(w.rst_ttl),
                    peer_ttl = u64::from(w.peer_ttl),
                    rst_id = id(w.rst_id),
                    peer_id = id(w.peer_id)
                ),
                Sender::Path => msg!(
                    "mtr-who-path",
                    claimed = ep(w.claimed),
                    rst_ttl = u64::from(w.rst_ttl),
                    peer_ttl = u64::from(w.peer_ttl)
                ),
                _ if w.peer_ttl != 0 => msg!("mtr-who-peer", claimed = ep(w.claimed), ttl = u64::from(w.rst_ttl)),
                _ => msg!("mtr-who-unknown"),
            };
            f.explanation = msg!(
                "mtr-explanation",
                claimed = ep(w.claimed),
                victim = ep(w.victim),
                rst = w.rst.frame,
                state = state,
                who = who,
                count = *count
            );
            f.recommendations = match sender {
                Sender::Path => vec![msg!("mtr-rec-path", server = ep(*server))],
                Sender::Server | Sender::ServerClose => vec![msg!("mtr-rec-server", server = ep(*server))],
                Sender::Client => vec![msg!("mtr-rec-client", client = ep(w.client))],
            };
            f.display_filter = stream_filter(w.stream, None);
            f.covers = cases.iter().map(|c| c.stream).collect();
            let f = f
                .fact(
                    "sent_by",
                    match sender {
                        Sender::Path => "path",
                        Sender::Server | Sender::ServerClose => "server",
                        Sender::Client => "client",
                    },
                )
                .fact("claimed_sender", ep(w.claimed))
                .fact("rst_ttl", w.rst_ttl)
                .fact("peer_ttl", w.peer_ttl)
                .fact("ip_id_mismatch", w.id_mismatch)
                .fact("request_outstanding", w.outstanding)
                .fact("connections", *count);
            out.push(f.seal());
        }
        out
    }
}
