//! Excel workbooks in and out (spec §1.6): the sample registry as .xlsx
//! draws byte for byte what it draws as CSV, a bad workbook is reported by
//! sheet and cell, and the inspection list keeps its codes as text.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use fairdraw::engine::{draw, report};
use fairdraw::input::files::{self, InputPaths};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SEED: &str = "excel-equivalence-seed";

/// How a CSV column is typed into the workbook, as a regulator's would be.
#[derive(Clone, Copy)]
enum Cell {
    Text,
    Number,
    Date,
}

/// Writes `csv` (UTF-8, BOM optional) as the first sheet of a workbook:
/// columns named in `numbers` as number cells, in `dates` as date cells,
/// the rest as text, empty fields as empty cells.
fn csv_to_xlsx(csv: &Path, xlsx: &Path, numbers: &[&str], dates: &[&str]) {
    let bytes = std::fs::read(csv).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let mut kinds = Vec::new();
    for (r, record) in reader.records().enumerate() {
        let record = record.unwrap();
        if r == 0 {
            kinds = record
                .iter()
                .map(|h| {
                    if numbers.contains(&h) {
                        Cell::Number
                    } else if dates.contains(&h) {
                        Cell::Date
                    } else {
                        Cell::Text
                    }
                })
                .collect();
        }
        for (c, value) in record.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let kind = if r == 0 { Cell::Text } else { kinds[c as usize] };
            match kind {
                _ if value.is_empty() => {}
                Cell::Text => {
                    sheet.write_string(r, c, value).unwrap();
                }
                Cell::Number => {
                    sheet.write_number(r, c, value.parse::<f64>().unwrap()).unwrap();
                }
                Cell::Date => {
                    let date = ExcelDateTime::parse_from_str(value).unwrap();
                    sheet.write_datetime_with_format(r, c, &date, &date_format).unwrap();
                }
            }
        }
    }
    book.save(xlsx).unwrap();
}

fn sample(name: &str) -> PathBuf {
    root().join("data").join(name)
}

/// The sample data as workbooks, with the plan naming the .xlsx side files.
fn sample_as_workbooks(dir: &Path) -> InputPaths {
    let x = |name: &str| dir.join(name);
    csv_to_xlsx(&sample("enterprises.csv"), &x("enterprises.xlsx"), &["区域代码"], &["成立日期"]);
    csv_to_xlsx(&sample("inspectors.csv"), &x("inspectors.xlsx"), &["执法证号", "区域代码"], &["证件有效期"]);
    csv_to_xlsx(&sample("conflicts.csv"), &x("conflicts.xlsx"), &["执法证号"], &[]);
    csv_to_xlsx(&sample("items.csv"), &x("items.xlsx"), &[], &[]);
    csv_to_xlsx(&sample("exclude.csv"), &x("exclude.xlsx"), &[], &[]);
    csv_to_xlsx(&sample("history.csv"), &x("history.xlsx"), &["执法证号"], &["检查日期"]);
    let plan = std::fs::read_to_string(sample("plan-single.toml")).unwrap();
    let plan = plan.replace(".csv\"", ".xlsx\"");
    assert_eq!(plan.matches(".xlsx\"").count(), 3, "the plan names items, exclusions and history");
    std::fs::write(x("plan.toml"), plan).unwrap();
    InputPaths {
        enterprises: x("enterprises.xlsx"),
        inspectors: x("inspectors.xlsx"),
        conflicts: Some(x("conflicts.xlsx")),
        plan: x("plan.toml"),
    }
}

fn draw_json(paths: &InputPaths) -> String {
    let inputs = files::load(paths).unwrap_or_else(|e| panic!("{e}"));
    let doc = draw::draw(&inputs.registries(), &inputs.plan, SEED).unwrap();
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn the_sample_registry_as_xlsx_draws_what_it_draws_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = InputPaths {
        enterprises: sample("enterprises.csv"),
        inspectors: sample("inspectors.csv"),
        conflicts: Some(sample("conflicts.csv")),
        plan: sample("plan-single.toml"),
    };
    let from_csv = draw_json(&csv);
    let from_xlsx = draw_json(&sample_as_workbooks(dir.path()));
    assert!(from_csv.contains("\"assignments\""), "a draw document");
    assert!(from_csv == from_xlsx, "the .xlsx registry gives another draw document");
}

/// A small registry whose table starts at B2, with bad cells and rows.
fn bad_registry(path: &Path) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("名录").unwrap();
    let header = ["统一社会信用代码", "企业名称", "信用风险分类", "区域代码", "行业代码", "登记状态"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(1, c as u16 + 1, *h).unwrap();
    }
    let good = ["91330114MAWHGJ696T", "杭州佳苑缘餐饮管理有限公司", "A", "330114", "H6210", "存续"];
    for (c, v) in good.iter().enumerate() {
        sheet.write_string(2, c as u16 + 1, *v).unwrap();
    }
    // Row 4: the USCC checksum is wrong.
    let bad = ["91330114MAWHGJ696X", "某某公司", "B", "330114", "H6210", "存续"];
    for (c, v) in bad.iter().enumerate() {
        sheet.write_string(3, c as u16 + 1, *v).unwrap();
    }
    // Row 5: an all-digit USCC typed as a number has lost its last digits.
    sheet.write_number(4, 1, 913301271357246856.0).unwrap();
    for (c, v) in ["杭州智航便利店有限公司", "B", "330127", "F5213", "存续"].iter().enumerate() {
        sheet.write_string(4, c as u16 + 2, *v).unwrap();
    }
    // Row 6: that USCC typed as text is fine, but the class is not.
    let bad_class = ["913301271357246856", "杭州智航便利店有限公司", "Q", "330127", "F5213", "存续"];
    for (c, v) in bad_class.iter().enumerate() {
        sheet.write_string(5, c as u16 + 1, *v).unwrap();
    }
    book.save(path).unwrap();
}

