//! GET /api/stats?year=Y: one year's statistics (audit/LOG-FORMAT.md,
//! "Statistics"), made from the public log only. An answer is kept per
//! (log size, year, day): the registries behind the fairness test are
//! rebuilt once per write, not once per request.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::log::stats;
use crate::model::date::Date;

#[derive(Deserialize)]
pub struct StatsQuery {
    year: Option<String>,
}

/// Answers kept: (log directory, log size, year, today) → JSON bytes.
type Kept = HashMap<(std::path::PathBuf, u64, u64, Date), axum::body::Bytes>;

fn kept() -> &'static Mutex<Kept> {
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT.get_or_init(Mutex::default)
}

/// How many answers are kept before the oldest are dropped (all at once).
const KEPT_ANSWERS: usize = 64;

pub async fn year(State(state): State<AppState>, Query(q): Query<StatsQuery>) -> ApiResult<impl IntoResponse> {
    let today = state.today();
    let year = match q.year.as_deref() {
        None => u64::from(today.year),
        Some(y) => y
            .parse::<u64>()
            .ok()
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| ApiError::bad_request(format!("year {y:?} is not a year such as 2026")))?,
    };
    let view = state.view()?;
    let key = (state.config().log_dir.clone(), view.log.len(), year, today);
    if let Some(bytes) = kept().lock().map_err(ApiError::internal)?.get(&key) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], bytes.clone()));
    }
    let log = view.log.clone();
    let answer = tokio::task::spawn_blocking(move || stats::of_log(&log, year, today, true))
        .await
        .map_err(ApiError::internal)?;
    let bytes = axum::body::Bytes::from(serde_json::to_vec(&answer).map_err(ApiError::internal)?);
    let mut kept = kept().lock().map_err(ApiError::internal)?;
    if kept.len() >= KEPT_ANSWERS {
        kept.clear();
    }
    kept.insert(key, bytes.clone());
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes))
}
