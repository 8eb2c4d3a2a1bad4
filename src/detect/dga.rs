//! `dga-domains`: algorithmically generated names. Malware that finds its controller by a domain
//! generation algorithm looks up dozens of random-looking names a day, of which the
//! botmaster registered one or two: a burst of lookups that mostly come back NXDOMAIN, and
//! the one that resolves is the controller (seeds 001 and 004, the infected server; issue
//! 22 item 3).
//!
//! Mechanism: each DNS answer to an address lookup is fed here by `dns-failure`, which
//! already pairs queries with answers. The *registrable label* of the name (the label left
//! of the public suffix: `kqzvhwjxmt` in `kqzvhwjxmt.info`, `shop` in `a.shop.co.uk`) is
//! judged: it looks generated when it has at least [`MIN_LABEL`] letters and few of its
//! letter pairs are common in English and in the names people choose ([`COMMON_PAIRS`],
//! under [`MAX_COMMON_SHARE`]), or when it is a hash-like mix of digits and letters. Per
//! querying host, the generated-looking names answered NXDOMAIN are kept with their time;
//! a *burst* is at least [`MIN_NAMES`] distinct ones within [`BURST_S`] seconds, making at
//! least half of the host's generated-looking lookups. The generated-looking names that did
//! resolve are the likely controllers; a connection from the host to one of their addresses
//! afterwards is the controller reached.
//!
//! Look-alikes: Chrome's three random single-label probes (single labels are never judged,
//! and with a search suffix their registrable label is the suffix's), random subdomains of
//! one domain (a CDN's hashes, a DNS water-torture attack: the registrable label is the
//! domain's own), punycode labels (`xn--`), typos, and a few random names alone.
//!
//! Bounded: [`MAX_HOSTS`] querying hosts, [`MAX_KEPT`] names and [`MAX_RESOLVED`] resolved
//! names each, [`MAX_WATCHED`] controller addresses watched for a connection.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{At, Finding, Severity};
use crate::HashMap;
use crate::i18n::Arg;
use crate::msg;

// Its messages (`dga-*`) are listed in `dns_failure::MESSAGES`: that observer emits them.

/// Letters in a registrable label before it is judged.
pub const MIN_LABEL: usize = 8;
/// At most this share of a generated label's letter pairs are common ones.
pub const MAX_COMMON_SHARE: f64 = 0.4;
/// Distinct generated-looking names answered NXDOMAIN that make a burst...
pub const MIN_NAMES: usize = 10;
/// ... within this many seconds ...
pub const BURST_S: f64 = 600.0;
/// ... making at least this share of the host's generated-looking lookups.
pub const MIN_NX_SHARE: f64 = 0.5;
/// Within a burst, a name of the same family (its TLD and label length among the burst's)
/// counts with this looser share: an algorithm's letters sometimes fall in common pairs.
pub const FAMILY_COMMON_SHARE: f64 = 0.6;
pub const MAX_HOSTS: usize = 1_024;
pub const MAX_KEPT: usize = 512;
pub const MAX_RESOLVED: usize = 32;
pub const MAX_WATCHED: usize = 1_024;
/// Names written in a finding.
const SHOWN: usize = 8;

/// The 150 most frequent letter pairs of English text, in order. A uniformly random string
/// has about 22 % of its pairs among them; English words and the names people choose for
/// their domains (`cloudfront`, `bilibili`, `xiaohongshu`) have half or more.
pub const COMMON_PAIRS: &str = "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba";

/// Second-level labels under which names are registered (`example.co.uk`, `example.com.cn`).
const SECOND_LEVEL: &[&str] = &["ac", "co", "com", "edu", "gov", "ne", "net", "or", "org"];

fn common_pair(a: u8, b: u8) -> bool {
    COMMON_PAIRS.as_bytes().chunks(3).any(|p| p.first() == Some(&a) && p.get(1) == Some(&b))
}

/// The label a name was registered under: `kqzvhwjxmt` for `www.kqzvhwjxmt.info`, `shop` for
/// `a.shop.co.uk`; `None` for a single label.
pub fn registrable_label(name: &str) -> Option<&str> {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n < 2 {
        return None;
    }
    let tld = labels.get(n - 1)?;
    let second = labels.get(n - 2)?;
    if n >= 3 && tld.len() == 2 && SECOND_LEVEL.contains(second) {
        return labels.get(n - 3).copied();
    }
    Some(second)
}

