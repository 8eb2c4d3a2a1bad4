//! `no-client-hello`, with its relatives `tls-no-server-hello` and `tls-handshake-alert`:
//! TLS that never got going.
//!
//! - `no-client-hello`: the TCP handshake completed on a TLS port (443, 8443, 465, 993, 995,
//!   636, `--tls-port`, and any server port that spoke TLS elsewhere in the capture) and the
//!   client sent no ClientHello before FIN, RST or the end. Aggregated by client address and
//!   server endpoint, and compared with whether that server answered TLS for others.
//!   Seed case: 002, "某业务间接性获取不到数据": PHP without extension=php_openssl.
//! - `tls-no-server-hello`: a ClientHello no TLS record answered before the close or the end
//!   (at least [`INCONCLUSIVE_S`] later).
//! - `tls-handshake-alert`: a plaintext alert during the handshake, decoded
//!   (handshake_failure, protocol_version, ...); fatal alerts are errors, warnings are info.

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

pub const ABOUT: &str =
    "TCP handshakes on TLS ports with no ClientHello; ClientHellos never answered; handshake alerts";

const TLS_PORTS: [u16; 6] = [443, 8443, 465, 993, 995, 636];
/// A handshake this close to the end of the capture may simply not have continued yet.
const INCONCLUSIVE_S: f64 = 1.0;

#[derive(Debug, Default, Clone)]
struct StreamTls {
    client_hello: Option<(u64, Timestamp, usize, Option<String>)>,
    server_records: u64,
    alert: Option<(u64, Timestamp, usize, u8, u8)>,
    first_data_dir: Option<usize>,
}

#[derive(Default)]
pub struct NoClientHello {
    streams: HashMap<u32, StreamTls>,
    /// Server endpoints that answered a ClientHello (sent any TLS record back).
    tls_servers: HashSet<SocketAddr>,
    last_ts: Timestamp,
}

/// Handshakes from one client to one server, and the streams without a ClientHello
/// (stream, first frame, client payload bytes).
type Group = (u32, Vec<(u32, u64, u64)>);

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(NoClientHello::default())
}

impl Observer for NoClientHello {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP | Hooks::FRAME | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        if evicted {
            self.streams.remove(&c.summary.stream);
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if t.seglen.unwrap_or(0) > 0 {
            let st = self.streams.entry(i.placement.stream).or_default();
            st.first_data_dir.get_or_insert(i.placement.dir);
            // Any server payload after the ClientHello is an answer, parsed or not (a capture
            // that starts mid-record cannot read the first server record).
            if st.client_hello.is_some() && i.placement.dir != c.summary.client_side() {
                st.server_records += 1;
            }
        }
        self.last_ts = self.last_ts.max(f.ts);
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
                st.alert = Some((f.frame, f.ts, ctx.dir, *level, *description));
            }
            _ => {}
        }
        if ctx.dir != client && st.client_hello.is_some() && !self.tls_servers.contains(&ctx.src) {
            self.tls_servers.insert(ctx.src);
        }
    }
}

