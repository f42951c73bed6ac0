//! Annual plans (年度抽查计划, audit/LOG-FORMAT.md "Annual plans and
//! batches"): the year's departments, items with their ratios and batches,
//! validated with every problem at its key and line, reduced to the
//! canonical object an `AnnualPlan` entry publishes (its cost with a
//! registry: `engine::cost`).

use super::parse::{date_value, shown, Ctx};
use super::*;

/// The smallest and largest `year` of an annual plan.
const YEARS: (u64, u64) = (2000, 2999);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnnual {
    year: i64,
    name: String,
    departments: Vec<String>,
    items_file: Option<String>,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default)]
    batches: Vec<RawBatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    item: String,
    #[serde(default)]
    ratios: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    name: String,
    department: String,
    start: toml::Value,
    end: toml::Value,
    items: Vec<String>,
    team_size: Option<i64>,
    method: Option<String>,
    regions: Option<Vec<String>>,
    industries: Option<Vec<String>>,
}

/// One item of the year and its per-class ratios.
#[derive(Clone, Debug)]
pub struct AnnualItem {
    pub item: String,
    pub ratios: [Ratio; 4],
}

/// One batch (批次) of the year.
#[derive(Clone, Debug)]
pub struct Batch {
    pub name: String,
    pub department: String,
    pub start: Date,
    pub end: Date,
    pub items: Vec<String>,
    /// Per class, the largest ratio of the batch's items.
    pub ratios: [Ratio; 4],
    /// Inspectors per target; off-site, the reviewers (spec §8.6).
    pub team_size: u64,
    /// The batch's method (spec §8.6 words).
    pub method: &'static str,
    pub regions: Vec<String>,
    pub industries: Vec<String>,
}

/// A validated annual plan.
#[derive(Clone, Debug)]
pub struct AnnualPlan {
    pub year: u64,
    pub name: String,
    pub departments: Vec<String>,
    pub items: Vec<AnnualItem>,
    pub batches: Vec<Batch>,
}

fn ratios_json(ratios: &[Ratio; 4]) -> Value {
    Value::Object(Class::ALL.iter().map(|c| (c.letter().to_string(), json!(ratios[*c as usize].to_string()))).collect())
}

impl AnnualPlan {
    /// Parses and validates an annual plan; `open` reads the item list it names.
    pub fn parse(text: &str, label: &str, open: &Opener<'_>) -> Result<AnnualPlan, InputError> {
        let raw: RawAnnual = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u64 + 1);
            InputError::input(label, line.unwrap_or(0), "", "", format!("invalid TOML: {}", e.message()))
        })?;
        let mut ctx = Ctx { label, text, problems: Problems::default() };
        let plan = build(raw, &mut ctx, open)?;
        check_control_characters(&plan.canonical(), "", &mut ctx);
        ctx.problems.into_result()?;
        Ok(plan)
    }

    /// The canonical annual plan (LOG-FORMAT "Annual plans and batches").
    pub fn canonical(&self) -> Value {
        let batch = |b: &Batch| {
            let mut v = json!({
                "name": b.name, "department": b.department,
                "start": b.start.to_string(), "end": b.end.to_string(),
                "items": b.items, "ratios": ratios_json(&b.ratios), "team_size": b.team_size,
                "regions": b.regions, "industries": b.industries,
            });
            // Only an off-site batch names its method: annual plans without
            // methods keep their digest.
            if b.method != ON_SITE {
                v["method"] = json!(b.method);
            }
            v
        };
        json!({
            "year": self.year,
            "name": self.name,
            "departments": self.departments,
            "items": self.items.iter().map(|i| json!({"item": i.item, "ratios": ratios_json(&i.ratios)})).collect::<Vec<_>>(),
            "batches": self.batches.iter().map(batch).collect::<Vec<_>>(),
        })
    }

    /// `hex(SHA-256(canonical_json(annual)))`.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(canonical::to_bytes(&self.canonical())))
    }
}

/// The line of key `key` inside the `n`-th (0-based) `[[table]]` of the file.
fn line_in(text: &str, table: &str, n: usize, key: &str) -> u64 {
    let header = format!("[[{table}]]");
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().enumerate().filter(|(_, l)| l.trim() == header).nth(n).map(|(i, _)| i) else {
        return 0;
    };
    let body = lines[start + 1..].iter().take_while(|l| !l.trim_start().starts_with('['));
    for (i, l) in body.enumerate() {
        if l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            return (start + 2 + i) as u64;
        }
    }
    start as u64 + 1
}

