//! `tls-alert-fin`: one side closed an idle TLS session with an Encrypted Alert and a FIN.
//!
//! Mechanism: an alert record after ChangeCipherSpec (content type 21, encrypted), or in
//! TLS 1.3 a 19-byte application_data record after an idle gap (the encrypted close_notify:
//! 2 alert bytes, 1 inner content type byte, a 16-byte AEAD tag), from side X, with a FIN from X in the same frame or within [`PAIR_WINDOW_NS`]; the idle time is
//! the gap between the alert and the packet before it. Closes after less than
//! [`MIN_IDLE_S`] are ordinary (`Connection: close`) and not reported.
//!
//! Closing an idle session is what servers and proxies do; it is a problem only when
//! someone is hurt (docs/ACCURACY.md). A victim is the peer writing on the closed session
//! afterwards (its request got a RST or went nowhere), or a request of the peer's that was
//! still unanswered when the close came. The peer's own close_notify and FIN answering the
//! close are its half of an orderly close, never a request (corpus `many-protocols.pcap`
//! stream 50). With a victim: an error when the idle time fits a catalogue timeout, a
//! warning otherwise; without one: info ("the server closed this idle session after 64.7 s").
//! Seed case: 002 "WAF-HTTPS Encrypted Alert", alert + FIN 119.89 s after the last data, the
//! client's RST 14.95 s later.

use crate::HashMap;

