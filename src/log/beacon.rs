//! Public randomness for the reveal step: drand beacon rounds and dice ceremonies.
//!
//! A draw is committed before its randomness exists (the commitment names a future
//! drand round, or a ceremony date), then revealed with that randomness. This module
//! turns the published randomness into the draw's seed string. It is pure: no
//! network, no clock. Callers fetch rounds themselves and pass "now" explicitly, so
//! every verifier reaches the same answer offline from the same bytes.
//!
//! drand references:
//! - protocol specification (beacon message, chain info and its hash, round timing):
//!   <https://drand.love/docs/specification/>
//! - HTTP API round shape `{"round", "randomness", "signature"}`:
//!   <https://drand.love/developer/http-api/>
//! - quicknet launch: <https://drand.love/blog/2023/07/03/fastnet-sunset-quicknet-new/>
//! - hash-to-curve: RFC 9380, <https://www.rfc-editor.org/rfc/rfc9380>

use drand_verify::{G2PubkeyRfc, Pubkey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// drand's scheme ID for unchained BLS12-381 signatures on G1 (48 bytes) with the
/// public key on G2 (96 bytes), hashing to G1 per RFC 9380 with DST
/// `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_` (drand `crypto.SigsOnG1ID`).
pub const SCHEME_G1_RFC9380: &str = "bls-unchained-g1-rfc9380";

/// Domain tags. Each hash this module defines starts with its own tag and a 0x00, so
/// a value computed for one purpose can never be replayed as another.
const CEREMONY_TAG: &[u8] = b"fairdraw-v1/ceremony";
const SEED_TAG: &[u8] = b"fairdraw-v1/seed";

/// Minimum number of ceremony digits: 20 decimal digits carry ~66 bits, enough that
/// nobody could have precomputed a favourable outcome, and few enough to roll by hand.
pub const MIN_CEREMONY_DIGITS: usize = 20;
/// Minimum number of ceremony witnesses.
pub const MIN_CEREMONY_WITNESSES: usize = 2;

/// Pinned chain parameters of a drand network (the "root of trust" of the drand
/// specification: the JSON served at `/{chain_hash}/info`).
///
/// Pinning them in the binary means verification never trusts whichever HTTP relay a
/// round was fetched from: a relay can withhold rounds, but cannot forge one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// The chain's beacon ID (`metadata.beaconID`), e.g. `"quicknet"`.
    pub name: &'static str,
    /// Distributed public key: a compressed BLS12-381 G2 point for quicknet.
    pub public_key: [u8; 96],
    /// Seconds between rounds.
    pub period: u64,
    /// Unix time (seconds) of round 1.
    pub genesis_time: u64,
    /// The chain hash, drand's cryptographic identifier of the chain:
    /// SHA-256(period as u32 BE ‖ genesis as i64 BE ‖ public key ‖ group hash ‖ beacon ID).
    pub chain_hash: [u8; 32],
    /// drand scheme ID; only [`SCHEME_G1_RFC9380`] is supported by [`verify_round`].
    pub scheme: &'static str,
}

/// drand quicknet mainnet (League of Entropy), 3-second unchained rounds, values from
/// `data/drand/quicknet.json` (a test checks they match).
pub const QUICKNET: ChainInfo = ChainInfo {
    name: "quicknet",
    public_key: unhex(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    ),
    period: 3,
    genesis_time: 1692803367,
    chain_hash: unhex("52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"),
    scheme: SCHEME_G1_RFC9380,
};

/// Looks up a pinned chain by beacon ID. Only `"quicknet"` is pinned.
pub fn chain(name: &str) -> Option<&'static ChainInfo> {
    match name {
        "quicknet" => Some(&QUICKNET),
        _ => None,
    }
}

/// Unix time (seconds) at which `round` is emitted: genesis + (round − 1)·period, as in
/// the drand specification ("beacon for round 1 generated at T = genesis").
/// Round 0 does not exist (None), nor does a round whose time overflows u64.
pub fn round_time(chain: &ChainInfo, round: u64) -> Option<u64> {
    let elapsed = round.checked_sub(1)?.checked_mul(chain.period)?;
    chain.genesis_time.checked_add(elapsed)
}

