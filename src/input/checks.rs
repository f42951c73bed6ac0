//! A table of checks made outside fairdraw, for the burden ledger
//! (audit/LOG-FORMAT.md, "The burden ledger and caps"): every row checked
//! before anything is written, every problem reported at once.

use serde_json::{json, Value};

use crate::input::error::{InputError, Problem, Problems};
use crate::input::table::{self, Source};
use crate::model::date::Date;
use crate::model::fields::Field;
use crate::model::result::method_word;
use crate::model::uscc;

const FIELDS: &[Field] = &[
    Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true },
    Field { key: "department", aliases: &["部门", "检查部门", "实施部门"], required: true },
    Field { key: "method", aliases: &["检查方式"], required: true },
    Field { key: "date", aliases: &["检查日期", "日期"], required: true },
    Field { key: "item", aliases: &["抽查事项", "检查事项"], required: false },
    Field { key: "reference", aliases: &["文号", "编号"], required: false },
];

/// The checks of the table, in its order, as `ExternalChecks` check objects.
pub fn read_checks(source: &dyn Source) -> Result<Vec<Value>, InputError> {
    let mut problems = Problems::default();
    let parsed = table::read(
        source,
        FIELDS,
        &mut problems,
        |_| Vec::new(),
        |checks: &mut Vec<Value>, row, problems| {
            let mut found: Vec<Problem> = Vec::new();
            let mut field = |i: usize| match row.field(i) {
                Ok(v) => v.into_owned(),
                Err(p) => {
                    found.push(p);
                    String::new()
                }
            };
            let (code, department, method, date, item, reference) =
                (uscc::normalize(&field(0)), field(1), field(2), field(3), field(4), field(5));
            if let Err(e) = uscc::validate(&code) {
                found.push(row.field_problem(0, &code, format!("invalid USCC: {e}")));
            }
            if department.is_empty() {
                found.push(row.field_problem(1, "", "required value is empty"));
            }
            let word = method_word(&method);
            if word.is_none() {
                found.push(row.field_problem(
                    2,
                    &method,
                    "method must be on_site (实地核查), desk (书面检查), online (网络监测) or data (信息共享)",
                ));
            }
            let day = Date::parse(&date).map_err(|e| found.push(row.field_problem(3, &date, e.to_string()))).ok();
            if !found.is_empty() {
                problems.list.extend(found);
                return;
            }
            let mut check =
                json!({"uscc": code, "department": department, "method": word, "date": day.map(|d| d.to_string())});
            for (key, value) in [("item", item), ("reference", reference)] {
                if !value.is_empty() {
                    check[key] = json!(value);
                }
            }
            checks.push(check);
        },
    )?;
    let checks = parsed.map(|(_, v)| v).unwrap_or_default();
    if checks.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: source.label().into(),
            line: 0,
            column: String::new(),
            value: String::new(),
            message: "no checks: the table has no rows".into(),
        });
    }
    problems.into_result()?;
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::table::BytesSource;

    fn read(text: &str) -> Result<Vec<Value>, InputError> {
        read_checks(&BytesSource { label: "checks.csv".into(), bytes: text.as_bytes() })
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_column() {
        let text = "uscc,department,method,date,item\n\
                    913301271357246856,税务局,书面检查,2026/3/1,发票检查\n\
                    913301271357246857,税务局,visit,2026-02-30,\n\
                    913301271357246856,,on_site,2026-04-01,\n";
        let problems = match read(text) {
            Err(InputError::Problems(p)) => p.list,
            other => panic!("{other:?}"),
        };
        let at: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(at, [(3, "uscc"), (3, "method"), (3, "date"), (4, "department")], "{problems:?}");
        let good = read("uscc,department,method,date\n913301271357246856,税务局,书面检查,2026/3/1\n").unwrap();
        assert_eq!(
            good,
            [json!({"uscc": "913301271357246856", "department": "税务局", "method": "desk", "date": "2026-03-01"})]
        );
    }
}
