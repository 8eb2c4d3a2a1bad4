//! `dns-cname-hijack`: a DNS answer whose CNAME chain leads somewhere it should not.
//!
//! DNS over UDP and TCP is parsed (dns-parser), queries are paired with responses, and each
//! CNAME chain is followed to its addresses. A chain is flagged when
//! (a) a CNAME target lies outside the suffix the user expects (`--expect-cname NAME=SUFFIX`);
//! (b) every TCP connection to the chain's addresses got no SYN/ACK or was reset, while
//!     connections to other names' addresses worked;
//! (c) one query got two answers with different address sets (an injection race; identical
//!     duplicates are not). The injector sits nearer the client and wins the race, so the
//!     first answer is the suspect and the later one is most likely the resolver's own: one
//!     finding, on the first, never a second one calling the genuine answer hijacked;
//! (d) the same name resolved to different CNAME chains in one capture (reported as info:
//!     CDNs rotate too).
//! Seed case: 002 "高防链接超时": pay.com CNAME → gfvip09aj.com → 108.160.166.142, and every
//! connection to that address timed out.

use crate::{HashMap, HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::bounded::DetectorCap;
use super::{Config, Detector, Finding, Severity};
use crate::app::AppEvent;
use crate::app::dns::{Answer, DnsMessage};
use crate::capture::Timestamp;
use crate::decode::Frame;
use crate::engine::{Analysis, AppCtx, Hooks, Observer};
use crate::flow::Conversation;
use crate::i18n::Arg;
use crate::msg;

/// Queries remembered for pairing, at most (and as many resolutions).
const MAX_QUERIES: usize = 100_000;

/// The messages of this detector's findings: `locales/<lang>/dns-cname-hijack.ftl`.
pub const MESSAGES: &[&str] = &[
    "dns-summary",
    "dns-summary-many",
    "dns-why-suffix",
    "dns-why-dead",
    "dns-why-race",
    "dns-why-split",
    "dns-explanation",
    "dns-rec-resolver",
    "dns-rec-pin",
    "dns-rec-pin-to",
    "dns-rec-isp",
    "confirm-dns-cname-hijack",
    "dns-role-answer",
    "dns-role-query",
    "dns-role-dead-syn",
    "dns-role-rival",
];
pub const ABOUT: &str = "DNS answers whose CNAME chain is unexpected, dead, raced or split";

#[derive(Debug, Clone)]
struct Resolution {
    frame: u64,
    ts: Timestamp,
    client: SocketAddr,
    server: SocketAddr,
    id: u16,
    name: String,
    /// name, cname1, cname2, ...
    chain: Vec<String>,
    addrs: BTreeSet<IpAddr>,
}

#[derive(Default)]
pub struct DnsHijack {
    /// Distinct resolutions (name, chain, addresses), first occurrence each, plus every
    /// answer that raced another for the same query.
    resolutions: Vec<Resolution>,
    distinct: HashMap<(String, Vec<String>, BTreeSet<IpAddr>), usize>,
    /// The first answer to each (id, client) query, to spot a second, different one.
    answered: HashMap<(u16, SocketAddr), usize>,
    /// Pairs of resolutions that answered one query differently.
    races: Vec<(usize, usize)>,
    queries: HashMap<(u16, SocketAddr), (u64, Timestamp)>,
    /// Connection outcomes per address a CNAME chain resolved to, gathered as streams end
    /// (the answer comes before the connection, so the address is known by then).
    by_ip: BTreeMap<IpAddr, Outcomes>,
    /// The addresses CNAME chains resolved to (at most [`MAX_QUERIES`]).
    watched: HashSet<IpAddr>,
    /// Established connections to any address.
    established_total: u64,
    /// New resolutions not recorded because [`MAX_QUERIES`] were.
    unrecorded: u64,
}

/// Per server address: connections, how many were established, and the dead ones
/// (stream, SYN frame, time).
type Outcomes = (u32, u32, Vec<(u32, u64, Timestamp)>);

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(DnsHijack::default())
}

