//! Hand-made captures for edge cases the lab cannot produce: a packet at a time, written as
//! a classic pcap with pcap-file.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

pub struct Craft {
    packets: Vec<(Duration, Vec<u8>)>,
    t: Duration,
}

pub const C: [u8; 4] = [192, 0, 2, 10];
pub const S: [u8; 4] = [198, 51, 100, 20];

impl Craft {
    pub fn new() -> Self {
        Craft { packets: Vec::new(), t: Duration::from_secs(1_700_000_000) }
    }

    /// The clock value [`Craft::new`] starts from.
    pub const START: Duration = Duration::from_secs(1_700_000_000);

    /// Sets the clock to `secs` after this capture's start.
    pub fn at(&mut self, start: Duration, secs: f64) -> &mut Self {
        self.t =
            if secs >= 0.0 { start + Duration::from_secs_f64(secs) } else { start - Duration::from_secs_f64(-secs) };
        self
    }

    /// Advances the clock.
    pub fn wait(&mut self, secs: f64) -> &mut Self {
        self.t += Duration::from_secs_f64(secs);
        self
    }

    fn eth(ip: Vec<u8>) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend(ip);
        f
    }

    /// A TCP segment; `flags` from "SAFRP", `ttl` usually 64.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        seq: u32,
        ack: u32,
        flags: &str,
        payload: &[u8],
        ttl: u8,
    ) -> &mut Self {
        let b =
            super::synth::tcp_flags(PacketBuilder::ipv4(src.0, dst.0, ttl).tcp(src.1, dst.1, seq, 64240), flags, ack);
        let mut ip = Vec::new();
        b.write(&mut ip, payload).unwrap();
        self.packets.push((self.t, Self::eth(ip)));
        self.t += Duration::from_micros(100);
        self
    }

    /// Sets the TCP window of the last packet (its checksum is left stale, as pcapdoc and
    /// tshark's golden runs do not check it).
    pub fn win(&mut self, window: u16) -> &mut Self {
        if let Some(b) = self.packets.last_mut().and_then(|(_, f)| f.get_mut(48..50)) {
            b.copy_from_slice(&window.to_be_bytes());
        }
        self
    }

    /// Sets the IPv4 identification of the last packet (etherparse writes 0) and mends
    /// its header checksum.
    pub fn id(&mut self, ip_id: u16) -> &mut Self {
        if let Some((_, f)) = self.packets.last_mut() {
            f[18..20].copy_from_slice(&ip_id.to_be_bytes());
            f[24..26].copy_from_slice(&[0, 0]);
            let mut sum: u32 = 0;
            for w in f[14..34].chunks(2) {
                sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
            }
            while sum > 0xffff {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            f[24..26].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        }
        self
    }

    /// Records the last packet again `after_us` later, as a mirror port does; `ttl_drop`
    /// lowers the copy's TTL (a copy taken past a router).
    pub fn copy(&mut self, after_us: u64, ttl_drop: u8) -> &mut Self {
        if let Some((t, f)) = self.packets.last().cloned() {
            let mut f = f;
            f[22] = f[22].saturating_sub(ttl_drop);
            let id = u16::from_be_bytes([f[18], f[19]]);
            self.packets.push((t + Duration::from_micros(after_us), f));
            self.id(id);
        }
        self
    }

    /// A TCP segment over IPv6.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp6(
        &mut self,
        src: ([u8; 16], u16),
        dst: ([u8; 16], u16),
        seq: u32,
        ack: u32,
        flags: &str,
        payload: &[u8],
    ) -> &mut Self {
        let b =
            super::synth::tcp_flags(PacketBuilder::ipv6(src.0, dst.0, 64).tcp(src.1, dst.1, seq, 64240), flags, ack);
        let mut ip = Vec::new();
        b.write(&mut ip, payload).unwrap();
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd];
        f.extend(ip);
        self.packets.push((self.t, f));
        self.t += Duration::from_micros(100);
        self
    }

    pub fn udp(&mut self, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) -> &mut Self {
        let mut ip = Vec::new();
        PacketBuilder::ipv4(src.0, dst.0, 64).udp(src.1, dst.1).write(&mut ip, payload).unwrap();
        self.packets.push((self.t, Self::eth(ip)));
        self.t += Duration::from_micros(100);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut w = PcapWriter::with_header(Vec::new(), PcapHeader::default()).unwrap();
        for (t, d) in &self.packets {
            w.write_packet(&PcapPacket::new(*t, d.len() as u32, d)).unwrap();
        }
        w.into_writer()
    }

    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, self.bytes()).unwrap();
        p
    }
}

/// A client/server pair with a handshake done, ready to exchange data: returns the next
/// client and server sequence numbers.
pub fn handshake(c: &mut Craft, cport: u16, sport: u16) -> (u32, u32) {
    let (cl, sv) = ((C, cport), (S, sport));
    c.tcp(cl, sv, 1000, 0, "S", &[], 64).wait(0.01);
    c.tcp(sv, cl, 5000, 1001, "SA", &[], 64).wait(0.01);
    c.tcp(cl, sv, 1001, 5001, "A", &[], 64);
    (1001, 5001)
}

/// A DNS name as it travels: length-prefixed labels and a zero.
pub fn wire_name(n: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for l in n.split('.') {
        v.push(l.len() as u8);
        v.extend(l.as_bytes());
    }
    v.push(0);
    v
}