/// The latest round emitted at or before `now` (Unix seconds); None before genesis.
pub fn round_at(chain: &ChainInfo, now: u64) -> Option<u64> {
    if now < chain.genesis_time || chain.period == 0 {
        return None;
    }
    // Saturating: only reachable with absurd chain parameters, and must not panic.
    Some(((now - chain.genesis_time) / chain.period).saturating_add(1))
}

/// The first round emitted strictly after `now`. A commitment must name such a round:
/// a round already published could be chosen with its randomness in view.
pub fn first_round_after(chain: &ChainInfo, now: u64) -> u64 {
    round_at(chain, now).map_or(1, |r| r.saturating_add(1))
}

/// A round as published by the drand HTTP API (`GET /{chain_hash}/public/{round}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrandRound {
    /// Round number, counting from 1 at genesis.
    pub round: u64,
    /// The group's BLS signature over SHA-256(round as u64 big-endian).
    pub signature: Vec<u8>,
    /// SHA-256(signature), as drand defines a round's randomness.
    pub randomness: [u8; 32],
}

/// Why a beacon value or ceremony record was rejected.
#[derive(Debug, thiserror::Error)]
pub enum BeaconError {
    #[error("round 0 does not exist: drand rounds start at 1")]
    ZeroRound,
    #[error("round JSON is malformed: {0}")]
    Json(String),
    #[error("`{field}` is not valid hex: {reason}")]
    Hex { field: &'static str, reason: String },
    #[error("`signature` of round {round} is empty")]
    EmptySignature { round: u64 },
    #[error("`randomness` must be 32 bytes (64 hex digits), got {len} bytes")]
    RandomnessLength { len: usize },
    #[error("randomness of round {round} is not SHA-256 of its signature")]
    RandomnessMismatch { round: u64 },
    #[error("chain {chain} uses scheme {scheme}; only {supported} can be verified", supported = SCHEME_G1_RFC9380)]
    UnsupportedScheme { chain: &'static str, scheme: &'static str },
    #[error("pinned public key of {chain} is not a valid G2 point")]
    InvalidPublicKey { chain: &'static str },
    #[error("signature of round {round} is {len} bytes; {chain} signatures are 48-byte compressed G1 points")]
    SignatureLength { round: u64, chain: &'static str, len: usize },
    #[error("signature of round {round} is not a valid G1 point of {chain}: {reason}")]
    InvalidSignature { round: u64, chain: &'static str, reason: String },
    #[error("signature does not verify for round {round} of {chain}")]
    BadSignature { round: u64, chain: &'static str },
    #[error("ceremony needs at least {min} digits, got {got}", min = MIN_CEREMONY_DIGITS)]
    TooFewDigits { got: usize },
    /// `position` counts characters from 0.
    #[error("ceremony digits must be ASCII 0-9; found {found:?} at position {position}")]
    NonDigit { position: usize, found: char },
    #[error("ceremony needs at least {min} witnesses, got {got}", min = MIN_CEREMONY_WITNESSES)]
    TooFewWitnesses { got: usize },
    #[error("witness #{index} has an empty name")]
    EmptyWitness { index: usize },
    #[error("witness #{index} name contains a control character")]
    ControlInWitness { index: usize },
    #[error("witness {name:?} is listed twice")]
    DuplicateWitness { name: String },
}

/// The wire shape. Unknown fields (`previous_signature`, ...) are ignored; serde_json
/// rejects duplicate keys, so a round cannot carry two readings of itself.
#[derive(Deserialize)]
struct RoundJson {
    round: u64,
    signature: String,
    randomness: Option<String>,
}

/// Parses `{"round":N,"signature":"hex","randomness":"hex"}` (extra fields ignored;
/// `randomness` optional; if present it must equal SHA-256(signature), as the drand
/// specification defines it). Does not verify the signature: see [`verify_round`].
pub fn parse_round_json(bytes: &[u8]) -> Result<DrandRound, BeaconError> {
    let raw: RoundJson = serde_json::from_slice(bytes).map_err(|e| BeaconError::Json(e.to_string()))?;
    if raw.round == 0 {
        return Err(BeaconError::ZeroRound);
    }
    let signature = decode_hex("signature", &raw.signature)?;
    if signature.is_empty() {
        return Err(BeaconError::EmptySignature { round: raw.round });
    }
    let randomness = sha256(&[&signature]);
    if let Some(given) = raw.randomness {
        let given = decode_hex("randomness", &given)?;
        if given.len() != 32 {
            return Err(BeaconError::RandomnessLength { len: given.len() });
        }
        if given != randomness {
            return Err(BeaconError::RandomnessMismatch { round: raw.round });
        }
    }
    Ok(DrandRound { round: raw.round, signature, randomness })
}

/// Verifies the BLS signature of `round` against the chain's public key and returns
/// randomness = SHA-256(signature).
///
/// Scheme `bls-unchained-g1-rfc9380` (drand specification, "Beacon signature"): the
/// message is SHA-256(round as u64 big-endian) — unchained, so no previous signature —
/// hashed to G1 per RFC 9380, and the check is the pairing equation
/// e(sig, g2) = e(H(m), pk). Decoding the signature rejects non-canonical encodings and
/// points outside the prime-order subgroup, so each valid round has exactly one byte
/// string and therefore exactly one randomness.
pub fn verify_round(chain: &ChainInfo, round: &DrandRound) -> Result<[u8; 32], BeaconError> {
    if chain.scheme != SCHEME_G1_RFC9380 {
        return Err(BeaconError::UnsupportedScheme { chain: chain.name, scheme: chain.scheme });
    }
    if round.round == 0 {
        return Err(BeaconError::ZeroRound);
    }
    // `DrandRound` has public fields, so it may not come from `parse_round_json`: a
    // caller must never be able to read `round.randomness` that was not checked here.
    let randomness = sha256(&[&round.signature]);
    if round.randomness != randomness {
        return Err(BeaconError::RandomnessMismatch { round: round.round });
    }
    let (n, name) = (round.round, chain.name);
    if round.signature.len() != 48 {
        return Err(BeaconError::SignatureLength { round: n, chain: name, len: round.signature.len() });
    }
    let pk = G2PubkeyRfc::from_fixed(chain.public_key).map_err(|_| BeaconError::InvalidPublicKey { chain: name })?;
    match pk.verify(n, b"", &round.signature) {
        Ok(true) => Ok(randomness),
        Ok(false) => Err(BeaconError::BadSignature { round: n, chain: name }),
        Err(e) => Err(BeaconError::InvalidSignature { round: n, chain: name, reason: e.to_string() }),
    }
}

/// A public ceremony (e.g. dice rolled before witnesses): `digits` must be ASCII
/// decimal digits only, at least 20 of them; at least 2 witness names, each non-empty
/// after trimming, no duplicates. randomness = SHA-256("fairdraw-v1/ceremony" ‖ 0x00 ‖
/// digits ‖ 0x00 ‖ witness₁ ‖ 0x00 ‖ witness₂ …) with witnesses in the order given.
///
/// Witness names are hashed trimmed (surrounding whitespace is transcription noise, not
/// part of the name) and may not contain control characters: with 0x00 excluded from
/// every field the encoding is unambiguous, so no two records hash alike.
pub fn ceremony_randomness(digits: &str, witnesses: &[String]) -> Result<[u8; 32], BeaconError> {
    if let Some((position, found)) = digits.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(BeaconError::NonDigit { position, found });
    }
    if digits.len() < MIN_CEREMONY_DIGITS {
        return Err(BeaconError::TooFewDigits { got: digits.len() });
    }
    if witnesses.len() < MIN_CEREMONY_WITNESSES {
        return Err(BeaconError::TooFewWitnesses { got: witnesses.len() });
    }
    let mut names: Vec<&str> = Vec::with_capacity(witnesses.len());
    for (i, w) in witnesses.iter().enumerate() {
        let (index, name) = (i + 1, w.trim());
        if name.is_empty() {
            return Err(BeaconError::EmptyWitness { index });
        }
        if name.chars().any(char::is_control) {
            return Err(BeaconError::ControlInWitness { index });
        }
        if names.contains(&name) {
            return Err(BeaconError::DuplicateWitness { name: name.to_string() });
        }
        names.push(name);
    }
    let mut h = Sha256::new();
    h.update(CEREMONY_TAG);
    h.update([0]);
    h.update(digits.as_bytes());
    for name in names {
        h.update([0]);
        h.update(name.as_bytes());
    }
    Ok(h.finalize().into())
}

/// The draw's seed string: lowercase hex of SHA-256("fairdraw-v1/seed" ‖ 0x00 ‖
/// commitment_leaf_hash (32 bytes) ‖ randomness (32 bytes)).
///
/// Binding the commitment in means the same beacon round seeds different draws
/// differently, and nobody can reuse a seed for a draw other than the committed one.
pub fn derive_seed(commitment: &[u8; 32], randomness: &[u8; 32]) -> String {
    hex::encode(sha256(&[SEED_TAG, &[0], commitment, randomness]))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn decode_hex(field: &'static str, s: &str) -> Result<Vec<u8>, BeaconError> {
    hex::decode(s).map_err(|e| BeaconError::Hex { field, reason: e.to_string() })
}

/// Compile-time hex decoding so pinned constants read exactly as drand publishes them.
/// A malformed literal fails the build (const evaluation panics), never at run time.
const fn unhex<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("pinned constant: not lowercase hex"),
        }
    }
    let s = s.as_bytes();
    assert!(s.len() == 2 * N, "pinned constant: wrong hex length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/drand/quicknet.json");
    const ROUND_FILES: [&str; 2] = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/drand/round-1000.json"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/drand/round-12040883.json"),
    ];

