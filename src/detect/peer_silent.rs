//! `peer-silent`: a connection whose peer stopped answering. The sender resends the same
//! segment again and again with a doubling back-off (RFC 6298 section 5.5: 0.2, 0.4, 0.8,
//! 1.6 s... on Linux) and nothing comes back: the peer, or the path to it, is gone (a
//! crashed host, a NAT or SLB that dropped the session, a black-holed route, a security
//! group changed mid-connection). The most common failure there is, and the hardest to see
//! in Wireshark: nothing marks the silence, only the resends.
//!
//! Mechanism: per stream direction, the oldest segment sent since the peer last spoke opens
//! a watch; each resend of data or FIN (Wireshark's `retransmission`, not
//! `fast_retransmission`, which needs the peer's duplicate ACKs) counts a retry; the peer
//! answers, and closes it, with an ACK over the segment or anything it sends afresh (an ACK,
//! a duplicate ACK, new data: it hears us). The peer's own resends with an old ACK do not
//! answer: it is alive, but nothing of ours reaches it (one direction of the path is gone). At the end of the stream a watch with at least
//! [`MIN_RETRIES`] retries over at least [`MIN_SILENT_S`] is a silent peer; how it ended
//! is said (the sender reset or closed, stopped retrying, or the capture ended).
//!
//! Look-alikes, kept apart:
//! - a peer that was only slow answered in the end: `info`, with the length of the stall;
//! - the idle-timeout case (a request after idle answered by a RST) has an answer, the RST;
//! - zero window: the peer ACKs and advertises 0, it is not silent;
//! - a loss storm: the peer's duplicate ACKs keep coming;
//! - SYNs retried into silence are `connect-failure`'s (a connection never made); a
//!   SYN/ACK never acknowledged is its `noack` case;
//! - a FIN resent into silence after the data was delivered lost nothing: `info`.
//!
//! The claim rests on the sender's own behaviour, not on the absence of packets: a sender
//! that backs off has received no acknowledgement, whether or not the capture holds the
//! peer's direction (a one-way capture weakens "no answer" claims elsewhere, not this one).

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
use crate::tcp::seq::Seq;

/// The messages of this detector's findings: `locales/<lang>/peer-silent.ftl`.
pub const MESSAGES: &[&str] = &[
    "ps-summary",
    "ps-peer-resends",
    "ps-summary-slow",
    "ps-explanation",
    "ps-explanation-slow",
    "ps-end-reset",
    "ps-end-peer-reset",
    "ps-end-fin",
    "ps-end-gave-up",
    "ps-end-capture",
    "ps-where-sender",
    "ps-where-path",
    "ps-rec-peer",
    "ps-rec-path",
    "ps-rec-other-end",
    "ps-role-first",
    "ps-role-heard",
    "ps-heard",
    "ps-never-heard",
    "ps-role-last-retry",
    "ps-role-end",
    "ps-role-answer",
    "ps-role-peer-reset",
    "confirm-peer-silent",
];
pub const ABOUT: &str = "a peer that stopped answering: the same segment resent with back-off and nothing back (who, from when, how it ended)";

/// Resends of the oldest unanswered segment that make a silence (Linux's third resend comes
/// about 1.4 s after the original at its minimum RTO; a single lost segment is resent once).
pub const MIN_RETRIES: u32 = 3;
/// And the silence lasted at least this long, from the first send to the last resend.
pub const MIN_SILENT_S: f64 = 1.0;
/// A sender that has not resent for this long before the end of its stream stopped trying.
const GAVE_UP_S: f64 = 10.0;
/// Streams watched at once, at most.
const MAX_LIVE: usize = 65_536;
/// Silent peers reported in full; the rest are counted with the first.
const MAX_KEPT: usize = 4_096;

