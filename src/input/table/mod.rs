//! Reading the CSV files regulators export from Excel (spec §1).
//!
//! Encoding is decided per file: UTF-8 (BOM optional) when every field is
//! valid UTF-8, GB18030 otherwise. CSV framing only uses ASCII bytes that
//! never occur inside a GB18030 multi-byte sequence, so records are split on
//! raw bytes and each field is decoded afterwards. A file is read as a stream
//! of blocks, never whole, and read a second time only when it turns out not
//! to be UTF-8.
//!
//! Records are split by `frame::Framer`, which reads RFC 4180 the lenient way
//! Excel and Python's `csv` module do (spec §1 step 2). A large table can be
//! parsed on all cores ([`read_parallel`]): the file is cut into blocks after
//! a line end, each block is parsed on its own, and the blocks are folded
//! back in file order. A cut that falls inside a quoted multi-line field is
//! noticed when the block before it ends inside that field; the block after
//! it is then parsed again from the start of that record, so the result is
//! always the one a single pass over the file gives.

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::PathBuf;

use crate::input::error::{InputError, Problem, Problems};
use crate::model::fields::Field;

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
        // Blocks are read whole, so no buffering layer is needed.
        Ok(Box::new(std::fs::File::open(&self.path)?))
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
    record: &'r Record,
    input: &'r [u8],
    encoding: Encoding,
    /// Every field is known to be valid UTF-8 (the whole block is).
    valid_utf8: bool,
    header: &'r Header,
    label: &'r str,
}

/// Characters trimmed from both ends of every value (spec §1 step 3):
/// U+0020, U+0009, U+3000 and U+FEFF.
pub fn trim(s: &str) -> &str {
    const IDEOGRAPHIC_SPACE: &[u8] = "\u{3000}".as_bytes();
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let mut b = s.as_bytes();
    loop {
        match b {
            [b' ' | b'\t', rest @ ..] => b = rest,
            [0xE3, 0x80, 0x80, rest @ ..] | [0xEF, 0xBB, 0xBF, rest @ ..] => b = rest,
            _ => break,
        }
    }
    loop {
        match b {
            [rest @ .., b' ' | b'\t'] => b = rest,
            [rest @ .., x, y, z] if [*x, *y, *z] == IDEOGRAPHIC_SPACE || [*x, *y, *z] == BOM => b = rest,
            _ => break,
        }
    }
    // Only whole characters were removed: the prefixes and suffixes matched
    // are complete UTF-8 sequences (E3 and EF are lead bytes).
    let start = b.as_ptr() as usize - s.as_ptr() as usize;
    &s[start..start + b.len()]
}

impl<'r> Row<'r> {
    /// The trimmed value of a column, or an encoding problem.
    pub fn column(&self, col: usize) -> Result<Cow<'r, str>, Problem> {
        let raw = self.record.field(self.input, col);
        let decoded = if self.valid_utf8 {
            // SAFETY: the block holding this record is valid UTF-8, and a
            // field's bytes are that block's bytes between ASCII delimiters,
            // with ASCII quotes removed, which keeps them valid.
            Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(raw) })
        } else {
            decode(raw, self.encoding).ok_or_else(|| Problem {
                file: self.label.to_string(),
                line: self.line,
                column: self.header.names[col].clone(),
                value: String::from_utf8_lossy(raw).into_owned(),
                message: "bytes are not valid GB18030".into(),
            })?
        };
        let value = match decoded {
            Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
            Cow::Owned(s) => Cow::Owned(trim(&s).to_string()),
        };
        // Control characters are ASCII, so a byte test finds the first one.
        if has_control(value.as_bytes()) {
            let b = value.bytes().find(|&b| b < b' ' || b == 0x7f).expect("a control byte");
            return Err(self.problem(col, &value, format!("contains control character U+{:04X}", b as u32)));
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

/// Whether `bytes` hold a byte below 0x20 or 0x7F, eight at a time.
fn has_control(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact whole-word tests: some byte is zero, some byte is below 0x20.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below_space = |x: u64| x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().unwrap());
        if below_space(x) || zero(x ^ (ONES * 0x7f)) {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b < b' ' || b == 0x7f)
}

fn decode(raw: &[u8], encoding: Encoding) -> Option<Cow<'_, str>> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
        Encoding::Gb18030 => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw),
    }
}

/// UTF-8 validation of a whole block with the `simdutf8` crate (SIMD where
/// the CPU has it, the same "lookup" algorithm as simdjson); only whether the
/// block is valid matters here, so its faster `basic` API serves.
fn is_utf8(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok()
}

mod blocks;
mod frame;
mod read;

