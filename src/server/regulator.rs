//! The regulator's write API. Every request needs `Authorization: Bearer
//! TOKEN`: a named account's, with the role and department the route asks
//! for, or without an accounts file the single configured token (auth.rs);
//! every accepted request becomes log entries, except results waiting for
//! review, which stay private (recording.rs).
//! Bodies that are not JSON of the right shape answer 400; well-formed
//! bodies with refused values (too long, unknown, in the future, not a
//! target...) answer 422 (see error.rs).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{admin_department, Caller, ADMINS};
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::input::plan::Plan;
use crate::input::table::{BytesSource, Source};
use crate::log::flow::{self, Clock, Offered};

/// Byte limits (UTF-8) of the text fields of write requests; web/openapi.json
/// documents the same numbers (`x-max-bytes`).
pub const FINDINGS_MAX_BYTES: usize = 8 * 1024;
pub const REASON_MAX_BYTES: usize = 2 * 1024;
/// Ids, USCCs, categories, dates, states, beacon specs and witness names.
pub const SHORT_FIELD_MAX_BYTES: usize = 128;
pub const CEREMONY_DIGITS_MAX_BYTES: usize = 1024;
pub const CEREMONY_WITNESSES_MAX: usize = 64;

/// Every (name, value, limit) whose value is longer than its limit, in one 422.
pub fn check_lengths(fields: &[(&str, Option<&str>, usize)]) -> ApiResult<()> {
    let problems: Vec<String> = fields
        .iter()
        .filter_map(|&(name, value, max)| {
            let len = value?.len();
            (len > max).then(|| format!("{name} is {len} bytes; at most {max} bytes (UTF-8) are accepted"))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unprocessable(problems.join("; ")))
    }
}

pub fn clock() -> Clock {
    Clock::system()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    plan: String,
    #[serde(default)]
    files: std::collections::BTreeMap<String, String>,
    enterprises: Option<String>,
    enterprises_base64: Option<String>,
    inspectors: Option<String>,
    inspectors_base64: Option<String>,
    conflicts: Option<String>,
    conflicts_base64: Option<String>,
    beacon: String,
    /// A batch of a logged annual plan: the AnnualPlan entry's id (8+ hex digits) and the batch's name.
    annual: Option<String>,
    batch: Option<String>,
}

fn file_bytes(text: Option<String>, b64: Option<String>, what: &str) -> ApiResult<Option<Vec<u8>>> {
    use base64::Engine;
    match (text, b64) {
        (Some(t), None) => Ok(Some(t.into_bytes())),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map(Some)
            .map_err(|_| ApiError::unprocessable(format!("{what}_base64 is not base64"))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ApiError::bad_request(format!("give {what} or {what}_base64, not both"))),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(ADMINS, "committing a draw")?;
    let req: NewCommitment = caller.body(body, false)?;
    check_lengths(&[("beacon", Some(&req.beacon), SHORT_FIELD_MAX_BYTES)])?;
    let choice = flow::parse_beacon(&req.beacon).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let ents = file_bytes(req.enterprises, req.enterprises_base64, "enterprises")?
        .ok_or_else(|| ApiError::bad_request("enterprises is required"))?;
    let insp = file_bytes(req.inspectors, req.inspectors_base64, "inspectors")?
        .ok_or_else(|| ApiError::bad_request("inspectors is required"))?;
    let conf = file_bytes(req.conflicts, req.conflicts_base64, "conflicts")?;
    let batch_of_year = match (req.annual, req.batch) {
        (Some(a), Some(b)) => Some((a, b.trim().to_string())),
        (None, None) => None,
        _ => return Err(ApiError::bad_request("give annual and batch together")),
    };
    let files = req.files;
    let open = |name: &str| side_file(&files, name);
    let plan = Plan::parse(&req.plan, "plan", &open).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let department: Vec<String> = Some(plan.department.clone()).filter(|d| !d.is_empty()).into_iter().collect();
    caller.require_department(&department, "the plan's draw")?;
    let conf_src = conf.as_deref().map(|b| BytesSource { label: "conflicts".into(), bytes: b });
    let inputs = crate::input::files::load_registries(
        plan,
        &BytesSource { label: "enterprises".into(), bytes: &ents },
        &BytesSource { label: "inspectors".into(), bytes: &insp },
        conf_src.as_ref().map(|c| c as &(dyn Source + Sync)),
    )
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let ((id, cosigning), _) = state
        .write(move |log, _| {
            let mut inputs = inputs;
            if let Some((annual, batch)) = batch_of_year {
                let at = log.find(&annual).map_err(|e| ApiError::unprocessable(format!("annual: {e}")))?;
                inputs.plan.annual = Some(crate::input::plan::AnnualRef { plan: log.id(at), batch });
            }
            let id = flow::commit(log, inputs, &choice, &clock(), caller.name()).map_err(flow_error)?;
            // The commitment is logged whatever the witnesses answer.
            let commitment_index = log.len() - 1;
            let cosigning = flow::cosign_at(log, commitment_index).map_err(ApiError::from)?;
            Ok((id, cosigning))
        })
        .await?;
    tracing::info!(commitment = %id, "logged a draw commitment");
    if let Some(c) = cosigning.filter(|c| !c.has_quorum()) {
        let what = format!(
            "commitment {id} is logged but unwitnessed: it can be revealed only if `fairdraw cosign` obtains the quorum before its deadline"
        );
        return Err(flow_error(flow::FlowError::witnesses(&what, &c)));
    }
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// A plan's side file from the request; a missing one reads as empty.
fn side_file<'a>(files: &'a std::collections::BTreeMap<String, String>, name: &str) -> Box<dyn Source + 'a> {
    let bytes = files.get(name).map(|s| s.as_bytes()).unwrap_or_default();
    Box::new(BytesSource { label: name.to_string(), bytes })
}

