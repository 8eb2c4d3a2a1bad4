//! pcapdoc: diagnoses cloud network failures from packet captures.
//!
//! Data flows one way: [`capture`] (records) → [`decode`] (frames) → [`flow`] (stream
//! numbering) → [`tcp`] (per-direction state, Wireshark's sequence analysis, reassembly)
//! → detectors → findings → report.
#![forbid(unsafe_code)]

/// Writes one diagnostic line to standard error, like `eprintln!`, but a closed or full
/// stderr is ignored: a failed diagnostic must never change the outcome (`eprintln!` panics).
/// Under `--anonymize`, the line's addresses are rewritten too (a file named after a host's
/// address is echoed in warnings).
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => {{
        $crate::diag_line(&format!($($arg)*));
    }};
}

/// What [`diag!`] calls.
pub fn diag_line(line: &str) {
    use std::io::Write as _;
    let line = anonymize::for_diagnostics(line);
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub mod anonymize;
pub mod app;
pub mod capture;
pub mod cli;
pub mod compare;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod flow;
pub mod focus;
pub mod health;
pub mod i18n;
pub mod input;
pub mod parallel;
pub mod report;
pub mod summary;
pub mod tcp;
pub mod visibility;

/// The hash map every table in pcapdoc uses: foldhash, randomly seeded per process like
/// std's SipHash (a hostile capture cannot aim collisions at a seed it does not know) and
/// several times faster on the small keys we hash per packet (4-tuples, stream numbers).
/// The `quality` variant: `fast` mixes sequential stream numbers so poorly that, with the
/// insert/remove churn of an evicting flow table, probe chains grew until a 100 MB scan took
/// 8.5 s instead of 3.1 s.
/// See docs/PERFORMANCE.md.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;
/// The hash set that goes with [`HashMap`].
pub type HashSet<T> = std::collections::HashSet<T, foldhash::quality::RandomState>;