    fn fixture() -> Value {
        serde_json::from_slice(&std::fs::read(FIXTURE).unwrap()).unwrap()
    }

    fn bytes(v: &Value) -> Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    fn fixture_rounds() -> Vec<(DrandRound, [u8; 32])> {
        let f = fixture();
        let rounds = f["rounds"].as_array().unwrap();
        assert_eq!(rounds.len(), 2);
        rounds
            .iter()
            .map(|r| {
                let parsed = parse_round_json(r.to_string().as_bytes()).unwrap();
                (parsed, bytes(&r["randomness"]).try_into().unwrap())
            })
            .collect()
    }

    /// A round with consistent randomness, so verification reaches the pairing check.
    fn forged(round: u64, signature: Vec<u8>) -> DrandRound {
        let randomness = sha256(&[&signature]);
        DrandRound { round, signature, randomness }
    }

    fn sig_of(round: u64) -> Vec<u8> {
        fixture_rounds().into_iter().find(|(r, _)| r.round == round).unwrap().0.signature
    }

    #[test]
    fn quicknet_constant_matches_fixture() {
        let info = &fixture()["chain_info"];
        assert_eq!(QUICKNET.public_key.to_vec(), bytes(&info["public_key"]));
        assert_eq!(Some(QUICKNET.period), info["period"].as_u64());
        assert_eq!(Some(QUICKNET.genesis_time), info["genesis_time"].as_u64());
        assert_eq!(QUICKNET.chain_hash.to_vec(), bytes(&info["hash"]));
        assert_eq!(Some(QUICKNET.scheme), info["schemeID"].as_str());
        assert_eq!(Some(QUICKNET.name), info["metadata"]["beaconID"].as_str());
    }

