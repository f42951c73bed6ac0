//! Inspection results (一公开): each is an InspectionResult entry folded with
//! its Amendment entries; deadlines are 20 working days after the inspection
//! date on the State Council calendar, make-up workdays included. The public
//! sees only published (已公示) results; the regulator also lists the ones
//! waiting for review (pending.rs).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::{draw_departments, Caller};
use super::error::{ApiError, ApiResult};
use super::pending::{self, Pending};
use super::review::{PUBLISHED, RETURNED, WAITING};
use super::state::{AppState, RenderedResult, View};
use crate::log::entry::Kind;
use crate::model::calendar::{Calendar, CalendarError};
use crate::model::date::Date;

pub const CATEGORIES: [&str; 7] = [
    "未发现问题",
    "发现问题待后续处理",
    "发现问题经责令已改正",
    "未发现开展本次抽查涉及的经营活动",
    "通过登记的住所（经营场所）无法联系",
    "不配合检查情节严重",
    "已注销或被吊销、撤销营业执照",
];
pub const WORKING_DAYS: u32 = 20;

/// A result as it stands after its amendments. Publication dates are
/// China dates of the entries' times.
pub fn current(view: &View, index: u64, today: Date) -> Value {
    let log = &view.log;
    let entry = log.entry(index).expect("caller checked the kind");
    let id = log.id(index);
    let mut fields = entry.body["result"].as_object().cloned().unwrap_or_default();
    let mut published_on =
        (fields.get("state").and_then(Value::as_str) == Some("已公示")).then(|| entry.china_date().to_string());
    let mut amendments = Vec::new();
    for &j in view.amendments_of(&id) {
        let Ok(a) = log.entry(j) else { continue };
        for (k, v) in a.body["result"].as_object().into_iter().flatten() {
            fields.insert(k.clone(), v.clone());
        }
        if a.body["result"]["state"] == "已公示" && published_on.is_none() {
            published_on = Some(a.china_date().to_string());
        }
        amendments
            .push(json!({"id": log.id(j), "time": a.time, "reason": a.body["reason"], "changes": a.body["result"]}));
    }
    let mut out = json!({
        "id": id,
        "draw": entry.body["draw"],
        "uscc": entry.body["uscc"],
        "recorded_at": entry.time,
        "amendments": amendments,
    });
    with_fields_and_clock(&mut out, &fields, published_on, today);
    out
}

/// A pending result (private/results/) as the regulator sees it: the same
/// shape as a logged one, with its id `p-…` and its review amendments.
pub fn pending(p: &Pending, today: Date) -> Value {
    let mut out = json!({
        "id": p.id,
        "draw": p.draw,
        "uscc": p.uscc,
        "recorded_at": p.recorded_at,
        "amendments": p.amendments,
        "returns": p.returns,
        "recorded_by": p.result.get("recorded_by"),
    });
    with_fields_and_clock(&mut out, &p.result, None, today);
    out
}

/// Adds a result's fields and its 20-working-day clock to `out`.
fn with_fields_and_clock(out: &mut Value, fields: &Map<String, Value>, published_on: Option<String>, today: Date) {
    let date = fields.get("inspection_date").and_then(Value::as_str).and_then(|d| Date::parse(d).ok());
    let cal = Calendar::official();
    let (deadline, note) = match date.map(|d| cal.add_working_days(d, WORKING_DAYS)) {
        Some(Ok(d)) => (Some(d), None),
        Some(Err(CalendarError::YearNotPublished(y))) => {
            (None, Some(format!("{y} 年节假日安排尚未公布，期限待定 / the {y} holiday calendar is not published yet")))
        }
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, Some("no valid inspection date".to_string())),
    };
    let published = published_on.as_deref().and_then(|p| Date::parse(p).ok());
    let overdue = match (deadline, published) {
        (Some(dl), Some(p)) => p > dl,
        (Some(dl), None) => today > dl,
        _ => false,
    };
    let left = match (deadline, published) {
        (Some(dl), None) => cal.working_days_between(today, dl).ok(),
        _ => None,
    };
    let more = json!({
        "name": fields.get("name").cloned().unwrap_or(Value::Null),
        "category": fields.get("category"),
        "findings": fields.get("findings").cloned().unwrap_or(json!("")),
        "inspection_date": fields.get("inspection_date"),
        "state": fields.get("state"),
        "published_on": published_on,
        "deadline": deadline.map(|d| d.to_string()),
        "deadline_note": note,
        "working_days_left": left,
        "overdue": overdue,
    });
    if let (Some(out), Value::Object(more)) = (out.as_object_mut(), more) {
        out.extend(more);
        if fields.contains_key("format") {
            out.remove("category");
            out.remove("findings");
            out.extend(v2_fields(fields));
        }
    }
}

/// A v2 result's own fields as answered: each item's codes with their
/// texts (spec §12), and whether the result found a problem.
fn v2_fields(fields: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["format", "method", "attachments", "recorded_by", "reviewed_by"] {
        out.insert(key.into(), fields.get(key).cloned().unwrap_or(Value::Null));
    }
    let items: Vec<Value> = fields
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| {
            let mut item = item.clone();
            let codes: Vec<String> =
                item["codes"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
            let texts: Vec<Value> = codes.iter().map(|c| json!(crate::model::result::text_of(c))).collect();
            item["texts"] = json!(texts);
            item["found_problem"] = json!(crate::model::result::found_problem(&codes));
            item
        })
        .collect();
    let found = items.iter().any(|i| i["found_problem"] == true);
    out.insert("items".into(), json!(items));
    out.insert("found_problem".into(), json!(found));
    out
}