/// A DNS response: `name` CNAME chain through `cnames`, ending in A `addr`.
pub fn dns_response(id: u16, name: &str, cnames: &[&str], addr: Ipv4Addr) -> Vec<u8> {
    let encode = wire_name;
    let mut m = id.to_be_bytes().to_vec();
    m.extend([0x81, 0x80, 0, 1]);
    m.extend(((cnames.len() + 1) as u16).to_be_bytes());
    m.extend([0, 0, 0, 0]);
    m.extend(encode(name));
    m.extend([0, 1, 0, 1]);
    let mut owner = name.to_string();
    for cn in cnames {
        m.extend(encode(&owner));
        m.extend([0, 5, 0, 1, 0, 0, 2, 88]);
        let t = encode(cn);
        m.extend((t.len() as u16).to_be_bytes());
        m.extend(t);
        owner = cn.to_string();
    }
    m.extend(encode(&owner));
    m.extend([0, 1, 0, 1, 0, 0, 2, 88, 0, 4]);
    m.extend(addr.octets());
    m
}

/// The hand-made edge-case captures committed under captures/edge/.
pub fn edge_cases() -> Vec<(&'static str, Vec<u8>)> {
    let resolver = ([198, 51, 100, 1], 53);
    let mut v = Vec::new();

    // Two different answers to one query: the first from an injector, the second from the
    // real resolver, 3 ms apart.
    let mut c = Craft::new();
    let mut q = vec![0x4a, 0x11, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for l in ["pay", "shop", "example"] {
        q.push(l.len() as u8);
        q.extend(l.as_bytes());
    }
    q.extend([0, 0, 1, 0, 1]);
    c.udp((C, 5353), resolver, &q).wait(0.002);
    c.udp(
        resolver,
        (C, 5353),
        &dns_response(0x4a11, "pay.shop.example", &["gfvip09aj.hijack.example"], [192, 0, 2, 66].into()),
    );
    c.wait(0.003);
    c.udp(
        resolver,
        (C, 5353),
        &dns_response(0x4a11, "pay.shop.example", &["shop-vip.lb.example"], [198, 51, 100, 100].into()),
    );
    v.push(("dns-injection-race.pcap", c.bytes()));

    // Sequence numbers that wrap past 2^32 in the middle of a transfer.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40100), (S, 80));
    let isn = u32::MAX - 2500;
    c.tcp(cl, sv, isn, 0, "S", &[], 64).wait(0.01);
    c.tcp(sv, cl, 9000, isn.wrapping_add(1), "SA", &[], 64).wait(0.01);
    c.tcp(cl, sv, isn.wrapping_add(1), 9001, "A", &[], 64);
    let mut seq = isn.wrapping_add(1);
    for _ in 0..4 {
        c.tcp(cl, sv, seq, 9001, "PA", &[b'w'; 1000], 64);
        seq = seq.wrapping_add(1000);
        c.tcp(sv, cl, 9001, seq, "A", &[], 64);
    }
    c.tcp(cl, sv, seq, 9001, "FA", &[], 64);
    c.tcp(sv, cl, 9001, seq.wrapping_add(1), "FA", &[], 64);
    c.tcp(cl, sv, seq.wrapping_add(1), 9002, "A", &[], 64);
    v.push(("seq-wraparound.pcap", c.bytes()));

    // Keep-alive probes (one byte before the next sequence number) and their ACKs.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40200), (S, 80));
    let (cs, ss) = handshake(&mut c, 40200, 80);
    c.tcp(cl, sv, cs, ss, "PA", b"GET / HTTP/1.1\r\n\r\n", 64);
    c.tcp(sv, cl, ss, cs + 18, "PA", b"HTTP/1.1 200 OK\r\n\r\n", 64);
    c.tcp(cl, sv, cs + 18, ss + 19, "A", &[], 64);
    for _ in 0..3 {
        c.wait(7.2);
        c.tcp(cl, sv, cs + 17, ss + 19, "A", &[], 64);
        c.tcp(sv, cl, ss + 19, cs + 18, "A", &[], 64);
    }
    v.push(("keepalive-probes.pcap", c.bytes()));

    // A port reused with a new ISN: two connections on one 4-tuple, two streams.
    let mut c = Craft::new();
    let (cl, sv) = ((C, 40300), (S, 443));
    for isn in [1_000u32, 777_000] {
        c.tcp(cl, sv, isn, 0, "S", &[], 64).wait(0.01);
        c.tcp(sv, cl, isn * 3, isn + 1, "SA", &[], 64).wait(0.01);
        c.tcp(cl, sv, isn + 1, isn * 3 + 1, "A", &[], 64);
        c.tcp(cl, sv, isn + 1, isn * 3 + 1, "FA", &[], 64);
        c.tcp(sv, cl, isn * 3 + 1, isn + 2, "FA", &[], 64);
        c.tcp(cl, sv, isn + 2, isn * 3 + 2, "A", &[], 64);
        c.wait(1.0);
    }
    v.push(("port-reuse-new-isn.pcap", c.bytes()));

    // A capture cut in the middle of its last record.
    let mut c = Craft::new();
    let (cs, ss) = handshake(&mut c, 40400, 80);
    c.tcp((C, 40400), (S, 80), cs, ss, "PA", &[b'q'; 600], 64);
    let full = c.bytes();
    v.push(("cut-mid-record.pcap", full[..full.len() - 300].to_vec()));
    v
}
