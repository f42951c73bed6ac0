//! The assignment's random stream (spec §8.1): SHA-256 in counter mode under
//! a key derived from the seed with its own domain label, so that it never
//! coincides with the ticket hashes.
//!
//! It stays SHA-256 in counter mode, not `rand`/`rand_chacha`, because the
//! spec fixes it and the independent verifiers must reproduce it from the
//! spec with what their platforms have: `audit/verify.py` with the Python
//! standard library (`hashlib`), `web/verify.js` with the browser's WebCrypto,
//! neither of which has ChaCha. It rests on the same primitive as the tickets,
//! as Rivest's consistent_sampler and Stark's cryptorandom build their
//! auditing samples on SHA-256. The draw uses a few words per slot, so its
//! speed does not matter.

use sha2::{Digest, Sha256};

const DOMAIN: &[u8] = b"fairdraw-v1/assign";
const REPLACE_DOMAIN: &[u8] = b"fairdraw-v1/replace";

pub struct Stream {
    key: [u8; 32],
    block: u64,
    words: [u64; 4],
    next: usize,
}

impl Stream {
    pub fn for_assignment(seed: &str) -> Stream {
        Stream::keyed(DOMAIN, &[seed])
    }

    /// The stream of one replacement (audit/LOG-FORMAT.md "Replacing an
    /// inspector"): its own domain label, and the draw's seed, the
    /// DrawResult's id and the replaced inspector's id, each after a 0 byte.
    pub fn for_replacement(seed: &str, result: &str, old: &str) -> Stream {
        Stream::keyed(REPLACE_DOMAIN, &[seed, result, old])
    }

    /// `key = SHA-256(domain ‖ 0x00 ‖ part₀ ‖ 0x00 ‖ part₁ …)`.
    fn keyed(domain: &[u8], parts: &[&str]) -> Stream {
        let mut h = Sha256::new();
        h.update(domain);
        for part in parts {
            h.update([0u8]);
            h.update(part.as_bytes());
        }
        Stream { key: h.finalize().into(), block: 0, words: [0; 4], next: 4 }
    }

    pub fn next_u64(&mut self) -> u64 {
        if self.next == 4 {
            let mut h = Sha256::new();
            h.update(self.key);
            h.update(self.block.to_be_bytes());
            let out: [u8; 32] = h.finalize().into();
            for (w, chunk) in self.words.iter_mut().zip(out.chunks_exact(8)) {
                *w = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
            }
            self.block += 1;
            self.next = 0;
        }
        self.next += 1;
        self.words[self.next - 1]
    }

    /// Uniform in `0..n` by rejection: no modulo bias. Always takes at least
    /// one word.
    pub fn uniform(&mut self, n: u64) -> u64 {
        loop {
            if let Some(v) = reduce(self.next_u64(), n) {
                return v;
            }
        }
    }
}

/// The rejection rule of [`Stream::uniform`] (spec §8.1): a word `x` counts
/// as `x mod n` when it lies below the largest multiple of `n` that fits in
/// 2^64, and is discarded otherwise, so every value of `0..n` has exactly the
/// same number of words mapping to it.
pub fn reduce(x: u64, n: u64) -> Option<u64> {
    assert!(n > 0, "uniform(0)");
    // 2^64 mod n, computed without 128-bit arithmetic.
    let excess = (u64::MAX % n + 1) % n;
    let zone = 0u64.wrapping_sub(excess); // 2^64 − excess, where 0 means 2^64
    (zone == 0 || x < zone).then_some(x % n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_from_consecutive_blocks() {
        let mut s = Stream::for_assignment("x");
        let first: Vec<u64> = (0..5).map(|_| s.next_u64()).collect();
        let mut t = Stream::for_assignment("x");
        assert_eq!(first, (0..5).map(|_| t.next_u64()).collect::<Vec<_>>());
        assert_ne!(first[0], first[4]);
    }

    #[test]
    fn uniform_stays_in_range() {
        let mut s = Stream::for_assignment("range");
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(s.uniform(n) < n);
            }
        }
    }

    /// The words kept by `reduce`, counted in 128-bit arithmetic: the largest
    /// multiple of `n` that is at most 2^64.
    fn kept(n: u64) -> u128 {
        (1u128 << 64) / n as u128 * n as u128
    }

    /// Modulo bias shows only at the edge of the word range (about n/2^64 per
    /// value), far below what any count of draws can see, so the rule itself
    /// is checked on crafted words: exactly the first `kept(n)` words are
    /// accepted, and they split evenly over `0..n`.
    #[test]
    fn reduce_keeps_a_multiple_of_n_words_and_rejects_the_rest() {
        let two_63 = 1u64 << 63;
        for n in [1, 2, 3, 7, 10, 12, 1000, 1 << 40, two_63 - 1, two_63, two_63 + 1, u64::MAX - 1, u64::MAX] {
            let kept = kept(n);
            assert_eq!(kept % n as u128, 0);
            if kept == 1u128 << 64 {
                assert_eq!(reduce(u64::MAX, n), Some(u64::MAX % n), "n = {n} divides 2^64: nothing to reject");
                continue;
            }
            let last = (kept - 1) as u64;
            assert_eq!(reduce(last, n), Some(n - 1), "n = {n}: the last kept word gives the top value");
            assert_eq!(reduce(last + 1, n), None, "n = {n}: the first word past the multiple is rejected");
            assert_eq!(reduce(u64::MAX, n), None, "n = {n}");
            assert_eq!(reduce(0, n), Some(0));
        }
        // n = 3: 2^64 = 3·6148914691236517205 + 1, so only u64::MAX is rejected;
        // without the rejection, 0 would get one word more than 1 and 2.
        assert_eq!(reduce(u64::MAX - 1, 3), Some(2));
        assert_eq!(reduce(u64::MAX, 3), None);
        // n = 2^63 + 1: nearly half of all words are rejected.
        assert_eq!(reduce(two_63, two_63 + 1), Some(two_63));
        assert_eq!(reduce(two_63 + 1, two_63 + 1), None);
    }

    #[test]
    fn uniform_skips_rejected_words() {
        // uniform(2^63 + 1) rejects about half the words; it must return the
        // first accepted word of the stream, reduced.
        let n = (1u64 << 63) + 1;
        let mut words = Stream::for_assignment("skip");
        assert_eq!(reduce(Stream::for_assignment("skip").next_u64(), n), None, "the seed's first word is rejected");
        let expected = std::iter::from_fn(|| Some(words.next_u64())).find_map(|x| reduce(x, n)).unwrap();
        assert_eq!(Stream::for_assignment("skip").uniform(n), expected);
    }
}