    /// The chain hash commits to the pinned parameters (drand `Info.Hash`), so the
    /// constants cannot drift from the chain that drand relays serve under that hash.
    #[test]
    fn chain_hash_commits_to_pinned_parameters() {
        let group_hash = bytes(&fixture()["chain_info"]["groupHash"]);
        let period = u32::try_from(QUICKNET.period).unwrap().to_be_bytes();
        let genesis = i64::try_from(QUICKNET.genesis_time).unwrap().to_be_bytes();
        let parts: [&[u8]; 5] = [&period, &genesis, &QUICKNET.public_key, &group_hash, QUICKNET.name.as_bytes()];
        assert_eq!(sha256(&parts), QUICKNET.chain_hash);
    }

    #[test]
    fn chain_lookup() {
        assert_eq!(chain("quicknet"), Some(&QUICKNET));
        for name in ["", "default", "Quicknet", "fastnet", "52db9ba70e0cc0f6"] {
            assert_eq!(chain(name), None, "{name}");
        }
    }

    #[test]
    fn round_times() {
        assert_eq!(round_time(&QUICKNET, 1), Some(QUICKNET.genesis_time));
        assert_eq!(round_time(&QUICKNET, 2), Some(1692803370));
        assert_eq!(round_time(&QUICKNET, 1000), Some(1692806364));
        assert_eq!(round_time(&QUICKNET, 12040883), Some(1728926013)); // 2024-10-14T17:13:33Z
        assert_eq!(round_time(&QUICKNET, 0), None);
        assert_eq!(round_time(&QUICKNET, u64::MAX), None);
    }

