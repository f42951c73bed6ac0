//! Reading a log from a static mirror (LOG-FORMAT.md "Reading a log from a
//! URL"): the files are fetched in the order the contract gives and laid out
//! as a log directory, so that `audit verify` runs its one set of checks on
//! them (with [`super::audit_tiles::Scope::MirrorOfSize`]).

use std::path::Path;

use serde_json::Value;

use super::audit_receipts::{RECEIPTS, SUFFIX};
use super::entry::{self, Entry, Kind};
use super::mirror::{Mirror, MirrorError};
use super::snapshots;
use super::store::{CHECKPOINT, CHECKPOINTS, COSIGNATURES, ENTRIES, VKEY};
use super::tiles::{self, StaticFile};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Mirror(#[from] MirrorError),
    #[error("{0}/{VKEY} does not exist: not a fairdraw log (or the URL is not its prefix)")]
    NotALog(String),
    #[error("writing the fetched copy to {}: {cause}", .path.display())]
    Write { path: std::path::PathBuf, cause: std::io::Error },
}

/// What fetching found that the directory checks cannot see: entries the
/// mirror lacks or holds in a form that is not one entry.
#[derive(Debug, Default)]
pub struct Fetched {
    pub tampering: Vec<String>,
    /// The log's size: entries covered by the last batch-end record.
    pub size: u64,
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), FetchError> {
    let path = dir.join(name);
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|cause| FetchError::Write { path: path.clone(), cause })
}

/// Where a fetched mirror's records after its last batch end are kept (not
/// a file of a log: [`crate::log::audit`] reads it after `checkpoints.jsonl`).
pub const MIRROR_TAIL: &str = "checkpoints.jsonl.mirror-tail";

/// Copies `name` from the mirror into `dir` when it exists there.
fn copy(mirror: &dyn Mirror, dir: &Path, name: &str) -> Result<Option<Vec<u8>>, FetchError> {
    let got = mirror.get(name)?;
    if let Some(bytes) = &got {
        write(dir, name, bytes)?;
    }
    Ok(got)
}

/// The size the last `batch_end` record of `checkpoints.jsonl` commits: its
/// position + 1 (record k is for size k + 1, as the loader reads them), never
/// its `size` field, so a forged size cannot make the reader ask for more
/// entries than the mirror has records (LOG-FORMAT, "Reading a log from a
/// URL", step 2). Lines that are not records are left to the directory checks.
fn committed_size(records: &[u8]) -> u64 {
    let complete = records.len() - records.iter().rev().take_while(|&&b| b != b'\n').count();
    records[..complete]
        .split(|&b| b == b'\n')
        .take_while(|line| !line.is_empty())
        .enumerate()
        .filter(|(_, line)| serde_json::from_slice::<Value>(line).is_ok_and(|v| v["batch_end"] == true))
        .map(|(i, _)| i as u64 + 1)
        .last()
        .unwrap_or(0)
}

fn is_root(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The blobs the entries name: each RegistrySnapshot's, each commitment's
/// blinded snapshots, and each DrawResult's receipt. Only names of those
/// shapes are asked for (an entry cannot make the reader write elsewhere).
fn blob_names(lines: &[Vec<u8>]) -> Vec<String> {
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Ok(e) = Entry::parse(line, i as u64) else { continue };
        match e.kind {
            Kind::RegistrySnapshot => {
                names.extend(e.body["root"].as_str().filter(|r| is_root(r)).map(snapshots::blob_name))
            }
            Kind::DrawCommitment => {
                for registry in ["enterprises", "inspectors", "conflicts"] {
                    let root = e.body["blinded"][registry]["root"].as_str().filter(|r| is_root(r));
                    names.extend(root.map(snapshots::blob_name));
                }
            }
            Kind::DrawResult => names.push(format!("{RECEIPTS}/{}{SUFFIX}", entry::id_of(line))),
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Fetches the mirror into the empty directory `dir` as a log directory.
pub fn fetch(mirror: &dyn Mirror, dir: &Path) -> Result<Fetched, FetchError> {
    let url = mirror.label().trim_end_matches('/').to_string();
    copy(mirror, dir, VKEY)?.ok_or(FetchError::NotALog(url.clone()))?;
    // The reverse of the publishing order: `checkpoint` was written last.
    copy(mirror, dir, CHECKPOINT)?;
    let records = copy(mirror, dir, CHECKPOINTS)?.unwrap_or_default();
    copy(mirror, dir, COSIGNATURES)?;
    let mut found = Fetched { size: committed_size(&records), ..Fetched::default() };
    // Records after the last batch end (an unfinished batch copied from a
    // live log) name entries the mirror need not have: the log directory
    // gets the committed records, so that it opens for the replay, and the
    // rest goes beside them for the audit's own checks of such records.
    let committed_bytes: usize =
        records.split_inclusive(|&b| b == b'\n').take(found.size as usize).map(<[u8]>::len).sum();
    if committed_bytes < records.len() {
        write(dir, CHECKPOINTS, &records[..committed_bytes])?;
        write(dir, MIRROR_TAIL, &records[committed_bytes..])?;
    }

    // Every entry is asked for, so that each missing one is named; only
    // those before the first gap are checked (LOG-FORMAT, step 2).
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    let mut broken = false;
    for i in 0..found.size {
        let name = StaticFile::Entry(i).path();
        match mirror.get(&name)? {
            Some(line) if !line.contains(&b'\n') => {
                if missing.is_empty() && !broken {
                    lines.push(line)
                }
            }
            Some(_) => {
                found
                    .tampering
                    .push(format!("{name}: holds a line break: not one entry (entries from here on not read)"));
                broken = true;
            }
            None => missing.push(name),
        }
    }
    found.tampering.extend(
        missing
            .iter()
            .take(5)
            .map(|name| format!("{name}: missing on the mirror (HTTP 404): the mirror is incomplete")),
    );
    if missing.len() > 5 {
        found.tampering.push(format!("… and {} more entry files missing on the mirror (HTTP 404)", missing.len() - 5));
    }
    let mut entries = Vec::new();
    for line in &lines {
        entries.extend_from_slice(line);
        entries.push(b'\n');
    }
    write(dir, ENTRIES, &entries)?;

    for tile in tiles::tiles_of_size(found.size) {
        copy(mirror, dir, &tile.path())?;
    }
    for name in blob_names(&lines) {
        copy(mirror, dir, &name)?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::committed_size;

    #[test]
    fn the_size_is_the_last_batch_end_records_position_not_its_size_field() {
        let records = concat!(
            r#"{"batch_end":false,"checkpoint":"a","size":1}"#,
            "\n",
            r#"{"batch_end":true,"checkpoint":"b","size":4000000000}"#,
            "\n",
            r#"{"batch_end":false,"checkpoint":"c","size":3}"#,
            "\n",
            r#"{"batch_end":true,"checkpoint":"torn""#,
        );
        assert_eq!(committed_size(records.as_bytes()), 2);
        assert_eq!(committed_size(b""), 0);
    }
}
