//! `audit verify`'s checks of one entry against the files and the entries
//! before it. Each failure is a finding of tampering, typed so that the
//! report's line says exactly which check failed.

use std::path::Path;

use serde_json::Value;

use super::audit::{read, AuditError};
use super::beacon;
use super::entry::Entry;
use super::flow::{self, OfferError, Offered};
use super::snapshots::{self, SnapshotError};
use crate::input::plan::stored::StoredPlanError;
use crate::model::merkle::Hash;

/// An entry whose references to earlier entries do not hold.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceFinding {
    #[error("{field} {target} is not an earlier entry")]
    NotEarlier { field: &'static str, target: String },
    #[error("{field} {target} is not a {kind}")]
    WrongKind { field: &'static str, target: String, kind: &'static str },
    #[error("a second beacon for the same commitment (a redraw must be a new commitment)")]
    SecondBeacon,
    #[error("{0}")]
    Beacon(#[from] BeaconFinding),
    #[error("its beacon belongs to another commitment")]
    OtherCommitment,
    #[error("the draw's seed or plan digest differs from its beacon and commitment")]
    SeedOrDigest,
    #[error("{0}")]
    Seal(#[from] super::audit_seal::SealFinding),
}

/// A DrawCommitment whose effective plan is not what the log implies.
#[derive(Debug, thiserror::Error)]
pub enum CommitmentFinding {
    #[error("{0}")]
    Plan(#[from] StoredPlanError),
    #[error("plan_digest is not the digest of the committed plan")]
    Digest,
    #[error("year {said} should be {expected} (inspection_date's year, else the China year of the commit time)")]
    Year { said: Value, expected: u64 },
    #[error("log_exclusions differ from what the earlier draws imply (an exclusion was added or dropped)")]
    Exclusions,
    #[error("log_history differs from the teams of the earlier draws")]
    History,
    #[error("the plan does not apply the log's exclusions or history")]
    NotApplied,
    #[error("{0}")]
    Wakes(#[from] super::wakes::WakeFinding),
    #[error("{0}")]
    Feedback(#[from] super::feedback::FeedbackFinding),
}

/// A RegistrySnapshot whose blob is missing, unreadable or changed.
#[derive(Debug, thiserror::Error)]
pub enum BlobFinding {
    #[error("{0}")]
    Read(#[from] AuditError),
    #[error("snapshot blob {0} is missing")]
    Missing(String),
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    #[error("snapshot {root} has {found} leaves, the entry says {said}")]
    Count { root: String, found: usize, said: Value },
}

/// A BeaconRecord that does not verify against its commitment.
#[derive(Debug, thiserror::Error)]
pub enum BeaconFinding {
    #[error("beacon signature is not hex")]
    SignatureNotHex,
    #[error("randomness is not 32 bytes of hex")]
    RandomnessNotHex,
    #[error("unknown beacon type")]
    UnknownType,
    #[error("beacon does not verify: {0}")]
    DoesNotVerify(#[from] OfferError),
    #[error("recorded randomness differs from the beacon's")]
    RandomnessDiffers,
    #[error("seed is not derived from the commitment and the randomness")]
    SeedDiffers,
    /// A drand round revealed by an entry written before the round was
    /// emitted: the entry's time is false, or the round was known early.
    #[error("logged at {logged}, before its round existed ({round_at})")]
    BeforeRound { logged: String, round_at: String },
}

/// The effective plan: its digest, and what the log added to it must be
/// exactly what the earlier entries imply.
pub(super) fn check_commitment(e: &Entry, earlier: &[Option<Entry>], leaves: &[Hash]) -> Result<(), CommitmentFinding> {
    let plan = crate::input::plan::Plan::from_canonical(&e.body["plan"])?;
    if e.body["plan_digest"] != plan.digest() {
        return Err(CommitmentFinding::Digest);
    }
    let earlier: Vec<(String, &Entry)> =
        earlier.iter().zip(leaves).filter_map(|(x, h)| x.as_ref().map(|x| (hex::encode(h), x))).collect();
    // The year every annual cap counts in: a forged year would dodge them
    // all (LOG-FORMAT "The effective plan").
    let expected = match plan.inspection_date {
        Some(d) => u64::from(d.year),
        None => crate::model::date::china_date_of(&e.time).map_or(0, |d| u64::from(d.year)),
    };
    if e.body["year"].as_u64() != Some(expected) {
        return Err(CommitmentFinding::Year { said: e.body["year"].clone(), expected });
    }
    let year = expected;
    let added = flow::log_additions(&earlier, &plan, year);
    if e.body["log_exclusions"] != Value::Array(added.exclusions.clone()) {
        return Err(CommitmentFinding::Exclusions);
    }
    if e.body["log_history"] != Value::Array(added.history.clone()) {
        return Err(CommitmentFinding::History);
    }
    let excluded = |u: &str| plan.exclude.binary_search(&u.to_string()).is_ok();
    let barred = |p: &Value| plan.history.iter().any(|(u, i)| p[0] == u.as_str() && p[1] == i.as_str());
    if !added.exclusions.iter().all(|x| x["uscc"].as_str().is_some_and(excluded)) || !added.history.iter().all(barred) {
        return Err(CommitmentFinding::NotApplied);
    }
    super::wakes::check(e, &plan, &earlier)?;
    super::feedback::check(e, &plan, &earlier)?;
    Ok(())
}

/// In a protected log the full blob may be under `private/snapshots/` (the
/// operator's log) or absent (a public mirror: the public checks apply).
pub(super) fn check_blob(dir: &Path, e: &Entry, protected: bool) -> Result<(), BlobFinding> {
    let root = e.body["root"].as_str().unwrap_or("");
    let name = snapshots::blob_name(root);
    let found = match read(dir, &name)? {
        Some(gz) => Some(gz),
        None if protected => read(dir, &super::publication::private_blob_name(root))?,
        None => None,
    };
    let gz = match found {
        Some(gz) => gz,
        None if protected => return Ok(()),
        None => return Err(BlobFinding::Missing(name)),
    };
    let leaves = snapshots::unpack(&gz, root)?;
    if leaves.len() as u64 != e.body["count"].as_u64().unwrap_or(u64::MAX) {
        return Err(BlobFinding::Count { root: root.to_string(), found: leaves.len(), said: e.body["count"].clone() });
    }
    Ok(())
}

pub(super) fn check_beacon_record(e: &Entry, commitment: &Entry, commitment_leaf: &Hash) -> Result<(), BeaconFinding> {
    let b = &e.body["beacon"];
    let offered = match b["type"].as_str() {
        Some("drand") => {
            let signature =
                hex::decode(b["signature"].as_str().unwrap_or("")).map_err(|_| BeaconFinding::SignatureNotHex)?;
            let randomness = hex::decode(e.body["randomness"].as_str().unwrap_or(""))
                .ok()
                .and_then(|r| r.try_into().ok())
                .ok_or(BeaconFinding::RandomnessNotHex)?;
            Offered::Drand(beacon::DrandRound { round: b["round"].as_u64().unwrap_or(0), signature, randomness })
        }
        Some("ceremony") => Offered::Ceremony {
            digits: b["digits"].as_str().unwrap_or("").to_string(),
            witnesses: b["witnesses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|w| w.as_str().map(String::from))
                .collect(),
            at: b["at"].as_str().map(String::from),
        },
        _ => return Err(BeaconFinding::UnknownType),
    };
    if let Offered::Drand(round) = &offered {
        before_round(e, &commitment.body["beacon"], round.round)?;
    }
    let (_, randomness) = flow::check_beacon(&commitment.body["beacon"], &offered)?;
    if e.body["randomness"] != hex::encode(randomness) {
        return Err(BeaconFinding::RandomnessDiffers);
    }
    if e.body["seed"] != beacon::derive_seed(commitment_leaf, &randomness) {
        return Err(BeaconFinding::SeedDiffers);
    }
    Ok(())
}

/// A drand beacon record must be written at or after its round's time
/// (genesis + (round − 1)·period of the committed chain), as verify.py and
/// verify.js check it.
fn before_round(e: &Entry, committed: &Value, round: u64) -> Result<(), BeaconFinding> {
    let Some(chain) = committed["chain"].as_str().and_then(beacon::chain) else { return Ok(()) };
    let (Some(at), Ok(logged)) = (beacon::round_time(chain, round), chrono::DateTime::parse_from_rfc3339(&e.time))
    else {
        return Ok(());
    };
    let at = i64::try_from(at).unwrap_or(i64::MAX);
    if logged.timestamp() >= at {
        return Ok(());
    }
    let utc = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    Err(BeaconFinding::BeforeRound {
        logged: utc(logged.timestamp()).unwrap_or_else(|| e.time.clone()),
        round_at: utc(at).unwrap_or_default(),
    })
}
