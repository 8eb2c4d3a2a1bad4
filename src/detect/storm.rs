//! `retransmission-storm`: loss on one leg of the path, and connection attempts that are
//! never answered.
//!
//! Per sender → receiver host pair, the retransmitted data segments (every frame with
//! `tcp.analysis.retransmission`, which includes fast and spurious ones) are counted against
//! the data segments sent. A storm is at least [`MIN_RETX`] retransmissions and at least
//! [`MIN_RATIO`] of the data segments (warning; twice that ratio is an error). The peak is
//! the most retransmissions in any one-second window. Whether the originals were captured
//! (no "previous segment not captured" in that direction) tells which side of the loss the
//! capture point is on.
//!
//! Capture copies (`TcpInfo::duplicate`: a mirror port recording a packet twice) are not
//! retransmissions and are skipped (corpus `ssh-dups.pcap`: every packet ×4, nothing lost).
//! At the sender, upstream of the loss, Wireshark calls many of the resent segments
//! out-of-order rather than retransmissions (they leave right after newer data, during SACK
//! recovery): when the sender's packets carry an initial TTL (64, 128, 255: sent by this
//! host), an out-of-order data segment it sent counts as a resend too.
//! A segment Wireshark calls a retransmission counts as a resend only when it carries
//! bytes this direction had already sent (its sequence number is below the highest byte
//! seen) and, for IPv4 with identifications, a newer identification than any before: every
//! common stack numbers a resend afresh, so an "out-of-order retransmission" with an older
//! identification is an original the network reordered (corpus `tls-subjectaltname`
//! stream 14), and data Wireshark renumbers after a reused port was never sent before
//! (same capture, stream 3).
//! SYNs retried into silence are not a storm: they are a failed connection, which
//! `connect-failure` reports (with the SYN count), one finding for one problem.

use crate::HashMap;
use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use super::{Config, Detector, Finding, Severity};
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::{Arg, Message};
use crate::msg;
use crate::tcp::analysis::AnalysisFlags;
use crate::tcp::seq::Seq;

/// The messages of this detector's findings: `locales/<lang>/retransmission-storm.ftl`.
pub const MESSAGES: &[&str] = &[
    "storm-summary",
    "storm-explanation",
    "storm-rec-path",
    "storm-rec-capacity",
    "confirm-retransmission-storm",
    "storm-role-first-retx",
    "storm-where-after",
    "storm-where-before",
    "storm-backoff",
];
pub const ABOUT: &str = "retransmissions over 5% of a path's data segments: loss on one leg of the path";

/// At least this many retransmitted segments, so a few in a healthy capture are not a storm.
const MIN_RETX: u64 = 10;
/// And at least this share of the data segments (RFC 6298-style loss above ~1-2% already
/// hurts throughput badly; 5% is unmistakable).
const MIN_RATIO: f64 = 0.05;
const MAX_TRACKED_SEQS: usize = 10_000;
/// Host-pair directions tracked for loss.
const MAX_LEGS: usize = 65_536;

#[derive(Default)]
struct Leg {
    data_segments: u64,
    retx: u64,
    fast: u64,
    lost_markers: u64,
    window: VecDeque<Timestamp>,
    peak: usize,
    first_retx: Option<(u64, Timestamp)>,
    /// Data segments Wireshark flags `tcp.analysis.retransmission` (copies excluded): more
    /// than `retx` when some were reordered originals.
    flagged: u64,
    /// Resends the sender's own capture calls out-of-order (counted in `retx` when the
    /// capture is at the sender).
    out_of_order: u64,
    /// TTLs of this leg's data segments: how many carried an initial TTL (sent from here).
    initial_ttl: u64,
    /// Per stream: (retransmissions, data segments) in this direction.
    per_stream: BTreeMap<u32, (u64, u64)>,
    /// Repeated retransmissions of one sequence number: (stream, seq) -> (last time, gaps),
    /// at most [`MAX_TRACKED_SEQS`] entries; the longest run is the RTO back-off chain.
    repeats: HashMap<(u32, u32), (Timestamp, Vec<f64>)>,
    longest_chain: Vec<f64>,
}

#[derive(Default)]
pub struct Storm {
    legs: HashMap<(IpAddr, IpAddr), Leg>,
    /// Per (stream, direction): the end of the highest byte sent and the newest IPv4
    /// identification, to tell resends from reordered originals.
    sent: HashMap<u32, [Option<Sent>; 2]>,
}

