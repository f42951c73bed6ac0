//! Inspection plans (spec §3): TOML in, a validated plan and its canonical
//! JSON form out. Files a plan names are read through `Source`s supplied by
//! the caller, so this module never touches the filesystem itself.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::input::error::{InputError, Problem, Problems};
use crate::input::ratio::{Ratio, RatioError};
use crate::input::registry::split_set;
use crate::input::table::{self, Source};
use crate::model::canonical;
use crate::model::date::Date;
use crate::model::fields::Field;
use crate::model::fields::ENTERPRISE_FIELDS;
use crate::model::registry::{Class, Status};
use crate::model::uscc;

pub const ALGORITHM: &str = "fairdraw-v1";

/// The largest integer a plan (or a draw document) may hold: 2^53 − 1, the
/// largest that every verifier's language represents exactly (spec §3.2).
pub const MAX_INTEGER: u64 = (1 << 53) - 1;

/// The largest `team.size` and `team.experts`: every target carries that many
/// slots, so a typo must not allocate millions of them (spec §3.2).
pub const MAX_TEAM: u64 = 100;

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
    ratios: BTreeMap<String, toml::Value>,
    min: Option<BTreeMap<String, i64>>,
    max: Option<BTreeMap<String, i64>>,
    scope: Option<RawScope>,
    team: Option<RawTeam>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope {
    statuses: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    industries: Option<Vec<String>>,
    #[serde(rename = "where")]
    where_: Option<BTreeMap<String, String>>,
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionRule {
    Any,
    Same,
    Different,
}

impl RegionRule {
    pub fn label(self) -> &'static str {
        match self {
            RegionRule::Any => "any",
            RegionRule::Same => "same",
            RegionRule::Different => "different",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    General,
    Key,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub item: String,
    pub code: String,
    pub basis: String,
    pub department: String,
    pub category: Category,
    pub method: String,
    pub ceiling: Option<Ratio>,
}

#[derive(Clone, Debug)]
pub struct Scope {
    pub statuses: Vec<Status>,
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    /// `(column, value)` pairs, sorted by column.
    pub where_: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub size: usize,
    /// In plan order; the draw puts the initiating department first.
    pub departments: Vec<String>,
    pub region: RegionRule,
    pub max_targets_per_inspector: Option<u64>,
    pub qualifications: Vec<String>,
    pub experts: usize,
    pub rotation: bool,
}

/// A validated plan, every default applied.
#[derive(Clone, Debug)]
pub struct Plan {
    pub name: String,
    pub department: String,
    pub inspection_date: Option<Date>,
    pub ratios: [Ratio; 4],
    pub min: [u64; 4],
    pub max: [Option<u64>; 4],
    pub scope: Scope,
    pub items: Vec<Item>,
    pub exclude: Vec<String>,
    /// Annual cap across all plans, enforced from the audit log at commit.
    pub max_draws_per_year: Option<u64>,
    pub team: Team,
    /// `(uscc, inspector_id)` pairs barred by rotation, sorted.
    pub history: Vec<(String, String)>,
    /// Where the plan was read from; not part of the canonical plan.
    pub origin: Origin,
}

/// Where a plan was read from, for problems that only a later input reveals
/// (a department no inspector of the roster belongs to).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The file (or request part) the plan came from.
    pub label: String,
    /// 1-based lines of `team.departments` and `team.qualifications`; 0 when
    /// unknown (a plan read back from the log).
    pub departments_line: u64,
    pub qualifications_line: u64,
}

/// Opens a file the plan names (relative to the plan).
pub type Opener<'a> = dyn Fn(&str) -> Box<dyn Source + 'a> + 'a;

struct Ctx<'a> {
    label: &'a str,
    text: &'a str,
    problems: Problems,
}

