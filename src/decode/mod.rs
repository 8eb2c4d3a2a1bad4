//! Frame decode: the second step of the pipeline.
//!
//! Turns a [`Record`] into a [`Frame`]: addresses, and a borrowed view of the TCP, UDP or
//! ICMP header with its payload. etherparse slices the link extensions (VLAN, QinQ) and the
//! IP layer, laxly, so a truncated packet still yields what it holds; the TCP and UDP
//! headers we read ourselves, because Wireshark's segment length comes from the IP header's
//! length fields and not from the captured bytes (a 96-byte snaplen must not turn a
//! 1448-byte segment into a 42-byte one).
//!
//! Contract: `decode` never panics and never allocates. A malformed packet is data: it
//! becomes a frame with `l4 == L4::None` and an [`Anomaly`].

pub mod link;

use std::net::IpAddr;

use etherparse::{LaxIpSlice, LaxNetSlice, LaxSlicedPacket};

use crate::capture::{Record, Timestamp};

/// One decoded frame. Borrowed from the capture reader's window.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub frame: u64,
    pub ts: Timestamp,
    pub wire_len: u32,
    /// The record as captured, and its link type (for writing evidence captures).
    pub raw: &'a [u8],
    pub link: crate::capture::LinkType,
    /// The innermost IP layer: the one TCP and the detectors see.
    pub ip: Option<IpInfo>,
    pub l4: L4<'a>,
    pub anomaly: Option<Anomaly>,
    /// The outermost tunnel the packet came through (a VXLAN or GRE mirror session, an
    /// IP-in-IP endpoint), when there was one.
    pub tunnel: Option<Tunnel>,
}

/// An encapsulation pcapdoc looked through, and the outer addresses it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunnel {
    pub kind: TunnelKind,
    pub outer: IpInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TunnelKind {
    Vxlan,
    Geneve,
    Gre,
    Erspan,
    IpInIp,
}

impl TunnelKind {
    pub fn name(self) -> &'static str {
        match self {
            TunnelKind::Vxlan => "VXLAN",
            TunnelKind::Geneve => "GENEVE",
            TunnelKind::Gre => "GRE",
            TunnelKind::Erspan => "ERSPAN",
            TunnelKind::IpInIp => "IP-in-IP",
        }
    }
}

/// Tunnels inside tunnels are followed this deep.
const MAX_TUNNEL_DEPTH: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpInfo {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL or hop limit: a change along one flow reveals a middlebox.
    pub ttl: u8,
    /// IPv4 identification; `None` for IPv6.
    pub ip_id: Option<u16>,
}

#[derive(Debug, Clone)]
pub enum L4<'a> {
    None,
    Tcp(Tcp<'a>),
    Udp(Udp<'a>),
    Icmp(Icmp),
}

/// TCP header flags, as Wireshark's `tcp.flags` (12 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;

    pub fn has(self, f: u16) -> bool {
        self.0 & f != 0
    }
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
    /// "SYN, ACK" style, for timelines.
    pub fn describe(self) -> String {
        let names = [
            (Self::SYN, "SYN"),
            (Self::FIN, "FIN"),
            (Self::RST, "RST"),
            (Self::PSH, "PSH"),
            (Self::ACK, "ACK"),
            (Self::URG, "URG"),
        ];
        let set: Vec<&str> = names.iter().filter(|(b, _)| self.has(*b)).map(|(_, n)| *n).collect();
        if set.is_empty() { "none".into() } else { set.join(", ") }
    }
}

/// Up to four SACK blocks (RFC 2018: at most 4 fit in 40 option bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    pub sack: [(u32, u32); 4],
    pub sack_count: u8,
    pub timestamp: Option<(u32, u32)>,
}