/// Whether a rendered result may be shown to the public: only reviewed ones
/// (已公示). Logs written before pending results moved to private/results/
/// hold 待审核 entries; those stay in the public files but not in answers.
pub fn is_public(result: &Value) -> bool {
    result["state"] == "已公示"
}

#[derive(Deserialize)]
pub struct ResultQuery {
    draw: Option<String>,
    state: Option<String>,
    /// `true`: the results waiting for review and the returned ones.
    pending: Option<bool>,
}

/// `?draw=ID`: a draw's published results (public); `?state=待审核`
/// (optionally with `draw`): the results waiting for review, and
/// `?pending=true` those and the returned (退回) ones, each with its
/// 20-working-day clock, with a token only; an account sees those of its
/// department's draws (LOG-FORMAT "Accounts and roles").
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Query(q): Query<ResultQuery>,
) -> ApiResult<Response> {
    let waiting: &[&str] =
        match (q.pending, q.state.as_deref()) {
            (Some(true), None) => &[WAITING, RETURNED],
            (None | Some(false), None | Some(PUBLISHED)) => {
                let id = q.draw.ok_or_else(|| ApiError::bad_request("give ?draw=ID"))?;
                return public_list(&state, &id).map(IntoResponse::into_response);
            }
            (None, Some(WAITING)) => &[WAITING],
            _ => return Err(ApiError::bad_request(
                "state is 已公示 (published results, public) or 待审核 (results waiting for review, with a token); \
                 or give pending=true (waiting and returned results, with a token) and no state",
            )),
        };
    let caller = match super::auth::authenticate(&state, &headers, &extensions) {
        Ok(caller) => caller,
        Err(refused) => return Ok(refused.into_response()),
    };
    pending_list(&state, &caller, q.draw.as_deref(), waiting).map(IntoResponse::into_response)
}

fn pending_list(state: &AppState, caller: &Caller, draw: Option<&str>, states: &[&str]) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let draw = draw.map(|id| view.draw(id).map(|d| d.id.clone())).transpose()?;
    let today = state.today();
    let stored = pending::load_all(&state.config().log_dir, |id| view.published_pending(id).is_some())
        .map_err(ApiError::internal)?;
    let mine = |p: &&Pending| {
        let departments = view.draw(&p.draw).map(|d| draw_departments(&d.commitment.body)).unwrap_or_default();
        caller.require_department(&departments, "").is_ok()
    };
    let in_state = |p: &&Pending| states.contains(&p.result.get("state").and_then(Value::as_str).unwrap_or(WAITING));
    let results: Vec<Value> = stored
        .iter()
        .filter(|p| draw.as_ref().is_none_or(|d| *d == p.draw))
        .filter(in_state)
        .filter(mine)
        .map(|p| self::pending(p, today))
        .collect();
    Ok(Json(json!({"state": states.join("、"), "draw": draw, "today": today.to_string(), "results": results})))
}

fn public_list(state: &AppState, id: &str) -> ApiResult<impl IntoResponse> {
    let view = state.view()?;
    let d = view.draw(id)?;
    let today = state.today();
    let listed = view.result_lists.lock().map_err(ApiError::internal)?.get(&d.id).cloned();
    if let Some((_, bytes)) = listed.filter(|(day, _)| *day == today) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], bytes));
    }
    // Each result is rendered once per amendment and day and kept; a list is
    // then a concatenation, in time proportional to its length.
    let mut body = format!("{{\"draw\":{},\"today\":\"{today}\",\"results\":[", json!(d.id)).into_bytes();
    let mut reported = std::collections::HashSet::new();
    {
        let mut rendered = state.0.results.lock().map_err(ApiError::internal)?;
        if rendered.len() > AppState::RENDERED_RESULTS {
            rendered.clear();
        }
        for &i in view.results_of(&d.id) {
            let amendments = view.amendments_of(&view.log.id(i)).len();
            let fresh = rendered.get(&i).is_some_and(|r| r.amendments == amendments && r.today == today);
            if !fresh {
                let value = current(&view, i, today);
                let uscc = value["uscc"].as_str().unwrap_or_default().to_string();
                let public = is_public(&value);
                let json = Arc::new(serde_json::to_vec(&value).map_err(ApiError::internal)?);
                rendered.insert(i, RenderedResult { amendments, today, json, uscc, public });
            }
            let r = &rendered[&i];
            if !r.public {
                continue;
            }
            if !reported.is_empty() {
                body.push(b',');
            }
            body.extend_from_slice(&r.json);
            reported.insert(r.uscc.clone());
        }
    }
    // The targets without a published result (a pending one included).
    let pending: Vec<Value> = d.document()["assignments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| !a["uscc"].as_str().is_some_and(|u| reported.contains(u)))
        .map(|a| json!({"uscc": a["uscc"], "name": a["name"]}))
        .collect();
    body.extend_from_slice(b"],\"pending\":");
    body.extend(serde_json::to_vec(&pending).map_err(ApiError::internal)?);
    body.push(b'}');
    let bytes = axum::body::Bytes::from(body);
    view.result_lists.lock().map_err(ApiError::internal)?.insert(d.id.clone(), (today, bytes.clone()));
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes))
}

/// One published result. A pending id, an entry that is not a result and a
/// result not published yet all answer the same 404, which names no id.
pub async fn one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let none = || ApiError::not_found("no published inspection result has this id");
    if pending::is_id(&id) {
        return Err(none());
    }
    let view = state.view()?;
    let i = view.log.find(&id)?;
    if !view.log.entry(i).is_ok_and(|e| e.kind == Kind::InspectionResult) {
        return Err(none());
    }
    let result = current(&view, i, state.today());
    if !is_public(&result) {
        return Err(none());
    }
    Ok(Json(result))
}
