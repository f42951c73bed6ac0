//! Review: 录入 → 审核 → 公示 (LOG-FORMAT "Accounts and roles"). Who may
//! do what to a result waiting for review, and to a published one: a
//! recorder edits its own results while they wait or were returned (they go
//! back to 待审核); a reviewer publishes a waiting result (已公示) or
//! returns it (退回, with the request's reason) but never publishes one it
//! recorded (four eyes), and amends published results. The single token of
//! a set-up without accounts does all of it, unnamed, as before.

use serde_json::{json, Map, Value};

use super::auth::{forbidden, Caller};
use super::error::{ApiError, ApiResult};
use crate::log::accounts::Role;

pub const WAITING: &str = "待审核";
pub const PUBLISHED: &str = "已公示";
pub const RETURNED: &str = "退回";

/// What a change to a waiting result does.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Its fields change; it waits (again) for review.
    Edit,
    Publish,
    Return,
}

/// Checks a change to a pending result (its stored `result`) against the
/// caller and says what it does; for a recorder, `changes` gets state
/// 待审核 (an edit resubmits). `departments` are the draw's.
pub fn pending_step(
    caller: &Caller,
    result: &Map<String, Value>,
    changes: &mut Map<String, Value>,
    departments: &[String],
    id: &str,
) -> ApiResult<Step> {
    let wanted = changes.get("state").and_then(Value::as_str).map(String::from);
    let state = result.get("state").and_then(Value::as_str).unwrap_or(WAITING);
    let recorded_by = result.get("recorded_by").and_then(Value::as_str);
    let step = match wanted.as_deref() {
        Some(PUBLISHED) => Step::Publish,
        Some(RETURNED) => Step::Return,
        _ => Step::Edit,
    };
    let Caller::Named(account) = caller else {
        return Ok(step);
    };
    caller.require(&[Role::Recorder, Role::Reviewer], "changing a result that waits for review")?;
    caller.require_department(departments, &format!("result {id}"))?;
    match account.role {
        Role::Recorder => {
            if step != Step::Edit {
                return Err(forbidden(format!(
                    "account {} has the role recorder; publishing (已公示) or returning (退回) a result needs the role reviewer",
                    account.name
                )));
            }
            if recorded_by != Some(account.name.as_str()) {
                return Err(forbidden(format!(
                    "account {} (recorder) may edit only its own results; result {id} was recorded by {}",
                    account.name,
                    recorded_by.unwrap_or("no account")
                )));
            }
            changes.insert("state".into(), json!(WAITING));
        }
        _ => {
            let only_state = changes.keys().all(|k| k == "state");
            if step == Step::Edit || !only_state {
                return Err(forbidden(format!(
                    "account {} has the role reviewer: it publishes (state 已公示) or returns (state 退回) a result \
                     and changes nothing else; editing it needs the role recorder (its recorder)",
                    account.name
                )));
            }
            if state != WAITING {
                return Err(ApiError::conflict(format!(
                    "result {id} is {state}: its recorder edits and resubmits it (待审核) before it is reviewed again"
                )));
            }
            if step == Step::Publish && recorded_by == Some(account.name.as_str()) {
                return Err(forbidden(format!(
                    "account {} recorded result {id}: four eyes — another reviewer publishes it",
                    account.name
                )));
            }
        }
    }
    Ok(step)
}

/// Checks an amendment of a published result against the caller; a
/// reviewer's amendment of a format 2 result names it as `reviewed_by`.
pub fn published_change(
    caller: &Caller,
    original: &Map<String, Value>,
    changes: &mut Map<String, Value>,
    departments: &[String],
    id: &str,
) -> ApiResult<()> {
    if changes.get("state").is_some_and(|s| s == RETURNED) {
        return Err(ApiError::unprocessable(
            "a published result is not returned (退回): amend its fields, with a reason",
        ));
    }
    let Some(name) = caller.name() else { return Ok(()) };
    caller.require(&[Role::Reviewer], "amending a published result")?;
    caller.require_department(departments, &format!("result {id}"))?;
    if original.contains_key("format") {
        changes.insert("reviewed_by".into(), json!(name));
    }
    Ok(())
}

/// What the pending file keeps of a return: `{time, by, reason}`.
pub fn return_record(time: &str, caller: &Caller, reason: &str) -> Value {
    json!({"time": time, "by": caller.name(), "reason": reason})
}
