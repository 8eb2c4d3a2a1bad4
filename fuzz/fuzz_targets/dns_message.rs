//! DNS messages (dns-parser, wrapped) and DNS-over-TCP framing on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::app::dns::{TcpDnsFramer, parse};

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(parse(data));
    let mut f = TcpDnsFramer::default();
    for chunk in data.chunks(7) {
        f.feed(chunk, &mut |m| {
            std::hint::black_box(parse(m));
        });
    }
});
