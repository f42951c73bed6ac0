//! The regulator's result writes. A new result waits for review (待审核) in
//! `private/results/` (pending.rs) and is not logged; amending it changes
//! its file; publishing it (state 已公示) logs it as an InspectionResult.
//! A logged result changes only by Amendment entries. Who may do which
//! step (录入 → 审核 → 公示, 退回) is review.rs's; the accounts' names
//! (`recorded_by`, `reviewed_by`, `by`) come from the token, never the body.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::path::Path as FsPath;

use super::auth::{draw_departments, Caller};
use super::error::{ApiError, ApiResult};
use super::pending::{self, Pending};
use super::regulator::{check_lengths, clock, FINDINGS_MAX_BYTES, REASON_MAX_BYTES, SHORT_FIELD_MAX_BYTES};
use super::results::{self, CATEGORIES};
use super::results_v2::{self, NewResultV2};
use super::review::{self, Step, PUBLISHED, RETURNED, WAITING};
use super::state::{AppState, View};
use crate::log::accounts::Role;
use crate::log::entry::Kind;
use crate::log::store::Log;
use crate::model::date::Date;
use crate::model::result::{self, Attachment, Fields, Item, ResultV2};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewResult {
    draw: String,
    uscc: String,
    category: String,
    inspection_date: String,
    #[serde(default)]
    findings: String,
}

fn check_category(c: &str) -> ApiResult<()> {
    if CATEGORIES.contains(&c) {
        Ok(())
    } else {
        Err(ApiError::unprocessable(format!("category must be one of: {}", CATEGORIES.join("；"))))
    }
}

/// An inspection happens after its draw was revealed (China date) and not
/// after today; anything else is a typing error that would also lose the
/// result its deadline.
fn check_date(d: &str, revealed: Date, today: Date) -> ApiResult<String> {
    let date = Date::parse(d).map_err(|m| ApiError::unprocessable(format!("inspection_date: {m}")))?;
    if date > today {
        return Err(ApiError::unprocessable(format!(
            "inspection_date {date} is in the future (today is {today} in China)"
        )));
    }
    if date < revealed {
        return Err(ApiError::unprocessable(format!(
            "inspection_date {date} is before the draw was revealed on {revealed}: a target is inspected after it is drawn"
        )));
    }
    Ok(date.to_string())
}

/// Whether the log holds a result (published or, in an old log, not) for
/// this target of this draw.
fn logged_for(log: &Log, view: &View, draw: &str, uscc: &str) -> bool {
    view.results_of(draw).iter().any(|&i| log.entry(i).is_ok_and(|e| e.body["uscc"] == uscc))
}

/// What a recording request gives, per format.
enum Recorded {
    V1(NewResult),
    V2(Fields),
}

