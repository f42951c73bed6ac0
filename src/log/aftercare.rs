//! What follows a published result: 后续处置 (follow-ups of a problem found)
//! and 异议 (a firm's objections), as LOG-FORMAT.md "Follow-ups" and
//! "Objections" define them — the four entry kinds' bodies, the deadline
//! rules of each action on the working-day calendar, and an index of a log's
//! follow-ups and objections that the server and the CLI read.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::entry::{is_hex64, Entry, Kind};
use crate::model::calendar::{Calendar, CalendarError};
use crate::model::date::Date;

/// Bounded text (`text`, `answer`, a close's `outcome`): at most this many characters.
pub const TEXT_MAX_CHARS: usize = 2000;
/// `uscc` and `by`: at most this many characters.
pub const SHORT_MAX_CHARS: usize = 64;
/// 列入经营异常名录: working days after the result's publication date.
pub const ABNORMAL_LIST_DAYS: u32 = 10;
/// 立案: working days after the inspection date (市场监督管理行政处罚程序规定 art. 18).
pub const CASE_DAYS: u32 = 15;
/// 移送: fairdraw's default, working days after the publication date.
pub const REFERRAL_DAYS: u32 = 10;

/// What the bureau does about a problem found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    AbnormalList,
    Case,
    Referral,
    Correction,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::AbnormalList, Action::Case, Action::Referral, Action::Correction];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::AbnormalList => "abnormal_list",
            Action::Case => "case",
            Action::Referral => "referral",
            Action::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The plain words shown first on the firm's page.
    pub fn label(self) -> &'static str {
        match self {
            Action::AbnormalList => "列入经营异常名录 / listing in the abnormal-operation list",
            Action::Case => "立案查处 / a case is filed",
            Action::Referral => "移送有关部门 / referred to another authority",
            Action::Correction => "责令限期改正 / ordered to correct by a deadline",
        }
    }
}

/// The answer to an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Upheld,
    Rejected,
    Partly,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "upheld" => Some(Outcome::Upheld),
            "rejected" => Some(Outcome::Rejected),
            "partly" => Some(Outcome::Partly),
            _ => None,
        }
    }

    /// The plain words of an answer's `outcome`.
    pub fn label(s: &str) -> &'static str {
        match Outcome::parse(s) {
            Some(Outcome::Upheld) => "异议成立 / upheld",
            Some(Outcome::Rejected) => "异议不成立 / rejected",
            Some(Outcome::Partly) => "异议部分成立 / partly upheld",
            None => "",
        }
    }
}

// The bodies (LOG-FORMAT kinds table). `check_body` adds what serde cannot
// say: ids are hex, texts are bounded, `due` is a date, optional fields are
// strings when present (serde would take `null` for an absent field).

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FollowUpBody {
    result: String,
    uscc: String,
    action: String,
    due: String,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FollowUpClosedBody {
    follow_up: String,
    outcome: String,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ObjectionBody {
    uscc: String,
    result: Option<String>,
    draw: Option<String>,
    text: String,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ObjectionAnswerBody {
    objection: String,
    answer: String,
    outcome: String,
    by: Option<String>,
}

/// Bounded text: 1..=`max` characters, none a control character (U+0000–U+001F, U+007F–U+009F).
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(format!("{field} must be 1 to {max} characters, is {n}"));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!("{field} holds the control character U+{:04X}", u32::from(c)));
    }
    Ok(())
}

/// A date written exactly `YYYY-MM-DD`.
pub fn parse_due(field: &str, value: &str) -> Result<Date, String> {
    match Date::parse(value) {
        Ok(d) if d.to_string() == value => Ok(d),
        Ok(_) => Err(format!("{field} {value:?} is not written YYYY-MM-DD")),
        Err(e) => Err(format!("{field}: {e}")),
    }
}

fn hex_id(field: &str, value: &str) -> Result<(), String> {
    if is_hex64(value) {
        Ok(())
    } else {
        Err(format!("{field} {value:?} is not 64 lowercase hex digits"))
    }
}

