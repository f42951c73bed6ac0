//! The firm's side of GET /api/enterprises/{uscc}: besides "why (not) me"
//! (lookup.rs), what the firm was visited for, its published results (v1,
//! and v2 with each code's words), its follow-ups with their due dates and
//! overdue flags, and its objections with their answers — with one line of
//! plain words first. Everything here is public log content; nothing comes
//! from the registries, so the answer is the same in a protected log.

use serde_json::{json, Map, Value};

use super::results;
use super::state::View;
use crate::log::aftercare::{self, Filed};
use crate::model::date::Date;

/// The fields this module adds to the enterprise answer.
pub fn firm_side(view: &View, code: &str, today: Date) -> Map<String, Value> {
    let mut visits = Vec::new();
    let mut published = Vec::new();
    for d in view.draws.iter() {
        // A sealed draw's list is not public yet, but a published result of
        // the firm is (LOG-FORMAT "Embargo"): results are collected either way.
        let doc = d.document();
        let assignment = doc["assignments"].as_array().and_then(|a| a.iter().find(|a| a["uscc"] == code));
        let mut result_ids = Vec::new();
        for &i in view.results_of(&d.id) {
            let Ok(e) = view.log.entry(i) else { continue };
            if e.body["uscc"] != code {
                continue;
            }
            let r = results::current(view, i, today);
            if !results::is_public(&r) {
                continue;
            }
            result_ids.push(r["id"].clone());
            published.push(with_code_words(view, i, r));
        }
        if let Some(a) = assignment.map(|a| view.team(d, a)) {
            // The team as it stands (LOG-FORMAT "Replacing an inspector").
            visits.push(json!({
                "draw": d.id, "plan_name": d.commitment.body["plan"]["name"], "drawn_on": d.result.china_date().to_string(),
                "leader": a["leader"], "inspectors": a["inspectors"], "results": result_ids,
            }));
        }
    }
    let follow_ups: Vec<Value> = view.aftercare.follow_ups_of(code).map(|f| f.follow_up_json(today)).collect();
    let objections: Vec<Value> = view.aftercare.objections_of(code).map(Filed::objection_json).collect();
    let summary = summary(visits.len(), &published, &follow_ups, &objections);
    let mut out = Map::new();
    out.insert("summary".into(), json!(summary));
    out.insert("visits".into(), json!(visits));
    out.insert("results".into(), json!(published));
    out.insert("follow_ups".into(), json!(follow_ups));
    out.insert("objections".into(), json!(objections));
    out
}

/// A published result with, for the v2 form, its items and each code's words.
fn with_code_words(view: &View, index: u64, mut shown: Value) -> Value {
    let Some((fields, _)) = super::aftercare::folded(view, index) else { return shown };
    let result = Value::Object(fields);
    shown["problem"] = json!(aftercare::found_problem(&result));
    if result["format"] == 2 {
        shown["format"] = json!(2);
        let items: Vec<Value> = result["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| {
                let codes: Vec<Value> = item["codes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| json!({"code": c, "text": code_words(c.as_str().unwrap_or_default())}))
                    .collect();
                json!({"item": item["item"], "department": item["department"], "codes": codes, "findings": item["findings"]})
            })
            .collect();
        shown["items"] = json!(items);
    }
    shown
}

/// The words of a result code, from the code table (spec §12).
pub fn code_words(code: &str) -> &'static str {
    crate::model::result::text_of(code).unwrap_or_default()
}

/// One sentence of plain words before the details.
fn summary(visits: usize, results: &[Value], follow_ups: &[Value], objections: &[Value]) -> String {
    let problems = results.iter().filter(|r| r["problem"] == true).count();
    let open = follow_ups.iter().filter(|f| f["open"] == true).count();
    let overdue = follow_ups.iter().filter(|f| f["overdue"] == true).count();
    let unanswered = objections.iter().filter(|o| o["open"] == true).count();
    format!(
        "被抽中检查 {visits} 次，已公示结果 {} 项（发现问题 {problems} 项），后续处置 {} 项（未办结 {open} 项，逾期 {overdue} 项），\
         异议 {} 件（待答复 {unanswered} 件） / drawn {visits} times; {} published results ({problems} found a problem); \
         {} follow-ups ({open} open, {overdue} overdue); {} objections ({unanswered} awaiting an answer)",
        results.len(),
        follow_ups.len(),
        objections.len(),
        results.len(),
        follow_ups.len(),
        objections.len()
    )
}
