//! The plan file (spec §3.1–§3.2): TOML into a validated [`Plan`], with
//! every problem at its key and line.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    name: String,
    department: Option<String>,
    inspection_date: Option<toml::Value>,
    items_file: Option<String>,
    items: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    exclude_file: Option<String>,
    max_draws_per_year: Option<i64>,
    embargo_until: Option<toml::Value>,
    embargo_working_days: Option<i64>,
    ratios: BTreeMap<String, toml::Value>,
    min: Option<BTreeMap<String, i64>>,
    max: Option<BTreeMap<String, i64>>,
    scope: Option<RawScope>,
    team: Option<RawTeam>,
    caps: Option<RawCaps>,
    strata: Option<RawStrata>,
    feedback: Option<BTreeMap<String, toml::Value>>,
    method: Option<String>,
    prefer_offsite: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCaps {
    visits_per_firm_per_year: Option<i64>,
    on_site_per_department_per_year: Option<i64>,
    same_item_per_year: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope {
    statuses: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    industries: Option<Vec<String>>,
    #[serde(rename = "where")]
    where_: Option<BTreeMap<String, String>>,
    range: Option<BTreeMap<String, RawRange>>,
    wake: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    size: Option<i64>,
    departments: Option<Vec<String>>,
    region: Option<String>,
    max_targets_per_inspector: Option<i64>,
    qualifications: Option<Vec<String>>,
    experts: Option<i64>,
    rotation: Option<bool>,
    history_file: Option<String>,
    reviewers: Option<i64>,
}

pub(super) struct Ctx<'a> {
    pub(super) label: &'a str,
    pub(super) text: &'a str,
    pub(super) problems: Problems,
}

impl Ctx<'_> {
    pub(super) fn bad(&mut self, key: &str, value: &str, message: impl Into<String>) {
        let line = self.line_of(key);
        self.problems.push(Problem {
            file: self.label.into(),
            line,
            column: key.into(),
            value: value.into(),
            message: message.into(),
        });
    }

    /// `value` when it lies in `lo..=hi`; otherwise a problem naming the range.
    /// `why`, when not empty, follows the range in the message.
    pub(super) fn int_in(&mut self, key: &str, value: i64, (lo, hi): (u64, u64), why: &str) -> Option<u64> {
        match u64::try_from(value) {
            Ok(v) if (lo..=hi).contains(&v) => Some(v),
            _ => {
                let why = if why.is_empty() { String::new() } else { format!(" ({why})") };
                self.bad(key, &value.to_string(), format!("must be an integer from {lo} to {hi}{why}"));
                None
            }
        }
    }

    /// Best-effort line of a key for error messages: its last path segment.
    pub(super) fn line_of(&self, key: &str) -> u64 {
        let last = key.rsplit('.').next().unwrap_or(key);
        self.text
            .lines()
            .position(|l| {
                let l = l.trim_start().trim_start_matches('"');
                l.starts_with(last)
                    && l[last.len()..].trim_start().trim_start_matches('"').trim_start().starts_with('=')
            })
            .map(|i| i as u64 + 1)
            .unwrap_or(0)
    }
}

impl Plan {
    /// Parses and validates a plan; `open` reads the files it names.
    pub fn parse(text: &str, label: &str, open: &Opener<'_>) -> Result<Plan, InputError> {
        let raw: RawPlan = toml::from_str(text).map_err(|e| {
            // The line holding the error, shown as the value (a person sees
            // `A = 99999999999999999999`, not only "number too large").
            let start = e.span().map(|s| s.start.min(text.len()));
            let line = start.map(|s| text.as_bytes()[..s].iter().filter(|&&b| b == b'\n').count() as u64 + 1);
            let shown = line.and_then(|l| text.lines().nth(l as usize - 1)).map(str::trim).unwrap_or_default();
            let shown: String = shown.chars().take(120).collect();
            InputError::input(label, line.unwrap_or(0), "", &shown, format!("invalid TOML: {}", e.message()))
        })?;
        let mut ctx = Ctx { label, text, problems: Problems::default() };
        let mut plan = build(raw, &mut ctx, open)?;
        plan.origin = Origin {
            label: label.to_string(),
            departments_line: ctx.line_of("team.departments"),
            qualifications_line: ctx.line_of("team.qualifications"),
        };
        check_control_characters(&plan.canonical(), "", &mut ctx);
        ctx.problems.into_result()?;
        Ok(plan)
    }
}

