//! The read floor (issue 20): the time to read every record of a capture and touch each of
//! its bytes, with nothing else done. Every analyser stands on it; `bench/run` prints
//! pcapdoc's and tshark's times as multiples of it.
//!
//! Usage: readfloor FILE... — prints "SECONDS PACKETS BYTES" on one line.

use std::path::PathBuf;
use std::time::Instant;

use pcapdoc::capture::CaptureReader;

fn main() {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        eprintln!("usage: readfloor FILE...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let mut reader = match CaptureReader::open_many(&files, "capture") {
        Ok(r) => r,
        Err(e) => {
            eprintln!("readfloor: {e}");
            std::process::exit(1);
        }
    };
    let (mut packets, mut bytes, mut sum) = (0u64, 0u64, 0u64);
    while let Some(r) = reader.next_record() {
        packets += 1;
        bytes += r.data.len() as u64;
        // Touch every byte, eight at a time, so the work cannot be skipped.
        let mut words = r.data.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            sum = sum.wrapping_add(u64::from_le_bytes(b));
        }
        sum = words.remainder().iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
    }
    let secs = start.elapsed().as_secs_f64();
    // The checksum keeps the loop honest; printing it to stderr keeps stdout one line.
    eprintln!("checksum {sum:016x}");
    println!("{secs:.3} {packets} {bytes}");
}