/// Checks a body of one of the four kinds; `Ok` for any other kind.
pub fn check_body(kind: Kind, body: &Value) -> Result<(), String> {
    fn typed<T: for<'de> Deserialize<'de>>(body: &Value) -> Result<T, String> {
        T::deserialize(body).map_err(|e| e.to_string())
    }
    let optional = |names: &[&str]| -> Result<(), String> {
        match names.iter().find(|n| body.get(**n).is_some_and(|v| !v.is_string())) {
            Some(n) => Err(format!("{n} must be a string when present")),
            None => Ok(()),
        }
    };
    let by = |b: &Option<String>| b.as_deref().map_or(Ok(()), |b| check_text("by", b, SHORT_MAX_CHARS));
    match kind {
        Kind::FollowUp => {
            let b: FollowUpBody = typed(body)?;
            optional(&["by"])?;
            hex_id("result", &b.result)?;
            check_text("uscc", &b.uscc, SHORT_MAX_CHARS)?;
            if Action::parse(&b.action).is_none() {
                return Err(format!("action {:?} is not one of abnormal_list, case, referral, correction", b.action));
            }
            parse_due("due", &b.due)?;
            by(&b.by)
        }
        Kind::FollowUpClosed => {
            let b: FollowUpClosedBody = typed(body)?;
            optional(&["by"])?;
            hex_id("follow_up", &b.follow_up)?;
            check_text("outcome", &b.outcome, TEXT_MAX_CHARS)?;
            by(&b.by)
        }
        Kind::Objection => {
            let b: ObjectionBody = typed(body)?;
            optional(&["result", "draw", "by"])?;
            check_text("uscc", &b.uscc, SHORT_MAX_CHARS)?;
            b.result.as_deref().map_or(Ok(()), |r| hex_id("result", r))?;
            b.draw.as_deref().map_or(Ok(()), |d| hex_id("draw", d))?;
            check_text("text", &b.text, TEXT_MAX_CHARS)?;
            by(&b.by)
        }
        Kind::ObjectionAnswer => {
            let b: ObjectionAnswerBody = typed(body)?;
            optional(&["by"])?;
            hex_id("objection", &b.objection)?;
            check_text("answer", &b.answer, TEXT_MAX_CHARS)?;
            if Outcome::parse(&b.outcome).is_none() {
                return Err(format!("outcome {:?} is not one of upheld, rejected, partly", b.outcome));
            }
            by(&b.by)
        }
        _ => Ok(()),
    }
}

/// Whether a result (its `result` object after amendments) found a problem:
/// a v2 result one of whose items' codes holds a problem code. v1 results never do.
pub fn found_problem(result: &Value) -> bool {
    result["format"] == 2
        && result["items"].as_array().into_iter().flatten().any(|item| {
            let codes: Vec<&str> = item["codes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            crate::model::result::found_problem(&codes)
        })
}

/// Why a follow-up's `due` cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DueError {
    #[error("due: the deadline of abnormal_list is 10 working days after the result's publication; it is not given")]
    NotGiven,
    #[error("due: a correction needs the deadline the bureau set (YYYY-MM-DD)")]
    Missing,
    #[error("due {0} is not a working day")]
    NotWorkingDay(Date),
    #[error("due {due} is not after the inspection date {inspection}")]
    NotAfterInspection { due: Date, inspection: Date },
    #[error("due: {0}")]
    Calendar(#[from] CalendarError),
}

/// The `due` of a new follow-up (LOG-FORMAT "Follow-ups", the table of actions).
pub fn due_date(
    cal: &Calendar,
    action: Action,
    given: Option<Date>,
    inspection: Date,
    published: Date,
) -> Result<Date, DueError> {
    if let Some(due) = given {
        if action == Action::AbnormalList {
            return Err(DueError::NotGiven);
        }
        if due <= inspection {
            return Err(DueError::NotAfterInspection { due, inspection });
        }
        if !cal.is_working_day(due)? {
            return Err(DueError::NotWorkingDay(due));
        }
        return Ok(due);
    }
    Ok(match action {
        Action::AbnormalList => cal.add_working_days(published, ABNORMAL_LIST_DAYS)?,
        Action::Case => cal.add_working_days(inspection, CASE_DAYS)?,
        Action::Referral => cal.add_working_days(published, REFERRAL_DAYS)?,
        Action::Correction => return Err(DueError::Missing),
    })
}

/// A result entry folded with its amendments (in log order): the `result`
/// object's fields, amended ones replaced, and the China date it was
/// published on — `None` unless its state is 已公示 now.
pub fn fold_result<'a>(
    entry: &Entry,
    amendments: impl IntoIterator<Item = &'a Entry>,
) -> (serde_json::Map<String, Value>, Option<Date>) {
    let mut fields = entry.body["result"].as_object().cloned().unwrap_or_default();
    let mut published = (fields.get("state").and_then(Value::as_str) == Some("已公示")).then(|| entry.china_date());
    for a in amendments {
        for (k, v) in a.body["result"].as_object().into_iter().flatten() {
            fields.insert(k.clone(), v.clone());
        }
        if a.body["result"]["state"] == "已公示" && published.is_none() {
            published = Some(a.china_date());
        }
    }
    let is_public = fields.get("state").and_then(Value::as_str) == Some("已公示");
    (fields, published.filter(|_| is_public))
}