#[test]
fn a_bad_workbook_is_reported_by_sheet_and_cell_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = sample_as_workbooks(dir.path());
    paths.enterprises = dir.path().join("bad.xlsx");
    bad_registry(&paths.enterprises);
    let err = match files::load(&paths) {
        Ok(_) => panic!("a registry with bad rows loaded"),
        Err(e) => e.to_string(),
    };
    let file = paths.enterprises.display().to_string();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(&file)).collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].contains("cell 名录!B5 (column 统一社会信用代码)"), "{err}");
    assert!(lines[0].contains("format the column as text"), "{err}");
    assert!(
        lines.iter().any(|l| l.contains("cell 名录!B4 (column 统一社会信用代码)") && l.contains("invalid USCC")),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.contains("cell 名录!D6 (column 信用风险分类)")), "{err}");
    assert!(!err.contains(":4:") && !err.contains(":6:"), "told by line, not by cell: {err}");
}

#[test]
fn an_unreadable_workbook_is_one_clear_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = sample_as_workbooks(dir.path());
    paths.inspectors = dir.path().join("roster.xlsx");
    std::fs::write(&paths.inspectors, "执法证号,姓名\n1,a\n").unwrap();
    let err = files::load(&paths).err().expect("a CSV named .xlsx is refused").to_string();
    assert!(err.contains("roster.xlsx: cannot read the workbook"), "{err}");
    assert!(err.starts_with("1 problem"), "{err}");
}

#[test]
fn the_inspection_list_as_xlsx_keeps_codes_as_text() {
    let inputs = files::load(&InputPaths {
        enterprises: sample("enterprises.csv"),
        inspectors: sample("inspectors.csv"),
        conflicts: Some(sample("conflicts.csv")),
        plan: sample("plan-single.toml"),
    })
    .unwrap();
    let doc = draw::draw(&inputs.registries(), &inputs.plan, SEED).unwrap();
    let mut csv = Vec::new();
    report::write_list(Path::new("list.csv"), &doc, &inputs.inspectors, &mut csv).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "the CSV list keeps its BOM");
    let mut xlsx = Vec::new();
    report::write_list(Path::new("list.XLSX"), &doc, &inputs.inspectors, &mut xlsx).unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), doc.assignments.len() + 1);
    let csv_text = String::from_utf8(csv[3..].to_vec()).unwrap();
    for (row, line) in rows.iter().zip(csv_text.lines()) {
        let mut fields = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let record = fields.records().next().unwrap().unwrap();
        for (c, (cell, want)) in row.iter().zip(record.iter()).enumerate() {
            match cell {
                Data::String(s) => assert_eq!(s, want),
                Data::Empty => assert_eq!("", want, "column {c}"),
                Data::Float(n) if c == 0 => assert_eq!(n.to_string(), want),
                other => panic!("column {c}: {other:?} is not a text cell"),
            }
        }
    }
    assert!(matches!(&rows[1][1], Data::String(s) if s == &doc.assignments[0].uscc));
}

#[test]
fn the_python_and_js_verifiers_refuse_a_workbook_and_say_how_to_convert() {
    let dir = tempfile::tempdir().unwrap();
    let vector = root().join("tests/vectors/basic");
    let enterprises = dir.path().join("enterprises.xlsx");
    csv_to_xlsx(&vector.join("enterprises.csv"), &enterprises, &[], &[]);
    let draw = vector.join("draw.json");
    let inspectors = vector.join("inspectors.csv");
    let plan = vector.join("plan.toml");
    let args = [
        draw.to_str().unwrap(),
        "--enterprises",
        enterprises.to_str().unwrap(),
        "--inspectors",
        inspectors.to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
    ];
    let mut rust_args = vec!["verify"];
    rust_args.extend(args);
    let rust = fairdraw(&rust_args, dir.path());
    assert_eq!(rust.code, 0, "fairdraw verify reads the workbook\n{}\n{}", rust.stdout, rust.stderr);
    for (name, run) in [("verify.py", verify_py(&args, dir.path())), ("verify.js", verify_js(&args, dir.path()))] {
        let out = format!("{}\n{}", run.stdout, run.stderr);
        assert_eq!(run.code, 2, "{name}: {out}");
        assert!(out.contains("enterprises.xlsx") && out.contains("save its first sheet as CSV UTF-8"), "{name}: {out}");
    }
}
