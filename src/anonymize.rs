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
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::capture::{LinkType, Record, Timestamp};

pub struct Anonymizer {
    key: [u8; 32],
    cache: RefCell<BTreeMap<IpAddr, IpAddr>>,
    /// The same pairs as bytes, for rewriting frames in one pass (those that change).
    bytes4: RefCell<crate::HashMap<[u8; 4], [u8; 4]>>,
    bytes6: RefCell<crate::HashMap<[u8; 16], [u8; 16]>>,
    /// Addresses pcapdoc itself writes in advice (public resolvers such as 223.5.5.5): not
    /// the user's, so never rewritten.
    exempt: Vec<IpAddr>,
}

/// The anonymizer of the process's diagnostics (stderr), once `--anonymize` is on.
static DIAGNOSTICS: OnceLock<Mutex<Anonymizer>> = OnceLock::new();

/// `line` with its addresses rewritten when `--anonymize` is on, as it is otherwise.
pub fn for_diagnostics(line: &str) -> std::borrow::Cow<'_, str> {
    match DIAGNOSTICS.get().and_then(|m| m.lock().ok()) {
        Some(a) => std::borrow::Cow::Owned(a.text(line)),
        None => std::borrow::Cow::Borrowed(line),
    }
}

impl Anonymizer {
    /// Rewrites the process's diagnostics from now on, with this anonymizer's key (the same
    /// pseudonyms as the report's).
    pub fn also_for_diagnostics(&self) {
        let _ = DIAGNOSTICS.set(Mutex::new(Anonymizer::new(self.key)));
    }

