//! Human-facing output: the terminal table and the inspection list, as CSV
//! (UTF-8 with BOM and Chinese headers, so Excel opens it correctly) or as
//! an Excel workbook.

use std::collections::HashMap;
use std::io::{self, Write};

use crate::engine::draw::{Assignments, DrawDoc};
use crate::model::registry::Inspector;

/// Terminal columns a string occupies (CJK and full-width characters take two).
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn truncate(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(&c.to_string()) > w - 1 {
            break;
        }
        out.push(c);
    }
    out + "…"
}

/// Inspector names by id: a large draw's list names hundreds of thousands
/// of team members, so a hash lookup rather than a search of the roster.
struct Names<'a>(HashMap<&'a str, &'a str>);

impl<'a> Names<'a> {
    fn new(inspectors: &'a [Inspector]) -> Names<'a> {
        Names(inspectors.iter().map(|i| (i.id.as_str(), i.name.as_str())).collect())
    }

    fn of(&self, id: &str) -> &'a str {
        self.0.get(id).copied().unwrap_or("?")
    }
}

/// The readable summary printed after a draw.
pub fn write_table(doc: &DrawDoc<impl Assignments>, inspectors: &[Inspector], out: &mut dyn Write) -> io::Result<()> {
    let names = Names::new(inspectors);
    writeln!(out, "抽查计划 Plan: {}", doc.plan_name)?;
    writeln!(out, "随机种子 Seed: {}", doc.seed)?;
    writeln!(out, "计划摘要 Plan digest: {}", doc.plan_digest)?;
    writeln!(
        out,
        "名录库根 Enterprises root: {} ({} rows)",
        doc.snapshots.enterprises.root, doc.snapshots.enterprises.count
    )?;
    writeln!(out)?;
    writeln!(out, "分类 Class  在范围 In scope  排除 Excl.  可抽 Eligible  比例 Ratio  抽取 Drawn  截止签号 Cutoff")?;
    for s in &doc.strata {
        let cutoff = s.cutoff.as_deref().map(|c| format!("{}…", &c[..c.len().min(14)])).unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<11} {:>15} {:>11} {:>14} {:>11} {:>11}  {}",
            s.class, s.population, s.excluded, s.eligible, s.ratio, s.sample_size, cutoff
        )?;
    }
    writeln!(out)?;
    let header = ["#", "统一社会信用代码", "企业名称", "类", "区域", "检查人员 (组长在前)", "专家"];
    let widths = [4, 18, 30, 2, 6, 0, 0];
    let line: Vec<String> = header.iter().zip(widths).map(|(h, w)| pad(h, w)).collect();
    writeln!(out, "{}", line.join("  ").trim_end())?;
    for (n, a) in doc.assignments.each().enumerate() {
        let team: Vec<String> = a.inspectors.iter().map(|id| format!("{}({id})", names.of(id))).collect();
        let experts: Vec<String> = a.experts.iter().map(|id| names.of(id).to_string()).collect();
        let cells = [
            pad(&(n + 1).to_string(), 4),
            pad(&a.uscc, 18),
            pad(&truncate(&a.name, 30), 30),
            pad(&a.class, 2),
            pad(&a.region, 6),
            team.join("、"),
            experts.join("、"),
        ];
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    writeln!(out, "\n共抽取 {} 户 / {} targets drawn", doc.assignments.len(), doc.assignments.len())
}

/// Column headers of the inspection list (检查名单).
const LIST_HEADER: [&str; 11] = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "信用风险分类",
    "区域代码",
    "检查组长",
    "检查人员",
    "执法证号",
    "专家",
    "抽查事项",
    "抽查计划",
];

/// Calls `row` with the cells of the inspection list, one row per target,
/// in draw order (rows are not gathered first: a list can be large).
fn each_list_row(
    doc: &DrawDoc<impl Assignments>,
    inspectors: &[Inspector],
    mut row: impl FnMut(usize, [&str; 11]) -> io::Result<()>,
) -> io::Result<()> {
    let names = Names::new(inspectors);
    let items: Vec<String> = doc.plan["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["item"].as_str().map(String::from))
        .collect();
    let items = items.join("、");
    for (n, a) in doc.assignments.each().enumerate() {
        let number = (n + 1).to_string();
        let team: Vec<&str> = a.inspectors.iter().map(|id| names.of(id)).collect();
        let experts: Vec<&str> = a.experts.iter().map(|id| names.of(id)).collect();
        let (team, ids, experts) = (team.join("、"), a.inspectors.join("、"), experts.join("、"));
        let cells: [&str; 11] = [
            &number,
            &a.uscc,
            &a.name,
            &a.class,
            &a.region,
            names.of(&a.leader),
            &team,
            &ids,
            &experts,
            &items,
            &doc.plan_name,
        ];
        row(n, cells)?;
    }
    Ok(())
}

/// The inspection list (检查名单) for Excel: UTF-8 with a BOM, CRLF line
/// ends, a cell quoted only when it holds a comma, a quote or a line break.
pub fn write_csv(doc: &DrawDoc<impl Assignments>, inspectors: &[Inspector], out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    csv.write_record(LIST_HEADER)?;
    each_list_row(doc, inspectors, |_, cells| Ok(csv.write_record(cells)?))?;
    csv.flush()
}

/// The inspection list as an Excel workbook: one sheet, the same columns
/// as [`write_csv`], every cell but the row number a text cell formatted as
/// text (@), so that an 18-digit USCC, a region code or an id never turns
/// into a number that loses digits or leading zeros.
pub fn write_xlsx(doc: &DrawDoc<impl Assignments>, inspectors: &[Inspector], out: &mut dyn Write) -> io::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xlsx = |e: rust_xlsxwriter::XlsxError| io::Error::other(e.to_string());
    let mut book = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("检查名单").map_err(xlsx)?;
    for (c, h) in LIST_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
    }
    for (c, width) in [6, 22, 36, 12, 10, 10, 24, 32, 16, 30, 24].into_iter().enumerate() {
        sheet.set_column_width(c as u16, width).map_err(xlsx)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    each_list_row(doc, inspectors, |n, cells| {
        let r = n as u32 + 1;
        sheet.write_number(r, 0, r as f64).map_err(xlsx)?;
        for (c, cell) in cells.iter().enumerate().skip(1) {
            sheet.write_string_with_format(r, c as u16, *cell, &text).map_err(xlsx)?;
        }
        Ok(())
    })?;
    out.write_all(&book.save_to_buffer().map_err(xlsx)?)
}

/// The inspection list in the form its file name asks for: an Excel
/// workbook for a path ending in .xlsx, CSV otherwise.
pub fn write_list(
    path: &std::path::Path,
    doc: &DrawDoc<impl Assignments>,
    inspectors: &[Inspector],
    out: &mut dyn Write,
) -> io::Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("xlsx") {
        write_xlsx(doc, inspectors, out)
    } else {
        write_csv(doc, inspectors, out)
    }
}