/// A registrable label that an algorithm made rather than a person: random letters, or a
/// hash-like run of digits and letters.
pub fn looks_generated(label: &str) -> bool {
    common_share(label).is_some_and(|share| share < MAX_COMMON_SHARE)
}

/// The share of a label's letter pairs that are common ones: `Some(0.0)` for a hash-like
/// label, `None` for one that is not judged (short, punycode, mostly digits, other bytes).
fn common_share(label: &str) -> Option<f64> {
    let l = label.to_ascii_lowercase();
    let b = l.as_bytes();
    if l.starts_with("xn--") || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return None;
    }
    // Hash-like: digits and letters interleaved (`3a5f9e2c1b`), not a word with a number
    // (`windows10update`, `office365`).
    let switches = b.windows(2).filter(|w| matches!(w, [x, y] if x.is_ascii_digit() != y.is_ascii_digit())).count();
    if b.len() >= 10 && switches >= 4 {
        return Some(0.0);
    }
    let letters = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    if letters < MIN_LABEL || letters * 10 < b.len() * 8 {
        return None;
    }
    let pairs = b.windows(2).filter(|w| w.iter().all(u8::is_ascii_lowercase)).count();
    let common = b.windows(2).filter(|w| matches!(w, [x, y] if common_pair(*x, *y))).count();
    (pairs > 0).then(|| common as f64 / pairs as f64)
}

/// A name's TLD and its registrable label's length: a DGA family's shape.
fn shape(name: &str) -> Option<(String, usize)> {
    let tld = name.trim_end_matches('.').rsplit('.').next()?.to_ascii_lowercase();
    Some((tld, registrable_label(name)?.len()))
}

/// One generated-looking name answered NXDOMAIN.
#[derive(Debug, Clone)]
struct Nx {
    name: String,
    query: At,
    answer: At,
    resolver: SocketAddr,
}

#[derive(Debug, Default)]
struct Host {
    nx: Vec<Nx>,
    /// NXDOMAIN names that nearly look generated: counted with a burst of their shape.
    family: Vec<Nx>,
    /// Registrable labels already kept, so a name asked for A and AAAA counts once.
    seen: BTreeSet<String>,
    /// Generated-looking names that resolved: the name, its answer, its addresses.
    resolved: Vec<(String, At, Vec<IpAddr>)>,
    /// Generated-looking lookups answered any other way (SERVFAIL, REFUSED).
    other: u64,
    /// The first connection to a resolved name's address: (address, frame, time, stream).
    contacted: Option<(IpAddr, At, u32)>,
}

/// The bursts of generated names, per querying host.
#[derive(Debug, Default)]
pub struct Generated {
    hosts: BTreeMap<IpAddr, Host>,
    /// Addresses of resolved generated names, watched for a connection: address → hosts.
    watched: HashMap<IpAddr, Vec<IpAddr>>,
}

impl Generated {
    /// One answer to an address lookup of `name` by `host` at `resolver`.
    #[allow(clippy::too_many_arguments)] // each is one column of the answer
    pub fn answer(
        &mut self,
        host: IpAddr,
        resolver: SocketAddr,
        name: &str,
        rcode: u8,
        addresses: &[IpAddr],
        query: At,
        answer: At,
    ) {
        let Some(label) = registrable_label(name) else { return };
        let Some(share) = common_share(label).filter(|s| *s < FAMILY_COMMON_SHARE) else { return };
        let generated = share < MAX_COMMON_SHARE;
        if !self.hosts.contains_key(&host) && self.hosts.len() >= MAX_HOSTS {
            return;
        }
        let h = self.hosts.entry(host).or_default();
        match rcode {
            3 => {
                let kept = if generated { &mut h.nx } else { &mut h.family };
                if kept.len() < MAX_KEPT && h.seen.insert(label.to_string()) {
                    kept.push(Nx { name: name.to_string(), query, answer, resolver });
                }
            }
            _ if !generated => {}
            0 if !addresses.is_empty() => {
                if h.resolved.len() < MAX_RESOLVED && !h.resolved.iter().any(|r| r.0 == name) {
                    h.resolved.push((name.to_string(), answer, addresses.to_vec()));
                    for a in addresses {
                        if self.watched.len() < MAX_WATCHED || self.watched.contains_key(a) {
                            self.watched.entry(*a).or_default().push(host);
                        }
                    }
                }
            }
            0 => {}
            _ => h.other += 1,
        }
    }

