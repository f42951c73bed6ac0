//! `audit verify` on the static tlog-tiles files (LOG-FORMAT.md "Static
//! publication", "Checking"): every `tile/…` and `entry/…` file present must
//! hold exactly the bytes derived from the committed entries; a name the
//! layout does not have for this log is tampering; a missing file is a note
//! (an older writer, or a copy, may lack them).

use std::collections::BTreeSet;
use std::path::Path;

use super::audit::Report;
use super::tiles::{self, StaticFile, TileHashes};
use crate::model::merkle::Hash;

/// Which files the check expects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// A log directory: every static file of every size.
    #[default]
    Directory,
    /// A static mirror read over HTTP: only the hash tiles of the log's size
    /// were fetched (its entries came from the `entry/` files).
    MirrorOfSize,
}

/// Files of each kind named one by one before the rest are counted.
const SHOWN: usize = 5;

/// The static files under `dir`, listed **before** any other file of the
/// log is read (LOG-FORMAT "Checking"): a writer adds a batch's static files
/// after its checkpoint records, so none listed now can belong to a size the
/// records read later do not cover.
pub struct Present {
    names: BTreeSet<String>,
    unreadable: Vec<String>,
}

impl Present {
    pub fn list(dir: &Path) -> Present {
        let mut present = Present { names: BTreeSet::new(), unreadable: Vec::new() };
        for top in ["tile", "entry"] {
            if let Err(e) = walk(dir, top, &mut present.names) {
                present.unreadable.push(format!("{top}/ cannot be read: {e}"));
            }
        }
        present
    }
}

/// Checks the static files `present` under `dir` against the committed `lines`.
pub fn check(
    dir: &Path,
    present: Present,
    lines: &[&[u8]],
    leaves: &[Hash],
    batch_ends: &[u64],
    scope: Scope,
    r: &mut Report,
) {
    let size = lines.len() as u64;
    let hashes = TileHashes::from_leaves(leaves);
    r.tampering.extend(present.unreadable);
    let present = present.names;
    let is_batch_end = |s: u64| batch_ends.binary_search(&s).is_ok();
    let (mut changed, mut strays) = (Vec::new(), Vec::new());
    for name in &present {
        let file = StaticFile::parse(name).filter(|f| f.belongs(size, is_batch_end));
        let derived = file.and_then(|f| tiles::content(&f, lines, leaves, &hashes));
        let Some(derived) = derived else {
            // A mirror is never listed: what is here was fetched because the
            // mirror's size calls for it, and when entries are missing there
            // (reported as such) its tiles of that size cannot be derived.
            if scope == Scope::Directory {
                strays.push(name.clone());
            }
            continue;
        };
        match std::fs::read(dir.join(name)) {
            Ok(bytes) if bytes == derived => {}
            Ok(_) => changed.push(name.clone()),
            Err(e) => r.tampering.push(format!("{name}: cannot be read: {e}")),
        }
    }
    let expected = match scope {
        Scope::Directory => tiles::new_files(0, size, batch_ends.iter().copied()),
        Scope::MirrorOfSize => tiles::tiles_of_size(size),
    };
    let mut missing: Vec<String> = expected
        .iter()
        .filter(|f| tiles::content(f, lines, leaves, &hashes).is_some())
        .map(StaticFile::path)
        .filter(|p| !present.contains(p))
        .collect();
    missing.sort();
    // The wording and the caps are the spec's, so that the three verifiers
    // print the same lines.
    listed(
        &mut r.tampering,
        &changed,
        "differs from the bytes derived from the log's entries (changed, or from another history)",
        "files differ from the bytes derived from the log's entries",
    );
    listed(
        &mut r.tampering,
        &strays,
        &format!("not a file of this log of {size} entries (no checkpoint size calls for it)"),
        "files under tile/ and entry/ are not files of this log",
    );
    listed(
        &mut r.notes,
        &missing,
        "missing",
        "static files missing (tile/, entry/: a log written before them, or an incomplete copy)",
    );
}

/// Says `what` of the first [`SHOWN`] names (sorted by their bytes), then
/// how many `more` there are.
fn listed(out: &mut Vec<String>, names: &[String], what: &str, more: &str) {
    out.extend(names.iter().take(SHOWN).map(|name| format!("{name}: {what}")));
    if names.len() > SHOWN {
        out.push(format!("… and {} more {more}", names.len() - SHOWN));
    }
}

/// Adds the files under `dir/rel` (relative names, `/`-separated) to
/// `out`, skipping temporary files (names beginning with `.`).
fn walk(dir: &Path, rel: &str, out: &mut BTreeSet<String>) -> std::io::Result<()> {
    let list = match std::fs::read_dir(dir.join(rel)) {
        Ok(list) => list,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for item in list {
        let item = item?;
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = format!("{rel}/{name}");
        if item.file_type()?.is_dir() {
            walk(dir, &path, out)?;
        } else {
            out.insert(path);
        }
    }
    Ok(())
}
