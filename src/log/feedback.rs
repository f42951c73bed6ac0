//! Feedback from results (audit/LOG-FORMAT.md "Feedback from results";
//! spec §6.4): the firms a log flags at commit — last results that found a
//! problem, or an open follow-up — recorded as the commitment's
//! `log_feedback` and put into the plan's `feedback.flagged`, and `audit
//! verify`'s check of both. Pure functions of the entries before the
//! commitment.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::aftercare::Aftercare;
use super::entry::Entry;
use super::yearbook::published_results;
use crate::input::plan::Plan;

/// Why a firm is flagged (LOG-FORMAT "Feedback from results"), in the order
/// the rules apply.
pub const PROBLEM: &str = "problem";
pub const FOLLOW_UP: &str = "follow_up";

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
/// commitment, in log order) flag, sorted by USCC.
pub fn log_feedback(earlier: &[(String, &Entry)]) -> Vec<Value> {
    // Per firm: the greatest inspection_date of its published results, and
    // the first (lowest index) of them on that day that found a problem.
    let mut last: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for r in published_results(earlier, |_| true) {
        let problem = r.found_problem().then(|| r.id.clone());
        let day = last.entry(r.uscc.clone()).or_insert_with(|| (r.inspection_date.clone(), None));
        if r.inspection_date > day.0 {
            *day = (r.inspection_date.clone(), problem);
        } else if r.inspection_date == day.0 && day.1.is_none() {
            day.1 = problem;
        }
    }
    let mut flagged: BTreeMap<String, (&str, String)> =
        last.into_iter().filter_map(|(uscc, (_, problem))| Some((uscc, (PROBLEM, problem?)))).collect();
    let mut aftercare = Aftercare::default();
    for (id, e) in earlier {
        aftercare.add(e.index, id, e);
    }
    for f in aftercare.follow_ups.iter().filter(|f| f.reply.is_none()) {
        let Some(uscc) = f.body["uscc"].as_str() else { continue };
        flagged.entry(uscc.to_string()).or_insert((FOLLOW_UP, f.id.clone()));
    }
    flagged.into_iter().map(|(uscc, (reason, entry))| json!({"uscc": uscc, "reason": reason, "entry": entry})).collect()
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
    let list = log_feedback(earlier);
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
    let list = log_feedback(earlier);
    if recorded != Some(&Value::Array(list.clone())) {
        return Err(FeedbackFinding::Differ);
    }
    if feedback.flagged != usccs(&list) {
        return Err(FeedbackFinding::NotApplied);
    }
    Ok(())
}
