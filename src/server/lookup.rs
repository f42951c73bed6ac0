//! GET /api/enterprises/{uscc}: "why (not) me" for every logged draw.
//!
//! In a protected log (LOG-FORMAT "Publication") the answer is made from
//! public data only — the draw documents and the USCC asked for — so that
//! it cannot say anything the blinded snapshots hide: for a firm that was
//! not selected, neither its credit class nor whether it was eligible, in
//! scope or in the registry at all. Its ticket and each class's cutoff are
//! public; its own proof is the disclosure the bureau gives it.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::state::{AppState, View};
use crate::engine::draw::FEEDBACK_CLASS;
use crate::engine::select::{OutOfScope, ScopeFilter};
use crate::input::plan::Plan;
use crate::log::feedback::{FOLLOW_UP, WOKEN};
use crate::log::publication::Publication;
use crate::model::registry::{Enterprise, Enterprises};
use crate::model::ticket::{self, Seed};
use crate::model::uscc;

/// Why an enterprise is out of a plan's scope, in words; `None` when in scope.
fn out_of_scope(plan: &Plan, reg: &Enterprises, e: &Enterprise) -> Option<String> {
    let s = &plan.scope;
    Some(match ScopeFilter::new(plan, reg).why_out(e)? {
        OutOfScope::Status => {
            let allowed: Vec<&str> = s.statuses.iter().map(|x| x.label()).collect();
            format!(
                "登记状态 {} 不在本次抽查范围（{}） / status {} is not drawn",
                e.status.label(),
                allowed.join("、"),
                e.status.label()
            )
        }
        OutOfScope::Region => {
            format!("区域 {} 不在抽查区域 {} 内 / region outside the plan's regions", e.region(), s.regions.join("、"))
        }
        OutOfScope::Industry => format!(
            "行业 {} 不在抽查行业 {} 内 / industry outside the plan's industries",
            reg.industry(e),
            s.industries.join("、")
        ),
        OutOfScope::Filter => {
            let wheres: Vec<String> = s.where_.iter().map(|(c, v)| format!("{c} = {v}")).collect();
            format!("不符合定向条件 {} / does not meet the plan's filter", wheres.join("，"))
        }
    })
}

