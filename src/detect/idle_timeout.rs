//! `idle-timeout`: a connection sat idle longer than a middlebox allows, and the next send
//! met a RST, silence, or a close.
//!
//! Mechanism: per stream, a gap of at least [`MIN_IDLE_S`] between two packets opens a
//! candidate; the packets that follow (up to [`WATCH_PACKETS`] or [`WATCH_S`]) decide it:
//! - the first packet after the gap is data/ACK from X and a RST from the other side follows:
//!   reset (error when a catalogue timeout fits the gap, warning otherwise);
//! - X sends after the gap and only X's retransmissions follow: silence (same severities);
//! - the first packet after the gap is X's FIN: X closed the idle connection (info), or, if
//!   the other side's next send is then reset, an error;
//! - a TLS Encrypted Alert with the FIN is left to `tls-alert-fin`.
//!
//! The RST's TTL is compared with that side's usual TTL: a different TTL means another
//! device generated it (the seed's SLB, our lab's NAT). Seed case: 002, "2.1", a POST sent
//! 14.66 s after the last packet, through an SLB with a 15 s keep-alive timeout, got a RST.

use crate::HashMap;

use super::{Config, Detector, Finding, Severity, ep, secs, stream_filter};
use crate::app::AppEvent;
use crate::app::tls::TlsEvent;
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp, TcpFlags};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;

pub const ABOUT: &str = "a keep-alive connection idle past a middlebox's timeout, then reset, unanswered or closed";

/// Shorter gaps are ordinary think time. 5 s is below every catalogue entry, so that a RST
/// after a gap that fits no entry is still reported (at a lower severity).
const MIN_IDLE_S: f64 = 5.0;
const WATCH_PACKETS: usize = 24;
const WATCH_S: f64 = 30.0;
const MAX_CANDIDATES_PER_STREAM: usize = 4;
/// Data answered by its sender's FIN within this time is that side closing in turn.
const CLOSE_ECHO_NS: i64 = 200_000_000;

#[derive(Debug, Clone, Copy)]
struct Pkt {
    frame: u64,
    ts: Timestamp,
    dir: usize,
    flags: TcpFlags,
    seglen: u32,
    ttl: u8,
    retx: bool,
}

#[derive(Debug, Clone)]
struct Candidate {
    stream: u32,
    before: Pkt,
    gap_ns: i64,
    after: Vec<Pkt>,
    tls_alert: bool,
}

#[derive(Debug, Default)]
struct StreamState {
    last: Option<Pkt>,
    had_payload: bool,
    /// TTL counts per direction: (ttl, count) for the first four seen (count 0 = free slot);
    /// inline, so no allocation per stream.
    ttl: [[(u8, u32); 4]; 2],
    open: Option<usize>,
    candidates: usize,
}

#[derive(Default)]
pub struct IdleTimeout {
    streams: HashMap<u32, StreamState>,
    candidates: Vec<Candidate>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(IdleTimeout::default())
}

impl Observer for IdleTimeout {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        if evicted {
            self.streams.remove(&c.summary.stream);
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        let stream = i.placement.stream;
        let p = Pkt {
            frame: f.frame,
            ts: f.ts,
            dir: i.placement.dir,
            flags: t.flags,
            seglen: t.seglen.unwrap_or(0),
            ttl: f.ip.map_or(0, |ip| ip.ttl),
            retx: i.analysis.is_some_and(|a| a.is_any_retransmission()),
        };
        let st = self.streams.entry(stream).or_default();
        if let Some(ttls) = st.ttl.get_mut(p.dir) {
            if !p.flags.rst() {
                if let Some((_, n)) = ttls.iter_mut().find(|(t, n)| *t == p.ttl && *n > 0) {
                    *n += 1;
                } else if let Some(free) = ttls.iter_mut().find(|(_, n)| *n == 0) {
                    *free = (p.ttl, 1);
                }
            }
        }
        // Feed an open candidate.
        if let Some(idx) = st.open {
            match self.candidates.get_mut(idx) {
                Some(c)
                    if c.after.len() < WATCH_PACKETS
                        && p.ts.since(c.before.ts) as f64 / 1e9 < c.gap_ns as f64 / 1e9 + WATCH_S =>
                {
                    c.after.push(p)
                }
                _ => st.open = None,
            }
        }
        if let Some(last) = st.last {
            let gap = p.ts.since(last.ts);
            if gap as f64 / 1e9 >= MIN_IDLE_S && st.had_payload && st.candidates < MAX_CANDIDATES_PER_STREAM {
                self.candidates.push(Candidate { stream, before: last, gap_ns: gap, after: vec![p], tls_alert: false });
                st.open = Some(self.candidates.len() - 1);
                st.candidates += 1;
            }
        }
        st.had_payload |= p.seglen > 0;
        st.last = Some(p);
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        if let (AppEvent::Tls(TlsEvent::EncryptedAlert { .. }), Some(stream)) = (e, ctx.stream) {
            if let Some(c) = self.candidates.iter_mut().rev().find(|c| c.stream == stream) {
                if c.after.first().is_some_and(|p| p.frame == f.frame) {
                    c.tls_alert = true;
                }
            }
        }
    }
}

