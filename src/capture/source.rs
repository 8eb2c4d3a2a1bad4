//! A bounded, refillable byte window over any `Read`.
//!
//! Contract: the window never grows beyond [`Source::MAX_WINDOW`], so a record header that
//! claims 4 GB cannot make us allocate 4 GB. Callers ask for `ensure(n)` bytes, look at
//! `window()`, and `consume(n)` what they parsed. `offset()` is the absolute file offset of the
//! first byte of the window, used in messages ("corrupt record at byte 1234").

use std::io::{self, Read};

pub struct Source {
    inner: Box<dyn Read + Send>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    offset: u64,
}

impl Source {
    /// The largest record we will ever hold in memory at once. Wireshark's own limit for
    /// most link types is 256 KiB (`WTAP_MAX_PACKET_SIZE_STANDARD`); pcapng blocks may carry
    /// options too, so leave ample room.
    pub const MAX_WINDOW: usize = 16 * 1024 * 1024;
    const READ_CHUNK: usize = 1024 * 1024;
    /// The first read's size: the buffer doubles from here to `READ_CHUNK`, so that a small
    /// capture (or each of the thousands of cut captures the tests read) does not zero a
    /// megabyte it never fills.
    const FIRST_CHUNK: usize = 64 * 1024;

    pub fn new(inner: Box<dyn Read + Send>) -> Self {
        Self { inner, buf: Vec::new(), start: 0, end: 0, eof: false, offset: 0 }
    }

    /// Lets go of the buffer and the input, at the end: the next file of a ring reuses the
    /// memory instead of faulting in fresh pages. `offset()` stays.
    pub fn release(&mut self) {
        self.buf = Vec::new();
        self.start = 0;
        self.end = 0;
        self.eof = true;
        self.inner = Box::new(io::empty());
    }

    /// The bytes currently available.
    pub fn window(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Absolute offset of `window()[0]` in the input.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// Tries to make at least `n` bytes available. Returns how many are available afterwards,
    /// which is less than `n` only at end of input. `n` is clamped to `MAX_WINDOW`.
    pub fn ensure(&mut self, n: usize) -> io::Result<usize> {
        let n = n.min(Self::MAX_WINDOW);
        while self.end - self.start < n && !self.eof {
            let chunk = (self.buf.len() * 2).clamp(Self::FIRST_CHUNK, Self::READ_CHUNK);
            if self.start > 0 && (self.buf.len() - self.end < chunk || self.start == self.end) {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let want = (n - (self.end - self.start)).max(chunk);
            if self.buf.len() < self.end + want {
                let new_len = (self.end + want).min(Self::MAX_WINDOW + Self::READ_CHUNK);
                self.buf.resize(new_len, 0);
            }
            let Some(dst) = self.buf.get_mut(self.end..) else { break };
            if dst.is_empty() {
                break;
            }
            match self.inner.read(dst) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.start)
    }

    /// The buffer range of the last `len` bytes consumed. Valid until the next `ensure`,
    /// which may move bytes; `consume` itself never does.
    pub fn last_consumed(&self, len: usize) -> std::ops::Range<usize> {
        self.start.saturating_sub(len)..self.start
    }

    /// Bytes of the backing buffer, by a range from [`Source::last_consumed`].
    pub fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }

    /// True when nothing is left, neither in the window nor in the input.
    pub fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.ensure(1)? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per call, to exercise refills.
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.get(self.1), buf.first_mut()) {
                (Some(b), Some(d)) => {
                    *d = *b;
                    self.1 += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn ensure_refills_across_short_reads() {
        let data: Vec<u8> = (0..=255).collect();
        let mut s = Source::new(Box::new(Trickle(data, 0)));
        assert_eq!(s.ensure(10).unwrap(), 10);
        assert_eq!(s.window()[..3], [0, 1, 2]);
        s.consume(5);
        assert_eq!(s.offset(), 5);
        assert!(s.ensure(300).unwrap() == 251);
        assert_eq!(s.window()[0], 5);
        s.consume(251);
        assert!(s.at_end().unwrap());
    }

    #[test]
    fn huge_request_is_clamped() {
        let mut s = Source::new(Box::new(io::repeat(7)));
        let got = s.ensure(usize::MAX).unwrap();
        assert!((Source::MAX_WINDOW..=Source::MAX_WINDOW + Source::READ_CHUNK).contains(&got), "{got}");
    }
}
