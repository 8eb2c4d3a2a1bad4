//! Writes large captures for the benchmark, reproducibly: the same kind, size and seed give
//! the same bytes. Not part of `cargo test`'s runs (it is only compiled there).
//!
//!   cargo run --release --example benchgen -- KIND SIZE_MB SEED OUT.pcap
//!
//! KIND:
//! - `bulk`:  64 concurrent HTTP downloads in 1,448-byte segments, an ACK every two
//!   segments, 0.2% of segments lost and retransmitted 200 ms later;
//! - `small`: short HTTPS visits, each a DNS query and answer over UDP, a handshake, a
//!   ClientHello, ServerHello, a request, a response and a FIN exchange;
//! - `scan`:  a SYN scan: one SYN and one RST per distinct (address, port), never reused;
//! - `concurrent`: 100,000 HTTPS connections opened first and all kept open to the end,
//!   taking turns at a request and a response (TLS application data), then all closed:
//!   the flow table's bound on live streams, full for the whole file.
//!
//! Addresses are from the documentation ranges. The generator is a plain xorshift so that
//! the output depends on nothing but the arguments.

// A benchmark tool, not user-facing code: fixed-size header slices are written by index.
#![allow(clippy::indexing_slicing, clippy::type_complexity)]

use std::io::{BufWriter, Write};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Writer<W: Write> {
    out: W,
    t_ns: u64,
    written: u64,
    packets: u64,
    buf: Vec<u8>,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

fn csum_add(mut sum: u32, b: &[u8]) -> u32 {
    for c in b.chunks(2) {
        let w = match c {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum += u32::from(w);
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl<W: Write> Writer<W> {
    fn new(mut out: W) -> std::io::Result<Self> {
        // pcap, microseconds, Ethernet, snaplen 262144.
        let mut h = Vec::new();
        h.extend(0xa1b2_c3d4u32.to_le_bytes());
        h.extend(2u16.to_le_bytes());
        h.extend(4u16.to_le_bytes());
        h.extend(0i32.to_le_bytes());
        h.extend(0u32.to_le_bytes());
        h.extend(262_144u32.to_le_bytes());
        h.extend(1u32.to_le_bytes());
        out.write_all(&h)?;
        Ok(Writer { out, t_ns: 1_700_000_000_000_000_000, written: 24, packets: 0, buf: Vec::with_capacity(2048) })
    }

    fn advance(&mut self, ns: u64) {
        self.t_ns += ns;
    }

    fn record(&mut self) -> std::io::Result<()> {
        let secs = (self.t_ns / 1_000_000_000) as u32;
        let usecs = ((self.t_ns % 1_000_000_000) / 1000) as u32;
        let len = self.buf.len() as u32;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&usecs.to_le_bytes());
        h[8..12].copy_from_slice(&len.to_le_bytes());
        h[12..16].copy_from_slice(&len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(&self.buf)?;
        self.written += 16 + u64::from(len);
        self.packets += 1;
        Ok(())
    }

    fn eth_ip(&mut self, src: [u8; 4], dst: [u8; 4], proto: u8, l4_len: usize) {
        self.buf.clear();
        self.buf.extend([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
        let total = (20 + l4_len) as u16;
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = proto;
        ip[12..16].copy_from_slice(&src);
        ip[16..20].copy_from_slice(&dst);
        let c = fold(csum_add(0, &ip));
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        self.buf.extend(ip);
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let syn = flags & SYN != 0;
        let opt: &[u8] = if syn { &[2, 4, 5, 0xb4, 1, 3, 3, 7] } else { &[] };
        let hlen = 20 + opt.len();
        self.eth_ip(src.0, dst.0, 6, hlen + payload.len());
        let start = self.buf.len();
        self.buf.extend(src.1.to_be_bytes());
        self.buf.extend(dst.1.to_be_bytes());
        self.buf.extend(seq.to_be_bytes());
        self.buf.extend(if flags & ACK != 0 { ack } else { 0 }.to_be_bytes());
        self.buf.push(((hlen / 4) as u8) << 4);
        self.buf.push(flags);
        self.buf.extend(if syn { 64240u16 } else { 2048u16 }.to_be_bytes());
        self.buf.extend([0, 0, 0, 0]);
        self.buf.extend(opt);
        self.buf.extend(payload);
        // Checksums are not verified by pcapdoc or by tshark's defaults; leave zero.
        let _ = start;
        self.record()
    }

    fn udp(&mut self, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) -> std::io::Result<()> {
        self.eth_ip(src.0, dst.0, 17, 8 + payload.len());
        self.buf.extend(src.1.to_be_bytes());
        self.buf.extend(dst.1.to_be_bytes());
        self.buf.extend(((8 + payload.len()) as u16).to_be_bytes());
        self.buf.extend([0, 0]);
        self.buf.extend(payload);
        self.record()
    }
}

fn dns(id: u16, name: &str, answer: Option<[u8; 4]>) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend(id.to_be_bytes());
    m.extend(if answer.is_some() { [0x81u8, 0x80] } else { [0x01, 0x00] });
    m.extend([0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend(label.as_bytes());
    }
    m.extend([0, 0, 1, 0, 1]);
    if let Some(a) = answer {
        m.extend([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
        m.extend(a);
    }
    m
}

fn client_hello(sni: &str) -> Vec<u8> {
    let mut ext = Vec::new();
    let name = sni.as_bytes();
    ext.extend([0, 0]);
    ext.extend(((name.len() + 5) as u16).to_be_bytes());
    ext.extend(((name.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend((name.len() as u16).to_be_bytes());
    ext.extend(name);
    let mut body = vec![3, 3];
    body.extend([7u8; 32]);
    body.push(0);
    body.extend([0, 4, 0xc0, 0x2f, 0xc0, 0x30]);
    body.extend([1, 0]);
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![1];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut rec = vec![22, 3, 1];
    rec.extend((hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

fn server_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([9u8; 32]);
    body.push(0);
    body.extend([0xc0, 0x2f, 0]);
    body.extend([0, 0]);
    let mut hs = vec![2];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut rec = vec![22, 3, 3];
    rec.extend((hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    // A certificate-sized record and the end of the flight, as opaque handshake bytes.
    rec.extend([22, 3, 3, 4, 0]);
    rec.extend([0u8; 1024]);
    rec
}

fn app_data(n: usize) -> Vec<u8> {
    let mut r = vec![23, 3, 3];
    r.extend((n as u16).to_be_bytes());
    r.extend(std::iter::repeat_n(0x5a, n));
    r
}

fn bulk<W: Write>(w: &mut Writer<W>, rng: &mut Rng, target: u64) -> std::io::Result<()> {
    const CONNS: usize = 64;
    let server = ([203, 0, 113, 10], 80u16);
    let seg = vec![0x61u8; 1448];
    let mut next_port = 20000u16;
    // Per connection: (client, client seq, server seq, segments sent, segments to send)
    let mut conns: Vec<(([u8; 4], u16), u32, u32, u32, u32)> = Vec::new();
    let mut lost: Vec<(u64, usize, u32)> = Vec::new();
    while w.written < target {
        if conns.len() < CONNS {
            next_port = next_port.wrapping_add(1).max(1024);
            let client = ([198, 51, 100, 2 + (next_port % 200) as u8], next_port);
            let (cs, ss) = (rng.next() as u32, rng.next() as u32);
            w.tcp(client, server, cs, 0, SYN, &[])?;
            w.tcp(server, client, ss, cs.wrapping_add(1), SYN | ACK, &[])?;
            w.tcp(client, server, cs.wrapping_add(1), ss.wrapping_add(1), ACK, &[])?;
            let req = b"GET /big.bin HTTP/1.1\r\nHost: files.example\r\nUser-Agent: curl/8\r\n\r\n";
            w.tcp(client, server, cs.wrapping_add(1), ss.wrapping_add(1), PSH | ACK, req)?;
            let total = 2000 + rng.below(20_000) as u32;
            conns.push((client, cs.wrapping_add(1 + req.len() as u32), ss.wrapping_add(1), 0, total));
            continue;
        }
        let i = rng.below(CONNS as u64) as usize;
        let Some(c) = conns.get_mut(i) else { continue };
        let (client, cs, ss, sent, total) = *c;
        w.advance(20_000);
        for k in 0..2u32 {
            let seq = ss.wrapping_add((sent + k) * 1448);
            if rng.below(500) == 0 {
                lost.push((w.t_ns + 200_000_000, i, seq));
            } else {
                w.tcp(server, client, seq, cs, ACK, &seg)?;
            }
        }
        let acked = ss.wrapping_add((sent + 2) * 1448);
        w.tcp(client, server, cs, acked, ACK, &[])?;
        c.3 += 2;
        let done = c.3 >= total;
        let sent_now = c.3;
        // Retransmit what was lost, 200 ms later.
        while let Some(&(due, j, seq)) = lost.first() {
            if due > w.t_ns {
                break;
            }
            lost.remove(0);
            if let Some(&(cl, cseq, _, _, _)) = conns.get(j) {
                w.tcp(server, cl, seq, cseq, ACK, &seg)?;
            }
        }
        if done {
            let end = ss.wrapping_add(sent_now * 1448);
            w.tcp(server, client, end, cs, FIN | ACK, &[])?;
            w.tcp(client, server, cs, end.wrapping_add(1), FIN | ACK, &[])?;
            w.tcp(server, client, end.wrapping_add(1), cs.wrapping_add(1), ACK, &[])?;
            lost.retain(|l| l.1 != i);
            conns.swap_remove(i);
            lost.iter_mut().for_each(|l| {
                if l.1 == conns.len() {
                    l.1 = i;
                }
            });
        }
    }
    Ok(())
}

fn small<W: Write>(w: &mut Writer<W>, rng: &mut Rng, target: u64) -> std::io::Result<()> {
    let resolver = ([198, 51, 100, 53], 53u16);
    let mut port = 1024u16;
    let sh = server_hello();
    let req = app_data(120);
    let resp = app_data(600);
    let mut n = 0u64;
    while w.written < target {
        n += 1;
        port = if port == 65535 { 1024 } else { port + 1 };
        let client = ([198, 51, 100, (n % 250) as u8 + 2], port);
        let host = (n % 5000) as u16;
        let name = format!("shop{host}.example");
        let addr = [203, 0, 113, (host % 250) as u8 + 1];
        w.advance(5_000 + rng.below(10_000));
        w.udp((client.0, port), resolver, &dns(n as u16, &name, None))?;
        w.udp(resolver, (client.0, port), &dns(n as u16, &name, Some(addr)))?;
        let server = (addr, 443u16);
        let (cs, ss) = (rng.next() as u32, rng.next() as u32);
        let ch = client_hello(&name);
        w.tcp(client, server, cs, 0, SYN, &[])?;
        w.tcp(server, client, ss, cs.wrapping_add(1), SYN | ACK, &[])?;
        let (mut c, mut s) = (cs.wrapping_add(1), ss.wrapping_add(1));
        w.tcp(client, server, c, s, ACK, &[])?;
        w.tcp(client, server, c, s, PSH | ACK, &ch)?;
        c = c.wrapping_add(ch.len() as u32);
        w.tcp(server, client, s, c, PSH | ACK, &sh)?;
        s = s.wrapping_add(sh.len() as u32);
        w.tcp(client, server, c, s, PSH | ACK, &req)?;
        c = c.wrapping_add(req.len() as u32);
        w.tcp(server, client, s, c, PSH | ACK, &resp)?;
        s = s.wrapping_add(resp.len() as u32);
        w.tcp(client, server, c, s, FIN | ACK, &[])?;
        w.tcp(server, client, s, c.wrapping_add(1), FIN | ACK, &[])?;
        w.tcp(client, server, c.wrapping_add(1), s.wrapping_add(1), ACK, &[])?;
    }
    Ok(())
}

fn scan<W: Write>(w: &mut Writer<W>, rng: &mut Rng, target: u64) -> std::io::Result<()> {
    let ports = [22u16, 23, 80, 443, 445, 3389, 8080, 3306];
    let mut n = 0u64;
    while w.written < target {
        // Distinct (address, port, source port) for every probe: the 768 hosts of the three
        // documentation /24s, eight ports each, then the next source port.
        let host = (n / ports.len() as u64) % 768;
        let nets = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
        let net = nets[(host % 3) as usize];
        let dst = [net[0], net[1], net[2], (host / 3) as u8];
        let dport = ports[(n % ports.len() as u64) as usize];
        let sport = 1024 + ((n / (768 * ports.len() as u64)) % 64000) as u16;
        let src = ([192, 0, 2, 7], sport);
        let seq = rng.next() as u32;
        w.advance(1_000);
        w.tcp(src, (dst, dport), seq, 0, SYN, &[])?;
        w.tcp((dst, dport), src, 0, seq.wrapping_add(1), RST | ACK, &[])?;
        n += 1;
    }
    Ok(())
}

fn concurrent<W: Write>(w: &mut Writer<W>, rng: &mut Rng, target: u64) -> std::io::Result<()> {
    const CONNS: u32 = 100_000;
    let server = ([203, 0, 113, 20], 443u16);
    let req = app_data(120);
    let resp = app_data(600);
    // (client, client seq, server seq)
    let mut conns: Vec<(([u8; 4], u16), u32, u32)> = Vec::with_capacity(CONNS as usize);
    for i in 0..CONNS {
        // 2,000 client addresses × 50 ports: distinct 4-tuples.
        let n = i / 50;
        let client = ([198, 51, 100, 1 + (n % 250) as u8], 20_000 + (n / 250) as u16 * 50 + (i % 50) as u16);
        let (cs, ss) = (rng.next() as u32, rng.next() as u32);
        w.advance(10_000);
        w.tcp(client, server, cs, 0, SYN, &[])?;
        w.tcp(server, client, ss, cs.wrapping_add(1), SYN | ACK, &[])?;
        w.tcp(client, server, cs.wrapping_add(1), ss.wrapping_add(1), ACK, &[])?;
        conns.push((client, cs.wrapping_add(1), ss.wrapping_add(1)));
    }
    let mut i = 0usize;
    while w.written < target {
        let Some((client, c, s)) = conns.get_mut(i % CONNS as usize) else { break };
        w.advance(2_000);
        w.tcp(*client, server, *c, *s, PSH | ACK, &req)?;
        *c = c.wrapping_add(req.len() as u32);
        w.tcp(server, *client, *s, *c, PSH | ACK, &resp)?;
        *s = s.wrapping_add(resp.len() as u32);
        i += 1;
    }
    for &(client, c, s) in &conns {
        w.tcp(client, server, c, s, FIN | ACK, &[])?;
        w.tcp(server, client, s, c.wrapping_add(1), FIN | ACK, &[])?;
        w.tcp(client, server, c.wrapping_add(1), s.wrapping_add(1), ACK, &[])?;
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, size_mb, seed, out] = args.as_slice() else {
        eprintln!("usage: benchgen bulk|small|scan|concurrent SIZE_MB SEED OUT.pcap");
        std::process::exit(2);
    };
    let target = size_mb.parse::<u64>().map_err(std::io::Error::other)? * 1_000_000;
    let mut rng = Rng(seed.parse::<u64>().map_err(std::io::Error::other)?.max(1));
    let mut w = Writer::new(BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?))?;
    match kind.as_str() {
        "bulk" => bulk(&mut w, &mut rng, target)?,
        "small" => small(&mut w, &mut rng, target)?,
        "scan" => scan(&mut w, &mut rng, target)?,
        "concurrent" => concurrent(&mut w, &mut rng, target)?,
        _ => {
            eprintln!("unknown kind {kind}");
            std::process::exit(2);
        }
    }
    w.out.flush()?;
    eprintln!("{out}: {} bytes, {} packets", w.written, w.packets);
    Ok(())
}
