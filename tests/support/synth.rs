//! Writes small synthetic captures with pcap-file, so the reader is tested on every container
//! variant with the same packets: pcap (µs, ns, big-endian), pcapng with two interfaces of
//! different link types, gzip, Linux SLL2, 802.1Q VLAN and IPv6.
//!
//! The committed files under captures/synthetic/ are what `write_all` produces; a test
//! checks they still are, so the generator and the files cannot drift apart.

use std::borrow::Cow;
use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::{DataLink, Endianness, TsResolution};

/// One TCP segment of a scripted conversation.
#[derive(Clone, Debug)]
pub struct Seg {
    pub t_us: u64,
    pub from_client: bool,
    pub seq: u32,
    pub ack: u32,
    pub flags: &'static str,
    pub len: usize,
    pub window: u16,
}

/// A conversation: handshake, a request, a response in 3 segments with one lost and
/// retransmitted after 3 duplicate ACKs, a keep-alive, then an orderly close.
pub fn scripted_conversation() -> Vec<Seg> {
    let c = 1_000u32; // client ISN
    let s = 900_000u32; // server ISN
    let seg = |t_us, from_client, seq, ack, flags, len| Seg { t_us, from_client, seq, ack, flags, len, window: 64240 };
    vec![
        seg(0, true, c, 0, "S", 0),
        seg(20_000, false, s, c + 1, "SA", 0),
        seg(40_000, true, c + 1, s + 1, "A", 0),
        seg(40_100, true, c + 1, s + 1, "PA", 100),
        seg(60_000, false, s + 1, c + 101, "A", 1000),
        // s+1001..s+2001 is lost on the path (never captured)
        seg(60_100, false, s + 2001, c + 101, "A", 1000),
        seg(60_200, false, s + 3001, c + 101, "A", 1000),
        seg(80_000, true, c + 101, s + 1001, "A", 0),
        seg(80_100, true, c + 101, s + 1001, "A", 0),
        seg(80_200, true, c + 101, s + 1001, "A", 0),
        seg(80_300, false, s + 1001, c + 101, "A", 1000),
        seg(100_000, true, c + 101, s + 4001, "A", 0),
        // keep-alive 10 s later and its ACK
        seg(10_100_000, true, c + 100, s + 4001, "A", 0),
        seg(10_120_000, false, s + 4001, c + 101, "A", 0),
        seg(10_200_000, true, c + 101, s + 4001, "FA", 0),
        seg(10_220_000, false, s + 4001, c + 102, "FA", 0),
        seg(10_240_000, true, c + 102, s + 4002, "A", 0),
    ]
}

/// Sets TCP flags from "SAFRP" (A with `ack` as the acknowledgement number).
pub fn tcp_flags(
    b: etherparse::PacketBuilderStep<etherparse::TcpHeader>,
    flags: &str,
    ack: u32,
) -> etherparse::PacketBuilderStep<etherparse::TcpHeader> {
    let mut b = b;
    for f in flags.chars() {
        b = match f {
            'S' => b.syn(),
            'A' => b.ack(ack),
            'F' => b.fin(),
            'R' => b.rst(),
            'P' => b.psh(),
            _ => b,
        };
    }
    b
}

/// Addresses and the link layer to wrap packets in.
#[derive(Clone, Copy, Debug)]
pub enum Link {
    Ethernet,
    Vlan(u16),
    /// Bare IP, no link header (LINKTYPE_RAW).
    Raw,
    Sll2,
}

/// Builds the bytes of one segment on the given link.
pub fn frame(link: Link, client: IpAddr, server: IpAddr, s: &Seg) -> Vec<u8> {
    let (src, dst) = if s.from_client { (client, server) } else { (server, client) };
    let (sport, dport) = if s.from_client { (40_000, 80) } else { (80, 40_000) };
    let payload = vec![b'x'; s.len];
    let mac_c = [2, 0, 0, 0, 0, 1];
    let mac_s = [2, 0, 0, 0, 0, 2];
    let (smac, dmac) = if s.from_client { (mac_c, mac_s) } else { (mac_s, mac_c) };
    let ip_only = |ip_builder: etherparse::PacketBuilderStep<etherparse::IpHeaders>| {
        let b = ip_builder.tcp(sport, dport, s.seq, s.window);
        let b = tcp_flags(b, s.flags, s.ack);
        let mut out = Vec::new();
        b.write(&mut out, &payload).expect("build packet");
        out
    };
    let ip = match (src, dst) {
        (IpAddr::V4(a), IpAddr::V4(z)) => ip_only(PacketBuilder::ipv4(a.octets(), z.octets(), 64)),
        (IpAddr::V6(a), IpAddr::V6(z)) => ip_only(PacketBuilder::ipv6(a.octets(), z.octets(), 64)),
        _ => panic!("mixed address families"),
    };
    let ethertype: u16 = if src.is_ipv4() { 0x0800 } else { 0x86dd };
    let mut out = Vec::with_capacity(ip.len() + 22);
    match link {
        Link::Ethernet => {
            out.extend(dmac);
            out.extend(smac);
            out.extend(ethertype.to_be_bytes());
        }
        Link::Vlan(id) => {
            out.extend(dmac);
            out.extend(smac);
            out.extend(0x8100u16.to_be_bytes());
            out.extend(id.to_be_bytes());
            out.extend(ethertype.to_be_bytes());
        }
        Link::Raw => {}
        Link::Sll2 => {
            out.extend(ethertype.to_be_bytes());
            out.extend([0, 0]); // reserved
            out.extend(2u32.to_be_bytes()); // ifindex
            out.extend(1u16.to_be_bytes()); // ARPHRD_ETHER
            out.push(if s.from_client { 4 } else { 0 }); // outgoing / to us
            out.push(6);
            out.extend(smac);
            out.extend([0, 0]);
        }
    }
    out.extend(ip);
    out
}