impl Ctx<'_> {
    fn bad(&mut self, key: &str, value: &str, message: impl Into<String>) {
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
    fn int_in(&mut self, key: &str, value: i64, (lo, hi): (u64, u64), why: &str) -> Option<u64> {
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
    fn line_of(&self, key: &str) -> u64 {
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

    /// The canonical plan object (spec §3.3).
    pub fn canonical(&self) -> Value {
        let per_class = |f: &dyn Fn(usize) -> Value| -> Value {
            let mut m = serde_json::Map::new();
            for c in Class::ALL {
                m.insert(c.letter().into(), f(c as usize));
            }
            Value::Object(m)
        };
        let mut statuses: Vec<&str> = self.scope.statuses.iter().map(|s| s.label()).collect();
        statuses.sort();
        json!({
            "algorithm": ALGORITHM,
            "name": self.name,
            "department": self.department,
            "inspection_date": self.inspection_date.map(|d| d.to_string()).unwrap_or_default(),
            "ratios": per_class(&|i| json!(self.ratios[i].to_string())),
            "min": per_class(&|i| json!(self.min[i])),
            "max": per_class(&|i| json!(self.max[i])),
            "scope": {
                "statuses": statuses,
                "regions": self.scope.regions,
                "industries": self.scope.industries,
                "where": self.scope.where_.iter().map(|(c, v)| json!([c, v])).collect::<Vec<_>>(),
            },
            "items": self.items.iter().map(|i| json!({
                "item": i.item, "code": i.code, "basis": i.basis, "department": i.department,
                "category": match i.category { Category::General => "general", Category::Key => "key" },
                "method": i.method, "ceiling": i.ceiling.map(|c| c.to_string()),
            })).collect::<Vec<_>>(),
            "exclude": self.exclude,
            "max_draws_per_year": self.max_draws_per_year,
            "team": {
                "size": self.team.size,
                "departments": self.team.departments,
                "region": self.team.region.label(),
                "max_targets_per_inspector": self.team.max_targets_per_inspector,
                "qualifications": self.team.qualifications,
                "experts": self.team.experts,
                "rotation": self.team.rotation,
            },
            "history": self.history.iter().map(|(u, i)| json!([u, i])).collect::<Vec<_>>(),
        })
    }

    /// `hex(SHA-256(canonical_json(plan)))`.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(canonical::to_bytes(&self.canonical())))
    }

    /// Columns the plan filters on, as named in `scope.where`.
    pub fn where_columns(&self) -> Vec<String> {
        self.scope.where_.iter().map(|(c, _)| c.clone()).collect()
    }

    /// Departments in slot order: the initiating one first (spec §8.2).
    pub fn slot_departments(&self) -> Vec<String> {
        let mut d = self.team.departments.clone();
        if let Some(pos) = d.iter().position(|x| *x == self.department) {
            let lead = d.remove(pos);
            d.insert(0, lead);
        }
        d
    }
}

/// Control characters would reach the plan digest; refuse them anywhere.
fn check_control_characters(v: &Value, path: &str, ctx: &mut Ctx<'_>) {
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

fn sorted(mut v: Vec<String>) -> Vec<String> {
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

fn build(raw: RawPlan, ctx: &mut Ctx<'_>, open: &Opener<'_>) -> Result<Plan, InputError> {
    let name = table::trim(&raw.name).to_string();
    if name.is_empty() {
        ctx.bad("name", "", "the plan needs a name");
    }
    let mut ratios = [Ratio::ZERO; 4];
    for (key, value) in &raw.ratios {
        let Some(i) = class_key(ctx, "ratios", key) else { continue };
        let parsed = match value {
            toml::Value::String(s) => Ratio::parse(s).map_err(|e| e.to_string()),
            toml::Value::Integer(n) => Ratio::parse(&n.to_string()).map_err(|e| e.to_string()),
            _ => Err("must be a string such as \"5%\" (or the integer 0 or 1); floats are not allowed".to_string()),
        };
        match parsed {
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
    let date_text = match &raw.inspection_date {
        None => String::new(),
        Some(toml::Value::String(t)) => table::trim(t).to_string(),
        // A bare TOML date such as 2026-12-15 prints as itself.
        Some(toml::Value::Datetime(d)) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        Some(other) => {
            ctx.bad("inspection_date", &other.to_string(), "must be a date such as \"2026-12-15\" or 2026-12-15");
            String::new()
        }
    };
    let inspection_date = match date_text.as_str() {
        "" => None,
        t => match Date::parse(t) {
            Ok(d) => Some(d),
            Err(m) => {
                ctx.bad("inspection_date", t, m);
                None
            }
        },
    };
    let scope = build_scope(raw.scope.unwrap_or_default(), ctx);
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
        history,
        origin: Origin::default(),
    })
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
        .map(|(c, v)| (table::trim(&c).to_string(), table::trim(&v).to_string()))
        .collect();
    where_.sort();
    for (i, (column, _)) in where_.iter().enumerate() {
        if table::field_index(ENTERPRISE_FIELDS, column).is_some_and(|f| ENTERPRISE_FIELDS[f].key == "established") {
            ctx.bad(
                "scope.where",
                column,
                "成立日期 (established) is not part of the snapshot and cannot be filtered on",
            );
        } else if column.is_empty() || where_[..i].iter().any(|(c, _)| c == column) {
            ctx.bad("scope.where", column, "each column may be named once, and not empty");
        }
    }
    Scope { statuses, regions, industries, where_ }
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
    }
}

const ITEM_FIELDS: &[Field] = &[
    Field { key: "item", aliases: &["抽查事项", "事项名称"], required: true },
    Field { key: "code", aliases: &["事项编号"], required: false },
    Field { key: "basis", aliases: &["检查依据", "法律依据"], required: false },
    Field { key: "department", aliases: &["实施部门", "部门"], required: false },
    Field { key: "category", aliases: &["事项类别"], required: true },
    Field { key: "method", aliases: &["检查方式"], required: false },
    Field { key: "ceiling", aliases: &["抽查比例上限"], required: false },
];

fn read_items(source: &dyn Source, wanted: &[String], ctx: &mut Ctx<'_>) -> Result<Vec<Item>, InputError> {
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        ITEM_FIELDS,
        &mut problems,
        |_| Vec::new(),
        |items: &mut Vec<(Item, u64)>, row, problems| {
            let item = (|| -> Result<Item, Problem> {
                let f = |i: usize| row.field(i).map(|v| v.into_owned());
                let name = f(0)?;
                if name.is_empty() {
                    return Err(row.field_problem(0, "", "required value is empty"));
                }
                let cat = f(4)?;
                let category = match cat.as_str() {
                    "一般" | "一般检查事项" => Category::General,
                    "重点" | "重点检查事项" => Category::Key,
                    c if c.eq_ignore_ascii_case("general") => Category::General,
                    c if c.eq_ignore_ascii_case("key") => Category::Key,
                    _ => return Err(row.field_problem(4, &cat, "category must be 一般 (general) or 重点 (key)")),
                };
                let ceiling_text = f(6)?;
                let ceiling = if ceiling_text.is_empty() {
                    None
                } else {
                    Some(Ratio::parse(&ceiling_text).map_err(|m| row.field_problem(6, &ceiling_text, m.to_string()))?)
                };
                Ok(Item {
                    item: name,
                    code: f(1)?,
                    basis: f(2)?,
                    department: f(3)?,
                    category,
                    method: split_set(&f(5)?).join("、"),
                    ceiling,
                })
            })();
            match item {
                Ok(i) if items.iter().any(|(x, _)| x.item == i.item) => {
                    problems.push(row.field_problem(0, &i.item, "item listed twice"));
                }
                Ok(i) => items.push((i, row.line)),
                Err(p) => problems.push(p),
            }
        },
    )?;
    problems.into_result()?;
    let all = parsed.map(|(_, v)| v).unwrap_or_default();
    let mut chosen: Vec<Item> = Vec::new();
    for name in wanted {
        let name = table::trim(name);
        match all.iter().find(|(i, _)| i.item == name) {
            Some(_) if chosen.iter().any(|c| c.item == name) => ctx.bad("items", name, "item listed twice"),
            Some((i, _)) => chosen.push(i.clone()),
            None => ctx.bad("items", name, format!("not in the item list {}", source.label())),
        }
    }
    Ok(chosen)
}

fn read_exclusions(source: &dyn Source) -> Result<Vec<String>, InputError> {
    const FIELDS: &[Field] =
        &[Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true }];
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        FIELDS,
        &mut problems,
        |_| Vec::new(),
        |codes: &mut Vec<String>, row, problems| match row.field(0) {
            Ok(v) => {
                let code = uscc::normalize(&v);
                match uscc::validate(&code) {
                    Ok(()) => codes.push(code),
                    Err(e) => problems.push(row.field_problem(0, &code, format!("invalid USCC: {e}"))),
                }
            }
            Err(p) => problems.push(p),
        },
    )?;
    problems.into_result()?;
    Ok(parsed.map(|(_, v)| v).unwrap_or_default())
}

