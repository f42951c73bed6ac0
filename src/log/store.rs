//! The log on disk: entries, their signed checkpoints, snapshot blobs.
//!
//! Commit protocol for a batch of entries (audit/LOG-FORMAT.md, "Writing"):
//! 1. append the entries to `entries.jsonl` (durable);
//! 2. append one signed checkpoint record per new tree size to
//!    `checkpoints.jsonl`, the last one marked `batch_end` (durable) — **the
//!    commit point**: from here on the batch is acknowledged;
//! 3. replace `checkpoint` with the newest note (atomic).
//!
//! Opening ("Opening and repair" in LOG-FORMAT.md) checks the three files
//! against each other and against the log's key, and never destroys
//! acknowledged data. A writer may cut only a tail that is provably an
//! unfinished batch — bytes past the last `batch_end` record while the
//! signed `checkpoint` file is no newer than that record — and moves what it
//! cuts to `recovered/`. Anything else (checkpoint records missing for
//! entries that exist, a checkpoint that does not verify or does not match
//! the entries, entries missing) is [`LogError::Damaged`]: nobody may write,
//! every byte stays as it is, and `audit verify` says what is wrong.
//!
//! Entries are parsed once, when the log is opened or appended to; lookups
//! by id use an index.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use super::entry::{self, Entry, EntryError, Kind};
use super::note::{self, Receipt};
use super::proof;
use super::publication::{Publication, BLIND_KEY};
use super::storage::{try_lock_file, DirStorage, Storage};
use super::tiles::TileHashes;
use crate::model::canonical;
use crate::model::merkle::{Hash, RootBuilder};

mod cosigned;
mod load;
mod statics;

pub use cosigned::{CosignedRecord, CosignedRecords};

pub const ENTRIES: &str = "entries.jsonl";
pub const CHECKPOINTS: &str = "checkpoints.jsonl";
pub const CHECKPOINT: &str = "checkpoint";
pub const VKEY: &str = "log.pub";
pub const SKEY: &str = "private/log.key";
pub const RECOVERED: &str = "recovered";
pub const COSIGNATURES: &str = "cosignatures.jsonl";

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{what}: {cause}")]
    Io { what: String, cause: std::io::Error },
    #[error("another fairdraw process is writing to the log {}; wait for it to finish", .0.display())]
    Locked(PathBuf),
    #[error("no log in {} (create one with `fairdraw init --log {}`)", .0.display(), .0.display())]
    NoLog(PathBuf),
    #[error("{} already holds a log; use another --log directory", .0.display())]
    Exists(PathBuf),
    /// The files contradict each other or the key: nothing may be written.
    #[error("the log is damaged and was left exactly as it is: {0}. Run `fairdraw audit verify` for the full report; restore the missing or damaged file from a backup")]
    Damaged(String),
    #[error("no entry with id {0} in the log")]
    NotFound(String),
    #[error("entry id prefix {0} is ambiguous")]
    Ambiguous(String),
    #[error("entry id {0:?} is not an id: give at least 8 hex digits")]
    BadId(String),
    #[error("entry {index} is not a valid entry: {error}")]
    BadEntry { index: u64, error: EntryError },
    #[error("the log was opened read-only")]
    ReadOnly,
    #[error("an earlier write failed; reopen the log")]
    Poisoned,
    #[error("writing needs the log's private key ({SKEY})")]
    NoKey,
    #[error("log key: {0}")]
    Key(#[from] super::note::NoteError),
}

impl LogError {
    fn io(what: impl Into<String>, cause: std::io::Error) -> LogError {
        LogError::Io { what: what.into(), cause }
    }
}

/// One signed checkpoint record of `checkpoints.jsonl`.
#[derive(Clone, Debug)]
pub struct CheckpointRecord {
    pub size: u64,
    pub note: String,
    pub batch_end: bool,
}

/// An open log. A reader's copy is cheap ([`Log::reader`]): lines and
/// entries are shared.
pub struct Log<S: Storage = DirStorage> {
    storage: S,
    pub dir: PathBuf,
    lock: Option<File>,
    pub origin: String,
    pub vkey: String,
    skey: Option<String>,
    lines: Vec<Arc<[u8]>>,
    entries: Vec<Result<Arc<Entry>, EntryError>>,
    leaves: Vec<Hash>,
    ids: BTreeMap<Hash, u64>,
    tree: RootBuilder,
    /// Hashes of the tiles above level 0, for the static files.
    tile_hashes: TileHashes,
    /// Sizes whose checkpoint record ends a batch (committed ones).
    batch_ends: Vec<u64>,
    /// Records in `checkpoints.jsonl` and the newest (batch-end) note.
    records: u64,
    latest: Option<String>,
    /// Bytes of `entries.jsonl` and `checkpoints.jsonl` this log accounts for.
    entries_bytes: u64,
    records_bytes: u64,
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

/// Takes the writer's lock. A lock held by a process that is about to exit
/// (or by a child forked while the file was open, until it execs) is given a
/// moment to go away before the answer is "someone else is writing".
fn lock(dir: &Path) -> Result<File, LogError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        match try_lock_file(&dir.join("LOCK")).map_err(|e| LogError::io("locking the log", e))? {
            Some(f) => return Ok(f),
            None if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(50)),
            None => return Err(LogError::Locked(dir.to_path_buf())),
        }
    }
}

