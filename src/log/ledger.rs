//! The burden ledger: every check of a firm, per department, method and
//! year, from the draws and the `ExternalChecks` entries of a log, and the
//! plan caps applied from it at commit (audit/LOG-FORMAT.md, "The burden
//! ledger and caps").

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use super::entry::{Entry, Kind};
use crate::input::plan::Plan;
use crate::model::date::Date;
use crate::model::uscc;

/// The inspection methods (LOG-FORMAT "Results v2"; the ledger counts by them).
pub use crate::model::result::METHODS;

/// The method a canonical plan draws with: its `method`, absent = on-site.
pub fn plan_method(plan: &Value) -> &str {
    plan["method"].as_str().unwrap_or("on_site")
}

/// One check of one firm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub uscc: String,
    pub department: String,
    pub method: String,
    pub items: Vec<String>,
    /// The id of the DrawResult or ExternalChecks entry it comes from.
    pub entry: String,
    /// The date of an external check; a draw's checks have none.
    pub date: Option<String>,
}

/// The checks of `year` in `earlier` ((id, entry) pairs in log order), in
/// log order: draws' targets and imported external checks.
pub fn checks_of_year(earlier: &[(String, &Entry)], year: u64) -> Vec<Check> {
    checks(earlier, Some(year))
}

/// The checks of every year in `earlier`, in log order (LOG-FORMAT
/// "Feedback from results" rule 3: checked since a wake-up).
pub fn checks_of_all_years(earlier: &[(String, &Entry)]) -> Vec<Check> {
    checks(earlier, None)
}

