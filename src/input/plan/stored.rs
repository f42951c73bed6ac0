//! The other canonical direction (spec §3.3): a plan stored in a log, in
//! canonical form, back into a [`Plan`].

use super::*;

/// Why a plan stored in a log (its canonical form) does not load.
#[derive(Debug, thiserror::Error)]
pub enum StoredPlanError {
    #[error("plan.{key} is not {expected}")]
    Shape { key: String, expected: &'static str },
    #[error("plan algorithm {0} is not {ALGORITHM}")]
    Algorithm(String),
    #[error("plan.{key}: ratio {source}")]
    Ratio { key: String, source: RatioError },
    #[error("plan.inspection_date: {0}")]
    Date(crate::model::date::DateError),
    #[error("unknown status {0}")]
    Status(String),
    #[error("plan.embargo is not {{\"until\": date}} or {{\"working_days\": 1–{MAX_EMBARGO_WORKING_DAYS}}}")]
    Embargo,
    #[error("plan.scope.wake is not {{\"as_of\": date or \"\", \"woken\": [[USCC, date], …]}}")]
    Wake,
    #[error("plan.feedback is not {{\"ratio\": ratio, \"flagged\": [USCC, …]}}")]
    Feedback,
    #[error("plan.annual is not {{\"plan\": entry id, \"batch\": name}}")]
    Annual,
    #[error("the stored plan is not in canonical form")]
    NotCanonical,
}

impl Plan {
    /// The plan a canonical plan object describes (the inverse of
    /// [`Plan::canonical`]), as stored in a log's DrawCommitment.
    pub fn from_canonical(v: &Value) -> Result<Plan, StoredPlanError> {
        let s = |v: &Value, what: &str| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| StoredPlanError::Shape { key: what.to_string(), expected: "a string" })
        };
        let strings = |v: &Value, what: &str| -> Result<Vec<String>, StoredPlanError> {
            v.as_array()
                .ok_or_else(|| StoredPlanError::Shape { key: what.to_string(), expected: "a list" })?
                .iter()
                .map(|x| s(x, what))
                .collect()
        };
        let pairs = |v: &Value, what: &str| -> Result<Vec<(String, String)>, StoredPlanError> {
            v.as_array()
                .ok_or_else(|| StoredPlanError::Shape { key: what.to_string(), expected: "a list" })?
                .iter()
                .map(|p| Ok((s(&p[0], what)?, s(&p[1], what)?)))
                .collect()
        };
        let opt_u64 = |v: &Value| v.as_u64();
        if v["algorithm"] != ALGORITHM {
            return Err(StoredPlanError::Algorithm(v["algorithm"].to_string()));
        }
        let mut ratios = [Ratio::ZERO; 4];
        let mut min = [0; 4];
        let mut max = [None; 4];
        for c in Class::ALL {
            let i = c as usize;
            ratios[i] = Ratio::parse(&s(&v["ratios"][c.letter()], "ratios")?)
                .map_err(|source| StoredPlanError::Ratio { key: format!("ratios.{}", c.letter()), source })?;
            min[i] = v["min"][c.letter()]
                .as_u64()
                .ok_or(StoredPlanError::Shape { key: format!("min.{}", c.letter()), expected: "a number" })?;
            max[i] = opt_u64(&v["max"][c.letter()]);
        }
        let date = s(&v["inspection_date"], "inspection_date")?;
        let team = &v["team"];
        let items = v["items"]
            .as_array()
            .ok_or(StoredPlanError::Shape { key: "items".into(), expected: "a list" })?
            .iter()
            .map(|i| {
                Ok(Item {
                    item: s(&i["item"], "items")?,
                    code: s(&i["code"], "items")?,
                    basis: s(&i["basis"], "items")?,
                    department: s(&i["department"], "items")?,
                    category: if i["category"] == "key" { Category::Key } else { Category::General },
                    method: s(&i["method"], "items")?,
                    ceiling: i["ceiling"]
                        .as_str()
                        .map(Ratio::parse)
                        .transpose()
                        .map_err(|source| StoredPlanError::Ratio { key: "items.ceiling".into(), source })?,
                })
            })
            .collect::<Result<Vec<Item>, StoredPlanError>>()?;
        let plan = Plan {
            name: s(&v["name"], "name")?,
            department: s(&v["department"], "department")?,
            inspection_date: if date.is_empty() {
                None
            } else {
                Some(Date::parse(&date).map_err(StoredPlanError::Date)?)
            },
            ratios,
            min,
            max,
            scope: Scope {
                statuses: strings(&v["scope"]["statuses"], "scope.statuses")?
                    .iter()
                    .map(|x| Status::parse(x).ok_or_else(|| StoredPlanError::Status(x.clone())))
                    .collect::<Result<_, _>>()?,
                regions: strings(&v["scope"]["regions"], "scope.regions")?,
                industries: strings(&v["scope"]["industries"], "scope.industries")?,
                where_: pairs(&v["scope"]["where"], "scope.where")?,
                ranges: stored_ranges(v["scope"].get("range"))
                    .ok_or(StoredPlanError::Shape { key: "scope.range".into(), expected: "a list of ranges" })?,
                wake: match v["scope"].get("wake") {
                    None => None,
                    Some(w) => Some(Wake::from_canonical(w).ok_or(StoredPlanError::Wake)?),
                },
            },
            items,
            exclude: strings(&v["exclude"], "exclude")?,
            max_draws_per_year: opt_u64(&v["max_draws_per_year"]),
            team: Team {
                size: team["size"]
                    .as_u64()
                    .ok_or(StoredPlanError::Shape { key: "team.size".into(), expected: "a number" })?
                    as usize,
                departments: strings(&team["departments"], "team.departments")?,
                region: match team["region"].as_str() {
                    Some("same") => RegionRule::Same,
                    Some("different") => RegionRule::Different,
                    _ => RegionRule::Any,
                },
                max_targets_per_inspector: opt_u64(&team["max_targets_per_inspector"]),
                qualifications: strings(&team["qualifications"], "team.qualifications")?,
                experts: team["experts"]
                    .as_u64()
                    .ok_or(StoredPlanError::Shape { key: "team.experts".into(), expected: "a number" })?
                    as usize,
                rotation: team["rotation"]
                    .as_bool()
                    .ok_or(StoredPlanError::Shape { key: "team.rotation".into(), expected: "a boolean" })?,
                // Absent in an on-site plan; the canonical comparison below
                // refuses it there (spec §8.6).
                reviewers: match team.get("reviewers") {
                    None => 1,
                    Some(n) => n
                        .as_u64()
                        .filter(|n| (1..=2).contains(n))
                        .ok_or(StoredPlanError::Shape { key: "team.reviewers".into(), expected: "1 or 2" })?
                        as usize,
                },
            },
            method: match v.get("method") {
                None => ON_SITE,
                Some(m) => {
                    m.as_str().and_then(|m| OFF_SITE.into_iter().find(|w| *w == m)).ok_or(StoredPlanError::Shape {
                        key: "method".into(),
                        expected: "an off-site method (desk, online, data)",
                    })?
                }
            },
            history: pairs(&v["history"], "history")?,
            embargo: match v.get("embargo") {
                None => None,
                Some(e) => Some(stored_embargo(e).ok_or(StoredPlanError::Embargo)?),
            },
            annual: match v.get("annual") {
                None => None,
                Some(a) => Some(stored_annual(a).ok_or(StoredPlanError::Annual)?),
            },
            strata: stored_strata(v.get("strata"))
                .map_err(|()| StoredPlanError::Shape { key: "strata".into(), expected: "region strata" })?,
            feedback: match v.get("feedback") {
                None => None,
                Some(f) => Some(Feedback::from_canonical(f).ok_or(StoredPlanError::Feedback)?),
            },
            origin: Origin::default(),
            caps: Caps {
                visits_per_firm_per_year: v["caps"]["visits_per_firm_per_year"].as_u64(),
                on_site_per_department_per_year: v["caps"]["on_site_per_department_per_year"].as_u64(),
                same_item_per_year: v["caps"]["same_item_per_year"].as_u64(),
            },
        };
        if canonical::to_bytes(&plan.canonical()) != canonical::to_bytes(v) {
            return Err(StoredPlanError::NotCanonical);
        }
        Ok(plan)
    }
}