pub async fn enterprise(State(state): State<AppState>, Path(raw): Path<String>) -> ApiResult<Json<Value>> {
    let code = uscc::normalize(raw.trim());
    uscc::validate(&code)
        .map_err(|e| ApiError::bad_request(format!("{code} is not a valid 统一社会信用代码 (GB 32100-2015): {e}")))?;
    let view = state.view()?;
    let log = &view.log;
    let firm = super::firm::firm_side(&view, &code, state.today());
    if Publication::of_log(log) == Publication::Protected {
        let mut answer = with_firm_side(protected_answer(&view, &code), firm);
        answer["ledger"] = ledger_field(log, &code, state.today().year.into());
        return Ok(Json(answer));
    }
    let mut name = Value::Null;
    let mut out = Vec::new();
    for d in view.draws.iter() {
        let rebuilt = state.rebuilt(log, &d.commitment_id, &d.commitment)?;
        let reg = &rebuilt.inputs.enterprises;
        let plan = &rebuilt.inputs.plan;
        let plan_name = &plan.name;
        let Some(row) = reg.find(&code) else {
            out.push(
                json!({"draw": d.id, "plan_name": plan_name, "in_snapshot": false, "eligible": false, "selected": false,
                "explanation": "不在本次抽查使用的名录库快照中 / not in the registry snapshot this draw used"}),
            );
            continue;
        };
        let e = &reg.rows[row];
        name = json!(reg.name(e));
        let mut leaf = Vec::new();
        crate::model::snapshot::enterprise_leaf(reg, e, &mut leaf);
        let inclusion = json!({
            "root": d.commitment.body["snapshots"]["enterprises"]["root"],
            "size": rebuilt.enterprise_leaves.len(),
            "index": row,
            "leaf": String::from_utf8_lossy(&leaf),
            "proof": rebuilt.enterprise_tree.inclusion_proof(&rebuilt.enterprise_leaves, row as u64).iter().map(hex::encode).collect::<Vec<_>>(),
        });
        if let Some(sealed) = d.sealed() {
            // Nothing about the selection until the list is published: not
            // the ticket, the cutoff or whether this firm was drawn.
            let until = sealed["until"].as_str().unwrap_or_default();
            out.push(json!({"draw": d.id, "plan_name": plan_name, "in_snapshot": true, "sealed": {"until": until},
                "explanation": format!("名单封存至 {until} / the list is sealed until {until}")}));
            continue;
        }
        let seed = d.beacon.body["seed"].as_str().unwrap_or("");
        let tkt = ticket::ticket_string(&Seed::new(seed).ticket_hash(&e.uscc));
        let class = e.class.letter();
        // A firm the log flags is drawn in the feedback stratum (spec §6.4).
        let flagged = feedback_reason(plan, &d.commitment.body, &code);
        let (stratum_class, zh, en) = match flagged {
            Some(_) => (FEEDBACK_CLASS, "结果反馈层".to_string(), "feedback stratum".to_string()),
            None => (class, format!("{class} 类"), format!("{class} stratum")),
        };
        let stratum = d.document()["strata"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["class"] == stratum_class))
            .cloned()
            .unwrap_or(Value::Null);
        let cutoff = stratum["cutoff"].as_str().map(str::to_string);
        let selected = stratum["selected"].as_array().is_some_and(|s| s.iter().any(|u| u == code.as_str()));
        let excluded = plan.exclude.binary_search(&code).is_ok();
        let reason = out_of_scope(plan, reg, e).or_else(|| {
            excluded.then(|| {
                let from_log = d.commitment.body["log_exclusions"]
                    .as_array()
                    .and_then(|xs| xs.iter().find(|x| x["uscc"] == code.as_str()))
                    .and_then(|x| x["reason"].as_str());
                format!(
                    "已排除 / excluded: {}",
                    from_log.unwrap_or("本年度已检查（计划排除名单） / on the plan's exclusion list")
                )
            })
        });
        let eligible = reason.is_none();
        let short = |t: &str| format!("{}…", &t[..t.len().min(14)]);
        let explanation = match (&reason, &cutoff, selected) {
            (Some(r), _, _) => format!("未参与{zh}抽签 / not in the {en} draw: {r}"),
            (None, _, true) => format!(
                "签号 {} ≤ 截止签号 {} → 抽中 / ticket ≤ cutoff: selected",
                short(&tkt),
                short(cutoff.as_deref().unwrap_or(""))
            ),
            (None, Some(c), false) => {
                format!("签号 {} > 截止签号 {} → 未抽中 / ticket > cutoff: not selected", short(&tkt), short(c))
            }
            (None, None, false) => format!("{zh}本次抽取 0 户 / the {en} drew nobody"),
        };
        // Said first when it applies and the firm is in scope: why its
        // stratum is not its class's.
        let explanation = match (flagged, &reason) {
            (Some((why_zh, why_en)), None) => {
                let ratio = stratum["ratio"].as_str().unwrap_or_default();
                format!("{why_zh}，本次在结果反馈层（比例 {ratio}）抽签 / {why_en}: drawn in the feedback stratum (ratio {ratio}); {explanation}")
            }
            _ => explanation,
        };
        out.push(json!({
            "draw": d.id, "plan_name": plan_name, "in_snapshot": true, "class": class, "eligible": eligible, "reason": reason,
            "ticket": eligible.then_some(tkt), "cutoff": cutoff, "selected": selected, "explanation": explanation, "inclusion": inclusion,
        }));
    }
    let mut answer = with_firm_side(json!({"uscc": code, "name": name, "publication": "full", "draws": out}), firm);
    answer["ledger"] = ledger_field(log, &code, state.today().year.into());
    Ok(Json(answer))
}

/// Why the commitment's `log_feedback` flags the firm (spec §6.4), in
/// Chinese and English; `None` when its plan has no feedback or does not
/// flag it.
fn feedback_reason(plan: &Plan, commitment: &Value, code: &str) -> Option<(&'static str, &'static str)> {
    plan.feedback.as_ref().filter(|f| f.flags(code.as_bytes()))?;
    let reason = commitment["log_feedback"]
        .as_array()
        .and_then(|xs| xs.iter().find(|x| x["uscc"] == code))
        .and_then(|x| x["reason"].as_str());
    Some(match reason {
        Some(FOLLOW_UP) => ("本企业有未结的后续处置", "this firm has an open follow-up"),
        Some(WOKEN) => ("本企业被唤醒后尚未检查（唤醒后定向检查）", "this firm was woken and not checked since"),
        _ => ("本企业上次检查发现问题", "this firm's last inspection found a problem"),
    })
}

