//! Signed checkpoints (C2SP tlog-checkpoint over C2SP signed-note, Ed25519)
//! and receipts (C2SP tlog-proof): the text a citizen keeps to check later
//! that the log was neither rewritten nor truncated.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};

use crate::model::merkle::Hash;

/// Why a key, a signed note, a checkpoint or a receipt was refused.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("origin {0:?} must be non-empty without spaces or '+'")]
    BadOrigin(String),
    #[error("private key: {0}")]
    SignerKey(signed_note::SignerError),
    #[error("verifier key: {0}")]
    VerifierKey(signed_note::VerifierError),
    #[error("checkpoint text: {0}")]
    Text(signed_note::NoteError),
    #[error("signing: {0}")]
    Signing(signed_note::NoteError),
    #[error("note is not UTF-8")]
    NotUtf8,
    #[error("not a signed note: {0}")]
    NotANote(signed_note::NoteError),
    #[error("signature does not verify: {0}")]
    BadSignature(signed_note::NoteError),
    #[error("no signature by the log's key")]
    NotSignedByLog,
    /// The signed text is not a checkpoint (origin, size, root lines).
    #[error("{0}")]
    MalformedCheckpoint(String),
    /// The receipt's proof part is not C2SP tlog-proof text.
    #[error("{0}")]
    MalformedReceipt(String),
    #[error("entry {index} is not included in the checkpoint of size {size}")]
    NotIncluded { index: u64, size: u64 },
}

/// A new key pair for a log named `origin`: (private signer key, public verifier key).
pub fn generate_keys(origin: &str) -> Result<(String, String), NoteError> {
    if !signed_note::is_key_name_valid(origin) {
        return Err(NoteError::BadOrigin(origin.to_string()));
    }
    Ok(signed_note::generate_key(&mut rand_core::OsRng, origin))
}

/// The checkpoint body: origin, tree size, base64 root, each on its line.
pub fn checkpoint_text(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// Signs a checkpoint body and returns the complete note.
pub fn sign(text: &str, skey: &str) -> Result<String, NoteError> {
    let signer = StandardSigner::new(skey.trim()).map_err(NoteError::SignerKey)?;
    let mut note = Note::new(text.as_bytes(), &[]).map_err(NoteError::Text)?;
    note.add_sigs(&[&signer as &dyn Signer]).map_err(NoteError::Signing)?;
    String::from_utf8(note.to_bytes()).map_err(|_| NoteError::NotUtf8)
}

/// A checkpoint whose signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub note: String,
}

/// Verifies a note's signature by `vkey` and parses it as a checkpoint.
///
/// Every signature line of the log's key (its name and key ID) must verify
/// (C2SP signed-note: "If a signature from a known key fails to verify,
/// clients SHOULD reject the whole note"), not only the first as Go's
/// `note.Open` does: verify.py and verify.js read notes so, and the three
/// verifiers must agree on a note with a second, bad line of the log's key.
pub fn open(note_text: &str, vkey: &str) -> Result<Checkpoint, NoteError> {
    let verifier = StandardVerifier::new(vkey.trim()).map_err(NoteError::VerifierKey)?;
    let note = Note::from_bytes(note_text.as_bytes()).map_err(NoteError::NotANote)?;
    for sig in signature_lines(note_text) {
        if sig.name() == verifier.name()
            && sig.id() == verifier.key_id()
            && !verifier.verify(note.text(), sig.signature())
        {
            let (name, id) = (sig.name().to_string(), sig.id());
            return Err(NoteError::BadSignature(signed_note::NoteError::InvalidSignature { name, id }));
        }
    }
    let list = VerifierList::new(vec![Box::new(verifier)]);
    let (verified, _) = note.verify(&list).map_err(NoteError::BadSignature)?;
    if verified.is_empty() {
        return Err(NoteError::NotSignedByLog);
    }
    let malformed = |m: String| NoteError::MalformedCheckpoint(m);
    let text = std::str::from_utf8(note.text()).map_err(|_| malformed("checkpoint text is not UTF-8".into()))?;
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() < 4 || !lines[lines.len() - 1].is_empty() {
        return Err(malformed("checkpoint text needs origin, size and root lines".into()));
    }
    let size: u64 = lines[1].parse().map_err(|_| malformed(format!("tree size {:?} is not a number", lines[1])))?;
    if lines[1].len() > 1 && lines[1].starts_with('0') {
        return Err(malformed("tree size has leading zeros".into()));
    }
    let root: Hash = B64
        .decode(lines[2])
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed(format!("root {:?} is not a base64 SHA-256 hash", lines[2])))?;
    Ok(Checkpoint { origin: lines[0].to_string(), size, root, note: note_text.to_string() })
}