    /// Whether a connection to `dst` may matter: cheap, for every new connection.
    pub fn watching(&self, dst: &IpAddr) -> bool {
        !self.watched.is_empty() && self.watched.contains_key(dst)
    }

    /// A new connection from `src` to `dst` (a watched address).
    pub fn connect(&mut self, src: IpAddr, dst: IpAddr, at: At, stream: u32) {
        if !self.watched.get(&dst).is_some_and(|hosts| hosts.contains(&src)) {
            return;
        }
        if let Some(h) = self.hosts.get_mut(&src) {
            h.contacted.get_or_insert((dst, at, stream));
        }
    }

    /// The findings, and the names they explain (for `dns-failure`'s NXDOMAIN list).
    pub fn finish(&self) -> (Vec<Finding>, crate::HashSet<String>) {
        let mut out = Vec::new();
        let mut taken = crate::HashSet::default();
        for (&host, h) in &self.hosts {
            let Some((from, to)) = densest(&h.nx) else { continue };
            let burst = h.nx.get(from..to).unwrap_or_default();
            let judged = h.nx.len() as u64 + h.resolved.len() as u64 + h.other;
            if burst.len() < MIN_NAMES || (h.nx.len() as f64) < MIN_NX_SHARE * judged as f64 {
                continue;
            }
            // The burst's family: names of its TLDs and label lengths, in its time span.
            let shapes: BTreeSet<String> = burst.iter().filter_map(|n| shape(&n.name)).map(|s| s.0).collect();
            let lengths = burst.iter().filter_map(|n| shape(&n.name)).map(|s| s.1);
            let (short, long) = (lengths.clone().min().unwrap_or(0), lengths.max().unwrap_or(0));
            let (start, end) = (burst.first().map(|n| n.query.ts), burst.last().map(|n| n.answer.ts));
            let mut names: Vec<Nx> = burst.to_vec();
            names.extend(
                h.family
                    .iter()
                    .filter(|n| {
                        shape(&n.name).is_some_and(|(tld, len)| shapes.contains(&tld) && (short..=long).contains(&len))
                            && start.is_some_and(|s| n.query.ts >= s)
                            && end.is_some_and(|e| n.answer.ts <= e)
                    })
                    .cloned(),
            );
            names.sort_by_key(|n| n.query.frame);
            taken.extend(names.iter().map(|n| n.name.clone()));
            out.push(finding(host, h, &names));
        }
        (out, taken)
    }
}

/// The densest run of `nx` (sorted by time) within [`BURST_S`]: its start and end index.
fn densest(nx: &[Nx]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut from = 0;
    for (to, n) in nx.iter().enumerate() {
        while nx.get(from).is_some_and(|f| n.answer.ts.since(f.query.ts) as f64 / 1e9 > BURST_S) {
            from += 1;
        }
        if best.is_none_or(|(a, b)| b - a < to + 1 - from) {
            best = Some((from, to + 1));
        }
    }
    best
}