fn read_history(source: &dyn Source) -> Result<Vec<(String, String)>, InputError> {
    const FIELDS: &[Field] = &[
        Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true },
        Field { key: "inspector_id", aliases: &["执法证号", "执法证件号"], required: true },
        Field { key: "date", aliases: &["检查日期"], required: true },
    ];
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        FIELDS,
        &mut problems,
        |_| Vec::new(),
        |rows: &mut Vec<(String, Date, String)>, row, problems| {
            let parsed = (|| -> Result<(String, Date, String), Problem> {
                let code = uscc::normalize(&row.field(0)?);
                uscc::validate(&code).map_err(|e| row.field_problem(0, &code, format!("invalid USCC: {e}")))?;
                let id = row.field(1)?.into_owned();
                if id.is_empty() {
                    return Err(row.field_problem(1, "", "required value is empty"));
                }
                let d = row.field(2)?;
                let date = Date::parse(&d).map_err(|m| row.field_problem(2, &d, m))?;
                Ok((code, date, id))
            })();
            match parsed {
                Ok(r) => rows.push(r),
                Err(p) => problems.push(p),
            }
        },
    )?;
    problems.into_result()?;
    let mut rows = parsed.map(|(_, v)| v).unwrap_or_default();
    rows.sort();
    let mut latest: BTreeMap<&str, Date> = BTreeMap::new();
    for (u, d, _) in &rows {
        latest.insert(u, *d); // sorted by date within a USCC: the last one wins
    }
    let mut pairs: Vec<(String, String)> =
        rows.iter().filter(|(u, d, _)| latest[u.as_str()] == *d).map(|(u, _, i)| (u.clone(), i.clone())).collect();
    pairs.sort();
    pairs.dedup();
    Ok(pairs)
}

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
    Date(String),
    #[error("unknown status {0}")]
    Status(String),
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
            },
            history: pairs(&v["history"], "history")?,
            origin: Origin::default(),
        };
        if canonical::to_bytes(&plan.canonical()) != canonical::to_bytes(v) {
            return Err(StoredPlanError::NotCanonical);
        }
        Ok(plan)
    }
}
