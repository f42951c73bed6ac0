//! GET /api/plans and GET /api/visits: the log's annual plans with their
//! batches and each batch's commitments, and the visits (joint ones merged)
//! of its draws (audit/LOG-FORMAT.md "Annual plans and batches", "Joint
//! visits").

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::state::AppState;
use crate::log::annual;
use crate::log::entry::Entry;

pub async fn plans(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let log = &view.log;
    let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    Ok(Json(json!({ "plans": annual::plans(&entries) })))
}

pub async fn visits(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let log = &view.log;
    let entries: Vec<(String, &Entry)> = log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let visits = annual::visits(&entries);
    let joint = visits.iter().filter(|v| v.is_joint()).count();
    Ok(Json(json!({ "visits": visits, "joint": joint, "rate": annual::rate_line(&visits) })))
}
