//! The auditor export (audit/LOG-FORMAT.md, "The auditor export"): a copy
//! of the log directory with every public file, plus the full snapshots and
//! their salts from `private/snapshots/` placed beside the public ones in
//! `snapshots/`, and nothing else from `private/` (no keys, no sealed
//! documents, no pending results).

use std::fs;
use std::path::{Path, PathBuf};

use super::store::{Log, LogError};

/// Files of a log directory that are neither public nor part of the log.
const NOT_EXPORTED: &[&str] = &["private", "LOCK", "SERVE.lock"];

/// Where the auditor snapshots wait in a protected log.
pub const PRIVATE_SNAPSHOTS: &str = "private/snapshots";

/// Why an export was refused or failed (nothing is left half-written
/// silently: the error names the file).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{} exists and is not empty: give a new or empty directory", .0.display())]
    NotEmpty(PathBuf),
    #[error("{} lies inside the log {}: give a directory outside it", .out.display(), .log.display())]
    InsideLog { out: PathBuf, log: PathBuf },
    #[error("{}: {cause}", .path.display())]
    Io { path: PathBuf, cause: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |cause| ExportError::Io { path: path.to_path_buf(), cause }
}

/// What an export copied.
#[derive(Debug, Default)]
pub struct Exported {
    pub public_files: usize,
    pub auditor_files: usize,
}

/// Writes the auditor export of the log in `log_dir` to `out`, holding the
/// log's writer lock so that no batch is half copied.
pub fn for_auditor(log_dir: &Path, out: &Path) -> Result<Exported, ExportError> {
    if fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(ExportError::NotEmpty(out.to_path_buf()));
    }
    let log = Log::open_dir(log_dir, true)?;
    let log_abs = std::path::absolute(&log.dir).map_err(io(&log.dir))?;
    let out_abs = std::path::absolute(out).map_err(io(out))?;
    if out_abs.starts_with(&log_abs) {
        return Err(ExportError::InsideLog { out: out.to_path_buf(), log: log_dir.to_path_buf() });
    }
    fs::create_dir_all(&out_abs).map_err(io(out))?;
    let mut done = Exported::default();
    copy_public(&log_abs, &out_abs, true, &mut done)?;
    let private = log_abs.join(PRIVATE_SNAPSHOTS);
    if private.is_dir() {
        fs::create_dir_all(out_abs.join("snapshots")).map_err(io(&out_abs))?;
        for entry in fs::read_dir(&private).map_err(io(&private))? {
            let path = entry.map_err(io(&private))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_file() && (name.ends_with(".jsonl.gz") || name.ends_with(".salts.gz")) {
                copy(&path, &out_abs.join("snapshots").join(name))?;
                done.auditor_files += 1;
            }
        }
    }
    drop(log);
    Ok(done)
}

fn copy(from: &Path, to: &Path) -> Result<(), ExportError> {
    fs::copy(from, to).map_err(io(from))?;
    fs::File::open(to).and_then(|f| f.sync_all()).map_err(io(to))
}

/// Copies `from` into `to`, leaving out what is not public at the top.
fn copy_public(from: &Path, to: &Path, top: bool, done: &mut Exported) -> Result<(), ExportError> {
    for entry in fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Temporary files of an interrupted atomic write are not part of the log.
        if (top && NOT_EXPORTED.contains(&name.as_ref())) || name.starts_with('.') {
            continue;
        }
        let (source, target) = (entry.path(), to.join(name.as_ref()));
        let kind = entry.file_type().map_err(io(&source))?;
        if kind.is_dir() {
            fs::create_dir_all(&target).map_err(io(&target))?;
            copy_public(&source, &target, false, done)?;
        } else if kind.is_file() {
            copy(&source, &target)?;
            done.public_files += 1;
        }
    }
    Ok(())
}
