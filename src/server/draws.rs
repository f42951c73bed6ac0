//! Logged draws as the public API shows them (GET /api/draws…).

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::state::AppState;
pub use super::state::Drawn;
use crate::log::snapshots::blob_name;
use crate::model::blinding::Registry;

pub fn summary(d: &Drawn) -> Value {
    json!({
        "id": d.id,
        "commitment": d.commitment_id,
        "plan_name": d.commitment.body["plan"]["name"],
        "outcome": d.result.body["outcome"],
        "committed_at": d.commitment.time,
        "revealed_at": d.result.time,
        "beacon": d.commitment.body["beacon"],
        "seed": d.beacon.body["seed"],
        "targets": d.document()["assignments"].as_array().map_or(0, Vec::len),
        "simulated": d.commitment.simulated || d.result.simulated,
        "sealed": d.sealed(),
        "published_at": d.publication.as_ref().map(|p| p.time.clone()),
    })
}

#[derive(Deserialize)]
pub struct Page {
    page: Option<String>,
    per_page: Option<String>,
}

/// Page numbers are checked, not wrapped: page × per_page must stay a
/// count, or the answer is 400 (a huge page used to wrap to page 1).
fn page_bounds(q: &Page) -> ApiResult<(usize, usize, usize)> {
    let number = |v: &Option<String>, default: usize| match v {
        None => Ok(default),
        Some(t) => t.parse::<usize>().map_err(|_| ()),
    };
    let bad = || ApiError::bad_request("page is a whole number from 1; per_page is 1–100");
    let per_page = number(&q.per_page, 20).map_err(|_| bad())?;
    let page = number(&q.page, 1).map_err(|_| bad())?;
    if !(1..=100).contains(&per_page) || page == 0 {
        return Err(bad());
    }
    let skip = (page - 1).checked_mul(per_page).ok_or_else(bad)?;
    Ok((page, per_page, skip))
}

pub async fn list(State(state): State<AppState>, Query(q): Query<Page>) -> ApiResult<impl IntoResponse> {
    let (page, per_page, skip) = page_bounds(&q)?;
    let view = state.view()?;
    let total = view.draws.len();
    let items: Vec<Value> = view.draws.iter().rev().skip(skip).take(per_page).map(summary).collect();
    Ok(cacheable(Json(json!({"draws": items, "page": page, "per_page": per_page, "total": total}))))
}

/// A short public cache: the log only grows, but lists do change.
fn cacheable(body: impl IntoResponse) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "public, max-age=5")], body)
}

fn immutable(content_type: &'static str, body: Vec<u8>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
}

pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let view = state.view()?;
    let log = &view.log;
    let d = view.draw(&id)?;
    let checkpoint = serde_json::to_vec(&log.latest_checkpoint()).map_err(ApiError::internal)?;
    // A sealed draw's detail changes once, when it is published.
    // … and once per replacement of one of its inspectors.
    let published = if d.publication.is_some() { "published" } else { "as revealed" };
    let key = format!("{}/{published}/{}", d.id, view.replacements_of(&d.id).len());
    let cached = state.0.details.lock().map_err(ApiError::internal)?.get(&key);
    let fixed = match cached {
        Some(bytes) => bytes,
        None => {
            let bytes = std::sync::Arc::new(detail_without_checkpoint(&state, &view, d)?);
            let weight = bytes.len();
            state.0.details.lock().map_err(ApiError::internal)?.put(key, bytes.clone(), weight, 256 << 20);
            bytes
        }
    };
    // The draw never changes once logged; only the newest checkpoint does.
    let mut body = Vec::with_capacity(fixed.len() + checkpoint.len() + 16);
    body.extend_from_slice(b"{\"checkpoint\":");
    body.extend_from_slice(&checkpoint);
    body.push(b',');
    body.extend_from_slice(&fixed[1..]);
    Ok(cacheable(([(header::CONTENT_TYPE, "application/json")], body)))
}

