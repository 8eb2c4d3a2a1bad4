//! pcapdoc: diagnoses cloud network failures from packet captures.
//!
//! Data flows one way: [`capture`] (records) → [`decode`] (frames) → [`flow`] (stream
//! numbering) → [`tcp`] (per-direction state, Wireshark's sequence analysis, reassembly)
//! → detectors → findings → report.
#![forbid(unsafe_code)]

pub mod anonymize;
pub mod app;
pub mod capture;
pub mod cli;
pub mod compare;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod flow;
pub mod report;
pub mod tcp;
pub mod text;