/// One direction's watch: the oldest segment sent since the peer last spoke.
#[derive(Debug, Clone, Copy)]
struct Watch {
    /// The first resend.
    first: At,
    /// The peer's last packet on the connection before it, if the capture holds one.
    heard: Option<At>,
    /// The watched segment's first sequence number: an ACK past it answers it.
    seq: Seq,
    /// The peer's own resends meanwhile: it is alive but hears nothing of ours.
    peer_resends: u32,
    retries: u32,
    last_retry: Option<At>,
    /// A segment of the watch carried data (not only a FIN): data is what waits.
    data: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Live {
    watch: [Option<Watch>; 2],
    /// The longest closed watch that reached the threshold: (sender dir, watch, answer).
    slow: Option<(usize, Watch, At)>,
}

/// A silence, copied when its stream ended.
#[derive(Debug, Clone)]
struct Silence {
    stream: u32,
    flow: FlowRef,
    sender: SocketAddr,
    peer: SocketAddr,
    watch: Watch,
    /// The peer answered at this frame (a slow peer), or never.
    answer: Option<At>,
    end: End,
    /// The sender's packets carry an initial TTL: the capture is at the sender.
    at_sender: bool,
}

#[derive(Debug, Clone, Copy)]
enum End {
    Reset(At),
    /// The silent peer reset the connection in the end (it gave up waiting too).
    PeerReset(At),
    Fin(At),
    GaveUp,
    Capture,
}

#[derive(Default)]
pub struct PeerSilent {
    live: HashMap<u32, Live>,
    /// Per silent peer endpoint, the silences toward it.
    found: BTreeMap<SocketAddr, Vec<Silence>>,
    last_ts: crate::capture::Timestamp,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(PeerSilent::default())
}

fn long_enough(w: &Watch) -> bool {
    let span = w.last_retry.map_or(0, |r| r.ts.since(w.first.ts));
    w.retries >= MIN_RETRIES && span as f64 / 1e9 >= MIN_SILENT_S
}

impl Observer for PeerSilent {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::FRAME | Hooks::STREAM_END
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        self.last_ts = self.last_ts.max(f.ts);
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if i.duplicate {
            return;
        }
        let dir = i.placement.dir.min(1);
        let at = At { frame: f.frame, ts: f.ts };
        let flags = i.analysis.unwrap_or_default();
        // The client's SYN is connect-failure's: a connection never made.
        let client_syn = t.flags.syn() && !t.flags.ack();
        // A SYN/ACK never acknowledged is connect-failure's too (its `noack` case).
        // Data already acknowledged (a keep-alive probe, a spurious resend) is not waiting.
        let stale = flags.has(AnalysisFlags::SPURIOUS_RETRANSMISSION) || flags.has(AnalysisFlags::KEEP_ALIVE);
        let data = t.seglen.unwrap_or(0) > 0 && !stale;
        let occupies = (data || t.flags.fin()) && !t.flags.syn();
        let resend = flags.is_any_retransmission()
            && !flags.has(AnalysisFlags::FAST_RETRANSMISSION)
            && !flags.has(AnalysisFlags::SPURIOUS_RETRANSMISSION);
        // A stream is watched from its first resend on: most streams never resend, and the
        // resend itself shows the original went unacknowledged for a whole RTO. (Watching
        // every stream from its first byte cost 38 MB with 100,000 connections open.)
        let opens = resend && occupies && !client_syn && !t.flags.rst();
        let room = self.live.len() < MAX_LIVE;
        let live = match self.live.entry(i.placement.stream) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) if opens && room => v.insert(Live::default()),
            std::collections::hash_map::Entry::Vacant(_) => return,
        };
        // The peer answered: an ACK over the watched segment, or anything it sends afresh
        // (new data, an ACK or a duplicate ACK: it hears us). Its own resends with an old
        // ACK answer nothing: it is alive, but what we send does not reach it.
        let peer_resend = flags.is_any_retransmission();
        // A RST answers nothing either: the peer gave up too (its end is told at the end).
        let answers = |w: &Watch| !t.flags.rst() && ((t.flags.ack() && Seq(t.ack).gt(w.seq)) || !peer_resend);
        if let Some(w) = live.watch.get_mut(1 - dir).and_then(|w| w.as_mut()) {
            if !answers(w) {
                w.peer_resends = w.peer_resends.saturating_add(1);
            }
        }
        let answered = live.watch.get(1 - dir).copied().flatten().filter(|w| answers(w));
        if let Some(w) = answered {
            if let Some(slot) = live.watch.get_mut(1 - dir) {
                *slot = None;
            }
            let longer = live.slow.is_none_or(|(_, s, answer)| at.ts.since(w.first.ts) > answer.ts.since(s.first.ts));
            if long_enough(&w) && longer {
                live.slow = Some((1 - dir, w, at));
            }
        }
        if occupies && !client_syn && !t.flags.rst() {
            if let Some(slot) = live.watch.get_mut(dir) {
                match slot {
                    Some(w) => {
                        w.data |= data;
                        if resend {
                            w.retries += 1;
                            w.last_retry = Some(at);
                        }
                    }
                    None if resend => {
                        // The last the capture heard from the peer on this connection.
                        let heard = c
                            .summary
                            .sides
                            .get(1 - dir)
                            .and_then(|p| Some(At { frame: p.last_frame?, ts: p.last_ts? }));
                        *slot = Some(Watch {
                            first: at,
                            heard,
                            seq: Seq(t.seq),
                            peer_resends: 0,
                            retries: 1,
                            last_retry: Some(at),
                            data,
                        });
                    }
                    None => {}
                }
            }
        }
        // Nothing waiting and nothing to report: let the stream go.
        if live.watch.iter().all(Option::is_none) && live.slow.is_none() {
            self.live.remove(&i.placement.stream);
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let Some(live) = self.live.remove(&c.summary.stream) else { return };
        let s = &c.summary;
        let open = (0..2).find_map(|d| live.watch.get(d).copied().flatten().filter(long_enough).map(|w| (d, w, None)));
        let found = open.or(live.slow.map(|(d, w, answer)| (d, w, Some(answer))));
        let Some((dir, watch, answer)) = found else { return };
        let Some(side) = s.sides.get(dir) else { return };
        let last_retry = watch.last_retry.unwrap_or(watch.first);
        let after = |fr: Option<u64>| fr.filter(|&f| f >= watch.first.frame);
        let peer_side = s.sides.get(1 - dir);
        let end = if answer.is_some() {
            End::Capture
        } else if let Some(r) = after(peer_side.and_then(|p| p.rst_frame)) {
            End::PeerReset(At { frame: r, ts: peer_side.and_then(|p| p.last_ts).unwrap_or(last_retry.ts) })
        } else if let Some(r) = after(side.rst_frame) {
            End::Reset(At { frame: r, ts: side.last_ts.unwrap_or(last_retry.ts) })
        } else if let Some(fin) = after(side.fin_frame).filter(|&f| f > last_retry.frame) {
            End::Fin(At { frame: fin, ts: side.last_ts.unwrap_or(last_retry.ts) })
        } else if self.last_ts.since(last_retry.ts) as f64 / 1e9 >= GAVE_UP_S {
            End::GaveUp
        } else {
            End::Capture
        };
        let (sender, peer) = (s.endpoint(dir), s.endpoint(1 - dir));
        let list = self.found.entry(peer).or_default();
        if list.len() < MAX_KEPT {
            list.push(Silence {
                stream: s.stream,
                flow: c.flow_ref(),
                sender,
                peer,
                watch,
                answer,
                end,
                at_sender: matches!(side.ttl, 32 | 64 | 128 | 255),
            });
        }
    }
}