/// `{"until": "YYYY-MM-DD"}` or `{"working_days": n}`; any other shape is
/// `None` (extra keys are caught by the canonical comparison).
fn stored_embargo(e: &Value) -> Option<Embargo> {
    if let Some(d) = e.get("until") {
        return Date::parse(d.as_str()?).ok().map(Embargo::Until);
    }
    let n = e.get("working_days")?.as_u64().filter(|n| (1..=MAX_EMBARGO_WORKING_DAYS).contains(n))?;
    Some(Embargo::WorkingDays(n as u32))
}

/// `{"plan": id, "batch": name}`; any other shape is `None` (extra keys are
/// caught by the canonical comparison).
fn stored_annual(a: &Value) -> Option<AnnualRef> {
    // An entry id: 64 lower-case hex digits.
    let id = |p: &&str| p.len() == 64 && p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let plan = a.get("plan")?.as_str().filter(id)?;
    Some(AnnualRef { plan: plan.to_string(), batch: a.get("batch")?.as_str()?.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(extra: &str) -> Plan {
        let none = |_: &str| -> Box<dyn Source> { unreachable!("the plan names no files") };
        Plan::parse(&format!("{extra}\nname = \"p\"\n[ratios]\nA = \"5%\"\n"), "plan.toml", &none).unwrap()
    }

    #[test]
    fn an_embargo_round_trips_and_only_a_set_one_has_the_key() {
        for extra in ["", "embargo_until = 2026-12-20", "embargo_working_days = 10"] {
            let canonical = plan(extra).canonical();
            assert_eq!(canonical.get("embargo").is_some(), !extra.is_empty(), "{extra}");
            let back = Plan::from_canonical(&canonical).unwrap();
            assert_eq!(back.canonical(), canonical, "{extra}");
        }
        assert_eq!(plan("embargo_working_days = 3").embargo, Some(Embargo::WorkingDays(3)));
    }

    #[test]
    fn caps_round_trip_and_only_set_ones_are_in_the_canonical_plan() {
        let none = |_: &str| -> Box<dyn Source> { unreachable!("the plan names no files") };
        let with =
            |caps: &str| Plan::parse(&format!("name = \"p\"\n[ratios]\nA = \"5%\"\n{caps}\n"), "plan.toml", &none);
        assert!(plan("").canonical().get("caps").is_none(), "no caps: the digest of today");
        assert!(with("[caps]").unwrap().canonical().get("caps").is_none(), "an empty [caps] sets nothing");
        let capped = with("[caps]\non_site_per_department_per_year = 2").unwrap().canonical();
        assert_eq!(capped["caps"], json!({"on_site_per_department_per_year": 2}));
        assert_eq!(Plan::from_canonical(&capped).unwrap().canonical(), capped);
        let zero = with("[caps]\nsame_item_per_year = 0");
        assert!(zero.is_err_and(|e| e.to_string().contains("caps.same_item_per_year")), "a cap of 0 is refused");
    }

    #[test]
    fn only_an_off_site_plan_names_its_method_and_reviewers() {
        assert!(plan("").canonical().get("method").is_none(), "on-site: the digest of today");
        let none = |_: &str| -> Box<dyn Source> { unreachable!("the plan names no files") };
        let with = |method: &str| {
            let text = format!("name = \"p\"\nmethod = \"{method}\"\n[ratios]\nA = \"5%\"\n[team]\nreviewers = 2\n");
            Plan::parse(&text, "plan.toml", &none).unwrap().canonical()
        };
        assert!(with("实地核查").get("method").is_none());
        let desk = with("书面核查");
        assert_eq!((desk["method"].clone(), desk["team"]["reviewers"].clone()), (json!("desk"), json!(2)));
        assert_eq!(Plan::from_canonical(&desk).unwrap().canonical(), desk);
        let mut bad = desk.clone();
        bad["method"] = json!("on_site");
        assert!(Plan::from_canonical(&bad).is_err(), "on_site is never written");
        let mut bad = desk.clone();
        bad["team"].as_object_mut().unwrap().remove("reviewers");
        assert!(Plan::from_canonical(&bad).is_err(), "an off-site plan names its reviewers");
        let mut bad = plan("").canonical();
        bad["team"]["reviewers"] = json!(1);
        assert!(Plan::from_canonical(&bad).is_err(), "an on-site plan has no reviewers");
    }

    #[test]
    fn a_stored_embargo_of_another_shape_is_refused() {
        let mut canonical = plan("").canonical();
        for bad in [
            json!({"working_days": 0}),
            json!({"working_days": 366}),
            json!({"until": "2026-02-30"}),
            json!({"until": "2026/12/20"}),
            json!({"until": "2026-12-20", "working_days": 3}),
            json!({}),
        ] {
            canonical["embargo"] = bad.clone();
            assert!(Plan::from_canonical(&canonical).is_err(), "{bad}");
        }
    }
}
