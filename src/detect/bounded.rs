//! Bounded per-key tables for the detectors that count across streams (per server, per
//! source, per resolved address).
//!
//! A table that simply stops taking keys when it is full loses whatever comes late: a flood
//! that starts after 65,536 other servers were seen is never counted. [`Heavy`] keeps the
//! heaviest keys instead. When a new key finds it full, it lets go of the lighter half at
//! once (one sort per `cap / 2` new keys, so the cost per key stays constant) and keeps the
//! count and the weight of what it let go of, for the report's `limits`. A key that carries
//! much of the traffic survives every pruning; one that comes late gets half the table's
//! worth of new keys to gain weight before the next. This is the "lossy counting" family of
//! heavy-hitter tables (Manku and Motwani 2002), simplified to whole-table prunings.

use std::hash::{BuildHasher, Hash};

use serde::Serialize;

use crate::HashMap;

/// How much an entry matters: the entries with the least are let go of first.
pub trait Weight {
    fn weight(&self) -> u64;
}

impl Weight for u64 {
    fn weight(&self) -> u64 {
        *self
    }
}

/// A map of at most `cap` keys that keeps the heaviest ones (see the module's text).
#[derive(Debug)]
pub struct Heavy<K, V> {
    map: HashMap<K, V>,
    cap: usize,
    dropped_keys: u64,
    dropped_weight: u64,
    /// Every key ever entered, from the first pruning on (the held keys count them until
    /// then), when distinct keys are counted ([`Heavy::counting`]).
    seen: Option<Distinct>,
    count_distinct: bool,
}

impl<K: Hash + Eq, V: Weight> Heavy<K, V> {
    pub fn new(cap: usize) -> Self {
        Heavy {
            map: HashMap::default(),
            cap: cap.max(2),
            dropped_keys: 0,
            dropped_weight: 0,
            seen: None,
            count_distinct: false,
        }
    }

    /// A table that also counts its distinct keys past the first pruning ([`Heavy::distinct`]).
    pub fn counting(cap: usize) -> Self {
        Heavy { count_distinct: true, ..Self::new(cap) }
    }

    /// Distinct keys entered: exact until the first pruning, estimated after (when made
    /// with [`Heavy::counting`]; otherwise the keys held).
    pub fn distinct(&self) -> u64 {
        self.seen.as_ref().map_or(self.map.len() as u64, Distinct::estimate)
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }

    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.map.get_mut(k)
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.map.contains_key(k)
    }

    /// The entry for `k`, made by `make` when it is new; a full table is pruned first.
    pub fn entry(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        if self.map.len() >= self.cap && !self.map.contains_key(&k) {
            self.prune();
        }
        if let Some(seen) = &mut self.seen {
            seen.insert(&k);
        }
        self.map.entry(k).or_insert_with(make)
    }

    /// Lets go of the lighter half: every entry no heavier than the median.
    fn prune(&mut self) {
        if self.count_distinct && self.seen.is_none() {
            let mut seen = Distinct::default();
            self.map.keys().for_each(|k| seen.insert(k));
            self.seen = Some(seen);
        }
        let mut weights: Vec<u64> = self.map.values().map(Weight::weight).collect();
        let mid = weights.len() / 2;
        if mid >= weights.len() {
            return;
        }
        let median = *weights.select_nth_unstable_by(mid, |a, b| b.cmp(a)).1;
        let (mut keys, mut weight) = (0u64, 0u64);
        self.map.retain(|_, v| {
            let w = v.weight();
            let keep = w > median;
            if !keep {
                keys += 1;
                weight = weight.saturating_add(w);
            }
            keep
        });
        self.dropped_keys += keys;
        self.dropped_weight = self.dropped_weight.saturating_add(weight);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// True once any key was let go of: counts over the held keys are no longer complete.
    pub fn pruned(&self) -> bool {
        self.dropped_keys > 0
    }

    /// What the table had to let go of, under `table`'s name, or `None` when nothing.
    pub fn cap_report(&self, detector: &'static str, table: &'static str) -> Option<DetectorCap> {
        (self.dropped_keys > 0).then_some(DetectorCap {
            detector,
            table,
            cap: self.cap,
            dropped_keys: self.dropped_keys,
            dropped_weight: self.dropped_weight,
        })
    }
}

/// How many distinct values were seen, in 256 bytes whatever their number: a HyperLogLog
/// (Flajolet, Fusy, Gandouet, Meunier 2007) of 256 registers, with the small-range
/// correction: exact in practice up to a few dozen values, about 6.5 % off beyond. Used
/// where a bounded table can no longer count distinct keys itself (sources of a flood,
/// destinations of a sweep). Deterministic: the hash has a fixed seed, so a report is the
/// same on every run.
#[derive(Clone)]
pub struct Distinct {
    registers: Box<[u8; 256]>,
}

impl std::fmt::Debug for Distinct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Distinct").field("estimate", &self.estimate()).finish()
    }
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct { registers: Box::new([0; 256]) }
    }
}

