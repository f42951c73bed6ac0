//! Random choices and dates: ChaCha8 keyed by the seed, one ChaCha stream
//! per file, and for each row its own window of 2³² words of that stream, so
//! row `i` is a pure function of `(seed, i)` whatever other rows are generated.

use std::io::Write;
use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use rand::distr::{weighted::WeightedIndex, Distribution};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(super) const STREAM_ENTERPRISE: u64 = 0x656e_7465_7270_7269; // "enterpri"
pub(super) const STREAM_INSPECTOR: u64 = 0x696e_7370_6563_746f; // "inspecto"
pub(super) const STREAM_CONFLICT: u64 = 0x636f_6e66_6c69_6374; // "conflict"

/// The generator of row `idx` of `stream` (a row draws a few dozen words).
pub(super) fn row_rng(seed: u64, stream: u64, idx: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng.set_word_pos(u128::from(idx) << 32);
    rng
}

pub(super) fn per_mille(rng: &mut ChaCha8Rng, p: u32) -> bool {
    rng.random_ratio(p, 1000)
}

pub(super) fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    *xs.choose(rng).expect("the tables are not empty")
}

/// An index into `weights`, with probability proportional to its weight.
pub(super) fn weighted(rng: &mut ChaCha8Rng, weights: &'static LazyLock<WeightedIndex<u32>>) -> usize {
    weights.sample(rng)
}

pub(super) const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

pub(super) const ESTABLISHED_FIRST: NaiveDate = ymd(1995, 1, 1);
pub(super) const ESTABLISHED_LAST: NaiveDate = ymd(2026, 9, 30);
/// Codes issued before this day embed the enterprise's old organisation code.
pub(super) const USCC_REFORM: NaiveDate = ymd(2015, 10, 1);
pub(super) const CERT_VALID_FIRST: NaiveDate = ymd(2027, 1, 1);
pub(super) const CERT_VALID_LAST: NaiveDate = ymd(2031, 12, 31);
pub(super) const CERT_EXPIRED_FIRST: NaiveDate = ymd(2025, 1, 1);
pub(super) const CERT_EXPIRED_LAST: NaiveDate = ymd(2026, 11, 30);

/// A uniformly random day of `first..=last`.
pub(super) fn day_between(rng: &mut ChaCha8Rng, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    first + Days::new(rng.random_range(0..=(last - first).num_days() as u64))
}

/// `YYYY-MM-DD`, the format of spec §1.5.
pub(super) fn push_date(buf: &mut Vec<u8>, date: NaiveDate) {
    write!(buf, "{date}").expect("writing to a Vec cannot fail");
}
