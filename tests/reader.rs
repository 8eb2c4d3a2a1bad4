//! The capture reader on damaged input: it warns, resynchronises where it can, and never
//! allocates what a header claims.

use std::io::Write;

use pcapdoc::capture::{CaptureReader, ReadIssue};

use crate::support;

fn read_bytes(bytes: Vec<u8>) -> (u64, Vec<ReadIssue>) {
    let mut r =
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(bytes)), std::path::Path::new("mem.pcap")).unwrap();
    while r.next_record().is_some() {}
    let i = r.into_info();
    (i.packets, i.issues)
}

fn synthetic(name: &str) -> Vec<u8> {
    std::fs::read(support::root().join("captures/synthetic").join(name)).unwrap()
}

/// Offsets of each record header in a classic pcap (24-byte file header, 16-byte records).
fn record_offsets(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        v.push(at);
        let caplen = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    v
}

#[test]
fn a_corrupt_record_in_the_middle_is_skipped_and_reading_resumes() {
    let mut b = synthetic("pcap-usec-le.pcap");
    let offs = record_offsets(&b);
    // Record 6 claims 4 GB.
    let at = offs[5];
    b[at + 8..at + 12].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let (packets, issues) = read_bytes(b);
    assert!(matches!(issues.first(), Some(ReadIssue::CorruptRecord { after_frame: 5, .. })), "{issues:?}");
    assert!(matches!(issues.get(1), Some(ReadIssue::Resynchronised { after_frame: 5, .. })), "{issues:?}");
    assert_eq!(packets, 16, "the 11 records after the damaged one are read again");
}

#[test]
fn a_4gb_record_length_at_the_end_stops_with_a_warning_not_an_allocation() {
    let mut b = synthetic("pcap-usec-le.pcap");
    let offs = record_offsets(&b);
    let last = *offs.last().unwrap();
    b.truncate(last + 16);
    b[last + 8..last + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let (packets, issues) = read_bytes(b);
    assert_eq!(packets, 16);
    assert!(matches!(issues.first(), Some(ReadIssue::CorruptRecord { .. })), "{issues:?}");
}

#[test]
fn pcapng_with_a_garbage_block_length_resynchronises_on_the_next_block() {
    let mut b = synthetic("pcapng-two-interfaces.pcapng");
    // Find the 5th EPB (type 6) and break its length field.
    let mut at = 0;
    let mut epb = 0;
    let mut target = None;
    while at + 8 <= b.len() {
        let t = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
        if t == 6 {
            epb += 1;
            if epb == 5 {
                target = Some(at);
                break;
            }
        }
        at += len;
    }
    let at = target.unwrap();
    b[at + 4..at + 8].copy_from_slice(&7u32.to_le_bytes());
    let (packets, issues) = read_bytes(b);
    assert!(matches!(issues.first(), Some(ReadIssue::CorruptRecord { after_frame: 4, .. })), "{issues:?}");
    assert!(issues.iter().any(|i| matches!(i, ReadIssue::Resynchronised { .. })), "{issues:?}");
    assert_eq!(packets, 16, "one damaged packet lost, the rest read");
}

#[test]
fn gzip_is_detected_by_content_not_by_name() {
    let gz = synthetic("pcap-gzip.pcap.gz");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("no-extension");
    std::fs::write(&p, gz).unwrap();
    let mut r = CaptureReader::open(&p).unwrap();
    let mut n = 0;
    while r.next_record().is_some() {
        n += 1;
    }
    assert_eq!(n, 17);
    assert!(r.into_info().gzip);
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let bytes = synthetic("pcapng-two-interfaces.pcapng");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pcapdoc"))
        .args(["flows", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["capture"]["packets"], 17);
    assert_eq!(v["capture"]["format"], "pcapng");
}
