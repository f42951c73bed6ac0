//! `audit verify`'s check of every `Replacement` entry (audit/LOG-FORMAT.md
//! "Replacing an inspector"): rules 1–3 from the entries before it, and rule
//! 4 — the list recomputed from the commitment's snapshots — when the full
//! snapshots are at hand. A protected log's public mirror gets the reduced
//! checks: the new ids are in the blinded inspector snapshot with the
//! department their slot requires, and no id is twice in a team.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::audit_protected;
use super::entry::{Entry, Kind};
use super::flow;
use super::replace::{self, Draw};
use super::store::Log;
use crate::input::files::Inputs;
use crate::input::plan::Plan;

/// Tampering findings, one line each, naming the entry.
pub fn check(dir: &Path, entries: &[(String, &Entry)], protected: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut log: Option<Option<Log>> = None;
    let mut inputs: HashMap<String, Result<Arc<Inputs>, String>> = HashMap::new();
    for (k, (id, e)) in entries.iter().enumerate().filter(|(_, (_, e))| e.kind == Kind::Replacement) {
        let result = e.body["result"].as_str().unwrap_or_default();
        let at = format!("entry {} (Replacement {}, draw {})", e.index, &id[..16], &result[..result.len().min(16)]);
        let old = e.body["inspector"].as_str().unwrap_or_default();
        let draw = match replace::draw_of(&entries[..k], result) {
            Ok(d) => d,
            Err(m) => {
                found.push(format!("{at}: {m}"));
                continue;
            }
        };
        if let Err(m) = draw.check(old, e.body["reason"].as_str().unwrap_or_default()) {
            found.push(format!("{at}: {m}"));
            continue;
        }
        let logged = e.body["replacements"].as_array().cloned().unwrap_or_default();
        if protected && !audit_protected::has_full_snapshots(dir, &draw.commitment.body) {
            found.extend(public_checks(dir, &draw, &logged).into_iter().map(|m| format!("{at}: {m}")));
            continue;
        }
        let barred = draw.barred(old);
        for r in &logged {
            if let Some(new) = r["inspector"].as_str().filter(|n| barred.contains(*n)) {
                found.push(format!(
                    "{at}: puts {new} into slot {} of {}, but {new} was replaced in this draw and may never return",
                    r["slot"], r["uscc"]
                ));
            }
        }
        let rebuilt = inputs.entry(result.to_string()).or_insert_with(|| {
            let log = log.get_or_insert_with(|| Log::open_dir(dir, false).ok());
            match log {
                Some(log) => flow::committed_inputs(log, draw.commitment).map(Arc::new).map_err(|e| e.to_string()),
                None => Err("the log does not open for reading".to_string()),
            }
        });
        let expected = match rebuilt {
            Ok(inputs) => draw.pick(inputs, old),
            Err(m) => {
                found.push(format!("{at}: not recomputed: {m}"));
                continue;
            }
        };
        match expected {
            Ok(list) if list == logged => {}
            Ok(list) => found.push(format!(
                "{at}: replacements {} are not what the rule picks ({}): the pick was chosen, not drawn",
                Value::Array(logged),
                Value::Array(list)
            )),
            Err(m) => found.push(format!("{at}: the rule leaves no valid replacement: {m}")),
        }
    }
    found
}

/// A protected log without the auditor export: the teams after the
/// replacement pass the public team checks (every id in the blinded
/// inspector snapshot, of the department its slot requires, none twice in a
/// team) that they passed before it.
fn public_checks(dir: &Path, draw: &Draw<'_>, logged: &[Value]) -> Vec<String> {
    let plan = match Plan::from_canonical(&draw.commitment.body["plan"]) {
        Ok(p) => p,
        Err(e) => return vec![format!("its commitment's plan: {e}")],
    };
    let view = match audit_protected::blinded_view(dir, &draw.commitment.body) {
        Ok(v) => v,
        Err(m) => return vec![format!("its commitment's blinded snapshots: {m}")],
    };
    let before = draw.teams();
    let body = serde_json::json!({"replacements": logged});
    let after = replace::apply(&Value::Array(before.clone()), &[&body]);
    let problems = |teams: &[Value]| audit_protected::check_teams(&view, &plan, &teams.iter().collect::<Vec<_>>());
    let was = problems(&before);
    problems(&after).into_iter().filter(|p| !was.contains(p)).collect()
}