impl TcpOptions {
    pub fn sack_blocks(&self) -> &[(u32, u32)] {
        self.sack.get(..usize::from(self.sack_count)).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Tcp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// Raw window field; `None` when the capture cut the header before it.
    pub window: Option<u16>,
    /// Data offset × 4, as the header claims it (may be below 20 on a bogus header).
    pub header_len: u8,
    /// Wireshark's `tcp.len`: reported IP payload length minus the header length. `None` when
    /// the segment is shorter than its own header ("short segment").
    pub seglen: Option<u32>,
    /// The payload bytes actually captured (may be fewer than `seglen`).
    pub payload: &'a [u8],
    pub options: TcpOptions,
}

impl Tcp<'_> {
    /// The same header over other payload bytes.
    fn with_payload<'b>(&self, payload: &'b [u8]) -> Tcp<'b> {
        Tcp {
            src_port: self.src_port,
            dst_port: self.dst_port,
            seq: self.seq,
            ack: self.ack,
            flags: self.flags,
            window: self.window,
            header_len: self.header_len,
            seglen: self.seglen,
            payload,
            options: self.options,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Udp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// An ICMP or ICMPv6 message; for errors, the quoted packet's addresses and ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmp {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    pub quoted: Option<Quoted>,
}

/// The header of the packet an ICMP error quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
    /// seq, ack and flags, when the quote holds the first 16 bytes of a TCP header.
    pub tcp: Option<(u32, u32, TcpFlags)>,
}

/// Why a frame has no usable transport layer, or what is odd about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anomaly {
    /// Link type we do not decode; the frame still counts.
    UnsupportedLink,
    /// Not IP (ARP, LLDP, ...): not an anomaly for the user, but counted.
    NotIp,
    /// The IP header is cut short or malformed.
    BadIpHeader,
    /// An IPv4 or IPv6 fragment; its transport header is not decoded.
    IpFragment,
    /// The transport header is cut short.
    TruncatedTransport,
    /// TCP data offset below 5 words or beyond the segment.
    BadTcpHeaderLength,
    /// An encapsulation pcapdoc does not read (GRE version 1, an unknown GRE payload, a
    /// tunnel header cut short): the inner packet is not analysed.
    UnsupportedTunnel,
}

/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;

/// A decoded frame without its borrow of the record: its slices kept as ranges of the
/// record's bytes, so that a thread holding a copy of those bytes gets the frame back
/// without decoding again (the parallel engine decodes each frame once).
#[derive(Debug, Clone)]
pub struct Detached {
    frame: Frame<'static>,
    /// The TCP or UDP payload's place in the record.
    payload: std::ops::Range<usize>,
}

impl Frame<'_> {
    /// The frame as ranges of its record; `None` if a slice is not within the record (the
    /// decoder only slices the record, so a caller decodes again instead).
    pub fn detach(&self) -> Option<Detached> {
        let within = |s: &[u8]| -> Option<std::ops::Range<usize>> {
            if s.is_empty() {
                return Some(0..0);
            }
            let start = (s.as_ptr() as usize).checked_sub(self.raw.as_ptr() as usize)?;
            let end = start.checked_add(s.len())?;
            (end <= self.raw.len()).then_some(start..end)
        };
        let (l4, payload) = match &self.l4 {
            L4::Tcp(t) => (L4::Tcp(t.with_payload(&[])), within(t.payload)?),
            L4::Udp(u) => {
                (L4::Udp(Udp { src_port: u.src_port, dst_port: u.dst_port, payload: &[] }), within(u.payload)?)
            }
            L4::Icmp(i) => (L4::Icmp(*i), 0..0),
            L4::None => (L4::None, 0..0),
        };
        let frame = Frame {
            frame: self.frame,
            ts: self.ts,
            wire_len: self.wire_len,
            raw: &[],
            link: self.link,
            ip: self.ip,
            l4,
            anomaly: self.anomaly,
            tunnel: self.tunnel,
        };
        Some(Detached { frame, payload })
    }
}

impl Detached {
    /// The frame again, over `raw`: the bytes of the record it was decoded from.
    pub fn attach<'b>(&self, raw: &'b [u8]) -> Frame<'b> {
        let f = &self.frame;
        let payload = raw.get(self.payload.clone()).unwrap_or_default();
        let l4 = match &f.l4 {
            L4::Tcp(t) => L4::Tcp(t.with_payload(payload)),
            L4::Udp(u) => L4::Udp(Udp { src_port: u.src_port, dst_port: u.dst_port, payload }),
            L4::Icmp(i) => L4::Icmp(*i),
            L4::None => L4::None,
        };
        Frame {
            frame: f.frame,
            ts: f.ts,
            wire_len: f.wire_len,
            raw,
            link: f.link,
            ip: f.ip,
            l4,
            anomaly: f.anomaly,
            tunnel: f.tunnel,
        }
    }
}