    #[test]
    fn round_at_and_first_round_after_agree_with_round_time() {
        let g = QUICKNET.genesis_time;
        assert_eq!(round_at(&QUICKNET, 0), None);
        assert_eq!(round_at(&QUICKNET, g - 1), None);
        assert_eq!(first_round_after(&QUICKNET, g - 1), 1);
        assert_eq!(round_at(&QUICKNET, g), Some(1));
        assert_eq!(round_at(&QUICKNET, g + 2), Some(1));
        assert_eq!(round_at(&QUICKNET, g + 3), Some(2));
        assert_eq!(round_at(&QUICKNET, 1728926013), Some(12040883));
        for now in [g, g + 1, g + 2, 1728926012, 1728926013, 1728926014] {
            let next = first_round_after(&QUICKNET, now);
            assert!(round_time(&QUICKNET, next).unwrap() > now, "{now}");
            assert!(round_time(&QUICKNET, next - 1).unwrap() <= now, "{now}");
        }
        // Extreme inputs saturate instead of overflowing.
        let fast = ChainInfo { period: 1, genesis_time: 0, ..QUICKNET };
        assert_eq!(round_at(&fast, u64::MAX), Some(u64::MAX));
        assert_eq!(first_round_after(&fast, u64::MAX), u64::MAX);
        assert_eq!(round_at(&ChainInfo { period: 0, ..QUICKNET }, g), None);
    }

    #[test]
    fn real_rounds_verify_and_give_fixture_randomness() {
        for (round, expected) in fixture_rounds() {
            assert_eq!(round.randomness, expected);
            assert_eq!(verify_round(&QUICKNET, &round).unwrap(), expected, "round {}", round.round);
        }
    }

    #[test]
    fn round_files_match_fixture_and_verify() {
        let fixture = fixture_rounds();
        for (path, (want, expected)) in ROUND_FILES.iter().zip(fixture) {
            let round = parse_round_json(&std::fs::read(path).unwrap()).unwrap();
            assert_eq!(round, want, "{path}");
            assert_eq!(verify_round(&QUICKNET, &round).unwrap(), expected, "{path}");
        }
    }

    #[test]
    fn flipped_signature_bits_fail() {
        let sig = sig_of(12040883);
        // Byte 0 holds the compression/sign flags; the rest is the x coordinate.
        for (byte, bit) in [(0, 5), (0, 7), (1, 0), (24, 3), (47, 0), (47, 7)] {
            let mut bad = sig.clone();
            bad[byte] ^= 1 << bit;
            let err = verify_round(&QUICKNET, &forged(12040883, bad)).unwrap_err();
            assert!(
                matches!(err, BeaconError::BadSignature { .. } | BeaconError::InvalidSignature { .. }),
                "byte {byte} bit {bit}: {err}"
            );
        }
    }

    #[test]
    fn signature_for_another_round_fails() {
        let err = verify_round(&QUICKNET, &forged(1001, sig_of(1000))).unwrap_err();
        assert!(matches!(err, BeaconError::BadSignature { round: 1001, .. }));
        assert_eq!(err.to_string(), "signature does not verify for round 1001 of quicknet");
        for wrong in [999, 12040883, 1] {
            assert!(matches!(
                verify_round(&QUICKNET, &forged(wrong, sig_of(1000))),
                Err(BeaconError::BadSignature { .. })
            ));
        }
        for wrong in [12040882, 12040884, 1000] {
            let err = verify_round(&QUICKNET, &forged(wrong, sig_of(12040883))).unwrap_err();
            assert!(matches!(err, BeaconError::BadSignature { .. }), "{wrong}: {err}");
        }
    }