/// Why a follow-up is refused; every message starts with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("result: the result is not published (已公示); follow-ups follow published results")]
    NotPublished,
    #[error("result: the result found no problem (no item's codes hold A, B, C, D or 8 of the v2 result codes)")]
    NoProblem,
    #[error("result: the result has no valid inspection_date")]
    NoInspectionDate,
    #[error("{0}")]
    Due(#[from] DueError),
}

/// The body of a new FollowUp for the result `result_id` (its folded fields
/// and publication date, [`fold_result`]) of the firm `uscc`.
pub fn follow_up_body(
    result_id: &str,
    uscc: &Value,
    fields: &serde_json::Map<String, Value>,
    published: Option<Date>,
    action: Action,
    given: Option<Date>,
) -> Result<Value, Refused> {
    let published = published.ok_or(Refused::NotPublished)?;
    if !found_problem(&Value::Object(fields.clone())) {
        return Err(Refused::NoProblem);
    }
    let inspection = fields
        .get("inspection_date")
        .and_then(Value::as_str)
        .and_then(|d| Date::parse(d).ok())
        .ok_or(Refused::NoInspectionDate)?;
    let due = due_date(Calendar::official(), action, given, inspection, published)?;
    Ok(json!({"result": result_id, "uscc": uscc, "action": action.as_str(), "due": due.to_string()}))
}

/// The entry that closed a follow-up or answered an objection.
#[derive(Clone, Debug)]
pub struct Reply {
    pub id: String,
    pub on: Date,
    pub body: Value,
}

/// A FollowUp or an Objection entry with its close or answer, if any.
#[derive(Clone, Debug)]
pub struct Filed {
    pub index: u64,
    pub id: String,
    pub on: Date,
    pub body: Value,
    pub reply: Option<Reply>,
}

impl Filed {
    fn uscc(&self) -> &str {
        self.body["uscc"].as_str().unwrap_or_default()
    }

    /// A follow-up as shown: plain words first, its due date, open or closed,
    /// overdue (open, today after due) or closed late.
    pub fn follow_up_json(&self, today: Date) -> Value {
        let b = &self.body;
        let action = b["action"].as_str().and_then(Action::parse);
        let due = b["due"].as_str().and_then(|d| Date::parse(d).ok());
        let open = self.reply.is_none();
        json!({
            "id": self.id, "result": b["result"], "uscc": b["uscc"], "action": b["action"],
            "label": action.map(Action::label), "due": b["due"], "opened_on": self.on.to_string(), "by": b["by"],
            "open": open,
            "overdue": open && due.is_some_and(|d| today > d),
            "closed": self.reply.as_ref().map(|r| json!({"id": r.id, "on": r.on.to_string(),
                "outcome": r.body["outcome"], "by": r.body["by"], "late": due.is_some_and(|d| r.on > d)})),
        })
    }

    /// An objection as shown, with its answer when there is one.
    pub fn objection_json(&self) -> Value {
        let b = &self.body;
        json!({
            "id": self.id, "uscc": b["uscc"], "result": b["result"], "draw": b["draw"], "text": b["text"],
            "filed_on": self.on.to_string(), "by": b["by"], "open": self.reply.is_none(),
            "answer": self.reply.as_ref().map(|r| json!({"id": r.id, "on": r.on.to_string(), "answer": r.body["answer"],
                "outcome": r.body["outcome"], "label": Outcome::label(r.body["outcome"].as_str().unwrap_or_default()),
                "by": r.body["by"]})),
        })
    }
}

/// A log's follow-ups and objections, in log order. A close or answer that
/// names nothing known, or something closed already, is left out (the
/// verifiers report it).
#[derive(Default)]
pub struct Aftercare {
    pub follow_ups: Vec<Filed>,
    pub objections: Vec<Filed>,
    follow_up_at: HashMap<String, usize>,
    objection_at: HashMap<String, usize>,
}

impl Aftercare {
    /// Takes in one entry (any kind; only the four are kept).
    pub fn add(&mut self, index: u64, id: &str, e: &Entry) {
        let filed = || Filed { index, id: id.to_string(), on: e.china_date(), body: e.body.clone(), reply: None };
        let reply = || Reply { id: id.to_string(), on: e.china_date(), body: e.body.clone() };
        let named = |field: &str| e.body[field].as_str().unwrap_or_default().to_string();
        match e.kind {
            Kind::FollowUp => {
                self.follow_up_at.insert(id.to_string(), self.follow_ups.len());
                self.follow_ups.push(filed());
            }
            Kind::Objection => {
                self.objection_at.insert(id.to_string(), self.objections.len());
                self.objections.push(filed());
            }
            Kind::FollowUpClosed => {
                if let Some(&k) = self.follow_up_at.get(&named("follow_up")) {
                    self.follow_ups[k].reply.get_or_insert_with(reply);
                }
            }
            Kind::ObjectionAnswer => {
                if let Some(&k) = self.objection_at.get(&named("objection")) {
                    self.objections[k].reply.get_or_insert_with(reply);
                }
            }
            _ => {}
        }
    }

