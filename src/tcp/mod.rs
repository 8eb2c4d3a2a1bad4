//! TCP stream state: the fourth step of the pipeline.
//!
//! [`seq`] does wrapping sequence arithmetic, [`analysis`] is Wireshark's per-segment
//! classification, and [`stream`] keeps each stream's summary (Zeek's `conn_state` and
//! `history`, handshake, closes, counters); [`dup`] tells capture copies from retransmissions.

pub mod analysis;
pub mod dup;
pub mod reassembly;
pub mod seq;
pub mod stream;
