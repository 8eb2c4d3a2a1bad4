//! The capture reader on arbitrary bytes: pcap, pcapng and gzip framing, resynchronisation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = pcapdoc::capture::CaptureReader::from_reader(
        Box::new(std::io::Cursor::new(data.to_vec())),
        std::path::Path::new("fuzz"),
    );
    if let Ok(mut r) = r {
        while let Some(rec) = r.next_record() {
            std::hint::black_box(rec.data.len());
        }
    }
});