impl Detector for PeerSilent {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for list in self.found.values() {
            // The silent ones first, then the longest.
            let Some(x) = list.iter().min_by_key(|x| (x.answer.is_some(), x.stream)) else { continue };
            let silent: Vec<&Silence> = list.iter().filter(|x| x.answer.is_none()).collect();
            let more = if x.answer.is_none() { silent.len() - 1 } else { 0 };
            let w = &x.watch;
            let last = w.last_retry.unwrap_or(w.first);
            let span = secs(last.ts.since(w.first.ts));
            // A close nobody acknowledged lost nothing (the data was delivered before it):
            // a mechanism without a victim.
            let sev = if x.answer.is_some() || !w.data { Severity::Info } else { Severity::Error };
            let mut f = Finding::new("peer-silent", sev, Some(x.stream));
            f.flow = Some(x.flow);
            f = f.evidence(w.first.frame, w.first.ts, msg!("ps-role-first"));
            f = f.evidence(last.frame, last.ts, msg!("ps-role-last-retry", n = w.retries));
            let end_msg = match x.end {
                End::Reset(r) => {
                    f = f.evidence(r.frame, r.ts, msg!("ps-role-end"));
                    msg!("ps-end-reset", sender = ep(x.sender), frame = r.frame)
                }
                End::PeerReset(r) => {
                    f = f.evidence(r.frame, r.ts, msg!("ps-role-peer-reset"));
                    msg!("ps-end-peer-reset", peer = ep(x.peer), frame = r.frame)
                }
                End::Fin(r) => {
                    f = f.evidence(r.frame, r.ts, msg!("ps-role-end"));
                    msg!("ps-end-fin", sender = ep(x.sender), frame = r.frame)
                }
                End::GaveUp => msg!("ps-end-gave-up", sender = ep(x.sender)),
                End::Capture => msg!("ps-end-capture"),
            };
            let where_ = if x.at_sender {
                msg!("ps-where-sender", sender = ep(x.sender), peer = ep(x.peer))
            } else {
                msg!("ps-where-path", sender = ep(x.sender), peer = ep(x.peer))
            };
            let from = x.watch.first;
            if let Some(a) = x.answer {
                f = f.evidence(a.frame, a.ts, msg!("ps-role-answer"));
                let stall = secs(a.ts.since(from.ts));
                f.summary = msg!("ps-summary-slow", peer = ep(x.peer), sender = ep(x.sender), secs = stall.clone());
                f.explanation = msg!(
                    "ps-explanation-slow",
                    peer = ep(x.peer),
                    sender = ep(x.sender),
                    frame = from.frame,
                    retries = w.retries,
                    secs = stall,
                    answer = a.frame
                );
            } else {
                f.summary = msg!(
                    "ps-summary",
                    peer = ep(x.peer),
                    sender = ep(x.sender),
                    retries = w.retries,
                    secs = span.clone(),
                    more = more
                );
                let heard = match w.heard {
                    Some(h) => {
                        f = f.evidence(h.frame, h.ts, msg!("ps-role-heard"));
                        msg!("ps-heard", peer = ep(x.peer), frame = h.frame, secs = secs(last.ts.since(h.ts)))
                    }
                    None => msg!("ps-never-heard", peer = ep(x.peer)),
                };
                f.explanation = Message::sentences(vec![
                    msg!(
                        "ps-explanation",
                        peer = ep(x.peer),
                        sender = ep(x.sender),
                        frame = from.frame,
                        retries = w.retries,
                        secs = span.clone()
                    ),
                    heard,
                    if w.peer_resends > 0 {
                        msg!("ps-peer-resends", peer = ep(x.peer), sender = ep(x.sender), n = w.peer_resends)
                    } else {
                        Message::new("empty")
                    },
                    end_msg,
                    where_,
                ]);
                f.recommendations = vec![
                    msg!("ps-rec-peer", peer = ep(x.peer)),
                    msg!("ps-rec-path", peer = ep(x.peer), sender = ep(x.sender)),
                    msg!("ps-rec-other-end", peer = ep(x.peer)),
                ];
            }
            f.display_filter = stream_filter(x.stream, Some(w.heard.map_or(from.frame, |h| h.frame.min(from.frame))));
            f.covers = list.iter().filter(|s| s.answer.is_none() == x.answer.is_none()).map(|s| s.stream).collect();
            let end_kind = match x.end {
                End::Reset(_) => "reset",
                End::PeerReset(_) => "peer-reset",
                End::Fin(_) => "fin",
                End::GaveUp => "gave-up",
                End::Capture if x.answer.is_some() => "answered",
                End::Capture => "capture-ended",
            };
            out.push(
                f.fact("silent_peer", ep(x.peer))
                    .fact("sender", ep(x.sender))
                    .fact("retries", w.retries)
                    .fact("silent_s", (last.ts.since(from.ts) as f64 / 1e6).round() / 1e3)
                    .fact("ended", end_kind)
                    .fact("streams", if x.answer.is_none() { silent.len() } else { 1 })
                    .seal(),
            );
        }
        out
    }
}
