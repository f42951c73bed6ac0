//! 后续处置 and 异议 through the regulator API (LOG-FORMAT "Follow-ups",
//! "Objections"): opening and closing follow-ups, filing an objection on a
//! firm's behalf and answering it, and the public lists with their due and
//! overdue flags. Every accepted write is one log entry.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::{draw_departments, Caller};
use super::error::{ApiError, ApiResult};
use super::regulator::clock;
use super::state::{AppState, View};
use crate::log::accounts::Role;
use crate::log::aftercare::{self, Action, Filed, Outcome, SHORT_MAX_CHARS, TEXT_MAX_CHARS};
use crate::log::entry::Kind;
use crate::log::store::Log;
use crate::model::date::Date;
use crate::model::uscc;

/// A refused value, named by its field.
fn refused(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::unprocessable(format!("{field}: {why}"))
}

fn text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    aftercare::check_text(field, value, max).map_err(ApiError::unprocessable)
}

/// A result folded with its amendments ([`aftercare::fold_result`]).
pub(super) fn folded(view: &View, index: u64) -> Option<(Map<String, Value>, Option<Date>)> {
    let log = &view.log;
    let entry = log.entry(index).ok()?;
    let amendments: Vec<_> = view.amendments_of(&log.id(index)).iter().filter_map(|&j| log.entry(j).ok()).collect();
    Some(aftercare::fold_result(&entry, amendments.iter().map(|a| a.as_ref())))
}

/// A published result's fields and publication date; `None` while not published.
fn published_result(view: &View, index: u64) -> Option<(Map<String, Value>, Date)> {
    folded(view, index).and_then(|(fields, on)| Some((fields, on?)))
}

/// The index of the InspectionResult entry `id` names, else a 422 naming `field`.
fn result_entry(log: &Log, field: &str, id: &str) -> ApiResult<u64> {
    let i = log.find(id).map_err(|e| refused(field, e))?;
    match log.entry(i) {
        Ok(e) if e.kind == Kind::InspectionResult => Ok(i),
        _ => Err(refused(field, format!("entry {id} is not an inspection result"))),
    }
}

/// Who opens and closes follow-ups.
const FOLLOW_UP_ROLES: &[Role] = &[Role::Reviewer, Role::DepartmentAdmin, Role::LogAdmin];

/// The departments of the draw a logged result (entry `index`) is of.
fn result_departments(log: &Log, view: &View, index: u64) -> ApiResult<Vec<String>> {
    let draw = log.entry(index)?.body["draw"].as_str().unwrap_or_default().to_string();
    Ok(view.draw(&draw).map(|d| draw_departments(&d.commitment.body)).unwrap_or_default())
}

/// 403 unless the caller acts for the draw of the result (entry `index`).
fn require_result_department(caller: &Caller, log: &Log, view: &View, index: u64) -> ApiResult<()> {
    caller.require_department(&result_departments(log, view, index)?, &format!("result {}", log.id(index)))
}