fn usual_ttl(ttls: &[(u8, u32)]) -> Option<u8> {
    ttls.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map(|(t, _)| *t)
}

enum Outcome {
    Reset { rst: Pkt },
    Silence { last_retx: Pkt },
    Closed { fin: Pkt, reset: Option<(Pkt, Pkt)> },
}

fn classify(c: &Candidate) -> Option<Outcome> {
    let first = *c.after.first()?;
    let x = first.dir;
    if first.flags.fin() || first.flags.rst() {
        if c.tls_alert {
            return None;
        }
        // Did the other side send data later and get reset? Data followed at once by that
        // side's own FIN is its half of the close (a TLS close_notify), not a request.
        let own_close_follows = |w: &Pkt| {
            c.after
                .iter()
                .any(|p| p.dir == w.dir && p.flags.fin() && p.frame >= w.frame && p.ts.since(w.ts) <= CLOSE_ECHO_NS)
        };
        let later_send = c.after.iter().skip(1).find(|p| p.dir != x && p.seglen > 0 && !own_close_follows(p));
        let reset = later_send
            .and_then(|w| c.after.iter().find(|p| p.frame > w.frame && p.flags.rst() && p.dir == x).map(|r| (*w, *r)));
        return Some(Outcome::Closed { fin: first, reset });
    }
    if let Some(rst) = c.after.iter().skip(1).find(|p| p.flags.rst() && p.dir != x) {
        return Some(Outcome::Reset { rst: *rst });
    }
    // Silence: X keeps (re)sending, the other side never answers.
    let answered = c.after.iter().skip(1).any(|p| p.dir != x);
    let retx: Vec<&Pkt> = c.after.iter().skip(1).filter(|p| p.dir == x && p.retx).collect();
    if !answered && first.seglen > 0 && retx.len() >= 2 {
        return retx.last().map(|p| Outcome::Silence { last_retx: **p });
    }
    None
}

