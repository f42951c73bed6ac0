//! What the server keeps: where the log is, and views derived from it that
//! are rebuilt whenever `entries.jsonl` grows. Nothing here is not in the log.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::error::{ApiError, ApiResult};
use crate::date::Date;
use crate::inputs::Inputs;
use crate::log::entry::Entry;
use crate::log::flow;
use crate::log::store::Log;
use crate::merkle::Hash;

pub struct Config {
    pub log_dir: PathBuf,
    pub web_dir: PathBuf,
    /// SHA-256 of the regulator's bearer token; `None` disables writes.
    pub token_sha256: Option<[u8; 32]>,
    /// Fixed "today" for tests; the real date in China otherwise.
    pub today: Option<Date>,
    pub max_body_bytes: usize,
}

/// A logged draw's inputs rebuilt from its snapshots, with leaf hashes for
/// inclusion proofs.
pub struct Rebuilt {
    pub inputs: Inputs,
    pub enterprise_leaves: Vec<Hash>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

/// The log and what is derived from it, shared by concurrent requests.
#[derive(Clone)]
pub struct View {
    pub log: Arc<Log>,
    pub draws: Arc<Vec<super::draws::Drawn>>,
}

pub struct Shared {
    pub config: Config,
    view: Mutex<Option<(u64, View)>>,
    rebuilt: Mutex<HashMap<String, Arc<Rebuilt>>>,
    /// One writer at a time inside this process (the log's file lock guards
    /// against other processes).
    pub writing: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(config: Config) -> AppState {
        AppState(Arc::new(Shared {
            config,
            view: Mutex::new(None),
            rebuilt: Mutex::new(HashMap::new()),
            writing: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The log as it is now, re-read when it has grown.
    pub fn log(&self) -> ApiResult<Arc<Log>> {
        Ok(self.view()?.log)
    }

    /// The log and its draws, parsed once per change of `entries.jsonl`.
    pub fn view(&self) -> ApiResult<View> {
        let entries = self.0.config.log_dir.join(crate::log::store::ENTRIES);
        let size = std::fs::metadata(entries).map(|m| m.len()).unwrap_or(0);
        let mut cached = self.0.view.lock().map_err(ApiError::internal)?;
        if let Some((s, view)) = cached.as_ref() {
            if *s == size {
                return Ok(view.clone());
            }
        }
        let log = Arc::new(Log::open_dir(&self.0.config.log_dir, false)?);
        let view = View { draws: Arc::new(super::draws::all(&log)), log };
        *cached = Some((size, view.clone()));
        Ok(view)
    }

    /// A commitment's inputs, rebuilt once and kept (snapshots never change).
    pub fn rebuilt(&self, log: &Log, commitment_id: &str, commitment: &Entry) -> ApiResult<Arc<Rebuilt>> {
        if let Some(r) = self.0.rebuilt.lock().map_err(ApiError::internal)?.get(commitment_id) {
            return Ok(r.clone());
        }
        let inputs = flow::committed_inputs(log, commitment).map_err(|e| ApiError {
            status: axum::http::StatusCode::CONFLICT,
            message: format!("the draw's snapshots do not rebuild: {e}"),
        })?;
        let reg = &inputs.enterprises;
        let enterprise_leaves = reg
            .rows
            .iter()
            .map(|e| {
                let mut buf = Vec::new();
                crate::snapshot::enterprise_leaf(reg, e, &mut buf);
                crate::merkle::leaf_hash(&buf)
            })
            .collect();
        let r = Arc::new(Rebuilt { inputs, enterprise_leaves });
        self.0.rebuilt.lock().map_err(ApiError::internal)?.insert(commitment_id.to_string(), r.clone());
        Ok(r)
    }

    /// Today in China (UTC+8), unless fixed by the configuration.
    pub fn today(&self) -> Date {
        if let Some(d) = self.0.config.today {
            return d;
        }
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
            + 8 * 3600;
        let stamp =
            humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)).to_string();
        Date::parse(&stamp[..10]).unwrap_or(Date { year: 2026, month: 1, day: 1 })
    }
}