use blocks::*;
use frame::*;
#[cfg(test)]
use read::*;
pub use read::{field_index, read, read_parallel};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes that exercise every framing rule, and some UTF-8 and GB18030.
    fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"a".to_vec()),
            Just(b"bc".to_vec()),
            Just("中".as_bytes().to_vec()),
            Just(b",".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\"\"".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b" ".to_vec()),
            Just(vec![0xD6, 0xD0]),
            Just(vec![0xEF, 0xBB, 0xBF]),
        ];
        proptest::collection::vec(piece, 0..80).prop_map(|v| v.concat())
    }

    /// What the csv crate (csv-core, the reader this module replaced) makes of `input`.
    fn csv_crate_records(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut out = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while reader.read_byte_record(&mut rec).unwrap() {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Physical line of byte `offset`, by the definition (spec §1 step 2).
    fn line_at(input: &[u8], offset: usize) -> u64 {
        let mut line = 1;
        for i in 0..offset {
            if input[i] == b'\n' || (input[i] == b'\r' && input.get(i + 1) != Some(&b'\n')) {
                line += 1;
            }
        }
        line
    }

    fn framed(input: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut framer = Framer { buf: input, pos: 0, line: 1, eof: true };
        let mut rec = Record::default();
        let mut out = Vec::new();
        loop {
            match framer.next(&mut rec) {
                Step::End => return out,
                Step::Unfinished { .. } => panic!("unfinished at the end of the file"),
                Step::Record => {
                    assert_eq!(rec.line, line_at(input, rec.start), "line of record at {}", rec.start);
                    out.push((rec.line, rec.fields(input).map(<[u8]>::to_vec).collect()));
                }
            }
        }
    }

    /// Every record with its line, read through `read` or `read_parallel`
    /// with blocks of `block` bytes; the header is the first record.
    type Table = (Vec<String>, Vec<(u64, Vec<String>)>, Vec<String>);

    fn row_values(h: &Header, row: &Row<'_>) -> (u64, Vec<String>) {
        let values = (0..h.names.len()).map(|c| match row.column(c) {
            Ok(v) => v.into_owned(),
            Err(p) => format!("ERR {p}"),
        });
        (row.line, values.collect())
    }

    fn sequential_table(input: &[u8], block: usize) -> Table {
        let src = BytesSource { label: "t.csv".into(), bytes: input };
        let mut problems = Problems::default();
        let read = read_in_blocks(
            &src,
            &[],
            &mut problems,
            |h| (h.names.clone(), Vec::new()),
            |(names, rows): &mut (Vec<String>, Vec<(u64, Vec<String>)>), row, _| {
                let h = Header { names: names.clone(), fields: Vec::new() };
                rows.push(row_values(&h, row));
            },
            block,
        )
        .unwrap();
        let (names, rows) = read.map(|(_, s)| s).unwrap_or_default();
        (names, rows, problems.list.iter().map(|p| p.to_string()).collect())
    }

    fn parallel_table(input: &[u8], block: usize) -> Table {
        let src = BytesSource { label: "t.csv".into(), bytes: input };
        let mut problems = Problems::default();
        let read = read_parallel_in_blocks(
            &src,
            &[],
            &mut problems,
            |h| (h.names.clone(), Vec::new()),
            |(names, rows): &mut (Vec<String>, Vec<(u64, Vec<String>)>), row, _| {
                let h = Header { names: names.clone(), fields: Vec::new() };
                rows.push(row_values(&h, row));
            },
            |_| {},
            |h| (h.names.clone(), Vec::new()),
            |acc: &mut (Vec<String>, Vec<(u64, Vec<String>)>), s| acc.1.append(&mut s.1),
            block,
        )
        .unwrap();
        let (names, rows) = read.map(|(_, s)| s).unwrap_or_default();
        (names, rows, problems.list.iter().map(|p| p.to_string()).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn framing_matches_csv_core(input in csv_bytes()) {
            // csv-core drops a BOM at the very start; `read` does that before framing.
            let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&input);
            let ours: Vec<Vec<Vec<u8>>> = framed(body).into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(ours, csv_crate_records(&input));
        }

        #[test]
        fn any_block_size_reads_the_same_table(input in csv_bytes(), block in 1usize..48) {
            let whole = sequential_table(&input, 1 << 20);
            prop_assert_eq!(&sequential_table(&input, block), &whole);
            prop_assert_eq!(&parallel_table(&input, block), &whole);
            prop_assert_eq!(&parallel_table(&input, 1 << 20), &whole);
        }
    }

    #[test]
    fn line_numbers_are_physical_lines() {
        let input = b"h1,h2\r\n\r\na,b\rc,\"multi\nline\"\n\nd,e";
        let lines: Vec<u64> = framed(input).into_iter().map(|(l, _)| l).collect();
        assert_eq!(lines, [1, 3, 4, 7]);
        let (_, rows, _) = parallel_table(input, 3);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4, 7]);
    }

    #[test]
    fn a_cut_inside_a_quoted_field_is_repaired() {
        let mut input = b"id,note\n".to_vec();
        for i in 0..300 {
            input.extend_from_slice(format!("{i},\"line one\nline two, with comma\n\"\"quoted\"\"\"\n").as_bytes());
        }
        let whole = sequential_table(&input, 1 << 20);
        assert_eq!(whole.1.len(), 300);
        assert_eq!(whole.1.iter().map(|r| r.0).take(3).collect::<Vec<_>>(), [2, 5, 8]);
        assert!(whole.1[1].1[1].contains("control character U+000A"), "{:?}", whole.1[1]);
        for block in [5, 16, 17, 31, 64, 100, 1000] {
            assert_eq!(parallel_table(&input, block), whole, "block {block}");
        }
    }

    #[test]
    fn gb18030_is_detected_in_any_block() {
        let mut input = "名称,代码\n".as_bytes().to_vec();
        for i in 0..200 {
            input.extend_from_slice(format!("企业{i},{i}\n").as_bytes());
        }
        let (gbk, _, _) = encoding_rs::GB18030.encode(std::str::from_utf8(&input).unwrap());
        let mut mixed = input.clone();
        mixed.extend_from_slice(&gbk[gbk.len() - 40..]); // ends with GB18030 rows
        for bytes in [input.as_slice(), &gbk, &mixed] {
            let whole = sequential_table(bytes, 1 << 20);
            for block in [7, 64, 333] {
                assert_eq!(parallel_table(bytes, block), whole, "block {block}");
            }
        }
        assert_eq!(sequential_table(&gbk, 64).0, ["名称", "代码"]);
    }

    #[test]
    fn block_validation_agrees_with_std() {
        // Every 3-byte sequence with a non-ASCII lead, across the 32- and
        // 64-byte seams of the vector code; 4-byte leads with sampled tails;
        // then random text with random damage.
        let agree = |b: &[u8]| assert_eq!(is_utf8(b), std::str::from_utf8(b).is_ok(), "{b:?}");
        for pos in [30usize, 62] {
            let mut buf = vec![b'x'; 80];
            for a in 0x80..=0xFFu8 {
                for b in 0..=0xFFu8 {
                    for c in 0..=0xFFu8 {
                        buf[pos..pos + 3].copy_from_slice(&[a, b, c]);
                        agree(&buf);
                    }
                }
                agree(&buf[..pos + 1]);
            }
        }
        let tails = [0x00u8, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF];
        for pos in [0usize, 29, 31, 61, 63] {
            let mut buf = vec![b'x'; 70];
            for a in 0xF0..=0xFFu8 {
                for b in 0..=0xFFu8 {
                    for (c, d) in tails.iter().flat_map(|&c| tails.iter().map(move |&d| (c, d))) {
                        buf[pos..pos + 4].copy_from_slice(&[a, b, c, d]);
                        agree(&buf);
                    }
                }
            }
        }
        let mut x = 88172645463325252u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let text: String = (0..rnd() % 90)
                .map(|_| match rnd() % 5 {
                    0 => 'a',
                    1 => 'é',
                    2 => '中',
                    3 => '😀',
                    _ => char::from_u32((rnd() % 0x11_0000) as u32).unwrap_or('z'),
                })
                .collect();
            let mut b = text.into_bytes();
            if !b.is_empty() && rnd() % 2 == 0 {
                let i = rnd() as usize % b.len();
                b[i] = rnd() as u8;
            }
            if !b.is_empty() && rnd() % 3 == 0 {
                b.truncate(rnd() as usize % b.len());
            }
            agree(&b);
        }
    }

    #[test]
    fn control_test_is_exact() {
        for len in 1..20 {
            for pos in 0..len {
                for byte in 0u8..=255 {
                    for fill in [b'a', 0x20, 0x7e, 0x80, 0xff] {
                        let mut bytes = vec![fill; len];
                        bytes[pos] = byte;
                        let want = bytes.iter().any(|&b| b < 0x20 || b == 0x7f);
                        assert_eq!(has_control(&bytes), want, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn trim_removes_exactly_the_four_characters() {
        for s in ["", " ", "\u{3000}a\u{feff}", "\t a b \t", "中\u{3000}", "\u{3000}\u{3000}", "x\u{2000}"] {
            let want = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\u{3000}' | '\u{feff}'));
            assert_eq!(trim(s), want, "{s:?}");
        }
    }
}
