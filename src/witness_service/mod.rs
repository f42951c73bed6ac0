//! The witness service (C2SP tlog-witness), `fairdraw witness serve`. It
//! sits in the server layer: it verifies consistency with the log's proof
//! code and stores its state through the log's storage. The formats it
//! speaks are in [`crate::witness`].
//!
//! A witness cosigns a log's checkpoint only when it is
//! consistent with the largest tree of that log the witness has cosigned,
//! and remembers that tree durably *before* answering, so that no crash can
//! make it go back.
//!
//! The witness directory holds `witness.key` (0600), `witness.pub`, `LOCK`
//! (one serving process per directory) and `state/<SHA-256 of the origin>`,
//! one canonical JSON record per log: `{"origin","root","size"}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use signed_note::{Note, StandardVerifier, Verifier, VerifierList};

use crate::log::proof::verify_consistency;
use crate::log::storage::{DirStorage, Storage};
use crate::model::merkle::Hash;
use crate::witness::cosig::{KeyError, WitnessSigner};
use crate::witness::protocol::{AddCheckpoint, SIZE_CONTENT_TYPE};

pub const KEY_FILE: &str = "witness.key";
pub const PUB_FILE: &str = "witness.pub";
const LOCK_FILE: &str = "LOCK";

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{path}: {cause}")]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{0} already holds a witness key: refusing to overwrite it")]
    Exists(PathBuf),
    #[error("{path}: {cause}")]
    Key { path: PathBuf, cause: KeyError },
    #[error(transparent)]
    Name(#[from] KeyError),
    #[error("--log-vkey {vkey:?} is not a log verifier key: {cause}")]
    LogKey { vkey: String, cause: signed_note::VerifierError },
    #[error("another `fairdraw witness serve` already uses {0}")]
    Busy(PathBuf),
    #[error("witness state {path} is damaged: {reason}; restore it from a backup (the witness never guesses)")]
    State { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WitnessError + '_ {
    move |cause| WitnessError::Io { path: path.to_path_buf(), cause }
}

/// Creates a witness key in `dir`; returns its verifier key.
pub fn init(dir: &Path, name: &str) -> Result<String, WitnessError> {
    use std::os::unix::fs::OpenOptionsExt;
    let signer = WitnessSigner::generate(name)?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let key_path = dir.join(KEY_FILE);
    // create_new: an existing key is never overwritten; 0600 from the start.
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&key_path).map_err(|cause| {
            match cause.kind() {
                std::io::ErrorKind::AlreadyExists => WitnessError::Exists(key_path.clone()),
                _ => WitnessError::Io { path: key_path.clone(), cause },
            }
        })?;
    std::io::Write::write_all(&mut f, format!("{}\n", signer.to_skey()).as_bytes()).map_err(io(&key_path))?;
    f.sync_all().map_err(io(&key_path))?;
    let vkey = signer.verifier().to_vkey();
    DirStorage { dir: dir.to_path_buf() }.replace(PUB_FILE, format!("{vkey}\n").as_bytes()).map_err(io(dir))?;
    Ok(vkey)
}

/// The latest tree of one log this witness cosigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogState {
    pub origin: String,
    pub root: String,
    pub size: u64,
}

/// An answer to `add-checkpoint`: status, content type, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        body.push('\n');
        Answer { status, content_type: "text/plain; charset=utf-8", body }
    }
}

/// Where the witness's clock comes from.
#[derive(Clone, Copy, Debug)]
pub enum WitnessClock {
    System,
    /// A fixed simulated time (tests, demos).
    Fixed(u64),
}

impl WitnessClock {
    fn now(self) -> u64 {
        match self {
            WitnessClock::Fixed(t) => t,
            WitnessClock::System => {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
            }
        }
    }
}

pub struct Witness {
    signer: WitnessSigner,
    /// Per origin: the log's verifier keys, and the lock that serialises its requests.
    logs: HashMap<String, (Vec<String>, Mutex<()>)>,
    dir: PathBuf,
    clock: WitnessClock,
    _lock: std::fs::File,
}

impl Witness {
    /// Opens the witness in `dir` for the logs whose keys are `log_vkeys`
    /// (each key's name is the log's origin).
    pub fn open(dir: &Path, log_vkeys: &[String], clock: WitnessClock) -> Result<Witness, WitnessError> {
        let key_path = dir.join(KEY_FILE);
        let skey = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
        let signer = WitnessSigner::parse(&skey).map_err(|cause| WitnessError::Key { path: key_path, cause })?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = crate::log::storage::try_lock_file(&lock_path)
            .map_err(io(&lock_path))?
            .ok_or_else(|| WitnessError::Busy(dir.to_path_buf()))?;
        let mut logs: HashMap<String, (Vec<String>, Mutex<()>)> = HashMap::new();
        for vkey in log_vkeys {
            let verifier = StandardVerifier::new(vkey.trim())
                .map_err(|cause| WitnessError::LogKey { vkey: vkey.clone(), cause })?;
            logs.entry(verifier.name().to_string()).or_default().0.push(vkey.trim().to_string());
        }
        let witness = Witness { signer, logs, dir: dir.to_path_buf(), clock, _lock: lock };
        // A damaged state file stops the witness at start, not at the first request.
        for origin in witness.logs.keys() {
            witness.state(origin)?;
        }
        Ok(witness)
    }

    pub fn vkey(&self) -> String {
        self.signer.verifier().to_vkey()
    }

