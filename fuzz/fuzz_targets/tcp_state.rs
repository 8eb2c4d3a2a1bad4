//! The flow table, TCP analysis and reassembly fed arbitrary segment sequences: each 16
//! bytes of input are one segment (direction, flags, seq, ack, length, window, time step).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::capture::Timestamp;
use pcapdoc::decode::{TcpFlags, TcpOptions};
use pcapdoc::flow::FlowTable;
use pcapdoc::tcp::analysis::Segment;
use pcapdoc::tcp::reassembly::Reassembler;
use pcapdoc::tcp::seq::Seq;

fuzz_target!(|data: &[u8]| {
    let mut flows = FlowTable::new();
    let mut reasm = [Reassembler::new(4096), Reassembler::new(4096)];
    let (a, b) = ("192.0.2.1:1000".parse().unwrap(), "198.51.100.1:80".parse().unwrap());
    let mut ts = 0i64;
    let opts = TcpOptions::default();
    for (i, c) in data.chunks_exact(16).enumerate() {
        let u = |k: usize| u32::from_be_bytes([c[k], c[k + 1], c[k + 2], c[k + 3]]);
        let dir = usize::from(c[0] & 1);
        let flags = TcpFlags(u16::from(c[1]) & 0x3f);
        let (seq, ack) = (u(2), u(6));
        let len = u32::from(u16::from_be_bytes([c[10], c[11]])) % 3000;
        let window = u16::from_be_bytes([c[12], c[13]]);
        ts += i64::from(u16::from_be_bytes([c[14], c[15]])) * 1000;
        let (src, dst) = if dir == 0 { (a, b) } else { (b, a) };
        let p = flows.place(src, dst, flags, seq, ack, i as u64 + 1, Timestamp(ts), false);
        if let Some(conv) = flows.get_mut(p.stream) {
            let s = Segment {
                frame: i as u64 + 1,
                ts: Timestamp(ts),
                seq,
                ack,
                seglen: len,
                flags,
                window,
                window_scale: None,
            };
            std::hint::black_box(conv.analysis.analyze(p.dir, &s));
        }
        let payload = vec![0x41u8; (len as usize).min(64)];
        reasm[p.dir.min(1)].push(Seq(seq), flags.syn(), flags.fin(), len, &payload, &mut |c| {
            std::hint::black_box(c);
        });
        let _ = opts;
    }
});