impl Detector for NoClientHello {
    fn finish(&mut self, a: &Analysis, cfg: &Config) -> Vec<Finding> {
        let t = &cfg.texts;
        let mut out = Vec::new();
        let tls_ports: BTreeSet<u16> = TLS_PORTS
            .iter()
            .copied()
            .chain(cfg.tls_ports.iter().copied())
            .chain(self.tls_servers.iter().map(|s| s.port()))
            .collect();
        let tls_server_ips: BTreeSet<IpAddr> = self.tls_servers.iter().map(|s| s.ip()).collect();
        // (client ip, server) -> (handshakes, bad streams)
        let mut groups: BTreeMap<(IpAddr, SocketAddr), Group> = BTreeMap::new();
        let empty = StreamTls::default();
        for conv in &a.conversations {
            let s = &conv.summary;
            let st = self.streams.get(&s.stream).unwrap_or(&empty);
            let c = s.client_side();
            let server = s.server();
            let hist = s.history();
            let handshake = hist.contains('S') && hist.contains('h') && hist.contains('A');
            // tls-handshake-alert
            if let Some((frame, ts, dir, level, desc)) = st.alert {
                let name = alert_name(desc);
                let sev = if level == 2 { Severity::Error } else { Severity::Info };
                let mut f = Finding::new("tls-handshake-alert", sev, Some(s.stream)).evidence(frame, ts, "TLS alert");
                if let Some((chf, chts, _, _)) = &st.client_hello {
                    f = f.evidence(*chf, *chts, "ClientHello");
                }
                let meaning = match name {
                    "handshake_failure" => t.get("hsa.meaning.handshake_failure", &[]),
                    "protocol_version" => t.get("hsa.meaning.protocol_version", &[]),
                    _ => t.get("hsa.meaning.other", &[]),
                };
                f.summary = t.get(
                    "hsa.summary",
                    &[
                        ("sender", ep(s.endpoint(dir))),
                        ("level", if level == 2 { "fatal".into() } else { "warning".into() }),
                        ("desc", name.into()),
                    ],
                );
                f.explanation = t.get(
                    "hsa.explanation",
                    &[
                        ("frame", frame.to_string()),
                        ("desc", name.into()),
                        ("code", desc.to_string()),
                        ("meaning", meaning),
                    ],
                );
                f.recommendations.push(t.get("hsa.rec", &[("server", ep(server))]));
                f.display_filter = format!("tcp.stream eq {} && tls", s.stream);
                out.push(f.fact("alert", name).fact("alert_code", desc).fact("level", level).seal());
            }
            // tls-no-server-hello
            if let Some((frame, ts, dir, sni)) = &st.client_hello {
                let closed = s.sides.iter().any(|d| d.fin_frame.is_some() || d.rst_frame.is_some());
                let waited = self.last_ts.since(*ts) as f64 / 1e9;
                if *dir == c && st.server_records == 0 && st.alert.is_none() && (closed || waited >= INCONCLUSIVE_S) {
                    let mut f = Finding::new("tls-no-server-hello", Severity::Warning, Some(s.stream)).evidence(
                        *frame,
                        *ts,
                        "ClientHello",
                    );
                    let end = if closed { "the connection closed" } else { "the capture ended" };
                    if let Some(last) = s
                        .sides
                        .get(1 - c)
                        .and_then(|d| d.rst_frame.or(d.fin_frame))
                        .or(s.sides.get(c).and_then(|d| d.fin_frame.or(d.rst_frame)))
                    {
                        f = f.evidence(last, s.end, "close");
                    }
                    let sni_text = sni.as_ref().map(|n| format!(", SNI {n}")).unwrap_or_default();
                    f.summary = t.get("nsh.summary", &[("server", ep(server)), ("client", ep(s.client()))]);
                    f.explanation = t.get(
                        "nsh.explanation",
                        &[("frame", frame.to_string()), ("sni", sni_text), ("end", end.to_string())],
                    );
                    f.recommendations.push(t.get("nsh.rec", &[("server", ep(server))]));
                    f.display_filter = stream_filter(s.stream, None);
                    out.push(f.fact("waited_s", (waited * 1000.0).round() / 1000.0).seal());
                }
            }
            // no-client-hello: handshakes on TLS ports
            if !handshake || !tls_ports.contains(&server.port()) {
                continue;
            }
            let group = groups.entry((s.client_ip(), server)).or_default();
            group.0 += 1;
            let has_ch = st.client_hello.as_ref().is_some_and(|ch| ch.2 == c);
            let closed = s.sides.iter().any(|d| d.fin_frame.is_some() || d.rst_frame.is_some());
            let inconclusive = !closed
                && (self.last_ts.since(s.end) as f64 / 1e9) < INCONCLUSIVE_S
                && s.sides.iter().all(|d| d.payload_bytes == 0);
            // A server that speaks first (a banner) is not waiting for a ClientHello.
            let server_spoke_first = st.first_data_dir.is_some_and(|d| d != c);
            if !has_ch && !inconclusive && !server_spoke_first {
                let client_bytes = s.sides.get(c).map_or(0, |d| d.payload_bytes);
                group.1.push((s.stream, s.first_frame, client_bytes));
            }
        }
        for ((client_ip, server), (total, bad)) in groups {
            let Some(&(first_stream, first_frame, _)) = bad.first() else { continue };
            let Some(conv) = a.conversation(first_stream) else { continue };
            let others = tls_server_ips.contains(&server.ip());
            let sev = Severity::Warning;
            let mut f = Finding::new("no-client-hello", sev, Some(first_stream));
            for (stream, _, _) in bad.iter().take(5) {
                if let Some(c) = a.conversation(*stream) {
                    f = f.evidence(
                        c.summary.first_frame,
                        c.summary.start,
                        format!("stream {stream}: handshake, no ClientHello"),
                    );
                    if let Some(end) = c.summary.sides.iter().filter_map(|d| d.fin_frame.or(d.rst_frame)).min() {
                        f = f.evidence(end, c.summary.end, format!("stream {stream}: closed without TLS"));
                    }
                }
            }
            let plaintext: u64 = bad.iter().map(|b| b.2).sum();
            let how = if plaintext == 0 {
                t.get("nch.how.silent", &[])
            } else {
                t.get("nch.how.plaintext", &[("bytes", plaintext.to_string())])
            };
            let others_text =
                if others { t.get("nch.others", &[("server_ip", server.ip().to_string())]) } else { String::new() };
            f.summary = t.get(
                "nch.summary",
                &[
                    ("bad", bad.len().to_string()),
                    ("total", total.to_string()),
                    ("client", client_ip.to_string()),
                    ("server", ep(server)),
                    ("others", others_text),
                ],
            );
            f.explanation = t.get("nch.explanation", &[("how", how)]);
            f.recommendations.push(t.get("nch.rec.client", &[("client", client_ip.to_string())]));
            f.recommendations.push(t.get("nch.rec.compare", &[("server", ep(server))]));
            let streams: Vec<String> = bad.iter().map(|b| b.0.to_string()).collect();
            f.display_filter = if streams.len() == 1 {
                stream_filter(first_stream, None)
            } else {
                format!("tcp.stream in {{{}}}", streams.join(" "))
            };
            let _ = (conv, first_frame);
            out.push(
                f.fact("streams", bad.iter().map(|b| b.0).collect::<Vec<_>>())
                    .fact("connections", total)
                    .fact("without_client_hello", bad.len())
                    .fact("server_answers_tls_elsewhere", others)
                    .seal(),
            );
        }
        out
    }
}
