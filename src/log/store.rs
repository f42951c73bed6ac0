//! The log on disk: entries, their signed checkpoints, snapshot blobs.
//!
//! Commit protocol for a batch of entries (audit/LOG-FORMAT.md):
//! 1. append the entries to `entries.jsonl` (durable);
//! 2. append one signed checkpoint per new tree size to `checkpoints.jsonl`,
//!    the last one marked `batch_end` (durable) — **the commit point**;
//! 3. replace `checkpoint` with the newest note (atomic).
//!
//! Opening for writing repairs what a crash can leave: a torn last line, or
//! entries and checkpoints past the last `batch_end` (never acknowledged) are
//! cut off, and a stale `checkpoint` file is rewritten. Every repair is
//! reported. Opening for reading reports the same findings and changes
//! nothing.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::entry::{self, Entry};
use super::note::{self, Receipt};
use super::proof;
use super::storage::{DirStorage, Storage};
use crate::canonical;
use crate::merkle::{Hash, RootBuilder};

pub const ENTRIES: &str = "entries.jsonl";
pub const CHECKPOINTS: &str = "checkpoints.jsonl";
pub const CHECKPOINT: &str = "checkpoint";
pub const VKEY: &str = "log.pub";
pub const SKEY: &str = "private/log.key";

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Corrupt(String),
    #[error("{0}")]
    Usage(String),
}

fn io(what: &str, e: impl std::fmt::Display) -> LogError {
    LogError::Io(format!("{what}: {e}"))
}

/// One signed checkpoint record of `checkpoints.jsonl`.
#[derive(Clone, Debug)]
pub struct CheckpointRecord {
    pub size: u64,
    pub note: String,
    pub batch_end: bool,
}

/// An open log.
pub struct Log<S: Storage = DirStorage> {
    storage: S,
    pub dir: PathBuf,
    _lock: Option<File>,
    pub origin: String,
    pub vkey: String,
    skey: Option<String>,
    lines: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
    /// Hex ids of the entries, for lookups by id prefix.
    ids: Vec<String>,
    tree: RootBuilder,
    pub checkpoints: Vec<CheckpointRecord>,
    /// What opening found and (for writers) repaired.
    pub findings: Vec<String>,
    poisoned: bool,
}

/// Splits a file into complete lines and the length of a torn tail.
fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let tail = lines.pop().map_or(0, |t| t.len());
    (lines, tail)
}

