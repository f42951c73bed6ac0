//! The files a plan names (spec §3.1): its inspection items, exclusions
//! and rotation history, read through the caller's `Source`s.

use super::*;

const ITEM_FIELDS: &[Field] = &[
    Field { key: "item", aliases: &["抽查事项", "事项名称"], required: true },
    Field { key: "code", aliases: &["事项编号"], required: false },
    Field { key: "basis", aliases: &["检查依据", "法律依据"], required: false },
    Field { key: "department", aliases: &["实施部门", "部门"], required: false },
    Field { key: "category", aliases: &["事项类别"], required: true },
    Field { key: "method", aliases: &["检查方式"], required: false },
    Field { key: "ceiling", aliases: &["抽查比例上限"], required: false },
];

pub(super) fn read_items(source: &dyn Source, wanted: &[String], ctx: &mut Ctx<'_>) -> Result<Vec<Item>, InputError> {
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

pub(super) fn read_exclusions(source: &dyn Source) -> Result<Vec<String>, InputError> {
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

pub(super) fn read_history(source: &dyn Source) -> Result<Vec<(String, String)>, InputError> {
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
                let date = Date::parse(&d).map_err(|m| row.field_problem(2, &d, m.to_string()))?;
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