impl Distinct {
    pub fn insert<T: Hash>(&mut self, value: &T) {
        let h = foldhash::quality::FixedState::with_seed(0x7063_6170_646f_6321).hash_one(value);
        let index = usize::from(h.to_le_bytes().first().copied().unwrap_or(0));
        // The rank of the first set bit in the other 56 bits (1-based), at most 57.
        let rank = ((h >> 8) | (1 << 56)).trailing_zeros() as u8 + 1;
        if let Some(r) = self.registers.get_mut(index) {
            *r = (*r).max(rank);
        }
    }

    /// The estimated number of distinct values inserted.
    pub fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let sum: f64 = self.registers.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
        let raw = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
        e.round() as u64
    }
}

/// A set that holds its first `cap` values exactly and only counts the rest.
#[derive(Debug)]
pub struct CountedSet<T> {
    exact: crate::HashSet<T>,
    cap: usize,
    beyond: Option<Distinct>,
}

impl<T: Hash + Eq> CountedSet<T> {
    pub fn new(cap: usize) -> Self {
        CountedSet { exact: crate::HashSet::default(), cap, beyond: None }
    }

    pub fn insert(&mut self, v: T) {
        if let Some(d) = &mut self.beyond {
            d.insert(&v);
        } else if self.exact.len() < self.cap {
            self.exact.insert(v);
        } else if !self.exact.contains(&v) {
            let mut d = Distinct::default();
            self.exact.iter().for_each(|x| d.insert(x));
            d.insert(&v);
            self.beyond = Some(d);
        }
    }

    /// Distinct values: exact while at most `cap`, estimated (never under `cap`) beyond.
    pub fn len(&self) -> usize {
        match &self.beyond {
            None => self.exact.len(),
            Some(d) => usize::try_from(d.estimate()).unwrap_or(usize::MAX).max(self.cap),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// False once the count is an estimate.
    pub fn is_exact(&self) -> bool {
        self.beyond.is_none()
    }
}

/// One detector table that reached its bound: `cap` keys kept, the lightest let go of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectorCap {
    pub detector: &'static str,
    /// What the table counts ("servers", "sweeps", ...).
    pub table: &'static str,
    pub cap: usize,
    /// Keys let go of, and the sum of their weights (attempts, connections: see the table).
    pub dropped_keys: u64,
    pub dropped_weight: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heavy_key_that_comes_late_survives_many_light_ones() {
        let mut t: Heavy<u32, u64> = Heavy::new(64);
        for k in 0..10_000u32 {
            *t.entry(k, || 0) += 1;
            // Key 1_000_000 appears after 5,000 light keys and then every tenth event.
            if k >= 5_000 && k % 10 == 0 {
                *t.entry(1_000_000, || 0) += 1;
            }
        }
        assert_eq!(t.get(&1_000_000), Some(&500));
        assert!(t.len() <= 64);
        let cap = t.cap_report("d", "keys").expect("the table was pruned");
        assert_eq!(cap.cap, 64);
        // Every light key that is no longer held was counted as let go of.
        assert_eq!(cap.dropped_keys + t.len() as u64 - 1, 10_000);
        assert_eq!(cap.dropped_weight + t.iter().map(|(_, v)| *v).sum::<u64>(), 10_500);
    }

    #[test]
    fn distinct_counts_are_close_at_every_scale() {
        for n in [0u32, 1, 10, 100, 1_000, 100_000] {
            let mut d = Distinct::default();
            for i in 0..n {
                // Every value twice: repeats do not count.
                d.insert(&i);
                d.insert(&i);
            }
            let e = d.estimate() as f64;
            let tolerance = (f64::from(n) * 0.2).max(1.0);
            assert!((e - f64::from(n)).abs() <= tolerance, "{n} distinct values estimated as {e}");
        }
    }

    #[test]
    fn counted_sets_and_tables_count_distinct_values_past_their_bound() {
        let mut set = CountedSet::new(16);
        let mut table: Heavy<u32, u64> = Heavy::counting(16);
        for i in 0..10_000u32 {
            set.insert(i % 5_000);
            *table.entry(i % 5_000, || 0) += 1;
        }
        assert!(!set.is_exact());
        for n in [set.len() as f64, table.distinct() as f64] {
            assert!((n - 5_000.0).abs() < 1_000.0, "{n}");
        }
        let mut small = CountedSet::new(16);
        (0..16u32).chain(0..16).for_each(|i| small.insert(i));
        assert!(small.is_exact());
        assert_eq!(small.len(), 16);
    }

    #[test]
    fn a_table_under_its_bound_reports_nothing() {
        let mut t: Heavy<u32, u64> = Heavy::new(8);
        for k in 0..8 {
            *t.entry(k, || 0) += 1;
        }
        assert_eq!(t.len(), 8);
        assert_eq!(t.cap_report("d", "keys"), None);
    }
}
