//! Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4), the only way pcapdoc
//! compares or adds sequence numbers.

use std::cmp::Ordering;

/// A TCP sequence or acknowledgement number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Seq(pub u32);

impl Seq {
    /// Signed distance from `other` to `self`, as Wireshark's `LT_SEQ` and friends compute it:
    /// `(int32_t)(self - other)`.
    pub fn diff(self, other: Seq) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }
    pub fn lt(self, o: Seq) -> bool {
        self.diff(o) < 0
    }
    pub fn le(self, o: Seq) -> bool {
        self.diff(o) <= 0
    }
    pub fn gt(self, o: Seq) -> bool {
        self.diff(o) > 0
    }
    pub fn ge(self, o: Seq) -> bool {
        self.diff(o) >= 0
    }
    /// Bytes from `earlier` to `self`, wrapping.
    pub fn since(self, earlier: Seq) -> u32 {
        self.0.wrapping_sub(earlier.0)
    }
    pub fn cmp_wrapping(self, o: Seq) -> Ordering {
        self.diff(o).cmp(&0)
    }
}

impl std::ops::Add<u32> for Seq {
    type Output = Seq;
    fn add(self, n: u32) -> Seq {
        Seq(self.0.wrapping_add(n))
    }
}

impl std::ops::Sub<u32> for Seq {
    type Output = Seq;
    fn sub(self, n: u32) -> Seq {
        Seq(self.0.wrapping_sub(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_wrap_around_zero() {
        let before = Seq(u32::MAX - 10);
        let after = Seq(5);
        assert!(before.lt(after));
        assert!(after.gt(before));
        assert_eq!(after.since(before), 16);
        assert_eq!(before + 16, after);
        assert_eq!(after - 16, before);
        assert!(Seq(7).le(Seq(7)) && Seq(7).ge(Seq(7)));
    }
}