pub const BASE_TS: Duration = Duration::from_secs(1_700_000_000);

fn ts(s: &Seg) -> Duration {
    BASE_TS + Duration::from_micros(s.t_us)
}

pub fn v4() -> (IpAddr, IpAddr) {
    ("192.0.2.10".parse().unwrap(), "198.51.100.20".parse().unwrap())
}

pub fn v6() -> (IpAddr, IpAddr) {
    ("2001:db8::10".parse().unwrap(), "2001:db8:1::20".parse().unwrap())
}

pub fn pcap_bytes(
    link: Link,
    datalink: DataLink,
    ts_res: TsResolution,
    endianness: Endianness,
    addrs: (IpAddr, IpAddr),
) -> Vec<u8> {
    let header = PcapHeader { datalink, ts_resolution: ts_res, endianness, snaplen: 65535, ..PcapHeader::default() };
    let mut w = PcapWriter::with_header(Vec::new(), header).expect("pcap header");
    for s in scripted_conversation() {
        let data = frame(link, addrs.0, addrs.1, &s);
        w.write_packet(&PcapPacket::new(ts(&s), data.len() as u32, &data)).expect("write packet");
    }
    w.into_writer()
}

/// pcapng with two interfaces: client→server packets on an Ethernet interface with
/// microsecond timestamps, server→client on a raw-IP interface with nanosecond ones.
pub fn pcapng_two_interfaces() -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new()).expect("pcapng");
    let eth = InterfaceDescriptionBlock { linktype: DataLink::ETHERNET, snaplen: 65535, options: vec![] };
    let raw = InterfaceDescriptionBlock {
        linktype: DataLink::RAW,
        snaplen: 65535,
        options: vec![InterfaceDescriptionOption::IfTsResol(9)],
    };
    w.write_pcapng_block(eth).expect("idb");
    w.write_pcapng_block(raw).expect("idb");
    let (c, s) = v4();
    for seg in scripted_conversation() {
        let (iface, data, ticks) = if seg.from_client {
            (0, frame(Link::Ethernet, c, s, &seg), ts(&seg).as_micros() as u64)
        } else {
            (1, frame(Link::Raw, c, s, &seg), ts(&seg).as_nanos() as u64)
        };
        // pcap-file stores raw ticks in a Duration's nanoseconds; the interface decides
        // what a tick is.
        let epb = EnhancedPacketBlock {
            interface_id: iface,
            timestamp: Duration::from_nanos(ticks),
            original_len: data.len() as u32,
            data: Cow::Owned(data),
            options: vec![],
        };
        w.write_pcapng_block(epb).expect("epb");
    }
    w.into_inner()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(bytes).expect("gzip");
    // A fixed header: no name, no mtime, so the output is reproducible.
    e.finish().expect("gzip")
}

/// Every synthetic capture, by file name.
pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    let std_pcap = pcap_bytes(Link::Ethernet, DataLink::ETHERNET, TsResolution::MicroSecond, Endianness::Little, v4());
    vec![
        ("pcap-usec-le.pcap", std_pcap.clone()),
        (
            "pcap-nsec.pcap",
            pcap_bytes(Link::Ethernet, DataLink::ETHERNET, TsResolution::NanoSecond, Endianness::Little, v4()),
        ),
        (
            "pcap-big-endian.pcap",
            pcap_bytes(Link::Ethernet, DataLink::ETHERNET, TsResolution::MicroSecond, Endianness::Big, v4()),
        ),
        ("pcapng-two-interfaces.pcapng", pcapng_two_interfaces()),
        ("pcap-gzip.pcap.gz", gzip(&std_pcap)),
        (
            "sll2.pcap",
            pcap_bytes(Link::Sll2, DataLink::LINUX_SLL2, TsResolution::MicroSecond, Endianness::Little, v4()),
        ),
        (
            "vlan.pcap",
            pcap_bytes(Link::Vlan(42), DataLink::ETHERNET, TsResolution::MicroSecond, Endianness::Little, v4()),
        ),
        (
            "ipv6.pcap",
            pcap_bytes(Link::Ethernet, DataLink::ETHERNET, TsResolution::MicroSecond, Endianness::Little, v6()),
        ),
    ]
}