/// Follows CNAMEs from `name` through the answer section; returns the chain and the
/// addresses of its last name (or of any name, when the chain is incomplete).
fn follow(name: &str, m: &DnsMessage) -> (Vec<String>, BTreeSet<IpAddr>) {
    let mut chain = vec![name.to_string()];
    let mut cur = name.to_ascii_lowercase();
    for _ in 0..16 {
        let next = m.answers.iter().find_map(|r| match &r.data {
            Answer::Cname(t) if r.name.eq_ignore_ascii_case(&cur) => Some(t.clone()),
            _ => None,
        });
        match next {
            Some(t) if !chain.iter().any(|c| c.eq_ignore_ascii_case(&t)) => {
                cur = t.to_ascii_lowercase();
                chain.push(t);
            }
            _ => break,
        }
    }
    let mut addrs: BTreeSet<IpAddr> = m
        .answers
        .iter()
        .filter_map(|r| match r.data {
            Answer::A(ip) if r.name.eq_ignore_ascii_case(&cur) => Some(ip),
            _ => None,
        })
        .collect();
    if addrs.is_empty() {
        addrs = m.answers.iter().filter_map(|r| if let Answer::A(ip) = r.data { Some(ip) } else { None }).collect();
    }
    (chain, addrs)
}

impl Observer for DnsHijack {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        let ip = s.server().ip();
        // Answered: the server sent something other than a refusal, handshake seen or not
        // (a keep-alive connection older than the capture carries its answers without one).
        let established = s.server_answered();
        self.established_total += u64::from(established);
        if !self.watched.contains(&ip) {
            return;
        }
        let e = self.by_ip.entry(ip).or_default();
        e.0 += 1;
        if established {
            e.1 += 1;
        } else if let Some(syn) = s.sides.get(s.client_side()).and_then(|d| d.syn_frame) {
            if e.2.len() < 16 {
                e.2.push((s.stream, syn, s.start));
            }
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        let AppEvent::Dns(m) = e else { return };
        if !m.response {
            // Bounded: a query flood must not grow memory without end. Pairing only needs
            // recent queries, so a full table starts over.
            if self.queries.len() >= MAX_QUERIES {
                self.queries.clear();
            }
            self.queries.entry((m.id, ctx.src)).or_insert((f.frame, f.ts));
            return;
        }
        let Some((name, _)) = &m.question else { return };
        if m.answers.is_empty() {
            return;
        }
        let (chain, addrs) = follow(name, m);
        let key = (m.id, ctx.dst);
        let rival = self.answered.get(&key).copied().filter(|&i| {
            self.resolutions.get(i).is_some_and(|o| o.name.eq_ignore_ascii_case(name) && o.addrs != addrs)
        });
        // Most answers repeat a known resolution: the key owns the chain and addresses, and
        // they are copied only for a new one.
        let dkey = (name.to_ascii_lowercase(), chain, addrs);
        let known = self.distinct.get(&dkey).copied();
        let idx = match (known, rival) {
            (Some(i), None) => i,
            _ if self.resolutions.len() >= MAX_QUERIES => {
                self.unrecorded += 1;
                return;
            }
            _ => {
                let r = Resolution {
                    frame: f.frame,
                    ts: f.ts,
                    client: ctx.dst,
                    server: ctx.src,
                    id: m.id,
                    name: name.clone(),
                    chain: dkey.1.clone(),
                    addrs: dkey.2.clone(),
                };
                if r.chain.len() > 1 {
                    for a in &r.addrs {
                        if self.watched.len() < MAX_QUERIES {
                            self.watched.insert(*a);
                        }
                    }
                }
                self.resolutions.push(r);
                let i = self.resolutions.len() - 1;
                self.distinct.entry(dkey).or_insert(i);
                i
            }
        };
        if let Some(r) = rival {
            self.races.push((r, idx));
        }
        if self.answered.len() >= MAX_QUERIES {
            self.answered.clear();
        }
        self.answered.entry(key).or_insert(idx);
    }
}

fn chain_text(r: &Resolution) -> String {
    let mut parts = r.chain.clone();
    let addrs: Vec<String> = r.addrs.iter().map(|a| a.to_string()).collect();
    if !addrs.is_empty() {
        parts.push(addrs.join(", "));
    }
    parts.join(" → ")
}

fn suffix_matches(name: &str, pattern: &str) -> bool {
    let (n, p) = (name.trim_end_matches('.').to_ascii_lowercase(), pattern.trim_end_matches('.').to_ascii_lowercase());
    p == "*" || n == p || n.ends_with(&format!(".{p}"))
}

