//! Feedback from results (audit/LOG-FORMAT.md "Feedback from results";
//! spec §6.4): the firms a log flags at commit — last results that found a
//! problem, an open follow-up, or (when the plan lists `woken`) a wake-up
//! not followed by a check — recorded as the commitment's
//! `log_feedback` and put into the plan's `feedback.flagged`, and `audit
//! verify`'s check of both. Pure functions of the entries before the
//! commitment.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::aftercare::Aftercare;
use super::entry::{Entry, Kind};
use super::ledger::checks_of_all_years;
use super::yearbook::published_results;
/// Why a firm is flagged (LOG-FORMAT "Feedback from results"), in the order
/// the rules apply.
pub use crate::input::plan::feedback::{FOLLOW_UP, PROBLEM, WOKEN};
use crate::input::plan::Plan;

/// A commitment whose feedback is not what the log implies.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackFinding {
    #[error("log_feedback differs from the published results and follow-ups before the commitment (a flagged firm was added or dropped)")]
    Differ,
    #[error("log_feedback is present but the plan has no feedback")]
    WithoutFeedback,
    #[error("plan.feedback.flagged is not the USCCs of log_feedback")]
    NotApplied,
}

/// `log_feedback` of a commitment: one `{"uscc","reason","entry"}` per firm
/// the entries `earlier` (id, entry; the valid entries before the
/// commitment, in log order) flag for one of `reasons`, sorted by USCC.
pub fn log_feedback(earlier: &[(String, &Entry)], reasons: &[&str]) -> Vec<Value> {
    let mut flagged: BTreeMap<String, (&str, String)> = BTreeMap::new();
    // The rules in their order: a firm keeps the first reason that flags it.
    if reasons.contains(&PROBLEM) {
        flagged = problems(earlier);
    }
    if reasons.contains(&FOLLOW_UP) {
        for (uscc, entry) in open_follow_ups(earlier) {
            flagged.entry(uscc).or_insert((FOLLOW_UP, entry));
        }
    }
    if reasons.contains(&WOKEN) {
        for (uscc, entry) in woken_unchecked(earlier) {
            flagged.entry(uscc).or_insert((WOKEN, entry));
        }
    }
    flagged.into_iter().map(|(uscc, (reason, entry))| json!({"uscc": uscc, "reason": reason, "entry": entry})).collect()
}

/// Rule 1: firms whose last published results found a problem, with the
/// first such result.
fn problems(earlier: &[(String, &Entry)]) -> BTreeMap<String, (&'static str, String)> {
    // Per firm: the greatest inspection_date of its published results, and
    // the first (lowest index) of them on that day that found a problem.
    let mut last: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    // A result whose inspection_date is not a string is left out (rule 1).
    for r in published_results(earlier, |_| true).into_iter().filter(|r| r.dated) {
        let problem = r.found_problem().then(|| r.id.clone());
        let day = last.entry(r.uscc.clone()).or_insert_with(|| (r.inspection_date.clone(), None));
        if r.inspection_date > day.0 {
            *day = (r.inspection_date.clone(), problem);
        } else if r.inspection_date == day.0 && day.1.is_none() {
            day.1 = problem;
        }
    }
    last.into_iter().filter_map(|(uscc, (_, problem))| Some((uscc, (PROBLEM, problem?)))).collect()
}

/// Rule 2: (uscc, FollowUp id) of the open follow-ups, in log order.
fn open_follow_ups(earlier: &[(String, &Entry)]) -> Vec<(String, String)> {
    let mut aftercare = Aftercare::default();
    for (id, e) in earlier {
        aftercare.add(e.index, id, e);
    }
    let open = aftercare.follow_ups.iter().filter(|f| f.reply.is_none());
    open.filter_map(|f| Some((f.body["uscc"].as_str()?.to_string(), f.id.clone()))).collect()
}

/// Rule 3: (uscc, id of its latest WakeUp) of the firms that no draw or
/// external check has checked since their latest wake-up.
fn woken_unchecked(earlier: &[(String, &Entry)]) -> BTreeMap<String, String> {
    let mut latest: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for (id, e) in earlier.iter().filter(|(_, e)| e.kind == Kind::WakeUp) {
        if let Some(uscc) = e.body["uscc"].as_str() {
            latest.insert(uscc.to_string(), (e.index, id.clone()));
        }
    }
    // A check is as late as the entry that logs it (the first of its id, as
    // the ledger finds entries).
    let mut index_of: HashMap<&str, u64> = HashMap::new();
    for (id, e) in earlier {
        index_of.entry(id.as_str()).or_insert(e.index);
    }
    for c in checks_of_all_years(earlier) {
        let checked_at = index_of.get(c.entry.as_str()).copied();
        if latest.get(&c.uscc).is_some_and(|(woken_at, _)| checked_at > Some(*woken_at)) {
            latest.remove(&c.uscc);
        }
    }
    latest.into_iter().map(|(uscc, (_, id))| (uscc, id)).collect()
}

/// The USCCs of a `log_feedback` list, in its order.
fn usccs(list: &[Value]) -> Vec<String> {
    list.iter().filter_map(|x| x["uscc"].as_str().map(str::to_string)).collect()
}

/// Puts the log's flagged firms into a plan with feedback at commit;
/// returns the `log_feedback` to record (`None`: the plan has no feedback,
/// record nothing).
pub fn apply(plan: &mut Plan, earlier: &[(String, &Entry)]) -> Option<Vec<Value>> {
    let feedback = plan.feedback.as_mut()?;
    let list = log_feedback(earlier, &feedback.reasons);
    feedback.flagged = usccs(&list);
    Some(list)
}

/// `audit verify`: the commitment `e` (with its loaded `plan`) records the
/// flagged firms of `earlier`, and its plan draws exactly those.
pub fn check(e: &Entry, plan: &Plan, earlier: &[(String, &Entry)]) -> Result<(), FeedbackFinding> {
    let recorded = e.body.get("log_feedback");
    let Some(feedback) = &plan.feedback else {
        return match recorded {
            Some(_) => Err(FeedbackFinding::WithoutFeedback),
            None => Ok(()),
        };
    };
    let list = log_feedback(earlier, &feedback.reasons);
    if recorded != Some(&Value::Array(list.clone())) {
        return Err(FeedbackFinding::Differ);
    }
    if feedback.flagged != usccs(&list) {
        return Err(FeedbackFinding::NotApplied);
    }
    Ok(())
}
