//! Issue 15 item 1: a TLS 1.3 close is a 19-byte application_data record and a FIN after an
//! idle gap (the encrypted close_notify); a larger record before a FIN is data, and a 19-byte
//! record without a FIN is not a close.

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config, Finding, Severity};

use crate::support::craft::{C, Craft, S, handshake};

fn close_after_idle(record_len: u16, fin: bool) -> Vec<Finding> {
    let mut c = Craft::new();
    let (cseq, sseq) = handshake(&mut c, 50001, 443);
    let (cl, sv) = ((C, 50001), (S, 443));
    let rec = |len: u16| {
        let mut r = vec![0x17, 0x03, 0x03];
        r.extend(len.to_be_bytes());
        r.extend(std::iter::repeat_n(0xaa, usize::from(len)));
        r
    };
    let req = rec(100);
    let resp = rec(300);
    c.wait(0.01).tcp(cl, sv, cseq, sseq, "AP", &req, 64);
    c.wait(0.01).tcp(sv, cl, sseq, cseq + 105, "AP", &resp, 64);
    c.wait(0.001).tcp(cl, sv, cseq + 105, sseq + 305, "A", &[], 64);
    let close = rec(record_len);
    let n = u32::try_from(close.len()).unwrap();
    c.wait(75.0).tcp(sv, cl, sseq + 305, cseq + 105, "AP", &close, 64);
    if fin {
        c.wait(0.0002).tcp(sv, cl, sseq + 305 + n, cseq + 105, "AF", &[], 64);
    }
    c.wait(10.0).tcp(cl, sv, cseq + 105, sseq + 305 + n + u32::from(fin), "AP", &req, 64);
    c.wait(0.0002).tcp(sv, cl, sseq + 306 + n, 0, "R", &[], 64);
    let r =
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(c.bytes())), std::path::Path::new("t.pcap")).unwrap();
    detect::run(r, &Config::default(), &["tls-alert-fin".into()]).1
}

#[test]
fn a_19_byte_record_and_a_fin_after_idle_is_a_tls13_close_with_its_victim() {
    let f = close_after_idle(19, true);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Error, "the client wrote after the close and got a RST");
    assert!(f[0].summary.to_string().contains("TLS 1.3 close_notify"), "{}", f[0].summary);
    assert!(f[0].explanation.to_string().contains("19-byte"), "{}", f[0].explanation);
}

#[test]
fn a_larger_record_or_no_fin_is_not_a_close() {
    assert!(close_after_idle(300, true).is_empty(), "a 300-byte record before a FIN is data");
    assert!(close_after_idle(19, false).is_empty(), "no FIN: not a close");
}
