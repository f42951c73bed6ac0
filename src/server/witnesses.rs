//! GET /api/draws/{id}/witnesses: what the page needs to check a draw's
//! witnessing itself — the policy entry with its inclusion proof, the
//! cosigned checkpoint that fixed the commitment before its deadline, and
//! the one that witnessed the reveal, each with an inclusion proof.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::log::flow;
use crate::log::policy::Policy;
use crate::log::proof::inclusion_proof;
use crate::log::witnessing::{check_records, witnessing_record};

fn proof_hex(leaves: &[crate::model::merkle::Hash], index: u64, size: u64) -> Vec<String> {
    inclusion_proof(&leaves[..size as usize], index).iter().map(hex::encode).collect()
}

pub async fn witnesses(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let view = state.view()?;
    let log: &crate::log::store::Log = &view.log;
    let d = view.draw(&id)?;
    let c = log.find(&d.commitment_id)?;
    let commitment = json!({"index": c, "id": d.commitment_id});
    let Some((pi, policy)) = Policy::in_force(log, c) else {
        return Ok(Json(
            json!({"policy": null, "commitment": commitment, "deadline": null, "before": null, "reveal": null}),
        ));
    };
    let (records, _) = log.cosigned_records()?;
    let (checked, _) = check_records(log, &records, &policy);
    let deadline = flow::deadline(&d.commitment, d.beacon.body["beacon"]["at"].as_str()).ok();
    let before = deadline.and_then(|t| witnessing_record(&checked, &policy, c, Some(t)));
    let reveal = witnessing_record(&checked, &policy, d.index, None);
    let leaves = log.leaves();
    let witnesses: Vec<Value> =
        policy.witnesses.iter().map(|w| json!({"name": w.name, "url": w.url, "vkey": w.key.to_vkey()})).collect();
    let leaf = String::from_utf8(log.line(pi).to_vec()).map_err(ApiError::internal)?;
    let policy_proof = before.map(|(r, _)| proof_hex(leaves, pi, r.size)).unwrap_or_default();
    Ok(Json(json!({
        "policy": {"index": pi, "quorum": policy.quorum, "witnesses": witnesses, "leaf": leaf, "proof": policy_proof},
        "commitment": commitment,
        "deadline": deadline.map(|t| humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t)).to_string()),
        "before": before.map(|(r, _)| json!({"size": r.size, "checkpoint": r.checkpoint, "proof": proof_hex(leaves, c, r.size)})),
        "reveal": reveal.map(|(r, _)| json!({"index": d.index, "size": r.size, "checkpoint": r.checkpoint, "proof": proof_hex(leaves, d.index, r.size)})),
    })))
}
