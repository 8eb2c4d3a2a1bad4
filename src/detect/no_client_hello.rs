//! `no-client-hello`, with its relatives `tls-no-server-hello` and `tls-handshake-alert`:
//! TLS that never got going.
//!
//! - `no-client-hello`: the TCP handshake completed on a TLS port (443, 8443, 465, 993, 995,
//!   636, `--tls-port`, and any server port that spoke TLS elsewhere in the capture) and the
//!   client sent no ClientHello before FIN, RST or the end. Aggregated by client address and
//!   server endpoint, and compared with whether that server answered TLS for others.
//!   Seed case: 002, "某业务间接性获取不到数据": PHP without extension=php_openssl.
//!   A warning needs the seed's pattern (docs/ACCURACY.md): the server waited, the client
//!   closed without a ClientHello, on at least [`MIN_REPEATS`] connections, more than it
//!   sent a ClientHello to that server on others. A client that spoke TLS to the same server
//!   on as many other connections closed spare pre-connections unused (browsers open one
//!   ahead: corpus `tls13draft23-chrome67`, `alexa-app`): info. Bytes that are neither
//!   TLS nor HTTP are another protocol on the port (MTProto on 443 in
//!   `telegram_videocall`): info, "not TLS", without the PHP advice.
//! - `tls-no-server-hello`: a ClientHello no TLS record answered before the close or the end
//!   (at least [`INCONCLUSIVE_S`] later).
//! - `tls-handshake-alert`: a plaintext alert during the handshake, decoded
//!   (handshake_failure, protocol_version, ...); fatal alerts are errors, warnings are info.

use std::collections::hash_map::Entry;

