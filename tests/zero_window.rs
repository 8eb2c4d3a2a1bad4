//! `zero-window`: a receiver that stops reading for more than a second is a finding; flow
//! control that reopens within milliseconds is not; a window that never reopens before a
//! reset is an error.

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding, Severity};

use crate::support::craft::{C, Craft, S, handshake};

/// A download whose receiver (the client) shuts its window after the first segment for
/// `stall` seconds, with the server probing; `end` is how it ends.
fn stall(stall: f64, reopen: bool, reset: bool) -> Vec<Finding> {
    let mut c = Craft::new();
    let (cseq, sseq) = handshake(&mut c, 50000, 80);
    let (cl, sv) = ((C, 50000), (S, 80));
    c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", b"GET / HTTP/1.1\r\n\r\n", 64);
    c.wait(0.01).tcp(sv, cl, sseq, cseq + 18, "A", &[b'x'; 1000], 64);
    c.wait(0.001).tcp(cl, sv, cseq + 18, sseq + 1000, "A", &[], 64).win(0);
    let probes = (stall / 0.5) as u32;
    for _ in 0..probes {
        c.wait(stall / f64::from(probes + 1)).tcp(sv, cl, sseq + 999, cseq + 18, "A", &[], 64);
        c.wait(0.0001).tcp(cl, sv, cseq + 18, sseq + 1000, "A", &[], 64).win(0);
    }
    if reopen {
        c.wait(stall / f64::from(probes + 1)).tcp(cl, sv, cseq + 18, sseq + 1000, "A", &[], 64);
        c.wait(0.001).tcp(sv, cl, sseq + 1000, cseq + 18, "AP", &[b'y'; 500], 64);
    }
    if reset {
        c.wait(0.5).tcp(sv, cl, sseq + 1000, cseq + 18, "R", &[], 64);
    }
    let r =
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("zw.pcap")).unwrap();
    let (_, findings) = detect::run(r, &Config::default(), &["zero-window".into()]);
    findings
}

#[test]
fn a_receiver_that_stops_reading_for_seconds_is_a_warning_with_the_reopening() {
    let f = stall(3.0, true, false);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].facts["reopened"], true);
    assert!(f[0].facts["probes"].as_u64().unwrap() >= 5, "{:?}", f[0].facts);
    assert!(f[0].summary.to_string().contains("stopped reading"), "{}", f[0].summary);
    assert!(f[0].explanation.to_string().contains("The window reopened in frame"), "{}", f[0].explanation);
}

#[test]
fn flow_control_that_reopens_within_milliseconds_is_not_a_finding() {
    assert!(stall(0.005, true, false).is_empty());
    assert!(stall(0.8, true, false).is_empty(), "under the one-second threshold");
}

#[test]
fn a_window_that_never_reopens_before_a_reset_is_an_error() {
    let f = stall(2.0, false, true);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].facts["reopened"], false);
    assert!(f[0].summary.to_string().contains("never got through"), "{}", f[0].summary);
}
