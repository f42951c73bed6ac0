//! Where the log's bytes live, behind a small trait with a written
//! durability contract, so that tests can inject faults.
//!
//! Contract, for every method that returns `Ok`:
//! - `append`: the bytes are on stable storage at the end of the file (data
//!   and, for a new file, its directory entry have been fsynced).
//! - `replace`: the file holds exactly the new bytes or, after a crash at any
//!   instant, exactly the old ones (write to a temporary file, fsync it,
//!   rename, fsync the directory).
//! - `truncate`: the file is durably cut to `len` bytes.
//!
//! An `Err` promises nothing: the caller must treat the outcome as unknown
//! and re-read the files (the log does so by reopening).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub trait Storage {
    /// The whole file, or `None` when it does not exist.
    fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>>;
    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;
    fn replace(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;
    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()>;
    /// The file's length, or `None` when it does not exist.
    fn len(&self, name: &str) -> io::Result<Option<u64>> {
        Ok(self.read(name)?.map(|b| b.len() as u64))
    }
    /// The directory behind the storage, when there is one (for locking).
    fn dir(&self) -> Option<&Path> {
        None
    }
}

/// Takes an exclusive `flock` on `path` (created if missing) without
/// waiting: `Ok(None)` when another open file holds it. The lock lasts as
/// long as the returned file.
pub fn try_lock_file(path: &Path) -> io::Result<Option<File>> {
    let f = OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Files in one directory.
#[derive(Clone, Debug)]
pub struct DirStorage {
    pub dir: PathBuf,
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl DirStorage {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `replace` with bytes that `write` streams out (buffered), so that a
    /// large file need not be held whole first; same contract.
    pub fn replace_with(&self, name: &str, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let path = self.path(name);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&parent)?;
        let tmp = parent.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
        {
            let mut out = io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
            write(&mut out)?;
            out.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        sync_dir(&parent)
    }
}

impl Storage for DirStorage {
    fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path(name)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(name);
        let existed = path.exists();
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut f = OpenOptions::new().create(true).append(true).open(&path)?;
        f.write_all(bytes)?;
        f.sync_data()?;
        if !existed {
            sync_dir(path.parent().unwrap_or(&self.dir))?;
        }
        Ok(())
    }

    fn replace(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.replace_with(name, |f| f.write_all(bytes))
    }

    fn dir(&self) -> Option<&Path> {
        Some(&self.dir)
    }

    fn len(&self, name: &str) -> io::Result<Option<u64>> {
        match fs::metadata(self.path(name)) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
        let f = OpenOptions::new().write(true).open(self.path(name))?;
        f.set_len(len)?;
        f.sync_all()
    }
}

/// Files in memory, for tests: the same contract, trivially (nothing is
/// lost because nothing crashes). Clones share the files.
#[derive(Clone, Default, Debug)]
pub struct MemStorage {
    files: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>>,
}

impl MemStorage {
    fn files(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, Vec<u8>>> {
        self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Removes a file (tests: a deleted file).
    pub fn remove(&self, name: &str) {
        self.files().remove(name);
    }

    /// Puts bytes in place (tests: a damaged or restored file).
    pub fn put(&self, name: &str, bytes: &[u8]) {
        self.files().insert(name.to_string(), bytes.to_vec());
    }

    /// Names of the files whose name starts with `prefix`.
    pub fn names(&self, prefix: &str) -> Vec<String> {
        self.files().keys().filter(|k| k.starts_with(prefix)).cloned().collect()
    }
}

impl Storage for MemStorage {
    fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(self.files().get(name).cloned())
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.files().entry(name.to_string()).or_default().extend_from_slice(bytes);
        Ok(())
    }

    fn replace(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.files().insert(name.to_string(), bytes.to_vec());
        Ok(())
    }

    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
        match self.files().get_mut(name) {
            Some(f) => {
                f.truncate(len as usize);
                Ok(())
            }
            None => Err(io::Error::new(io::ErrorKind::NotFound, name.to_string())),
        }
    }
}

/// A storage that fails on purpose, for tests of what survives a failure.
pub mod faults {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Fault {
        /// The call fails and nothing reaches the file.
        BeforePersist,
        /// The bytes are durable, but the call reports failure.
        AfterPersist,
        /// Only the first half of the bytes reaches the file, then failure.
        ShortWrite,
    }

    /// Wraps a storage; the `nth` mutating call (0-based) fails with `fault`.
    pub struct Faulty<S> {
        pub inner: S,
        pub fault: Fault,
        pub nth: usize,
        calls: usize,
    }

    impl<S: Storage> Faulty<S> {
        pub fn new(inner: S, fault: Fault, nth: usize) -> Faulty<S> {
            Faulty { inner, fault, nth, calls: 0 }
        }

        fn strike(&mut self) -> Option<Fault> {
            self.calls += 1;
            (self.calls - 1 == self.nth).then_some(self.fault)
        }
    }

    fn injected() -> io::Error {
        io::Error::other("injected fault")
    }

    impl<S: Storage> Storage for Faulty<S> {
        fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
            self.inner.read(name)
        }

        fn dir(&self) -> Option<&Path> {
            self.inner.dir()
        }

        fn len(&self, name: &str) -> io::Result<Option<u64>> {
            self.inner.len(name)
        }

        fn append(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
            match self.strike() {
                None => self.inner.append(name, bytes),
                Some(Fault::BeforePersist) => Err(injected()),
                Some(Fault::AfterPersist) => self.inner.append(name, bytes).and(Err(injected())),
                Some(Fault::ShortWrite) => self.inner.append(name, &bytes[..bytes.len() / 2]).and(Err(injected())),
            }
        }

        fn replace(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
            match self.strike() {
                None => self.inner.replace(name, bytes),
                // A rename is atomic: a short write cannot be seen through it.
                Some(Fault::BeforePersist) | Some(Fault::ShortWrite) => Err(injected()),
                Some(Fault::AfterPersist) => self.inner.replace(name, bytes).and(Err(injected())),
            }
        }

        fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
            match self.strike() {
                None => self.inner.truncate(name, len),
                Some(Fault::AfterPersist) => self.inner.truncate(name, len).and(Err(injected())),
                Some(_) => Err(injected()),
            }
        }
    }
}
