//! Errors in a draw's inputs, each carrying enough position to act on.
//!
//! Input problems are collected rather than returned at the first one: a
//! regulator fixing a 50,000-row spreadsheet wants every bad row at once.

use std::fmt;

/// How many problems a report lists before it only counts the rest.
pub const LISTING_CAP: usize = 50;

/// One problem in an input file, at a position a person can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based physical line; 0 when the problem concerns the whole file.
    pub line: u64,
    /// Column header (or plan key) the value came from; empty when none.
    pub column: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.column.is_empty() {
            // Plans are addressed by key, tables by column header, workbooks
            // by a cell or row reference that says what it is (spec §1.6).
            if crate::input::workbook::is_workbook(std::path::Path::new(&self.file)) && self.line == 0 {
                write!(f, ": {}", self.column)?;
            } else {
                let what = if self.file.ends_with(".toml") { "key" } else { "column" };
                write!(f, ": {what} {}", self.column)?;
            }
        }
        if !self.value.is_empty() {
            write!(f, ": value \"{}\"", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in the inputs of one command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.list.push(p);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn extend(&mut self, other: Problems) {
        self.list.extend(other.list);
    }

    /// `Ok(())` when nothing was found, the collected problems otherwise.
    pub fn into_result(self) -> Result<(), InputError> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(InputError::Problems(self))
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.list.len();
        writeln!(f, "{total} problem{} in the input:", if total == 1 { "" } else { "s" })?;
        for p in self.list.iter().take(LISTING_CAP) {
            writeln!(f, "  {p}")?;
        }
        if total > LISTING_CAP {
            writeln!(f, "  … and {} more ({total} in all)", total - LISTING_CAP)?;
        }
        Ok(())
    }
}

/// Everything that stops the inputs of a draw from loading.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Every problem found in the files, at their positions.
    #[error("{0}")]
    Problems(Problems),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
}

impl InputError {
    /// A single problem that concerns a whole file or a plan key.
    pub fn input(file: &str, line: u64, column: &str, value: &str, message: impl Into<String>) -> InputError {
        InputError::Problems(Problems {
            list: vec![Problem {
                file: file.to_string(),
                line,
                column: column.to_string(),
                value: value.to_string(),
                message: message.into(),
            }],
        })
    }
}
