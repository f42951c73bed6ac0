//! First-generation tickets of Rivest's consistent sampling (spec §7), as
//! `first_fraction(id, seed)` of the PyPI package `consistent-sampler` 1.0.10.
//!
//! A ticket is "0." followed by the reversed decimal digits of
//! `SHA-256(hex(SHA-256(seed)) || id)`. Building that 80-character string for
//! every enterprise would dominate the draw, so tickets are ranked by a u64
//! holding their first 19 digits, and the string is built only on a tie and
//! for the tickets that get published.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

/// 10^19, the largest power of ten below 2^64.
const TEN19: u64 = 10_000_000_000_000_000_000;

/// A seed with its hash prefix already absorbed.
#[derive(Clone)]
pub struct Seed {
    text: String,
    hash_hex: String,
    /// SHA-256 state after the 64-byte hex prefix: exactly one block.
    prefix: Sha256,
}

impl Seed {
    pub fn new(text: &str) -> Seed {
        let hash_hex = hex::encode(Sha256::digest(text.as_bytes()));
        let mut prefix = Sha256::new();
        prefix.update(hash_hex.as_bytes());
        Seed { text: text.to_string(), hash_hex, prefix }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// `hex(SHA-256(seed))`, as published in the draw document.
    pub fn hash_hex(&self) -> &str {
        &self.hash_hex
    }

    /// The 256-bit value behind the ticket of `id`.
    pub fn ticket_hash(&self, id: &[u8]) -> [u8; 32] {
        let mut h = self.prefix.clone();
        h.update(id);
        h.finalize().into()
    }
}

/// The first 19 digits of a ticket as an integer: the value mod 10^19 with
/// its 19 decimal digits reversed. Keys order like the tickets' first 19
/// digits.
pub fn rank_key(hash: &[u8; 32]) -> u64 {
    let mut rem: u128 = 0;
    for limb in hash.chunks_exact(8) {
        let limb = u64::from_be_bytes(limb.try_into().expect("8 bytes"));
        rem = ((rem << 64) | limb as u128) % TEN19 as u128;
    }
    let mut low = rem as u64;
    let mut key = 0u64;
    for _ in 0..19 {
        key = key * 10 + low % 10;
        low /= 10;
    }
    key
}

/// The ticket exactly as consistent-sampler prints it.
pub fn ticket_string(hash: &[u8; 32]) -> String {
    let mut limbs: [u64; 4] = std::array::from_fn(|i| u64::from_be_bytes(hash[i * 8..i * 8 + 8].try_into().unwrap()));
    // Little-endian digits, 19 at a time.
    let mut digits = Vec::with_capacity(80);
    loop {
        let mut rem: u128 = 0;
        for limb in limbs.iter_mut() {
            let cur = (rem << 64) | *limb as u128;
            *limb = (cur / TEN19 as u128) as u64;
            rem = cur % TEN19 as u128;
        }
        let mut chunk = rem as u64;
        let done = limbs.iter().all(|&l| l == 0);
        for _ in 0..19 {
            digits.push(b'0' + (chunk % 10) as u8);
            chunk /= 10;
        }
        if done {
            break;
        }
    }
    // Drop leading zeros of the number (trailing here), then pad to 64.
    while digits.len() > 64 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    digits.resize(digits.len().max(64), b'0');
    let mut s = String::with_capacity(2 + digits.len());
    s.push_str("0.");
    s.push_str(std::str::from_utf8(&digits).expect("ASCII digits"));
    s
}

/// Orders two tickets; `hash` values must come from the same seed.
pub fn compare(
    a_key: u64,
    a_hash: impl FnOnce() -> [u8; 32],
    b_key: u64,
    b_hash: impl FnOnce() -> [u8; 32],
) -> Ordering {
    a_key.cmp(&b_key).then_with(|| ticket_string(&a_hash()).cmp(&ticket_string(&b_hash())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_consistent_sampler_docstring() {
        // consistent_sampler.first_fraction('AB-130', '01382438112797316654')
        let seed = Seed::new("01382438112797316654");
        let t = ticket_string(&seed.ticket_hash(b"AB-130"));
        assert_eq!(t, "0.26299714122838008416507544297546663599715395525154425586041245287750224561854");
        // sha256_uniform("abc") in the package's docs: digits of SHA-256("abc").
        let abc: [u8; 32] = Sha256::digest(b"abc").into();
        assert_eq!(
            ticket_string(&abc),
            "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
        );
    }

    #[test]
    fn key_is_the_first_nineteen_digits() {
        let seed = Seed::new("seed");
        for i in 0..200u32 {
            let h = seed.ticket_hash(format!("id{i}").as_bytes());
            let t = ticket_string(&h);
            assert_eq!(rank_key(&h), t[2..21].parse::<u64>().unwrap(), "{t}");
        }
    }

    #[test]
    fn small_values_are_padded_to_64_digits() {
        let mut h = [0u8; 32];
        h[31] = 7;
        let t = ticket_string(&h);
        assert_eq!(t.len(), 66);
        assert!(t.starts_with("0.70000"));
        assert_eq!(rank_key(&h), 7_000_000_000_000_000_000);
    }
}
