//! GET /api/commitments: every commitment of the log, whether it was
//! revealed, and which ones could hide a choice among draws (LOG-FORMAT.md
//! "Abandoned and competing commitments"), judged by the server's clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::log::commitments::{self, Suspect};
use crate::log::entry::{Entry, Kind};
use crate::log::flow::Clock;

/// The states a commitment can be listed by.
const STATES: [&str; 4] = ["all", "unrevealed", "abandoned", "competing"];

#[derive(Deserialize)]
pub struct Filter {
    state: Option<String>,
}

pub async fn list(State(state): State<AppState>, Query(q): Query<Filter>) -> ApiResult<impl IntoResponse> {
    let wanted = q.state.as_deref().unwrap_or("all");
    if !STATES.contains(&wanted) {
        return Err(ApiError::bad_request(format!("state is one of {}", STATES.join(", "))));
    }
    let view = state.view()?;
    let log = &view.log;
    // Only commitments and beacon records matter here; results, which are
    // most of a busy log, are skipped before their ids are even formatted.
    let entries: Vec<(String, Arc<Entry>)> = log
        .valid_entries()
        .filter(|(_, e)| matches!(e.kind, Kind::DrawCommitment | Kind::BeaconRecord))
        .map(|(i, e)| (log.id(i), e.clone()))
        .collect();
    let refs: Vec<(String, &Entry)> = entries.iter().map(|(id, e)| (id.clone(), e.as_ref())).collect();
    let suspects = commitments::suspects(&refs, Some(Clock::system().unix));

    let abandoned: BTreeSet<&str> =
        suspects.iter().filter(|s| matches!(s, Suspect::Abandoned { .. })).flat_map(Suspect::ids).collect();
    let mut competing_with: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for group in suspects.iter().filter(|s| matches!(s, Suspect::Competing { .. })) {
        let ids = group.ids();
        for id in &ids {
            competing_with.entry(id).or_default().extend(ids.iter().filter(|other| *other != id));
        }
    }
    let beacon_of: BTreeMap<&str, &str> = refs
        .iter()
        .filter(|(_, e)| e.kind == Kind::BeaconRecord)
        .filter_map(|(id, e)| e.body["commitment"].as_str().map(|c| (c, id.as_str())))
        .collect();

    let listed: Vec<Value> = refs
        .iter()
        .filter(|(_, e)| e.kind == Kind::DrawCommitment)
        .map(|(id, e)| {
            let id = id.as_str();
            let rivals = competing_with.get(id).cloned().unwrap_or_default();
            json!({
                "id": id,
                "index": e.index,
                "plan_name": e.body["plan"]["name"],
                "committed_at": e.time,
                "simulated": e.simulated,
                "beacon": e.body["beacon"],
                "beacon_record": beacon_of.get(id),
                "abandoned": abandoned.contains(id),
                "competing_with": rivals,
            })
        })
        .filter(|c| match wanted {
            "unrevealed" => c["beacon_record"].is_null(),
            "abandoned" => c["abandoned"] == true,
            "competing" => c["competing_with"].as_array().is_some_and(|r| !r.is_empty()),
            _ => true,
        })
        .collect();
    let total = listed.len();
    let body = Json(json!({"commitments": listed, "state": wanted, "total": total}));
    Ok(([(header::CACHE_CONTROL, "public, max-age=5")], body))
}
