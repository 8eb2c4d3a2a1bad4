//! `dns-failure`: name lookups that failed or dragged: queries a resolver never answered,
//! SERVFAIL and REFUSED, NXDOMAIN for a name that never resolved, answers slower than
//! [`SLOW_S`]. Aggregated per resolver, with the names.
//!
//! Mechanism: each query is keyed by (client, resolver, DNS ID) over UDP or TCP port 53; a
//! resend with the same key is a retry. A response closes its key. At the end, keys still
//! open whose last try is at least [`NO_ANSWER_S`] before the end of the capture are
//! unanswered (later ones may have been answered after the capture stopped). Each name's
//! outcome is kept, so a name that failed at one resolver or with one type and resolved
//! elsewhere is known to have resolved.
//!
//! Severity follows the victim: a resolver that answered nothing is an error (every lookup
//! through it failed); unanswered tries otherwise are a warning when a name never resolved
//! or the client had to retry more than once, info for a single lost try that a retry
//! fixed. SERVFAIL or REFUSED is a warning when the name never resolved. NXDOMAIN is a
//! warning, at medium confidence (the capture cannot say the name was needed), only for
//! address lookups (A, AAAA, HTTPS, ANY) of a multi-label name that never resolved and is
//! not a search-list expansion of one that did; reverse lookups, service records, WPAD and
//! single labels fail by design and are left out. Answers slower than [`SLOW_S`] (from the
//! first try) are a warning when there are [`MIN_SLOW`] of them making at least
//! [`MIN_SLOW_SHARE`] of the resolver's answers, or one took over [`VERY_SLOW_S`]; a few
//! slow answers among many are info.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{At, Config, Detector, Finding, Severity, secs};
use crate::HashMap;
use crate::app::AppEvent;
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::{Arg, Message};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/dns-failure.ftl`.
pub const MESSAGES: &[&str] = &[
    "dnsf-summary-dead",
    "dnsf-summary-lost",
    "dnsf-explanation-lost",
    "dnsf-tries",
    "dnsf-silent",
    "dnsf-one-way",
    "dnsf-heard",
    "dnsf-resolved-later",
    "dnsf-never-resolved",
    "dnsf-rec-reach",
    "dnsf-rec-alternate",
    "dnsf-summary-rcode",
    "dnsf-explanation-rcode",
    "dnsf-rcode-servfail",
    "dnsf-rcode-refused",
    "dnsf-rec-servfail",
    "dnsf-rec-refused",
    "dnsf-summary-nx",
    "dnsf-explanation-nx",
    "dnsf-rec-nx",
    "dnsf-summary-slow",
    "dnsf-explanation-slow",
    "dnsf-rec-slow",
    "dnsf-name",
    "dnsf-more-names",
    "dnsf-role-first-query",
    "dnsf-role-last-try",
    "dnsf-role-answer",
    "dnsf-role-slow-query",
    "dnsf-role-slow-answer",
    "confirm-dns-failure",
    // `dga-domains` findings, made by this observer (src/detect/dga.rs).
    "dga-summary",
    "dga-explanation",
    "dga-resolved",
    "dga-contacted",
    "dga-rec-isolate",
    "dga-rec-find",
    "dga-rec-block",
    "dga-rec-keys",
    "dga-role-query",
    "dga-role-nx",
    "dga-role-resolved",
    "dga-role-connect",
    "confirm-dga-domains",
];
pub const ABOUT: &str =
    "DNS queries a resolver never answered, SERVFAIL, REFUSED, NXDOMAIN for a needed name, and answers slower than 1 s";

/// A query whose last try is this close to the end of the capture is not judged unanswered.
const NO_ANSWER_S: f64 = 2.0;
/// An answer slower than this (from the first try) keeps the client waiting visibly.
const SLOW_S: f64 = 1.0;
const VERY_SLOW_S: f64 = 3.0;
const MIN_SLOW: u32 = 2;
/// Slow answers are a pattern, not bad luck, from this share of all answers on.
const MIN_SLOW_SHARE: f64 = 0.1;
/// Queries waiting for an answer, at most; resolvers and names per resolver kept.
const MAX_PENDING: usize = 100_000;
const MAX_RESOLVERS: usize = 256;
const MAX_NAMES: usize = 200;
const MAX_OUTCOMES: usize = 100_000;
/// Names written in a finding, and characters of each.
const SHOWN: usize = 8;
const NAME_SHOWN: usize = 60;

/// Querying hosts kept per resolver.
const CLIENTS_KEPT: usize = 16;

const RCODE_SERVFAIL: u8 = 2;
const RCODE_NXDOMAIN: u8 = 3;
const RCODE_REFUSED: u8 = 5;

#[derive(Debug, Clone)]
struct Query {
    name: String,
    qtype: u16,
    first: At,
    last: At,
    tries: u32,
}

/// One name at one resolver.
#[derive(Debug, Clone, Default)]
struct NameAt {
    unanswered_tries: u32,
    servfail: u32,
    refused: u32,
    nxdomain: u32,
    /// Address lookups (the types NXDOMAIN is judged for).
    address_lookup: bool,
    /// The first NXDOMAIN address lookup's query and answer.
    nx_at: Option<(At, At)>,
}

#[derive(Debug, Default)]
struct Resolver {
    queries: u64,
    answers: u64,
    /// Hosts that asked it (a few), to tell a dead resolver from a one-way capture.
    clients: BTreeSet<IpAddr>,
    names: BTreeMap<String, NameAt>,
    first_lost: Option<At>,
    last_lost: Option<At>,
    lost_tries: u64,
    lost_queries: u64,
    rcode_first: Option<(At, At)>,
    servfail: u64,
    refused: u64,
    nx_first: Option<(At, At)>,
    slow: u32,
    worst_slow: Option<(At, At, i64, String)>,
}

#[derive(Default)]
pub struct DnsFailure {
    pending: HashMap<(SocketAddr, SocketAddr, u16), Query>,
    resolvers: BTreeMap<SocketAddr, Resolver>,
    /// Names that got an answer with records, anywhere (lower case).
    resolved: BTreeSet<String>,
    /// Hosts a DNS message was sent to: the capture sees traffic toward them.
    received: crate::HashSet<IpAddr>,
    dropped: u64,
    /// The last IP fragment each (source, destination) pair sent: a large DNS answer
    /// (EDNS, TXT, DNSSEC) comes in fragments pcapdoc does not reassemble, so a query
    /// followed by fragments from its resolver may have been answered.
    fragments: HashMap<(IpAddr, IpAddr), Timestamp>,
    /// Bursts of algorithmically generated names (`dga-domains`).
    generated: super::dga::Generated,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(DnsFailure::default())
}

fn is_address_type(qtype: u16) -> bool {
    matches!(qtype, 1 | 28 | 65 | 255)
}

/// Names that fail by design, or whose failure says nothing about what the client needed.
fn nx_by_design(name: &str) -> bool {
    let n = name.trim_end_matches('.');
    !n.contains('.')
        || n.starts_with('_')
        || n.starts_with("wpad.")
        || n.starts_with("isatap.")
        || n.ends_with(".arpa")
        || n.ends_with(".local")
        || n.ends_with(".localdomain")
}

impl DnsFailure {
    fn resolver(&mut self, r: SocketAddr) -> Option<&mut Resolver> {
        if !self.resolvers.contains_key(&r) && self.resolvers.len() >= MAX_RESOLVERS {
            return None;
        }
        Some(self.resolvers.entry(r).or_default())
    }

    fn name_at<'r>(r: &'r mut Resolver, name: &str) -> Option<&'r mut NameAt> {
        if !r.names.contains_key(name) && r.names.len() >= MAX_NAMES {
            return None;
        }
        Some(r.names.entry(name.to_string()).or_default())
    }
}

impl Observer for DnsFailure {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::TCP | Hooks::FRAME
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        let (Some(crate::decode::Anomaly::IpFragment), Some(ip)) = (f.anomaly, f.ip) else { return };
        let key = (ip.src, ip.dst);
        if self.fragments.len() < MAX_PENDING || self.fragments.contains_key(&key) {
            self.fragments.insert(key, f.ts);
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _: &Conversation) {
        // A connection to the address a generated name resolved to: the controller reached.
        if !(i.placement.is_new && t.flags.syn() && !t.flags.ack()) {
            return;
        }
        let Some(ip) = f.ip else { return };
        if self.generated.watching(&ip.dst) {
            self.generated.connect(ip.src, ip.dst, At { frame: f.frame, ts: f.ts }, i.placement.stream);
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        let at = At { frame: f.frame, ts: f.ts };
        if self.received.len() < MAX_OUTCOMES {
            self.received.insert(ctx.dst.ip());
        }
        let m = match e {
            AppEvent::Dns(m) => m,
            // A response dns-parser could not read still answers its query; its RCODE is
            // counted, its records are not known.
            AppEvent::MalformedDns(Some(h)) if h.response && ctx.src.port() == 53 => {
                if let Some(q) = self.pending.remove(&(ctx.dst, ctx.src, h.id)) {
                    if let Some(r) = self.resolver(ctx.src) {
                        r.answers += 1;
                    }
                    if h.rcode == 0 && self.resolved.len() < MAX_OUTCOMES {
                        self.resolved.insert(q.name);
                    }
                }
                return;
            }
            _ => return,
        };
        let Some((name, qtype)) = m.question.as_ref().map(|(n, t)| (n.to_ascii_lowercase(), *t)) else { return };
        if !m.response {
            if ctx.dst.port() != 53 {
                return;
            }
            let key = (ctx.src, ctx.dst, m.id);
            match self.pending.get_mut(&key) {
                Some(q) if q.name == name => {
                    q.tries += 1;
                    q.last = at;
                }
                _ => {
                    if self.pending.len() >= MAX_PENDING {
                        self.dropped += 1;
                        return;
                    }
                    self.pending.insert(key, Query { name, qtype, first: at, last: at, tries: 1 });
                    if let Some(r) = self.resolver(ctx.dst) {
                        r.queries += 1;
                        if r.clients.len() < CLIENTS_KEPT {
                            r.clients.insert(ctx.src.ip());
                        }
                    }
                }
            }
            return;
        }
        if ctx.src.port() != 53 {
            return;
        }
        let Some(q) = self.pending.remove(&(ctx.dst, ctx.src, m.id)) else { return };
        if q.name != name {
            return;
        }
        if m.rcode == 0 && !m.answers.is_empty() && self.resolved.len() < MAX_OUTCOMES {
            self.resolved.insert(name.clone());
        }
        if is_address_type(q.qtype) {
            let addrs: Vec<IpAddr> = m
                .answers
                .iter()
                .filter_map(|r| match r.data {
                    crate::app::dns::Answer::A(a) => Some(a),
                    _ => None,
                })
                .collect();
            self.generated.answer(ctx.dst.ip(), ctx.src, &name, m.rcode, &addrs, q.first, at);
        }
        let Some(r) = self.resolver(ctx.src) else { return };
        r.answers += 1;
        let wait = f.ts.since(q.first.ts);
        match m.rcode {
            0 if (wait as f64) / 1e9 > SLOW_S => {
                r.slow += 1;
                if r.worst_slow.as_ref().is_none_or(|w| w.2 < wait) {
                    r.worst_slow = Some((q.first, at, wait, name));
                }
            }
            RCODE_SERVFAIL | RCODE_REFUSED => {
                if m.rcode == RCODE_SERVFAIL {
                    r.servfail += 1;
                } else {
                    r.refused += 1;
                }
                r.rcode_first.get_or_insert((q.first, at));
                if let Some(n) = Self::name_at(r, &name) {
                    if m.rcode == RCODE_SERVFAIL {
                        n.servfail += 1;
                    } else {
                        n.refused += 1;
                    }
                }
            }
            RCODE_NXDOMAIN => {
                let address = is_address_type(q.qtype) && !nx_by_design(&name);
                if let Some(n) = Self::name_at(r, &name) {
                    n.nxdomain += 1;
                    n.address_lookup |= address;
                    if address {
                        n.nx_at.get_or_insert((q.first, at));
                    }
                }
                if address {
                    r.nx_first.get_or_insert((q.first, at));
                }
            }
            _ => {}
        }
    }
}

/// A name cut to [`NAME_SHOWN`] characters (tunnels and trackers use names of 200).
fn shorten(name: &str) -> String {
    if name.chars().count() <= NAME_SHOWN {
        return name.to_string();
    }
    let mut s: String = name.chars().take(NAME_SHOWN).collect();
    s.push('…');
    s
}

/// True when the capture holds packets sent to `ip` on some TCP connection of it: the capture
/// point sees its incoming traffic.
fn two_way(a: &Analysis, ip: IpAddr) -> bool {
    a.conversations.iter().any(|c| {
        let s = &c.summary;
        (0..2).any(|d| s.endpoint(d).ip() == ip && s.sides.get(1 - d).is_some_and(|other| other.packets > 0))
    })
}

pub(super) fn addr_filter(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v) => format!("ip.addr == {v}"),
        IpAddr::V6(v) => format!("ipv6.addr == {v}"),
    }
}

/// "a.example (3 times), b.example and 4 more": the first [`SHOWN`] names, and the count
/// of all of them.
fn names_arg<'a>(names: impl Iterator<Item = (&'a String, u32)>) -> (Arg, usize) {
    let all: Vec<(&String, u32)> = names.collect();
    let n = all.len();
    let mut shown: Vec<Message> = all
        .iter()
        .take(SHOWN)
        .map(|(name, k)| msg!("dnsf-name", name = shorten(name), count = u64::from(*k)))
        .collect();
    if n > SHOWN {
        shown.push(msg!("dnsf-more-names", count = n - SHOWN));
    }
    (Arg::list(shown), n)
}

impl Detector for DnsFailure {
    fn finish(&mut self, a: &Analysis, _: &Config) -> Vec<Finding> {
        let end = a.capture.last_ts.unwrap_or(Timestamp(0));
        // Unanswered queries, by resolver.
        let pending = std::mem::take(&mut self.pending);
        let mut pending: Vec<((SocketAddr, SocketAddr, u16), Query)> = pending.into_iter().collect();
        pending.sort_by_key(|(_, q)| q.first.frame);
        // The last try of each name a client asked, at any resolver: a try followed by
        // another for the same name was given up on, however close to the end it came (a
        // stub resolver alternates its resolvers, then stops: its last tries are often the
        // capture's last packets).
        let mut last_ask: HashMap<(IpAddr, &str, u16), Timestamp> = HashMap::default();
        for ((client, _, _), q) in &pending {
            let t = last_ask.entry((client.ip(), q.name.as_str(), q.qtype)).or_insert(q.last.ts);
            *t = (*t).max(q.last.ts);
        }
        let mut lost = Vec::new();
        for ((client, resolver, id), q) in &pending {
            // Fragments from the resolver after the query: an answer too large for one
            // datagram, which may well have arrived whole (it is not read here).
            if self.fragments.get(&(resolver.ip(), client.ip())).is_some_and(|t| *t >= q.first.ts) {
                if let Some(r) = self.resolvers.get_mut(resolver) {
                    r.answers += 1;
                }
                continue;
            }
            let recent = (end.since(q.last.ts) as f64) / 1e9 < NO_ANSWER_S;
            let asked_again = last_ask.get(&(client.ip(), q.name.as_str(), q.qtype)).is_some_and(|t| *t > q.last.ts);
            // A recent last try may still have been answered after the capture stopped; the
            // tries before it were not.
            let tries = if recent && !asked_again { q.tries.saturating_sub(1) } else { q.tries };
            if tries > 0 {
                lost.push(((*client, *resolver, *id), q.clone(), tries));
            }
        }
        drop(last_ask);
        for ((_, resolver, _), q, tries) in lost {
            let Some(r) = self.resolver(resolver) else { continue };
            r.lost_queries += 1;
            r.lost_tries += u64::from(tries);
            r.first_lost.get_or_insert(q.first);
            if r.last_lost.is_none_or(|l| l.frame < q.last.frame) {
                r.last_lost = Some(q.last);
            }
            if let Some(n) = Self::name_at(r, &q.name) {
                n.unanswered_tries += tries;
            }
        }
        // Generated names first: their NXDOMAINs are the dga finding's, not lookups that failed.
        let (mut out, generated) = self.generated.finish();
        for (addr, r) in &self.resolvers {
            // Resolvers listen on 53; the address alone is what a user types (dig @ADDR).
            let res = if addr.port() == 53 { addr.ip().to_string() } else { addr.to_string() };
            let filter_base = format!("{} && dns", addr_filter(addr.ip()));
            // 1. Queries never answered.
            if let (Some(first), Some(last)) = (r.first_lost, r.last_lost) {
                let lost: Vec<(&String, u32)> = r
                    .names
                    .iter()
                    .filter(|(_, n)| n.unanswered_tries > 0)
                    .map(|(k, n)| (k, n.unanswered_tries))
                    .collect();
                let never = lost.iter().filter(|(k, _)| !self.resolved.contains(*k)).count();
                let dead = r.answers == 0 && r.lost_tries >= 2;
                let sev = if dead {
                    Severity::Error
                } else if never > 0 || r.lost_tries >= 2 {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                let (names, _) = names_arg(lost.iter().copied());
                let mut f = Finding::new("dns-failure", sev, None).evidence(
                    first.frame,
                    first.ts,
                    msg!("dnsf-role-first-query"),
                );
                if last.frame != first.frame {
                    f = f.evidence(last.frame, last.ts, msg!("dnsf-role-last-try"));
                }
                // A capture that sees only what its host sends makes every resolver look dead:
                // when nothing at all came back to the hosts that asked (no DNS message, no
                // packet of any TCP connection's other side), say so and be less sure.
                let one_way = dead && !r.clients.iter().any(|ip| self.received.contains(ip) || two_way(a, *ip));
                if one_way {
                    f.confidence = super::Confidence::Low;
                }
                f.summary = Message::new(if dead { "dnsf-summary-dead" } else { "dnsf-summary-lost" })
                    .arg("resolver", res.clone())
                    .arg("lost", r.lost_queries)
                    .arg("queries", r.queries)
                    .arg("tries", r.lost_tries);
                let outcome =
                    if never == 0 { msg!("dnsf-resolved-later") } else { msg!("dnsf-never-resolved", count = never) };
                f.explanation = msg!(
                    "dnsf-explanation-lost",
                    resolver = res.clone(),
                    lost = r.lost_queries,
                    tries = r.lost_tries,
                    names = names,
                    span = secs(last.ts.since(first.ts)),
                    first = first.frame,
                    heard = if r.answers > 0 {
                        msg!("dnsf-heard", answers = r.answers)
                    } else {
                        msg!("dnsf-silent", resolver = res.clone())
                    },
                    outcome = outcome
                );
                if one_way {
                    f.explanation = Message::sentences(vec![f.explanation, msg!("dnsf-one-way")]);
                }
                if let Some(client) = r.clients.iter().next() {
                    f = f.silence(addr.ip(), *client);
                }
                f.recommendations = vec![msg!("dnsf-rec-reach", resolver = res.clone()), msg!("dnsf-rec-alternate")];
                f.display_filter = format!("{filter_base} && dns.flags.response == 0 && !dns.response_in");
                let f = f
                    .fact("resolver", res.clone())
                    .fact("queries", r.queries)
                    .fact("unanswered_queries", r.lost_queries)
                    .fact("unanswered_tries", r.lost_tries)
                    .fact("answers", r.answers)
                    .fact("names_never_resolved", never);
                out.push(f.seal().show_cited());
            }
            // 2. SERVFAIL and REFUSED.
            if let Some((q, ans)) = r.rcode_first {
                let failed: Vec<(&String, u32)> = r
                    .names
                    .iter()
                    .filter(|(_, n)| n.servfail + n.refused > 0)
                    .map(|(k, n)| (k, n.servfail + n.refused))
                    .collect();
                let never = failed.iter().filter(|(k, _)| !self.resolved.contains(*k)).count();
                let sev = if never > 0 { Severity::Warning } else { Severity::Info };
                let (names, n_names) = names_arg(failed.iter().copied());
                let mut kinds = Vec::new();
                let mut recs = Vec::new();
                if r.servfail > 0 {
                    kinds.push(msg!("dnsf-rcode-servfail", count = r.servfail));
                    recs.push(msg!("dnsf-rec-servfail", resolver = res.clone()));
                }
                if r.refused > 0 {
                    kinds.push(msg!("dnsf-rcode-refused", count = r.refused));
                    recs.push(msg!("dnsf-rec-refused", resolver = res.clone()));
                }
                let mut f = Finding::new("dns-failure", sev, None)
                    .evidence(q.frame, q.ts, msg!("dnsf-role-first-query"))
                    .evidence(ans.frame, ans.ts, msg!("dnsf-role-answer"));
                f.summary = msg!(
                    "dnsf-summary-rcode",
                    resolver = res.clone(),
                    kinds = Arg::list(kinds.clone()),
                    names = n_names
                );
                f.explanation = msg!(
                    "dnsf-explanation-rcode",
                    resolver = res.clone(),
                    kinds = Arg::list(kinds),
                    names = names,
                    n_names = n_names,
                    never = never
                );
                f.recommendations = recs;
                f.display_filter = format!("{filter_base} && (dns.flags.rcode == 2 || dns.flags.rcode == 5)");
                let f = f
                    .fact("resolver", res.clone())
                    .fact("servfail", r.servfail)
                    .fact("refused", r.refused)
                    .fact("names_never_resolved", never);
                out.push(f.seal().show_cited());
            }
            // 3. NXDOMAIN for names that never resolved.
            if r.nx_first.is_some() {
                let nx: Vec<(&String, &NameAt)> = r
                    .names
                    .iter()
                    .filter(|(k, n)| {
                        n.nxdomain > 0
                            && n.address_lookup
                            && !generated.contains(*k)
                            && !self.resolved.contains(*k)
                            && !self.resolved.iter().any(|ok| {
                                k.len() > ok.len() + 1
                                    && k.starts_with(ok.as_str())
                                    && k.as_bytes().get(ok.len()) == Some(&b'.')
                            })
                    })
                    .collect();
                // The first of them (by frame) is cited; a generated name's failure is not.
                let first = nx.iter().filter_map(|(_, n)| n.nx_at).min_by_key(|(q, _)| q.frame);
                let nx: Vec<(&String, u32)> = nx.into_iter().map(|(k, n)| (k, n.nxdomain)).collect();
                if let (Some(&(first_nx, _)), Some((q, ans))) = (nx.first(), first) {
                    let (names, n_names) = names_arg(nx.iter().copied());
                    let mut f = Finding::new("dns-failure", Severity::Warning, None)
                        .evidence(q.frame, q.ts, msg!("dnsf-role-first-query"))
                        .evidence(ans.frame, ans.ts, msg!("dnsf-role-answer"));
                    f.confidence = super::Confidence::Medium;
                    f.summary =
                        msg!("dnsf-summary-nx", resolver = res.clone(), names = n_names, first = shorten(first_nx));
                    f.explanation =
                        msg!("dnsf-explanation-nx", resolver = res.clone(), names = names, n_names = n_names);
                    f.recommendations = vec![msg!("dnsf-rec-nx", first = shorten(first_nx))];
                    f.display_filter = format!("{filter_base} && dns.flags.rcode == 3");
                    let f = f.fact("resolver", res.clone()).fact("nxdomain_names", n_names);
                    out.push(f.seal().show_cited());
                }
            }
            // 4. Slow answers.
            if let Some((q, ans, wait, name)) = &r.worst_slow {
                let share = f64::from(r.slow) / (r.answers.max(1) as f64);
                let sev = if (r.slow >= MIN_SLOW && share >= MIN_SLOW_SHARE) || (*wait as f64) / 1e9 > VERY_SLOW_S {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                let mut f = Finding::new("dns-failure", sev, None)
                    .evidence(q.frame, q.ts, msg!("dnsf-role-slow-query"))
                    .evidence(ans.frame, ans.ts, msg!("dnsf-role-slow-answer"));
                f.summary = msg!("dnsf-summary-slow", resolver = res.clone(), count = r.slow, worst = secs(*wait));
                f.explanation = msg!(
                    "dnsf-explanation-slow",
                    resolver = res.clone(),
                    count = r.slow,
                    answers = r.answers,
                    worst = secs(*wait),
                    name = shorten(name),
                    query = q.frame,
                    answer = ans.frame
                );
                f.recommendations = vec![msg!("dnsf-rec-slow", resolver = res.clone())];
                f.display_filter = format!("{filter_base} && dns.time > {SLOW_S}");
                let f = f
                    .fact("resolver", res.clone())
                    .fact("slow_answers", r.slow)
                    .fact("worst_s", (*wait as f64 / 1e6).round() / 1e3);
                out.push(f.seal().show_cited());
            }
        }
        out
    }
}
