//! `--anonymize`: consistent, prefix-preserving pseudonyms for IP addresses, in the manner
//! of Crypto-PAn (Xu, Fan, Ammar, Moon 2002): bit i of the pseudonym is bit i of the address
//! XOR a keyed pseudo-random function of the address's first i bits. Addresses that share a
//! /n prefix keep sharing a /n prefix, so subnets stay recognisable; the same key gives the
//! same pseudonyms in every file (both captures of a `compare`).
//!
//! The PRF here is SHA-256 over the key and the prefix (Crypto-PAn uses AES; any keyed PRF
//! keeps the construction). Reports are rewritten as text (every IPv4 or IPv6 literal);
//! evidence packets by replacing the bytes of every address pcapdoc has seen, wherever they
//! occur in the frame (IP headers, ICMP quotes, DNS answers).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::capture::{LinkType, Record, Timestamp};

pub struct Anonymizer {
    key: [u8; 32],
    cache: RefCell<BTreeMap<IpAddr, IpAddr>>,
    /// Addresses pcapdoc itself writes in advice (public resolvers such as 223.5.5.5): not
    /// the user's, so never rewritten.
    exempt: Vec<IpAddr>,
}

impl Anonymizer {
    pub fn new(key: [u8; 32]) -> Self {
        let exempt = crate::i18n::constant_addresses();
        Anonymizer { key, cache: RefCell::new(BTreeMap::new()), exempt }
    }