/// Control characters would reach the plan digest; refuse them anywhere.
pub(super) fn check_control_characters(v: &Value, path: &str, ctx: &mut Ctx<'_>) {
    match v {
        Value::String(s) if s.chars().any(|c| c < ' ' || c == '\u{7f}') => {
            ctx.bad(path, &s.escape_default().to_string(), "contains a control character (tab, newline…)")
        }
        Value::Array(items) => items.iter().for_each(|i| check_control_characters(i, path, ctx)),
        Value::Object(map) => {
            for (k, item) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                check_control_characters(item, &p, ctx);
            }
        }
        _ => {}
    }
}

pub(super) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn class_key(ctx: &mut Ctx<'_>, table: &str, key: &str) -> Option<usize> {
    let c = Class::parse(key);
    if c.is_none() {
        ctx.bad(&format!("{table}.{key}"), key, "credit class must be A, B, C or D");
    }
    c.map(|c| c as usize)
}

/// A ratio as the plan gives it (spec §3.1): a TOML string, or the TOML
/// integer 0 or 1; any other TOML type (a float above all) is refused.
pub(super) fn ratio_value(value: &toml::Value) -> Result<Ratio, String> {
    match value {
        toml::Value::String(s) => Ratio::parse(s).map_err(|e| e.to_string()),
        toml::Value::Integer(n) => Ratio::parse(&n.to_string()).map_err(|e| e.to_string()),
        _ => Err("must be a string such as \"5%\" (or the integer 0 or 1); floats are not allowed".to_string()),
    }
}

