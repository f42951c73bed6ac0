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
    /// The same state as eight words, for [`sha256::compress4`].
    prefix_state: [u32; 8],
}

impl Seed {
    pub fn new(text: &str) -> Seed {
        let hash_hex = hex::encode(Sha256::digest(text.as_bytes()));
        let mut prefix = Sha256::new();
        prefix.update(hash_hex.as_bytes());
        let mut prefix_state = sha256::IV;
        sha256::compress(&mut prefix_state, &[hash_hex.as_bytes().try_into().expect("64 hex digits")]);
        Seed { text: text.to_string(), hash_hex, prefix, prefix_state }
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

    /// The ticket hashes of four 18-byte ids at once: one compression each,
    /// run side by side (SHA-NI has long latency and spare throughput).
    pub fn ticket_hashes4(&self, ids: [&[u8; 18]; 4]) -> [[u8; 32]; 4] {
        self.ticket_states4(ids).map(|s| sha256::to_bytes(&s))
    }

    /// [`rank_key`] of the tickets of four 18-byte ids.
    pub fn rank_keys4(&self, ids: [&[u8; 18]; 4]) -> [u64; 4] {
        self.ticket_states4(ids).map(|s| {
            let limbs: [u64; 4] = std::array::from_fn(|i| (s[2 * i] as u64) << 32 | s[2 * i + 1] as u64);
            rank_key_limbs(limbs)
        })
    }

    fn ticket_states4(&self, ids: [&[u8; 18]; 4]) -> [[u32; 8]; 4] {
        // The final block: the id, then padding for 64 + 18 bytes = 656 bits.
        const TEMPLATE: [u8; 64] = {
            let mut b = [0u8; 64];
            b[18] = 0x80;
            b[62] = (656u16 >> 8) as u8;
            b[63] = 656u16 as u8;
            b
        };
        let blocks: [[u8; 64]; 4] = ids.map(|id| {
            let mut b = TEMPLATE;
            b[..18].copy_from_slice(id);
            b
        });
        let mut states = [self.prefix_state; 4];
        sha256::compress4(&mut states, [&blocks[0..1], &blocks[1..2], &blocks[2..3], &blocks[3..4]]);
        states
    }
}

/// `(hi·2^64 + lo) / d` and the remainder, for `hi < d`.
#[inline(always)]
fn div128(hi: u64, lo: u64, d: u64) -> (u64, u64) {
    debug_assert!(hi < d);
    #[cfg(target_arch = "x86_64")]
    {
        let (q, r): (u64, u64);
        // SAFETY: `hi < d`, so the quotient fits in 64 bits and `div` cannot fault.
        unsafe {
            std::arch::asm!("div {d}", d = in(reg) d, inout("rax") lo => q, inout("rdx") hi => r,
                options(pure, nomem, nostack));
        }
        (q, r)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let n = (hi as u128) << 64 | lo as u128;
        ((n / d as u128) as u64, (n % d as u128) as u64)
    }
}

/// The 4-digit groups reversed: `REV4[1234] = 4321`.
static REV4: [u16; 10_000] = {
    let mut t = [0u16; 10_000];
    let mut i = 0;
    while i < 10_000 {
        t[i] = ((i % 10) * 1000 + (i / 10 % 10) * 100 + (i / 100 % 10) * 10 + i / 1000) as u16;
        i += 1;
    }
    t
};

/// The 19 decimal digits of `x < 10^19`, reversed, as an integer.
#[inline]
fn reverse19(x: u64) -> u64 {
    let (g0, rest) = (x % 10_000, x / 10_000);
    let (g1, rest) = (rest % 10_000, rest / 10_000);
    let (g2, rest) = (rest % 10_000, rest / 10_000);
    let (g3, top) = (rest % 10_000, rest / 10_000); // top < 1000: three digits
    let top_rev = REV4[top as usize] as u64 / 10; // its three digits reversed
    REV4[g0 as usize] as u64 * 1_000_000_000_000_000
        + REV4[g1 as usize] as u64 * 100_000_000_000
        + REV4[g2 as usize] as u64 * 10_000_000
        + REV4[g3 as usize] as u64 * 1_000
        + top_rev
}

/// The first 19 digits of a ticket as an integer: the value mod 10^19 with
/// its 19 decimal digits reversed. Keys order like the tickets' first 19
/// digits.
pub fn rank_key(hash: &[u8; 32]) -> u64 {
    rank_key_limbs(std::array::from_fn(|i| u64::from_be_bytes(hash[8 * i..8 * i + 8].try_into().expect("8 bytes"))))
}

/// [`rank_key`] of the value with these big-endian 64-bit limbs.
#[inline]
fn rank_key_limbs(limbs: [u64; 4]) -> u64 {
    // n mod 10^19 = (l0·2^192 + l1·2^128 + l2·2^64 + l3) mod 10^19, with the
    // powers of two reduced in advance: three independent multiplications
    // and one division instead of four chained divisions.
    const P64: u128 = (1u128 << 64) % TEN19 as u128;
    const P128: u128 = (P64 * P64) % TEN19 as u128;
    const P192: u128 = (P128 * P64) % TEN19 as u128;
    let reduce = |x: u64| if x >= TEN19 { x - TEN19 } else { x } as u128;
    // Each product is below 10^38; their sum below 3·10^38 + 10^19 < 2^128.
    let sum = reduce(limbs[0]) * P192 + reduce(limbs[1]) * P128 + reduce(limbs[2]) * P64 + reduce(limbs[3]);
    // The high word is below 1.7·10^19: one subtraction brings it under 10^19.
    let rem = div128(reduce((sum >> 64) as u64) as u64, sum as u64, TEN19).1;
    reverse19(rem)
}

/// The ticket exactly as consistent-sampler prints it.
pub fn ticket_string(hash: &[u8; 32]) -> String {
    let mut limbs: [u64; 4] = std::array::from_fn(|i| u64::from_be_bytes(hash[i * 8..i * 8 + 8].try_into().unwrap()));
    // Little-endian digits, 19 at a time.
    let mut digits = [b'0'; 95];
    let mut n = 0;
    loop {
        let mut rem = 0u64;
        for limb in limbs.iter_mut() {
            (*limb, rem) = div128(rem, *limb, TEN19);
        }
        let done = limbs.iter().all(|&l| l == 0);
        for d in &mut digits[n..n + 19] {
            *d = b'0' + (rem % 10) as u8;
            rem /= 10;
        }
        n += 19;
        if done {
            break;
        }
    }
    // Drop leading zeros of the number (trailing here), then pad to 64.
    while n > 64 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let n = n.max(64);
    let mut s = String::with_capacity(2 + n);
    s.push_str("0.");
    s.push_str(std::str::from_utf8(&digits[..n]).expect("ASCII digits"));
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

/// SHA-256 compression for many short messages at once (tickets, Merkle
/// leaves and nodes: one or two blocks each). One message at a time is the
/// `sha2` crate's `compress256` (SHA-NI when the CPU has it, detected at run
/// time). Four messages side by side use [`compress4`]: on a CPU with the SHA
/// extensions it interleaves four independent compressions, because one
/// compression is bound by the latency of `sha256rnds2` and leaves the SHA
/// unit idle between rounds; `benches/draw.rs` (`sha256_one_block`) measures
/// the four lanes against `compress256` (the figure is in [`compress4`]'s doc).
///
/// Public only for that benchmark.
#[doc(hidden)]
pub mod sha256 {
    use sha2::digest::generic_array::GenericArray;

    pub type Block = [u8; 64];

    pub const IV: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// The round constants, for the four-lane SHA-NI rounds.
    #[cfg(target_arch = "x86_64")]
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// The digest bytes of a final state.
    pub fn to_bytes(state: &[u32; 8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// Appends `msg` to `out`, padded as a whole message of `msg.len()`
    /// bytes; returns how many blocks it took.
    pub fn pad_into(msg: &[u8], out: &mut Vec<Block>) -> usize {
        let blocks = (msg.len() + 9).div_ceil(64);
        let first = out.len();
        out.resize(first + blocks, [0u8; 64]);
        let flat = out[first..].as_flattened_mut();
        flat[..msg.len()].copy_from_slice(msg);
        flat[msg.len()] = 0x80;
        let end = flat.len();
        flat[end - 8..].copy_from_slice(&(msg.len() as u64 * 8).to_be_bytes());
        blocks
    }

    #[cfg(target_arch = "x86_64")]
    fn has_sha_ni() -> bool {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("ssse3")
    }

    /// Compresses `blocks` into `state`, one after the other (`sha2`).
    pub fn compress(state: &mut [u32; 8], blocks: &[Block]) {
        for b in blocks {
            sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(b)));
        }
    }

    /// Four independent messages of the same number of blocks.
    ///
    /// With SHA-NI the four compressions run interleaved, which wins over
    /// `sha2::compress256` one message at a time by about 1.27× on one-block
    /// messages (criterion `sha256_one_block`, 2 shared AMD EPYC cores with
    /// SHA-NI: 40 ns against 50 ns per block); without it, `compress` per lane.
    pub fn compress4(states: &mut [[u32; 8]; 4], blocks: [&[Block]; 4]) {
        assert!(blocks.iter().all(|b| b.len() == blocks[0].len()), "lanes of equal length");
        #[cfg(target_arch = "x86_64")]
        if has_sha_ni() {
            // SAFETY: the CPU has the instructions `ni::compress` is built for.
            unsafe { ni::compress::<4>(states, blocks) };
            return;
        }
        for (state, blocks) in states.iter_mut().zip(blocks) {
            compress(state, blocks);
        }
    }

    /// The SHA-NI rounds, after the `sha2` crate's x86 backend (MIT/Apache-2.0),
    /// generalised to `N` lanes compressed in lockstep.
    #[cfg(target_arch = "x86_64")]
    mod ni {
        use super::{Block, K};
        use std::arch::x86_64::*;

        #[inline(always)]
        unsafe fn load_state(state: &[u32; 8]) -> (__m128i, __m128i) {
            let p = state.as_ptr() as *const __m128i;
            let dcba = _mm_loadu_si128(p);
            let efgh = _mm_loadu_si128(p.add(1));
            let cdab = _mm_shuffle_epi32(dcba, 0xB1);
            let efgh = _mm_shuffle_epi32(efgh, 0x1B);
            (_mm_alignr_epi8(cdab, efgh, 8), _mm_blend_epi16(efgh, cdab, 0xF0))
        }

        #[inline(always)]
        unsafe fn store_state(state: &mut [u32; 8], abef: __m128i, cdgh: __m128i) {
            let feba = _mm_shuffle_epi32(abef, 0x1B);
            let dchg = _mm_shuffle_epi32(cdgh, 0xB1);
            let p = state.as_mut_ptr() as *mut __m128i;
            _mm_storeu_si128(p, _mm_blend_epi16(feba, dchg, 0xF0));
            _mm_storeu_si128(p.add(1), _mm_alignr_epi8(dchg, feba, 8));
        }

        #[inline(always)]
        unsafe fn load_block(block: &Block) -> [__m128i; 4] {
            let mask = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0Bu64 as i64, 0x0405_0607_0001_0203u64 as i64);
            let p = block.as_ptr() as *const __m128i;
            [
                _mm_shuffle_epi8(_mm_loadu_si128(p), mask),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(1)), mask),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(2)), mask),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(3)), mask),
            ]
        }

        /// # Safety
        /// The CPU must support SHA, SSSE3 and SSE4.1; every lane has
        /// `blocks[0].len()` blocks.
        #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
        #[allow(clippy::needless_range_loop)] // lanes and rounds index several arrays in step
        pub(super) unsafe fn compress<const N: usize>(states: &mut [[u32; 8]; N], blocks: [&[Block]; N]) {
            let mut abef = [_mm_setzero_si128(); N];
            let mut cdgh = [_mm_setzero_si128(); N];
            for l in 0..N {
                (abef[l], cdgh[l]) = load_state(&states[l]);
            }
            for b in 0..blocks[0].len() {
                let mut w: [[__m128i; 4]; N] = std::array::from_fn(|l| load_block(&blocks[l][b]));
                let (save_abef, save_cdgh) = (abef, cdgh);
                for i in 0..16 {
                    let k = _mm_loadu_si128(K.as_ptr().add(4 * i) as *const __m128i);
                    for l in 0..N {
                        let wi = if i < 4 {
                            w[l][i]
                        } else {
                            let w = &mut w[l];
                            let (w0, w1, w2, w3) = (w[i % 4], w[(i + 1) % 4], w[(i + 2) % 4], w[(i + 3) % 4]);
                            let t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
                            w[i % 4] = _mm_sha256msg2_epu32(t, w3);
                            w[i % 4]
                        };
                        let t = _mm_add_epi32(wi, k);
                        cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], t);
                        abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(t, 0x0E));
                    }
                }
                for l in 0..N {
                    abef[l] = _mm_add_epi32(abef[l], save_abef[l]);
                    cdgh[l] = _mm_add_epi32(cdgh[l], save_cdgh[l]);
                }
            }
            for l in 0..N {
                store_state(&mut states[l], abef[l], cdgh[l]);
            }
        }
    }
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

    /// The definitions, with 128-bit arithmetic only.
    fn reference_key(hash: &[u8; 32]) -> u64 {
        let mut rem: u128 = 0;
        for limb in hash.chunks_exact(8) {
            rem = ((rem << 64) | u64::from_be_bytes(limb.try_into().unwrap()) as u128) % TEN19 as u128;
        }
        let mut low = rem as u64;
        let mut key = 0u64;
        for _ in 0..19 {
            key = key * 10 + low % 10;
            low /= 10;
        }
        key
    }

    fn reference_string(hash: &[u8; 32]) -> String {
        let mut n = hash.iter().fold(Vec::<u8>::new(), |mut digits, &byte| {
            // digits: little-endian decimal of the value so far; times 256 plus byte.
            let mut carry = byte as u32;
            for d in digits.iter_mut() {
                let v = *d as u32 * 256 + carry;
                *d = (v % 10) as u8;
                carry = v / 10;
            }
            while carry > 0 {
                digits.push((carry % 10) as u8);
                carry /= 10;
            }
            digits
        });
        n.resize(n.len().max(64), 0);
        format!("0.{}", n.iter().map(|d| (b'0' + d) as char).collect::<String>())
    }

    #[test]
    fn fast_keys_and_strings_match_the_definitions() {
        let seed = Seed::new("reference");
        let mut hashes: Vec<[u8; 32]> = (0..2000u32).map(|i| seed.ticket_hash(&i.to_be_bytes())).collect();
        for special in [
            [0u8; 32],
            [0xff; 32],
            {
                let mut h = [0u8; 32];
                h[31] = 1;
                h
            },
            {
                let mut h = [0u8; 32];
                h[0] = 1;
                h
            },
        ] {
            hashes.push(special);
        }
        for h in &hashes {
            assert_eq!(rank_key(h), reference_key(h));
            assert_eq!(ticket_string(h), reference_string(h));
        }
        for x in [0u64, 1, 9, 10, 1234, 999_999_999_999_999_999, TEN19 - 1, 1_000_000_000_000_000_000] {
            let digits = format!("{x:019}");
            assert_eq!(reverse19(x), digits.chars().rev().collect::<String>().parse::<u64>().unwrap(), "{x}");
        }
    }

    #[test]
    fn four_lanes_match_one_at_a_time() {
        let seed = Seed::new("lanes");
        let ids: Vec<[u8; 18]> = (0..8u8).map(|i| b"91330106MA0000000X".map(|b| b ^ (i % 3))).collect();
        let four = seed.ticket_hashes4([&ids[0], &ids[1], &ids[2], &ids[3]]);
        let keys = seed.rank_keys4([&ids[0], &ids[1], &ids[2], &ids[3]]);
        for l in 0..4 {
            assert_eq!(four[l], seed.ticket_hash(&ids[l]));
            assert_eq!(keys[l], rank_key(&four[l]));
        }
        for len in [0usize, 1, 55, 56, 63, 64, 65, 100, 119, 120, 200] {
            let msg: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let want: [u8; 32] = Sha256::digest(&msg).into();
            let mut blocks = Vec::new();
            sha256::pad_into(&msg, &mut blocks);
            let mut one = sha256::IV;
            sha256::compress(&mut one, &blocks);
            assert_eq!(sha256::to_bytes(&one), want, "{len}");
            let mut four = [sha256::IV; 4];
            sha256::compress4(&mut four, [&blocks, &blocks, &blocks, &blocks]);
            assert!(four.iter().all(|s| sha256::to_bytes(s) == want), "{len}");
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
