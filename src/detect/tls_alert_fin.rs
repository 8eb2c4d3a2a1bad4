//! `tls-alert-fin`: one side closed an idle TLS session with an Encrypted Alert and a FIN.
//!
//! Mechanism: an alert record after ChangeCipherSpec (content type 21, encrypted) from side
//! X, with a FIN from X in the same frame or within [`PAIR_WINDOW_NS`]; the idle time is
//! the gap between the alert and the packet before it. Closes after less than
//! [`MIN_IDLE_S`] are ordinary (`Connection: close`) and not reported. What the peer did
//! next decides the severity: a write that was then reset is an error (a request was lost),
//! otherwise a warning that names the catalogue entry the idle time fits.
//! Seed case: 002 "WAF-HTTPS Encrypted Alert", alert + FIN 119.89 s after the last data, the
//! client's RST 14.95 s later.

use crate::HashMap;

use super::{Config, Detector, Finding, Severity, ep, secs, stream_filter};
use crate::app::AppEvent;
use crate::app::tls::TlsEvent;
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;

pub const ABOUT: &str = "a proxy closing an idle TLS session with an Encrypted Alert and a FIN (WAF 120 s, nginx 75 s)";

const PAIR_WINDOW_NS: i64 = 50_000_000;
const MIN_IDLE_S: f64 = 5.0;

#[derive(Debug, Clone, Copy)]
struct At {
    frame: u64,
    ts: Timestamp,
}

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
    peer_rst: Option<At>,
    /// A RST from the closer after the peer wrote.
    closer_rst: Option<At>,
}

#[derive(Default)]
struct StreamState {
    prev: Option<At>,
    last: Option<(At, bool)>,
    close: Option<usize>,
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

    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        if evicted {
            self.streams.remove(&c.summary.stream);
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        let st = self.streams.entry(i.placement.stream).or_default();
        let here = At { frame: f.frame, ts: f.ts };
        st.prev = st.last.map(|(a, _)| a);
        st.last = Some((here, t.flags.fin()));
        let Some(c) = st.close.and_then(|k| self.closes.get_mut(k)) else { return };
        let dir = i.placement.dir;
        if dir == c.dir {
            if t.flags.fin() && c.fin.is_none() && f.ts.since(c.alert.ts) <= PAIR_WINDOW_NS {
                c.fin = Some(here);
            }
            if t.flags.rst() && c.peer_write.is_some() && c.closer_rst.is_none() {
                c.closer_rst = Some(here);
            }
        } else if c.fin.is_some() {
            if t.flags.rst() {
                c.peer_rst.get_or_insert(here);
            } else if t.seglen.unwrap_or(0) > 0 && !t.flags.fin() {
                c.peer_write.get_or_insert(here);
            } else if t.flags.ack() && c.peer_ack.is_none() && c.peer_write.is_none() {
                c.peer_ack = Some(here);
            }
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        let (AppEvent::Tls(TlsEvent::EncryptedAlert { .. }), Some(stream)) = (e, ctx.stream) else { return };
        let Some(st) = self.streams.get_mut(&stream) else { return };
        if st.close.is_some() {
            return;
        }
        let Some(before) = st.prev else { return };
        let alert = At { frame: f.frame, ts: f.ts };
        let fin_here = st.last.is_some_and(|(a, fin)| a.frame == f.frame && fin);
        self.closes.push(Close {
            stream,
            dir: ctx.dir,
            alert,
            before,
            idle_ns: f.ts.since(before.ts),
            fin: fin_here.then_some(alert),
            peer_ack: None,
            peer_write: None,
            peer_rst: None,
            closer_rst: None,
        });
        st.close = Some(self.closes.len() - 1);
    }
}

impl Detector for TlsAlertFin {
    fn finish(&mut self, a: &Analysis, cfg: &Config) -> Vec<Finding> {
        let t = &cfg.texts;
        let mut out = Vec::new();
        for c in &self.closes {
            let Some(fin) = c.fin else { continue };
            let idle_s = c.idle_ns as f64 / 1e9;
            if idle_s < MIN_IDLE_S {
                continue;
            }
            let Some(conv) = a.conversation(c.stream) else { continue };
            let s = &conv.summary;
            let closer = ep(s.endpoint(c.dir));
            let peer = ep(s.endpoint(1 - c.dir));
            let fits = cfg.timeouts.exceeded_by(idle_s);
            let best = fits.first();
            let m = match best {
                Some(e) => t.get(
                    "idle.match",
                    &[
                        ("name", super::timeouts::best_name(&fits).unwrap_or_else(|| e.name.clone())),
                        ("seconds", format!("{:.0}", e.seconds)),
                    ],
                ),
                None => t.get("idle.nomatch", &[]),
            };
            let mut f = Finding::new("tls-alert-fin", Severity::Warning, Some(c.stream))
                .evidence(c.before.frame, c.before.ts, "last data before idle")
                .evidence(c.alert.frame, c.alert.ts, "Encrypted Alert")
                .evidence(fin.frame, fin.ts, "FIN");
            let peer_text = if let (Some(w), Some(r)) = (c.peer_write, c.closer_rst) {
                f.severity = Severity::Error;
                f = f.evidence(w.frame, w.ts, "peer writes on the closed session").evidence(r.frame, r.ts, "RST");
                t.get(
                    "alertfin.peer.write_rst",
                    &[
                        ("peer", peer.clone()),
                        ("after", secs(w.ts.since(fin.ts))),
                        ("write", w.frame.to_string()),
                        ("frame", r.frame.to_string()),
                    ],
                )
            } else if let Some(r) = c.peer_rst {
                f = f.evidence(r.frame, r.ts, "peer RST");
                t.get(
                    "alertfin.peer.rst",
                    &[("peer", peer.clone()), ("after", secs(r.ts.since(fin.ts))), ("frame", r.frame.to_string())],
                )
            } else if let Some(ack) = c.peer_ack {
                f = f.evidence(ack.frame, ack.ts, "peer ACK");
                t.get("alertfin.peer.ack", &[("peer", peer.clone()), ("frame", ack.frame.to_string())])
            } else {
                t.get("alertfin.peer.none", &[("peer", peer.clone())])
            };
            if best.is_none() && f.severity == Severity::Warning {
                f.severity = Severity::Info;
            }
            f.summary =
                t.get("alertfin.summary", &[("closer", closer.clone()), ("idle", secs(c.idle_ns)), ("match", m)]);
            f.explanation = t.get(
                "alertfin.explanation",
                &[
                    ("alert", c.alert.frame.to_string()),
                    ("fin", fin.frame.to_string()),
                    ("idle", secs(c.idle_ns)),
                    ("before", c.before.frame.to_string()),
                    ("peer", peer_text),
                ],
            );
            let seconds = best.map_or(idle_s, |e| e.seconds);
            f.recommendations.push(t.get(
                "alertfin.rec.pool",
                &[("seconds", format!("{seconds:.0}")), ("pool", format!("{:.0}", (seconds * 0.8).floor().max(1.0)))],
            ));
            if let Some(e) = best.filter(|e| !e.fix.is_empty()) {
                f.recommendations.push(t.get("alertfin.rec.server", &[("fix", e.fix_in(t.lang))]));
            }
            f.display_filter = stream_filter(c.stream, Some(c.before.frame));
            let mut f = f.fact("idle_s", (idle_s * 1000.0).round() / 1000.0);
            if let Some(e) = best {
                f = f.fact("matches", e.key.clone());
            }
            out.push(f.seal());
        }
        out
    }
}