/// Decodes one record. Never panics.
/// The IP layer of an untagged Ethernet II frame carrying IPv4 or IPv6, when it slices
/// cleanly; `None` sends the frame down the general path (VLAN tags, other EtherTypes,
/// damaged headers), which gives the same answer for these frames, only slower.
fn plain_ethernet_ip(b: &[u8]) -> Option<LaxNetSlice<'_>> {
    let (Some(&hi), Some(&lo), Some(ip)) = (b.get(12), b.get(13), b.get(14..)) else { return None };
    // The EtherType must agree with the IP version, as it must on the general path.
    match (u16::from_be_bytes([hi, lo]), ip.first().map(|v| v >> 4)) {
        (0x0800, Some(4)) | (0x86dd, Some(6)) => {}
        _ => return None,
    }
    match LaxIpSlice::from_slice(ip) {
        Ok((LaxIpSlice::Ipv4(v4), None)) => Some(LaxNetSlice::Ipv4(v4)),
        Ok((LaxIpSlice::Ipv6(v6), None)) => Some(LaxNetSlice::Ipv6(v6)),
        _ => None,
    }
}

pub fn decode<'a>(rec: &Record<'a>) -> Frame<'a> {
    let mut frame = Frame {
        frame: rec.frame,
        ts: rec.ts,
        wire_len: rec.orig_len,
        raw: rec.data,
        link: rec.link,
        ip: None,
        l4: L4::None,
        anomaly: None,
        tunnel: None,
    };
    decode_from(&mut frame, link::strip(rec.link, rec.data), 0);
    frame
}

/// Decodes from a link layer on; calls itself for the packet inside a tunnel.
fn decode_from<'a>(frame: &mut Frame<'a>, next: Option<link::Next<'a>>, depth: u8) {
    // PPPoE sessions and MPLS labels sit between the link and IP.
    let next = next.map(shim);
    // The common case, untagged Ethernet carrying IP, slices only the IP layer: the full
    // packet slicer would also slice the transport header, which we parse ourselves, and
    // returns a large value (the decode benchmark: docs/PERFORMANCE.md).
    let fast: Option<LaxNetSlice<'_>> = match next {
        Some(link::Next::Ethernet(b)) => plain_ethernet_ip(b),
        _ => None,
    };
    let sliced = if fast.is_some() {
        None
    } else {
        match next {
            None => {
                frame.anomaly = Some(Anomaly::UnsupportedLink);
                return;
            }
            Some(link::Next::Ethernet(b)) => LaxSlicedPacket::from_ethernet(b).ok(),
            Some(link::Next::EtherType(t, b)) => Some(LaxSlicedPacket::from_ether_type(etherparse::EtherType(t), b)),
            Some(link::Next::Ip(b)) => LaxSlicedPacket::from_ip(b).ok(),
        }
    };
    let Some(net) = fast.as_ref().or_else(|| sliced.as_ref().and_then(|s| s.net.as_ref())) else {
        frame.anomaly = Some(match sliced.as_ref().and_then(|s| s.stop_err.as_ref()) {
            Some(_) => Anomaly::BadIpHeader,
            None => Anomaly::NotIp,
        });
        return;
    };
    let (ip, payload, reported, fragmented) = match net {
        LaxNetSlice::Ipv4(v4) => {
            let h = v4.header();
            let p = v4.payload();
            let ihl = usize::from(h.ihl()) * 4;
            let total = usize::from(h.total_len());
            // A total length of 0 means TSO handed the NIC an oversized packet; Wireshark
            // then trusts the captured length.
            let reported = if total == 0 { p.payload.len() } else { total.saturating_sub(ihl) };
            let info = IpInfo {
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                ttl: h.ttl(),
                ip_id: Some(h.identification()),
            };
            (info, p, reported, v4.is_payload_fragmented())
        }
        LaxNetSlice::Ipv6(v6) => {
            let h = v6.header();
            let p = v6.payload();
            let ext_len = v6.extensions().slice().len();
            let plen = usize::from(h.payload_length());
            let reported = if plen == 0 { p.payload.len() } else { plen.saturating_sub(ext_len) };
            let info = IpInfo {
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                ttl: h.hop_limit(),
                ip_id: None,
            };
            (info, p, reported, v6.is_payload_fragmented())
        }
        LaxNetSlice::Arp(_) => {
            frame.anomaly = Some(Anomaly::NotIp);
            return;
        }
    };
    frame.ip = Some(ip);
    if fragmented {
        frame.anomaly = Some(Anomaly::IpFragment);
        return;
    }
    let bytes = payload.payload;
    let proto = payload.ip_number.0;
    if let Some(t) = tunnel_of(proto, bytes) {
        match t {
            Some((kind, inner)) if depth < MAX_TUNNEL_DEPTH => {
                frame.tunnel.get_or_insert(Tunnel { kind, outer: ip });
                frame.ip = None;
                frame.anomaly = None;
                decode_from(frame, Some(inner), depth + 1);
            }
            _ => frame.anomaly = Some(Anomaly::UnsupportedTunnel),
        }
        return;
    }
    match proto {
        PROTO_TCP => match parse_tcp(bytes, reported) {
            Ok(t) => {
                if t.header_len < 20 || t.seglen.is_none() {
                    frame.anomaly = Some(Anomaly::BadTcpHeaderLength);
                }
                frame.l4 = L4::Tcp(t);
            }
            Err(a) => frame.anomaly = Some(a),
        },
        PROTO_UDP => match parse_udp(bytes) {
            Some(u) => frame.l4 = L4::Udp(u),
            None => frame.anomaly = Some(Anomaly::TruncatedTransport),
        },
        PROTO_ICMP | PROTO_ICMPV6 => match parse_icmp(bytes, payload.ip_number.0 == PROTO_ICMPV6) {
            Some(i) => frame.l4 = L4::Icmp(i),
            None => frame.anomaly = Some(Anomaly::TruncatedTransport),
        },
        _ => {}
    }
}

