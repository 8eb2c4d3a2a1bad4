//! What the capture could see: which directions of traffic it holds.
//!
//! A mirror port or cloud traffic mirror set to one direction, `tcpdump -Q in`, a capture
//! filter on `src host`, or asymmetric routing gives a capture that holds only what arrives
//! at (or leaves) one host. Silence in such a capture is the capture's, not the network's:
//! "the server never answered" may be stated only where the answer's direction was
//! captured (docs/ACCURACY.md, "What the capture could see").
//!
//! Two signs, gathered as the engine goes:
//! - per address, whether the capture holds any packet *from* it and any packet *to* it
//!   ([`Visibility::note`], every IP frame): an answer from S to C could have been captured
//!   when the capture holds packets leaving S or packets arriving at C;
//! - per TCP stream, the client's ACKs over a SYN/ACK or data that no captured packet holds
//!   (`StreamSummary::answer_unseen`): the server answered, and the capture missed it. Such
//!   streams name their host pair as one whose answers the capture does not hold.
//!
//! Contract: bounded (at most [`MAX_HOSTS`] addresses each way, [`MAX_PAIRS`] pairs); past
//! a bound it no longer says a direction is missing ([`Visibility::answer_captured`] is
//! true), so a claim is never weakened by what was not counted.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::Serialize;

use crate::HashSet;

/// Addresses remembered as sources and as destinations, each.
pub const MAX_HOSTS: usize = 1 << 18;
/// Host pairs remembered whose answers the capture missed.
pub const MAX_PAIRS: usize = 4_096;
/// IP packets a capture must hold before it is called one-way as a whole: a handful of
/// packets in one direction is a snippet, not a capture set up that way.
pub const MIN_PACKETS_ONE_WAY: u64 = 8;

/// The capture as a whole holds one direction only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OneWay {
    /// Every packet arrives at `host` (`tcpdump -Q in` there, a mirror of its inbound side).
    Arriving { host: IpAddr },
    /// Every packet leaves `host`.
    Leaving { host: IpAddr },
    /// Every packet goes from `from` to `to`.
    Between { from: IpAddr, to: IpAddr },
}

/// Which directions the capture holds.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    sources: HashSet<IpAddr>,
    destinations: HashSet<IpAddr>,
    /// A bound was reached: directions are no longer judged.
    saturated: bool,
    ip_packets: u64,
    /// (server, client) pairs with a stream whose answers the client acknowledged and the
    /// capture does not hold.
    unseen_pairs: BTreeSet<(IpAddr, IpAddr)>,
}

impl Visibility {
    /// Notes one IP packet.
    pub fn note(&mut self, src: IpAddr, dst: IpAddr) {
        self.ip_packets += 1;
        if self.saturated {
            return;
        }
        for (set, a) in [(&mut self.sources, src), (&mut self.destinations, dst)] {
            if set.len() < MAX_HOSTS {
                set.insert(a);
            } else if !set.contains(&a) {
                self.saturated = true;
            }
        }
    }

    /// Notes a host pair with a TCP stream whose server answered out of the capture's
    /// sight (counted per stream in `engine::Quality`).
    pub fn note_unseen_pair(&mut self, server: IpAddr, client: IpAddr) {
        if self.unseen_pairs.len() < MAX_PAIRS {
            self.unseen_pairs.insert((server, client));
        }
    }

    /// Whether an answer from `from` to `to` would be in the capture if it had been sent:
    /// the capture holds packets leaving `from` or arriving at `to`, and no stream of the
    /// pair showed answers the capture missed.
    pub fn answer_captured(&self, from: IpAddr, to: IpAddr) -> bool {
        if self.saturated {
            return true;
        }
        let seen = self.sources.contains(&from) || self.destinations.contains(&to);
        seen && !self.unseen_pairs.contains(&(from, to))
    }

    /// The whole capture's one direction, if it has only one.
    pub fn one_way(&self) -> Option<OneWay> {
        if self.saturated || self.ip_packets < MIN_PACKETS_ONE_WAY {
            return None;
        }
        let single = |set: &HashSet<IpAddr>| if set.len() == 1 { set.iter().next().copied() } else { None };
        match (single(&self.sources), single(&self.destinations)) {
            (Some(from), Some(to)) if from != to => Some(OneWay::Between { from, to }),
            (_, Some(host)) if !self.sources.contains(&host) => Some(OneWay::Arriving { host }),
            (Some(host), _) if !self.destinations.contains(&host) => Some(OneWay::Leaving { host }),
            _ => None,
        }
    }

    /// Host pairs (server, client) whose answers the capture missed, at most `n`, and how
    /// many there are.
    pub fn unseen_pairs(&self, n: usize) -> (Vec<(IpAddr, IpAddr)>, usize) {
        (self.unseen_pairs.iter().take(n).copied().collect(), self.unseen_pairs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_inbound_only_capture_holds_no_answer_and_says_where_it_was_taken() {
        let mut v = Visibility::default();
        for i in 0..10 {
            v.note(ip(&format!("198.51.100.{}", i % 3 + 2)), ip("203.0.113.2"));
        }
        assert_eq!(v.one_way(), Some(OneWay::Arriving { host: ip("203.0.113.2") }));
        assert!(!v.answer_captured(ip("203.0.113.2"), ip("198.51.100.2")));
        assert!(v.answer_captured(ip("198.51.100.2"), ip("203.0.113.2")));
    }

    #[test]
    fn an_outbound_only_capture_is_leaving_and_one_flow_is_between() {
        let mut v = Visibility::default();
        for i in 0..10 {
            v.note(ip("198.51.100.2"), ip(&format!("203.0.113.{}", i % 2 + 2)));
        }
        assert_eq!(v.one_way(), Some(OneWay::Leaving { host: ip("198.51.100.2") }));
        let mut b = Visibility::default();
        for _ in 0..10 {
            b.note(ip("198.51.100.2"), ip("203.0.113.2"));
        }
        assert_eq!(b.one_way(), Some(OneWay::Between { from: ip("198.51.100.2"), to: ip("203.0.113.2") }));
    }

    #[test]
    fn a_silent_server_in_a_two_way_capture_is_silence_the_capture_could_see() {
        let mut v = Visibility::default();
        for _ in 0..5 {
            v.note(ip("198.51.100.2"), ip("192.0.2.66")); // SYNs to a dead address
            v.note(ip("198.51.100.2"), ip("198.51.100.1")); // DNS
            v.note(ip("198.51.100.1"), ip("198.51.100.2"));
        }
        assert_eq!(v.one_way(), None);
        assert!(v.answer_captured(ip("192.0.2.66"), ip("198.51.100.2")));
    }

    #[test]
    fn a_pair_whose_answers_were_acknowledged_but_not_captured_is_not_seen() {
        let mut v = Visibility::default();
        v.note(ip("198.51.100.2"), ip("203.0.113.2"));
        v.note(ip("203.0.113.9"), ip("198.51.100.2"));
        assert!(v.answer_captured(ip("203.0.113.2"), ip("198.51.100.2")));
        v.note_unseen_pair(ip("203.0.113.2"), ip("198.51.100.2"));
        assert!(!v.answer_captured(ip("203.0.113.2"), ip("198.51.100.2")));
    }

    #[test]
    fn a_few_packets_are_a_snippet_not_a_one_way_capture() {
        let mut v = Visibility::default();
        v.note(ip("198.51.100.2"), ip("203.0.113.2"));
        assert_eq!(v.one_way(), None);
    }
}
