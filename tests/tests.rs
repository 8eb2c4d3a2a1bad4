//! All integration tests build into this one binary (faster to link, as ripgrep does).
// Tests may panic: a panic here is a failed test, not a crash on user data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

mod accuracy;
mod cli;
mod compare;
mod detectors;
mod filters;
mod hardening2;
mod hostile;
mod infected;
mod long_captures;
mod messages;
mod new_diagnoses;
mod parallel;
mod reader;
mod reports;
mod seed_detectors;
mod synthetic;
mod tls13;
mod trust;
mod tshark_agreement;
mod visibility;
mod zero_window;
