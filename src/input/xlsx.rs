//! Excel workbooks as input tables (spec §1.6).
//!
//! A workbook's first sheet is turned into the CSV text Excel itself would
//! save (one line per sheet row, so a line number is a row number), and that
//! text is read by the one CSV reader of [`crate::input::table`]: the header
//! aliases, trimming and per-row checks are the CSV ones, and the same
//! registry as .xlsx and as CSV gives the same values, hence the same draw.
//! What a cell becomes is fixed by the spec; a cell whose value cannot be
//! kept exactly (a long code typed as a number, an Excel error) is refused.
//! Problems are then told by sheet and cell (`Sheet1!C7`), not by line.

use std::io::{self, Read};
use std::path::Path;

use calamine::{Data, Reader};

use crate::input::error::{InputError, Problem, Problems};
use crate::input::table::{trim, Source};

/// Excel keeps 15 significant digits of a number: a number of 10^15 or
/// more typed into a cell may already have lost digits.
const EXACT_LIMIT: f64 = 1e15;

pub use crate::input::workbook::is_workbook;

/// The first sheet of a workbook, as CSV text, with what is needed to tell
/// a problem by cell.
pub struct SheetSource {
    label: String,
    sheet: String,
    csv: Vec<u8>,
    /// 0-based column of the sheet's first used column.
    first_column: usize,
    /// Trimmed header texts, as the CSV reader will see them.
    header: Vec<String>,
    /// Cells that could not be turned into text, and a workbook that could
    /// not be read at all; reported whether or not the table loads.
    problems: Problems,
    /// (row, 0-based column) of each cell in `problems`.
    bad_cells: Vec<(u64, usize)>,
    unreadable: bool,
}

impl Source for SheetSource {
    fn label(&self) -> &str {
        &self.label
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.csv.as_slice()))
    }
}

impl SheetSource {
    /// Reads the first sheet of the workbook at `path`. A workbook that
    /// cannot be read gives an empty table and one problem.
    pub fn open(path: &Path) -> SheetSource {
        let label = path.display().to_string();
        match calamine::open_workbook_auto(path) {
            Ok(mut book) => Self::first_sheet(label, &mut book),
            Err(e) => Self::unreadable(label, format!("cannot read the workbook: {e}")),
        }
    }

    /// Reads the first sheet of a workbook held in memory.
    pub fn from_bytes(label: &str, bytes: Vec<u8>) -> SheetSource {
        match calamine::open_workbook_auto_from_rs(io::Cursor::new(bytes)) {
            Ok(mut book) => Self::first_sheet(label.to_string(), &mut book),
            Err(e) => Self::unreadable(label.to_string(), format!("cannot read the workbook: {e}")),
        }
    }

    fn unreadable(label: String, message: String) -> SheetSource {
        let problem = Problem { file: label.clone(), line: 0, column: String::new(), value: String::new(), message };
        SheetSource {
            label,
            sheet: String::new(),
            csv: Vec::new(),
            first_column: 0,
            header: Vec::new(),
            problems: Problems { list: vec![problem] },
            bad_cells: Vec::new(),
            unreadable: true,
        }
    }

    fn first_sheet<RS: io::Read + io::Seek>(label: String, book: &mut calamine::Sheets<RS>) -> SheetSource {
        let Some(sheet) = book.sheet_names().first().cloned() else {
            return Self::unreadable(label, "the workbook has no sheet".into());
        };
        let range = match book.worksheet_range_at(0) {
            Some(Ok(range)) => range,
            Some(Err(e)) => return Self::unreadable(label, format!("cannot read sheet {sheet}: {e}")),
            None => return Self::unreadable(label, "the workbook has no sheet".into()),
        };
        let (first_row, first_column) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut source = SheetSource {
            label,
            sheet,
            csv: Vec::new(),
            first_column,
            header: Vec::new(),
            problems: Problems::default(),
            bad_cells: Vec::new(),
            unreadable: false,
        };
        // Rows above the used range are blank lines, which the reader skips,
        // so that line n of the text is row n of the sheet.
        source.csv.extend(std::iter::repeat_n(b'\n', first_row));
        let mut texts = Vec::new();
        for (i, cells) in range.rows().enumerate() {
            let row = (first_row + i + 1) as u64;
            texts.clear();
            for (j, cell) in cells.iter().enumerate() {
                let text = match cell_text(cell) {
                    Ok(t) => t,
                    Err((kept, message)) => {
                        source.bad_cell(row, first_column + j, &kept, message);
                        kept
                    }
                };
                texts.push(text);
            }
            // A row whose cells are all empty (often only formatted) is a
            // blank line, skipped as in CSV.
            if texts.iter().any(|t| !t.is_empty()) {
                if source.header.is_empty() {
                    source.header = texts.iter().map(|t| trim(t).to_string()).collect();
                }
                write_record(&texts, &mut source.csv);
            }
            source.csv.push(b'\n');
        }
        source
    }

    fn bad_cell(&mut self, row: u64, column: usize, value: &str, message: String) {
        let header = self.header.get(column - self.first_column).filter(|_| !self.header.is_empty());
        let column_name = header.map(|h| format!(" (column {h})")).unwrap_or_default();
        self.problems.push(Problem {
            file: self.label.clone(),
            line: 0,
            column: format!("cell {}!{}{row}{column_name}", self.sheet, column_letters(column)),
            value: value.to_string(),
            message,
        });
        self.bad_cells.push((row, column));
    }