use super::{At, Config, Detector, Finding, Severity, ep, secs, stream_filter};
use crate::app::AppEvent;
use crate::app::tls::TlsEvent;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/tls-alert-fin.ftl`.
pub const MESSAGES: &[&str] = &[
    "alertfin-summary",
    "alertfin-explanation",
    "alertfin-summary-quiet",
    "alertfin-peer-write",
    "alertfin-peer-in-flight",
    "alertfin-rec-none",
    "alertfin-peer-ack",
    "alertfin-peer-rst",
    "alertfin-peer-write-rst",
    "alertfin-peer-none",
    "alertfin-rec-pool",
    "alertfin-rec-server",
    "confirm-tls-alert-fin",
    "alertfin-role-alert",
    "alertfin-role-write",
    "alertfin-role-in-flight",
    "alertfin-role-peer-rst",
    "alertfin-role-peer-ack",
    "alertfin-explanation13",
    "alertfin-role-alert13",
    "alertfin-how",
];
pub const ABOUT: &str = "a proxy closing an idle TLS session with an Encrypted Alert and a FIN (WAF 120 s, nginx 75 s)";

const PAIR_WINDOW_NS: i64 = 50_000_000;
const MIN_IDLE_S: f64 = 5.0;
/// The record body of a TLS 1.3 close_notify with a 16-byte AEAD tag (AES-GCM, ChaCha20).
const TLS13_ALERT_LEN: u16 = 19;
/// Data its sender's FIN follows this closely is that side's close_notify, not a request.
const CLOSE_ECHO_NS: i64 = 200_000_000;

#[derive(Debug, Clone)]
struct Close {
    stream: u32,
    dir: usize,
    alert: At,
    before: At,
    idle_ns: i64,
    fin: Option<At>,
    peer_ack: Option<At>,
    peer_write: Option<At>,
    /// The peer's own FIN and TLS alert after the close: its half of the close.
    peer_fin: Option<At>,
    peer_alert: Option<At>,
    /// The last data before the alert was the peer's: a request in flight.
    request_in_flight: Option<At>,
    endpoints: Option<[std::net::SocketAddr; 2]>,
    peer_rst: Option<At>,
    /// A RST from the closer after the peer wrote.
    closer_rst: Option<At>,
    /// TLS 1.3: the alert travels as a short application_data record.
    tls13: bool,
}

#[derive(Default)]
struct StreamState {
    prev: Option<At>,
    last: Option<(At, bool)>,
    /// The last data segment, and the one before it: when and from which side.
    last_data: Option<(At, u8)>,
    prev_data: Option<(At, u8)>,
    /// Its close candidate's index in `closes`.
    close: Option<u32>,
}

#[derive(Default)]
pub struct TlsAlertFin {
    streams: HashMap<u32, StreamState>,
    closes: Vec<Close>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(TlsAlertFin::default())
}

impl Observer for TlsAlertFin {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let Some(st) = self.streams.remove(&c.summary.stream) else { return };
        if let Some(close) = st.close.and_then(|k| self.closes.get_mut(k as usize)) {
            close.endpoints = Some([c.summary.endpoint(0), c.summary.endpoint(1)]);
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        if i.duplicate {
            return;
        }
        // State starts with a stream's first payload (an alert comes after data); a scan's
        // empty streams never get any.
        let st = if t.seglen.unwrap_or(0) > 0 {
            self.streams.entry(i.placement.stream).or_default()
        } else {
            match self.streams.get_mut(&i.placement.stream) {
                Some(st) => st,
                None => return,
            }
        };
        let here = At { frame: f.frame, ts: f.ts };
        st.prev = st.last.map(|(a, _)| a);
        st.last = Some((here, t.flags.fin()));
        if t.seglen.unwrap_or(0) > 0 {
            st.prev_data = st.last_data;
            st.last_data = Some((here, u8::from(i.placement.dir != 0)));
        }
        let Some(c) = st.close.and_then(|k| self.closes.get_mut(k as usize)) else { return };
        let dir = i.placement.dir;
        if dir == c.dir {
            if t.flags.fin() && c.fin.is_none() && f.ts.since(c.alert.ts) <= PAIR_WINDOW_NS {
                c.fin = Some(here);
            }
            if t.flags.rst() && c.peer_write.is_some() && c.closer_rst.is_none() {
                c.closer_rst = Some(here);
            }
        } else if c.fin.is_some() {
            if t.flags.fin() {
                c.peer_fin.get_or_insert(here);
            }
            if t.flags.rst() {
                c.peer_rst.get_or_insert(here);
            } else if t.seglen.unwrap_or(0) > 0 && !t.flags.fin() {
                c.peer_write.get_or_insert(here);
            } else if t.flags.ack() && c.peer_ack.is_none() && c.peer_write.is_none() {
                c.peer_ack = Some(here);
            }
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, conv: Option<&Conversation>) {
        let Some(stream) = ctx.stream else { return };
        let tls13 = match e {
            AppEvent::Tls(TlsEvent::EncryptedAlert { .. }) => false,
            // TLS 1.3 encrypts the alert as application data: a 2-byte alert, 1 byte of inner
            // content type and a 16-byte AEAD tag make a 19-byte record body. Only one that
            // follows an idle gap is a candidate; only a FIN right after it makes it a close.
            AppEvent::Tls(TlsEvent::ApplicationData { length: TLS13_ALERT_LEN }) => true,
            _ => return,
        };
        let Some(st) = self.streams.get_mut(&stream) else { return };
        let alert = At { frame: f.frame, ts: f.ts };
        if let Some(k) = st.close {
            let Some(c) = self.closes.get_mut(k as usize) else { return };
            // A TLS 1.3 candidate that no FIN followed was data after all: a later one
            // takes its place.
            let stale = c.tls13 && c.fin.is_none() && f.ts.since(c.alert.ts) > PAIR_WINDOW_NS;
            if !stale {
                if ctx.dir != c.dir && c.fin.is_some() {
                    c.peer_alert.get_or_insert(alert);
                }
                return;
            }
        }
        let Some(before) = st.prev else { return };
        if tls13 && (f.ts.since(before.ts) as f64) < MIN_IDLE_S * 1e9 {
            return;
        }
        // The data before the alert (the alert's own segment is the latest now): when the
        // server closes and that data was the client's, a request was unanswered. (When the
        // client closes, the server's last data is a response, not a request.)
        let server_closes = conv.is_some_and(|c| c.summary.client_side() != ctx.dir);
        let request_in_flight =
            st.prev_data.filter(|(_, d)| server_closes && usize::from(*d) != ctx.dir).map(|(a, _)| a);
        let fin_here = st.last.is_some_and(|(a, fin)| a.frame == f.frame && fin);
        let close = Close {
            stream,
            dir: ctx.dir,
            alert,
            before,
            idle_ns: f.ts.since(before.ts),
            fin: fin_here.then_some(alert),
            peer_ack: None,
            peer_write: None,
            peer_fin: None,
            peer_alert: None,
            request_in_flight,
            endpoints: None,
            peer_rst: None,
            closer_rst: None,
            tls13,
        };
        match st.close.and_then(|k| self.closes.get_mut(k as usize)) {
            Some(slot) => *slot = close,
            None => {
                self.closes.push(close);
                st.close = u32::try_from(self.closes.len() - 1).ok();
            }
        }
    }
}

impl Detector for TlsAlertFin {
    fn finish(&mut self, _: &Analysis, cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in &self.closes {
            let Some(fin) = c.fin else { continue };
            let idle_s = c.idle_ns as f64 / 1e9;
            if idle_s < MIN_IDLE_S {
                continue;
            }
            let Some(endpoints) = c.endpoints else { continue };
            let name = |d: usize| endpoints.get(d).map_or_else(String::new, |a| ep(*a));
            let (closer, peer) = (name(c.dir), name(1 - c.dir));
            // The close is at the device's timeout: only a timeout the idle time fits explains it.
            let fits = cfg.timeouts.fitting(idle_s);
            let best = fits.first();
            let m = match best {
                Some(e) => msg!(
                    "idle-match",
                    name = super::timeouts::best_name(&fits).unwrap_or_else(|| e.name_local()),
                    seconds = format!("{:.0}", e.seconds)
                ),
                None => msg!("idle-nomatch"),
            };
            // A write of the peer's after the close, unless it is the peer's own close_notify
            // (a TLS alert, or data its own FIN follows at once).
            let echo = |w: &At| {
                c.peer_alert.is_some_and(|a| a.frame == w.frame)
                    || c.peer_fin.is_some_and(|f| f.frame >= w.frame && f.ts.since(w.ts) <= CLOSE_ECHO_NS)
            };
            let write = c.peer_write.filter(|w| !echo(w));
            let mut f = Finding::new("tls-alert-fin", Severity::Info, Some(c.stream))
                .evidence(c.before.frame, c.before.ts, msg!("idle-role-before"))
                .evidence(
                    c.alert.frame,
                    c.alert.ts,
                    msg!(if c.tls13 { "alertfin-role-alert13" } else { "alertfin-role-alert" }),
                )
                .evidence(fin.frame, fin.ts, msg!("role-fin"));
            let victim = write.is_some() || c.request_in_flight.is_some();
            let peer_text = if let Some(w) = write {
                f = f.evidence(w.frame, w.ts, msg!("alertfin-role-write"));
                match c.closer_rst.or(c.peer_rst.filter(|r| r.frame > w.frame)) {
                    Some(r) => {
                        f = f.evidence(r.frame, r.ts, msg!("role-rst"));
                        msg!(
                            "alertfin-peer-write-rst",
                            peer = peer.clone(),
                            after = secs(w.ts.since(fin.ts)),
                            write = w.frame,
                            frame = r.frame
                        )
                    }
                    None => msg!(
                        "alertfin-peer-write",
                        peer = peer.clone(),
                        after = secs(w.ts.since(fin.ts)),
                        write = w.frame
                    ),
                }
            } else if let Some(r) = c.request_in_flight {
                f = f.evidence(r.frame, r.ts, msg!("alertfin-role-in-flight"));
                msg!(
                    "alertfin-peer-in-flight",
                    peer = peer.clone(),
                    frame = r.frame,
                    idle = secs(c.alert.ts.since(r.ts))
                )
            } else if let Some(r) = c.peer_rst {
                f = f.evidence(r.frame, r.ts, msg!("alertfin-role-peer-rst"));
                msg!("alertfin-peer-rst", peer = peer.clone(), after = secs(r.ts.since(fin.ts)), frame = r.frame)
            } else if let Some(ack) = c.peer_ack {
                f = f.evidence(ack.frame, ack.ts, msg!("alertfin-role-peer-ack"));
                msg!("alertfin-peer-ack", peer = peer.clone(), frame = ack.frame)
            } else {
                msg!("alertfin-peer-none", peer = peer.clone())
            };
            f.severity = match (victim, best.is_some()) {
                (false, _) => Severity::Info,
                (true, true) => Severity::Error,
                (true, false) => Severity::Warning,
            };
            let key = if victim { "alertfin-summary" } else { "alertfin-summary-quiet" };
            f.summary = msg!(key, closer = closer.clone(), idle = secs(c.idle_ns), fit = m, tls13 = u64::from(c.tls13));
            f.explanation = msg!(
                if c.tls13 { "alertfin-explanation13" } else { "alertfin-explanation" },
                alert = c.alert.frame,
                fin = fin.frame,
                idle = secs(c.idle_ns),
                before = c.before.frame,
                peer = peer_text
            );
            if victim {
                let seconds = best.map_or(idle_s, |e| e.seconds);
                f.recommendations.push(msg!(
                    "alertfin-rec-pool",
                    seconds = format!("{seconds:.0}"),
                    pool = format!("{:.0}", (seconds * 0.8).floor().max(1.0))
                ));
                if let Some(e) = best.filter(|e| !e.fix.is_empty()) {
                    f.recommendations.push(msg!("alertfin-rec-server", fix = e.fix_local()));
                }
            } else {
                f.recommendations.push(msg!("alertfin-rec-none"));
            }
            f.display_filter = stream_filter(c.stream, Some(c.before.frame));
            let mut f = f.fact("idle_s", (idle_s * 1000.0).round() / 1000.0).fact("victim", victim);
            if let Some(e) = best {
                f = f.fact("matches", e.key.clone());
            }
            out.push(f.seal());
        }
        out
    }
}
