//! C2SP tlog-cosignature `cosignature/v1` (Ed25519 with a timestamp), as
//! audit/LOG-FORMAT.md §"Cosignatures" writes it down: the verifier key
//! `<name>+<key id>+<base64(0x04 ‖ public key)>`, the signed message
//! `cosignature/v1\ntime <t>\n<checkpoint text>` and the note signature
//! `key id ‖ t (u64 big-endian) ‖ Ed25519 signature`.
//!
//! [`WitnessSigner`] and [`WitnessVerifier`] implement signed_note's traits,
//! so a cosignature is added to and checked on a note like any other
//! signature.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::Signature;

/// The signature-type byte of cosignature/v1 keys (C2SP signed-note).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Bytes of a cosignature after the key id: timestamp and Ed25519 signature.
const SIG_LEN: usize = 8 + 64;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("witness key {0:?} must be <name>+<8 hex digit key id>+<base64 key>")]
    Format(String),
    #[error("witness name {0:?} must be non-empty, without spaces or '+'")]
    Name(String),
    #[error("witness key of {name:?} is not a cosignature/v1 Ed25519 key (want 0x04 and 32 bytes)")]
    Algorithm { name: String },
    #[error("witness key of {name:?} names key id {given}, but the key's id is {actual:08x}")]
    KeyId { name: String, given: String, actual: u32 },
    #[error("private witness key must be PRIVATE+KEY+<name>+<key id>+<base64(0x04 ‖ seed)>")]
    Private,
}

/// The key id: the first 4 bytes of SHA-256(name ‖ LF ‖ 0x04 ‖ public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    signed_note::key_id(name, &encoded(key))
}

fn encoded(key: &VerifyingKey) -> Vec<u8> {
    let mut out = vec![ALG_COSIGNATURE_V1];
    out.extend_from_slice(key.as_bytes());
    out
}

/// The message a witness signs: the header, its time, the checkpoint text.
pub fn message(checkpoint_text: &[u8], time: u64) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(checkpoint_text);
    msg
}

/// A witness's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl WitnessVerifier {
    /// Parses `<name>+<8 hex digits>+<base64(0x04 ‖ key)>`, checking the id.
    pub fn parse(vkey: &str) -> Result<WitnessVerifier, KeyError> {
        let format = || KeyError::Format(vkey.chars().take(200).collect());
        // The base64 key may itself contain '+': split off name and id only.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format());
        };
        if !signed_note::is_key_name_valid(name) {
            return Err(KeyError::Name(name.to_string()));
        }
        let id_ok = id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let given = u32::from_str_radix(id, 16).ok().filter(|_| id_ok).ok_or_else(format)?;
        let bytes = B64.decode(b64).map_err(|_| format())?;
        let key = match bytes.split_first() {
            Some((&ALG_COSIGNATURE_V1, rest)) => {
                <&[u8; 32]>::try_from(rest).ok().and_then(|k| VerifyingKey::from_bytes(k).ok())
            }
            _ => None,
        }
        .ok_or_else(|| KeyError::Algorithm { name: name.to_string() })?;
        let actual = key_id(name, &key);
        if actual != given {
            return Err(KeyError::KeyId { name: name.to_string(), given: id.to_string(), actual });
        }
        Ok(WitnessVerifier { name: name.to_string(), id: actual, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// The verifier key in its text form.
    pub fn to_vkey(&self) -> String {
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(encoded(&self.key)))
    }

    /// The cosignature's time when `sig` (the bytes after the key id) is a
    /// valid cosignature of `checkpoint_text` by this key.
    pub fn check(&self, checkpoint_text: &[u8], sig: &[u8]) -> Option<u64> {
        if sig.len() != SIG_LEN {
            return None;
        }
        let time = u64::from_be_bytes(sig[..8].try_into().ok()?);
        let signature = ed25519_dalek::Signature::from_slice(&sig[8..]).ok()?;
        self.key.verify_strict(&message(checkpoint_text, time), &signature).ok()?;
        Some(time)
    }

    /// Whether a signature line is this witness's by name and key id (its
    /// signature not yet checked).
    pub fn names(&self, sig: &Signature) -> bool {
        sig.name() == self.name && sig.id() == self.id
    }
}

impl signed_note::Verifier for WitnessVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.check(msg, sig).is_some()
    }
}

/// A witness's private key, signing at a given time.
pub struct WitnessSigner {
    name: String,
    id: u32,
    key: SigningKey,
    time: u64,
}