impl Log<DirStorage> {
    /// Creates a log: keys (private key mode 0600), public verifier key, and
    /// the first entry naming both.
    /// The log is `full`.
    pub fn init(dir: &Path, origin: &str, time: &str, simulated: bool) -> Result<Log, LogError> {
        Log::init_with(dir, origin, time, simulated, Publication::Full, Vec::new())
    }

    /// [`Log::init`] with a publication mode and more entries in the first
    /// batch (the witness policy at index 1). A protected log says so in its
    /// LogCreated body and gets its blinding secret; a full log's LogCreated
    /// has no `publication` field, which means `full` (LOG-FORMAT), so that
    /// it reads as every full log written before modes existed.
    pub fn init_with(
        dir: &Path,
        origin: &str,
        time: &str,
        simulated: bool,
        publication: Publication,
        more: Vec<(Kind, Value)>,
    ) -> Result<Log, LogError> {
        if dir.join(VKEY).exists() || dir.join(ENTRIES).exists() {
            return Err(LogError::Exists(dir.to_path_buf()));
        }
        let (skey, vkey) = note::generate_keys(origin).map_err(LogError::Key)?;
        fs::create_dir_all(dir.join("private")).map_err(|e| LogError::io("creating the log directory", e))?;
        write_private(&dir.join(SKEY), &skey)?;
        if publication == Publication::Protected {
            let mut secret = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
            write_private(&dir.join(BLIND_KEY), &hex::encode(secret))?;
        }
        let mut storage = DirStorage { dir: dir.to_path_buf() };
        storage.replace(VKEY, format!("{vkey}\n").as_bytes()).map_err(|e| LogError::io(VKEY, e))?;
        let mut log = Log::open(storage, true)?;
        let mut created = json!({"origin": origin, "vkey": vkey});
        if publication == Publication::Protected {
            created["publication"] = json!(publication.as_str());
        }
        let mut batch = vec![(Kind::LogCreated, created)];
        batch.extend(more);
        log.append(batch, time, simulated)?;
        Ok(log)
    }

