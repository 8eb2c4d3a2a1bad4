//! Frame decode on arbitrary bytes, for each link type we decode.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::capture::{LinkType, Record, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else { return };
    let links = [
        LinkType::ETHERNET,
        LinkType::RAW,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::NULL,
        LinkType::LOOP,
        LinkType(274),
    ];
    let link = links[sel as usize % links.len()];
    let rec = Record { frame: 1, ts: Timestamp(0), link, interface: 0, data: bytes, orig_len: bytes.len() as u32 };
    std::hint::black_box(pcapdoc::decode::decode(&rec));
});