/// Everything of a draw's public detail but the newest checkpoint, as JSON.
fn detail_without_checkpoint(state: &AppState, view: &super::state::View, d: &Drawn) -> ApiResult<Vec<u8>> {
    let log = &view.log;
    let draw = d.document();
    let mut teams = Vec::new();
    // A snapshot that no longer hashes to its committed root must not hide
    // the draw: the page still shows it, and verification then fails.
    let rebuilt = state.rebuilt(log, &d.commitment_id, &d.commitment);
    let snapshot_problem = rebuilt.as_ref().err().map(|e| e.message.clone());
    let no_inspectors = Vec::new();
    if draw.is_object() {
        let inspectors = rebuilt.as_ref().map(|r| &r.inputs.inspectors).unwrap_or(&no_inspectors);
        let person = |id: &Value, role: &str| {
            let id = id.as_str().unwrap_or("");
            let i = inspectors.binary_search_by(|x| x.id.as_str().cmp(id)).ok().map(|k| &inspectors[k]);
            json!({"id": id, "name": i.map(|i| i.name.as_str()), "department": i.map(|i| i.department.as_str()), "role": role})
        };
        // The teams as they stand: the document's, with replacements applied.
        for a in &view.teams(d) {
            let mut members = Vec::new();
            for (k, id) in a["inspectors"].as_array().into_iter().flatten().enumerate() {
                members.push(person(id, if k == 0 { "leader" } else { "inspector" }));
            }
            members.extend(a["experts"].as_array().into_iter().flatten().map(|id| person(id, "expert")));
            teams.push(json!({"uscc": a["uscc"], "name": a["name"], "class": a["class"], "region": a["region"], "ticket": a["ticket"], "members": members}));
        }
    }
    // A protected log publishes its blinded snapshots only (LOG-FORMAT
    // "Publication"): those are the ones a visitor can download.
    let blinded = d.commitment.body.get("blinded");
    let mut snapshots = serde_json::Map::new();
    for registry in Registry::ALL {
        let (reg, registry) = (registry, registry.as_str());
        let s = blinded.map_or(&d.commitment.body["snapshots"][registry], |b| &b[registry]);
        let root = s["root"].as_str().unwrap_or("");
        let columns = match blinded {
            Some(_) => json!(reg.blinded_columns()),
            None => view.snapshot(root).map(|e| e.body["columns"].clone()).unwrap_or(Value::Null),
        };
        snapshots.insert(
            registry.into(),
            json!({"root": root, "count": s["count"], "columns": columns, "url": format!("/api/snapshots/{root}"),
                   "blinded": blinded.is_some()}),
        );
    }
    serde_json::to_vec(&json!({
        "id": d.id,
        "summary": summary(d),
        "commitment": d.commitment.body,
        "beacon": d.beacon.body,
        "draw": if draw.is_object() { draw.clone() } else { Value::Null },
        "failure": d.result.body.get("failure"),
        "sealed": d.sealed(),
        "teams": teams,
        "replacements": super::replace::listed(view, &d.id),
        "items": d.commitment.body["plan"]["items"],
        "snapshots": snapshots,
        "receipt_url": format!("/api/draws/{}/receipt", d.id),
        "publication_receipt_url": d.publication.as_ref().map(|_| format!("/api/draws/{}/receipt?of=publication", d.id)),
        "snapshot_problem": snapshot_problem,
    }))
    .map_err(ApiError::internal)
}

/// `?of=publication`: the receipt of a sealed draw's DrawPublication entry
/// (LOG-FORMAT "Embargo"), which carries the published document.
#[derive(serde::Deserialize)]
pub struct ReceiptOf {
    of: Option<String>,
}

pub async fn receipt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReceiptOf>,
) -> ApiResult<impl IntoResponse> {
    let view = state.view()?;
    let d = view.draw(&id)?;
    let index = match q.of.as_deref() {
        None | Some("result") => d.index,
        Some("publication") => d.publication.as_ref().map(|p| p.index).ok_or_else(|| {
            ApiError::not_found(format!("draw {} has no publication (not sealed, or still sealed)", d.id))
        })?,
        Some(other) => return Err(ApiError::bad_request(format!("of must be result or publication, not {other:?}"))),
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], view.log.receipt(index)?.to_text()))
}

pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let log = state.log()?;
    // With its witnesses' cosignature lines when it has them (LOG-FORMAT).
    let cp = log.served_checkpoint().ok_or_else(|| ApiError::not_found("the log has no checkpoint yet"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], cp))
}

pub async fn vkey(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", state.log()?.vkey)))
}

pub async fn entry(State(state): State<AppState>, Path(index): Path<String>) -> ApiResult<impl IntoResponse> {
    let index: u64 = index.parse().map_err(|_| ApiError::bad_request("entry index must be a number"))?;
    let log = state.log()?;
    if index >= log.len() {
        return Err(ApiError::not_found(format!("the log has {} entries", log.len())));
    }
    Ok(immutable("application/json", log.line(index).to_vec()))
}

pub async fn snapshot(State(state): State<AppState>, Path(root): Path<String>) -> ApiResult<impl IntoResponse> {
    if !crate::log::entry::is_hex64(&root) {
        return Err(ApiError::bad_request("a snapshot root is 64 lowercase hex digits"));
    }
    let log = state.log()?;
    let gz =
        log.blob(&blob_name(&root))?.ok_or_else(|| ApiError::not_found(format!("no snapshot with root {root}")))?;
    Ok(immutable("application/gzip", gz))
}
