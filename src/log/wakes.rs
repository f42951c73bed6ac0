//! Wake-ups of dormant (歇业) firms in the log (audit/LOG-FORMAT.md,
//! "Wake-ups"; spec §6.3): the `log_wakes` a commitment records, how they
//! enter its plan's `scope.wake`, and `audit verify`'s check of both.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::entry::{Entry, Kind};
use crate::input::error::{InputError, Problems};
use crate::input::plan::Plan;
use crate::input::table::{self, Source};
use crate::model::date::china_date_of;
use crate::model::fields::Field;
use crate::model::uscc;

/// The reasons a wake-up may give (LOG-FORMAT "Wake-ups").
pub const REASONS: [&str; 4] = ["resumed", "complaint", "risk_signal", "term_ended"];

/// A reason as written in a CSV of events: the English word or its Chinese name.
pub fn parse_reason(text: &str) -> Option<&'static str> {
    let chinese = ["恢复营业", "投诉举报", "风险信号", "歇业期满"];
    let lower = text.to_ascii_lowercase();
    REASONS.iter().zip(chinese).find(|(en, zh)| **en == lower || *zh == text).map(|(en, _)| *en)
}

/// A commitment whose wake-ups are not what the log implies.
#[derive(Debug, thiserror::Error)]
pub enum WakeFinding {
    #[error("log_wakes differ from the WakeUp entries before the commitment (a wake-up was added or dropped)")]
    Differ,
    #[error("log_wakes is present but the plan has no scope.wake")]
    WithoutWake,
    #[error("scope.wake.woken is not the log's wake-ups")]
    NotApplied,
    #[error("scope.wake.as_of is not the inspection date or the commitment's China date")]
    AsOf,
}

/// `log_wakes` of a commitment (LOG-FORMAT "Wake-ups"): per USCC its latest
/// WakeUp among `earlier` (id, entry), sorted by USCC.
pub fn log_wakes(earlier: &[(String, &Entry)]) -> Vec<Value> {
    let mut latest: BTreeMap<&str, (&str, &Entry)> = BTreeMap::new();
    for (id, e) in earlier.iter().filter(|(_, e)| e.kind == Kind::WakeUp) {
        if let Some(uscc) = e.body["uscc"].as_str() {
            latest.insert(uscc, (id.as_str(), *e));
        }
    }
    latest
        .into_iter()
        .map(|(uscc, (id, e))| {
            let date = e.china_date().to_string();
            json!({"uscc": uscc, "reason": e.body["reason"], "entry": id, "date": date})
        })
        .collect()
}

/// The `as_of` a committed plan must carry: its inspection date, else the
/// China date of the commitment's time.
fn as_of(plan: &Plan, commit_time: &str) -> String {
    match plan.inspection_date {
        Some(d) => d.to_string(),
        None => china_date_of(commit_time).map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// Puts the log's wake-ups into a waking plan at commit; returns the
/// `log_wakes` to record (empty: record none).
pub fn apply(plan: &mut Plan, earlier: &[(String, &Entry)], commit_time: &str) -> Vec<Value> {
    let as_of = as_of(plan, commit_time);
    let Some(wake) = plan.scope.wake.as_mut() else { return Vec::new() };
    let wakes = log_wakes(earlier);
    wake.as_of = as_of;
    wake.woken = pairs(&wakes);
    wakes
}

fn pairs(wakes: &[Value]) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    wakes.iter().map(|w| (text(&w["uscc"]), text(&w["date"]))).collect()
}

/// `audit verify`: the commitment `e` (with its loaded `plan`) records the
/// wake-ups of `earlier` and its plan applies them.
pub fn check(e: &Entry, plan: &Plan, earlier: &[(String, &Entry)]) -> Result<(), WakeFinding> {
    let recorded = e.body.get("log_wakes");
    let Some(wake) = &plan.scope.wake else {
        return match recorded {
            Some(_) => Err(WakeFinding::WithoutWake),
            None => Ok(()),
        };
    };
    let wakes = log_wakes(earlier);
    let expected = (!wakes.is_empty()).then(|| Value::Array(wakes.clone()));
    if recorded != expected.as_ref() {
        return Err(WakeFinding::Differ);
    }
    if wake.woken != pairs(&wakes) {
        return Err(WakeFinding::NotApplied);
    }
    if wake.as_of != as_of(plan, &e.time) {
        return Err(WakeFinding::AsOf);
    }
    Ok(())
}

/// The WakeUp bodies of a CSV (or GB18030) file of events: columns
/// `uscc`/统一社会信用代码, `reason`/原因, `note`/备注 (optional). Every row
/// is checked first; all problems are returned together (nothing to log).
pub fn read_events(source: &dyn Source, by: Option<&str>) -> Result<Vec<Value>, InputError> {
    const FIELDS: &[Field] = &[
        Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true },
        Field { key: "reason", aliases: &["原因", "唤醒原因"], required: true },
        Field { key: "note", aliases: &["备注"], required: false },
    ];
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        FIELDS,
        &mut problems,
        |_| (Vec::new(), BTreeMap::new()),
        |(bodies, seen): &mut (Vec<Value>, BTreeMap<String, u64>), row, problems| {
            let fields = (row.field(0), row.field(1), row.field(2));
            let (uscc, reason, note) = match fields {
                (Ok(u), Ok(r), Ok(n)) => (uscc::normalize(&u), r, n),
                (u, r, n) => {
                    [u.err(), r.err(), n.err()].into_iter().flatten().for_each(|p| problems.push(p));
                    return;
                }
            };
            let body = match wake_up(&uscc, &reason, (!note.is_empty()).then_some(&*note), by) {
                Ok(body) => body,
                Err((field, message)) => {
                    let value = if field == 0 { uscc } else { reason.to_string() };
                    return problems.push(row.field_problem(field, &value, message));
                }
            };
            if let Some(first) = seen.insert(uscc.clone(), row.line) {
                let message = format!("this firm is woken twice in the file, first at line {first}");
                return problems.push(row.field_problem(0, &uscc, message));
            }
            bodies.push(body);
        },
    )?;
    problems.into_result()?;
    Ok(parsed.map(|(_, (bodies, _))| bodies).unwrap_or_default())
}

/// One WakeUp body, or the field (0 uscc, 1 reason) that is wrong and why.
pub fn wake_up(uscc: &str, reason: &str, note: Option<&str>, by: Option<&str>) -> Result<Value, (usize, String)> {
    uscc::validate(uscc).map_err(|e| (0, format!("invalid USCC: {e}")))?;
    let reason = parse_reason(reason).ok_or_else(|| {
        (1, format!("reason must be one of {} (or 恢复营业, 投诉举报, 风险信号, 歇业期满)", REASONS.join(", ")))
    })?;
    let mut body = json!({"uscc": uscc, "reason": reason});
    if let Some(n) = note {
        body["note"] = json!(n);
    }
    if let Some(b) = by {
        body["by"] = json!(b);
    }
    Ok(body)
}
