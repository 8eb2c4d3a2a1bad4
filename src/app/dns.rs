//! DNS messages, parsed with dns-parser and turned into an owned, simple form.
//!
//! Names with non-ASCII labels, bad compression pointers or truncation are rejected by
//! dns-parser (pointers must point backwards, so loops cannot happen); a rejected message is
//! counted as malformed by the caller. DNS over TCP carries a 2-byte length before each
//! message (RFC 1035 section 4.2.2); [`TcpDnsFramer`] splits them, bounded.

use std::net::IpAddr;

use dns_parser::{Packet, RData};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    A(IpAddr),
    Cname(String),
    Other(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: Answer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsMessage {
    pub id: u16,
    pub response: bool,
    /// RFC 1035 RCODE (0 NOERROR, 3 NXDOMAIN, ...).
    pub rcode: u8,
    /// First question: name and type.
    pub question: Option<(String, u16)>,
    pub answers: Vec<Record>,
}

/// The fixed 12-byte header of a DNS message (RFC 1035 section 4.1.1), read by hand.
/// dns-parser rejects a whole message it cannot read (some EDNS options, a record it does
/// not know: corpus `dns-edns-ecs`); the ID, the QR bit and the RCODE still pair such a
/// response with its query (docs/DEPENDENCIES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    pub response: bool,
    pub rcode: u8,
}

pub fn header(bytes: &[u8]) -> Option<Header> {
    let [a, b, flags, codes, ..] = *bytes.get(..12)? else { return None };
    Some(Header { id: u16::from_be_bytes([a, b]), response: flags & 0x80 != 0, rcode: codes & 0x0f })
}

/// The response code's name (RFC 1035, 2136): NOERROR, NXDOMAIN, ...
pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "other",
    }
}

pub fn parse(bytes: &[u8]) -> Option<DnsMessage> {
    let p = Packet::parse(bytes).ok()?;
    let question = p.questions.first().map(|q| (q.qname.to_string(), q.qtype as u16));
    let answers = p
        .answers
        .iter()
        .map(|r| {
            let data = match &r.data {
                RData::A(a) => Answer::A(IpAddr::V4(a.0)),
                RData::AAAA(a) => Answer::A(IpAddr::V6(a.0)),
                RData::CNAME(c) => Answer::Cname(c.0.to_string()),
                other => Answer::Other(rdata_type(other)),
            };
            Record { name: r.name.to_string(), ttl: r.ttl, data }
        })
        .collect();
    Some(DnsMessage {
        id: p.header.id,
        response: !p.header.query,
        rcode: p.header.response_code.into(),
        question,
        answers,
    })
}

/// Every address a DNS message carries in its records: answers, authority and additional
/// (a name server's glue A record is an address too). For `--anonymize`, which must learn
/// them all before it rewrites the packet.
pub fn addresses(bytes: &[u8]) -> Vec<IpAddr> {
    let Ok(p) = Packet::parse(bytes) else { return Vec::new() };
    p.answers
        .iter()
        .chain(&p.nameservers)
        .chain(&p.additional)
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect()
}

fn rdata_type(r: &RData<'_>) -> u16 {
    match r {
        RData::NS(_) => 2,
        RData::MX(_) => 15,
        RData::PTR(_) => 12,
        RData::SOA(_) => 6,
        RData::SRV(_) => 33,
        RData::TXT(_) => 16,
        _ => 0,
    }
}

/// Splits a DNS-over-TCP byte stream into messages.
#[derive(Debug, Default)]
pub struct TcpDnsFramer {
    buf: Vec<u8>,
    pub broken: bool,
}

impl TcpDnsFramer {
    /// A DNS message over TCP is at most 65535 bytes; the buffer never holds more than one.
    pub fn feed(&mut self, mut data: &[u8], emit: &mut dyn FnMut(&[u8])) {
        while !data.is_empty() && !self.broken {
            let want = match self.buf.as_slice() {
                [0, 0, ..] => {
                    // A zero length prefix frames no message; skip it (every pass must consume).
                    self.buf.clear();
                    continue;
                }
                [hi, lo, ..] => 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => 2,
            };
            let take = want.saturating_sub(self.buf.len()).min(data.len());
            let (now, rest) = data.split_at(take);
            self.buf.extend_from_slice(now);
            data = rest;
            if self.buf.len() == want && want > 2 {
                emit(self.buf.get(2..).unwrap_or_default());
                self.buf.clear();
            }
        }
    }

    pub fn gap(&mut self) {
        self.broken = true;
        self.buf = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_of_a_message_dns_parser_rejects_is_still_read() {
        // A response (QR set) with RCODE 2 and a question section cut short.
        let bytes = [0xbc, 0x8d, 0x81, 0x82, 0, 1, 0, 0, 0, 0, 0, 0, 7, b'e', b'x'];
        assert_eq!(parse(&bytes), None);
        assert_eq!(header(&bytes), Some(Header { id: 0xbc8d, response: true, rcode: 2 }));
        assert_eq!(header(&bytes[..11]), None);
    }

    /// www.a.example CNAME b.example; b.example A 192.0.2.1
    fn response() -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        let q = [3, b'w', b'w', b'w', 1, b'a', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0];
        m.extend(q);
        m.extend([0, 1, 0, 1]);
        m.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60]);
        let target = [1, b'b', 0xc0, 18];
        m.extend((target.len() as u16).to_be_bytes());
        m.extend(target);
        m.extend([0xc0, 12 + 15 + 4 + 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        m
    }

    #[test]
    fn cname_chain_is_read() {
        let m = parse(&response()).unwrap();
        assert!(m.response);
        assert_eq!(m.question, Some(("www.a.example".into(), 1)));
        assert_eq!(m.answers[0].data, Answer::Cname("b.example".into()));
        assert_eq!(m.answers[1].name, "b.example");
        assert_eq!(m.answers[1].data, Answer::A("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn pointer_loops_and_truncations_are_rejected_not_fatal() {
        let mut m = response();
        // Make the answer's name pointer point at itself.
        let at = 12 + 15 + 4;
        m[at + 1] = at as u8;
        assert!(parse(&m).is_none());
        let full = response();
        for n in 0..full.len() {
            let _ = parse(&full[..n]);
        }
    }

    #[test]
    fn a_tcp_message_split_across_segments_is_reassembled() {
        let msg = response();
        let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
        framed.extend(&msg);
        let mut f = TcpDnsFramer::default();
        let mut got = Vec::new();
        for chunk in framed.chunks(5) {
            f.feed(chunk, &mut |m| got.push(m.to_vec()));
        }
        assert_eq!(got, vec![msg]);
    }

    /// Found by the dns_message fuzz target: a zero length prefix used to spin forever.
    #[test]
    fn zero_length_prefixes_are_skipped_not_looped_on() {
        let msg = response();
        let mut framed = vec![0, 0];
        framed.extend((msg.len() as u16).to_be_bytes());
        framed.extend(&msg);
        for split in [1, 2, 3, 64] {
            let mut f = TcpDnsFramer::default();
            let mut got = Vec::new();
            for chunk in framed.chunks(split) {
                f.feed(chunk, &mut |m| got.push(m.to_vec()));
            }
            assert_eq!(got, vec![msg.clone()], "split {split}");
        }
        let mut f = TcpDnsFramer::default();
        f.feed(&[0, 0, 0x41, 0x0a], &mut |_| {});
    }
}