/// Records a result as pending: a file under private/results/, nothing
/// logged. A body with `format` is a v2 result (results_v2.rs), else v1.
pub async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&[Role::Recorder], "recording a result")?;
    let Json(body) = body?;
    caller.refuse_names(&body, false)?;
    let (draw, uscc, date, recorded) = if body.get("format").is_some() {
        let req = NewResultV2::parse(body)?;
        check_lengths(&[
            ("draw", Some(&req.draw), SHORT_FIELD_MAX_BYTES),
            ("uscc", Some(&req.uscc), SHORT_FIELD_MAX_BYTES),
        ])?;
        let fields = req.fields()?;
        (req.draw, req.uscc, fields.inspection_date.clone(), Recorded::V2(fields))
    } else {
        let req: NewResult = serde_json::from_value(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
        check_lengths(&[
            ("draw", Some(&req.draw), SHORT_FIELD_MAX_BYTES),
            ("uscc", Some(&req.uscc), SHORT_FIELD_MAX_BYTES),
            ("category", Some(&req.category), SHORT_FIELD_MAX_BYTES),
            ("inspection_date", Some(&req.inspection_date), SHORT_FIELD_MAX_BYTES),
            ("findings", Some(&req.findings), FINDINGS_MAX_BYTES),
        ])?;
        check_category(&req.category)?;
        (req.draw.clone(), req.uscc.clone(), req.inspection_date.clone(), Recorded::V1(req))
    };
    let today = state.today();
    let log_dir = state.config().log_dir.clone();
    let app = state.clone();
    // Through the writer, so that records and publications are ordered.
    let (p, _) = state
        .write(move |log, view| {
            let d = view.draw(&draw)?;
            caller.require_department(&draw_departments(&d.commitment.body), &format!("draw {}", d.id))?;
            let date = check_date(&date, d.result.china_date(), today)?;
            let uscc = crate::model::uscc::normalize(uscc.trim());
            // A sealed draw's targets are in the bureau's sealed copy.
            let sealed_copy = match d.sealed() {
                Some(_) => Some(
                    crate::log::seal::sealed_publication(log, &d.id, &d.result)
                        .map_err(|e| ApiError::internal(e.to_string()))?,
                ),
                None => None,
            };
            let document = sealed_copy.as_ref().map_or(d.document(), |p| &p["draw"]);
            let target = document["assignments"]
                .as_array()
                .and_then(|a| a.iter().find(|a| a["uscc"] == uscc.as_str()))
                .cloned()
                .ok_or_else(|| ApiError::unprocessable(format!("{uscc} is not a target of draw {}", d.id)))?;
            let result = match recorded {
                Recorded::V1(req) => json!({"name": target["name"], "category": req.category, "inspection_date": date,
                    "findings": req.findings, "state": "待审核"}),
                Recorded::V2(fields) => {
                    results_v2::check_against_draw(&app, log, d, &uscc, &fields)?;
                    serde_json::to_value(ResultV2::new(fields, "待审核")).map_err(ApiError::internal)?
                }
            };
            let is_logged = |id: &str| view.published_pending(id).is_some();
            pending::remove_logged(&log_dir, is_logged).map_err(ApiError::internal)?;
            let waiting = pending::load_all(&log_dir, is_logged).map_err(ApiError::internal)?;
            if logged_for(log, view, &d.id, &uscc) || waiting.iter().any(|p| p.draw == d.id && p.uscc == uscc) {
                return Err(ApiError::conflict(format!("a result for {uscc} is already recorded; amend it instead")));
            }
            let Value::Object(mut result) = result else { unreachable!("a JSON object") };
            if let Some(name) = caller.name() {
                result.insert("recorded_by".into(), json!(name));
            }
            let p = Pending {
                id: pending::new_id(),
                draw: d.id.clone(),
                uscc,
                recorded_at: clock().rfc3339,
                result,
                amendments: Vec::new(),
                returns: Vec::new(),
            };
            pending::save(&log_dir, &p).map_err(ApiError::internal)?;
            tracing::info!(pending = %p.id, "recorded a result for review");
            Ok(p)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(results::pending(&p, today))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    reason: String,
    category: Option<String>,
    findings: Option<String>,
    inspection_date: Option<String>,
    state: Option<String>,
    /// Format 2 only (results_v2.rs).
    method: Option<String>,
    items: Option<Vec<Item>>,
    attachments: Option<Vec<Attachment>>,
}

/// What an amendment left: a logged result (amended or just published) or
/// a result still waiting for review.
enum Amended {
    Logged(u64),
    Pending(Box<Pending>),
}

pub async fn amend(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let req: AmendRequest = caller.body(body, false)?;
    check_lengths(&[
        ("reason", Some(&req.reason), REASON_MAX_BYTES),
        ("category", req.category.as_deref(), SHORT_FIELD_MAX_BYTES),
        ("findings", req.findings.as_deref(), FINDINGS_MAX_BYTES),
        ("inspection_date", req.inspection_date.as_deref(), SHORT_FIELD_MAX_BYTES),
        ("state", req.state.as_deref(), SHORT_FIELD_MAX_BYTES),
    ])?;
    if req.reason.trim().is_empty() {
        return Err(ApiError::unprocessable("an amendment needs a reason"));
    }
    let mut changes = Map::new();
    if let Some(c) = req.category {
        check_category(&c)?;
        changes.insert("category".into(), json!(c));
    }
    if let Some(f) = req.findings {
        changes.insert("findings".into(), json!(f));
    }
    if let Some(m) = req.method {
        changes.insert("method".into(), json!(m));
    }
    if let Some(mut items) = req.items {
        result::normalize_items(&mut items);
        changes.insert("items".into(), serde_json::to_value(items).map_err(ApiError::internal)?);
    }
    if let Some(a) = req.attachments {
        changes.insert("attachments".into(), serde_json::to_value(a).map_err(ApiError::internal)?);
    }
    let new_date = req.inspection_date;
    if let Some(s) = req.state {
        if ![WAITING, PUBLISHED, RETURNED].contains(&s.as_str()) {
            return Err(ApiError::unprocessable("state must be 待审核, 已公示 or 退回 (returned, with the reason)"));
        }
        changes.insert("state".into(), json!(s));
    }
    if changes.is_empty() && new_date.is_none() {
        return Err(ApiError::bad_request(
            "nothing to amend: give inspection_date or state, category or findings (v1), method, items or attachments (format 2)",
        ));
    }
    let today = state.today();
    let reason = req.reason;
    let log_dir = state.config().log_dir.clone();
    let app = state.clone();
    let (amended, view) = state
        .write(move |log, view| {
            let state = &app;
            let date = |draw: &str| -> ApiResult<Option<String>> {
                let Some(d) = &new_date else { return Ok(None) };
                Ok(Some(check_date(d, view.draw(draw)?.result.china_date(), today)?))
            };
            let change = Change { caller: &caller, reason, changes };
            if pending::is_id(&id) {
                amend_pending(state, log, view, &log_dir, &id, change, &date)
            } else {
                amend_logged(state, log, view, today, &id, change, &date)
            }
        })
        .await?;
    let result = match amended {
        Amended::Logged(i) => results::current(&view, i, today),
        Amended::Pending(p) => results::pending(&p, today),
    };
    Ok((StatusCode::CREATED, Json(result)))
}

/// An amendment request: who asks, why, and what changes.
struct Change<'a> {
    caller: &'a Caller,
    reason: String,
    changes: Map<String, Value>,
}

/// An Amendment entry for a logged result. A published result does not go
/// back to review: its entries are public already.
fn amend_logged(
    state: &AppState,
    log: &mut Log,
    view: &View,
    today: Date,
    id: &str,
    change: Change,
    date: &dyn Fn(&str) -> ApiResult<Option<String>>,
) -> ApiResult<Amended> {
    let Change { caller, reason, mut changes } = change;
    let i = log.find(id)?;
    let result = log.entry(i).ok().filter(|e| e.kind == Kind::InspectionResult);
    let result = result.ok_or_else(|| ApiError::not_found(format!("entry {id} is not an inspection result")))?;
    if let Some(d) = date(result.body["draw"].as_str().unwrap_or_default())? {
        changes.insert("inspection_date".into(), json!(d));
    }
    if results::is_public(&results::current(view, i, today)) && changes.get("state").is_some_and(|s| s == "待审核") {
        return Err(ApiError::unprocessable("a published result cannot go back to review (待审核); amend its fields"));
    }
    let original = super::aftercare::folded(view, i).map(|(fields, _)| fields).unwrap_or_default();
    let departments =
        view.draw(result.body["draw"].as_str().unwrap_or_default()).map(|d| draw_departments(&d.commitment.body));
    review::published_change(caller, &original, &mut changes, &departments.unwrap_or_default(), &log.id(i))?;
    let mut merged = original.clone();
    merged.extend(changes.clone());
    if let Some(fields) = results_v2::check_amended(&original, &merged)? {
        let d = view.draw(result.body["draw"].as_str().unwrap_or_default())?;
        results_v2::check_against_draw(state, log, d, result.body["uscc"].as_str().unwrap_or_default(), &fields)?;
    }
    let mut body = json!({"amends": log.id(i), "reason": reason, "result": Value::Object(changes)});
    if let Some(name) = caller.name() {
        body["by"] = json!(name);
    }
    let c = clock();
    let ids = log.append(vec![(Kind::Amendment, body)], &c.rfc3339, c.simulated)?;
    tracing::info!(?ids, "logged an amendment");
    Ok(Amended::Logged(i))
}

/// A change to a pending result's file; with state 已公示 it is published:
/// logged (naming its pending id), then its file is removed; with state 退回
/// it is returned to its recorder, the return kept in its file.
fn amend_pending(
    state: &AppState,
    log: &mut Log,
    view: &View,
    log_dir: &FsPath,
    id: &str,
    change: Change,
    date: &dyn Fn(&str) -> ApiResult<Option<String>>,
) -> ApiResult<Amended> {
    let Change { caller, reason, mut changes } = change;
    if let Some(i) = view.published_pending(id) {
        pending::remove(log_dir, id).map_err(ApiError::internal)?;
        return Err(ApiError::conflict(format!(
            "result {id} is published already, as entry {}; amend that entry",
            log.id(i)
        )));
    }
    let mut p = pending::load(log_dir, id)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no result waiting for review has the id {id}")))?;
    if let Some(d) = date(&p.draw)? {
        changes.insert("inspection_date".into(), json!(d));
    }
    let departments = draw_departments(&view.draw(&p.draw)?.commitment.body);
    let step = review::pending_step(caller, &p.result, &mut changes, &departments, id)?;
    let mut merged = p.result.clone();
    merged.extend(changes.clone());
    if let Some(fields) = results_v2::check_amended(&p.result, &merged)? {
        results_v2::check_against_draw(state, log, view.draw(&p.draw)?, &p.uscc, &fields)?;
    }
    let c = clock();
    p.result = merged;
    if step == Step::Return {
        p.returns.push(review::return_record(&c.rfc3339, caller, &reason));
    } else {
        let mut amendment = json!({"time": c.rfc3339, "reason": reason, "changes": changes});
        if let Some(name) = caller.name() {
            amendment["by"] = json!(name);
        }
        p.amendments.push(amendment);
    }
    if step != Step::Publish {
        pending::save(log_dir, &p).map_err(ApiError::internal)?;
        return Ok(Amended::Pending(Box::new(p)));
    }
    if logged_for(log, view, &p.draw, &p.uscc) {
        return Err(ApiError::conflict(format!("the log holds a result for {} already; amend it instead", p.uscc)));
    }
    // The review notes stay private; the log gets the result as published.
    let mut result = p.result;
    result.insert("pending".into(), json!(p.id));
    let mut body = json!({"draw": p.draw, "uscc": p.uscc, "result": Value::Object(result)});
    if let Some(name) = caller.name() {
        body["result"]["reviewed_by"] = json!(name);
        body["by"] = json!(name);
    }
    let ids = log.append(vec![(Kind::InspectionResult, body)], &c.rfc3339, c.simulated)?;
    tracing::info!(pending = %id, ?ids, "published a reviewed result");
    // Logged: a saved write is never an error. A file left here is skipped
    // as logged and removed by a later write.
    if let Err(e) = pending::remove(log_dir, id) {
        tracing::warn!(error = %e, "a published result's pending file stays until the next write");
    }
    Ok(Amended::Logged(log.len() - 1))
}