impl Detector for IdleTimeout {
    fn finish(&mut self, a: &Analysis, cfg: &Config) -> Vec<Finding> {
        let t = &cfg.texts;
        let mut out = Vec::new();
        for c in &self.candidates {
            let Some(outcome) = classify(c) else { continue };
            let Some(conv) = a.conversation(c.stream) else { continue };
            let s = &conv.summary;
            let name = |dir: usize| ep(s.endpoint(dir));
            let Some(first) = c.after.first() else { continue };
            let idle_s = c.gap_ns as f64 / 1e9;
            let idle = secs(c.gap_ns);
            let fits = cfg.timeouts.exceeded_by(idle_s);
            let best = fits.first();
            let m = match best {
                Some(e) => t.get(
                    "idle.match",
                    &[
                        ("name", super::timeouts::best_name(&fits).unwrap_or_else(|| e.name.clone())),
                        ("seconds", fmt_s(e.seconds)),
                    ],
                ),
                None => t.get("idle.nomatch", &[]),
            };
            let x = first.dir;
            // A peer that had already sent its FIN before the gap closed the connection
            // itself; a later write meeting its RST is not an idle timeout (tls-alert-fin and
            // the close itself explain it).
            let peer_closed_before = s.sides.get(1 - x).and_then(|d| d.fin_frame).is_some_and(|f| f <= c.before.frame);
            if peer_closed_before && !matches!(outcome, Outcome::Closed { .. }) {
                continue;
            }
            let (severity, summary, mut f) = match &outcome {
                Outcome::Reset { rst } => {
                    let sev = if best.is_some() { Severity::Error } else { Severity::Warning };
                    let summary = t.get(
                        "idle.summary.reset",
                        &[
                            ("sender", name(x)),
                            ("idle", idle.clone()),
                            ("resetter", name(rst.dir)),
                            ("match", m.clone()),
                        ],
                    );
                    let f = Finding::new("idle-timeout", sev, Some(c.stream))
                        .evidence(first.frame, first.ts, "first packet after idle")
                        .evidence(rst.frame, rst.ts, "RST");
                    (sev, summary, f)
                }
                Outcome::Silence { last_retx } => {
                    let sev = if best.is_some() { Severity::Error } else { Severity::Warning };
                    let summary = t.get(
                        "idle.summary.silence",
                        &[("sender", name(x)), ("idle", idle.clone()), ("match", m.clone())],
                    );
                    let f = Finding::new("idle-timeout", sev, Some(c.stream))
                        .evidence(first.frame, first.ts, "first packet after idle")
                        .evidence(last_retx.frame, last_retx.ts, "last unanswered retransmission");
                    (sev, summary, f)
                }
                Outcome::Closed { fin, reset } => {
                    let (sev, key) = match reset {
                        Some(_) => (
                            if best.is_some() { Severity::Error } else { Severity::Warning },
                            "idle.summary.closed_then_reset",
                        ),
                        None if best.is_some() => (Severity::Info, "idle.summary.closed"),
                        None => continue,
                    };
                    let summary = t.get(
                        key,
                        &[("closer", name(x)), ("peer", name(1 - x)), ("idle", idle.clone()), ("match", m.clone())],
                    );
                    let role = if fin.flags.rst() { "RST after idle" } else { "FIN after idle" };
                    let mut f = Finding::new("idle-timeout", sev, Some(c.stream)).evidence(fin.frame, fin.ts, role);
                    if let Some((w, r)) = reset {
                        f = f.evidence(w.frame, w.ts, "send on the closed connection").evidence(r.frame, r.ts, "RST");
                    }
                    (sev, summary, f)
                }
            };
            f = f.evidence(c.before.frame, c.before.ts, "last packet before idle");
            // Who sent the RST, by TTL.
            let rst = match &outcome {
                Outcome::Reset { rst } => Some(*rst),
                Outcome::Closed { reset: Some((_, r)), .. } => Some(*r),
                _ => None,
            };
            let who = rst
                .and_then(|r| {
                    let st = self.streams.get(&c.stream)?;
                    let usual = usual_ttl(st.ttl.get(r.dir)?)?;
                    (usual != r.ttl).then(|| {
                        t.get(
                            "idle.who.middlebox",
                            &[("rst_ttl", r.ttl.to_string()), ("peer", name(r.dir)), ("peer_ttl", usual.to_string())],
                        )
                    })
                })
                .unwrap_or_default();
            let mut recs = Vec::new();
            match best {
                Some(e) => {
                    if !e.fix.is_empty() {
                        recs.push(t.get("idle.rec.raise", &[("fix", e.fix_in(t.lang))]));
                    }
                    let pool = (e.seconds * 0.66).floor().max(1.0);
                    recs.push(t.get("idle.rec.pool", &[("seconds", fmt_s(e.seconds)), ("pool", fmt_s(pool))]));
                    recs.push(t.get("idle.rec.keepalive", &[("ka", fmt_s((e.seconds / 2.0).floor().max(1.0)))]));
                }
                None => recs.push(t.get("idle.rec.measure", &[("idle", idle.clone())])),
            }
            f.summary = summary;
            f.explanation = t
                .get(
                    "idle.explanation",
                    &[
                        ("idle", idle.clone()),
                        ("before", c.before.frame.to_string()),
                        ("after", first.frame.to_string()),
                        ("who", who.clone()),
                    ],
                )
                .trim_end()
                .to_string();
            f.display_filter = stream_filter(c.stream, Some(c.before.frame));
            f.recommendations = recs;
            f.severity = severity;
            let mut f = f.fact("idle_s", (idle_s * 1000.0).round() / 1000.0);
            if let Some(e) = best {
                f = f.fact("matches", e.key.clone());
            }
            let also: Vec<String> = fits.iter().skip(1).map(|e| e.key.clone()).collect();
            if !also.is_empty() {
                f = f.fact("also_exceeds", also);
            }
            if !who.is_empty() {
                f = f.fact("rst_from_middlebox", true);
            }
            out.push(f.seal());
        }
        out
    }
}

fn fmt_s(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.2}") }
}
