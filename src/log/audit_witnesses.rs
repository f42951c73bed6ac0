//! `audit verify`'s witness checks (audit/LOG-FORMAT.md §"Witnesses and
//! cosignatures"): every record of `cosignatures.jsonl` is a checkpoint of
//! this log, every cosignature line of a known witness verifies, and every
//! revealed draw's commitment was witnessed before its deadline.

use std::collections::BTreeSet;

use super::audit::Report;
use super::entry::Kind;
use super::flow;
use super::policy::Policy;
use super::store::{Log, COSIGNATURES};
use super::witnessing::{check_records, witnessing_record, CheckedRecord};

fn time_text(t: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t)).to_string()
}

/// Adds the witness findings to `r`; returns whether a witness quorum of
/// the current policy anchors the history (a cosigned record).
pub fn check(log: &Log, r: &mut Report) -> bool {
    let (records, bad) = match log.cosigned_records() {
        Ok(x) => x,
        Err(e) => {
            r.tampering.push(format!("{COSIGNATURES}: cannot be read: {e}"));
            return false;
        }
    };
    for b in bad {
        // An interrupted append leaves a torn last line: a crash, not a forgery.
        if b.contains("unfinished line") {
            r.notes.push(b);
        } else {
            r.tampering.push(b);
        }
    }
    // Structure and this log's signature, independent of any policy.
    let (_, problems) = check_records(log, &records, &Policy { witnesses: Vec::new(), quorum: 0 });
    r.tampering.extend(problems);
    let mut failing = BTreeSet::new();
    let mut judge = |policy: &Policy| -> Vec<CheckedRecord> {
        let (checked, _) = check_records(log, &records, policy);
        for c in &checked {
            for name in &c.invalid {
                failing.insert(format!(
                    "{COSIGNATURES} line {}: the cosignature of witness {name} does not verify (size {})",
                    c.line, c.size
                ));
            }
        }
        checked
    };
    for (ri, result) in log.valid_entries().filter(|(_, e)| e.kind == Kind::DrawResult) {
        let draw = log.id(ri);
        let Some(ci) = result.body["commitment"].as_str().and_then(|c| log.find(c).ok()) else { continue };
        let Ok(commitment) = log.entry(ci) else { continue };
        let Some((_, policy)) = Policy::in_force(log, ci) else {
            r.notes.push(format!("draw {draw}: unwitnessed: the operator could have re-rolled this draw"));
            continue;
        };
        let checked = judge(&policy);
        let at = result.body["beacon"]
            .as_str()
            .and_then(|b| log.find(b).ok())
            .and_then(|bi| log.entry(bi).ok())
            .and_then(|b| b.body["beacon"]["at"].as_str().map(String::from));
        let deadline = match flow::deadline(&commitment, at.as_deref()) {
            Ok(t) => t,
            Err(e) => {
                r.tampering.push(format!("draw {draw}: revealed under a witness policy without a deadline: {e}"));
                continue;
            }
        };
        let n = policy.witnesses.len();
        match witnessing_record(&checked, &policy, ci, Some(deadline)) {
            Some((_, k)) => r.witnessed.push(format!(
                "draw {draw}: commitment witnessed by {k} of {n} before {}",
                time_text(deadline)
            )),
            None => r.tampering.push(format!(
                "draw {draw}: revealed, but its commitment was not witnessed by {} of {n} witnesses before {}: the operator could have re-rolled this draw",
                policy.quorum,
                time_text(deadline)
            )),
        }
        if witnessing_record(&checked, &policy, ri, None).is_none() {
            r.notes.push(format!(
                "draw {draw}: reveal not yet witnessed: until it is, a rollback and a second reveal would go unnoticed (`fairdraw cosign --log L` asks again)"
            ));
        }
    }
    let anchored = match Policy::in_force(log, log.len()) {
        Some((_, policy)) => {
            let checked = judge(&policy);
            witnessing_record(&checked, &policy, 0, None).is_some()
        }
        None => false,
    };
    r.tampering.extend(failing);
    anchored
}