/// The signature lines of a note that `Note::from_bytes` accepted: those
/// after its last blank line.
pub(crate) fn signature_lines(note_text: &str) -> impl Iterator<Item = signed_note::Signature> + '_ {
    let block = note_text.rsplit_once("\n\n").map_or("", |(_, sigs)| sigs);
    block.lines().filter_map(|line| signed_note::Signature::from_bytes(line.as_bytes()).ok())
}

/// A receipt: proof that one entry is in the tree of a signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The entry's bytes, so the receipt stands alone.
    pub entry: Vec<u8>,
    pub checkpoint: String,
}

const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

impl Receipt {
    pub fn to_text(&self) -> String {
        let mut out = format!("{PROOF_HEADER}\nextra {}\nindex {}\n", B64.encode(&self.entry), self.index);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(text: &str) -> Result<Receipt, NoteError> {
        let malformed = |m: &str| NoteError::MalformedReceipt(m.to_string());
        let (head, checkpoint) =
            text.split_once("\n\n").ok_or_else(|| malformed("receipt lacks the blank line before its checkpoint"))?;
        let mut lines = head.lines();
        if lines.next() != Some(PROOF_HEADER) {
            return Err(malformed(&format!("receipt must start with {PROOF_HEADER}")));
        }
        let mut entry = Vec::new();
        let mut line = lines.next().ok_or_else(|| malformed("receipt is empty"))?;
        if let Some(extra) = line.strip_prefix("extra ") {
            entry = B64.decode(extra).map_err(|_| malformed("extra data is not base64"))?;
            line = lines.next().ok_or_else(|| malformed("receipt lacks its index line"))?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| malformed("receipt lacks a valid index line"))?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| malformed(&format!("proof line {l:?} is not a hash")))
            })
            .collect::<Result<Vec<Hash>, NoteError>>()?;
        Ok(Receipt { index, proof, entry, checkpoint: checkpoint.to_string() })
    }

    /// Checks the checkpoint signature and the inclusion of the entry.
    pub fn verify(&self, vkey: &str) -> Result<Checkpoint, NoteError> {
        let cp = open(&self.checkpoint, vkey)?;
        let leaf = crate::model::merkle::leaf_hash(&self.entry);
        if !super::proof::verify_inclusion(self.index, cp.size, &leaf, &self.proof, &cp.root) {
            return Err(NoteError::NotIncluded { index: self.index, size: cp.size });
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example key and note of the signed-note specification (and of Go's
    // golang.org/x/mod/sumdb/note, whose format it standardised).
    const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const SIG: &str =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn signs_the_spec_example_exactly() {
        assert_eq!(sign(TEXT, SKEY).unwrap(), format!("{TEXT}\n{SIG}"));
    }

    #[test]
    fn checkpoints_round_trip_and_reject_edits() {
        let (skey, vkey) = generate_keys("fairdraw.test/log").unwrap();
        let root = crate::model::merkle::leaf_hash(b"x");
        let note = sign(&checkpoint_text("fairdraw.test/log", 7, &root), &skey).unwrap();
        let cp = open(&note, &vkey).unwrap();
        assert_eq!((cp.size, cp.root), (7, root));
        assert!(open(&note.replace("\n7\n", "\n8\n"), &vkey).is_err(), "changed size");
        assert!(open(&note, VKEY).is_err(), "other key");
        let flipped: String = note.chars().rev().collect();
        assert!(open(&flipped, &vkey).is_err());
    }

    /// A second line of the log's key that does not verify rejects the note,
    /// before or after the good one (Go's note.Open would skip it after);
    /// the good line twice, or another key's line, does not.
    #[test]
    fn every_line_of_the_logs_key_must_verify() {
        let (skey, vkey) = generate_keys("fairdraw.test/log").unwrap();
        let root = crate::model::merkle::leaf_hash(b"x");
        let note = sign(&checkpoint_text("fairdraw.test/log", 7, &root), &skey).unwrap();
        let good = note.rsplit_once("\n\n").unwrap().1.to_string();
        let other = sign(&checkpoint_text("fairdraw.test/log", 8, &root), &skey).unwrap();
        let bad = other.rsplit_once("\n\n").unwrap().1.to_string(); // the log's key, another text
        assert!(matches!(open(&format!("{note}{bad}"), &vkey), Err(NoteError::BadSignature(_))), "bad after good");
        let text = note.rsplit_once("\n\n").unwrap().0;
        assert!(open(&format!("{text}\n\n{bad}{good}"), &vkey).is_err(), "bad before good");
        assert!(open(&format!("{note}{good}"), &vkey).is_ok(), "the good line twice");
        let stranger = sign(&checkpoint_text("fairdraw.test/log", 7, &root), &generate_keys("someone.else").unwrap().0);
        assert!(open(&format!("{note}{}", stranger.unwrap().rsplit_once("\n\n").unwrap().1), &vkey).is_ok());
    }
}