    pub fn follow_up(&self, id: &str) -> Option<&Filed> {
        self.follow_up_at.get(id).map(|&k| &self.follow_ups[k])
    }

    pub fn objection(&self, id: &str) -> Option<&Filed> {
        self.objection_at.get(id).map(|&k| &self.objections[k])
    }

    pub fn follow_ups_of<'a>(&'a self, uscc: &'a str) -> impl Iterator<Item = &'a Filed> + 'a {
        self.follow_ups.iter().filter(move |f| f.uscc() == uscc)
    }

    pub fn objections_of<'a>(&'a self, uscc: &'a str) -> impl Iterator<Item = &'a Filed> + 'a {
        self.objections.iter().filter(move |f| f.uscc() == uscc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn abnormal_list_counts_ten_working_days_across_the_national_day_holiday_and_its_make_up_saturday() {
        // 2024: 10-01..10-07 off, Sunday 09-29 and Saturday 10-12 worked (调休).
        // Published Friday 09-27: day 1 is Sunday 09-29, day 2 Monday 09-30,
        // then 10-08 .. 10-12 (Saturday, worked) are days 3..7, 10-14..10-16 are 8..10.
        let cal = Calendar::official();
        let due = due_date(cal, Action::AbnormalList, None, d("2024-09-20"), d("2024-09-27")).unwrap();
        assert_eq!(due, d("2024-10-16"));
        // Weekends alone would give 10-11: the holiday and the make-up days both count.
        assert_ne!(due, d("2024-10-11"));
    }

    #[test]
    fn case_counts_from_the_inspection_and_referral_from_the_publication() {
        let cal = Calendar::official();
        assert_eq!(due_date(cal, Action::Case, None, d("2024-11-01"), d("2024-11-20")).unwrap(), d("2024-11-22"));
        assert_eq!(due_date(cal, Action::Referral, None, d("2024-11-01"), d("2024-11-20")).unwrap(), d("2024-12-04"));
    }

    #[test]
    fn a_given_due_is_a_working_day_after_the_inspection() {
        let cal = Calendar::official();
        let given = |action, due: &str| due_date(cal, action, Some(d(due)), d("2024-09-20"), d("2024-09-27"));
        assert_eq!(given(Action::Correction, "2024-10-12"), Ok(d("2024-10-12")), "a make-up Saturday is a working day");
        assert_eq!(given(Action::Correction, "2024-10-03"), Err(DueError::NotWorkingDay(d("2024-10-03"))));
        assert_eq!(given(Action::Correction, "2024-10-13"), Err(DueError::NotWorkingDay(d("2024-10-13"))));
        assert!(matches!(given(Action::Case, "2024-09-20"), Err(DueError::NotAfterInspection { .. })));
        assert_eq!(given(Action::AbnormalList, "2024-10-16"), Err(DueError::NotGiven));
        assert_eq!(due_date(cal, Action::Correction, None, d("2024-09-20"), d("2024-09-27")), Err(DueError::Missing));
        assert!(matches!(
            given(Action::Case, "2031-03-03"),
            Err(DueError::Calendar(CalendarError::YearNotPublished(_)))
        ));
    }

    #[test]
    fn only_v2_problem_codes_found_a_problem() {
        let v2 = |codes: Value| json!({"format": 2, "items": [{"item": "x", "department": "y", "codes": codes}]});
        assert!(found_problem(&v2(json!(["A", "B"]))));
        assert!(found_problem(&v2(json!(["8"]))));
        assert!(!found_problem(&v2(json!(["1"]))));
        assert!(!found_problem(&v2(json!(["E"]))));
        assert!(!found_problem(&json!({"category": "发现问题待后续处理"})), "v1 results never count");
    }

    #[test]
    fn bounded_text_refuses_empty_long_and_control_characters() {
        assert!(check_text("text", "异议：检查日期有误", TEXT_MAX_CHARS).is_ok());
        assert!(check_text("text", "", TEXT_MAX_CHARS).is_err());
        assert!(check_text("text", &"字".repeat(TEXT_MAX_CHARS + 1), TEXT_MAX_CHARS).is_err());
        assert!(check_text("text", &"字".repeat(TEXT_MAX_CHARS), TEXT_MAX_CHARS).is_ok(), "characters, not bytes");
        assert!(check_text("text", "a\nb", TEXT_MAX_CHARS).is_err());
        assert!(check_text("text", "a\u{85}b", TEXT_MAX_CHARS).is_err());
        assert!(parse_due("due", "2024-1-2").is_err());
        assert!(parse_due("due", "2024-02-30").is_err());
    }
}