fn flow_error(e: flow::FlowError) -> ApiError {
    match e {
        flow::FlowError::Refused(m) => ApiError::unprocessable(m),
        // The offered randomness, the stored inputs or the witness deadline
        // do not fit the commitment: the request is refused.
        e @ (flow::FlowError::Beacon(_) | flow::FlowError::Rebuild(_) | flow::FlowError::Time(_)) => {
            ApiError::unprocessable(e.to_string())
        }
        flow::FlowError::Log(l) => l.into(),
        // No witness answered: the server's network, not the request.
        flow::FlowError::Witnesses { message, unreachable: true } => ApiError::busy(message),
        flow::FlowError::Witnesses { message, unreachable: false } => ApiError::conflict(message),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    drand: Option<Value>,
    ceremony: Option<Ceremony>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceremony {
    digits: String,
    witnesses: Vec<String>,
    /// The ceremony's time (RFC 3339 UTC), required under a witness policy.
    #[serde(default)]
    at: Option<String>,
}

pub async fn reveal(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(ADMINS, "revealing a draw")?;
    let req: RevealRequest = caller.body(body, false)?;
    let offered = match (req.drand, req.ceremony) {
        (Some(d), None) => Offered::Drand(
            crate::log::beacon::parse_round_json(d.to_string().as_bytes())
                .map_err(|e| ApiError::unprocessable(e.to_string()))?,
        ),
        (None, Some(c)) => {
            if c.witnesses.len() > CEREMONY_WITNESSES_MAX {
                return Err(ApiError::unprocessable(format!(
                    "at most {CEREMONY_WITNESSES_MAX} witnesses are accepted"
                )));
            }
            let mut fields = vec![("ceremony.digits", Some(c.digits.as_str()), CEREMONY_DIGITS_MAX_BYTES)];
            fields.extend(c.witnesses.iter().map(|w| ("a witness name", Some(w.as_str()), SHORT_FIELD_MAX_BYTES)));
            fields.push(("ceremony.at", c.at.as_deref(), SHORT_FIELD_MAX_BYTES));
            check_lengths(&fields)?;
            Offered::Ceremony { digits: c.digits, witnesses: c.witnesses, at: c.at }
        }
        _ => return Err(ApiError::bad_request("give either drand {round, signature} or ceremony {digits, witnesses}")),
    };
    let (revealed, _) = state
        .write(move |log, _| {
            // A commitment's department; any other entry is refused by flow::reveal.
            let commitment = log.find(&id).and_then(|i| log.entry(i))?;
            caller.require_department(&admin_department(&commitment.body), &format!("commitment {id}"))?;
            flow::reveal(log, &id, &offered, &clock(), caller.name()).map_err(flow_error)
        })
        .await?;
    tracing::info!(beacon = %revealed.beacon_id, result = %revealed.result_id, "logged a reveal");
    let outcome = if revealed.draw.is_some() { "drawn" } else { "infeasible" };
    let mut answer = json!({"id": revealed.result_id, "outcome": outcome, "failure": revealed.failure});
    // A sealed draw: the bureau (this answer only) gets the list.
    if let Some(until) = revealed.sealed_until {
        answer["sealed_until"] = json!(until.to_string());
        answer["draw"] = json!(revealed.draw);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// POST /api/draws/{id}/unseal: publishes a sealed draw on or after its
/// date (China); earlier, or for a draw that is not sealed, 422.
pub async fn unseal(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(ADMINS, "unsealing a draw")?;
    let (done, _) = state
        .write(move |log, view| {
            if let Ok(d) = view.draw(&id) {
                caller.require_department(&admin_department(&d.commitment.body), &format!("draw {}", d.id))?;
            }
            crate::log::seal::unseal(log, &id, &clock(), caller.name()).map_err(flow_error)
        })
        .await?;
    tracing::info!(publication = %done.publication_id, result = %done.result_id, "published a sealed draw");
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": done.publication_id, "draw": done.result_id, "until": done.until.to_string()})),
    ))
}
