//! The hand-off to the national enterprise credit publicity system
//! (国家企业信用信息公示系统): the published v2 results of a period, one row
//! per result × item × department, in the column layout of [`LAYOUT`]
//! (audit/LOG-FORMAT.md, "Exports", says what is and is not confirmed about
//! it), as CSV (UTF-8 with a byte order mark) or .xlsx; and the reader that
//! takes such a CSV back.

use std::collections::BTreeMap;

use super::yearbook::{Published, ResultItem, Yearbook};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Draw,
    Uscc,
    Name,
    Department,
    Item,
    Method,
    InspectionDate,
    Codes,
    CodeTexts,
    Findings,
    PublishedOn,
    Result,
}

/// The columns in order: (header, field). The one place to correct when the
/// publicity system's template turns out to differ.
pub const LAYOUT: &[(&str, Field)] = &[
    ("抽查任务编号", Field::Draw),
    ("统一社会信用代码", Field::Uscc),
    ("企业名称", Field::Name),
    ("检查实施机关", Field::Department),
    ("抽查事项", Field::Item),
    ("检查方式", Field::Method),
    ("检查日期", Field::InspectionDate),
    ("检查结果代码", Field::Codes),
    ("检查结果", Field::CodeTexts),
    ("问题描述", Field::Findings),
    ("公示日期", Field::PublishedOn),
    ("结果编号", Field::Result),
];

/// Joins the codes of one row (`A,B`).
pub const CODE_SEPARATOR: &str = ",";

/// The methods' names in the publicity system's words.
pub const METHOD_NAMES: [(&str, &str); 4] =
    [("on_site", "实地核查"), ("desk", "书面核查"), ("online", "网络监测"), ("data", "信息共享")];

fn lookup<'a>(table: &[(&'a str, &'a str)], key: &str, by_first: bool) -> Option<&'a str> {
    table
        .iter()
        .find(|(a, b)| if by_first { *a == key } else { *b == key })
        .map(|(a, b)| if by_first { *b } else { *a })
}

/// One row: the cells in [`LAYOUT`] order.
fn row(r: &Published, name: &str, item: &ResultItem) -> Vec<String> {
    LAYOUT
        .iter()
        .map(|(_, field)| match field {
            Field::Draw => r.draw.clone(),
            Field::Uscc => r.uscc.clone(),
            Field::Name => name.to_string(),
            Field::Department => item.department.clone(),
            Field::Item => item.item.clone(),
            Field::Method => lookup(&METHOD_NAMES, &r.method, true).unwrap_or(&r.method).to_string(),
            Field::InspectionDate => r.inspection_date.clone(),
            Field::Codes => item.codes.join(CODE_SEPARATOR),
            Field::CodeTexts => {
                item.codes.iter().map(|c| crate::model::result::text_of(c).unwrap_or(c)).collect::<Vec<_>>().join("；")
            }
            Field::Findings => item.findings.clone(),
            Field::PublishedOn => r.published_on.clone(),
            Field::Result => r.id.clone(),
        })
        .collect()
}

/// The v2 results of `book` published from `from` to `to` (inclusive, China
/// dates `YYYY-MM-DD`), oldest publication first; v1 results have no codes
/// and are left out.
pub fn results_in<'a>(book: &'a Yearbook, from: &str, to: &str) -> Vec<&'a Published> {
    let mut out: Vec<&Published> = book
        .results
        .iter()
        .filter(|r| r.format == 2 && r.published_on.as_str() >= from && r.published_on.as_str() <= to)
        .collect();
    out.sort_by(|a, b| a.published_on.cmp(&b.published_on));
    out
}

/// The rows of the export: the header, then one per result item.
pub fn rows(book: &Yearbook, results: &[&Published]) -> Vec<Vec<String>> {
    let mut out = vec![LAYOUT.iter().map(|(h, _)| h.to_string()).collect()];
    for r in results {
        let name =
            book.draw(&r.draw).and_then(|d| d.visits.iter().find(|v| v.uscc == r.uscc)).map_or("", |v| v.name.as_str());
        out.extend(r.items.iter().map(|i| row(r, name, i)));
    }
    out
}