fn build(raw: RawPlan, ctx: &mut Ctx<'_>, open: &Opener<'_>) -> Result<Plan, InputError> {
    let name = table::trim(&raw.name).to_string();
    if name.is_empty() {
        ctx.bad("name", "", "the plan needs a name");
    }
    let mut ratios = [Ratio::ZERO; 4];
    for (key, value) in &raw.ratios {
        let Some(i) = class_key(ctx, "ratios", key) else { continue };
        match ratio_value(value) {
            Ok(r) => ratios[i] = r,
            Err(m) => ctx.bad(&format!("ratios.{key}"), &value.to_string(), m),
        }
    }
    let mut min = [0u64; 4];
    let mut max = [None; 4];
    for (key, n) in raw.min.iter().flatten() {
        if let Some(i) = class_key(ctx, "min", key) {
            min[i] = ctx.int_in(&format!("min.{key}"), *n, (0, MAX_INTEGER), "").unwrap_or(0);
        }
    }
    for (key, n) in raw.max.iter().flatten() {
        if let Some(i) = class_key(ctx, "max", key) {
            max[i] = ctx.int_in(&format!("max.{key}"), *n, (0, MAX_INTEGER), "");
        }
    }
    for c in Class::ALL {
        if let Some(m) = max[c as usize] {
            if m < min[c as usize] {
                ctx.bad(
                    &format!("max.{}", c.letter()),
                    &m.to_string(),
                    format!("is below min.{} = {}", c.letter(), min[c as usize]),
                );
            }
        }
    }
    let inspection_date = raw.inspection_date.as_ref().and_then(|v| {
        date_value(v).unwrap_or_else(|m| {
            ctx.bad("inspection_date", &shown(v), m);
            None
        })
    });
    let embargo = build_embargo(&raw, ctx);
    let strata = raw.strata.as_ref().and_then(|s| build_strata(s, ctx));
    let feedback = raw.feedback.as_ref().and_then(|f| build_feedback(f, ctx));
    if raw.feedback.is_some() && raw.strata.is_some() {
        let why = "[feedback] cannot be used together with [strata] (spec §6.4): leave out one of them";
        bad_at_table(ctx, "feedback", "", why);
    }
    let mut scope = build_scope(raw.scope.unwrap_or_default(), ctx);
    if let Some(w) = scope.wake.as_mut() {
        w.as_of = inspection_date.map(|d| d.to_string()).unwrap_or_default();
    }
    let raw_team = raw.team.unwrap_or_default();
    let departments: Vec<String> =
        raw_team.departments.clone().unwrap_or_default().iter().map(|d| table::trim(d).to_string()).collect();
    for (i, d) in departments.iter().enumerate() {
        if d.is_empty() || departments[..i].contains(d) {
            ctx.bad("team.departments", d, "departments must be non-empty and listed once");
        }
    }
    let department = match raw.department.as_deref().map(table::trim) {
        Some(d) if !d.is_empty() => {
            if !departments.is_empty() && !departments.iter().any(|x| x == d) {
                ctx.bad("department", d, "the initiating department must be one of team.departments");
            }
            d.to_string()
        }
        _ => departments.first().cloned().unwrap_or_default(),
    };
    let team = build_team(&raw_team, departments, ctx);
    let items = match (&raw.items, &raw.items_file) {
        (Some(names), Some(file)) if !names.is_empty() => read_items(&*open(file), names, ctx)?,
        (Some(names), None) if !names.is_empty() => {
            ctx.bad("items", &names.join(", "), "items need an items_file (抽查事项清单) to look them up in");
            Vec::new()
        }
        _ => Vec::new(),
    };
    for item in items.iter().filter(|i| i.category == Category::General) {
        let Some(ceiling) = item.ceiling else { continue };
        for c in Class::ALL {
            if ratios[c as usize] > ceiling {
                ctx.bad(
                    &format!("ratios.{}", c.letter()),
                    &ratios[c as usize].to_string(),
                    format!("exceeds the {ceiling} ceiling of general item \"{}\" (key items are uncapped)", item.item),
                );
            }
        }
    }
    let method = effective_method(raw.method.as_deref(), raw.prefer_offsite, &items, &team, ctx);
    let mut exclude = Vec::new();
    for code in raw.exclude.iter().flatten() {
        let code = uscc::normalize(table::trim(code));
        match uscc::validate(&code) {
            Ok(()) => exclude.push(code),
            Err(e) => ctx.bad("exclude", &code, format!("invalid USCC: {e}")),
        }
    }
    if let Some(file) = &raw.exclude_file {
        exclude.extend(read_exclusions(&*open(file))?);
    }
    let history = match (&raw_team.history_file, team.rotation) {
        (Some(file), true) => read_history(&*open(file))?,
        _ => Vec::new(),
    };
    Ok(Plan {
        name,
        department,
        inspection_date,
        ratios,
        min,
        max,
        scope,
        items,
        exclude: sorted(exclude),
        max_draws_per_year: raw
            .max_draws_per_year
            .and_then(|n| ctx.int_in("max_draws_per_year", n, (0, MAX_INTEGER), "")),
        team,
        method,
        history,
        embargo,
        annual: None,
        strata,
        feedback,
        origin: Origin::default(),
        caps: build_caps(raw.caps.as_ref(), ctx),
    })
}

/// A date key of the plan: a TOML string in a §1.5 form or a bare TOML date.
/// `Ok(None)` for the empty string.
pub(super) fn date_value(value: &toml::Value) -> Result<Option<Date>, String> {
    let text = match value {
        toml::Value::String(t) => table::trim(t).to_string(),
        // A bare TOML date such as 2026-12-15 prints as itself.
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => return Err("must be a date such as \"2026-12-15\" or 2026-12-15".into()),
    };
    match text.as_str() {
        "" => Ok(None),
        t => Date::parse(t).map(Some).map_err(|e| e.to_string()),
    }
}