use crate::{HashMap, HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{Config, Detector, Finding, Severity, ep, stream_filter};
use crate::app::AppEvent;
use crate::app::tls::{TlsEvent, alert_name};
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::Message;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/no-client-hello.ftl`.
pub const MESSAGES: &[&str] = &[
    "nch-summary",
    "nch-summary-spare",
    "nch-summary-other",
    "nch-explanation-spare",
    "nch-explanation-other",
    "nch-rec-other",
    "nch-others",
    "nch-explanation",
    "nch-how-silent",
    "nch-how-plaintext",
    "nch-rec-client",
    "nch-rec-compare",
    "nsh-summary",
    "nsh-explanation",
    "nsh-rec",
    "hsa-summary",
    "hsa-explanation",
    "hsa-meaning-handshake-failure",
    "hsa-meaning-protocol-version",
    "hsa-meaning-other",
    "hsa-rec",
    "confirm-no-client-hello",
    "confirm-tls-no-server-hello",
    "confirm-tls-handshake-alert",
    "nch-of-total",
    "nch-role-handshake",
    "nch-role-closed",
    "role-client-hello",
    "nsh-end-closed",
    "nsh-end-capture",
    "nsh-role-close",
    "nsh-sni",
    "hsa-role-alert",
    "hsa-level-fatal",
    "hsa-level-warning",
];
pub const ABOUT: &str =
    "TCP handshakes on TLS ports with no ClientHello; ClientHellos never answered; handshake alerts";

const TLS_PORTS: [u16; 6] = [443, 8443, 465, 993, 995, 636];
/// A handshake this close to the end of the capture may simply not have continued yet.
const INCONCLUSIVE_S: f64 = 1.0;
/// Failed connections, at least, before the pattern is a warning.
const MIN_REPEATS: usize = 2;
/// Streams remembered for the end-of-capture judgement, at most.
const MAX_ENDED: usize = 100_000;

/// A TLS alert: frame, time, direction, level, description.
type Alert = (u64, Timestamp, usize, u8, u8);

#[derive(Debug, Default, Clone)]
struct StreamTls {
    client_hello: Option<(u64, Timestamp, usize, Option<String>)>,
    server_records: u32,
    /// Rare: boxed, so a healthy stream's state stays small.
    alert: Option<Box<Alert>>,
    first_data_dir: Option<u8>,
    /// The client's first payload looked like an HTTP request.
    client_http: bool,
    /// After the ClientHello: the server sent something (an ACK at least), or the client
    /// sent it again. Either shows the hello went out and waited; a lone ClientHello at the
    /// edge of a snippet capture shows neither.
    waited: bool,
}

/// What `finish` needs of a stream, copied when it ends (the flow table may let it go).
#[derive(Debug, Clone)]
struct Ended {
    stream: u32,
    client: SocketAddr,
    server: SocketAddr,
    first_frame: u64,
    start: Timestamp,
    end: Timestamp,
    /// The first FIN or RST of either side, the server's, then the client's.
    server_close: Option<u64>,
    client_close: Option<u64>,
    handshake: bool,
    /// The client's direction (0: the stream's first sender), as events carry it.
    client_dir: usize,
    client_bytes: u64,
    tls: StreamTls,
}

#[derive(Default)]
pub struct NoClientHello {
    streams: HashMap<u32, StreamTls>,
    /// Server endpoints that answered a ClientHello (sent any TLS record back).
    tls_servers: HashSet<SocketAddr>,
    last_ts: Timestamp,
    /// Streams that may be reported, copied as they end.
    ended: Vec<Ended>,
    /// Per (client address, server): completed handshakes, and those with a ClientHello.
    handshakes: HashMap<(IpAddr, SocketAddr), (u32, u32)>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(NoClientHello::default())
}

impl Observer for NoClientHello {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP | Hooks::FRAME | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let st = self.streams.remove(&c.summary.stream).unwrap_or_default();
        let s = &c.summary;
        let cl = s.client_side();
        // The client's SYN, the server's SYN/ACK, and the client's ACK or data.
        // A one-way capture shows the handshake through the client's ACK of a SYN/ACK that
        // is not in it.
        let handshake = s.attempted() && s.established();
        let has_ch = st.client_hello.as_ref().is_some_and(|ch| ch.2 == cl);
        if handshake {
            let key = (s.client_ip(), s.server());
            if self.handshakes.len() < MAX_ENDED || self.handshakes.contains_key(&key) {
                let n = self.handshakes.entry(key).or_default();
                n.0 += 1;
                n.1 += u32::from(has_ch);
            }
        }
        // Only what may be reported is kept: a handshake without a ClientHello, a hello no
        // record answered, an alert. A working TLS session is counted above and let go.
        // The client acknowledged server bytes the capture does not hold: the server
        // answered out of the capture's sight (a one-way capture, asymmetric routing).
        let answered_unseen = s.unseen_bytes(1 - cl) > 0;
        let unanswered_hello = st.client_hello.is_some() && st.server_records == 0 && !answered_unseen;
        let keep = (handshake && !has_ch) || unanswered_hello || st.alert.is_some();
        if !keep || self.ended.len() >= MAX_ENDED {
            return;
        }
        let close =
            |d: Option<&crate::tcp::stream::Side>| d.and_then(|d| d.fin_frame.into_iter().chain(d.rst_frame).min());
        self.ended.push(Ended {
            stream: s.stream,
            client: s.client(),
            server: s.server(),
            first_frame: s.first_frame,
            start: s.start,
            end: s.end,
            server_close: close(s.sides.get(1 - cl)),
            client_close: close(s.sides.get(cl)),
            handshake,
            client_dir: cl,
            client_bytes: s.sides.get(cl).map_or(0, |d| d.payload_bytes),
            tls: st,
        });
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        self.last_ts = self.last_ts.max(f.ts);
        let data = t.seglen.unwrap_or(0) > 0 && !i.duplicate;
        // State starts with a stream's first payload; one table lookup per packet.
        let st = match self.streams.entry(i.placement.stream) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) if data => v.insert(StreamTls::default()),
            Entry::Vacant(_) => return,
        };
        let from_client = i.placement.dir == c.summary.client_side();
        if data {
            if st.first_data_dir.is_none() {
                st.first_data_dir = Some(u8::from(i.placement.dir != 0));
                st.client_http = from_client && crate::app::http::looks_like_request(t.payload);
            }
            // Any server payload after the ClientHello is an answer, parsed or not (a capture
            // that starts mid-record cannot read the first server record).
            if st.client_hello.is_some() && !from_client {
                st.server_records = st.server_records.saturating_add(1);
            }
        }
        if st.client_hello.as_ref().is_some_and(|ch| ch.0 < f.frame) {
            let retried = i.analysis.is_some_and(|a| a.is_any_retransmission()) && !i.duplicate;
            st.waited |= !from_client || retried;
        }
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        self.last_ts = self.last_ts.max(f.ts);
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, c: Option<&Conversation>) {
        let (AppEvent::Tls(ev), Some(stream), Some(conv)) = (e, ctx.stream, c) else { return };
        let client = conv.summary.client_side();
        let st = self.streams.entry(stream).or_default();
        match ev {
            TlsEvent::ClientHello { sni, .. } => {
                st.client_hello.get_or_insert((f.frame, f.ts, ctx.dir, sni.clone()));
            }
            TlsEvent::Alert { level, description } if st.alert.is_none() => {
                st.alert = Some(Box::new((f.frame, f.ts, ctx.dir, *level, *description)));
            }
            _ => {}
        }
        if ctx.dir != client && st.client_hello.is_some() && !self.tls_servers.contains(&ctx.src) {
            self.tls_servers.insert(ctx.src);
        }
    }
}

impl Detector for NoClientHello {
    fn finish(&mut self, _: &Analysis, cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        let tls_ports: BTreeSet<u16> = TLS_PORTS
            .iter()
            .copied()
            .chain(cfg.tls_ports.iter().copied())
            .chain(self.tls_servers.iter().map(|s| s.port()))
            .collect();
        let tls_server_ips: BTreeSet<IpAddr> = self.tls_servers.iter().map(|s| s.ip()).collect();
        // (client ip, server) -> (handshakes, with a ClientHello, bad streams)
        let mut groups: BTreeMap<(IpAddr, SocketAddr), Group> = BTreeMap::new();
        for e in &self.ended {
            let st = &e.tls;
            if let Some(f) = handshake_alert(e) {
                out.push(f);
            }
            if let Some(f) = self.no_server_hello(e) {
                out.push(f);
            }
            // no-client-hello: handshakes on TLS ports
            if !e.handshake || !tls_ports.contains(&e.server.port()) {
                continue;
            }
            let key = (e.client.ip(), e.server);
            let group = groups.entry(key).or_default();
            let (total, hellos) = self.handshakes.get(&key).copied().unwrap_or((1, 0));
            group.total = total;
            group.hellos = hellos;
            let has_ch = st.client_hello.as_ref().is_some_and(|ch| ch.2 == e.client_dir);
            let closed = e.server_close.is_some() || e.client_close.is_some();
            let inconclusive =
                !closed && (self.last_ts.since(e.end) as f64 / 1e9) < INCONCLUSIVE_S && e.client_bytes == 0;
            // A server that speaks first (a banner) is not waiting for a ClientHello.
            let server_spoke_first = st.first_data_dir.is_some_and(|d| usize::from(d) != e.client_dir);
            if !has_ch && !inconclusive && !server_spoke_first {
                group.bad.push(e);
            }
        }
        for ((client_ip, server), g) in groups {
            let Some(first) = g.bad.first() else { continue };
            out.push(no_client_hello(client_ip, server, &g, first, tls_server_ips.contains(&server.ip())));
        }
        out
    }
}

/// Handshakes from one client to one server.
#[derive(Default)]
struct Group<'e> {
    total: u32,
    hellos: u32,
    bad: Vec<&'e Ended>,
}

fn handshake_alert(e: &Ended) -> Option<Finding> {
    let (frame, ts, dir, level, desc) = *e.tls.alert.as_deref()?;
    let name = alert_name(desc);
    let sev = if level == 2 { Severity::Error } else { Severity::Info };
    let mut f = Finding::new("tls-handshake-alert", sev, Some(e.stream)).evidence(frame, ts, msg!("hsa-role-alert"));
    if let Some((chf, chts, _, _)) = &e.tls.client_hello {
        f = f.evidence(*chf, *chts, msg!("role-client-hello"));
    }
    let meaning = match name {
        "handshake_failure" => msg!("hsa-meaning-handshake-failure"),
        "protocol_version" => msg!("hsa-meaning-protocol-version"),
        _ => msg!("hsa-meaning-other"),
    };
    let sender = if dir == e.client_dir { e.client } else { e.server };
    f.summary = msg!(
        "hsa-summary",
        sender = ep(sender),
        level = Message::new(if level == 2 { "hsa-level-fatal" } else { "hsa-level-warning" }),
        desc = name
    );
    f.explanation = msg!("hsa-explanation", frame = frame, desc = name, code = desc, meaning = meaning);
    f.recommendations.push(msg!("hsa-rec", server = ep(e.server)));
    f.display_filter = format!("tcp.stream eq {} && tls", e.stream);
    Some(f.fact("alert", name).fact("alert_code", desc).fact("level", level).seal())
}

impl NoClientHello {
    fn no_server_hello(&self, e: &Ended) -> Option<Finding> {
        let st = &e.tls;
        let (frame, ts, _, sni) = st.client_hello.as_ref()?;
        let closed = e.server_close.is_some() || e.client_close.is_some();
        let waited = self.last_ts.since(*ts) as f64 / 1e9;
        if st.server_records != 0 || st.alert.is_some() || !(closed || (st.waited && waited >= INCONCLUSIVE_S)) {
            return None;
        }
        let mut f = Finding::new("tls-no-server-hello", Severity::Warning, Some(e.stream)).evidence(
            *frame,
            *ts,
            msg!("role-client-hello"),
        );
        let end = Message::new(if closed { "nsh-end-closed" } else { "nsh-end-capture" });
        if let Some(last) = e.server_close.or(e.client_close) {
            f = f.evidence(last, e.end, msg!("nsh-role-close"));
        }
        let sni_text = sni.as_ref().map_or_else(|| Message::new("empty"), |n| msg!("nsh-sni", sni = n));
        f.summary = msg!("nsh-summary", server = ep(e.server), client = ep(e.client));
        f.explanation = msg!("nsh-explanation", frame = frame, sni = sni_text, end = end);
        f.recommendations.push(msg!("nsh-rec", server = ep(e.server)));
        f.display_filter = stream_filter(e.stream, None);
        f = f.silence(e.server.ip(), e.client.ip());
        Some(f.fact("waited_s", (waited * 1000.0).round() / 1000.0).seal())
    }
}

fn no_client_hello(client_ip: IpAddr, server: SocketAddr, g: &Group<'_>, first: &Ended, others: bool) -> Finding {
    let bad = &g.bad;
    let plaintext: u64 = bad.iter().map(|b| b.client_bytes).sum();
    let http = bad.iter().any(|b| b.tls.client_http);
    // Bytes that are neither TLS nor HTTP: another protocol that uses the port.
    let other_protocol = plaintext > 0 && !http;
    // The client spoke TLS to this very server on at least as many other connections: its
    // TLS works, and these were spare connections it closed unused. (One host can run a
    // broken client beside a working one, as in the seed: failures that outnumber the
    // successes are the pattern.)
    let spare = g.hellos as usize >= bad.len();
    let pattern = bad.len() >= MIN_REPEATS && !spare && !other_protocol;
    let sev = if pattern { Severity::Warning } else { Severity::Info };
    let mut f = Finding::new("no-client-hello", sev, Some(first.stream));
    for b in bad.iter().take(5) {
        f = f.evidence(b.first_frame, b.start, msg!("nch-role-handshake", stream = b.stream));
        if let Some(end) = [b.server_close, b.client_close].into_iter().flatten().min() {
            f = f.evidence(end, b.end, msg!("nch-role-closed", stream = b.stream));
        }
    }
    let how = if plaintext == 0 { msg!("nch-how-silent") } else { msg!("nch-how-plaintext", bytes = plaintext) };
    let others_text = if others { msg!("nch-others", server_ip = server.ip()) } else { Message::new("empty") };
    let key = if other_protocol {
        "nch-summary-other"
    } else if spare {
        "nch-summary-spare"
    } else {
        "nch-summary"
    };
    f.summary =
        msg!(key, bad = bad.len(), total = g.total, client = client_ip, server = ep(server), others = others_text);
    if other_protocol {
        f.explanation = msg!("nch-explanation-other", bytes = plaintext);
        f.recommendations.push(msg!("nch-rec-other", server = ep(server)));
    } else if spare {
        f.explanation = msg!("nch-explanation-spare", hellos = g.hellos);
    } else {
        f.explanation = msg!("nch-explanation", how = how);
        f.recommendations.push(msg!("nch-rec-client", client = client_ip));
        f.recommendations.push(msg!("nch-rec-compare", server = ep(server)));
    }
    f.covers = bad.iter().map(|b| b.stream).collect();
    f.display_filter = super::streams_filter(&f.covers);
    f.fact("streams", bad.iter().map(|b| b.stream).collect::<Vec<_>>())
        .fact("connections", g.total)
        .fact("without_client_hello", bad.len())
        .fact("with_client_hello", g.hellos)
        .fact("server_answers_tls_elsewhere", others)
        .seal()
}