fn finding(host: IpAddr, h: &Host, burst: &[Nx]) -> Finding {
    let (Some(first), Some(last)) = (burst.first(), burst.last()) else {
        return Finding::new("dga-domains", Severity::Warning, None);
    };
    let contacted = h.contacted.and_then(|(addr, at, stream)| {
        h.resolved.iter().find(|r| r.2.contains(&addr)).map(|r| (r.0.clone(), addr, at, stream))
    });
    let severity = if contacted.is_some() { Severity::Error } else { Severity::Warning };
    let mut f = Finding::new("dga-domains", severity, contacted.as_ref().map(|c| c.3));
    f.confidence = if contacted.is_some() { super::Confidence::High } else { super::Confidence::Medium };
    f = f.evidence(first.query.frame, first.query.ts, msg!("dga-role-query", name = first.name.clone())).evidence(
        first.answer.frame,
        first.answer.ts,
        msg!("dga-role-nx", name = first.name.clone()),
    );
    for n in burst.iter().skip(1).take(3) {
        f = f.evidence(n.answer.frame, n.answer.ts, msg!("dga-role-nx", name = n.name.clone()));
    }
    for (name, at, addrs) in h.resolved.iter().take(3) {
        let addr = addrs.first().map(ToString::to_string).unwrap_or_default();
        f = f.evidence(at.frame, at.ts, msg!("dga-role-resolved", name = name.clone(), addr = addr));
    }
    let resolvers: BTreeSet<String> = burst.iter().map(|n| n.resolver.ip().to_string()).collect();
    let span = last.answer.ts.since(first.query.ts) as f64 / 1e9;
    let names = Arg::list(
        burst
            .iter()
            .take(SHOWN)
            .map(|n| n.name.clone())
            .chain((burst.len() > SHOWN).then(|| format!("+{}", burst.len() - SHOWN))),
    );
    f.summary = msg!(
        "dga-summary",
        host = host,
        n = burst.len(),
        span = format!("{span:.0}"),
        resolver = Arg::list(resolvers.iter().cloned())
    );
    let mut parts = vec![msg!("dga-explanation", host = host, names = names, judged = burst.len() + h.resolved.len())];
    if !h.resolved.is_empty() {
        parts.push(msg!(
            "dga-resolved",
            names = Arg::list(h.resolved.iter().map(|r| {
                format!("{} → {}", r.0, r.2.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            }))
        ));
    }
    if let Some((name, addr, at, stream)) = &contacted {
        parts.push(msg!("dga-contacted", host = host, name = name.clone(), addr = *addr, stream = *stream));
        f = f.evidence(at.frame, at.ts, msg!("dga-role-connect", addr = *addr, stream = *stream));
    }
    f.explanation = crate::i18n::Message::sentences(parts);
    f.covers = contacted.iter().map(|c| c.3).collect();
    let controllers: Vec<String> = h.resolved.iter().flat_map(|r| r.2.iter().map(ToString::to_string)).collect();
    f.recommendations = vec![
        msg!("dga-rec-isolate", host = host),
        msg!("dga-rec-find", name = first.name.clone()),
        msg!("dga-rec-block", addrs = if controllers.is_empty() { "-".to_string() } else { controllers.join(", ") }),
        msg!("dga-rec-keys"),
    ];
    f.display_filter =
        format!("{} && dns.flags.response == 1 && dns.flags.rcode == 3", super::dns_failure::addr_filter(host));
    let f = f
        .fact("host", host.to_string())
        .fact("resolvers", resolvers.into_iter().collect::<Vec<_>>())
        .fact("nxdomain_names", burst.len())
        .fact("names", burst.iter().take(50).map(|n| n.name.clone()).collect::<Vec<_>>())
        .fact("span_s", (span * 10.0).round() / 10.0)
        .fact(
            "resolved",
            h.resolved
                .iter()
                .map(|r| serde_json::json!({"name": r.0, "addresses": r.2.iter().map(ToString::to_string).collect::<Vec<_>>()}))
                .collect::<Vec<_>>(),
        )
        .fact("contacted", contacted.as_ref().map(|c| c.1.to_string()));
    f.seal().show_cited()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_labels_skip_public_second_levels() {
        assert_eq!(registrable_label("www.kqzvhwjxmt.info"), Some("kqzvhwjxmt"));
        assert_eq!(registrable_label("a.shop.co.uk."), Some("shop"));
        assert_eq!(registrable_label("pay.example.com.cn"), Some("example"));
        assert_eq!(registrable_label("intranet"), None);
    }

    #[test]
    fn random_labels_look_generated_and_chosen_names_do_not() {
        for g in ["kqzvhwjxmt", "xjwqpfkzmbd", "vtyxqkowhzpl", "3a5f9e2c1b7d", "bwqnzkxjtrvy"] {
            assert!(looks_generated(g), "{g}");
        }
        for h in [
            "cloudfront",
            "googleapis",
            "bilibili",
            "xiaohongshu",
            "kubernetes",
            "windows10update",
            "office365",
            "xn--fiqs8s",
            "akamaihd",
            "mzstatic",
            "shop",
            "jingdong",
            "my-online-store",
            "wikipedia",
        ] {
            assert!(!looks_generated(h), "{h}");
        }
    }
}