/// A value as a person wrote it: a string without its quotes.
pub(super) fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(t) => table::trim(t).to_string(),
        other => other.to_string(),
    }
}

/// `[caps]` (spec §3.2): each cap 1 … 2⁵³ − 1.
fn build_caps(raw: Option<&RawCaps>, ctx: &mut Ctx<'_>) -> Caps {
    let Some(raw) = raw else { return Caps::default() };
    let mut cap =
        |key: &str, n: Option<i64>| n.and_then(|n| ctx.int_in(&format!("caps.{key}"), n, (1, MAX_INTEGER), ""));
    Caps {
        visits_per_firm_per_year: cap("visits_per_firm_per_year", raw.visits_per_firm_per_year),
        on_site_per_department_per_year: cap("on_site_per_department_per_year", raw.on_site_per_department_per_year),
        same_item_per_year: cap("same_item_per_year", raw.same_item_per_year),
    }
}

/// `embargo_until` or `embargo_working_days`, not both (spec §3.2).
fn build_embargo(raw: &RawPlan, ctx: &mut Ctx<'_>) -> Option<Embargo> {
    let until = raw.embargo_until.as_ref().and_then(|v| match date_value(v) {
        Ok(Some(d)) => Some(Embargo::Until(d)),
        Ok(None) => {
            ctx.bad("embargo_until", "", "must be a date such as \"2026-12-15\" (leave the key out for no embargo)");
            None
        }
        Err(m) => {
            ctx.bad("embargo_until", &shown(v), m);
            None
        }
    });
    let days = raw.embargo_working_days.and_then(|n| {
        ctx.int_in("embargo_working_days", n, (1, MAX_EMBARGO_WORKING_DAYS), "").map(|n| Embargo::WorkingDays(n as u32))
    });
    if raw.embargo_until.is_some() && raw.embargo_working_days.is_some() {
        let shown = raw.embargo_working_days.map(|n| n.to_string()).unwrap_or_default();
        ctx.bad("embargo_working_days", &shown, "give embargo_until or embargo_working_days, not both");
        return None;
    }
    until.or(days)
}

fn build_scope(raw: RawScope, ctx: &mut Ctx<'_>) -> Scope {
    let mut statuses = Vec::new();
    for s in raw.statuses.unwrap_or_else(|| vec!["存续".into()]) {
        match Status::parse(table::trim(&s)) {
            Some(st) => statuses.push(st),
            None => ctx.bad("scope.statuses", &s, "status must be 存续, 歇业, 吊销 or 注销"),
        }
    }
    statuses.sort_by_key(|s| s.label());
    statuses.dedup();
    let trimmed =
        |v: Option<Vec<String>>| sorted(v.unwrap_or_default().iter().map(|s| table::trim(s).to_string()).collect());
    let regions = trimmed(raw.regions);
    for r in &regions {
        if r.is_empty() || r.len() > 6 || !r.bytes().all(|b| b.is_ascii_digit()) {
            ctx.bad("scope.regions", r, "a region prefix is 1–6 digits of a GB/T 2260 code");
        }
    }
    let industries = trimmed(raw.industries);
    let mut where_: Vec<(String, String)> = raw
        .where_
        .unwrap_or_default()
        .into_iter()
        .map(|(c, v)| where_established(table::trim(&c), table::trim(&v), ctx))
        .collect();
    where_.sort();
    for (i, (column, _)) in where_.iter().enumerate() {
        if let Some(why) = wake::unfilterable(column) {
            ctx.bad("scope.where", column, why);
        } else if column.is_empty() || where_[..i].iter().any(|(c, _)| c == column) {
            ctx.bad("scope.where", column, "each column may be named once, and not empty");
        }
    }
    let ranges = build_ranges(raw.range.unwrap_or_default(), &where_, ctx);
    let wake = raw.wake.unwrap_or(false).then(Wake::default);
    Scope { statuses, regions, industries, where_, ranges, wake }
}

