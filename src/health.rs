//! What was checked and found working: how the connections ended, how fast handshakes and
//! DNS answers came, TLS handshakes completed, HTTP statuses. A report with no problem says
//! this instead of "no problems found" alone, so that it can be attached to a ticket as
//! evidence that the capture's traffic was healthy (issue 18 item 3).
//!
//! An observer beside the detectors, in the same pass; bounded like them: samples for the
//! medians are kept up to [`MAX_SAMPLES`], DNS queries awaiting an answer up to
//! [`MAX_PENDING`], TLS streams awaiting their first encrypted data up to [`MAX_PENDING`].

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Serialize;

use crate::HashMap;
use crate::app::AppEvent;
use crate::app::http::HttpEvent;
use crate::app::tls::TlsEvent;
use crate::capture::Timestamp;
use crate::decode::Frame;
use crate::engine::{AppCtx, Hooks, Observer};
use crate::flow::Conversation;

pub const MAX_SAMPLES: usize = 1_000_000;
pub const MAX_PENDING: usize = 100_000;

/// The health figures of one capture (JSON `health`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Health {
    /// TCP streams, and how many of them began with a SYN in the capture.
    pub tcp_streams: u64,
    pub tcp_connections: u64,
    /// Handshakes that completed (SYN, SYN/ACK, ACK).
    pub tcp_established: u64,
    /// Streams by Zeek's `conn_state` (SF: closed normally; S0: no answer; REJ: refused...).
    pub conn_states: BTreeMap<&'static str, u64>,
    /// Handshake round trip (SYN to ACK), in milliseconds.
    pub handshake_rtt_ms: Option<Spread>,
    pub dns_queries: u64,
    pub dns_answered: u64,
    /// Answers by response code (NOERROR, NXDOMAIN, SERVFAIL...).
    pub dns_rcodes: BTreeMap<String, u64>,
    /// Query to answer, in milliseconds.
    pub dns_latency_ms: Option<Spread>,
    pub tls_client_hellos: u64,
    pub tls_server_hellos: u64,
    /// TLS handshakes the client finished (its first encrypted record after the server's
    /// hello).
    pub tls_completed: u64,
    pub http_requests: u64,
    /// HTTP responses by status code.
    pub http_statuses: BTreeMap<u16, u64>,
}

/// A distribution, in milliseconds: how many, the median, the 90th percentile, the worst.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Spread {
    pub n: u64,
    pub median: f64,
    pub p90: f64,
    pub worst: f64,
}

impl Spread {
    /// From samples in microseconds (sorted here); `None` when there are none.
    fn of(samples: &mut [u32], n: u64, worst_us: u32) -> Option<Spread> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((samples.len() - 1) as f64 * q).round() as usize;
            f64::from(samples.get(i).copied().unwrap_or(0)) / 1000.0
        };
        let ms = |v: f64| (v * 1000.0).round() / 1000.0;
        Some(Spread { n, median: ms(at(0.5)), p90: ms(at(0.9)), worst: ms(f64::from(worst_us) / 1000.0) })
    }
}

/// Watches a pass and makes the [`Health`] figures.
#[derive(Default)]
pub struct Watch {
    h: Health,
    rtts: Vec<u32>,
    rtt_n: u64,
    rtt_worst: u32,
    pending: HashMap<(u16, SocketAddr, SocketAddr), Timestamp>,
    dns: Vec<u32>,
    dns_n: u64,
    dns_worst: u32,
    /// Streams whose server said hello, and the server's direction.
    tls_waiting: HashMap<u32, usize>,
}

fn micros(ns: i64) -> u32 {
    u32::try_from(ns.max(0) / 1000).unwrap_or(u32::MAX)
}

impl Watch {
    pub fn finish(mut self) -> Health {
        self.h.handshake_rtt_ms = Spread::of(&mut self.rtts, self.rtt_n, self.rtt_worst);
        self.h.dns_latency_ms = Spread::of(&mut self.dns, self.dns_n, self.dns_worst);
        self.h
    }
}

impl Observer for Watch {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        // A stream an ICMP error's quote made has no packets of its own.
        if s.sides.iter().all(|d| d.packets == 0) {
            return;
        }
        self.h.tcp_streams += 1;
        self.h.tcp_connections += u64::from(s.attempted());
        self.h.tcp_established += u64::from(s.established());
        *self.h.conn_states.entry(s.conn_state()).or_default() += 1;
        if let Some(ns) = s.rtt_ns {
            let us = micros(ns);
            self.rtt_n += 1;
            self.rtt_worst = self.rtt_worst.max(us);
            if self.rtts.len() < MAX_SAMPLES {
                self.rtts.push(us);
            }
        }
        self.tls_waiting.remove(&s.stream);
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        match e {
            AppEvent::Dns(m) if !m.response => {
                self.h.dns_queries += 1;
                if self.pending.len() < MAX_PENDING {
                    self.pending.entry((m.id, ctx.src, ctx.dst)).or_insert(f.ts);
                }
            }
            AppEvent::Dns(m) => {
                let Some(asked) = self.pending.remove(&(m.id, ctx.dst, ctx.src)) else { return };
                self.h.dns_answered += 1;
                *self.h.dns_rcodes.entry(crate::app::dns::rcode_name(m.rcode).to_string()).or_default() += 1;
                let us = micros(f.ts.since(asked));
                self.dns_n += 1;
                self.dns_worst = self.dns_worst.max(us);
                if self.dns.len() < MAX_SAMPLES {
                    self.dns.push(us);
                }
            }
            AppEvent::Tls(TlsEvent::ClientHello { .. }) => self.h.tls_client_hellos += 1,
            AppEvent::Tls(TlsEvent::ServerHello { .. }) => {
                self.h.tls_server_hellos += 1;
                if let (Some(stream), true) = (ctx.stream, self.tls_waiting.len() < MAX_PENDING) {
                    self.tls_waiting.insert(stream, ctx.dir);
                }
            }
            // The client's first encrypted record after the server's hello: its Finished in
            // TLS 1.3, its data in 1.2; sent only once the handshake worked on its side.
            AppEvent::Tls(TlsEvent::ApplicationData { .. })
                if ctx.stream.is_some_and(|s| self.tls_waiting.get(&s).is_some_and(|&d| d != ctx.dir)) =>
            {
                if let Some(s) = ctx.stream {
                    self.tls_waiting.remove(&s);
                }
                self.h.tls_completed += 1;
            }
            AppEvent::Http(HttpEvent::Request { .. }) => self.h.http_requests += 1,
            AppEvent::Http(HttpEvent::Response { status, .. }) => {
                *self.h.http_statuses.entry(*status).or_default() += 1;
            }
            _ => {}
        }
    }
}