/// A problem of the `n`-th `[[table]]`: key `table[n].key`, at its line.
fn bad_in(ctx: &mut Ctx<'_>, table: &str, n: usize, key: &str, value: &str, message: impl Into<String>) {
    let line = line_in(ctx.text, table, n, key);
    ctx.problems.push(Problem {
        file: ctx.label.into(),
        line,
        column: format!("{table}[{n}].{key}"),
        value: value.into(),
        message: message.into(),
    });
}

fn trimmed(v: &[String]) -> Vec<String> {
    v.iter().map(|s| table::trim(s).to_string()).collect()
}

fn build(raw: RawAnnual, ctx: &mut Ctx<'_>, open: &Opener<'_>) -> Result<AnnualPlan, InputError> {
    let year = ctx.int_in("year", raw.year, YEARS, "").unwrap_or(0);
    let name = table::trim(&raw.name).to_string();
    if name.is_empty() {
        ctx.bad("name", "", "the annual plan needs a name");
    }
    let departments = trimmed(&raw.departments);
    if departments.is_empty() {
        ctx.bad("departments", "", "list the departments taking part (at least one)");
    }
    for (i, d) in departments.iter().enumerate() {
        if d.is_empty() || departments[..i].contains(d) {
            ctx.bad("departments", d, "departments must be non-empty and listed once");
        }
    }
    if raw.items.is_empty() {
        ctx.bad("items", "", "an annual plan needs at least one [[items]] table");
    }
    let mut items: Vec<AnnualItem> = Vec::new();
    for (n, it) in raw.items.iter().enumerate() {
        let item = table::trim(&it.item).to_string();
        if item.is_empty() || items.iter().any(|x| x.item == item) {
            bad_in(ctx, "items", n, "item", &item, "item names must be non-empty and listed once");
        }
        let mut ratios = [Ratio::ZERO; 4];
        for (key, value) in &it.ratios {
            let Some(c) = Class::parse(key) else {
                bad_in(ctx, "items", n, "ratios", key, "credit class must be A, B, C or D");
                continue;
            };
            match super::parse::ratio_value(value) {
                Ok(r) => ratios[c as usize] = r,
                Err(m) => bad_in(ctx, "items", n, "ratios", &value.to_string(), format!("ratio {key}: {m}")),
            }
        }
        items.push(AnnualItem { item, ratios });
    }
    if let Some(file) = &raw.items_file {
        // Every item must exist in the item list (一单); the list's own
        // problems (a bad row) are reported with its file and line.
        let names: Vec<String> = items.iter().map(|i| i.item.clone()).collect();
        read_items(&*open(file), &names, ctx)?;
    }
    if raw.batches.is_empty() {
        ctx.bad("batches", "", "an annual plan needs at least one [[batches]] table");
    }
    let mut batches: Vec<Batch> = Vec::new();
    for (n, b) in raw.batches.iter().enumerate() {
        batches.push(build_batch(b, n, year, &departments, &items, &batches, ctx));
    }
    Ok(AnnualPlan { year, name, departments, items, batches })
}

