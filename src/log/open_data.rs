//! The open-data export of one year (audit/LOG-FORMAT.md, "Exports"): the
//! year's draws, visits, teams, published results and follow-ups as tables,
//! each as a CSV file (UTF-8 with a byte order mark, for spreadsheets) and
//! all together as one JSON file described by
//! `audit/schema/open-data.schema.json`.

use serde_json::{json, Map, Value};

use super::yearbook::Yearbook;

/// The JSON file's format name.
pub const FORMAT: &str = "fairdraw-open-data/1";

/// How a column is written: in JSON as a string, integer, boolean or array
/// of strings; in CSV as text, the integer, `true`/`false`, or the strings
/// joined with [`LIST_SEPARATOR`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Text,
    Int,
    Bool,
    List,
}

/// Joins a list's strings in a CSV cell (no name, code or id contains it).
pub const LIST_SEPARATOR: &str = "|";

/// One table: its name (the CSV file is `NAME-YEAR.csv`), columns and rows.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Column)],
    pub rows: Vec<Vec<Value>>,
}

use Column::{Bool, Int, List, Text};

pub const DRAWS: &[(&str, Column)] = &[
    ("id", Text),
    ("commitment", Text),
    ("revealed_on", Text),
    ("plan_name", Text),
    ("department", Text),
    ("method", Text),
    ("items", List),
    ("team_departments", List),
    ("joint", Bool),
    ("sealed", Bool),
    ("planned", Int),
    ("drawn", Int),
];
pub const VISITS: &[(&str, Column)] = &[
    ("draw", Text),
    ("uscc", Text),
    ("name", Text),
    ("class", Text),
    ("region", Text),
    ("department", Text),
    ("method", Text),
    ("joint", Bool),
    ("leader", Text),
];
pub const TEAMS: &[(&str, Column)] = &[("draw", Text), ("uscc", Text), ("inspector", Text), ("role", Text)];
pub const RESULTS: &[(&str, Column)] = &[
    ("result", Text),
    ("draw", Text),
    ("uscc", Text),
    ("format", Int),
    ("published_on", Text),
    ("inspection_date", Text),
    ("method", Text),
    ("item", Text),
    ("department", Text),
    ("codes", List),
    ("findings", Text),
    ("category", Text),
    ("problem", Bool),
];
pub const FOLLOW_UPS: &[(&str, Column)] =
    &[("id", Text), ("result", Text), ("uscc", Text), ("action", Text), ("due", Text), ("closed", Bool)];

/// The year's tables, in the order draws, visits, teams, results, follow_ups.
pub fn tables(book: &Yearbook) -> Vec<Table> {
    let mut draws = Vec::new();
    let mut visits = Vec::new();
    let mut teams = Vec::new();
    for d in &book.draws {
        draws.push(vec![
            json!(d.id),
            json!(d.commitment),
            json!(d.revealed_on),
            json!(d.plan_name),
            json!(d.department),
            json!(d.method),
            json!(d.items),
            json!(d.team_departments),
            json!(d.joint()),
            json!(d.sealed),
            json!(d.planned.values().sum::<u64>()),
            json!(d.visits.len()),
        ]);
        for v in &d.visits {
            visits.push(vec![
                json!(d.id),
                json!(v.uscc),
                json!(v.name),
                json!(v.class),
                json!(v.region),
                json!(d.department),
                json!(d.method),
                json!(d.joint()),
                json!(v.leader),
            ]);
            for i in &v.inspectors {
                let role = if *i == v.leader { "leader" } else { "member" };
                teams.push(vec![json!(d.id), json!(v.uscc), json!(i), json!(role)]);
            }
            for e in &v.experts {
                teams.push(vec![json!(d.id), json!(v.uscc), json!(e), json!("expert")]);
            }
        }
    }
    let mut results: Vec<Vec<Value>> = Vec::new();
    for r in &book.results {
        let head = [json!(r.id), json!(r.draw), json!(r.uscc), json!(r.format), json!(r.published_on)];
        if r.items.is_empty() {
            let tail = [json!(r.inspection_date), json!(r.method), json!(""), json!(""), json!([])];
            let v1 = [json!(r.findings), json!(r.category), json!(false)];
            results.push(head.iter().chain(&tail).chain(&v1).cloned().collect());
        }
        for i in &r.items {
            let tail = [json!(r.inspection_date), json!(r.method), json!(i.item), json!(i.department), json!(i.codes)];
            let rest = [json!(i.findings), json!(""), json!(i.found_problem())];
            results.push(head.iter().chain(&tail).chain(&rest).cloned().collect());
        }
    }
    let follow_ups = book
        .follow_ups
        .iter()
        .map(|f| vec![json!(f.id), json!(f.result), json!(f.uscc), json!(f.action), json!(f.due), json!(f.closed)])
        .collect();
    vec![
        Table { name: "draws", columns: DRAWS, rows: draws },
        Table { name: "visits", columns: VISITS, rows: visits },
        Table { name: "teams", columns: TEAMS, rows: teams },
        Table { name: "results", columns: RESULTS, rows: results },
        Table { name: "follow_ups", columns: FOLLOW_UPS, rows: follow_ups },
    ]
}

impl Table {
    /// The rows as JSON objects keyed by column name.
    pub fn objects(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|row| {
                let obj: Map<String, Value> =
                    self.columns.iter().zip(row).map(|((name, _), v)| (name.to_string(), v.clone())).collect();
                Value::Object(obj)
            })
            .collect()
    }

    /// The CSV file: a byte order mark, the header, one line per row.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(self.columns.iter().map(|(name, _)| *name))?;
        for row in &self.rows {
            w.write_record(self.columns.iter().zip(row).map(|((_, kind), v)| cell(*kind, v)))?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

fn cell(kind: Column, v: &Value) -> String {
    match kind {
        Text => v.as_str().unwrap_or_default().to_string(),
        Int | Bool => v.to_string(),
        List => v.as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>().join(LIST_SEPARATOR),
    }
}

/// The JSON file: `{"format", "year", "draws": […], "visits": […], …}`.
pub fn json(book: &Yearbook, tables: &[Table]) -> Value {
    let mut out = json!({"format": FORMAT, "year": book.year});
    for t in tables {
        out[t.name] = Value::Array(t.objects());
    }
    out
}
