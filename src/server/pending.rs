//! Inspection results waiting for review (待审核): one JSON file per result
//! under `private/results/`, never logged and never public (LOG-FORMAT
//! "Results: only reviewed ones are public"). Publishing one logs it as an
//! InspectionResult with state 已公示 that names its pending id
//! (`result.pending`), then removes the file. A file whose id is already
//! logged (the server stopped between the two) is skipped, and removed by
//! the next write, so no result is published twice. A result a reviewer
//! returned (退回) stays here, with its returns, until its recorder
//! resubmits it (待审核) and a reviewer publishes it.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::log::storage::{DirStorage, Storage};

/// Where pending results live, inside the log directory.
pub const DIR: &str = "private/results";
/// Pending ids start with this, so that they are never taken for entry ids
/// (64 hex digits) or their prefixes.
pub const ID_PREFIX: &str = "p-";
const ID_HEX_DIGITS: usize = 32;

/// A result before review, as stored.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub id: String,
    /// The DrawResult id.
    pub draw: String,
    pub uscc: String,
    /// RFC 3339 UTC, when it was recorded.
    pub recorded_at: String,
    /// `name`, `category`, `inspection_date`, `findings`, `state` (待审核).
    pub result: Map<String, Value>,
    /// The changes made during review: `{time, reason, changes}` each, and
    /// `by` when an account made them.
    #[serde(default)]
    pub amendments: Vec<Value>,
    /// Every time a reviewer returned it (退回): `{time, by, reason}`
    /// (LOG-FORMAT "Accounts and roles"); never logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error("{path}: {cause}")]
    Io { path: PathBuf, cause: io::Error },
    #[error("{path} is not a pending result: {cause}")]
    Unreadable { path: PathBuf, cause: serde_json::Error },
}

/// A fresh pending id: the prefix and 128 random bits as hex.
pub fn new_id() -> String {
    let mut bytes = [0u8; ID_HEX_DIGITS / 2];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    format!("{ID_PREFIX}{}", hex::encode(bytes))
}

/// Whether `id` has the form of a pending id (and so is safe as a file name).
pub fn is_id(id: &str) -> bool {
    id.strip_prefix(ID_PREFIX).is_some_and(|h| {
        h.len() == ID_HEX_DIGITS && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn file_name(id: &str) -> String {
    format!("{id}.json")
}

fn dir(log_dir: &Path) -> PathBuf {
    log_dir.join(DIR)
}

/// Writes `p` atomically (the log's storage contract: old or new bytes,
/// never a torn file).
pub fn save(log_dir: &Path, p: &Pending) -> Result<(), PendingError> {
    let bytes = serde_json::to_vec_pretty(p).expect("a pending result serializes");
    let name = file_name(&p.id);
    DirStorage { dir: dir(log_dir) }
        .replace(&name, &bytes)
        .map_err(|cause| PendingError::Io { path: dir(log_dir).join(name), cause })
}

/// The pending result `id`, if its file exists.
pub fn load(log_dir: &Path, id: &str) -> Result<Option<Pending>, PendingError> {
    if !is_id(id) {
        return Ok(None);
    }
    let name = file_name(id);
    let path = dir(log_dir).join(&name);
    let bytes =
        DirStorage { dir: dir(log_dir) }.read(&name).map_err(|cause| PendingError::Io { path: path.clone(), cause })?;
    bytes.map(|b| serde_json::from_slice(&b).map_err(|cause| PendingError::Unreadable { path, cause })).transpose()
}

/// The ids of the files under `private/results/`. Files that are not
/// pending results (temporary files of an interrupted write) are passed over.
fn stored_ids(log_dir: &Path) -> Result<Vec<String>, PendingError> {
    let d = dir(log_dir);
    let listing = match std::fs::read_dir(&d) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(cause) => return Err(PendingError::Io { path: d, cause }),
    };
    let mut ids = Vec::new();
    for item in listing {
        let name = item.map_err(|cause| PendingError::Io { path: d.clone(), cause })?.file_name();
        if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")).filter(|id| is_id(id)) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// Every pending result not yet logged (`is_logged` says whether a pending
/// id is named by a logged result), oldest first.
pub fn load_all(log_dir: &Path, is_logged: impl Fn(&str) -> bool) -> Result<Vec<Pending>, PendingError> {
    let mut out = Vec::new();
    for id in stored_ids(log_dir)?.iter().filter(|id| !is_logged(id)) {
        out.extend(load(log_dir, id)?);
    }
    out.sort_by(|a, b| (&a.recorded_at, &a.id).cmp(&(&b.recorded_at, &b.id)));
    Ok(out)
}

/// Removes the files of results that are already logged (left by a stop
/// between the log append and the removal).
pub fn remove_logged(log_dir: &Path, is_logged: impl Fn(&str) -> bool) -> Result<(), PendingError> {
    for id in stored_ids(log_dir)?.iter().filter(|id| is_logged(id)) {
        remove(log_dir, id)?;
    }
    Ok(())
}

/// Removes `id`'s file; a missing file is fine. Not synced: if the removal
/// is lost in a crash, the file is skipped as logged and removed again.
pub fn remove(log_dir: &Path, id: &str) -> Result<(), PendingError> {
    let path = dir(log_dir).join(file_name(id));
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(cause) => Err(PendingError::Io { path, cause }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_random_hex_and_checked_before_use_as_file_names() {
        let a = new_id();
        assert!(is_id(&a), "{a}");
        assert_ne!(a, new_id());
        for bad in ["", "p-", "p-../../log.key", &a[2..], &format!("{a}0"), &a.to_uppercase().replace("P-", "p-")] {
            assert!(!is_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn saved_results_load_back_and_logged_ones_are_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let p = |id: String, at: &str| Pending {
            id,
            draw: "d".into(),
            uscc: "u".into(),
            recorded_at: at.into(),
            result: Map::new(),
            amendments: vec![],
            returns: vec![],
        };
        let (first, second) = (p(new_id(), "2026-01-01T00:00:00Z"), p(new_id(), "2026-01-02T00:00:00Z"));
        save(dir.path(), &second).unwrap();
        save(dir.path(), &first).unwrap();
        std::fs::write(dir.path().join(DIR).join(".x.json.tmp"), "torn").unwrap();
        let ids = |v: Vec<Pending>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids(load_all(dir.path(), |_| false).unwrap()), [first.id.clone(), second.id.clone()]);
        let logged = |id: &str| id == first.id;
        assert_eq!(ids(load_all(dir.path(), logged).unwrap()), std::slice::from_ref(&second.id));
        remove_logged(dir.path(), logged).unwrap();
        assert!(load(dir.path(), &first.id).unwrap().is_none());
        assert!(load(dir.path(), &second.id).unwrap().is_some());
    }
}
