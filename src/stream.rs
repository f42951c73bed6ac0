//! The assignment's random stream (spec §8.1): SHA-256 in counter mode under
//! a key derived from the seed with its own domain label, so that it never
//! coincides with the ticket hashes.

use sha2::{Digest, Sha256};

const DOMAIN: &[u8] = b"fairdraw-v1/assign";

pub struct Stream {
    key: [u8; 32],
    block: u64,
    words: [u64; 4],
    next: usize,
}

impl Stream {
    pub fn for_assignment(seed: &str) -> Stream {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update([0u8]);
        h.update(seed.as_bytes());
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
        assert!(n > 0, "uniform(0)");
        // 2^64 mod n, computed without 128-bit arithmetic.
        let excess = (u64::MAX % n + 1) % n;
        let zone = 0u64.wrapping_sub(excess); // 2^64 − excess, where 0 means 2^64
        loop {
            let x = self.next_u64();
            if zone == 0 || x < zone {
                return x % n;
            }
        }
    }
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
}
