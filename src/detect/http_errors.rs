//! `http-errors`: HTTP requests that failed in the middle: answered 502, 503 or 504 (what a
//! proxy, an SLB or a WAF answers when the backend behind it is sick), or never answered
//! before the connection closed.
//!
//! Mechanism: requests are queued per stream in the order the client sent them and each
//! response (1xx aside) answers the oldest (HTTP/1.1 answers in order). A 502, 503 or 504
//! is counted per server endpoint and `Host`, with its method and path, the time of the
//! first and the last, and the response's `Server` header. Who wrote it: a proxy that
//! terminates TCP answers from its own address, so TTLs cannot tell; the `Server` header can.
//! When the errors carry a `Server` header that the same site's successful responses do not,
//! the proxy in front wrote them (its backend failed); when they carry the same one, the
//! backend (or the proxy that writes every response) did.
//!
//! A request is **unanswered** when the server closed the connection with a FIN after it and
//! sent no byte in between (none captured, and none the client acknowledged beyond what the
//! capture holds: a response the capture dropped was still delivered): the server (or a device that ends the connection in its name)
//! closed without an answer, or the client gave up waiting and the server closed in turn. A
//! client's FIN alone is not judged (a half-close, with the answer maybe after the capture). Resets are left to
//! `mid-transfer-reset` and `idle-timeout`, which say who sent them; a stream still open at
//! the end of the capture, or dropped as stale, is not judged.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use super::{At, Config, Detector, Finding, Severity, ep};
use crate::HashMap;
use crate::app::AppEvent;
use crate::app::http::HttpEvent;
use crate::decode::Frame;
use crate::engine::{Analysis, AppCtx, Hooks, Observer};
use crate::flow::Conversation;
use crate::i18n::{Arg, Message};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/http-errors.ftl`.
pub const MESSAGES: &[&str] = &[
    "he-summary",
    "he-summary-all",
    "he-explanation",
    "he-url",
    "he-meaning-502",
    "he-meaning-503",
    "he-meaning-504",
    "he-writer-proxy",
    "he-writer-same",
    "he-writer-alone",
    "he-writer-none",
    "he-rec-backend",
    "he-rec-proxy",
    "he-role-first-request",
    "he-role-first-error",
    "he-role-last-error",
    "hu-summary",
    "hu-explanation",
    "hu-closed-server",
    "hu-closed-client",
    "hu-rec",
    "hu-role-request",
    "confirm-http-errors",
];
pub const ABOUT: &str = "HTTP 502, 503 and 504 from a proxy or its backend, and requests left unanswered at the close";

/// Requests waiting for their answer, per stream.
const MAX_QUEUED: usize = 32;
/// Streams with requests waiting.
const MAX_STREAMS: usize = 50_000;
/// Sites (server endpoint and Host) kept, and URLs per site.
const MAX_SITES: usize = 1_000;
const MAX_URLS: usize = 20;
/// Characters kept of a Host, a path or a Server header.
const MAX_TEXT: usize = 120;

fn cut(s: &str) -> String {
    cut_str(s).to_string()
}

/// The first [`MAX_TEXT`] characters of `s`, borrowed.
fn cut_str(s: &str) -> &str {
    // Most texts are short: a byte length under the limit holds fewer characters still.
    if s.len() <= MAX_TEXT {
        return s;
    }
    s.char_indices().nth(MAX_TEXT).map_or(s, |(i, _)| s.get(..i).unwrap_or(s))
}

/// `map[key] += 1`, adding the key (allocated only then) while the map has room.
fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else if map.len() < MAX_URLS {
        map.insert(key.to_string(), 1);
    }
}

#[derive(Debug, Clone)]
struct Req {
    at: At,
    method: String,
    host: String,
    path: String,
    /// The server's payload bytes when the request was sent.
    server_bytes: u64,
}

#[derive(Debug, Default)]
struct Site {
    responses: u64,
    errors: u64,
    /// status → count
    statuses: BTreeMap<u16, u64>,
    /// (method, path) → (status → count)
    urls: BTreeMap<(String, String), BTreeMap<u16, u64>>,
    first: Option<(At, At, u32)>,
    last: Option<At>,
    error_servers: BTreeMap<String, u64>,
    ok_servers: BTreeMap<String, u64>,
    streams: Vec<u32>,
}

#[derive(Debug, Clone)]
struct Unanswered {
    stream: u32,
    client: SocketAddr,
    req: Req,
    close: u64,
    closed_by_server: bool,
}

#[derive(Default)]
pub struct HttpErrors {
    queued: HashMap<u32, VecDeque<Req>>,
    /// Per server endpoint, per Host header.
    sites: BTreeMap<SocketAddr, BTreeMap<String, Site>>,
    /// Sites held, at most [`MAX_SITES`].
    site_count: usize,
    unanswered: BTreeMap<SocketAddr, (u64, Vec<Unanswered>)>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(HttpErrors::default())
}

fn is_gateway_error(status: u16) -> bool {
    matches!(status, 502..=504)
}

impl Observer for HttpErrors {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::STREAM_END
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, c: Option<&Conversation>) {
        let (AppEvent::Http(h), Some(stream), Some(conv)) = (e, ctx.stream, c) else { return };
        let s = &conv.summary;
        let at = At { frame: f.frame, ts: f.ts };
        let client_side = s.client_side();
        match h {
            HttpEvent::Request { method, uri, host, .. } if ctx.dir == client_side => {
                if !self.queued.contains_key(&stream) && self.queued.len() >= MAX_STREAMS {
                    return;
                }
                let q = self.queued.entry(stream).or_default();
                if q.len() < MAX_QUEUED {
                    let server_bytes = s.sides.get(1 - client_side).map_or(0, |d| d.payload_bytes);
                    q.push_back(Req {
                        at,
                        method: cut(method),
                        host: cut(host.as_deref().unwrap_or("")),
                        path: cut(uri.split('?').next().unwrap_or(uri)),
                        server_bytes,
                    });
                }
            }
            HttpEvent::Response { status, server, .. } if ctx.dir != client_side => {
                // 1xx are interim: the final answer follows (101 switches protocol: no more HTTP).
                if (100..200).contains(status) && *status != 101 {
                    return;
                }
                let Some(q) = self.queued.get_mut(&stream) else { return };
                let Some(req) = q.pop_front() else { return };
                if *status == 101 || q.is_empty() {
                    self.queued.remove(&stream);
                }
                let hosts = self.sites.entry(s.server()).or_default();
                let site = match hosts.get_mut(req.host.as_str()) {
                    Some(site) => site,
                    None if self.site_count < MAX_SITES => {
                        self.site_count += 1;
                        hosts.entry(req.host.clone()).or_default()
                    }
                    None => return,
                };
                site.responses += 1;
                let server = server.as_deref().map(cut_str).unwrap_or_default();
                if !is_gateway_error(*status) {
                    bump(&mut site.ok_servers, server);
                    return;
                }
                site.errors += 1;
                *site.statuses.entry(*status).or_default() += 1;
                let url = (req.method.clone(), req.path.clone());
                if site.urls.len() < MAX_URLS || site.urls.contains_key(&url) {
                    *site.urls.entry(url).or_default().entry(*status).or_default() += 1;
                }
                bump(&mut site.error_servers, server);
                site.first.get_or_insert((req.at, at, stream));
                site.last = Some(at);
                if site.streams.len() < MAX_URLS * 5 && site.streams.last() != Some(&stream) {
                    site.streams.push(stream);
                }
            }
            _ => {}
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        let Some(mut q) = self.queued.remove(&c.summary.stream) else { return };
        let s = &c.summary;
        let Some(req) = q.pop_front() else { return };
        let (cl, sv) = (s.client_side(), 1 - s.client_side());
        let (Some(client), Some(server)) = (s.sides.get(cl), s.sides.get(sv)) else { return };
        // Judged only when the connection was closed with FINs, and the server said nothing
        // after the request (an answer the parser missed still has bytes).
        let reset = client.rst_frame.is_some() || server.rst_frame.is_some();
        if evicted || reset || server.payload_bytes > req.server_bytes {
            return;
        }
        // The client acknowledged server bytes the capture does not hold: the answer was
        // sent and the capture dropped it (a quality note), not a request left unanswered.
        if s.unseen_bytes(sv) > 0 {
            return;
        }
        // The server must have closed too: a client's FIN alone may be a half-close (HTTP/1.0
        // clients send one after the request) with the answer still to come after the
        // capture stopped, and a capture that holds only one direction has no server FIN.
        let Some(server_fin) = server.fin_frame else { return };
        let client_fin = client.fin_frame.unwrap_or(u64::MAX);
        if server_fin < req.at.frame {
            return;
        }
        let (close, closed_by_server) =
            if client_fin > req.at.frame && client_fin < server_fin { (client_fin, false) } else { (server_fin, true) };
        let e = self.unanswered.entry(s.server()).or_default();
        e.0 += 1;
        if e.1.len() < MAX_URLS {
            e.1.push(Unanswered { stream: s.stream, client: s.client(), req, close, closed_by_server });
        }
        if self.unanswered.len() > MAX_SITES {
            self.unanswered.pop_last();
        }
    }
}

fn most(m: &BTreeMap<String, u64>) -> Option<&str> {
    m.iter().max_by_key(|(_, n)| **n).map(|(k, _)| k.as_str())
}

impl HttpErrors {
    fn site_finding(server: SocketAddr, host: &str, site: &Site) -> Option<Finding> {
        let (req_at, first_err, stream) = site.first?;
        let last = site.last.unwrap_or(first_err);
        let all = site.errors == site.responses;
        let sev = if all && site.errors >= 3 { Severity::Error } else { Severity::Warning };
        let mut f = Finding::new("http-errors", sev, Some(stream))
            .evidence(req_at.frame, req_at.ts, msg!("he-role-first-request"))
            .evidence(first_err.frame, first_err.ts, msg!("he-role-first-error"));
        if last.frame != first_err.frame {
            f = f.evidence(last.frame, last.ts, msg!("he-role-last-error"));
        }
        let site_name = if host.is_empty() { ep(server) } else { host.to_string() };
        let statuses = Arg::list(site.statuses.iter().map(|(st, n)| format!("{n} × {st}")));
        f.summary = Message::new(if all { "he-summary-all" } else { "he-summary" })
            .arg("site", site_name.clone())
            .arg("server", ep(server))
            .arg("errors", site.errors)
            .arg("responses", site.responses)
            .arg("statuses", statuses);
        let urls = Arg::list(site.urls.iter().map(|((m, p), by)| {
            let by = Arg::list(by.iter().map(|(st, n)| format!("{n} × {st}")));
            msg!("he-url", method = m.clone(), path = p.clone(), statuses = by)
        }));
        let meanings: Vec<Message> = site
            .statuses
            .keys()
            .filter_map(|st| match st {
                502 => Some(msg!("he-meaning-502")),
                503 => Some(msg!("he-meaning-503")),
                504 => Some(msg!("he-meaning-504")),
                _ => None,
            })
            .collect();
        let err_server = most(&site.error_servers).unwrap_or("");
        let ok_server = most(&site.ok_servers).unwrap_or("");
        // The proxy wrote them when most successful responses name another server (a proxy may
        // serve a few pages itself, such as a health check or a redirect).
        let by_proxy = !err_server.is_empty() && !ok_server.is_empty() && ok_server != err_server;
        let writer = if err_server.is_empty() {
            msg!("he-writer-none")
        } else if ok_server.is_empty() {
            msg!("he-writer-alone", header = err_server.to_string())
        } else if by_proxy {
            msg!("he-writer-proxy", header = err_server.to_string(), ok = ok_server.to_string())
        } else {
            msg!("he-writer-same", header = err_server.to_string())
        };
        f.explanation = msg!(
            "he-explanation",
            site = site_name.clone(),
            server = ep(server),
            errors = site.errors,
            responses = site.responses,
            urls = urls,
            first = first_err.frame,
            last = last.frame,
            span = super::secs(last.ts.since(first_err.ts)),
            meanings = Arg::list(meanings),
            writer = writer
        );
        f.recommendations = vec![msg!("he-rec-backend", site = site_name), msg!("he-rec-proxy")];
        f.display_filter =
            format!("({}) && http.response.code in {{502, 503, 504}}", super::streams_filter(&site.streams));
        f.covers = site.streams.clone();
        Some(
            f.fact("site", host.to_string())
                .fact("server", ep(server))
                .fact("errors", site.errors)
                .fact("responses", site.responses)
                .fact(
                    "statuses",
                    serde_json::Value::Object(
                        site.statuses.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect(),
                    ),
                )
                .fact("error_server_header", err_server.to_string())
                .fact("written_by_proxy", by_proxy)
                .seal()
                .show_cited(),
        )
    }

    fn unanswered_finding(server: SocketAddr, count: u64, list: &[Unanswered]) -> Option<Finding> {
        let first = list.first()?;
        let mut f = Finding::new("http-errors", Severity::Warning, Some(first.stream)).evidence(
            first.req.at.frame,
            first.req.at.ts,
            msg!("hu-role-request"),
        );
        let closed = if first.closed_by_server {
            msg!("hu-closed-server", server = ep(server), frame = first.close)
        } else {
            msg!("hu-closed-client", client = ep(first.client), frame = first.close)
        };
        f.summary = msg!("hu-summary", server = ep(server), count = count);
        f.explanation = msg!(
            "hu-explanation",
            client = ep(first.client),
            server = ep(server),
            method = first.req.method.clone(),
            path = first.req.path.clone(),
            frame = first.req.at.frame,
            closed = closed,
            count = count
        );
        f.recommendations = vec![msg!("hu-rec", server = ep(server))];
        let streams: Vec<u32> = list.iter().map(|u| u.stream).collect();
        f.display_filter = super::streams_filter(&streams);
        f.covers = streams;
        Some(
            f.fact("server", ep(server))
                .fact("requests", count)
                .fact("closed_by_server", list.iter().filter(|u| u.closed_by_server).count())
                .fact("close_frame", first.close)
                .seal(),
        )
    }
}

impl Detector for HttpErrors {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .sites
            .iter()
            .flat_map(|(server, hosts)| hosts.iter().map(move |(host, s)| (server, host, s)))
            .filter(|(_, _, s)| s.errors > 0)
            .filter_map(|(server, host, s)| Self::site_finding(*server, host, s))
            .collect();
        out.extend(self.unanswered.iter().filter_map(|(server, (n, l))| Self::unanswered_finding(*server, *n, l)));
        out
    }
}
