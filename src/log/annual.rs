//! Annual plans in the log and the joint visits their batches make
//! (audit/LOG-FORMAT.md "Annual plans and batches", "Joint visits"): the
//! checks of an `AnnualPlan` entry and of a batch plan's reference to it,
//! shared by the writer (at commit) and `audit verify`, and the visits, a
//! pure function of the entries.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::entry::{Entry, Kind};
use crate::input::plan::annual::{batch_mismatches, batch_of};
use crate::model::canonical;
use crate::model::result::OFF_SITE;

/// What is wrong with an `AnnualPlan` entry: its digest, and the shape of
/// its canonical annual plan (keys and types). Empty when well-formed.
pub fn annual_plan_problems(body: &Value) -> Vec<String> {
    let annual = &body["annual"];
    let mut out = Vec::new();
    let digest = hex::encode(Sha256::digest(canonical::to_bytes(annual)));
    if body["digest"] != digest.as_str() {
        out.push(format!("digest {} is not SHA-256 of the canonical annual plan ({digest})", body["digest"]));
    }
    if !shape_ok(annual) {
        out.push("annual is not a canonical annual plan (keys year, name, departments, items, batches)".into());
    }
    out
}

fn keys_are(v: &Value, keys: &[&str]) -> bool {
    v.as_object().is_some_and(|o| o.len() == keys.len() && keys.iter().all(|k| o.contains_key(*k)))
}

fn strings(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

fn is_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
    })
}

fn ratios(v: &Value) -> bool {
    keys_are(v, &["A", "B", "C", "D"]) && v.as_object().is_some_and(|o| o.values().all(Value::is_string))
}

/// The canonical annual plan's keys and types (LOG-FORMAT "Annual plans and batches").
fn shape_ok(a: &Value) -> bool {
    let item = |i: &Value| keys_are(i, &["item", "ratios"]) && i["item"].is_string() && ratios(&i["ratios"]);
    const BATCH: [&str; 9] =
        ["name", "department", "start", "end", "items", "ratios", "team_size", "regions", "industries"];
    let batch = |b: &Value| {
        // `method` only in an off-site batch (spec §8.6).
        let method_ok = match b.get("method") {
            None => keys_are(b, &BATCH),
            Some(m) => {
                OFF_SITE.iter().any(|w| m == w)
                    && b.as_object().is_some_and(|o| o.len() == 10)
                    && BATCH.iter().all(|k| b.get(k).is_some())
            }
        };
        method_ok
            && b["name"].is_string()
            && b["department"].is_string()
            && is_date(&b["start"])
            && is_date(&b["end"])
            && strings(&b["items"])
            && ratios(&b["ratios"])
            && b["team_size"].is_u64()
            && strings(&b["regions"])
            && strings(&b["industries"])
    };
    keys_are(a, &["year", "name", "departments", "items", "batches"])
        && a["year"].is_u64()
        && a["name"].is_string()
        && strings(&a["departments"])
        && a["items"].as_array().is_some_and(|x| x.iter().all(item))
        && a["batches"].as_array().is_some_and(|x| x.iter().all(batch))
}

/// Why a commitment's `annual` reference does not hold; empty when the plan
/// has no `annual` key or the reference holds. `earlier` are the (id, entry)
/// pairs before the commitment.
pub fn reference_problems(commitment: &Value, earlier: &[(String, &Entry)]) -> Vec<String> {
    let plan = &commitment["plan"];
    let Some(reference) = plan.get("annual") else { return Vec::new() };
    let id = reference["plan"].as_str().unwrap_or_default();
    let batch = reference["batch"].as_str().unwrap_or_default();
    let Some((_, annual)) = earlier.iter().find(|(i, _)| i == id) else {
        return vec![format!("plan.annual.plan {id} is not an earlier entry")];
    };
    if annual.kind != Kind::AnnualPlan {
        return vec![format!("plan.annual.plan {id} is a {}, not an AnnualPlan", annual.kind)];
    }
    let Some(found) = batch_of(&annual.body["annual"], batch) else {
        return vec![format!("the annual plan {id} has no batch {batch:?}")];
    };
    let year = commitment["year"].as_u64().unwrap_or(0);
    batch_mismatches(plan, found, &annual.body["annual"]["year"], year)
        .into_iter()
        .map(|m| format!("batch {batch:?} of annual plan {}: {m}", &id[..id.len().min(16)]))
        .collect()
}

/// One target of one published draw (LOG-FORMAT "Joint visits").
struct Check {
    uscc: String,
    draw: String,
    departments: Vec<String>,
    items: Vec<String>,
    leader: String,
    window: Option<(String, String)>,
}