fn lock(dir: &Path) -> Result<File, LogError> {
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("LOCK"))
        .map_err(|e| io("LOCK", e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(LogError::Locked(format!(
            "another fairdraw process is writing to the log {}; wait for it to finish",
            dir.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(io("locking the log", e)),
    }
}

impl Log<DirStorage> {
    /// Creates a log: keys (private key mode 0600), public verifier key, and
    /// the first entry naming both.
    pub fn init(dir: &Path, origin: &str, time: &str, simulated: bool) -> Result<Log, LogError> {
        if dir.join(VKEY).exists() || dir.join(ENTRIES).exists() {
            return Err(LogError::Usage(format!("{} already holds a log; use another --log directory", dir.display())));
        }
        let (skey, vkey) = note::generate_keys(origin).map_err(LogError::Usage)?;
        fs::create_dir_all(dir.join("private")).map_err(|e| io("creating the log directory", e))?;
        write_private(&dir.join(SKEY), &skey)?;
        let mut storage = DirStorage { dir: dir.to_path_buf() };
        storage.replace(VKEY, format!("{vkey}\n").as_bytes()).map_err(|e| io(VKEY, e))?;
        let mut log = Log::open(storage, true)?;
        log.append(vec![("LogCreated".into(), json!({"origin": origin, "vkey": vkey}))], time, simulated)?;
        Ok(log)
    }

    pub fn open_dir(dir: &Path, write: bool) -> Result<Log, LogError> {
        if !dir.join(VKEY).exists() {
            return Err(LogError::Usage(format!(
                "no log in {} (create one with `fairdraw init --log {}`)",
                dir.display(),
                dir.display()
            )));
        }
        Log::open(DirStorage { dir: dir.to_path_buf() }, write)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, skey: &str) -> Result<(), LogError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let parent = path.parent().expect("key path has a directory");
    fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).map_err(|e| io("private/", e))?;
    let mut f =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| io("private key", e))?;
    f.write_all(format!("{skey}\n").as_bytes()).and_then(|_| f.sync_all()).map_err(|e| io("private key", e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, skey: &str) -> Result<(), LogError> {
    fs::write(path, format!("{skey}\n")).map_err(|e| io("private key", e))
}

impl<S: Storage> Log<S> {
    /// Opens a log in `storage`; a writer takes the lock and repairs.
    pub fn open(storage: S, write: bool) -> Result<Log<S>, LogError> {
        let dir = storage.dir().map(Path::to_path_buf);
        let lock = match (&dir, write) {
            (Some(d), true) => Some(lock(d)?),
            _ => None,
        };
        let vkey_bytes = storage
            .read(VKEY)
            .map_err(|e| io(VKEY, e))?
            .ok_or_else(|| LogError::Usage("the log has no log.pub".into()))?;
        let vkey = String::from_utf8_lossy(&vkey_bytes).trim().to_string();
        let origin = vkey.split('+').next().unwrap_or("").to_string();
        let skey = if write {
            let k = storage
                .read(SKEY)
                .map_err(|e| io(SKEY, e))?
                .ok_or_else(|| LogError::Usage("writing needs the log's private key (private/log.key)".into()))?;
            Some(String::from_utf8_lossy(&k).trim().to_string())
        } else {
            None
        };
        let mut log = Log {
            storage,
            dir: dir.unwrap_or_default(),
            _lock: lock,
            origin,
            vkey,
            skey,
            lines: Vec::new(),
            leaves: Vec::new(),
            ids: Vec::new(),
            tree: RootBuilder::default(),
            checkpoints: Vec::new(),
            findings: Vec::new(),
            poisoned: false,
        };
        log.load(write)?;
        Ok(log)
    }

    fn load(&mut self, repair: bool) -> Result<(), LogError> {
        let cps = self.storage.read(CHECKPOINTS).map_err(|e| io(CHECKPOINTS, e))?.unwrap_or_default();
        let (cp_lines, cp_tail) = split_lines(&cps);
        let mut records = Vec::new();
        for (i, line) in cp_lines.iter().enumerate() {
            let v: Value = serde_json::from_slice(line)
                .map_err(|e| LogError::Corrupt(format!("{CHECKPOINTS} line {}: {e}", i + 1)))?;
            let (Some(size), Some(note), Some(batch_end)) =
                (v["size"].as_u64(), v["checkpoint"].as_str(), v["batch_end"].as_bool())
            else {
                return Err(LogError::Corrupt(format!(
                    "{CHECKPOINTS} line {}: lacks size, checkpoint or batch_end",
                    i + 1
                )));
            };
            records.push(CheckpointRecord { size, note: note.to_string(), batch_end });
        }
        let committed = records.iter().rposition(|r| r.batch_end).map_or(0, |p| p + 1);
        let committed_size = if committed == 0 { 0 } else { records[committed - 1].size };
        let cp_keep: usize = cp_lines[..committed].iter().map(|l| l.len() + 1).sum();
        if cp_keep < cps.len() {
            let dropped = records.len() - committed;
            self.finding(repair, format!("{CHECKPOINTS}: {} trailing bytes of an interrupted write ({dropped} unfinished record(s), torn {cp_tail} bytes)", cps.len() - cp_keep));
            if repair {
                self.storage.truncate(CHECKPOINTS, cp_keep as u64).map_err(|e| io(CHECKPOINTS, e))?;
            }
        }
        records.truncate(committed);

        let data = self.storage.read(ENTRIES).map_err(|e| io(ENTRIES, e))?.unwrap_or_default();
        let (lines, tail) = split_lines(&data);
        if (lines.len() as u64) < committed_size {
            return Err(LogError::Corrupt(format!(
                "{ENTRIES} holds {} entries but the signed checkpoints cover {committed_size}: entries were deleted",
                lines.len()
            )));
        }
        let keep: usize = lines[..committed_size as usize].iter().map(|l| l.len() + 1).sum();
        if keep < data.len() {
            let extra = lines.len() - committed_size as usize;
            self.finding(repair, format!("{ENTRIES}: {} trailing bytes never acknowledged ({extra} complete entr{} past the last checkpoint, torn {tail} bytes)", data.len() - keep, if extra == 1 { "y" } else { "ies" }));
            if repair {
                self.storage.truncate(ENTRIES, keep as u64).map_err(|e| io(ENTRIES, e))?;
            }
        }
        for line in &lines[..committed_size as usize] {
            let leaf = entry::leaf_of(line);
            self.tree.push(leaf);
            self.leaves.push(leaf);
            self.ids.push(hex::encode(leaf));
            self.lines.push(line.to_vec());
        }
        self.checkpoints = records;
        if let Some(newest) = self.checkpoints.last().map(|c| c.note.clone()) {
            let current = self.storage.read(CHECKPOINT).map_err(|e| io(CHECKPOINT, e))?;
            if current.as_deref() != Some(newest.as_bytes()) {
                self.finding(repair, format!("{CHECKPOINT} was not the newest signed checkpoint"));
                if repair {
                    self.storage.replace(CHECKPOINT, newest.as_bytes()).map_err(|e| io(CHECKPOINT, e))?;
                }
            }
        }
        Ok(())
    }

    fn finding(&mut self, repaired: bool, what: String) {
        self.findings.push(if repaired {
            format!("repaired: {what}")
        } else {
            format!("found: {what} (not part of the log; the next write removes it)")
        });
    }

    pub fn len(&self) -> u64 {
        self.lines.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn line(&self, i: u64) -> &[u8] {
        &self.lines[i as usize]
    }

    pub fn leaves(&self) -> &[Hash] {
        &self.leaves
    }

    pub fn id(&self, i: u64) -> String {
        self.ids[i as usize].clone()
    }

    pub fn entry(&self, i: u64) -> Result<Entry, String> {
        Entry::parse(&self.lines[i as usize], i)
    }

    /// Index of the entry whose id is `id` or starts with it (≥ 8 hex digits).
    pub fn find(&self, id: &str) -> Result<u64, LogError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 8 {
            return Err(LogError::Usage(format!("entry id {id:?} is too short: give at least 8 hex digits")));
        }
        let hits: Vec<u64> = (0..self.len()).filter(|&i| self.ids[i as usize].starts_with(&id)).collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(LogError::Usage(format!("no entry with id {id} in the log"))),
            _ => Err(LogError::Usage(format!("entry id prefix {id} is ambiguous"))),
        }
    }

    pub fn latest_checkpoint(&self) -> Option<&str> {
        self.checkpoints.last().map(|c| c.note.as_str())
    }

    /// Appends a batch atomically and returns the new entries' ids.
    pub fn append(
        &mut self,
        items: Vec<(String, Value)>,
        time: &str,
        simulated: bool,
    ) -> Result<Vec<String>, LogError> {
        if self.poisoned {
            return Err(LogError::Usage("an earlier write failed: reopen the log".into()));
        }
        let skey = self.skey.clone().ok_or_else(|| LogError::Usage("log opened read-only".into()))?;
        let mut tree = self.tree.clone();
        let mut lines = Vec::new();
        let mut entries_bytes = Vec::new();
        let mut records = Vec::new();
        let n = items.len();
        for (k, (kind, body)) in items.into_iter().enumerate() {
            let e = Entry { index: self.len() + k as u64, kind, time: time.to_string(), simulated, body };
            let line = e.to_bytes();
            tree.push(entry::leaf_of(&line));
            let text = note::checkpoint_text(&self.origin, tree.size(), &tree.root());
            let signed = note::sign(&text, &skey).map_err(LogError::Usage)?;
            let record = CheckpointRecord { size: tree.size(), note: signed, batch_end: k + 1 == n };
            records.extend(canonical::to_bytes(
                &json!({"size": record.size, "checkpoint": record.note, "batch_end": record.batch_end}),
            ));
            records.push(b'\n');
            entries_bytes.extend_from_slice(&line);
            entries_bytes.push(b'\n');
            lines.push((line, record));
        }
        self.poisoned = true;
        self.storage.append(ENTRIES, &entries_bytes).map_err(|e| io(ENTRIES, e))?;
        self.storage.append(CHECKPOINTS, &records).map_err(|e| io(CHECKPOINTS, e))?;
        let newest = lines.last().map(|(_, r)| r.note.clone()).unwrap_or_default();
        self.storage.replace(CHECKPOINT, newest.as_bytes()).map_err(|e| io(CHECKPOINT, e))?;
        self.poisoned = false;
        let mut ids = Vec::new();
        for (line, record) in lines {
            let leaf = entry::leaf_of(&line);
            ids.push(hex::encode(leaf));
            self.ids.push(hex::encode(leaf));
            self.leaves.push(leaf);
            self.lines.push(line);
            self.checkpoints.push(record);
        }
        self.tree = tree;
        Ok(ids)
    }

    /// Stores a blob under `name` unless it is already there.
    pub fn put_blob(&mut self, name: &str, bytes: &[u8]) -> Result<(), LogError> {
        if self.storage.read(name).map_err(|e| io(name, e))?.is_none() {
            self.storage.replace(name, bytes).map_err(|e| io(name, e))?;
        }
        Ok(())
    }

    pub fn blob(&self, name: &str) -> Result<Option<Vec<u8>>, LogError> {
        self.storage.read(name).map_err(|e| io(name, e))
    }

    /// A receipt for entry `i` against the newest checkpoint.
    pub fn receipt(&self, i: u64) -> Result<Receipt, LogError> {
        let checkpoint =
            self.latest_checkpoint().ok_or_else(|| LogError::Usage("the log has no checkpoint".into()))?.to_string();
        Ok(Receipt {
            index: i,
            proof: proof::inclusion_proof(&self.leaves, i),
            entry: self.lines[i as usize].clone(),
            checkpoint,
        })
    }
}