    /// From `--anonymize-key` (any text: it is hashed to 32 bytes), or a random key, which is
    /// returned as hex so the caller can print it once.
    pub fn from_key_arg(arg: Option<&str>) -> (Self, Option<String>) {
        match arg {
            Some(k) => (Self::new(Sha256::digest(k.as_bytes()).into()), None),
            None => {
                let mut key = [0u8; 32];
                let urandom =
                    std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key));
                if urandom.is_err() {
                    // No /dev/urandom: the time and process id are the best we have.
                    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                    key = Sha256::digest(format!("{t:?}{}", std::process::id())).into();
                }
                let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
                (Self::new(Sha256::digest(hex.as_bytes()).into()), Some(hex))
            }
        }
    }

    fn bit(&self, version: u8, i: u32, prefix: &[u8]) -> u8 {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update([version, i as u8]);
        h.update(prefix);
        h.finalize().first().map_or(0, |b| b & 1)
    }

    /// The pseudonym of an address.
    pub fn addr(&self, a: IpAddr) -> IpAddr {
        if self.exempt.contains(&a) {
            return a;
        }
        if let Some(p) = self.cache.borrow().get(&a) {
            return *p;
        }
        let p = match a {
            IpAddr::V4(v) => IpAddr::V4(Ipv4Addr::from(self.bits(4, &v.octets()).try_into().unwrap_or([0; 4]))),
            IpAddr::V6(v) => {
                IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(self.bits(6, &v.octets())).unwrap_or([0; 16])))
            }
        };
        self.cache.borrow_mut().insert(a, p);
        p
    }

    fn bits(&self, version: u8, input: &[u8]) -> Vec<u8> {
        let n = input.len() as u32 * 8;
        let mut out = vec![0u8; input.len()];
        let mut prefix = vec![0u8; input.len()];
        for i in 0..n {
            let (byte, shift) = ((i / 8) as usize, 7 - (i % 8));
            let bit = input.get(byte).map_or(0, |b| (b >> shift) & 1);
            let flip = self.bit(version, i, &prefix);
            if let Some(o) = out.get_mut(byte) {
                *o |= (bit ^ flip) << shift;
            }
            if let Some(p) = prefix.get_mut(byte) {
                *p |= bit << shift;
            }
        }
        out
    }

    /// Rewrites every IP literal in `s`.
    pub fn text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut run = String::new();
        let is_run = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
        for c in s.chars().chain(std::iter::once('\u{0}')) {
            if is_run(c) {
                run.push(c);
                continue;
            }
            if !run.is_empty() {
                out.push_str(&self.rewrite_run(&run));
                run.clear();
            }
            if c != '\u{0}' {
                out.push(c);
            }
        }
        out
    }

    fn rewrite_run(&self, run: &str) -> String {
        let trimmed = run.trim_end_matches(['.', ':']);
        let tail = &run[trimmed.len()..];
        if trimmed.matches(':').count() >= 2 {
            if let Ok(v6) = trimmed.parse::<Ipv6Addr>() {
                return format!("{}{tail}", self.addr(IpAddr::V6(v6)));
            }
        }
        // IPv4 literals, possibly with a ":port" or inside a longer run.
        let parts: Vec<String> = trimmed
            .split(':')
            .map(|p| match p.parse::<Ipv4Addr>() {
                Ok(v4) if p.split('.').count() == 4 => self.addr(IpAddr::V4(v4)).to_string(),
                _ => p.to_string(),
            })
            .collect();
        format!("{}{tail}", parts.join(":"))
    }

    /// Every address pseudonymised so far, with its pseudonym.
    pub fn known(&self) -> Vec<(IpAddr, IpAddr)> {
        self.cache.borrow().iter().map(|(a, b)| (*a, *b)).collect()
    }

    /// A copy of a captured frame with the bytes of every known address replaced, after
    /// learning the frame's own addresses.
    pub fn packet(&self, raw: &[u8], link: LinkType) -> Vec<u8> {
        let rec = Record { frame: 0, ts: Timestamp(0), link, interface: 0, data: raw, orig_len: raw.len() as u32 };
        if let Some(ip) = crate::decode::decode(&rec).ip {
            self.addr(ip.src);
            self.addr(ip.dst);
        }
        let mut out = raw.to_vec();
        for (orig, anon) in self.known().into_iter().filter(|(o, p)| o != p) {
            let (from, to): (Vec<u8>, Vec<u8>) = match (orig, anon) {
                (IpAddr::V4(a), IpAddr::V4(b)) => (a.octets().to_vec(), b.octets().to_vec()),
                (IpAddr::V6(a), IpAddr::V6(b)) => (a.octets().to_vec(), b.octets().to_vec()),
                _ => continue,
            };
            let mut i = 0;
            while i + from.len() <= out.len() {
                if out.get(i..i + from.len()) == Some(from.as_slice()) {
                    if let Some(dst) = out.get_mut(i..i + from.len()) {
                        dst.copy_from_slice(&to);
                    }
                    i += from.len();
                } else {
                    i += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn pseudonyms_preserve_prefixes_and_are_consistent() {
        let x = Anonymizer::new([7; 32]);
        let (p1, p2, p3) = (x.addr(a("198.51.100.2")), x.addr(a("198.51.100.100")), x.addr(a("203.0.113.2")));
        let bits = |ip: IpAddr| match ip {
            IpAddr::V4(v) => u32::from(v),
            IpAddr::V6(_) => 0,
        };
        // Same /24 before, same /24 after; different first octet stays different.
        assert_eq!(bits(p1) >> 8, bits(p2) >> 8);
        assert_ne!(bits(p1) >> 24, bits(p3) >> 24);
        assert_ne!(p1, a("198.51.100.2"));
        let y = Anonymizer::new([7; 32]);
        assert_eq!(y.addr(a("198.51.100.2")), p1, "same key, same pseudonym");
        let z = Anonymizer::new([8; 32]);
        assert_ne!(z.addr(a("198.51.100.2")), p1);
    }

    #[test]
    fn text_rewrites_v4_with_ports_and_v6() {
        let x = Anonymizer::new([1; 32]);
        let t = x.text("from 198.51.100.2:35398 to [2001:db8::1]:443, version 1.0, ShADad");
        assert!(!t.contains("198.51.100.2") && !t.contains("2001:db8::1"), "{t}");
        assert!(
            t.contains(":35398") && t.contains("]:443") && t.contains("version 1.0") && t.contains("ShADad"),
            "{t}"
        );
    }
}
