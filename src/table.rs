//! Reading the CSV files regulators export from Excel (spec §1).
//!
//! Encoding is decided per file: UTF-8 (BOM optional) when every byte is
//! valid UTF-8, GB18030 otherwise. CSV framing only uses ASCII bytes that
//! never occur inside a GB18030 multi-byte sequence, so records are split on
//! raw bytes and each field is decoded afterwards. A file is read as a stream
//! and read a second time only when it turns out not to be UTF-8.

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::PathBuf;

use crate::error::{Problem, Problems};

/// Something that can be read, more than once, under a name shown in errors.
pub trait Source {
    fn label(&self) -> &str;
    fn open(&self) -> io::Result<Box<dyn Read + '_>>;
}

/// A file on disk.
pub struct FileSource {
    pub path: PathBuf,
    label: String,
}

impl FileSource {
    pub fn new(path: impl Into<PathBuf>) -> FileSource {
        let path = path.into();
        let label = path.display().to_string();
        FileSource { path, label }
    }
}

impl Source for FileSource {
    fn label(&self) -> &str {
        &self.label
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(io::BufReader::with_capacity(1 << 20, std::fs::File::open(&self.path)?)))
    }
}

/// File contents already in memory (tests, the browser-facing server).
pub struct BytesSource<'a> {
    pub label: String,
    pub bytes: &'a [u8],
}

impl Source for BytesSource<'_> {
    fn label(&self) -> &str {
        &self.label
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.bytes))
    }
}

/// A field a table may carry, under its English key or a Chinese alias.
pub struct Field {
    pub key: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

/// The columns found in a header.
pub struct Header {
    /// Trimmed header text of every column.
    pub names: Vec<String>,
    /// For each requested field, the column holding it.
    pub fields: Vec<Option<usize>>,
}

impl Header {
    /// Column index of an extra (unmapped) column or of a field, by header text.
    pub fn column_named(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// One data record, decoded and trimmed on demand.
pub struct Row<'r> {
    pub line: u64,
    record: &'r csv::ByteRecord,
    encoding: Encoding,
    header: &'r Header,
    label: &'r str,
}

/// Characters trimmed from both ends of every value (spec §1 step 3).
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\u{3000}' | '\u{feff}'))
}

impl<'r> Row<'r> {
    /// The trimmed value of a column, or an encoding problem.
    pub fn column(&self, col: usize) -> Result<Cow<'r, str>, Problem> {
        let raw = self.record.get(col).unwrap_or(b"");
        let decoded = decode(raw, self.encoding).ok_or_else(|| Problem {
            file: self.label.to_string(),
            line: self.line,
            column: self.header.names[col].clone(),
            value: String::from_utf8_lossy(raw).into_owned(),
            message: "bytes are not valid GB18030".into(),
        })?;
        let value = match decoded {
            Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
            Cow::Owned(s) => Cow::Owned(trim(&s).to_string()),
        };
        if let Some(c) = value.chars().find(|&c| c < ' ' || c == '\u{7f}') {
            return Err(self.problem(col, &value, format!("contains control character U+{:04X}", c as u32)));
        }
        Ok(value)
    }

    /// The value of requested field `i`; empty when the table lacks it.
    pub fn field(&self, i: usize) -> Result<Cow<'r, str>, Problem> {
        match self.header.fields[i] {
            Some(col) => self.column(col),
            None => Ok(Cow::Borrowed("")),
        }
    }

    /// A problem with requested field `i` of this row.
    pub fn field_problem(&self, i: usize, value: &str, message: impl Into<String>) -> Problem {
        let col = self.header.fields[i].expect("problem reported for a present field");
        self.problem(col, value, message)
    }

    pub fn problem(&self, col: usize, value: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: self.label.to_string(),
            line: self.line,
            column: self.header.names[col].clone(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}

fn decode(raw: &[u8], encoding: Encoding) -> Option<Cow<'_, str>> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
        Encoding::Gb18030 => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw),
    }
}

/// Reads a whole table: `init` builds the state from the header, then
/// `on_row` folds each data record into it. Problems from the header,
/// framing and `on_row` are gathered in `problems`; `None` means the header
/// itself was unusable. When the file turns out not to be UTF-8 the state
/// starts over for the GB18030 pass.
pub fn read<S>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S,
    mut on_row: impl FnMut(&mut S, &Row<'_>, &mut Problems),
) -> Result<Option<(Header, S)>, crate::Error> {
    let label = source.label().to_string();
    let read_err = |e: io::Error| crate::Error::Read { path: label.clone(), source: e };
    let mut encoding = Encoding::Utf8;
    loop {
        let mut reader = source.open().map_err(read_err)?;
        let had_bom = skip_bom(&mut reader).map_err(read_err)?;
        let mut attempt = Problems::default();
        let pass = Pass { label: &label, encoding, had_bom, fields };
        match pass.run(reader, &mut attempt, &init, &mut on_row)? {
            None => encoding = Encoding::Gb18030,
            Some(done) => {
                problems.extend(attempt);
                return Ok(done);
            }
        }
    }
}

