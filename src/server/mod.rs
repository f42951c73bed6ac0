//! `fairdraw serve`: the publication server (一公开). The library owns the
//! router ([`app`]); `main` only wires. Every response is derived from the
//! audit log; writes go through the log too.

mod aftercare;
mod auth;
mod commitments;
mod draws;
pub mod error;
mod firm;
mod listen;
pub mod login_limit;
mod lookup;
mod pending;
mod plans;
mod recording;
mod regulator;
mod replace;
mod results;
mod results_v2;
mod review;
mod router;
pub mod state;
mod stats;
mod witnesses;

pub use listen::{serve, shutdown_signal, ServeOptions};
pub use router::{app, API_ROUTES, REQUEST_TIMEOUT};
pub use state::{AppState, Config};

/// Another server already serves this log.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("another `fairdraw serve` is already serving the log {0}: one server per log (its writes would fail)")]
    Taken(std::path::PathBuf),
    #[error("cannot lock {path}: {cause}")]
    Io { path: std::path::PathBuf, cause: std::io::Error },
}

/// Claims the log for one server process (`SERVE.lock`, held by the
/// returned file until it is dropped). Writers from the CLI still take the
/// log's own write lock per write and so can work beside the server.
pub fn claim(log_dir: &std::path::Path) -> Result<std::fs::File, ClaimError> {
    let path = log_dir.join("SERVE.lock");
    match crate::log::storage::try_lock_file(&path) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(ClaimError::Taken(log_dir.to_path_buf())),
        Err(cause) => Err(ClaimError::Io { path, cause }),
    }
}
