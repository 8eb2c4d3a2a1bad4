//! TLS record tracking on arbitrary bytes, split at arbitrary points, with gaps.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::app::tls::TlsTracker;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let mut t = TlsTracker::new();
    let cut = (split as usize).min(rest.len());
    let (x, y) = rest.split_at(cut);
    t.feed(x, &mut |e| {
        std::hint::black_box(e);
    });
    if split & 0x80 != 0 {
        t.gap(u32::from(split));
    }
    t.feed(y, &mut |e| {
        std::hint::black_box(e);
    });
});