/// One direction's highest byte sent (its end) and newest IPv4 identification.
type Sent = (Seq, Option<u16>);

/// The next identification after `max` in IPv4's wrapping 16-bit space: `id` is newer when
/// it is less than half the space ahead.
fn newer_id(id: u16, max: u16) -> bool {
    let ahead = id.wrapping_sub(max);
    ahead != 0 && ahead < 0x8000
}

/// TTLs a host starts its packets with: a data segment still carrying one was captured on
/// the host that sent it.
fn initial_ttl(ttl: u8) -> bool {
    matches!(ttl, 32 | 64 | 128 | 255)
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(Storm::default())
}

impl Observer for Storm {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        let s = &c.summary;
        self.sent.remove(&s.stream);
        if !evicted {
            return;
        }
        // Keep the stream's retransmission count (for the top streams) only if it has one.
        let (a, b) = (s.first_src.ip(), s.first_dst.ip());
        for key in [(a, b), (b, a)] {
            if let Some(leg) = self.legs.get_mut(&key) {
                if leg.per_stream.get(&s.stream).is_some_and(|n| n.0 == 0) {
                    leg.per_stream.remove(&s.stream);
                }
            }
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _c: &Conversation) {
        let Some(ip) = f.ip else { return };
        let Some(a) = i.analysis else { return };
        if t.seglen.unwrap_or(0) == 0 || i.duplicate {
            return;
        }
        let key = (ip.src, ip.dst);
        if !self.legs.contains_key(&key) && self.legs.len() >= MAX_LEGS {
            return; // bounded: a capture with more host pairs than this is judged on the first ones
        }
        // Was this a resend of bytes already sent, with a fresh identification?
        let seq = Seq(t.seq);
        let end = seq + t.seglen.unwrap_or(0);
        let id = ip.ip_id.filter(|&id| id != 0);
        let room = self.sent.len() < MAX_LEGS * 4;
        let dirs = match self.sent.get_mut(&i.placement.stream) {
            Some(d) => Some(d),
            None if room => Some(self.sent.entry(i.placement.stream).or_default()),
            None => None,
        };
        let resend = match dirs.and_then(|d| d.get_mut(i.placement.dir.min(1))) {
            Some(Some((high, max_id))) => {
                let old_bytes = seq.lt(*high);
                let fresh_id = match (id, *max_id) {
                    (Some(id), Some(max)) => newer_id(id, max),
                    _ => true,
                };
                if end.gt(*high) {
                    *high = end;
                }
                if let (Some(new), Some(max)) = (id, *max_id) {
                    if newer_id(new, max) {
                        *max_id = Some(new);
                    }
                } else if max_id.is_none() {
                    *max_id = id;
                }
                old_bytes && fresh_id
            }
            Some(slot) => {
                *slot = Some((end, id));
                false
            }
            None => false,
        };
        let leg = self.legs.entry(key).or_default();
        leg.data_segments += 1;
        leg.per_stream.entry(i.placement.stream).or_default().1 += 1;
        if a.has(AnalysisFlags::LOST_PACKET) {
            leg.lost_markers += 1;
        }
        leg.initial_ttl += u64::from(initial_ttl(ip.ttl));
        let at_sender = leg.initial_ttl * 2 > leg.data_segments;
        let resent_ooo = at_sender && resend && a.has(AnalysisFlags::OUT_OF_ORDER) && !a.is_any_retransmission();
        leg.out_of_order += u64::from(resent_ooo);
        leg.flagged += u64::from(a.is_any_retransmission());
        if (a.is_any_retransmission() && resend) || resent_ooo {
            leg.retx += 1;
            if a.has(AnalysisFlags::FAST_RETRANSMISSION) {
                leg.fast += 1;
            }
            leg.per_stream.entry(i.placement.stream).or_default().0 += 1;
            if !a.has(AnalysisFlags::FAST_RETRANSMISSION) {
                let key = (i.placement.stream, t.seq);
                let room = leg.repeats.len() < MAX_TRACKED_SEQS;
                match leg.repeats.get_mut(&key) {
                    Some((last, gaps)) => {
                        // Linux's minimum RTO is 200 ms; closer repeats are duplicates.
                        let gap = f.ts.since(*last) as f64 / 1e9;
                        if gap >= 0.1 {
                            gaps.push(gap);
                        }
                        *last = f.ts;
                        if gaps.len() > leg.longest_chain.len() {
                            leg.longest_chain = gaps.clone();
                        }
                    }
                    None if room => {
                        leg.repeats.insert(key, (f.ts, Vec::new()));
                    }
                    None => {}
                }
            }
            leg.first_retx.get_or_insert((f.frame, f.ts));
            leg.window.push_back(f.ts);
            while leg.window.front().is_some_and(|&t0| f.ts.since(t0) > 1_000_000_000) {
                leg.window.pop_front();
            }
            leg.peak = leg.peak.max(leg.window.len());
        }
    }
}

