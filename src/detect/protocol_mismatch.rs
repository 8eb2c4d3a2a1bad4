//! `protocol-mismatch`: the client and the server spoke different protocols on one port,
//! and the connection failed.
//!
//! Two shapes, both seen on the first bytes each side sends:
//! - **TLS to a plain port**: the client's first bytes are a ClientHello and the server's
//!   first bytes are not a TLS record: an HTTP response (`HTTP/1.1 400 Bad Request`, what
//!   nginx, Apache and most HTTP servers answer to a ClientHello) or other bytes (an SSH or
//!   SMTP banner). The URL says `https://` to a port that serves `http://`, or an SLB
//!   listener forwards TLS to the backend's HTTP port.
//! - **Plain HTTP to a TLS port**: the client's first bytes are an HTTP request and the
//!   server answers with a TLS record (an alert), or with nginx's 400 page "The plain HTTP
//!   request was sent to HTTPS port".
//!
//! Only streams whose start was seen count: the client's first payload is the hello or the
//! request, and the server's reply is the first payload it sends after it (a capture that
//! starts mid-stream has neither). A mismatch counts only where its connection failed (a
//! reset, the client silent after the reply, no orderly close): two sides that kept talking
//! and closed with FINs spoke something the classifier did not know. Aggregated per server
//! endpoint and shape; every such connection failed, so the finding is an error. It explains those streams for `no-client-hello` (a request on a TLS port) and
//! `tls-no-server-hello`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::{At, Config, Detector, Finding, Severity, ep};
use crate::HashMap;
use crate::app::http::HttpEvent;
use crate::app::tls::TlsEvent;
use crate::app::{AppEvent, Kind, Reply};
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::Message;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/protocol-mismatch.ftl`.
pub const MESSAGES: &[&str] = &[
    "pm-summary-tls",
    "pm-summary-plain",
    "pm-reply-http",
    "pm-reply-tls",
    "pm-reply-other",
    "pm-reply-nginx",
    "pm-explanation-tls",
    "pm-explanation-plain",
    "pm-more",
    "pm-rec-scheme-tls",
    "pm-rec-listener-tls",
    "pm-rec-scheme-plain",
    "pm-rec-listener-plain",
    "pm-role-hello",
    "pm-role-request",
    "pm-role-reply",
    "confirm-protocol-mismatch",
];
pub const ABOUT: &str =
    "a ClientHello answered in plain text, or plain HTTP answered with TLS: the wrong protocol on a port";

/// Streams whose opening is remembered while the server's first reply is awaited.
const MAX_OPEN: usize = 20_000;
/// Server endpoints kept for the report.
const MAX_SERVERS: usize = 1_000;
/// Streams named per finding.
const MAX_STREAMS: usize = 50;

/// Which way round the protocols were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    /// The client spoke TLS, the server something else.
    TlsToPlain,
    /// The client spoke plain HTTP, the server TLS.
    PlainToTls,
}

#[derive(Debug, Clone, Copy)]
struct Opening {
    spoken: Kind,
    at: At,
}

#[derive(Debug, Clone)]
struct Case {
    stream: u32,
    client: SocketAddr,
    opening: At,
    reply_at: At,
    reply: ReplySeen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ReplySeen {
    Http(u16),
    Tls,
    Other(String),
    /// nginx's "The plain HTTP request was sent to HTTPS port".
    NginxPlainOnTls,
}

/// A mismatch seen, waiting for its stream's end to tell whether the connection failed.
#[derive(Debug, Clone)]
struct Pending {
    server: SocketAddr,
    shape: Shape,
    case: Case,
    /// Client data segments after the server's reply: the exchange went on.
    client_data_after: u32,
}

#[derive(Default)]
pub struct ProtocolMismatch {
    open: HashMap<u32, Opening>,
    pending: HashMap<u32, Pending>,
    cases: BTreeMap<(SocketAddr, Shape), (usize, Vec<Case>)>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(ProtocolMismatch::default())
}

impl ProtocolMismatch {
    fn record(&mut self, server: SocketAddr, shape: Shape, case: Case) {
        if !self.cases.contains_key(&(server, shape)) && self.cases.len() >= MAX_SERVERS {
            return;
        }
        let (count, v) = self.cases.entry((server, shape)).or_default();
        *count += 1;
        if v.len() < MAX_STREAMS {
            v.push(case);
        }
    }
}

impl Observer for ProtocolMismatch {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::TCP | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        let Some(p) = self.pending.get_mut(&i.placement.stream) else { return };
        if i.placement.dir == c.summary.client_side() && t.seglen.unwrap_or(0) > 0 && f.frame > p.case.reply_at.frame {
            p.client_data_after = p.client_data_after.saturating_add(1);
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, c: Option<&Conversation>) {
        let (Some(stream), Some(conv)) = (ctx.stream, c) else { return };
        let s = &conv.summary;
        let from_client = ctx.dir == s.client_side();
        let at = At { frame: f.frame, ts: f.ts };
        // The client's hello or request (a stream is TLS or HTTP by its first payload, and
        // the server's wrong reply can only be its first).
        let opening = match e {
            AppEvent::Tls(TlsEvent::ClientHello { .. }) => Some(Kind::Tls),
            AppEvent::Http(HttpEvent::Request { .. }) => Some(Kind::Http),
            _ => None,
        };
        if let Some(spoken) = opening {
            if from_client && !self.open.contains_key(&stream) && self.open.len() < MAX_OPEN {
                self.open.insert(stream, Opening { spoken, at });
            }
            return;
        }
        if from_client {
            return;
        }
        // The server's first reply ends the wait, whatever it is.
        let Some(o) = self.open.remove(&stream) else { return };
        let (shape, reply) = match (o.spoken, e) {
            (Kind::Tls, AppEvent::WrongProtocol { spoken: Kind::Tls, reply }) => (
                Shape::TlsToPlain,
                match reply {
                    Reply::Http { status } => ReplySeen::Http(*status),
                    Reply::Tls => return,
                    Reply::Other { head } => ReplySeen::Other(head.clone()),
                },
            ),
            (Kind::Http, AppEvent::WrongProtocol { spoken: Kind::Http, reply: Reply::Tls }) => {
                (Shape::PlainToTls, ReplySeen::Tls)
            }
            (Kind::Http, AppEvent::Http(HttpEvent::Response { plain_http_on_tls_port: true, .. })) => {
                (Shape::PlainToTls, ReplySeen::NginxPlainOnTls)
            }
            _ => return,
        };
        let case = Case { stream, client: s.client(), opening: o.at, reply_at: at, reply };
        if self.pending.len() < MAX_OPEN {
            self.pending.insert(stream, Pending { server: s.server(), shape, case, client_data_after: 0 });
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        self.open.remove(&s.stream);
        let Some(p) = self.pending.remove(&s.stream) else { return };
        // A mismatch is a failure only where the connection failed: reset, or the client
        // said nothing more after the reply, or it was never closed in order. Both sides
        // going on talking and closing with FINs is a protocol the classifier did not know
        // (an SSLv2 exchange, a proprietary handshake), not a failed connection.
        let reset = s.sides.iter().any(|d| d.rst_frame.is_some());
        let orderly = s.sides.iter().all(|d| d.fin_frame.is_some());
        if reset || p.client_data_after == 0 || !orderly {
            self.record(p.server, p.shape, p.case);
        }
    }
}

fn reply_message(r: &ReplySeen) -> Message {
    match r {
        ReplySeen::Http(status) => msg!("pm-reply-http", status = u64::from(*status)),
        ReplySeen::Tls => msg!("pm-reply-tls"),
        ReplySeen::Other(head) => msg!("pm-reply-other", head = head.clone()),
        ReplySeen::NginxPlainOnTls => msg!("pm-reply-nginx"),
    }
}

impl Detector for ProtocolMismatch {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for ((server, shape), (count, cases)) in &self.cases {
            let Some(first) = cases.first() else { continue };
            let mut f = Finding::new("protocol-mismatch", Severity::Error, Some(first.stream));
            let (opening_role, tls) = match shape {
                Shape::TlsToPlain => ("pm-role-hello", true),
                Shape::PlainToTls => ("pm-role-request", false),
            };
            f = f.evidence(first.opening.frame, first.opening.ts, Message::new(opening_role)).evidence(
                first.reply_at.frame,
                first.reply_at.ts,
                msg!("pm-role-reply"),
            );
            let reply = reply_message(&first.reply);
            let port = server.port().to_string();
            let more = count - 1;
            let (summary, explanation, recs) = if tls {
                ("pm-summary-tls", "pm-explanation-tls", ["pm-rec-scheme-tls", "pm-rec-listener-tls"])
            } else {
                ("pm-summary-plain", "pm-explanation-plain", ["pm-rec-scheme-plain", "pm-rec-listener-plain"])
            };
            f.summary = Message::new(summary)
                .arg("server", ep(*server))
                .arg("host", server.ip().to_string())
                .arg("port", port.clone())
                .arg("reply", reply.clone())
                .arg("more", more);
            f.explanation = Message::new(explanation)
                .arg("client", ep(first.client))
                .arg("server", ep(*server))
                .arg("opening", first.opening.frame)
                .arg("reply_frame", first.reply_at.frame)
                .arg("reply", reply)
                .arg("connections", *count);
            f.recommendations =
                recs.iter().map(|k| Message::new(k).arg("port", port.clone()).arg("server", ep(*server))).collect();
            f.covers = cases.iter().map(|c| c.stream).collect();
            f.display_filter = super::streams_filter(&f.covers);
            let f = f
                .fact("server", ep(*server))
                .fact("client_spoke", if tls { "tls" } else { "http" })
                .fact(
                    "server_replied",
                    match &first.reply {
                        ReplySeen::Http(s) => format!("http {s}"),
                        ReplySeen::Tls => "tls".into(),
                        ReplySeen::Other(_) => "other".into(),
                        ReplySeen::NginxPlainOnTls => "http 400 (plain HTTP on a TLS port)".into(),
                    },
                )
                .fact("connections", *count);
            out.push(f.seal());
        }
        out
    }
}
