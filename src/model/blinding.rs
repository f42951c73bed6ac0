//! Salts, blinds and blinded leaves of a protected log (audit/LOG-FORMAT.md,
//! "Salts and blinded leaves"). Pure functions: the secret comes from the
//! caller, the leaves are the §5 leaf bytes.
//!
//! A salt is keyed by the row's key (USCC, inspector id, or the recusal
//! pair) only, so that an auditor holding the salts can recompute every
//! blinded snapshot, and a firm given its own salt can find its own blinded
//! leaf and nobody else's.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::model::canonical::write_str;
use crate::model::merkle::{self, Hash};

pub type Salt = [u8; 32];

/// The three registries, as the salts' domain names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registry {
    Enterprises,
    Inspectors,
    Conflicts,
}

impl Registry {
    pub const ALL: [Registry; 3] = [Registry::Enterprises, Registry::Inspectors, Registry::Conflicts];

    pub fn as_str(self) -> &'static str {
        match self {
            Registry::Enterprises => "enterprises",
            Registry::Inspectors => "inspectors",
            Registry::Conflicts => "conflicts",
        }
    }

    /// The columns of this registry's blinded leaves (below).
    pub fn blinded_columns(self) -> &'static [&'static str] {
        match self {
            Registry::Enterprises => &["credit_class", "state", "blind"],
            Registry::Inspectors => &["id", "name", "department", "blind"],
            Registry::Conflicts => &["blind"],
        }
    }
}

/// An enterprise's state under one effective plan (spec §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// In scope and not in `exclude`.
    Eligible,
    /// In scope and in `exclude`.
    Excluded,
    /// Not in scope.
    Out,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Eligible => "eligible",
            State::Excluded => "excluded",
            State::Out => "out",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        [State::Eligible, State::Excluded, State::Out].into_iter().find(|s| s.as_str() == text)
    }
}

/// `HMAC-SHA256(K, "fairdraw-v1/salt" ‖ 0x00 ‖ registry ‖ 0x00 ‖ row key)`.
pub fn salt(secret: &[u8; 32], registry: Registry, row_key: &[u8]) -> Salt {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"fairdraw-v1/salt\x00");
    mac.update(registry.as_str().as_bytes());
    mac.update(b"\x00");
    mac.update(row_key);
    mac.finalize().into_bytes().into()
}

/// The row key of a conflict: `inspector_id ‖ 0x00 ‖ uscc`.
pub fn conflict_key(inspector_id: &str, uscc: &str) -> Vec<u8> {
    let mut key = inspector_id.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(uscc.as_bytes());
    key
}

/// `hex(SHA-256("fairdraw-v1/blind" ‖ 0x00 ‖ salt ‖ leaf))`.
pub fn blind(salt: &Salt, leaf: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"fairdraw-v1/blind\x00");
    h.update(salt);
    h.update(leaf);
    hex::encode(h.finalize())
}

fn array_of_strings(items: &[&str]) -> Vec<u8> {
    let mut out = vec![b'['];
    for (k, s) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_str(s, &mut out);
    }
    out.push(b']');
    out
}

/// `[credit_class, state, blind]`.
pub fn enterprise_leaf(class: &str, state: State, blind: &str) -> Vec<u8> {
    array_of_strings(&[class, state.as_str(), blind])
}

/// `[id, name, department, blind]`.
pub fn inspector_leaf(id: &str, name: &str, department: &str, blind: &str) -> Vec<u8> {
    array_of_strings(&[id, name, department, blind])
}

/// `[blind]`.
pub fn conflict_leaf(blind: &str) -> Vec<u8> {
    array_of_strings(&[blind])
}

/// A blinded snapshot: its leaves sorted by their bytes, and their root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blinded {
    pub leaves: Vec<Vec<u8>>,
    pub root: Hash,
}

impl Blinded {
    pub fn new(mut leaves: Vec<Vec<u8>>) -> Blinded {
        leaves.sort();
        let hashes: Vec<Hash> = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
        Blinded { root: merkle::root(&hashes), leaves }
    }

    pub fn count(&self) -> u64 {
        self.leaves.len() as u64
    }

    pub fn root_hex(&self) -> String {
        hex::encode(self.root)
    }

    /// The leaves, one per line, as stored (before gzip).
    pub fn lines(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in &self.leaves {
            out.extend_from_slice(l);
            out.push(b'\n');
        }
        out
    }
}
