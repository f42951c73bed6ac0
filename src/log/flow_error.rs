//! Why a step of commit → beacon → reveal refused: the typed errors of
//! [`super::flow`]. The server answers by variant (see
//! `server::regulator::flow_error`), never by message text.

use super::beacon::BeaconError;
use super::snapshots::SnapshotError;
use super::store::LogError;
use super::witnessing::{Cosigning, WitnessFailure};
use crate::input::plan::stored::StoredPlanError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("{0}")]
    Refused(String),
    /// The offered randomness does not fit the commitment.
    #[error("{0}")]
    Beacon(#[from] OfferError),
    /// The commitment's inputs do not rebuild from the log.
    #[error("{0}")]
    Rebuild(#[from] RebuildError),
    /// The witness deadline cannot be determined.
    #[error("{0}")]
    Time(#[from] TimeError),
    /// The witnesses gave no quorum; `unreachable` when none of them
    /// answered at all (a network problem, not a refusal).
    #[error("{message}")]
    Witnesses { message: String, unreachable: bool },
}

impl FlowError {
    pub fn witnesses(what: &str, c: &Cosigning) -> FlowError {
        let unreachable =
            !c.failures.is_empty() && c.failures.iter().all(|f| matches!(f, WitnessFailure::Unreachable(_)));
        FlowError::Witnesses { message: format!("{what}\n{}", c.explain()), unreachable }
    }
}

/// A time given on the command line or found in a commitment.
#[derive(Debug, thiserror::Error)]
pub enum TimeError {
    #[error("--now {text:?} is not RFC 3339 (e.g. 2026-11-25T09:00:00Z): {cause}")]
    BadNow { text: String, cause: humantime::TimestampError },
    #[error("--now is before 1970")]
    NowBeforeEpoch,
    #[error("{0:?} is not an RFC 3339 UTC time with seconds and Z (e.g. 2026-11-25T09:00:00Z)")]
    NotUtcSeconds(String),
    #[error("the commitment lacks its round_time")]
    NoRoundTime,
    #[error("a ceremony reveal under a witness policy needs --at RFC3339 (the ceremony's time)")]
    NoCeremonyTime,
}

/// A `--beacon` choice that is not `drand:quicknet:ROUND` or `ceremony`.
#[derive(Debug, thiserror::Error)]
pub enum BeaconSpecError {
    #[error("unknown drand chain {0:?} (known: quicknet)")]
    UnknownChain(String),
    #[error("drand round {0:?} is not a number")]
    BadRound(String),
    #[error("--beacon {0:?}: use drand:quicknet:ROUND or ceremony")]
    Malformed(String),
}

/// Randomness offered at reveal that the commitment does not accept.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    #[error("the commitment names an unknown drand chain")]
    UnknownChain,
    #[error("the commitment is to drand round {want}, not round {offered}")]
    WrongRound { want: u64, offered: u64 },
    #[error("{0}")]
    Beacon(#[from] BeaconError),
    #[error("the ceremony time --at {0}")]
    CeremonyTime(TimeError),
    #[error("the commitment expects a {0} beacon")]
    OtherType(String),
    #[error("the commitment has no beacon type")]
    NoType,
}

/// A commitment whose inputs cannot be rebuilt from the log alone.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("{0}")]
    Plan(#[from] StoredPlanError),
    #[error("commitment lacks the {0} root")]
    NoRoot(&'static str),
    #[error("no RegistrySnapshot entry for the {registry} root {root}")]
    NoSnapshotEntry { registry: &'static str, root: String },
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("snapshot blob {0} is missing")]
    MissingBlob(String),
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    /// A protected log's private snapshots, salts or blinding secret.
    #[error("{0}")]
    Protected(#[from] super::protected::ProtectedError),
}