/// Adds the account's name as `by` (LOG-FORMAT "Accounts and roles").
fn signed(mut body: Value, caller: &Caller) -> Value {
    if let Some(name) = caller.name() {
        body["by"] = json!(name);
    }
    body
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFollowUp {
    result: String,
    action: String,
    due: Option<String>,
}

/// POST /api/followups: a FollowUp for a published v2 result that found a problem.
pub async fn open(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(FOLLOW_UP_ROLES, "opening a follow-up")?;
    let req: NewFollowUp = caller.body(body, false)?;
    super::regulator::check_lengths(&[
        ("result", Some(&req.result), SHORT_MAX_CHARS * 2),
        ("action", Some(&req.action), SHORT_MAX_CHARS),
        ("due", req.due.as_deref(), SHORT_MAX_CHARS),
    ])?;
    let action = Action::parse(&req.action).ok_or_else(|| {
        let all: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        refused("action", format!("must be one of {}", all.join(", ")))
    })?;
    let given =
        req.due.as_deref().map(|d| aftercare::parse_due("due", d)).transpose().map_err(ApiError::unprocessable)?;
    let today = state.today();
    let (filed, _) = state
        .write(move |log, view| {
            let i = result_entry(log, "result", &req.result)?;
            require_result_department(&caller, log, view, i)?;
            let (fields, published) = folded(view, i).unwrap_or_default();
            let uscc = log.entry(i).map_err(ApiError::from)?.body["uscc"].clone();
            let body = aftercare::follow_up_body(&log.id(i), &uscc, &fields, published, action, given)
                .map_err(|e| ApiError::unprocessable(e.to_string()))?;
            append_one(log, Kind::FollowUp, signed(body, &caller))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(filed.follow_up_json(today))))
}

/// Appends one entry and returns it as filed (its date is the entry's China date).
fn append_one(log: &mut Log, kind: Kind, body: Value) -> ApiResult<Filed> {
    let c = clock();
    let ids = log.append(vec![(kind, body.clone())], &c.rfc3339, c.simulated)?;
    tracing::info!(?ids, %kind, "logged");
    let on = crate::model::date::china_date_of(&c.rfc3339).map_err(ApiError::internal)?;
    Ok(Filed { index: log.len() - 1, id: ids[0].clone(), on, body, reply: None })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseFollowUp {
    outcome: String,
}

/// POST /api/followups/{id}/close: the FollowUpClosed of an open follow-up.
pub async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(FOLLOW_UP_ROLES, "closing a follow-up")?;
    let req: CloseFollowUp = caller.body(body, false)?;
    text("outcome", &req.outcome, TEXT_MAX_CHARS)?;
    let today = state.today();
    let (closed, _) = state
        .write(move |log, view| {
            let i = log.find(&id)?;
            let full = log.id(i);
            let f = view
                .aftercare
                .follow_up(&full)
                .ok_or_else(|| ApiError::not_found(format!("entry {id} is not a follow-up")))?;
            if let Some(r) = &f.reply {
                return Err(ApiError::conflict(format!("follow-up {full} was closed already by entry {}", r.id)));
            }
            let mut f = f.clone();
            if let Some(r) = f.body["result"].as_str().and_then(|r| log.find(r).ok()) {
                require_result_department(&caller, log, view, r)?;
            }
            let body = signed(json!({"follow_up": full, "outcome": req.outcome}), &caller);
            let e = append_one(log, Kind::FollowUpClosed, body)?;
            f.reply = Some(aftercare::Reply { id: e.id, on: e.on, body: e.body });
            Ok(f)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(closed.follow_up_json(today))))
}

#[derive(Deserialize)]
pub struct ListQuery {
    uscc: Option<String>,
    /// `true`: open follow-ups (or unanswered objections) only.
    open: Option<bool>,
}

/// GET /api/followups: every follow-up (or a firm's), overdue ones flagged.
pub async fn follow_ups(State(state): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let today = state.today();
    let list: Vec<Value> = view
        .aftercare
        .follow_ups
        .iter()
        .filter(|f| q.uscc.as_deref().is_none_or(|u| f.body["uscc"] == u))
        .filter(|f| q.open != Some(true) || f.reply.is_none())
        .map(|f| f.follow_up_json(today))
        .collect();
    let overdue = list.iter().filter(|f| f["overdue"] == true).count();
    Ok(Json(json!({"today": today.to_string(), "overdue": overdue, "follow_ups": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    uscc: String,
    result: Option<String>,
    draw: Option<String>,
    text: String,
}

/// POST /api/objections: a firm's objection, filed by the bureau on its behalf.
pub async fn file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    // Every role files objections, for any firm (LOG-FORMAT "Accounts and roles").
    let req: NewObjection = caller.body(body, false)?;
    let code = uscc::normalize(req.uscc.trim());
    uscc::validate(&code).map_err(|e| refused("uscc", format!("{code} is not a valid 统一社会信用代码: {e}")))?;
    text("text", &req.text, TEXT_MAX_CHARS)?;
    super::regulator::check_lengths(&[
        ("result", req.result.as_deref(), SHORT_MAX_CHARS * 2),
        ("draw", req.draw.as_deref(), SHORT_MAX_CHARS * 2),
    ])?;
    let (filed, _) = state
        .write(move |log, view| {
            let mut body = json!({"uscc": code, "text": req.text});
            if let Some(r) = &req.result {
                let i = result_entry(log, "result", r)?;
                if published_result(view, i).is_none() {
                    return Err(refused("result", "the result is not published (已公示)"));
                }
                if log.entry(i).map_err(ApiError::from)?.body["uscc"] != code.as_str() {
                    return Err(refused("result", format!("the result is not one of {code}")));
                }
                body["result"] = json!(log.id(i));
            }
            if let Some(d) = &req.draw {
                let draw = view.draw(d).map_err(|e| refused("draw", e.message))?;
                body["draw"] = json!(draw.id);
            }
            append_one(log, Kind::Objection, signed(body, &caller))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(filed.objection_json())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnswer {
    answer: String,
    outcome: String,
}

/// POST /api/objections/{id}/answer: the bureau's one answer.
pub async fn answer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(super::auth::ADMINS, "answering an objection")?;
    let req: NewAnswer = caller.body(body, false)?;
    text("answer", &req.answer, TEXT_MAX_CHARS)?;
    Outcome::parse(&req.outcome)
        .ok_or_else(|| refused("outcome", "must be upheld (异议成立), rejected (异议不成立) or partly (部分成立)"))?;
    let (answered, _) = state
        .write(move |log, view| {
            let i = log.find(&id)?;
            let full = log.id(i);
            let o = view
                .aftercare
                .objection(&full)
                .ok_or_else(|| ApiError::not_found(format!("entry {id} is not an objection")))?;
            if let Some(r) = &o.reply {
                return Err(ApiError::conflict(format!("objection {full} was answered already by entry {}", r.id)));
            }
            let mut o = o.clone();
            // An objection about a draw or a result is its department's to answer.
            if let Some(r) = o.body["result"].as_str().and_then(|r| log.find(r).ok()) {
                require_result_department(&caller, log, view, r)?;
            } else if let Some(d) = o.body["draw"].as_str().and_then(|d| view.draw(d).ok()) {
                caller.require_department(&draw_departments(&d.commitment.body), &format!("draw {}", d.id))?;
            }
            let body = signed(json!({"objection": full, "answer": req.answer, "outcome": req.outcome}), &caller);
            let e = append_one(log, Kind::ObjectionAnswer, body)?;
            o.reply = Some(aftercare::Reply { id: e.id, on: e.on, body: e.body });
            Ok(o)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answered.objection_json())))
}

/// GET /api/objections: every objection (or a firm's) with its answer.
pub async fn objections(State(state): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let list: Vec<Value> = view
        .aftercare
        .objections
        .iter()
        .filter(|o| q.uscc.as_deref().is_none_or(|u| o.body["uscc"] == u))
        .filter(|o| q.open != Some(true) || o.reply.is_none())
        .map(Filed::objection_json)
        .collect();
    Ok(Json(json!({"objections": list})))
}
