//! `zero-window`: a receiver stopped reading its socket. It advertised a window of 0 for
//! longer than [`MIN_STALL_S`] while the sender probed (Wireshark's `tcp.analysis.zero_window`
//! and `zero_window_probe`): the sender's data waited, which is the victim.
//!
//! Mechanism: per stream direction, the first frame Wireshark flags `zero_window` opens a
//! stall; the receiver's next segment with a non-zero window closes it (the window reopened);
//! the sender's probes meanwhile are counted (Wireshark's `zero_window_probe`, and the
//! `keep_alive` it calls Linux's window probes, which carry an old sequence number). A stall shorter than [`MIN_STALL_S`] is the
//! ordinary flow control of a busy reader and is not reported. Capture copies are skipped.
//! The longest stall of each stream is kept when the stream ends; the finding names the
//! worst stream and counts the others that stalled toward the same receiver.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::{At, Config, Detector, Finding, Severity, ep, secs, stream_filter};
use crate::HashMap;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::Message;
use crate::msg;
use crate::tcp::analysis::AnalysisFlags;

/// The messages of this detector's findings: `locales/<lang>/zero-window.ftl`.
pub const MESSAGES: &[&str] = &[
    "zw-summary",
    "zw-summary-closed",
    "zw-more",
    "zw-explanation",
    "zw-reopened",
    "zw-never",
    "zw-rec-app",
    "zw-rec-buffer",
    "zw-role-first",
    "zw-role-probe",
    "zw-role-reopen",
    "confirm-zero-window",
];
pub const ABOUT: &str =
    "a receiver advertising a zero window for over a second while the sender probes: it stopped reading";

/// Shorter stalls are a busy reader's ordinary flow control.
const MIN_STALL_S: f64 = 1.0;
/// Streams with an open stall, at most (the rest are not watched).
const MAX_OPEN: usize = 10_000;
/// Receivers kept for the report.
const MAX_RECEIVERS: usize = 1_000;

/// One stall: the receiver's side index, its first zero window, probes, the reopening.
#[derive(Debug, Clone, Copy)]
struct Stall {
    receiver_dir: usize,
    first: At,
    last_zero: At,
    probes: u32,
    first_probe: Option<At>,
    reopened: Option<At>,
}

impl Stall {
    fn duration_ns(&self) -> i64 {
        self.reopened.unwrap_or(self.last_zero).ts.since(self.first.ts)
    }
}

/// The worst stall of an ended stream.
#[derive(Debug, Clone, Copy)]
struct Ended {
    stream: u32,
    flow: FlowRef,
    receiver: SocketAddr,
    sender: SocketAddr,
    stall: Stall,
    /// The stream ended by a RST while (or after) the window was shut.
    reset: bool,
}

#[derive(Default)]
pub struct ZeroWindow {
    /// stream → (open stall, worst closed stall)
    live: HashMap<u32, (Option<Stall>, Option<Stall>)>,
    ended: BTreeMap<SocketAddr, Vec<Ended>>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(ZeroWindow::default())
}

fn worse(a: Option<Stall>, b: Stall) -> Stall {
    match a {
        Some(a) if a.duration_ns() >= b.duration_ns() => a,
        _ => b,
    }
}

