//! Criterion micro-benchmarks of the per-packet hot paths: frame decode, flow placement
//! with Wireshark's sequence analysis, and the whole engine with every detector on a
//! small in-memory capture. `cargo bench`; the end-to-end benchmark is bench/run.

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pcapdoc::capture::{CaptureReader, LinkType, Record, Timestamp};
use pcapdoc::decode::{self, TcpFlags};
use pcapdoc::detect::{self, Config};
use pcapdoc::flow::FlowTable;
use pcapdoc::tcp::analysis::Segment;

/// An Ethernet/IPv4/TCP frame with `payload` bytes of data.
fn frame(seq: u32, payload: usize) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (40 + payload) as u16;
    f.extend([0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 6, 0, 0]);
    f.extend([203, 0, 113, 10, 198, 51, 100, 2]);
    f.extend([0, 80, 0x9c, 0x40]);
    f.extend(seq.to_be_bytes());
    f.extend(1u32.to_be_bytes());
    f.extend([0x50, 0x10, 0x08, 0x00, 0, 0, 0, 0]);
    f.extend(std::iter::repeat_n(0x61, payload));
    f
}

/// A classic pcap of `n` data segments of one connection, after its handshake.
fn pcap(n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for w in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 262_144, 1] {
        out.extend(w.to_le_bytes());
    }
    let mut push = |i: u32, data: &[u8]| {
        out.extend((1_700_000_000u32 + i / 1000).to_le_bytes());
        out.extend(((i % 1000) * 1000).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
    };
    for i in 0..n {
        push(i, &frame(1 + i * 1448, 1448));
    }
    out
}

fn decode_frame(c: &mut Criterion) {
    let data = frame(1, 1448);
    let rec = Record {
        frame: 1,
        ts: Timestamp(0),
        link: LinkType::ETHERNET,
        interface: 0,
        data: &data,
        orig_len: data.len() as u32,
    };
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ethernet_ipv4_tcp_1448", |b| b.iter(|| black_box(decode::decode(black_box(&rec)))));
    g.finish();
}

fn tcp_state(c: &mut Criterion) {
    let server = "203.0.113.10:80".parse().unwrap_or_else(|_| unreachable!());
    let client = "198.51.100.2:40000".parse().unwrap_or_else(|_| unreachable!());
    let mut g = c.benchmark_group("tcp");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("place_and_analyze_1000_segments", |b| {
        b.iter(|| {
            let mut t: FlowTable = FlowTable::new();
            for i in 0..1000u32 {
                let seq = 1 + i * 1448;
                let p = t.place(
                    server,
                    client,
                    TcpFlags(TcpFlags::ACK),
                    seq,
                    1,
                    u64::from(i) + 1,
                    Timestamp(i64::from(i)),
                    false,
                );
                if let Some(conv) = t.get_mut(p.stream) {
                    let s = Segment {
                        frame: u64::from(i) + 1,
                        ts: Timestamp(i64::from(i) * 1000),
                        seq,
                        ack: 1,
                        seglen: 1448,
                        flags: TcpFlags(TcpFlags::ACK),
                        window: 2048,
                        window_scale: None,
                    };
                    black_box(conv.analysis.analyze(p.dir, &s));
                }
            }
            black_box(t)
        })
    });
    g.finish();
}

fn engine(c: &mut Criterion) {
    let bytes = pcap(10_000);
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("all_detectors_10000_bulk_segments", |b| {
        b.iter(|| {
            let reader = CaptureReader::from_reader(Box::new(Cursor::new(bytes.clone())), Path::new("bench.pcap"))
                .unwrap_or_else(|e| unreachable!("{e}"));
            black_box(detect::run(reader, &Config::default(), &[]))
        })
    });
    g.finish();
}

criterion_group!(benches, decode_frame, tcp_state, engine);
criterion_main!(benches);
