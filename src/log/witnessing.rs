//! The log's witnesses at work (audit/LOG-FORMAT.md §"How the writer talks
//! to witnesses" and §"What 'witnessed' means"): asking the policy's
//! witnesses to cosign the newest checkpoint, and judging the records of
//! `cosignatures.jsonl` — the same judgement for the writer (before a
//! reveal) and for `audit verify`.

use std::collections::BTreeMap;

use super::note;
use super::policy::{Policy, PolicyWitness};
use super::proof;
use super::storage::Storage;
use super::store::{CosignedRecord, Log, LogError};
use crate::witness::client::{self, Reply};
use crate::witness::cosig::{cosigned_by, split_note, Cosigned};
use crate::witness::protocol::AddCheckpoint;

/// Why one witness gave no cosignature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessFailure {
    #[error("witness {name} has seen size {theirs} of this log; this log has {ours}: it was rolled back or forked")]
    Ahead { name: String, theirs: u64, ours: u64 },
    #[error("witness {name} refused the tree of size {ours}: it does not extend the tree of size {from} the witness cosigned: this log was rolled back or forked")]
    Inconsistent { name: String, from: u64, ours: u64 },
    #[error("witness {name} refused (HTTP {status}): {reason}")]
    Refused { name: String, status: u16, reason: String },
    #[error("{0}")]
    Unreachable(String),
    #[error("witness {name} answered no valid cosignature by its key")]
    BadCosignature { name: String },
}

impl WitnessFailure {
    /// A witness that has seen another history: the log must not go on as if.
    pub fn is_fork(&self) -> bool {
        matches!(self, WitnessFailure::Ahead { .. } | WitnessFailure::Inconsistent { .. })
    }
}

/// What asking the witnesses gave.
#[derive(Debug)]
pub struct Cosigning {
    pub size: u64,
    /// Names of the witnesses that cosigned.
    pub cosigned: Vec<String>,
    pub failures: Vec<WitnessFailure>,
    pub quorum: usize,
    pub of: usize,
}

impl Cosigning {
    pub fn has_quorum(&self) -> bool {
        self.cosigned.len() >= self.quorum
    }

    /// One line per failure, then the count.
    pub fn explain(&self) -> String {
        let mut out: Vec<String> = self.failures.iter().map(|f| f.to_string()).collect();
        out.push(format!(
            "{} of {} witness(es) cosigned the tree of size {} (quorum {})",
            self.cosigned.len(),
            self.of,
            self.size,
            self.quorum
        ));
        out.join("\n")
    }
}

/// A record of `cosignatures.jsonl` that is a checkpoint of this log.
#[derive(Debug)]
pub struct CheckedRecord {
    pub line: usize,
    pub size: u64,
    pub checkpoint: String,
    /// Per witness name: the time of its valid cosignature.
    pub times: BTreeMap<String, u64>,
    /// Names of policy witnesses whose line does not verify.
    pub invalid: Vec<String>,
}

/// Checks each record against the log (log signature, size, root) and
/// `policy`'s keys; records that are not of this log come back as problems.
pub fn check_records<S: Storage>(
    log: &Log<S>,
    records: &[(usize, CosignedRecord)],
    policy: &Policy,
) -> (Vec<CheckedRecord>, Vec<String>) {
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    let mut largest = 0;
    for (line, r) in records {
        let what = format!("{} line {line}", super::store::COSIGNATURES);
        let cp = match note::open(&r.checkpoint, &log.vkey) {
            Ok(cp) => cp,
            Err(e) => {
                problems.push(format!("{what}: the log's signature does not verify: {e}"));
                continue;
            }
        };
        if cp.size != r.size
            || cp.size > log.len()
            || cp.root != crate::model::merkle::root(&log.leaves()[..cp.size as usize])
        {
            problems.push(format!(
                "{what}: not a checkpoint of this log (size {}, root differs or beyond the log)",
                r.size
            ));
            continue;
        }
        if cp.size < largest {
            problems.push(format!("{what}: size {} after size {largest}: sizes never decrease", cp.size));
        }
        largest = largest.max(cp.size);
        let Ok(split) = split_note(&r.checkpoint) else {
            problems.push(format!("{what}: not a signed note"));
            continue;
        };
        let mut times = BTreeMap::new();
        let mut invalid = Vec::new();
        for w in &policy.witnesses {
            match cosigned_by(&split, &w.key) {
                Cosigned::At(t) => {
                    times.insert(w.name.clone(), t);
                }
                Cosigned::Invalid => invalid.push(w.name.clone()),
                Cosigned::Absent => {}
            }
        }
        checked.push(CheckedRecord { line: *line, size: r.size, checkpoint: r.checkpoint.clone(), times, invalid });
    }
    (checked, problems)
}

/// The smallest-size record with size > `index` holding valid cosignatures of
/// at least `policy.quorum` witnesses made before `deadline` (any time
/// when `None`), with how many.
pub fn witnessing_record<'a>(
    records: &'a [CheckedRecord],
    policy: &Policy,
    index: u64,
    deadline: Option<u64>,
) -> Option<(&'a CheckedRecord, usize)> {
    let count = |r: &CheckedRecord| r.times.values().filter(|&&t| deadline.is_none_or(|d| t < d)).count();
    records
        .iter()
        .filter(|r| r.size > index)
        .map(|r| (r, count(r)))
        .filter(|(_, k)| *k >= policy.quorum)
        .min_by_key(|(r, _)| r.size)
}