    #[test]
    fn malformed_signatures_fail() {
        let sig = sig_of(12040883);
        for len in [0, 1, 47] {
            let err = verify_round(&QUICKNET, &forged(12040883, sig[..len].to_vec())).unwrap_err();
            assert!(matches!(err, BeaconError::SignatureLength { len: l, .. } if l == len), "{err}");
        }
        let long = [sig.as_slice(), &[0]].concat();
        assert!(matches!(verify_round(&QUICKNET, &forged(12040883, long)), Err(BeaconError::SignatureLength { .. })));
        // The point at infinity is a validly encoded G1 point but signs nothing.
        let mut infinity = vec![0u8; 48];
        infinity[0] = 0xc0;
        assert!(matches!(verify_round(&QUICKNET, &forged(12040883, infinity)), Err(BeaconError::BadSignature { .. })));
        // x ≥ p is a non-canonical encoding and must not decode.
        let over = vec![0x9f; 48];
        assert!(matches!(verify_round(&QUICKNET, &forged(5, over)), Err(BeaconError::InvalidSignature { .. })));
    }

    #[test]
    fn inconsistent_or_unsupported_inputs_fail() {
        let mut round = forged(12040883, sig_of(12040883));
        round.randomness[0] ^= 1;
        assert!(matches!(verify_round(&QUICKNET, &round), Err(BeaconError::RandomnessMismatch { .. })));
        assert!(matches!(verify_round(&QUICKNET, &forged(0, sig_of(1000))), Err(BeaconError::ZeroRound)));
        let chained = ChainInfo { scheme: "pedersen-bls-chained", ..QUICKNET };
        let err = verify_round(&chained, &forged(1000, sig_of(1000))).unwrap_err();
        assert!(matches!(err, BeaconError::UnsupportedScheme { .. }), "{err}");
        let mut key = QUICKNET.public_key;
        key[95] ^= 1;
        let bad_key = ChainInfo { public_key: key, ..QUICKNET };
        assert!(verify_round(&bad_key, &forged(1000, sig_of(1000))).is_err());
    }