    pub fn open_dir(dir: &Path, write: bool) -> Result<Log, LogError> {
        if !dir.join(VKEY).exists() {
            return Err(LogError::NoLog(dir.to_path_buf()));
        }
        Log::open(DirStorage { dir: dir.to_path_buf() }, write)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, skey: &str) -> Result<(), LogError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let parent = path.parent().expect("key path has a directory");
    fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).map_err(|e| LogError::io("private/", e))?;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| LogError::io(path.display().to_string(), e))?;
    f.write_all(format!("{skey}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| LogError::io(path.display().to_string(), e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, skey: &str) -> Result<(), LogError> {
    fs::write(path, format!("{skey}\n")).map_err(|e| LogError::io(path.display().to_string(), e))
}

/// Whether the `checkpoint` file holds the newest note, alone or followed
/// by witness cosignature lines (LOG-FORMAT §"`cosignatures.jsonl` and the
/// `checkpoint` file").
///
/// A line after the note under the log's own key name is not a cosignature:
/// a second (even bad) signature of the log's key makes the file another
/// note, as verify.py and verify.js read it.
pub(crate) fn is_newest(current: &[u8], newest: &str) -> bool {
    let own: Vec<String> = super::note::signature_lines(newest).map(|s| s.name().to_string()).collect();
    let cosignature = |line: &String| {
        let line = line.trim_end_matches('\n').as_bytes();
        signed_note::Signature::from_bytes(line).is_ok_and(|s| !own.iter().any(|n| n == s.name()))
    };
    match current.strip_prefix(newest.as_bytes()) {
        Some([]) => true,
        Some(rest) => std::str::from_utf8(rest).is_ok_and(|r| {
            crate::witness::protocol::parse_cosignatures(r).is_ok_and(|lines| lines.iter().all(cosignature))
        }),
        None => false,
    }
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
            .map_err(|e| LogError::io(VKEY, e))?
            .ok_or_else(|| dir.clone().map_or(LogError::Damaged(format!("the log has no {VKEY}")), LogError::NoLog))?;
        let vkey = String::from_utf8_lossy(&vkey_bytes).trim().to_string();
        let origin = vkey.split('+').next().unwrap_or("").to_string();
        let skey = if write {
            let k = storage.read(SKEY).map_err(|e| LogError::io(SKEY, e))?.ok_or(LogError::NoKey)?;
            Some(String::from_utf8_lossy(&k).trim().to_string())
        } else {
            None
        };
        let mut log = Log {
            storage,
            dir: dir.unwrap_or_default(),
            lock,
            origin,
            vkey,
            skey,
            lines: Vec::new(),
            entries: Vec::new(),
            leaves: Vec::new(),
            ids: BTreeMap::new(),
            tree: RootBuilder::default(),
            tile_hashes: TileHashes::default(),
            batch_ends: Vec::new(),
            records: 0,
            latest: None,
            entries_bytes: 0,
            records_bytes: 0,
            findings: Vec::new(),
            poisoned: false,
        };
        log.load(write)?;
        if write {
            log.write_missing_static();
        }
        Ok(log)
    }

    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, LogError> {
        self.storage.read(name).map_err(|e| LogError::io(name, e))
    }

    /// A read-only copy of the log as it is now, sharing its entries.
    pub fn reader(&self) -> Log<S>
    where
        S: Clone,
    {
        Log {
            storage: self.storage.clone(),
            dir: self.dir.clone(),
            lock: None,
            origin: self.origin.clone(),
            vkey: self.vkey.clone(),
            skey: None,
            lines: self.lines.clone(),
            entries: self.entries.clone(),
            leaves: self.leaves.clone(),
            ids: self.ids.clone(),
            tree: self.tree.clone(),
            tile_hashes: self.tile_hashes.clone(),
            batch_ends: self.batch_ends.clone(),
            records: self.records,
            latest: self.latest.clone(),
            entries_bytes: self.entries_bytes,
            records_bytes: self.records_bytes,
            findings: Vec::new(),
            poisoned: false,
        }
    }

    /// Whether the files still hold exactly what this log accounts for (no
    /// other process wrote since it was opened or last appended to).
    pub fn is_current(&self) -> Result<bool, LogError> {
        let current = self.read(CHECKPOINT)?;
        let same = match (&current, &self.latest) {
            (Some(c), Some(latest)) => is_newest(c, latest),
            (None, None) => true,
            _ => false,
        };
        if !same {
            return Ok(false);
        }
        let len = |name: &str| self.storage.len(name).map_err(|e| LogError::io(name, e));
        Ok(len(ENTRIES)? == Some(self.entries_bytes) && len(CHECKPOINTS)? == Some(self.records_bytes))
    }

    /// Gives up the writer's lock (a long-lived writer takes it per write).
    pub fn unlock(&mut self) {
        self.lock = None;
    }

    /// Takes the writer's lock again; `Ok(false)` when the files changed
    /// meanwhile (the caller must reopen).
    pub fn relock(&mut self) -> Result<bool, LogError> {
        if self.skey.is_none() {
            return Err(LogError::ReadOnly);
        }
        if self.lock.is_none() {
            if let Some(d) = self.storage.dir() {
                self.lock = Some(lock(d)?);
            }
        }
        self.is_current()
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
        hex::encode(self.leaves[i as usize])
    }

    /// Entry `i`, parsed when the log was opened.
    pub fn entry(&self, i: u64) -> Result<Arc<Entry>, LogError> {
        self.entries[i as usize].clone().map_err(|error| LogError::BadEntry { index: i, error })
    }

    /// Every valid entry with its index, oldest first.
    pub fn valid_entries(&self) -> impl Iterator<Item = (u64, &Arc<Entry>)> + '_ {
        self.entries.iter().enumerate().filter_map(|(i, e)| e.as_ref().ok().map(|e| (i as u64, e)))
    }

    /// Index of the entry whose id is `id` or starts with it (≥ 8 hex digits).
    pub fn find(&self, id: &str) -> Result<u64, LogError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 8 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LogError::BadId(id));
        }
        let bound = |fill: char| -> Hash {
            let mut full = id.clone();
            full.extend(std::iter::repeat_n(fill, 64 - id.len()));
            hex::decode(full).ok().and_then(|b| b.try_into().ok()).expect("64 hex digits")
        };
        let mut hits = self.ids.range(bound('0')..=bound('f'));
        match (hits.next(), hits.next()) {
            (Some((_, &one)), None) => Ok(one),
            (None, _) => Err(LogError::NotFound(id)),
            _ => Err(LogError::Ambiguous(id)),
        }
    }

    /// Whether a write failed half-way (the log must be reopened).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    pub fn latest_checkpoint(&self) -> Option<&str> {
        self.latest.as_deref()
    }

    /// Appends a batch atomically and returns the new entries' ids.
    pub fn append(&mut self, items: Vec<(Kind, Value)>, time: &str, simulated: bool) -> Result<Vec<String>, LogError> {
        if self.poisoned {
            return Err(LogError::Poisoned);
        }
        let skey = self.skey.clone().ok_or(LogError::ReadOnly)?;
        if self.lock.is_none() && self.storage.dir().is_some() {
            return Err(LogError::ReadOnly);
        }
        let mut tree = self.tree.clone();
        let mut batch = Vec::new();
        let mut entries_bytes = Vec::new();
        let mut records = Vec::new();
        let n = items.len();
        for (k, (kind, body)) in items.into_iter().enumerate() {
            let e = Entry { index: self.len() + k as u64, kind, time: time.to_string(), simulated, body };
            let line = e.to_bytes();
            let leaf = entry::leaf_of(&line);
            tree.push(leaf);
            let text = note::checkpoint_text(&self.origin, tree.size(), &tree.root());
            let signed = note::sign(&text, &skey).map_err(LogError::Key)?;
            records.extend(canonical::to_bytes(
                &json!({"size": tree.size(), "checkpoint": signed, "batch_end": k + 1 == n}),
            ));
            records.push(b'\n');
            entries_bytes.extend_from_slice(&line);
            entries_bytes.push(b'\n');
            batch.push((line, leaf, e, signed));
        }
        self.poisoned = true;
        self.storage.append(ENTRIES, &entries_bytes).map_err(|e| LogError::io(ENTRIES, e))?;
        self.storage.append(CHECKPOINTS, &records).map_err(|e| LogError::io(CHECKPOINTS, e))?;
        // Committed: from here on nothing may turn the write into an error.
        let from = self.len();
        let newest = batch.last().map(|b| b.3.clone()).unwrap_or_default();
        self.entries_bytes += entries_bytes.len() as u64;
        self.records_bytes += records.len() as u64;
        self.records += n as u64;
        let mut ids = Vec::new();
        for (line, leaf, e, _) in batch {
            ids.push(hex::encode(leaf));
            self.ids.insert(leaf, self.len());
            self.leaves.push(leaf);
            self.lines.push(Arc::from(line));
            self.entries.push(Ok(Arc::new(e)));
        }
        self.latest = Some(newest.clone());
        self.tree = tree;
        if n > 0 {
            self.batch_ends.push(self.len());
        }
        self.tile_hashes.extend(&self.leaves);
        // Before `checkpoint` names the new size, so that a mirror copying
        // `checkpoint` last finds every file it needs.
        self.write_static(from);
        // A failure to refresh `checkpoint` is repaired by the next open.
        if let Err(e) = self.storage.replace(CHECKPOINT, newest.as_bytes()) {
            self.findings.push(format!("`{CHECKPOINT}` could not be refreshed ({e}); the next open rewrites it"));
        } else {
            self.poisoned = false;
        }
        Ok(ids)
    }

    /// Stores a blob under `name` unless it is already there.
    pub fn put_blob(&mut self, name: &str, bytes: &[u8]) -> Result<(), LogError> {
        if self.read(name)?.is_none() {
            self.storage.replace(name, bytes).map_err(|e| LogError::io(name, e))?;
        }
        Ok(())
    }

    pub fn blob(&self, name: &str) -> Result<Option<Vec<u8>>, LogError> {
        self.read(name)
    }

    /// A full snapshot's blob: `snapshots/<root>.jsonl.gz` (a full log, or an
    /// auditor export), else `private/snapshots/<root>.jsonl.gz` (the
    /// operator's own protected log).
    pub fn snapshot_blob(&self, root_hex: &str) -> Result<Option<Vec<u8>>, LogError> {
        match self.read(&super::snapshots::blob_name(root_hex))? {
            Some(b) => Ok(Some(b)),
            None => self.read(&super::publication::private_blob_name(root_hex)),
        }
    }

    /// A receipt for entry `i` against the newest checkpoint.
    pub fn receipt(&self, i: u64) -> Result<Receipt, LogError> {
        let checkpoint = self.latest.clone().ok_or_else(|| LogError::NotFound(format!("#{i} (the log is empty)")))?;
        Ok(Receipt {
            index: i,
            proof: proof::inclusion_proof(&self.leaves, i),
            entry: self.line(i).to_vec(),
            checkpoint,
        })
    }
}