struct Pass<'a> {
    label: &'a str,
    encoding: Encoding,
    had_bom: bool,
    fields: &'a [Field],
}

fn skip_bom(reader: &mut Box<dyn Read + '_>) -> io::Result<bool> {
    let mut first = [0u8; 3];
    let mut got = 0;
    while got < 3 {
        let n = reader.read(&mut first[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got == 3 && first == [0xEF, 0xBB, 0xBF] {
        return Ok(true);
    }
    let head = first[..got].to_vec();
    let rest = std::mem::replace(reader, Box::new(io::empty()));
    *reader = Box::new(io::Cursor::new(head).chain(rest));
    Ok(false)
}

impl Pass<'_> {
    /// `Ok(None)` when the file is not UTF-8 and must be read as GB18030.
    #[allow(clippy::type_complexity)]
    fn run<S>(
        &self,
        reader: Box<dyn Read + '_>,
        problems: &mut Problems,
        init: &impl Fn(&Header) -> S,
        on_row: &mut impl FnMut(&mut S, &Row<'_>, &mut Problems),
    ) -> Result<Option<Option<(Header, S)>>, crate::Error> {
        let label = self.label;
        let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
        let mut record = csv::ByteRecord::new();
        let mut table: Option<(Header, S)> = None;
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    if let csv::ErrorKind::Io(io) = e.into_kind() {
                        return Err(crate::Error::Read { path: label.to_string(), source: io });
                    }
                    problems.push(file_problem(label, line, "malformed CSV record"));
                    break;
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if self.encoding == Encoding::Utf8
                && !self.had_bom
                && record.iter().any(|f| std::str::from_utf8(f).is_err())
            {
                return Ok(None);
            }
            match &mut table {
                None => {
                    if record.iter().all(|f| f.is_empty()) {
                        continue;
                    }
                    match parse_header(label, line, &record, self.encoding, self.fields, problems) {
                        Some(h) => {
                            let state = init(&h);
                            table = Some((h, state));
                        }
                        None => return Ok(Some(None)),
                    }
                }
                Some((h, state)) => {
                    if record.len() != h.names.len() {
                        let msg = format!("has {} cells, the header has {}", record.len(), h.names.len());
                        problems.push(file_problem(label, line, &msg));
                        continue;
                    }
                    let row = Row { line, record: &record, encoding: self.encoding, header: h, label };
                    on_row(state, &row, problems);
                }
            }
        }
        if table.is_none() {
            problems.push(file_problem(label, 0, "file is empty: no header row"));
        }
        Ok(Some(table))
    }
}

fn file_problem(label: &str, line: u64, message: &str) -> Problem {
    Problem { file: label.into(), line, column: String::new(), value: String::new(), message: message.into() }
}

fn parse_header(
    label: &str,
    line: u64,
    record: &csv::ByteRecord,
    encoding: Encoding,
    fields: &[Field],
    problems: &mut Problems,
) -> Option<Header> {
    let problem = |column: &str, message: String| Problem {
        file: label.into(),
        line,
        column: column.into(),
        value: String::new(),
        message,
    };
    let mut names = Vec::with_capacity(record.len());
    for raw in record.iter() {
        match decode(raw, encoding) {
            Some(s) => names.push(trim(&s).to_string()),
            None => {
                problems.push(problem("", "header is not valid GB18030".into()));
                return None;
            }
        }
    }
    let mut mapped = vec![None; fields.len()];
    let mut ok = true;
    for (col, name) in names.iter().enumerate() {
        if let Some(fi) = field_index(fields, name) {
            if let Some(prev) = mapped[fi] {
                problems.push(problem(
                    name,
                    format!("maps to field `{}`, already given by column {}", fields[fi].key, names[prev]),
                ));
                ok = false;
            }
            mapped[fi] = Some(col);
        } else if !name.is_empty() && names[..col].contains(name) {
            problems.push(problem(name, "column appears twice".into()));
            ok = false;
        }
    }
    for (fi, f) in fields.iter().enumerate() {
        if f.required && mapped[fi].is_none() {
            let mut accepted = vec![f.key];
            accepted.extend(f.aliases);
            problems.push(problem(
                "",
                format!("missing required column `{}` (accepted headers: {})", f.key, accepted.join(", ")),
            ));
            ok = false;
        }
    }
    ok.then_some(Header { names, fields: mapped })
}

/// Which requested field a header text names (English case-insensitively).
pub fn field_index(fields: &[Field], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.key.eq_ignore_ascii_case(name) || f.aliases.contains(&name))
}