    #[test]
    fn parse_accepts_api_shape() {
        let sig = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39";
        let want = parse_round_json(&std::fs::read(ROUND_FILES[0]).unwrap()).unwrap();
        let without = format!(r#"{{"round":1000,"signature":"{sig}"}}"#);
        assert_eq!(parse_round_json(without.as_bytes()).unwrap(), want);
        let extra = format!(r#"{{"round":1000,"signature":"{sig}","previous_signature":"","x":[1]}}"#);
        assert_eq!(parse_round_json(extra.as_bytes()).unwrap(), want);
        let upper = format!(r#"{{"round":1000,"signature":"{}"}}"#, sig.to_uppercase());
        assert_eq!(parse_round_json(upper.as_bytes()).unwrap(), want);
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let sig = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39";
        let r1000 = "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd";
        let r12040883 = "173df1f57805453a8d2015268205d68147de12cafc2f451f7bc6adadca3571b3";
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "malformed"),
            ("[]".into(), "malformed"),
            (format!(r#"{{"signature":"{sig}"}}"#), "missing field `round`"),
            (r#"{"round":1000}"#.into(), "missing field `signature`"),
            (format!(r#"{{"round":"1000","signature":"{sig}"}}"#), "malformed"),
            (format!(r#"{{"round":-1,"signature":"{sig}"}}"#), "malformed"),
            (format!(r#"{{"round":1000,"round":1001,"signature":"{sig}"}}"#), "duplicate field `round`"),
            (format!(r#"{{"round":0,"signature":"{sig}"}}"#), "round 0"),
            (r#"{"round":1000,"signature":""}"#.into(), "empty"),
            (r#"{"round":1000,"signature":"abc"}"#.into(), "`signature` is not valid hex"),
            (r#"{"round":1000,"signature":"zz"}"#.into(), "`signature` is not valid hex"),
            (format!(r#"{{"round":1000,"signature":"{sig}","randomness":"0g"}}"#), "`randomness` is not valid hex"),
            (format!(r#"{{"round":1000,"signature":"{sig}","randomness":"{}"}}"#, &r1000[..62]), "32 bytes"),
            (format!(r#"{{"round":1000,"signature":"{sig}","randomness":"{r12040883}"}}"#), "not SHA-256"),
        ];
        for (json, needle) in cases {
            let err = parse_round_json(json.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ceremony_golden_and_normalisation() {
        let digits = "31415926535897932384626433";
        let got = ceremony_randomness(digits, &names(&["张三", "Li Si"])).unwrap();
        // Independently computed: sha256(b"fairdraw-v1/ceremony\0" + digits + b"\0张三\0Li Si").
        assert_eq!(hex::encode(got), "ddb48146309995d2008ba36207324439f53640159208e7245057810c7e61592c");
        assert_eq!(ceremony_randomness(digits, &names(&[" 张三\t", "Li Si\n"])).unwrap(), got);
        assert_ne!(ceremony_randomness(digits, &names(&["Li Si", "张三"])).unwrap(), got, "order matters");
        assert_ne!(ceremony_randomness(&digits[1..], &names(&["张三", "Li Si"])).unwrap(), got);
        // A separator cannot be moved between fields: "ab"+"c" differs from "a"+"bc".
        let a = ceremony_randomness(digits, &names(&["ab", "c"])).unwrap();
        assert_ne!(a, ceremony_randomness(digits, &names(&["a", "bc"])).unwrap());
    }

    #[test]
    fn ceremony_rules() {
        let two = names(&["Alice", "Bob"]);
        assert!(ceremony_randomness(&"1".repeat(20), &two).is_ok());
        assert!(matches!(ceremony_randomness(&"1".repeat(19), &two), Err(BeaconError::TooFewDigits { got: 19 })));
        assert!(matches!(ceremony_randomness("", &two), Err(BeaconError::TooFewDigits { got: 0 })));
        for bad in [
            "1234567890 1234567890",
            "12345678901234567890-",
            "１２３４５６７８９０１２３４５６７８９０",
            "123456789012345678٣٣",
        ] {
            let err = ceremony_randomness(bad, &two).unwrap_err();
            assert!(matches!(err, BeaconError::NonDigit { .. }), "{bad}: {err}");
        }
        let err = ceremony_randomness("1234567890x1234567890", &two).unwrap_err();
        assert_eq!(err.to_string(), "ceremony digits must be ASCII 0-9; found 'x' at position 10");
        let digits = "12345678901234567890";
        let cases: [(&[&str], &str); 7] = [
            (&[], "at least 2 witnesses, got 0"),
            (&["Alice"], "at least 2 witnesses, got 1"),
            (&["Alice", ""], "witness #2 has an empty name"),
            (&["  ", "Bob"], "witness #1 has an empty name"),
            (&["Alice", "Bob", "Alice"], "witness \"Alice\" is listed twice"),
            (&["Alice", "Alice "], "witness \"Alice\" is listed twice"),
            (&["Al\0ice", "Bob"], "control character"),
        ];
        for (list, needle) in cases {
            let err = ceremony_randomness(digits, &names(list)).unwrap_err().to_string();
            assert!(err.contains(needle), "{list:?}: {err}");
        }
    }

    #[test]
    fn derive_seed_golden() {
        let commitment: [u8; 32] = std::array::from_fn(|i| i as u8);
        let randomness = fixture_rounds()[1].1; // quicknet round 12040883
                                                // Independently computed: sha256(b"fairdraw-v1/seed\0" + bytes(range(32)) + randomness).
        let seed = derive_seed(&commitment, &randomness);
        assert_eq!(seed, "16c545070198072914392cad2b90b9be4c0cc8a3e9a2fc7fa4b94101f8d5d8f3");
        assert_eq!(derive_seed(&[0; 32], &[0; 32]), "5ce97c9b6c8c73f404cd83dadf9ce64fcdcd4e3719084badba910f9dd3dbf66c");
    }

    #[test]
    fn derive_seed_is_domain_separated() {
        let (c, r) = ([7u8; 32], [9u8; 32]);
        let seed = derive_seed(&c, &r);
        assert_eq!(seed.len(), 64);
        assert!(seed.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(seed, derive_seed(&r, &c), "argument order matters");
        assert_ne!(seed, hex::encode(sha256(&[&c, &r])), "untagged hash");
        assert_ne!(seed, hex::encode(sha256(&[CEREMONY_TAG, &[0], &c, &r])), "other tag");
        assert_ne!(seed, hex::encode(r), "not the bare randomness");
        let mut c2 = c;
        c2[31] ^= 1;
        assert_ne!(seed, derive_seed(&c2, &r), "commitment is bound");
    }
}