impl WitnessSigner {
    /// The key of witness `name` from its 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<WitnessSigner, KeyError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(KeyError::Name(name.to_string()));
        }
        let key = SigningKey::from_bytes(seed);
        Ok(WitnessSigner { name: name.to_string(), id: key_id(name, &key.verifying_key()), key, time: 0 })
    }

    /// A new random key.
    pub fn generate(name: &str) -> Result<WitnessSigner, KeyError> {
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        WitnessSigner::from_seed(name, &seed)
    }

    /// Parses `PRIVATE+KEY+<name>+<key id>+<base64(0x04 ‖ seed)>`.
    pub fn parse(skey: &str) -> Result<WitnessSigner, KeyError> {
        let rest = skey.trim().strip_prefix("PRIVATE+KEY+").ok_or(KeyError::Private)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Private);
        };
        let bytes = B64.decode(b64).map_err(|_| KeyError::Private)?;
        let seed: [u8; 32] = match bytes.split_first() {
            Some((&ALG_COSIGNATURE_V1, rest)) => rest.try_into().map_err(|_| KeyError::Private)?,
            _ => return Err(KeyError::Private),
        };
        let signer = WitnessSigner::from_seed(name, &seed)?;
        if format!("{:08x}", signer.id) != id {
            return Err(KeyError::Private);
        }
        Ok(signer)
    }

    /// The private key in its text form (kept secret, mode 0600).
    pub fn to_skey(&self) -> String {
        let mut bytes = vec![ALG_COSIGNATURE_V1];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, B64.encode(bytes))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> WitnessVerifier {
        WitnessVerifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The same key, signing at `time` (POSIX seconds).
    pub fn at(&self, time: u64) -> WitnessSigner {
        WitnessSigner { name: self.name.clone(), id: self.id, key: self.key.clone(), time }
    }

    /// The cosignature line (`— <name> <base64>` LF) of a checkpoint text.
    pub fn cosign_line(&self, checkpoint_text: &[u8]) -> String {
        let sig = self.signature_bytes(checkpoint_text);
        let line = Signature::new(self.name.clone(), self.id, sig).expect("the name was checked at construction");
        String::from_utf8(line.to_bytes()).expect("signature lines are UTF-8")
    }

    fn signature_bytes(&self, checkpoint_text: &[u8]) -> Vec<u8> {
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.sign(&message(checkpoint_text, self.time)).to_bytes());
        out
    }
}

impl signed_note::Signer for WitnessSigner {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.signature_bytes(msg))
    }
}

/// A note split into its text and its signature lines, each parsed by
/// signed_note (which keeps a note's signatures private).
#[derive(Debug)]
pub struct SplitNote {
    pub text: String,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a signed note: {0}")]
pub struct NoteFormat(pub &'static str);

/// Splits a signed note (C2SP signed-note) without checking any signature.
pub fn split_note(note: &str) -> Result<SplitNote, NoteFormat> {
    // signed_note's own parser checks size, control characters and line form.
    signed_note::Note::from_bytes(note.as_bytes()).map_err(|_| NoteFormat("malformed"))?;
    let (text, sigs) = note.rsplit_once("\n\n").ok_or(NoteFormat("no blank line before the signatures"))?;
    let sigs = sigs.strip_suffix('\n').ok_or(NoteFormat("the last signature line lacks its LF"))?;
    let signatures = sigs
        .split('\n')
        .map(|line| Signature::from_bytes(line.as_bytes()).map_err(|_| NoteFormat("bad signature line")))
        .collect::<Result<_, _>>()?;
    Ok(SplitNote { text: format!("{text}\n"), signatures })
}

/// What one witness's lines on a note say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cosigned {
    /// A valid cosignature made at this time (the earliest if several).
    At(u64),
    /// A line with the witness's name and key id whose signature fails.
    Invalid,
    Absent,
}

/// Judges `witness`'s cosignature lines on a split note.
pub fn cosigned_by(note: &SplitNote, witness: &WitnessVerifier) -> Cosigned {
    let mut best = Cosigned::Absent;
    for sig in note.signatures.iter().filter(|s| witness.names(s)) {
        match witness.check(note.text.as_bytes(), sig.signature()) {
            None => return Cosigned::Invalid,
            Some(t) => {
                if !matches!(best, Cosigned::At(b) if b <= t) {
                    best = Cosigned::At(t);
                }
            }
        }
    }
    best
}

#[cfg(test)]
#[path = "cosig_tests.rs"]
mod tests;