/// The CSV file (UTF-8 with a byte order mark).
pub fn csv(rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The .xlsx workbook: one sheet, every cell text (a USCC stays text, never a number).
pub fn xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let sheet = book.add_worksheet().set_name("抽查检查结果")?;
    for (i, r) in rows.iter().enumerate() {
        for (j, cell) in r.iter().enumerate() {
            sheet.write_string_with_format(i as u32, j as u16, cell, &text)?;
        }
    }
    book.save_to_buffer()
}

/// A result as read back from an export: what the round trip compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadResult {
    pub id: String,
    pub draw: String,
    pub uscc: String,
    pub inspection_date: String,
    pub method: String,
    pub published_on: String,
    pub items: Vec<ResultItem>,
}

impl ReadResult {
    /// What an exported result reads back as.
    pub fn of(r: &Published) -> ReadResult {
        ReadResult {
            id: r.id.clone(),
            draw: r.draw.clone(),
            uscc: r.uscc.clone(),
            inspection_date: r.inspection_date.clone(),
            method: r.method.clone(),
            published_on: r.published_on.clone(),
            items: r.items.clone(),
        }
    }
}

/// Why a gsxt file was not read: every problem, with its line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct ReadError {
    pub problems: Vec<String>,
}

/// Reads a gsxt CSV export back into results (by 结果编号, in file order).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<ReadResult>, ReadError> {
    let fail = |p: String| ReadError { problems: vec![p] };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| fail(format!("line 1: {e}")))?.clone();
    let want: Vec<&str> = LAYOUT.iter().map(|(h, _)| *h).collect();
    if header.iter().collect::<Vec<_>>() != want {
        return Err(fail(format!("line 1: the header is not the gsxt layout: want {}", want.join(","))));
    }
    let mut problems = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let mut by_id: BTreeMap<String, ReadResult> = BTreeMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |f: Field| LAYOUT.iter().position(|(_, g)| *g == f).and_then(|k| record.get(k)).unwrap_or("");
        let method = match lookup(&METHOD_NAMES, get(Field::Method), false) {
            Some(m) => m.to_string(),
            None => {
                problems.push(format!(
                    "line {line}: 检查方式 {:?} is not one of 实地核查, 书面核查, 网络监测, 信息共享",
                    get(Field::Method)
                ));
                continue;
            }
        };
        let codes: Vec<String> =
            get(Field::Codes).split(CODE_SEPARATOR).filter(|c| !c.is_empty()).map(String::from).collect();
        if let Some(bad) = codes.iter().find(|c| crate::model::result::position(c).is_none()) {
            problems.push(format!("line {line}: 检查结果代码 {bad:?} is not a result code"));
            continue;
        }
        let id = get(Field::Result).to_string();
        let item = ResultItem {
            item: get(Field::Item).into(),
            department: get(Field::Department).into(),
            codes,
            findings: get(Field::Findings).into(),
        };
        let r = by_id.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            ReadResult {
                id: id.clone(),
                draw: get(Field::Draw).into(),
                uscc: get(Field::Uscc).into(),
                inspection_date: get(Field::InspectionDate).into(),
                method: method.clone(),
                published_on: get(Field::PublishedOn).into(),
                items: Vec::new(),
            }
        });
        if r.draw != get(Field::Draw) || r.uscc != get(Field::Uscc) || r.method != method {
            problems.push(format!("line {line}: 结果编号 {id} has another task, USCC or method than its first line"));
            continue;
        }
        r.items.push(item);
    }
    if problems.is_empty() {
        Ok(order.into_iter().filter_map(|id| by_id.remove(&id)).collect())
    } else {
        Err(ReadError { problems })
    }
}
