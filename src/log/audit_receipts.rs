//! `audit verify` on `receipts/`: every file there must be the receipt of
//! the draw its name says, proving that draw's logged bytes against a
//! checkpoint of this very log. A receipt swapped, corrupted or left over
//! from a rewritten history is tampering.

use std::collections::BTreeMap;
use std::path::Path;

use super::audit::Report;
use super::entry::{Entry, Kind};
use super::note::{NoteError, Receipt};
use crate::model::merkle;
use crate::model::merkle::Hash;

pub const RECEIPTS: &str = "receipts";
pub const SUFFIX: &str = ".tlog-proof";

/// Checks every file under `receipts/` against the log of `lines` (the
/// committed entries), `leaves` their hashes, `entries` their parses.
pub fn check(dir: &Path, lines: &[&[u8]], leaves: &[Hash], entries: &[Option<Entry>], vkey: &str, r: &mut Report) {
    let draws: BTreeMap<String, usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.as_ref().is_some_and(|e| e.kind == Kind::DrawResult))
        .map(|(i, _)| (hex::encode(leaves[i]), i))
        .collect();
    let mut names: Vec<String> = match std::fs::read_dir(dir.join(RECEIPTS)) {
        Ok(list) => list.filter_map(|f| f.ok()).map(|f| f.file_name().to_string_lossy().into_owned()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            r.tampering.push(format!("{RECEIPTS}/ cannot be read: {e}"));
            return;
        }
    };
    names.sort();
    let mut checked = 0;
    for name in &names {
        let Some(&index) = name.strip_suffix(SUFFIX).and_then(|id| draws.get(id)) else {
            r.tampering.push(format!(
                "{RECEIPTS}/{name}: names no DrawResult of this log (a receipt is <draw id>{SUFFIX}): renamed, or left over from another history"
            ));
            continue;
        };
        match check_one(&dir.join(RECEIPTS).join(name), index, lines, leaves, vkey) {
            Ok(()) => checked += 1,
            Err(m) => r.tampering.push(format!("{RECEIPTS}/{name}: {m}")),
        }
    }
    r.receipts = checked;
    let missing = draws.keys().filter(|id| !names.contains(&format!("{id}{SUFFIX}"))).count();
    if missing > 0 {
        r.notes
            .push(format!("{missing} draw(s) have no receipt under {RECEIPTS}/ (a receipt is written after its draw)"));
    }
}

/// Why one file under `receipts/` is not the receipt of its draw.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptFinding {
    #[error("cannot be read: {0}")]
    Read(std::io::Error),
    #[error("is not UTF-8 text")]
    NotUtf8,
    #[error("is not a receipt: {0}")]
    NotAReceipt(NoteError),
    #[error("proves entry {proves} ({id}), not the logged bytes of entry {named} its name says")]
    OtherEntry { proves: u64, id: String, named: usize },
    /// The signature or the inclusion proof does not hold.
    #[error("{0}")]
    DoesNotVerify(NoteError),
    #[error("its checkpoint of size {0} is signed but is not a checkpoint of this log: another history was signed")]
    OtherHistory(u64),
}

fn check_one(path: &Path, index: usize, lines: &[&[u8]], leaves: &[Hash], vkey: &str) -> Result<(), ReceiptFinding> {
    let bytes = std::fs::read(path).map_err(ReceiptFinding::Read)?;
    let text = String::from_utf8(bytes).map_err(|_| ReceiptFinding::NotUtf8)?;
    let receipt = Receipt::parse(&text).map_err(ReceiptFinding::NotAReceipt)?;
    if receipt.index != index as u64 || receipt.entry != lines[index] {
        return Err(ReceiptFinding::OtherEntry {
            proves: receipt.index,
            id: hex::encode(crate::model::merkle::leaf_hash(&receipt.entry)),
            named: index,
        });
    }
    let cp = receipt.verify(vkey).map_err(ReceiptFinding::DoesNotVerify)?;
    if cp.size as usize > leaves.len() || cp.root != merkle::root(&leaves[..cp.size as usize]) {
        return Err(ReceiptFinding::OtherHistory(cp.size));
    }
    Ok(())
}