impl Detector for DnsHijack {
    fn finish(&mut self, _: &Analysis, cfg: &Config) -> Vec<Finding> {
        let by_ip = &self.by_ip;
        let established_total = self.established_total;
        // Resolutions by name, and each one's rivals: lookups, not scans, per resolution.
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, r) in self.resolutions.iter().enumerate() {
            by_name.entry(r.name.to_ascii_lowercase()).or_default().push(i);
        }
        // The first answer of a race and the later ones that contradicted it.
        let mut rivals_of: HashMap<usize, Vec<usize>> = HashMap::default();
        let mut later_answers: BTreeSet<usize> = BTreeSet::new();
        for &(first, later) in &self.races {
            rivals_of.entry(first).or_default().push(later);
            later_answers.insert(later);
        }
        let mut out = Vec::new();
        let mut reported: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
        // (pattern, suffix, domain) -> (the finding's place in `out`, names, examples).
        let mut groups: BTreeMap<(String, String, String), Group> = BTreeMap::new();
        for (idx, r) in self.resolutions.iter().enumerate() {
            // The race's later answer is reported with the first, as the likely genuine one.
            if later_answers.contains(&idx) && !rivals_of.contains_key(&idx) {
                continue;
            }
            let key = (r.name.to_ascii_lowercase(), r.chain.clone());
            let mut why = Vec::new();
            let mut sev = Severity::Info;
            let mut f =
                Finding::new("dns-cname-hijack", Severity::Info, None).evidence(r.frame, r.ts, msg!("dns-role-answer"));
            if let Some(&(qf, qts)) = self.queries.get(&(r.id, r.client)) {
                f = f.evidence(qf, qts, msg!("dns-role-query"));
            }
            let has_cname = r.chain.len() > 1;
            // (a) unexpected CNAME target
            let mut off_suffix = None;
            for (pattern, suffix) in &cfg.expect_cname {
                if !suffix_matches(&r.name, pattern) {
                    continue;
                }
                if let Some(bad) = r.chain.iter().skip(1).find(|c| !suffix_matches(c, suffix)) {
                    why.push(msg!("dns-why-suffix", target = bad.clone(), suffix = suffix.clone()));
                    sev = sev.max(Severity::Warning);
                    off_suffix.get_or_insert((pattern.clone(), suffix.clone(), base_domain(bad)));
                }
            }
            // (b) every connection to the chain's addresses failed, others worked
            let (mut tried, mut worked) = (0u32, 0u32);
            let mut dead_streams = Vec::new();
            for ip in &r.addrs {
                if let Some((total, est, dead)) = by_ip.get(ip) {
                    tried += total;
                    worked += est;
                    dead_streams.extend(dead.iter().copied());
                }
            }
            let others_work = established_total > u64::from(worked);
            if has_cname && tried > 0 && worked == 0 && others_work {
                why.push(msg!("dns-why-dead", n = tried, addrs = Arg::list(r.addrs.iter())));
                sev = Severity::Error;
                for (stream, syn, ts) in dead_streams.iter().take(3) {
                    f = f.evidence(*syn, *ts, msg!("dns-role-dead-syn", stream = *stream));
                }
                if let Some((stream, _, _)) = dead_streams.first() {
                    f.stream = Some(*stream);
                }
                // The failed connections are this finding's: connect-failure's about them
                // are superseded (one finding for one problem).
                f.covers = dead_streams.iter().map(|d| d.0).collect();
                if let Some(ip) = r.addrs.first() {
                    f = f.silence(*ip, r.client.ip());
                }
            }
            // (c) the same query answered twice, differently
            let rivals: Vec<&Resolution> = rivals_of
                .get(&idx)
                .into_iter()
                .flatten()
                .filter_map(|&i| self.resolutions.get(i))
                .filter(|o| o.addrs != r.addrs)
                .collect();
            if !rivals.is_empty() {
                let mut answers = vec![chain_text(r)];
                answers.extend(rivals.iter().map(|o| chain_text(o)));
                why.push(msg!("dns-why-race", n = answers.len(), answers = answers.join(" | ")));
                sev = sev.max(Severity::Warning);
                for o in &rivals {
                    f = f.evidence(o.frame, o.ts, msg!("dns-role-rival", server = o.server));
                }
            }
            // (d) the same name, different chains
            let other_chains: BTreeSet<Vec<String>> = by_name
                .get(&r.name.to_ascii_lowercase())
                .into_iter()
                .flatten()
                .filter_map(|&i| self.resolutions.get(i))
                .filter(|o| o.chain != r.chain && has_cname)
                .map(|o| o.chain.clone())
                .collect();
            if !other_chains.is_empty() && why.is_empty() {
                let chains: Vec<String> =
                    std::iter::once(r.chain.join(" → ")).chain(other_chains.iter().map(|c| c.join(" → "))).collect();
                why.push(msg!("dns-why-split", chains = chains.join(" | ")));
            }
            if why.is_empty() || !reported.insert(key) {
                continue;
            }
            // Many names sent off the expected suffix to the same domain, for no other
            // reason: one problem, one finding (the first one's, counting the others).
            let group = off_suffix.filter(|_| why.len() == 1);
            if let Some(g) = &group {
                if let Some(agg) = groups.get_mut(g) {
                    agg.1 += 1;
                    if agg.2.len() < 5 {
                        agg.2.push(r.name.clone());
                    }
                    continue;
                }
            }
            f.severity = sev;
            let chain = chain_text(r);
            f.summary =
                msg!("dns-summary", name = r.name.clone(), chain = chain.clone(), why = Arg::clauses(why.clone()));
            f.explanation = msg!(
                "dns-explanation",
                frame = r.frame,
                name = r.name.clone(),
                chain = chain,
                detail = Arg::clauses(why)
            );
            let genuine: BTreeSet<IpAddr> = rivals.iter().flat_map(|o| o.addrs.iter().copied()).collect();
            f.recommendations = vec![msg!("dns-rec-resolver", name = r.name.clone())];
            if genuine.is_empty() {
                f.recommendations.push(msg!("dns-rec-pin", name = r.name.clone()));
            } else {
                f.recommendations.push(msg!(
                    "dns-rec-pin-to",
                    name = r.name.clone(),
                    addrs = Arg::list(genuine.iter())
                ));
            }
            f.recommendations.push(msg!("dns-rec-isp", name = r.name.clone()));
            let addr_filter: Vec<String> = r.addrs.iter().map(|a| a.to_string()).collect();
            f.display_filter = if addr_filter.is_empty() {
                format!("dns.qry.name == {}", super::filter_string(&r.name))
            } else {
                format!(
                    "dns.qry.name == {} || ip.addr in {{{}}}",
                    super::filter_string(&r.name),
                    addr_filter.join(", ")
                )
            };
            let f = f
                .fact("name", r.name.clone())
                .fact("chain", r.chain.clone())
                .fact("addresses", r.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>())
                .fact("resolver", r.server.to_string());
            if let Some(g) = group {
                groups.insert(g, (out.len(), 1, vec![r.name.clone()]));
            }
            out.push(f.seal());
        }
        for ((pattern, suffix, domain), (i, n, examples)) in groups {
            let Some(f) = out.get_mut(i).filter(|_| n > 1) else { continue };
            f.summary = msg!(
                "dns-summary-many",
                n = n,
                pattern = pattern,
                domain = domain.clone(),
                suffix = suffix,
                names = Arg::list(examples.iter())
            );
            f.facts.insert("names_count".into(), n.into());
            f.facts.insert("example_names".into(), examples.into());
            f.facts.insert("target_domain".into(), domain.into());
        }
        out
    }

    fn caps(&self) -> Vec<DetectorCap> {
        let cap = DetectorCap {
            detector: "dns-cname-hijack",
            table: "resolutions",
            cap: MAX_QUERIES,
            dropped_keys: self.unrecorded,
            dropped_weight: self.unrecorded,
        };
        (self.unrecorded > 0).then_some(cap).into_iter().collect()
    }
}

/// A group of names sent off the expected suffix to one domain: the finding's place in the
/// output, how many names, and the first few.
type Group = (usize, u64, Vec<String>);

/// The last two labels of a name (`x1.cdn.evil.test` -> `evil.test`): where names sent off
/// the expected suffix are grouped.
fn base_domain(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').rsplitn(3, '.').collect();
    let mut two: Vec<&str> = labels.into_iter().take(2).collect();
    two.reverse();
    two.join(".").to_ascii_lowercase()
}