/// One visit to a firm: one or more checks merged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub uscc: String,
    /// `[start, end]`, or `None` for a check without a window.
    pub window: Option<(String, String)>,
    pub lead: String,
    pub departments: Vec<String>,
    /// The DrawResult ids of its checks.
    pub checks: Vec<String>,
    pub items: Vec<String>,
    pub team: Vec<String>,
    /// Nothing joins it: its check had no window or no department.
    #[serde(skip)]
    closed: bool,
}

impl Visit {
    pub fn is_joint(&self) -> bool {
        self.departments.len() >= 2
    }
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect()
}

/// The checks of the log, in log order of the entries holding the documents.
fn checks(entries: &[(String, &Entry)]) -> Vec<Check> {
    let by_id: BTreeMap<&str, &Entry> = entries.iter().map(|(i, e)| (i.as_str(), *e)).collect();
    // Leaders are read from the teams with replacements applied.
    let replaced = super::replace::by_draw(entries);
    let mut out = Vec::new();
    for (id, e) in entries {
        let (draw, commitment, doc) = match e.kind {
            Kind::DrawResult if e.body["outcome"] == "drawn" && e.body.get("draw").is_some() => {
                (id.as_str(), &e.body["commitment"], &e.body["draw"])
            }
            Kind::DrawPublication => {
                (e.body["result"].as_str().unwrap_or_default(), &e.body["commitment"], &e.body["draw"])
            }
            _ => continue,
        };
        let Some(c) = commitment.as_str().and_then(|c| by_id.get(c)).filter(|c| c.kind == Kind::DrawCommitment) else {
            continue;
        };
        let plan = &c.body["plan"];
        let mut departments = texts(&plan["team"]["departments"]);
        if departments.is_empty() {
            departments.extend(plan["department"].as_str().filter(|d| !d.is_empty()).map(String::from));
        }
        let items: Vec<String> = plan["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["item"].as_str().map(String::from))
            .collect();
        let window = match plan.get("annual") {
            Some(a) => a["plan"]
                .as_str()
                .and_then(|p| by_id.get(p))
                .filter(|p| p.kind == Kind::AnnualPlan)
                .and_then(|p| batch_of(&p.body["annual"], a["batch"].as_str().unwrap_or_default()))
                .and_then(|b| Some((b["start"].as_str()?.to_string(), b["end"].as_str()?.to_string()))),
            None => plan["inspection_date"].as_str().filter(|d| !d.is_empty()).map(|d| (d.to_string(), d.to_string())),
        };
        for a in &super::replace::apply(&doc["assignments"], replaced.get(draw).map_or(&[], Vec::as_slice)) {
            let Some(uscc) = a["uscc"].as_str() else { continue };
            out.push(Check {
                uscc: uscc.to_string(),
                draw: draw.to_string(),
                departments: departments.clone(),
                items: items.clone(),
                leader: a["inspectors"][0].as_str().unwrap_or_default().to_string(),
                window: window.clone(),
            });
        }
    }
    out
}

/// The visits of the log (LOG-FORMAT "Joint visits"), in order of creation.
pub fn visits(entries: &[(String, &Entry)]) -> Vec<Visit> {
    let mut visits: Vec<Visit> = Vec::new();
    // The visits of each firm, in order of creation: a check looks only at
    // its own firm's (the ledger merges the whole log at every commit).
    let mut of_firm: HashMap<String, Vec<usize>> = HashMap::new();
    for check in checks(entries) {
        let joinable = check.window.clone().filter(|_| !check.departments.is_empty());
        let target = joinable.as_ref().and_then(|(start, end)| {
            of_firm.get(&check.uscc).into_iter().flatten().copied().find(|&at| {
                let v = &visits[at];
                let Some((vs, ve)) = &v.window else { return false };
                !v.closed
                    && start.max(vs) <= end.min(ve)
                    && !check.departments.iter().any(|d| v.departments.contains(d))
            })
        });
        match target {
            Some(at) => {
                let v = &mut visits[at];
                let ((vs, ve), (s, e)) = (v.window.clone().expect("joinable"), joinable.expect("joinable"));
                v.window = Some((vs.max(s), ve.min(e)));
                v.departments.extend(check.departments);
                v.checks.push(check.draw);
                for item in check.items {
                    if !v.items.contains(&item) {
                        v.items.push(item);
                    }
                }
                v.team.push(check.leader);
            }
            None => {
                let mut items = Vec::new();
                for item in check.items {
                    if !items.contains(&item) {
                        items.push(item);
                    }
                }
                of_firm.entry(check.uscc.clone()).or_default().push(visits.len());
                visits.push(Visit {
                    uscc: check.uscc,
                    window: check.window,
                    lead: check.departments.first().cloned().unwrap_or_default(),
                    closed: joinable.is_none(),
                    departments: check.departments,
                    checks: vec![check.draw],
                    items,
                    team: vec![check.leader],
                });
            }
        }
    }
    visits
}

/// `visits: V, joint: J (P%)`, P rounded half up to one decimal.
pub fn rate_line(visits: &[Visit]) -> String {
    let (v, j) = (visits.len() as u64, visits.iter().filter(|x| x.is_joint()).count() as u64);
    let tenths = if v == 0 { 0 } else { (2000 * j + v) / (2 * v) };
    format!("visits: {v}, joint: {j} ({}.{}%)", tenths / 10, tenths % 10)
}

/// The annual plans of the log with their batches and, per batch, the
/// commitments drawing it and their status (`GET /api/plans`).
pub fn plans(entries: &[(String, &Entry)]) -> Value {
    // Each commitment's first DrawResult, indexed once (not a scan per commitment).
    let mut results: std::collections::HashMap<&str, &(String, &Entry)> = std::collections::HashMap::new();
    for pair in entries.iter().filter(|(_, e)| e.kind == Kind::DrawResult) {
        if let Some(c) = pair.1.body["commitment"].as_str() {
            results.entry(c).or_insert(pair);
        }
    }
    let result_of = |commitment: &str| results.get(commitment).copied();
    let mut out = Vec::new();
    for (id, e) in entries.iter().filter(|(_, e)| e.kind == Kind::AnnualPlan) {
        let annual = &e.body["annual"];
        let batches: Vec<Value> = annual["batches"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                let commitments: Vec<Value> = entries
                    .iter()
                    .filter(|(_, c)| {
                        c.kind == Kind::DrawCommitment
                            && c.body["plan"]["annual"]["plan"] == id.as_str()
                            && c.body["plan"]["annual"]["batch"] == b["name"]
                    })
                    .map(|(cid, c)| {
                        let result = result_of(cid);
                        let status = match result {
                            None => "committed",
                            Some((_, r)) if r.body["outcome"] == "drawn" => "drawn",
                            Some(_) => "infeasible",
                        };
                        json!({"commitment": cid, "index": c.index, "time": c.time, "name": c.body["plan"]["name"],
                               "status": status, "draw": result.map(|(rid, _)| rid.clone())})
                    })
                    .collect();
                let mut b = b.clone();
                b["commitments"] = Value::Array(commitments);
                b
            })
            .collect();
        let mut plan = json!({"id": id, "index": e.index, "time": e.time, "digest": e.body["digest"],
                              "year": annual["year"], "name": annual["name"], "departments": annual["departments"],
                              "items": annual["items"], "batches": batches});
        if let Some(by) = e.body.get("by") {
            plan["by"] = by.clone();
        }
        out.push(plan);
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u64, kind: Kind, body: Value) -> Entry {
        Entry { index, kind, body, time: "2027-01-01T00:00:00Z".into(), simulated: true }
    }

    fn annual() -> Entry {
        let batch = |name: &str, dept: &str, start: &str, end: &str| {
            json!({"name": name, "department": dept, "start": start, "end": end, "items": ["x"],
                   "ratios": {"A": "0.1", "B": "0", "C": "0", "D": "0"}, "team_size": 2, "regions": [], "industries": []})
        };
        let a = json!({"year": 2027, "name": "y", "departments": ["甲", "乙"], "items": [],
                       "batches": [batch("b1", "甲", "2027-03-01", "2027-03-31"),
                                   batch("b2", "乙", "2027-03-15", "2027-04-15"),
                                   batch("b3", "乙", "2027-05-01", "2027-05-31")]});
        let digest = hex::encode(Sha256::digest(canonical::to_bytes(&a)));
        entry(0, Kind::AnnualPlan, json!({"annual": a, "digest": digest}))
    }

    fn commitment(index: u64, dept: &str, batch: &str) -> Entry {
        entry(
            index,
            Kind::DrawCommitment,
            json!({"plan": {"department": dept, "team": {"departments": [dept]}, "items": [{"item": dept}],
                            "inspection_date": "", "annual": {"plan": "a", "batch": batch}}}),
        )
    }

    fn result(index: u64, commitment: &str, usccs: &[&str]) -> Entry {
        let assignments: Vec<Value> =
            usccs.iter().map(|u| json!({"uscc": u, "inspectors": [format!("{commitment}-{u}")]})).collect();
        entry(
            index,
            Kind::DrawResult,
            json!({"commitment": commitment, "outcome": "drawn", "draw": {"assignments": assignments}}),
        )
    }

    /// Two departments whose windows overlap merge; a window that does not
    /// overlap (b3) makes a visit of its own.
    #[test]
    fn overlapping_windows_merge_and_disjoint_ones_do_not() {
        let log = [
            ("a", annual()),
            ("c1", commitment(1, "甲", "b1")),
            ("r1", result(2, "c1", &["F1", "F2"])),
            ("c2", commitment(3, "乙", "b2")),
            ("r2", result(4, "c2", &["F1"])),
            ("c3", commitment(5, "乙", "b3")),
            ("r3", result(6, "c3", &["F2"])),
        ];
        let entries: Vec<(String, &Entry)> = log.iter().map(|(i, e)| (i.to_string(), e)).collect();
        let v = visits(&entries);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[0].uscc, "F1");
        assert_eq!(v[0].departments, ["甲", "乙"]);
        assert_eq!(v[0].window, Some(("2027-03-15".into(), "2027-03-31".into())));
        assert_eq!(v[0].team, ["c1-F1", "c2-F1"]);
        assert_eq!(v[0].lead, "甲");
        assert_eq!(v[0].items, ["甲", "乙"]);
        assert!(!v[1].is_joint() && !v[2].is_joint(), "{v:?}");
        assert_eq!(rate_line(&v), "visits: 3, joint: 1 (33.3%)");
    }

    #[test]
    fn the_rate_rounds_half_up() {
        let one = |joint: bool| Visit {
            uscc: String::new(),
            window: None,
            lead: String::new(),
            departments: if joint { vec!["a".into(), "b".into()] } else { vec![] },
            checks: vec![],
            items: vec![],
            team: vec![],
            closed: true,
        };
        let v: Vec<Visit> = (0..8).map(|i| one(i < 1)).collect();
        assert_eq!(rate_line(&v), "visits: 8, joint: 1 (12.5%)");
        assert_eq!(rate_line(&[]), "visits: 0, joint: 0 (0.0%)");
    }

    #[test]
    fn only_an_off_site_batch_names_its_method() {
        let with = |method: Option<&str>, drop_key: Option<&str>| {
            let mut a = annual().body["annual"].clone();
            let b = &mut a["batches"][0];
            if let Some(m) = method {
                b["method"] = json!(m);
            }
            if let Some(k) = drop_key {
                b.as_object_mut().unwrap().remove(k);
            }
            let digest = hex::encode(Sha256::digest(canonical::to_bytes(&a)));
            annual_plan_problems(&json!({"annual": a, "digest": digest}))
        };
        assert_eq!(with(None, None), Vec::<String>::new());
        assert_eq!(with(Some("desk"), None), Vec::<String>::new());
        assert_eq!(with(Some("on_site"), None).len(), 1, "on_site is never written");
        assert_eq!(with(Some("visit"), None).len(), 1);
        assert_eq!(with(Some("desk"), Some("regions")).len(), 1, "the other keys stay required");
    }

    #[test]
    fn a_batch_plan_repeats_its_batch_method_and_reviewers() {
        let batch = json!({"department": "甲", "items": [], "ratios": {}, "regions": [], "industries": [],
                           "start": "2027-03-01", "end": "2027-03-31", "team_size": 1, "method": "desk"});
        let plan = |method: Option<&str>, reviewers: u64| {
            let mut p = json!({"department": "甲", "items": [], "ratios": {}, "inspection_date": "",
                               "scope": {"regions": [], "industries": []}, "team": {"size": 2}});
            if let Some(m) = method {
                p["method"] = json!(m);
                p["team"]["reviewers"] = json!(reviewers);
            }
            p
        };
        let check = |p: &Value| batch_mismatches(p, &batch, &json!(2027), 2027);
        assert_eq!(check(&plan(Some("desk"), 1)), Vec::<String>::new());
        assert_eq!(check(&plan(Some("desk"), 2)), ["team.reviewers 2 is not the batch's team_size 1"]);
        assert_eq!(check(&plan(Some("online"), 1)), ["method online is not the batch's desk"]);
        let on_site = check(&plan(None, 1));
        assert!(on_site.iter().any(|m| m == "method on_site is not the batch's desk"), "{on_site:?}");
    }
}
