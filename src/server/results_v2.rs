//! Results v2 (spec §12, LOG-FORMAT "Results v2") through the regulator's
//! result API: the request's form, the checks that need the draw (its
//! items, departments and the firm's status in the snapshot), and the check
//! of a v2 result after an amendment. recording.rs keeps the flow (pending
//! file, publication, amendments) shared with v1.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::state::{AppState, Drawn};
use crate::log::store::Log;
use crate::model::registry::Status;
use crate::model::result::{self, Attachment, Fields, Item, ResultV2};

/// `POST /api/results` with `"format": 2`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewResultV2 {
    pub draw: String,
    pub uscc: String,
    pub format: u64,
    pub inspection_date: String,
    pub method: String,
    pub items: Vec<Item>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl NewResultV2 {
    pub fn parse(body: Value) -> ApiResult<NewResultV2> {
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("a format 2 result: {e}")))
    }

    /// The fields in their stored order, checked on their own.
    pub fn fields(&self) -> ApiResult<Fields> {
        if self.format != result::FORMAT {
            return Err(ApiError::unprocessable(format!("format: is {}; give 2 (or no format, v1)", self.format)));
        }
        let mut fields = Fields {
            inspection_date: self.inspection_date.clone(),
            method: self.method.clone(),
            items: self.items.clone(),
            attachments: self.attachments.clone(),
        };
        fields.normalize();
        refuse(fields.check())?;
        Ok(fields)
    }
}

/// All problems at once, in one 422 naming each field.
fn refuse(problems: Vec<result::Problem>) -> ApiResult<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(ApiError::unprocessable(text.join("; ")))
}

/// The checks that need the draw: each item is one of the plan's items (when
/// the plan lists items), each department is the plan's department or one
/// of its team's, and code 6 (无法联系) is not given for a firm that is 歇业
/// in the draw's snapshot.
pub fn check_against_draw(state: &AppState, log: &Log, d: &Drawn, uscc: &str, fields: &Fields) -> ApiResult<()> {
    let plan = &d.commitment.body["plan"];
    let items: Vec<&str> = plan["items"].as_array().into_iter().flatten().filter_map(|i| i["item"].as_str()).collect();
    let mut departments: Vec<&str> = plan["department"].as_str().filter(|d| !d.is_empty()).into_iter().collect();
    departments.extend(plan["team"]["departments"].as_array().into_iter().flatten().filter_map(Value::as_str));
    let mut problems = Vec::new();
    for (i, item) in fields.items.iter().enumerate() {
        if !items.is_empty() && !items.contains(&item.item.as_str()) {
            problems.push(result::Problem {
                field: format!("items[{i}].item"),
                problem: format!("{:?} is not an item of this draw's plan ({})", item.item, items.join("、")),
            });
        }
        if !departments.is_empty() && !departments.contains(&item.department.as_str()) {
            problems.push(result::Problem {
                field: format!("items[{i}].department"),
                problem: format!("{:?} is not a department of this draw ({})", item.department, departments.join("、")),
            });
        }
    }
    if fields.has_code(result::UNREACHABLE) && is_dormant(state, log, d, uscc)? {
        problems.push(result::Problem {
            field: "items[].codes".into(),
            problem: format!(
                "code 6 (通过登记的住所（经营场所）无法联系) is refused: {uscc} is 歇业 in this draw's snapshot \
                 (a dormant firm is not expected at its address)"
            ),
        });
    }
    refuse(problems)
}

fn is_dormant(state: &AppState, log: &Log, d: &Drawn, uscc: &str) -> ApiResult<bool> {
    let rebuilt = state.rebuilt(log, &d.commitment_id, &d.commitment)?;
    let reg = &rebuilt.inputs.enterprises;
    Ok(reg.find(uscc).is_some_and(|i| reg.rows[i].status == Status::Dormant))
}

/// The fields an amendment may change, per format: v1's `category` and
/// `findings`, v2's `method`, `items` and `attachments`.
pub const V1_ONLY: [&str; 2] = ["category", "findings"];
pub const V2_ONLY: [&str; 3] = ["method", "items", "attachments"];

/// Refuses an amendment that mixes formats, and checks a v2 result as it
/// would stand after the changes (`merged`). Returns the merged v2 fields
/// for the draw checks, or None for a v1 result.
pub fn check_amended(original: &Map<String, Value>, merged: &Map<String, Value>) -> ApiResult<Option<Fields>> {
    let changed: Vec<&str> = merged.keys().filter(|k| original.get(*k) != merged.get(*k)).map(String::as_str).collect();
    let v2 = original.contains_key("format");
    let foreign: Vec<&str> =
        changed.iter().copied().filter(|k| if v2 { V1_ONLY.contains(k) } else { V2_ONLY.contains(k) }).collect();
    if !foreign.is_empty() {
        let (what, give) = if v2 { ("format 2", "method, items, attachments") } else { ("v1", "category, findings") };
        return Err(ApiError::unprocessable(format!(
            "{} cannot be amended on a {what} result; give {give}",
            foreign.join(", ")
        )));
    }
    if !v2 {
        return Ok(None);
    }
    let r: ResultV2 = serde_json::from_value(Value::Object(merged.clone()))
        .map_err(|e| ApiError::unprocessable(format!("the amended result: {e}")))?;
    refuse(r.check())?;
    Ok(Some(r.fields()))
}
