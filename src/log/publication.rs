//! A log's publication mode (audit/LOG-FORMAT.md, "Publication"): `full`
//! publishes the registry snapshots, `protected` only blinded ones, keeping
//! the full snapshots and their salts under `private/snapshots/`. The mode is
//! fixed at `init` and recorded in the `LogCreated` body; a log written before
//! modes existed has no `publication` field and is `full`.

use serde::Deserialize;
use serde_json::Value;

use super::storage::Storage;
use super::store::{Log, LogError};

/// The blinding secret of a protected log: 64 hex digits and LF, mode 0600.
pub const BLIND_KEY: &str = "private/blind.key";

/// Where a protected log keeps its full snapshots and their salts.
pub const PRIVATE_SNAPSHOTS: &str = "private/snapshots";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Publication {
    Protected,
    Full,
}

impl Publication {
    pub fn as_str(self) -> &'static str {
        match self {
            Publication::Protected => "protected",
            Publication::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Publication> {
        [Publication::Protected, Publication::Full].into_iter().find(|p| p.as_str() == text)
    }

    /// The mode a `LogCreated` body states (absent: `full`). The body's
    /// schema was checked when the entry was parsed.
    pub fn of_body(log_created: &Value) -> Publication {
        log_created["publication"].as_str().and_then(Publication::parse).unwrap_or(Publication::Full)
    }

    /// The mode of an open log, from its first entry.
    pub fn of_log<S: Storage>(log: &Log<S>) -> Publication {
        log.valid_entries()
            .next()
            .filter(|(i, e)| *i == 0 && e.kind == super::entry::Kind::LogCreated)
            .map_or(Publication::Full, |(_, e)| Publication::of_body(&e.body))
    }
}

impl std::fmt::Display for Publication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a protected log's private files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PrivateError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{BLIND_KEY} is missing: a protected log cannot commit without its blinding secret")]
    NoBlindKey,
    #[error("{BLIND_KEY} is not 64 hex digits")]
    BadBlindKey,
}

/// The 32-byte blinding secret of a protected log.
pub fn blind_key<S: Storage>(log: &Log<S>) -> Result<[u8; 32], PrivateError> {
    let text = log.blob(BLIND_KEY)?.ok_or(PrivateError::NoBlindKey)?;
    let text = String::from_utf8(text).map_err(|_| PrivateError::BadBlindKey)?;
    hex::decode(text.trim_end_matches('\n')).ok().and_then(|b| b.try_into().ok()).ok_or(PrivateError::BadBlindKey)
}

/// The file name of a full snapshot's salts: `<root>.salts.gz`.
pub fn salts_name(dir: &str, root_hex: &str) -> String {
    format!("{dir}/{root_hex}.salts.gz")
}

/// `private/snapshots/<root>.jsonl.gz`.
pub fn private_blob_name(root_hex: &str) -> String {
    format!("{PRIVATE_SNAPSHOTS}/{root_hex}.jsonl.gz")
}