impl Observer for ZeroWindow {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        if i.duplicate {
            return;
        }
        let flags = i.analysis.unwrap_or_default();
        let s = i.placement.stream;
        let dir = i.placement.dir;
        let at = At { frame: f.frame, ts: f.ts };
        if flags.has(AnalysisFlags::ZERO_WINDOW) {
            if !self.live.contains_key(&s) && self.live.len() >= MAX_OPEN {
                return;
            }
            let e = self.live.entry(s).or_default();
            match &mut e.0 {
                Some(st) if st.receiver_dir == dir => st.last_zero = at,
                _ => {
                    e.0 = Some(Stall {
                        receiver_dir: dir,
                        first: at,
                        last_zero: at,
                        probes: 0,
                        first_probe: None,
                        reopened: None,
                    })
                }
            }
            return;
        }
        let Some(e) = self.live.get_mut(&s) else { return };
        let Some(st) = e.0.as_mut() else { return };
        if dir != st.receiver_dir {
            // Linux probes a shut window with a segment of old sequence that Wireshark calls
            // a keep-alive; other stacks send a byte Wireshark calls a zero-window probe.
            if flags.has(AnalysisFlags::ZERO_WINDOW_PROBE) || flags.has(AnalysisFlags::KEEP_ALIVE) {
                st.probes += 1;
                st.first_probe.get_or_insert(at);
            }
        } else if t.window.is_some_and(|w| w > 0) {
            st.reopened = Some(at);
            let closed = *st;
            e.0 = None;
            e.1 = Some(worse(e.1, closed));
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let Some((open, closed)) = self.live.remove(&c.summary.stream) else { return };
        let worst = match (open, closed) {
            (Some(o), c2) => worse(c2, o),
            (None, Some(c2)) => c2,
            (None, None) => return,
        };
        if (worst.duration_ns() as f64) / 1e9 < MIN_STALL_S {
            return;
        }
        let s = &c.summary;
        // The victim is the sender's waiting data: a capture that holds none of the
        // sender's packets on this stream (one direction only) cannot show it.
        if s.sides.get(1 - worst.receiver_dir).is_none_or(|d| d.packets == 0) {
            return;
        }
        let (receiver, sender) = (s.endpoint(worst.receiver_dir), s.endpoint(1 - worst.receiver_dir));
        let reset = s.sides.iter().any(|d| d.rst_frame.is_some());
        if !self.ended.contains_key(&receiver) && self.ended.len() >= MAX_RECEIVERS {
            return;
        }
        let v = self.ended.entry(receiver).or_default();
        if v.len() < 100 {
            v.push(Ended { stream: s.stream, flow: c.flow_ref(), receiver, sender, stall: worst, reset });
        }
    }
}

impl Detector for ZeroWindow {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for list in self.ended.values() {
            let Some(w) = list.iter().max_by_key(|e| e.stall.duration_ns()) else { continue };
            let st = &w.stall;
            let dur = secs(st.duration_ns());
            let never = st.reopened.is_none();
            let sev = if never && w.reset { Severity::Error } else { Severity::Warning };
            let mut f = Finding::new("zero-window", sev, Some(w.stream));
            f.flow = Some(w.flow);
            f = f.evidence(st.first.frame, st.first.ts, msg!("zw-role-first"));
            if let Some(p) = st.first_probe {
                f = f.evidence(p.frame, p.ts, msg!("zw-role-probe"));
            }
            if let Some(r) = st.reopened {
                f = f.evidence(r.frame, r.ts, msg!("zw-role-reopen"));
            }
            let key = if never && w.reset { "zw-summary-closed" } else { "zw-summary" };
            f.summary = Message::new(key)
                .arg("receiver", ep(w.receiver))
                .arg("sender", ep(w.sender))
                .arg("secs", dur.clone())
                .arg("more", list.len() - 1);
            let outcome = match st.reopened {
                Some(r) => msg!("zw-reopened", frame = r.frame),
                None => msg!("zw-never"),
            };
            f.explanation = msg!(
                "zw-explanation",
                receiver = ep(w.receiver),
                sender = ep(w.sender),
                first = st.first.frame,
                secs = dur,
                probes = st.probes,
                outcome = outcome
            );
            f.recommendations = vec![msg!("zw-rec-app", receiver = ep(w.receiver)), msg!("zw-rec-buffer")];
            f.display_filter = stream_filter(w.stream, Some(st.first.frame));
            f.covers = list.iter().map(|e| e.stream).collect();
            let f = f
                .fact("stall_s", (st.duration_ns() as f64 / 1e6).round() / 1e3)
                .fact("probes", st.probes)
                .fact("reopened", st.reopened.is_some())
                .fact("receiver", ep(w.receiver))
                .fact("connections", list.len());
            out.push(f.seal());
        }
        out
    }
}