    fn state_name(origin: &str) -> String {
        format!("state/{}", hex::encode(Sha256::digest(origin.as_bytes())))
    }

    /// The stored state of `origin`, `None` before its first cosignature.
    pub fn state(&self, origin: &str) -> Result<Option<LogState>, WitnessError> {
        let name = Self::state_name(origin);
        let path = self.dir.join(&name);
        let storage = DirStorage { dir: self.dir.clone() };
        let Some(bytes) = storage.read(&name).map_err(io(&path))? else {
            return Ok(None);
        };
        let damaged = |reason: String| WitnessError::State { path: path.clone(), reason };
        let state: LogState = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if state.origin != origin || parse_root(&state.root).is_none() {
            return Err(damaged("it names another origin or holds no root".into()));
        }
        Ok(Some(state))
    }

    fn store(&self, state: &LogState) -> Result<(), WitnessError> {
        let bytes = crate::model::canonical::to_bytes(&serde_json::to_value(state).expect("plain struct"));
        let mut storage = DirStorage { dir: self.dir.clone() };
        storage.replace(&Self::state_name(&state.origin), &bytes).map_err(io(&self.dir))
    }

    /// Handles one `add-checkpoint` request body (blocking: it fsyncs).
    pub fn add_checkpoint(&self, body: &[u8]) -> Answer {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return Answer::text(400, e.to_string()),
        };
        let Ok(note) = Note::from_bytes(request.checkpoint.as_bytes()) else {
            return Answer::text(400, "the checkpoint is not a signed note");
        };
        let Ok(checkpoint) = tlog_tiles::Checkpoint::from_bytes(note.text()) else {
            return Answer::text(400, "the note is not a checkpoint (origin, size, root lines)");
        };
        let origin = checkpoint.origin();
        let Some((vkeys, lock)) = self.logs.get(origin) else {
            return Answer::text(404, format!("unknown log origin {origin:?}"));
        };
        let verifiers = vkeys
            .iter()
            .filter_map(|k| StandardVerifier::new(k).ok())
            .map(|v| Box::new(v) as Box<dyn Verifier>)
            .collect();
        if note.verify(&VerifierList::new(verifiers)).is_err() {
            return Answer::text(403, format!("no valid signature by a known key of {origin:?}"));
        }
        let (size, root) = (checkpoint.size(), checkpoint.hash().0);
        if request.old > size {
            return Answer::text(400, format!("old size {} is larger than the checkpoint's {size}", request.old));
        }
        // One request per log at a time: the check and the update are atomic.
        let _serial = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let known = match self.state(origin) {
            Ok(s) => s,
            Err(e) => return Answer::text(500, e.to_string()),
        };
        let (known_size, known_root) = known.as_ref().map(|s| (s.size, parse_root(&s.root))).unwrap_or((0, None));
        if request.old != known_size {
            tracing::warn!(origin, old = request.old, known_size, size, "add-checkpoint: old size is not ours");
            return Answer { status: 409, content_type: SIZE_CONTENT_TYPE, body: format!("{known_size}\n") };
        }
        match known_root {
            Some(known_root) if size == known_size && root != known_root => {
                tracing::warn!(origin, size, "add-checkpoint: same size, other root: a fork");
                return Answer { status: 409, content_type: SIZE_CONTENT_TYPE, body: format!("{known_size}\n") };
            }
            // Every tree extends the empty one: from size 0 there is nothing to prove.
            Some(known_root)
                if known_size > 0
                    && size > known_size
                    && !verify_consistency(known_size, size, &known_root, &root, &request.proof) =>
            {
                tracing::warn!(origin, known_size, size, "add-checkpoint: consistency proof fails");
                return Answer::text(
                    422,
                    format!("the consistency proof from size {known_size} to {size} does not verify"),
                );
            }
            _ => {}
        }
        let state = LogState { origin: origin.to_string(), root: hex::encode(root), size };
        if let Err(e) = self.store(&state) {
            tracing::error!(origin, "add-checkpoint: cannot store the state: {e}");
            return Answer::text(500, "cannot store the witness state");
        }
        let line = self.signer.at(self.clock.now()).cosign_line(note.text());
        tracing::info!(origin, size, "cosigned");
        Answer { status: 200, content_type: "text/plain; charset=utf-8", body: line }
    }
}

fn parse_root(hex_root: &str) -> Option<Hash> {
    hex::decode(hex_root).ok().and_then(|b| Hash::try_from(b).ok())
}

/// The witness's HTTP interface: `POST /add-checkpoint`.
pub fn router(witness: std::sync::Arc<Witness>) -> axum::Router {
    use axum::extract::{DefaultBodyLimit, State};
    use axum::http::header;
    use axum::response::IntoResponse;
    async fn add(State(w): State<std::sync::Arc<Witness>>, body: axum::body::Bytes) -> axum::response::Response {
        // fsync inside: off the async workers.
        let answer = match tokio::task::spawn_blocking(move || w.add_checkpoint(&body)).await {
            Ok(a) => a,
            Err(_) => Answer::text(500, "the witness failed"),
        };
        let status =
            axum::http::StatusCode::from_u16(answer.status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, [(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response()
    }
    axum::Router::new()
        .route("/add-checkpoint", axum::routing::post(add))
        .layer(DefaultBodyLimit::max(crate::witness::protocol::MAX_REQUEST_BYTES))
        .with_state(witness)
}

#[cfg(test)]
mod tests;