fn build_team(raw: &RawTeam, departments: Vec<String>, ctx: &mut Ctx<'_>) -> Team {
    let size = match raw.size {
        None => departments.len().max(2),
        Some(n) => {
            let why = "an inspection needs at least 2 certified inspectors";
            ctx.int_in("team.size", n, (2, MAX_TEAM), why).unwrap_or(2) as usize
        }
    };
    if size < departments.len() {
        ctx.bad(
            "team.size",
            &size.to_string(),
            format!(
                "a joint inspection of {} departments needs a team of at least {}",
                departments.len(),
                departments.len()
            ),
        );
    }
    let region = match raw.region.as_deref().unwrap_or("any") {
        "any" => RegionRule::Any,
        "same" => RegionRule::Same,
        "different" => RegionRule::Different,
        other => {
            ctx.bad("team.region", other, "must be \"any\", \"same\" or \"different\" (所所交叉)");
            RegionRule::Any
        }
    };
    let max_targets_per_inspector = raw
        .max_targets_per_inspector
        .and_then(|n| ctx.int_in("team.max_targets_per_inspector", n, (1, MAX_INTEGER), ""));
    let experts = raw.experts.and_then(|n| ctx.int_in("team.experts", n, (0, MAX_TEAM), "")).unwrap_or(0) as usize;
    Team {
        size,
        departments,
        region,
        max_targets_per_inspector,
        qualifications: sorted(
            raw.qualifications
                .clone()
                .unwrap_or_default()
                .iter()
                .map(|q| table::trim(q).to_string())
                .filter(|q| !q.is_empty())
                .collect(),
        ),
        experts,
        rotation: raw.rotation.unwrap_or(false),
        reviewers: raw.reviewers.and_then(|n| ctx.int_in("team.reviewers", n, (1, 2), "")).unwrap_or(1) as usize,
    }
}

/// The words of an item's methods (spec §8.6): the elements of its `method`
/// set that name one; other elements are free text and ignored.
fn item_methods(item: &Item) -> Vec<&'static str> {
    item.method.split('、').filter_map(|m| method_word(table::trim(m))).collect()
}

/// The plan's effective method (spec §8.6): `method`, or with
/// `prefer_offsite` the first off-site method every chosen item allows;
/// an off-site one is then checked against the items, experts and reviewers.
fn effective_method(
    method: Option<&str>,
    prefer_offsite: Option<bool>,
    items: &[Item],
    team: &Team,
    ctx: &mut Ctx<'_>,
) -> &'static str {
    let prefer = prefer_offsite.unwrap_or(false);
    let method = match method.map(table::trim) {
        Some(text) => {
            if prefer {
                ctx.bad("prefer_offsite", "true", "give method or prefer_offsite = true, not both");
            }
            method_word(text).unwrap_or_else(|| {
                ctx.bad("method", text, NOT_A_METHOD);
                ON_SITE
            })
        }
        None if prefer && !items.is_empty() => {
            OFF_SITE.into_iter().find(|m| items.iter().all(|i| item_methods(i).contains(m))).unwrap_or(ON_SITE)
        }
        None => ON_SITE,
    };
    if method == ON_SITE {
        return method;
    }
    for item in items {
        let methods = item_methods(item);
        if !methods.is_empty() && !methods.contains(&method) {
            ctx.bad("method", method, format!("item 「{}」 is checked by {}: not by {method}", item.item, item.method));
        }
    }
    if team.experts > 0 {
        let why = format!("experts join on-site visits only; an off-site plan (method {method}) has none");
        ctx.bad("team.experts", &team.experts.to_string(), why);
    }
    if team.reviewers < team.departments.len() {
        let n = team.departments.len();
        let why = format!("an off-site check of {n} departments needs one reviewer per department (reviewers = {n})");
        ctx.bad("team.reviewers", &team.reviewers.to_string(), why);
    }
    method
}