const PROTO_IPIP: u8 = 4;
const PROTO_IPV6_IN_IP: u8 = 41;
const PROTO_GRE: u8 = 47;
const UDP_VXLAN: u16 = 4789;
const UDP_GENEVE: u16 = 6081;

/// The packet inside a tunnel: `None` when `proto`/`bytes` is no tunnel, `Some(None)` when
/// it is one we cannot read.
fn tunnel_of(proto: u8, bytes: &[u8]) -> Option<Option<(TunnelKind, link::Next<'_>)>> {
    match proto {
        PROTO_IPIP | PROTO_IPV6_IN_IP => Some(Some((TunnelKind::IpInIp, link::Next::Ip(bytes)))),
        PROTO_GRE => Some(gre(bytes)),
        PROTO_UDP => {
            let (sp, dp) = (be16(bytes, 0)?, be16(bytes, 2)?);
            let body = bytes.get(8..);
            // A DNS query from ephemeral port 4789 is DNS: Wireshark tries the lower port's
            // dissector first, and 53 is lower.
            if sp == 53 || dp == 53 {
                None
            } else if dp == UDP_VXLAN || sp == UDP_VXLAN {
                // Flags (the I bit says the VNI is valid), 3 reserved, VNI, reserved.
                Some(body.and_then(|b| b.get(8..)).map(|inner| (TunnelKind::Vxlan, link::Next::Ethernet(inner))))
            } else if dp == UDP_GENEVE || sp == UDP_GENEVE {
                Some(body.and_then(geneve))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn by_protocol(kind: TunnelKind, protocol: u16, inner: &[u8]) -> Option<(TunnelKind, link::Next<'_>)> {
    match protocol {
        0x0800 | 0x86dd => Some((kind, link::Next::Ip(inner))),
        0x6558 => Some((kind, link::Next::Ethernet(inner))),
        _ => None,
    }
}

/// GRE (RFC 2784/2890): optional checksum, key and sequence words, then the payload by
/// EtherType; ERSPAN I (no sequence number), II and III carry a mirrored Ethernet frame.
fn gre(b: &[u8]) -> Option<(TunnelKind, link::Next<'_>)> {
    let flags = be16(b, 0)?;
    if flags & 0x0007 != 0 {
        return None; // version 1 is PPTP's enhanced GRE
    }
    let protocol = be16(b, 2)?;
    let words = usize::from(flags & 0xc000 != 0) + usize::from(flags & 0x2000 != 0) + usize::from(flags & 0x1000 != 0);
    let rest = b.get(4 + 4 * words..)?;
    match protocol {
        // ERSPAN type II has a sequence number and an 8-byte header; type I has neither.
        0x88be if flags & 0x1000 != 0 => Some((TunnelKind::Erspan, link::Next::Ethernet(rest.get(8..)?))),
        0x88be => Some((TunnelKind::Erspan, link::Next::Ethernet(rest))),
        // ERSPAN type III: a 12-byte header, and an 8-byte platform subheader when O is set.
        0x22eb => {
            let o = rest.get(11)? & 0x01 != 0;
            Some((TunnelKind::Erspan, link::Next::Ethernet(rest.get(if o { 20 } else { 12 }..)?)))
        }
        p => by_protocol(TunnelKind::Gre, p, rest),
    }
}

/// GENEVE (RFC 8926): version and option length, flags, protocol type, VNI, options.
fn geneve(b: &[u8]) -> Option<(TunnelKind, link::Next<'_>)> {
    let first = *b.first()?;
    if first >> 6 != 0 {
        return None;
    }
    let opt_len = usize::from(first & 0x3f) * 4;
    by_protocol(TunnelKind::Geneve, be16(b, 2)?, b.get(8 + opt_len..)?)
}

/// Looks through PPPoE session and MPLS headers between the link layer and IP, in an
/// Ethernet frame (after up to two VLAN tags) or after a cooked-capture protocol field.
fn shim(next: link::Next<'_>) -> link::Next<'_> {
    let (ethertype, rest) = match next {
        link::Next::Ethernet(b) => {
            let mut at = 12;
            let mut t = be16(b, at);
            for _ in 0..2 {
                if matches!(t, Some(0x8100 | 0x88a8 | 0x9100)) {
                    at += 4;
                    t = be16(b, at);
                }
            }
            match (t, b.get(at + 2..)) {
                (Some(t), Some(rest)) => (t, rest),
                _ => return next,
            }
        }
        link::Next::EtherType(t, b) => (t, b),
        link::Next::Ip(_) => return next,
    };
    match ethertype {
        // PPPoE session: version/type, code, session id, length; then PPP's protocol.
        0x8864 => match (be16(rest, 6), rest.get(8..)) {
            (Some(0x0021 | 0x0057), Some(ip)) => link::Next::Ip(ip),
            _ => next,
        },
        // MPLS: 4-byte label entries up to the one with the bottom-of-stack bit; then IP,
        // told by its version nibble.
        0x8847 | 0x8848 => {
            let mut at = 0;
            while let Some(&s) = rest.get(at + 2) {
                at += 4;
                if s & 0x01 != 0 {
                    break;
                }
            }
            match rest.get(at..) {
                Some(ip) if ip.first().is_some_and(|v| v >> 4 == 4 || v >> 4 == 6) => link::Next::Ip(ip),
                _ => next,
            }
        }
        _ => next,
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses a TCP header from the captured bytes. `reported` is the IP payload length the IP
/// header claims. Needs 14 bytes (through the flags), as Wireshark needs them to place the
/// segment in a stream.
pub fn parse_tcp(b: &[u8], reported: usize) -> Result<Tcp<'_>, Anomaly> {
    let (Some(src_port), Some(dst_port), Some(seq), Some(ack), Some(off_flags)) =
        (be16(b, 0), be16(b, 2), be32(b, 4), be32(b, 8), be16(b, 12))
    else {
        return Err(Anomaly::TruncatedTransport);
    };
    let header_len = ((off_flags >> 12) as u8) * 4;
    let flags = TcpFlags(off_flags & 0x0fff);
    let window = be16(b, 14);
    let hl = usize::from(header_len);
    let seglen = reported.checked_sub(hl).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let payload = if hl >= 20 { b.get(hl..).unwrap_or_default() } else { &[] };
    let options =
        if hl > 20 { parse_tcp_options(b.get(20..hl.min(b.len())).unwrap_or_default()) } else { TcpOptions::default() };
    Ok(Tcp { src_port, dst_port, seq, ack, flags, window, header_len, seglen, payload, options })
}

/// Walks TCP options (RFC 9293 section 3.1). A malformed option ends the walk; what was
/// read before it stands.
pub fn parse_tcp_options(mut b: &[u8]) -> TcpOptions {
    let mut o = TcpOptions::default();
    while let Some(&kind) = b.first() {
        match kind {
            0 => break,
            1 => {
                b = b.get(1..).unwrap_or_default();
                continue;
            }
            _ => {}
        }
        let Some(&len) = b.get(1) else { break };
        let len = usize::from(len);
        let Some(body) = b.get(2..len.max(2)).filter(|_| len >= 2) else { break };
        match (kind, body.len()) {
            (2, 2) => o.mss = be16(body, 0),
            (3, 1) => o.window_scale = body.first().copied(),
            (4, 0) => o.sack_permitted = true,
            (5, n) if n % 8 == 0 => {
                for (i, chunk) in body.chunks_exact(8).take(4).enumerate() {
                    if let (Some(l), Some(r), Some(slot)) = (be32(chunk, 0), be32(chunk, 4), o.sack.get_mut(i)) {
                        *slot = (l, r);
                        o.sack_count = (i + 1) as u8;
                    }
                }
            }
            (8, 8) => o.timestamp = be32(body, 0).zip(be32(body, 4)),
            _ => {}
        }
        b = b.get(len..).unwrap_or_default();
    }
    o
}

fn parse_udp(b: &[u8]) -> Option<Udp<'_>> {
    let src_port = be16(b, 0)?;
    let dst_port = be16(b, 2)?;
    let len = usize::from(be16(b, 4)?);
    let end = if len >= 8 { len.min(b.len()) } else { b.len() };
    Some(Udp { src_port, dst_port, payload: b.get(8..end).unwrap_or_default() })
}

/// ICMP errors that quote the offending packet (RFC 792, RFC 4443).
fn parse_icmp(b: &[u8], v6: bool) -> Option<Icmp> {
    let icmp_type = *b.first()?;
    let code = *b.get(1)?;
    let is_error = if v6 { icmp_type < 128 } else { matches!(icmp_type, 3 | 4 | 5 | 11 | 12) };
    let quoted = if is_error {
        b.get(8..).map(|q| quote_extent(q, icmp_type, b, v6)).and_then(|q| parse_quoted(q, v6))
    } else {
        None
    };
    Some(Icmp { v6, icmp_type, code, quoted })
}

/// How much of an ICMPv4 error's payload is the quoted datagram, as Wireshark 4.0 decides
/// it: a redirect quotes the IP header plus 64 bits (RFC 792); an RFC 4884 error with a
/// length field quotes that many words after the IP header. Past the cut Wireshark stops
/// reading the quoted TCP header, so it gives the quote no stream (corpus alexa-app 56).
fn quote_extent<'a>(q: &'a [u8], icmp_type: u8, icmp: &[u8], v6: bool) -> &'a [u8] {
    if v6 {
        return q;
    }
    let ihl = usize::from(q.first().map_or(0, |b| b & 0x0f)) * 4;
    let words = usize::from(icmp.get(5).copied().unwrap_or(0)) * 4;
    let total = usize::from(be16(q, 2).unwrap_or(0));
    let cut = if icmp_type == 5 {
        Some(ihl + 8)
    } else if words > 0 && matches!(icmp_type, 3 | 11 | 12) && q.len() > words && total > words {
        Some(ihl + words)
    } else {
        None
    };
    cut.and_then(|n| q.get(..n)).unwrap_or(q)
}

fn parse_quoted(q: &[u8], v6: bool) -> Option<Quoted> {
    let (src, dst, protocol, rest) = if v6 {
        let src: [u8; 16] = q.get(8..24)?.try_into().ok()?;
        let dst: [u8; 16] = q.get(24..40)?.try_into().ok()?;
        (IpAddr::from(src), IpAddr::from(dst), *q.get(6)?, q.get(40..)?)
    } else {
        let ihl = usize::from(q.first()? & 0x0f) * 4;
        let src: [u8; 4] = q.get(12..16)?.try_into().ok()?;
        let dst: [u8; 4] = q.get(16..20)?.try_into().ok()?;
        (IpAddr::from(src), IpAddr::from(dst), *q.get(9)?, q.get(ihl.max(20)..)?)
    };
    let src_port = be16(rest, 0)?;
    let dst_port = be16(rest, 2)?;
    // Wireshark reads through the window field (16 bytes) before it numbers the stream.
    let tcp = if protocol == PROTO_TCP && rest.len() >= 16 {
        be32(rest, 4).zip(be32(rest, 8)).zip(be16(rest, 12)).map(|((s, a), f)| (s, a, TcpFlags(f & 0x0fff)))
    } else {
        None
    };
    Some(Quoted { src, dst, protocol, src_port, dst_port, tcp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_header(flags: u16, data_offset_words: u8, opts: &[u8]) -> Vec<u8> {
        let mut h = vec![0x04, 0xd2, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 2];
        h.extend(((u16::from(data_offset_words) << 12) | flags).to_be_bytes());
        h.extend([0xff, 0xff, 0, 0, 0, 0]);
        h.extend(opts);
        h
    }

    #[test]
    fn seglen_comes_from_the_ip_header_not_the_capture() {
        let h = tcp_header(TcpFlags::ACK, 5, &[]);
        let t = parse_tcp(&h, 20 + 1448).unwrap();
        assert_eq!(t.seglen, Some(1448));
        assert!(t.payload.is_empty());
    }

    #[test]
    fn short_segment_has_no_seglen() {
        let h = tcp_header(TcpFlags::ACK, 8, &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let t = parse_tcp(&h, 24).unwrap();
        assert_eq!(t.seglen, None);
    }

    #[test]
    fn test_truncated_tcp_header_every_length() {
        let h = tcp_header(TcpFlags::SYN, 6, &[2, 4, 0x05, 0xb4]);
        for n in 0..h.len() {
            match parse_tcp(&h[..n], 24) {
                Ok(t) => {
                    assert!(n >= 14, "accepted {n} bytes");
                    assert_eq!(t.window.is_some(), n >= 16);
                }
                Err(a) => {
                    assert!(n < 14);
                    assert_eq!(a, Anomaly::TruncatedTransport);
                }
            }
        }
        assert_eq!(parse_tcp(&h, 24).unwrap().options.mss, Some(1460));
    }

    #[test]
    fn garbage_options_do_not_panic_and_keep_what_was_read() {
        let o = parse_tcp_options(&[2, 4, 0x05, 0xb4, 3, 3, 7, 5, 0xff]);
        assert_eq!(o.mss, Some(1460));
        assert_eq!(o.window_scale, Some(7));
        assert_eq!(o.sack_count, 0);
        let o = parse_tcp_options(&[5, 1, 2, 3]);
        assert_eq!(o, TcpOptions::default());
        let o = parse_tcp_options(&[5, 10, 0, 0, 0, 1, 0, 0, 0, 9]);
        assert_eq!(o.sack_blocks(), &[(1, 9)]);
        for len in 0..=255u8 {
            let _ = parse_tcp_options(&[8, len, 1, 2, 3]);
        }
    }

    #[test]
    fn icmp_error_quotes_tcp_ports() {
        let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
        let mut ip = vec![0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2];
        ip.extend(tcp_header(TcpFlags::SYN, 5, &[]));
        m.extend(ip);
        let i = parse_icmp(&m, false).unwrap();
        let q = i.quoted.unwrap();
        assert_eq!((q.src_port, q.dst_port, q.protocol), (1234, 443, 6));
        assert!(q.tcp.unwrap().2.syn());
    }

    #[test]
    fn redirect_quotes_only_64_bits_of_tcp_like_wireshark() {
        let mut ip = vec![0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2];
        ip.extend(tcp_header(TcpFlags::ACK, 5, &[]));
        let redirect = [&[5, 1, 0, 0, 192, 0, 2, 9][..], &ip].concat();
        let q = parse_icmp(&redirect, false).unwrap().quoted.unwrap();
        assert_eq!((q.src_port, q.dst_port), (1234, 443));
        assert_eq!(q.tcp, None, "the redirect's cut ends after the sequence number");
        // RFC 4884: a length of 6 words keeps 20 + 24 bytes, enough for the full header.
        let unreach = [&[3, 1, 0, 0, 0, 6, 0, 0][..], &ip, &[0; 8]].concat();
        let q = parse_icmp(&unreach, false).unwrap().quoted.unwrap();
        assert!(q.tcp.is_some());
    }

    fn raw_ip(proto: u8, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(20 + payload.len()).unwrap_or(u16::MAX).to_be_bytes();
        let mut ip = vec![0x45, 0, len[0], len[1], 0, 0, 0, 0, 64, proto, 0, 0, 192, 0, 2, 200, 192, 0, 2, 201];
        ip.extend_from_slice(payload);
        ip
    }

    fn decode_raw(b: &[u8]) -> Frame<'_> {
        let rec = Record {
            frame: 1,
            ts: Timestamp(0),
            link: crate::capture::LinkType::RAW,
            interface: 0,
            data: b,
            orig_len: u32::try_from(b.len()).unwrap_or(0),
        };
        decode(&rec)
    }

    #[test]
    fn tcp_inside_gre_and_ip_in_ip_is_the_frame_s_tcp_and_the_outer_ends_are_kept() {
        let mut inner = vec![0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 198, 51, 100, 2, 203, 0, 113, 9];
        inner.extend(tcp_header(TcpFlags::SYN, 5, &[]));
        for outer in [raw_ip(PROTO_IPIP, &inner), raw_ip(PROTO_GRE, &[&[0, 0, 8, 0][..], &inner].concat())] {
            let f = decode_raw(&outer);
            assert!(matches!(f.l4, L4::Tcp(ref t) if t.dst_port == 443), "{:?}", f.l4);
            assert_eq!(f.ip.map(|i| i.src), Some("198.51.100.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
            assert_eq!(f.tunnel.map(|t| t.outer.src), Some(IpAddr::from([192, 0, 2, 200])));
            assert_eq!(f.anomaly, None);
        }
    }

    #[test]
    fn a_detached_frame_attached_to_a_copy_of_its_record_is_the_frame_decoded_again() {
        let mut tcp = tcp_header(TcpFlags::ACK | TcpFlags::PSH, 5, &[]);
        tcp.extend(b"GET / HTTP/1.1\r\n\r\n");
        let mut inner = raw_ip(6, &tcp);
        let udp = raw_ip(PROTO_UDP, &[0x30, 0x39, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4]);
        let gre = raw_ip(PROTO_GRE, &[&[0, 0, 8, 0][..], &inner].concat());
        let icmp = raw_ip(PROTO_ICMP, &[3, 3, 0, 0, 0, 0, 0, 0]);
        inner.truncate(30); // a TCP header cut short: an anomaly, no payload
        for b in [raw_ip(6, &tcp), udp, gre, icmp, inner, vec![0x60]] {
            let f = decode_raw(&b);
            let d = f.detach().unwrap_or_else(|| panic!("{b:?} detaches"));
            let copy = b.clone();
            let again = d.attach(&copy);
            assert_eq!(format!("{again:?}"), format!("{f:?}"), "{b:?}");
            // The payload is read from the copy, not from the original.
            if let (L4::Tcp(t), L4::Tcp(u)) = (&again.l4, &f.l4) {
                assert!(!t.payload.is_empty() && t.payload == u.payload);
                assert!(std::ptr::eq(t.payload.as_ptr(), copy.as_ptr().wrapping_add(copy.len() - t.payload.len())));
            }
        }
    }

    #[test]
    fn a_tunnel_pcapdoc_cannot_read_is_an_anomaly_not_silence() {
        // GRE version 1 (PPTP), a GRE payload of an unknown EtherType, a VXLAN header cut short.
        let pptp = raw_ip(PROTO_GRE, &[0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 0]);
        let unknown = raw_ip(PROTO_GRE, &[0, 0, 0x12, 0x34, 1, 2, 3, 4]);
        let short_vxlan = raw_ip(PROTO_UDP, &[0xc0, 0, 0x12, 0xb5, 0, 12, 0, 0, 8, 0]);
        for b in [pptp, unknown, short_vxlan] {
            let f = decode_raw(&b);
            assert_eq!(f.anomaly, Some(Anomaly::UnsupportedTunnel), "{b:?}");
        }
        // Tunnels nested past the depth bound stop there, as an anomaly.
        let mut b = raw_ip(6, &tcp_header(TcpFlags::SYN, 5, &[]));
        for _ in 0..=MAX_TUNNEL_DEPTH {
            b = raw_ip(PROTO_IPIP, &b);
        }
        assert_eq!(decode_raw(&b).anomaly, Some(Anomaly::UnsupportedTunnel));
    }
}