/// The checks of `year` (`None`: of every year).
fn checks(earlier: &[(String, &Entry)], year: Option<u64>) -> Vec<Check> {
    // One pass to index what a DrawResult refers to, instead of a scan of
    // the log per draw.
    // The first entry of an id and the first publication of a result, as a
    // front-to-back search would find them.
    let mut by_id: HashMap<&str, &Entry> = HashMap::new();
    let mut publications: HashMap<&str, &Entry> = HashMap::new();
    for (id, e) in earlier {
        by_id.entry(id.as_str()).or_insert(*e);
        if let (Kind::DrawPublication, Some(result)) = (e.kind, e.body["result"].as_str()) {
            publications.entry(result).or_insert(*e);
        }
    }
    let mut out = Vec::new();
    for (id, e) in earlier {
        match e.kind {
            Kind::DrawResult => {
                // A sealed draw counts from its publication on, as in "The
                // effective plan": its targets are not in the log before.
                let publication = publications.get(id.as_str());
                let document = publication.map_or(&e.body["draw"], |p| &p.body["draw"]);
                let Some(commitment) = e.body["commitment"].as_str().and_then(|c| by_id.get(c)) else {
                    continue;
                };
                if year.is_some_and(|y| commitment.body["year"].as_u64() != Some(y)) {
                    continue;
                }
                let plan = &commitment.body["plan"];
                let items: Vec<String> = plan["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["item"].as_str().map(String::from))
                    .collect();
                for a in document["assignments"].as_array().into_iter().flatten() {
                    let Some(uscc) = a["uscc"].as_str() else { continue };
                    out.push(Check {
                        uscc: uscc.to_string(),
                        department: plan["department"].as_str().unwrap_or("").to_string(),
                        method: plan_method(plan).to_string(),
                        items: items.clone(),
                        entry: id.clone(),
                        date: None,
                    });
                }
            }
            Kind::ExternalChecks => {
                for c in e.body["checks"].as_array().into_iter().flatten() {
                    let date = c["date"].as_str().unwrap_or("");
                    if year.is_some_and(|year| date.get(..4).and_then(|y| y.parse::<u64>().ok()) != Some(year)) {
                        continue;
                    }
                    out.push(Check {
                        uscc: c["uscc"].as_str().unwrap_or("").to_string(),
                        department: c["department"].as_str().unwrap_or("").to_string(),
                        method: c["method"].as_str().unwrap_or("").to_string(),
                        items: c["item"].as_str().map(String::from).into_iter().collect(),
                        entry: id.clone(),
                        date: Some(date.to_string()),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// `log_exclusions` elements (uscc → reason) of rule 1 with
/// `same_item_per_year` ("The burden ledger and caps").
pub fn same_item_exclusions(checks: &[Check], plan: &Plan, year: u64) -> BTreeMap<String, String> {
    let Some(cap) = plan.caps.same_item_per_year else { return BTreeMap::new() };
    per_firm(checks)
        .into_iter()
        .filter_map(|(uscc, checks)| {
            plan.items.iter().find_map(|item| {
                let n = checks.iter().filter(|c| c.items.contains(&item.item)).count();
                (n as u64 >= cap).then(|| {
                    (
                        uscc.to_string(),
                        format!("checked {n} times for 「{}」 in {year} (cap same_item_per_year {cap})", item.item),
                    )
                })
            })
        })
        .collect()
}

/// Each firm's visits of the year (rule 3 of "The burden ledger and caps"):
/// the log's joint visits (`annual::visits` of `earlier`) holding one of
/// the firm's draw checks among `checks` (the ledger of the year), each 1,
/// plus each of its external checks, which are never merged.
pub fn visits_per_firm(earlier: &[(String, &Entry)], checks: &[Check]) -> BTreeMap<String, u64> {
    let draws: HashSet<(&str, &str)> =
        checks.iter().filter(|c| c.date.is_none()).map(|c| (c.uscc.as_str(), c.entry.as_str())).collect();
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for v in super::annual::visits(earlier) {
        if v.checks.iter().any(|draw| draws.contains(&(v.uscc.as_str(), draw.as_str()))) {
            *out.entry(v.uscc).or_default() += 1;
        }
    }
    for c in checks.iter().filter(|c| c.date.is_some()) {
        *out.entry(c.uscc.clone()).or_default() += 1;
    }
    out
}

/// `log_exclusions` elements (uscc → reason) of rules 3 and 4, the first
/// that applies: `visits_per_firm_per_year`, `on_site_per_department_per_year`;
/// `checks` is the ledger of `year` among `earlier`.
pub fn count_exclusions(
    earlier: &[(String, &Entry)],
    checks: &[Check],
    plan: &Plan,
    year: u64,
) -> BTreeMap<String, String> {
    let caps = plan.caps;
    let department = &plan.department;
    // Merging the log into visits is only needed for this cap.
    let visits = caps.visits_per_firm_per_year.map(|_| visits_per_firm(earlier, checks)).unwrap_or_default();
    per_firm(checks)
        .into_iter()
        .filter_map(|(uscc, checks)| {
            let visits = caps.visits_per_firm_per_year.and_then(|cap| {
                let n = visits.get(uscc).copied().unwrap_or(0);
                (n >= cap).then(|| format!("visited {n} times in {year} (cap visits_per_firm_per_year {cap})"))
            });
            let on_site = || {
                let cap = caps.on_site_per_department_per_year?;
                let n = checks.iter().filter(|c| c.method == "on_site" && c.department == *department).count();
                (n as u64 >= cap).then(|| {
                    format!("visited on site {n} times by {department} in {year} (cap on_site_per_department_per_year {cap})")
                })
            };
            visits.or_else(on_site).map(|reason| (uscc.to_string(), reason))
        })
        .collect()
}

fn per_firm(checks: &[Check]) -> BTreeMap<&str, Vec<&Check>> {
    let mut out: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for c in checks {
        out.entry(c.uscc.as_str()).or_default().push(c);
    }
    out
}

/// Why an `ExternalChecks` body is malformed (beyond its serde schema).
pub fn external_checks_problem(body: &Value) -> Option<String> {
    let checks = body["checks"].as_array()?;
    if checks.is_empty() {
        return Some("checks is empty".into());
    }
    if body["source"].as_str().is_some_and(str::is_empty) {
        return Some("source is empty".into());
    }
    checks.iter().enumerate().find_map(|(k, c)| check_problem(c).map(|p| format!("checks[{k}]: {p}")))
}

fn check_problem(c: &Value) -> Option<String> {
    let Some(object) = c.as_object() else { return Some("not an object".into()) };
    const REQUIRED: [&str; 4] = ["uscc", "department", "method", "date"];
    const OPTIONAL: [&str; 2] = ["item", "reference"];
    if let Some(key) = REQUIRED.iter().find(|k| !object.contains_key(**k)) {
        return Some(format!("missing {key}"));
    }
    if let Some(key) = object.keys().find(|k| !REQUIRED.contains(&k.as_str()) && !OPTIONAL.contains(&k.as_str())) {
        return Some(format!("unknown field {key}"));
    }
    if let Some((key, _)) = object.iter().find(|(_, v)| !v.is_string()) {
        return Some(format!("{key} is not a string"));
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    let code = text("uscc").unwrap_or("");
    if let Err(e) = uscc::validate(code) {
        return Some(format!("uscc {code:?}: {e}"));
    }
    if text("department") == Some("") {
        return Some("department is empty".into());
    }
    let method = text("method").unwrap_or("");
    if !METHODS.contains(&method) {
        return Some(format!("method {method:?} is not one of {}", METHODS.join(", ")));
    }
    let date = text("date").unwrap_or("");
    if Date::parse(date).map(|d| d.to_string()).ok().as_deref() != Some(date) {
        return Some(format!("date {date:?} is not a date YYYY-MM-DD"));
    }
    OPTIONAL.iter().find(|k| text(k) == Some("")).map(|k| format!("{k} is empty (leave it out)"))
}

/// A firm's ledger of one year, as `fairdraw ledger` and the enterprise
/// API show it: its checks and `visits` (rule 3's count), then counts by
/// department × method and by item.
pub fn summary(checks: &[Check], visits: u64, uscc: &str, year: u64) -> Value {
    let mine: Vec<&Check> = checks.iter().filter(|c| c.uscc == uscc).collect();
    let mut by_department: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut by_item: BTreeMap<&str, u64> = BTreeMap::new();
    for c in &mine {
        *by_department.entry((c.department.as_str(), c.method.as_str())).or_default() += 1;
        for item in &c.items {
            *by_item.entry(item.as_str()).or_default() += 1;
        }
    }
    json!({
        "year": year,
        "checks": mine.len(),
        "visits": visits,
        "by_department": by_department.into_iter()
            .map(|((department, method), n)| json!({"department": department, "method": method, "checks": n}))
            .collect::<Vec<_>>(),
        "by_item": by_item.into_iter().map(|(item, n)| json!({"item": item, "checks": n})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(extra: Value) -> Value {
        let mut c =
            json!({"uscc": "913301271357246856", "department": "税务局", "method": "desk", "date": "2026-03-01"});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    }

    #[test]
    fn an_external_check_of_another_shape_is_malformed() {
        let body = |c: Value| json!({"checks": [c], "source": "x.csv"});
        assert!(external_checks_problem(&json!({"checks": [], "source": "x"})).is_some());
        for (bad, why) in [
            (check(json!({"method": "visit"})), "method"),
            (check(json!({"date": "2026-02-30"})), "date"),
            (check(json!({"date": "2026/03/01"})), "date"),
            (check(json!({"item": ""})), "item"),
            (check(json!({"extra": "x"})), "unknown"),
            (check(json!({"department": ""})), "department"),
            (check(json!({"uscc": "123"})), "uscc"),
        ] {
            let found = external_checks_problem(&body(bad.clone())).unwrap_or_default();
            assert!(found.contains(why), "{bad}: {found}");
        }
    }
}