    /// The reading's problems told by cell, with this workbook's own cell
    /// problems first; a problem at a cell already refused is dropped (it
    /// only repeats that the value is wrong).
    pub fn settle(&self, problems: &mut Problems) {
        let mut out = self.problems.clone();
        for mut p in std::mem::take(&mut problems.list) {
            if p.file != self.label {
                out.push(p);
                continue;
            }
            if self.unreadable {
                continue; // the empty table's own complaints say nothing more
            }
            let column = self.header.iter().position(|h| !h.is_empty() && *h == p.column);
            if let Some(c) = column {
                if self.bad_cells.contains(&(p.line, self.first_column + c)) {
                    continue;
                }
            }
            if p.line > 0 {
                p.column = match column {
                    Some(c) => {
                        format!(
                            "cell {}!{}{} (column {})",
                            self.sheet,
                            column_letters(self.first_column + c),
                            p.line,
                            p.column
                        )
                    }
                    None => format!("row {}!{}", self.sheet, p.line),
                };
                p.line = 0;
            }
            p.message = p.message.replace("at line ", "at row ");
            out.push(p);
        }
        *problems = out;
    }

    /// This workbook's cell problems alone, for a table that loaded.
    pub fn own_problems(&self) -> Problems {
        self.problems.clone()
    }
}

/// The text of one cell (spec §1.6), or the text kept and why the cell is
/// refused.
fn cell_text(cell: &Data) -> Result<String, (String, String)> {
    match cell {
        Data::Empty => Ok(String::new()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            match s.chars().find(|c| c.is_ascii_control()) {
                None => Ok(s.clone()),
                Some(c) => {
                    let kept: String = s.chars().filter(|c| !c.is_ascii_control()).collect();
                    Err((kept, format!("contains control character U+{:04X}", c as u32)))
                }
            }
        }
        Data::Int(i) => number_text(*i as f64).map(|_| i.to_string()),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(d) if d.is_datetime() => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => Ok(t.format("%Y-%m-%d").to_string()),
            Some(t) => Ok(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Err((d.as_f64().to_string(), "date out of range".into())),
        },
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => {
            Err((String::new(), format!("the cell holds the Excel error {e}: correct the formula or type the value")))
        }
    }
}

/// A number as its shortest exact decimal, never with an exponent.
fn number_text(f: f64) -> Result<String, (String, String)> {
    let text = if f == f.trunc() && f.abs() < EXACT_LIMIT { format!("{}", f as i64) } else { format!("{f}") };
    if !f.is_finite() || f.abs() >= EXACT_LIMIT {
        return Err((
            text,
            "a number of 16 or more digits: Excel keeps only 15 significant digits, so a code typed as a number \
             (a USCC, an id) has lost digits; format the column as text (文本) and type the codes again"
                .into(),
        ));
    }
    Ok(text)
}

/// One CSV record: a field is quoted when it holds a comma or a quote.
fn write_record(texts: &[String], out: &mut Vec<u8>) {
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if t.contains([',', '"']) {
            out.push(b'"');
            out.extend_from_slice(t.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(t.as_bytes());
        }
    }
}

/// Excel's column letters of a 0-based column: A … Z, AA, AB, …
pub fn column_letters(column: usize) -> String {
    let mut n = column + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        letters.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// Turns `result` into an error when a workbook it read has cell problems,
/// and tells every problem of the workbooks by cell.
pub fn settle<T>(sheets: &[&SheetSource], result: Result<T, InputError>) -> Result<T, InputError> {
    match result {
        Err(InputError::Problems(mut p)) => {
            for s in sheets {
                s.settle(&mut p);
            }
            Err(InputError::Problems(p))
        }
        Ok(value) => {
            let mut p = Problems::default();
            for s in sheets {
                p.extend(s.own_problems());
            }
            p.into_result().map(|()| value)
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].iter().map(|&c| column_letters(c)).collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn numbers_keep_their_digits_or_are_refused() {
        assert_eq!(number_text(330102.0).unwrap(), "330102");
        assert_eq!(number_text(33010201000001.0).unwrap(), "33010201000001");
        assert_eq!(number_text(-0.0).unwrap(), "0");
        assert_eq!(number_text(100.5).unwrap(), "100.5");
        assert_eq!(number_text(0.1 + 0.2).unwrap(), "0.30000000000000004");
        assert_eq!(number_text(1e-7).unwrap(), "0.0000001");
        assert_eq!(number_text(999_999_999_999_999.0).unwrap(), "999999999999999");
        let (kept, message) = number_text(913301271357246856.0).unwrap_err();
        assert_eq!(kept, "913301271357246800");
        assert!(message.contains("format the column as text"), "{message}");
        assert!(number_text(f64::NAN).is_err());
    }

    #[test]
    fn control_characters_and_errors_are_refused() {
        let (kept, message) = cell_text(&Data::String("a\nb".into())).unwrap_err();
        assert_eq!((kept.as_str(), message.as_str()), ("ab", "contains control character U+000A"));
        assert!(cell_text(&Data::Error(calamine::CellErrorType::NA)).unwrap_err().1.contains("#N/A"));
        assert_eq!(cell_text(&Data::Bool(true)).unwrap(), "TRUE");
    }
}