/// The firm's burden ledger of this year (the server's today, China),
/// LOG-FORMAT "The burden ledger and caps": draws' targets (published ones)
/// and external checks are public entries, so both publication modes show it.
fn ledger_field(log: &crate::log::store::Log, code: &str, year: u64) -> Value {
    let earlier: Vec<(String, &crate::log::entry::Entry)> =
        log.valid_entries().map(|(i, e)| (log.id(i), e.as_ref())).collect();
    let checks = crate::log::ledger::checks_of_year(&earlier, year);
    let visits = crate::log::ledger::visits_per_firm(&earlier, &checks).get(code).copied().unwrap_or(0);
    crate::log::ledger::summary(&checks, visits, code, year)
}

/// The answer with the firm's side (firm.rs) added.
fn with_firm_side(mut answer: Value, firm: serde_json::Map<String, Value>) -> Value {
    if let Some(a) = answer.as_object_mut() {
        a.extend(firm);
    }
    answer
}

const NOT_SELECTED_PROTECTED: &str =
    "未被抽中。您的签号和各类分界值是公开的；本企业的信用风险分类与是否参与抽取不公开，\
请向主管局申请本企业的抽查披露文件（fairdraw audit disclose）核对 / not selected; your ticket and each class's cutoff \
are public; ask the bureau for your disclosure (`fairdraw audit disclose`) to check your class and eligibility";

/// The protected-log answer: per draw, the firm's ticket (anyone can compute
/// it from the seed), the cutoff of every class, and — only when the draw
/// document names the firm — its class and team-free selection details.
fn protected_answer(view: &View, code: &str) -> Value {
    let mut name = Value::Null;
    let mut out = Vec::new();
    for d in view.draws.iter() {
        let plan_name = &d.commitment.body["plan"]["name"];
        if let Some(sealed) = d.sealed() {
            let until = sealed["until"].as_str().unwrap_or_default();
            out.push(json!({"draw": d.id, "plan_name": plan_name, "selected": false, "sealed": {"until": until},
                "explanation": format!("名单封存至 {until} / the list is sealed until {until}")}));
            continue;
        }
        let doc = d.document();
        if !doc.is_object() {
            out.push(json!({"draw": d.id, "plan_name": plan_name, "selected": false,
                "explanation": "本次抽签没有公开的抽取结果 / this draw has no public document"}));
            continue;
        }
        let seed = d.beacon.body["seed"].as_str().unwrap_or("");
        let tkt = ticket::ticket_string(&Seed::new(seed).ticket_hash(code.as_bytes()));
        let strata = doc["strata"].as_array().map(Vec::as_slice).unwrap_or_default();
        let cutoffs: serde_json::Map<String, Value> =
            strata.iter().filter_map(|s| Some((s["class"].as_str()?.to_string(), s["cutoff"].clone()))).collect();
        let assignment = doc["assignments"].as_array().and_then(|a| a.iter().find(|a| a["uscc"] == code));
        let Some(a) = assignment else {
            out.push(json!({"draw": d.id, "plan_name": plan_name, "selected": false, "ticket": tkt,
                "cutoffs": cutoffs, "explanation": NOT_SELECTED_PROTECTED}));
            continue;
        };
        name = a["name"].clone();
        let class = a["class"].as_str().unwrap_or_default();
        let cutoff = cutoffs.get(class).cloned().unwrap_or(Value::Null);
        let short = |t: &str| format!("{}…", &t[..t.len().min(14)]);
        out.push(json!({"draw": d.id, "plan_name": plan_name, "selected": true, "class": class, "eligible": true,
            "ticket": tkt, "cutoff": cutoff, "cutoffs": cutoffs,
            "explanation": format!("签号 {} ≤ 截止签号 {} → 抽中 / ticket ≤ cutoff: selected（本企业的登记行由抽签结果中的 openings 公开证明 / the draw's openings prove this firm's row）",
                short(&tkt), short(cutoff.as_str().unwrap_or("")))}));
    }
    json!({"uscc": code, "name": name, "publication": "protected", "draws": out})
}