/// The most witnesses of `policy` that cosigned one record with size >
/// `index` before `deadline`.
pub fn best_count(records: &[CheckedRecord], index: u64, deadline: Option<u64>) -> usize {
    records
        .iter()
        .filter(|r| r.size > index)
        .map(|r| r.times.values().filter(|&&t| deadline.is_none_or(|d| t < d)).count())
        .max()
        .unwrap_or(0)
}

/// Asks every witness of `policy` to cosign the log's newest checkpoint
/// and stores what they answer in `cosignatures.jsonl` — whatever they
/// answer when `store_partial`, else only a quorum (so that a refused
/// reveal writes nothing at all).
pub fn cosign<S: Storage + Sync>(
    log: &mut Log<S>,
    policy: &Policy,
    store_partial: bool,
) -> Result<Cosigning, LogError> {
    let note = log.latest_checkpoint().ok_or(LogError::Damaged("the log has no checkpoint yet".into()))?.to_string();
    let size = log.len();
    let (records, _) = log.cosigned_records()?;
    let (checked, _) = check_records(log, &records, policy);
    let text = split_note(&note).map_err(|e| LogError::Damaged(format!("the newest checkpoint: {e}")))?.text;
    let mut lines = String::new();
    let mut cosigned = Vec::new();
    let mut failures = Vec::new();
    // All witnesses at once: a slow or unreachable one costs one timeout, not one each.
    let shared: &Log<S> = log;
    let answers: Vec<Result<String, WitnessFailure>> = std::thread::scope(|scope| {
        let asks: Vec<_> = policy
            .witnesses
            .iter()
            .map(|w| {
                // The largest size we hold a valid cosignature of this witness for.
                let old = checked.iter().filter(|r| r.times.contains_key(&w.name)).map(|r| r.size).max().unwrap_or(0);
                let note = &note;
                scope.spawn(move || ask(shared, w, note, old))
            })
            .collect();
        asks.into_iter()
            .zip(&policy.witnesses)
            .map(|(h, w)| {
                h.join().unwrap_or_else(|_| {
                    Err(WitnessFailure::Unreachable(format!("witness {}: the request failed", w.name)))
                })
            })
            .collect()
    });
    for (w, answer) in policy.witnesses.iter().zip(answers) {
        match answer {
            Ok(answer) => {
                let valid: Vec<&str> = answer
                    .split_inclusive('\n')
                    .filter(|line| {
                        split_note(&format!("{text}\n{line}"))
                            .is_ok_and(|one| matches!(cosigned_by(&one, &w.key), Cosigned::At(_)))
                    })
                    .collect();
                if valid.is_empty() {
                    failures.push(WitnessFailure::BadCosignature { name: w.name.clone() });
                } else {
                    lines.extend(valid);
                    cosigned.push(w.name.clone());
                }
            }
            Err(f) => {
                tracing::warn!("{f}");
                failures.push(f);
            }
        }
    }
    let result = Cosigning { size, cosigned, failures, quorum: policy.quorum, of: policy.witnesses.len() };
    if !lines.is_empty() && (store_partial || result.has_quorum()) {
        log.append_cosigned(size, &format!("{note}{lines}"))?;
    }
    Ok(result)
}

/// One add-checkpoint exchange, retried once from the witness's size when
/// it names a size this log has (LOG-FORMAT: "retries once from N").
fn ask<S: Storage>(log: &Log<S>, w: &PolicyWitness, note: &str, old: u64) -> Result<String, WitnessFailure> {
    let size = log.len();
    let request = |old: u64| AddCheckpoint {
        old,
        proof: if old == 0 || old >= size { vec![] } else { proof::consistency_proof(log.leaves(), old) },
        checkpoint: note.to_string(),
    };
    let send = |old: u64| {
        client::add_checkpoint(&w.url, &request(old)).map_err(|e| WitnessFailure::Unreachable(e.to_string()))
    };
    let mut sent = old;
    let mut reply = send(old)?;
    if let Reply::Conflict(theirs) = reply {
        if theirs > size {
            return Err(WitnessFailure::Ahead { name: w.name.clone(), theirs, ours: size });
        }
        if theirs != old {
            sent = theirs;
            reply = send(theirs)?;
        }
    }
    match reply {
        Reply::Cosigned(lines) => Ok(lines.concat()),
        // Our size again, or the same size with another root: another history.
        Reply::Conflict(theirs) => Err(WitnessFailure::Ahead { name: w.name.clone(), theirs, ours: size }),
        Reply::Refused { status: 422, .. } => {
            Err(WitnessFailure::Inconsistent { name: w.name.clone(), from: sent, ours: size })
        }
        Reply::Refused { status, reason } => Err(WitnessFailure::Refused { name: w.name.clone(), status, reason }),
    }
}
