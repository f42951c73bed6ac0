//! Replacing an inspector through the regulator API (audit/LOG-FORMAT.md
//! "Replacing an inspector"): `POST /api/draws/{id}/replace` logs one
//! `Replacement`, and the public detail of a draw lists its replacements.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{admin_department, Caller, ADMINS};
use super::error::{ApiError, ApiResult};
use super::regulator::{check_lengths, clock};
use super::state::{AppState, View};
use crate::log::entry::{Entry, Kind};
use crate::log::replace::{self, ReplaceError};

/// Longest `reason` accepted, in bytes (a few sentences).
const REASON_MAX_BYTES: usize = 2000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReplacement {
    inspector: String,
    reason: String,
    by: Option<String>,
}

/// POST /api/draws/{id}/replace: `{"inspector", "reason", "by"?}`; 201 with
/// the entry's id and the replacements, 422 when a rule refuses, 404 for an
/// id that is not a draw. `by` is the account's name; a body gives it only
/// with the single token of a set-up without accounts.
pub async fn replace(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(ADMINS, "replacing an inspector")?;
    let mut req: NewReplacement = caller.body(body, true)?;
    if let Some(name) = caller.name() {
        req.by = Some(name.to_string());
    }
    check_lengths(&[
        ("inspector", Some(&req.inspector), 200),
        ("reason", Some(&req.reason), REASON_MAX_BYTES),
        ("by", req.by.as_deref(), 200),
    ])?;
    let writer = state.clone();
    let (answer, _) = state
        .write(move |log, view| {
            let d = view.draw(&id)?;
            caller.require_department(&admin_department(&d.commitment.body), &format!("draw {}", d.id))?;
            let result = d.id.clone();
            let (commitment_id, commitment) = (d.commitment_id.clone(), d.commitment.clone());
            let before: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
            let rebuild = |_: &Entry| {
                writer.rebuilt(log, &commitment_id, &commitment).map(|r| r.inputs.clone()).map_err(|e| e.message)
            };
            let old = req.inspector.trim();
            let body = replace::replacement(&before, &result, old, &req.reason, req.by.as_deref(), rebuild)
                .map_err(refused)?;
            drop(before);
            let c = clock();
            let ids = log.append(vec![(Kind::Replacement, body.clone())], &c.rfc3339, c.simulated)?;
            tracing::info!(?ids, draw = %result, "logged a replacement");
            Ok(json!({"id": ids[0], "draw": result, "inspector": old, "reason": body["reason"],
                      "replacements": body["replacements"], "described": replace::describe(&body)}))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

fn refused(e: ReplaceError) -> ApiError {
    match e {
        ReplaceError::Inputs(m) => ApiError::conflict(format!("the draw's snapshots do not rebuild: {m}")),
        other => ApiError::unprocessable(other.to_string()),
    }
}

/// A draw's replacements for its public detail: each entry's id, time,
/// replaced inspector, reason, `by` and slots, in log order.
pub fn listed(view: &View, draw: &str) -> Vec<Value> {
    view.replacements_of(draw)
        .iter()
        .filter_map(|&i| view.log.entry(i).ok().map(|e| (i, e)))
        .map(|(i, e)| {
            json!({"id": view.log.id(i), "index": i, "time": e.time, "inspector": e.body["inspector"],
                   "reason": e.body["reason"], "by": e.body.get("by"), "replacements": e.body["replacements"]})
        })
        .collect()
}