fn build_batch(
    b: &RawBatch,
    n: usize,
    year: u64,
    departments: &[String],
    items: &[AnnualItem],
    earlier: &[Batch],
    ctx: &mut Ctx<'_>,
) -> Batch {
    let name = table::trim(&b.name).to_string();
    if name.is_empty() || earlier.iter().any(|x| x.name == name) {
        bad_in(ctx, "batches", n, "name", &name, "batch names must be non-empty and listed once");
    }
    let department = table::trim(&b.department).to_string();
    if !departments.contains(&department) {
        bad_in(
            ctx,
            "batches",
            n,
            "department",
            &department,
            format!("not one of departments ({})", departments.join(", ")),
        );
    }
    let mut date = |key: &str, v: &toml::Value| -> Option<Date> {
        match date_value(v) {
            Ok(Some(d)) if d.year as u64 == year => Some(d),
            Ok(Some(d)) => {
                bad_in(ctx, "batches", n, key, &d.to_string(), format!("is not in the plan's year {year}"));
                None
            }
            Ok(None) => {
                bad_in(ctx, "batches", n, key, "", "must be a date such as 2027-03-01");
                None
            }
            Err(m) => {
                bad_in(ctx, "batches", n, key, &shown(v), m);
                None
            }
        }
    };
    let (start, end) = (date("start", &b.start), date("end", &b.end));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            bad_in(ctx, "batches", n, "end", &e.to_string(), format!("is before start {s}"));
        }
    }
    let names = trimmed(&b.items);
    if names.is_empty() {
        bad_in(ctx, "batches", n, "items", "", "a batch needs at least one item");
    }
    let mut ratios = [Ratio::ZERO; 4];
    for (i, item) in names.iter().enumerate() {
        match items.iter().find(|x| x.item == *item) {
            _ if names[..i].contains(item) => bad_in(ctx, "batches", n, "items", item, "item listed twice"),
            Some(found) => {
                for (r, f) in ratios.iter_mut().zip(found.ratios) {
                    *r = (*r).max(f);
                }
            }
            None => bad_in(ctx, "batches", n, "items", item, "not one of the plan's [[items]]"),
        }
    }
    let method = match b.method.as_deref().map(table::trim) {
        None => ON_SITE,
        Some(text) => method_word(text).unwrap_or_else(|| {
            bad_in(ctx, "batches", n, "method", text, NOT_A_METHOD);
            ON_SITE
        }),
    };
    // Off-site, the team is the responsible inspector and maybe a reviewer (spec §8.6).
    let (low, high, default) = if method == ON_SITE { (2, MAX_TEAM, 2) } else { (1, 2, 1) };
    let team_size = match b.team_size {
        None => default,
        Some(v) => match u64::try_from(v) {
            Ok(v) if (low..=high).contains(&v) => v,
            _ => {
                let why = format!("must be an integer from {low} to {high}");
                bad_in(ctx, "batches", n, "team_size", &v.to_string(), why);
                default
            }
        },
    };
    let regions = sorted(trimmed(b.regions.as_deref().unwrap_or_default()));
    for r in &regions {
        if r.is_empty() || r.len() > 6 || !r.bytes().all(|b| b.is_ascii_digit()) {
            bad_in(ctx, "batches", n, "regions", r, "a region prefix is 1–6 digits of a GB/T 2260 code");
        }
    }
    let industries = sorted(trimmed(b.industries.as_deref().unwrap_or_default()));
    let fallback = Date { year: year as u16, month: 1, day: 1 };
    Batch {
        name,
        department,
        start: start.unwrap_or(fallback),
        end: end.unwrap_or(fallback),
        items: names,
        ratios,
        team_size,
        method,
        regions,
        industries,
    }
}

/// The fields of a canonical batch (a logged annual plan's `batches[]`) that a
/// batch plan must repeat; `None` when the batch is not in `annual`.
pub fn batch_of<'a>(annual: &'a Value, name: &str) -> Option<&'a Value> {
    annual["batches"].as_array()?.iter().find(|b| b["name"] == name)
}

/// Why a batch plan does not match its batch (LOG-FORMAT "Annual plans and
/// batches"): one line per difference, empty when it matches. `plan` is the
/// canonical plan, `batch` a canonical batch, `year` the commitment's year.
pub fn batch_mismatches(plan: &Value, batch: &Value, annual_year: &Value, year: u64) -> Vec<String> {
    let mut out = Vec::new();
    if plan["department"] != batch["department"] {
        out.push(format!("department {} is not the batch's {}", plan["department"], batch["department"]));
    }
    let mut plan_items: Vec<&str> =
        plan["items"].as_array().into_iter().flatten().filter_map(|i| i["item"].as_str()).collect();
    let mut batch_items: Vec<&str> =
        batch["items"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    plan_items.sort();
    batch_items.sort();
    if plan_items != batch_items {
        out.push(format!("items [{}] are not the batch's [{}]", plan_items.join(", "), batch_items.join(", ")));
    }
    if plan["ratios"] != batch["ratios"] {
        out.push(format!("ratios {} are not the batch's {}", plan["ratios"], batch["ratios"]));
    }
    for key in ["regions", "industries"] {
        if plan["scope"][key] != batch[key] {
            out.push(format!("scope.{key} {} is not the batch's {}", plan["scope"][key], batch[key]));
        }
    }
    let method = |v: &Value| v.as_str().unwrap_or(ON_SITE).to_string();
    let (plan_method, batch_method) = (method(&plan["method"]), method(&batch["method"]));
    if plan_method != batch_method {
        out.push(format!("method {plan_method} is not the batch's {batch_method}"));
    }
    // Off-site the batch's team_size is the plan's reviewers (spec §8.6).
    let team_key = if batch_method == ON_SITE { "size" } else { "reviewers" };
    if plan["team"][team_key] != batch["team_size"] {
        let (got, want) = (&plan["team"][team_key], &batch["team_size"]);
        out.push(format!("team.{team_key} {got} is not the batch's team_size {want}"));
    }
    if annual_year.as_u64() != Some(year) {
        out.push(format!("year {year} is not the annual plan's year {annual_year}"));
    }
    let date = plan["inspection_date"].as_str().unwrap_or_default();
    let (start, end) = (batch["start"].as_str().unwrap_or_default(), batch["end"].as_str().unwrap_or_default());
    if !(date.is_empty() || start <= date && date <= end) {
        out.push(format!("inspection_date {date} is outside the batch's window {start} … {end}"));
    }
    out
}