    pub fn new(key: [u8; 32]) -> Self {
        let exempt = crate::i18n::constant_addresses();
        Anonymizer {
            key,
            cache: RefCell::new(BTreeMap::new()),
            bytes4: RefCell::default(),
            bytes6: RefCell::default(),
            exempt,
        }
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
        match (a, p) {
            (IpAddr::V4(a), IpAddr::V4(q)) if a != q => {
                self.bytes4.borrow_mut().insert(a.octets(), q.octets());
            }
            (IpAddr::V6(a), IpAddr::V6(q)) if a != q => {
                self.bytes6.borrow_mut().insert(a.octets(), q.octets());
            }
            _ => {}
        }
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

    /// Rewrites every IP address written in `s`: IPv4 dotted (`10.20.30.40`, also inside
    /// names such as `10.20.30.40.nip.io`) and dashed (`ip-10-20-30-40.ec2.internal`), IPv6,
    /// and the 8-digit hex form (`0a141e28`) of an address already pseudonymised.
    pub fn text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((i, len, with)) = self.next_address(rest) {
            out.push_str(rest.get(..i).unwrap_or_default());
            out.push_str(&with);
            rest = rest.get(i + len..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }

    /// The first address written in `s`: (byte offset, length, its pseudonym in the same form).
    fn next_address(&self, s: &str) -> Option<(usize, usize, String)> {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b.get(i).copied().unwrap_or(0);
            let prev = i.checked_sub(1).and_then(|p| b.get(p)).copied();
            let starts = prev.is_none_or(|p| !p.is_ascii_alphanumeric() && p != b':' && p != b'.');
            if starts && c.is_ascii_hexdigit() {
                if let Some(found) = self.address_at(s, i) {
                    return Some(found);
                }
                // Skip the rest of this word.
                while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':' || *c == b'.') {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        None
    }

    fn address_at(&self, s: &str, i: usize) -> Option<(usize, usize, String)> {
        let tail = s.get(i..)?;
        if let Some(found) = self.ip6_arpa(tail) {
            return Some((i, found.0, found.1));
        }
        // IPv6: the longest run of hex digits and colons (with a dotted tail) that parses.
        let run: usize = tail.bytes().take_while(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.').count();
        // The longest IPv6 text (with an IPv4 tail) is 45 characters.
        let mut end = run.min(45);
        while end > 0 {
            let cand = tail.get(..end)?;
            if cand.matches(':').count() >= 2 {
                if let Ok(v6) = cand.parse::<Ipv6Addr>() {
                    return Some((i, end, self.addr(IpAddr::V6(v6)).to_string()));
                }
            }
            end -= 1;
        }
        for sep in [b'.', b'-'] {
            if let Some((len, mut octets)) = quad(tail.as_bytes(), sep) {
                // A reverse-lookup name holds the address backwards (RFC 1035 3.5).
                let reverse =
                    sep == b'.' && tail.get(len..len + 13).is_some_and(|t| t.eq_ignore_ascii_case(".in-addr.arpa"));
                if reverse {
                    octets.reverse();
                }
                let p = match self.addr(IpAddr::V4(Ipv4Addr::from(octets))) {
                    IpAddr::V4(p) if reverse => {
                        let mut o = p.octets();
                        o.reverse();
                        o
                    }
                    IpAddr::V4(p) => p.octets(),
                    IpAddr::V6(_) => continue,
                };
                let sep = char::from(sep).to_string();
                return Some((i, len, p.iter().map(u8::to_string).collect::<Vec<_>>().join(&sep)));
            }
        }
        // Hex: exactly eight digits, standing alone, of an address already seen.
        let hex: usize = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        let after = tail.as_bytes().get(hex).copied();
        if hex == 8 && after.is_none_or(|c| !c.is_ascii_alphanumeric()) {
            let v = u32::from_str_radix(tail.get(..8)?, 16).ok()?;
            let a = IpAddr::V4(Ipv4Addr::from(v));
            if self.cache.borrow().contains_key(&a) {
                if let IpAddr::V4(p) = self.addr(a) {
                    let upper = tail.bytes().take(8).any(|c| c.is_ascii_uppercase());
                    let h = format!("{:08x}", u32::from(p));
                    return Some((i, 8, if upper { h.to_ascii_uppercase() } else { h }));
                }
            }
        }
        None
    }

    /// An IPv6 reverse-lookup name at the start of `tail`: 32 nibbles, lowest first, each
    /// a label, then `.ip6.arpa` (RFC 3596 2.5). Rewritten nibble for nibble, so its length
    /// never changes.
    fn ip6_arpa(&self, tail: &str) -> Option<(usize, String)> {
        let b = tail.as_bytes();
        let name = b.get(..64)?;
        let suffix = tail.get(63..72)?;
        if !suffix.eq_ignore_ascii_case(".ip6.arpa") {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (k, pair) in name.chunks(2).enumerate() {
            // Each nibble is followed by a dot (the last one by `.ip6.arpa`'s).
            let &[nib, b'.'] = pair else { return None };
            let v = char::from(nib).to_digit(16)? as u8;
            // Nibble k counts from the address's last nibble.
            let byte = 15 - k / 2;
            let slot = bytes.get_mut(byte)?;
            *slot |= if k % 2 == 0 { v } else { v << 4 };
        }
        let IpAddr::V6(p) = self.addr(IpAddr::V6(Ipv6Addr::from(bytes))) else { return None };
        let o = p.octets();
        let upper = name.iter().any(u8::is_ascii_uppercase);
        let mut out = String::with_capacity(63);
        for k in 0..32 {
            let byte = o.get(15 - k / 2).copied().unwrap_or(0);
            let v = if k % 2 == 0 { byte & 0xf } else { byte >> 4 };
            let c = char::from_digit(u32::from(v), 16).unwrap_or('0');
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            if k < 31 {
                out.push('.');
            }
        }
        Some((63, out))
    }

    /// Every address pseudonymised so far, with its pseudonym.
    pub fn known(&self) -> Vec<(IpAddr, IpAddr)> {
        self.cache.borrow().iter().map(|(a, b)| (*a, *b)).collect()
    }

    /// A copy of a captured frame with every address replaced, after learning the frame's
    /// own addresses and those its DNS answers carry: the bytes of every known address,
    /// wherever they are (IP headers, ICMP quotes, DNS answers), become the pseudonym's; an
    /// address written as text in the payload (`Host: 10.20.30.40`, a name such as
    /// `ip-10-20-30-40`) is rewritten when its pseudonym has the same length and masked with
    /// `x` otherwise, so that lengths and sequence numbers stay as they were. Linear in the
    /// frame's length: the known addresses are looked up, not searched for.
    /// Returns the frame and how many text addresses had to be masked.
    pub fn packet(&self, raw: &[u8], link: LinkType) -> (Vec<u8>, usize) {
        let rec = Record { frame: 0, ts: Timestamp(0), link, interface: 0, data: raw, orig_len: raw.len() as u32 };
        let frame = crate::decode::decode(&rec);
        if let Some(ip) = frame.ip {
            self.addr(ip.src);
            self.addr(ip.dst);
        }
        let payload = match &frame.l4 {
            crate::decode::L4::Udp(u) => Some((u.payload, u.src_port == 53 || u.dst_port == 53, false)),
            crate::decode::L4::Tcp(t) => Some((t.payload, t.src_port == 53 || t.dst_port == 53, true)),
            _ => None,
        };
        let mut text_at = None;
        if let Some((p, dns, tcp)) = payload {
            let msg = if tcp { p.get(2..) } else { Some(p) };
            if let (true, Some(m)) = (dns, msg) {
                for a in crate::app::dns::addresses(m) {
                    self.addr(a);
                }
            }
            // Where the payload starts in the frame (it is a subslice of `raw`).
            let offset = (p.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
            text_at = (offset <= raw.len() && !p.is_empty()).then_some(offset);
        }
        let mut out = raw.to_vec();
        self.replace_binary(&mut out);
        let dns = payload.is_some_and(|(_, dns, _)| dns);
        let masked = match text_at {
            Some(start) if dns => out.get_mut(start..).map_or(0, |p| self.replace_dns_names(p)),
            Some(start) => out.get_mut(start..).map_or(0, |p| self.replace_text(p)),
            None => 0,
        };
        (out, masked)
    }

    /// Addresses written in DNS names on the wire (`10.20.30.40.nip.io`, a PTR's
    /// `40.30.20.10.in-addr.arpa`), where labels are length-prefixed, not dotted: the names
    /// are read as dotted text, and an address whose pseudonym has the same label lengths
    /// is rewritten, any other has its digits masked with `x` (a label's length byte must
    /// keep telling the truth). Returns how many were masked.
    fn replace_dns_names(&self, payload: &mut [u8]) -> usize {
        // The dotted view: each label's length byte becomes '.', or ' ' where a name starts.
        let mut view = payload.to_vec();
        let mut i = 0;
        let mut in_name = false;
        while let Some(&n) = payload.get(i) {
            let len = usize::from(n);
            let label = payload.get(i + 1..i + 1 + len);
            let is_label = (1..=63).contains(&len)
                && label.is_some_and(|l| l.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'));
            if is_label {
                if let Some(v) = view.get_mut(i) {
                    *v = if in_name { b'.' } else { b' ' };
                }
                in_name = true;
                i += 1 + len;
            } else {
                in_name = false;
                if let Some(v) = view.get_mut(i) {
                    *v = b' ';
                }
                i += 1;
            }
        }
        // ASCII only, so that the text's offsets are the payload's.
        view.iter_mut().filter(|c| !c.is_ascii()).for_each(|c| *c = b' ');
        let mut masked = 0;
        let text = String::from_utf8_lossy(&view).into_owned();
        let mut at = 0;
        while let Some((i, n, with)) = text.get(at..).and_then(|r| self.next_address(r)) {
            let (from, to) = (at + i, at + i + n);
            let same_shape = with.len() == n
                && text.get(from..to).is_some_and(|orig| {
                    orig.bytes().zip(with.bytes()).all(|(a, b)| a.is_ascii_hexdigit() == b.is_ascii_hexdigit())
                });
            if let Some(dst) = payload.get_mut(from..to) {
                for (d, w) in dst.iter_mut().zip(with.bytes()) {
                    if d.is_ascii_hexdigit() {
                        *d = if same_shape { w } else { b'x' };
                    }
                }
                masked += usize::from(!same_shape);
            }
            at = to;
        }
        // What is not in a name (TXT strings and the like) is plain text.
        masked + self.replace_text(payload)
    }

    /// Replaces the bytes of every known address, at any offset.
    fn replace_binary(&self, out: &mut [u8]) {
        let (v4, v6) = (self.bytes4.borrow(), self.bytes6.borrow());
        let mut i = 0;
        while i < out.len() {
            let hit6 = (!v6.is_empty())
                .then(|| out.get(i..i + 16))
                .flatten()
                .and_then(|w| <[u8; 16]>::try_from(w).ok())
                .and_then(|w| v6.get(&w));
            if let (Some(p), Some(dst)) = (hit6.copied(), out.get_mut(i..i + 16)) {
                dst.copy_from_slice(&p);
                i += 16;
                continue;
            }
            let hit4 = out.get(i..i + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).and_then(|w| v4.get(&w));
            if let (Some(p), Some(dst)) = (hit4.copied(), out.get_mut(i..i + 4)) {
                dst.copy_from_slice(&p);
                i += 4;
                continue;
            }
            i += 1;
        }
    }

    /// Rewrites (same length) or masks the addresses written as text in a payload; returns
    /// how many were masked.
    fn replace_text(&self, payload: &mut [u8]) -> usize {
        let mut masked = 0;
        let mut start = 0;
        while start < payload.len() {
            // ASCII runs only: binary payloads hold no text addresses to speak of.
            let len = payload.get(start..).map_or(0, |p| p.iter().take_while(|c| c.is_ascii_graphic()).count());
            if len >= 7 {
                let run = payload.get(start..start + len).map(|r| String::from_utf8_lossy(r).into_owned());
                let mut at = 0;
                while let Some((i, n, with)) =
                    run.as_deref().and_then(|r| r.get(at..)).and_then(|r| self.next_address(r))
                {
                    let (from, to) = (start + at + i, start + at + i + n);
                    if let Some(dst) = payload.get_mut(from..to) {
                        if with.len() == n {
                            dst.copy_from_slice(with.as_bytes());
                        } else {
                            dst.iter_mut().filter(|c| c.is_ascii_hexdigit()).for_each(|c| *c = b'x');
                            masked += 1;
                        }
                    }
                    at += i + n;
                }
            }
            start += len + 1;
        }
        masked
    }
}

/// Four octets separated by `sep` at the start of `b`, not part of a longer number or
/// sequence (`1.2.3.4.5`, `1-2-3-4-5`): the length written and the octets.
fn quad(b: &[u8], sep: u8) -> Option<(usize, [u8; 4])> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, o) in octets.iter_mut().enumerate() {
        if k > 0 {
            (b.get(i) == Some(&sep)).then_some(())?;
            i += 1;
        }
        let digits = b.get(i..)?.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        *o = std::str::from_utf8(b.get(i..i + digits)?).ok()?.parse().ok()?;
        i += digits;
    }
    let next = b.get(i).copied();
    let longer = next == Some(sep) && b.get(i + 1).is_some_and(u8::is_ascii_digit);
    let glued = next.is_some_and(|c| c.is_ascii_alphanumeric());
    (!longer && !glued).then_some((i, octets))
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

    #[test]
    fn a_reverse_lookup_name_is_rewritten_as_the_address_it_holds_backwards() {
        let x = Anonymizer::new([1; 32]);
        let t = x.text("PTR 40.30.20.10.in-addr.arpa");
        let p = match x.addr(a("10.20.30.40")) {
            IpAddr::V4(p) => p.octets(),
            IpAddr::V6(_) => unreachable!(),
        };
        let want = format!("{}.{}.{}.{}.in-addr.arpa", p[3], p[2], p[1], p[0]);
        assert!(t.ends_with(&want), "{t} should end with {want}");
        assert!(!t.contains("40.30.20.10"), "{t}");
    }

    #[test]
    fn an_ipv6_reverse_lookup_name_is_rewritten_nibble_for_nibble() {
        let x = Anonymizer::new([1; 32]);
        let orig: Ipv6Addr = "2001:db8::567:89ab".parse().unwrap();
        let name = "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
        let t = x.text(&format!("PTR {name}"));
        assert!(!t.contains(&name[..63]), "{t}");
        assert_eq!(t.len(), name.len() + 4);
        let IpAddr::V6(p) = x.addr(IpAddr::V6(orig)) else { panic!() };
        let nibbles: String =
            p.octets().iter().rev().flat_map(|b| [b & 0xf, b >> 4]).map(|n| format!("{n:x}.")).collect();
        assert!(t.contains(&format!("{nibbles}ip6.arpa")), "{t} vs {nibbles}");
    }

    #[test]
    fn addresses_in_dns_names_on_the_wire_keep_their_label_lengths_or_are_masked() {
        let x = Anonymizer::new([1; 32]);
        // A query for 10.20.30.40.nip.io: labels 2 "10" 2 "20" 2 "30" 2 "40" 3 "nip" 2 "io".
        let mut m = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in ["10", "20", "30", "40", "nip", "io"] {
            m.push(l.len() as u8);
            m.extend(l.as_bytes());
        }
        m.extend([0, 0, 1, 0, 1]);
        let before = m.clone();
        x.replace_dns_names(&mut m);
        assert_eq!(m.len(), before.len());
        assert!(!m.windows(12).any(|w| w == b"\x0210\x0220\x0230\x0240"), "{m:?}");
        // Every label length byte still tells the truth.
        let mut i = 12;
        for l in ["10", "20", "30", "40", "nip", "io"] {
            assert_eq!(usize::from(m[i]), l.len());
            i += 1 + l.len();
        }
        assert_eq!(&m[i - 7..i], b"\x03nip\x02io", "the rest of the name is left as it was");
    }

    #[test]
    fn text_rewrites_addresses_inside_names_dashed_and_known_hex() {
        let x = Anonymizer::new([1; 32]);
        let t = x.text("ip-10-20-30-40.ec2.internal and 10.20.30.40.nip.io, then 0a141e28; 1.2.3.4.5 and 0a0b0c0d");
        assert!(!t.contains("10-20-30-40") && !t.contains("10.20.30.40") && !t.contains("0a141e28"), "{t}");
        assert!(t.contains(".ec2.internal") && t.contains(".nip.io"), "{t}");
        assert!(t.contains("1.2.3.4.5"), "a five-part number is no address: {t}");
        assert!(t.contains("0a0b0c0d"), "hex of an address never seen is left alone: {t}");
        let p = x.addr(a("10.20.30.40"));
        assert!(t.contains(&p.to_string().replace('.', "-")), "dashed stays dashed: {t}");
    }
}