impl Detector for Storm {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut legs: Vec<(&(IpAddr, IpAddr), &Leg)> = self.legs.iter().collect();
        legs.sort_by_key(|(k, _)| **k);
        for ((src, dst), leg) in legs {
            let ratio = leg.retx as f64 / leg.data_segments.max(1) as f64;
            let storm = |retx: u64, ratio: f64| retx >= MIN_RETX && ratio >= MIN_RATIO;
            // A storm on the host pair as a whole, or on any one of its streams.
            let stream_storm = leg.per_stream.values().any(|(r, d)| storm(*r, *r as f64 / (*d).max(1) as f64));
            if !storm(leg.retx, ratio) && !stream_storm {
                continue;
            }
            let sev = if ratio >= 2.0 * MIN_RATIO { Severity::Error } else { Severity::Warning };
            let mut top: Vec<(u32, u64)> =
                leg.per_stream.iter().filter(|(_, n)| n.0 > 0).map(|(s, n)| (*s, n.0)).collect();
            top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            top.truncate(5);
            let main_stream = top.first().map(|x| x.0);
            let mut f = Finding::new("retransmission-storm", sev, main_stream);
            if let Some((frame, ts)) = leg.first_retx {
                f = f.evidence(frame, ts, msg!("storm-role-first-retx"));
            }
            let (sender, receiver) = (src.to_string(), dst.to_string());
            // Originals missing from the capture mean the capture point is past the loss.
            let where_ =
                Message::new(if leg.lost_markers * 2 >= leg.retx { "storm-where-after" } else { "storm-where-before" });
            f.summary = msg!(
                "storm-summary",
                retx = leg.retx,
                pct = format!("{:.1}", ratio * 100.0),
                segments = leg.data_segments,
                sender = sender.clone(),
                receiver = receiver.clone(),
                peak = leg.peak
            );
            let backoff = if leg.longest_chain.is_empty() {
                Message::new("empty")
            } else {
                msg!("storm-backoff", gaps = Arg::list(leg.longest_chain.iter().map(|g| format!("{g:.2} s"))))
            };
            f.explanation = msg!(
                "storm-explanation",
                sender = sender.clone(),
                receiver = receiver.clone(),
                fast = leg.fast,
                rto = leg.retx - leg.fast - leg.out_of_order,
                ooo = leg.out_of_order,
                backoff = backoff,
                place = where_
            );
            f.recommendations = vec![
                msg!("storm-rec-path", sender = sender.clone(), receiver = receiver.clone()),
                msg!("storm-rec-capacity"),
            ];
            f.display_filter = if leg.out_of_order > 0 {
                format!(
                    "ip.src == {src} && ip.dst == {dst} && (tcp.analysis.retransmission || tcp.analysis.out_of_order)"
                )
            } else {
                format!("ip.src == {src} && ip.dst == {dst} && tcp.analysis.retransmission")
            };
            let f = f
                .fact("retransmissions", leg.retx)
                .fact("resent_out_of_order", leg.out_of_order)
                .fact("wireshark_retransmissions", leg.flagged)
                .fact("data_segments", leg.data_segments)
                .fact("ratio", (ratio * 1000.0).round() / 1000.0)
                .fact("peak_per_second", leg.peak)
                .fact("sender", sender)
                .fact("receiver", receiver)
                .fact("capture_point", if leg.lost_markers * 2 >= leg.retx { "after-loss" } else { "before-loss" })
                .fact(
                    "rto_backoff_s",
                    leg.longest_chain.iter().map(|g| (g * 1000.0).round() / 1000.0).collect::<Vec<f64>>(),
                )
                .fact(
                    "top_streams",
                    top.iter().map(|(s, n)| serde_json::json!({"stream": s, "retransmissions": n})).collect::<Vec<_>>(),
                );
            out.push(f.seal());
        }
        out
    }
}
