//! Reading the CSV files regulators export from Excel (spec §1).
//!
//! Encoding is decided per file: UTF-8 (BOM optional) when every field is
//! valid UTF-8, GB18030 otherwise. CSV framing only uses ASCII bytes that
//! never occur inside a GB18030 multi-byte sequence, so records are split on
//! raw bytes and each field is decoded afterwards. A file is read as a stream
//! of blocks, never whole, and read a second time only when it turns out not
//! to be UTF-8.
//!
//! Records are split by [`Framer`], which reads RFC 4180 the lenient way
//! Excel and Python's `csv` module do (spec §1 step 2). A large table can be
//! parsed on all cores ([`read_parallel`]): the file is cut into blocks after
//! a line end, each block is parsed on its own, and the blocks are folded
//! back in file order. A cut that falls inside a quoted multi-line field is
//! noticed when the block before it ends inside that field; the block after
//! it is then parsed again from the start of that record, so the result is
//! always the one a single pass over the file gives.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

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

// ---------------------------------------------------------------------------
// UTF-8 validation of whole blocks.

/// UTF-8 validation, 64 bytes at a time with AVX2 (the "lookup" algorithm of
/// Keiser and Lemire, "Validating UTF-8 In Less Than One Instruction Per
/// Byte", 2021, as in simdjson and simdutf8); `std` elsewhere.
fn is_utf8(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { avx2::valid(bytes) };
    }
    std::str::from_utf8(bytes).is_ok()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    const TOO_SHORT: u8 = 1 << 0;
    const TOO_LONG: u8 = 1 << 1;
    const OVERLONG_3: u8 = 1 << 2;
    const TOO_LARGE: u8 = 1 << 3;
    const SURROGATE: u8 = 1 << 4;
    const OVERLONG_2: u8 = 1 << 5;
    const TOO_LARGE_1000: u8 = 1 << 6;
    const OVERLONG_4: u8 = 1 << 6;
    const TWO_CONTS: u8 = 1 << 7;
    const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

    const BYTE_1_HIGH: [u8; 16] = [
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        TOO_SHORT | OVERLONG_2,
        TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
    ];
    const BYTE_1_LOW: [u8; 16] = [
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
        CARRY | OVERLONG_2,
        CARRY,
        CARRY,
        CARRY | TOO_LARGE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
    ];
    const BYTE_2_HIGH: [u8; 16] = [
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
    ];

    #[inline(always)]
    unsafe fn table(t: &[u8; 16]) -> __m256i {
        _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr() as *const __m128i))
    }

    /// `input` shifted right by `N` bytes across the two 32-byte vectors.
    #[inline(always)]
    unsafe fn prev<const N: i32>(input: __m256i, prev_input: __m256i) -> __m256i {
        let straddle = _mm256_permute2x128_si256::<0x21>(prev_input, input);
        match N {
            1 => _mm256_alignr_epi8::<15>(input, straddle),
            2 => _mm256_alignr_epi8::<14>(input, straddle),
            _ => _mm256_alignr_epi8::<13>(input, straddle),
        }
    }

    #[inline(always)]
    unsafe fn high_nibbles(v: __m256i) -> __m256i {
        _mm256_and_si256(_mm256_srli_epi16::<4>(v), _mm256_set1_epi8(0x0F))
    }

    /// Error bits for `input`, given the 32 bytes before it.
    #[inline(always)]
    unsafe fn check(input: __m256i, prev_input: __m256i) -> __m256i {
        let prev1 = prev::<1>(input, prev_input);
        let byte_1_high = _mm256_shuffle_epi8(table(&BYTE_1_HIGH), high_nibbles(prev1));
        let byte_1_low = _mm256_shuffle_epi8(table(&BYTE_1_LOW), _mm256_and_si256(prev1, _mm256_set1_epi8(0x0F)));
        let byte_2_high = _mm256_shuffle_epi8(table(&BYTE_2_HIGH), high_nibbles(input));
        let special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
        let prev2 = prev::<2>(input, prev_input);
        let prev3 = prev::<3>(input, prev_input);
        // Only 111_____ (third byte of a sequence) and 1111____ (fourth) reach 0x80.
        let third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((0xE0u8 - 0x80) as i8));
        let fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((0xF0u8 - 0x80) as i8));
        let must23_80 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(0x80u8 as i8));
        _mm256_xor_si256(must23_80, special)
    }

    /// Nonzero where the last bytes start a sequence that needs more bytes.
    #[inline(always)]
    unsafe fn incomplete(input: __m256i) -> __m256i {
        let mut max = [0xFFu8; 32];
        max[29] = 0xF0 - 1;
        max[30] = 0xE0 - 1;
        max[31] = 0xC0 - 1;
        _mm256_subs_epu8(input, _mm256_loadu_si256(max.as_ptr() as *const __m256i))
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn valid(bytes: &[u8]) -> bool {
        let mut error = _mm256_setzero_si256();
        let mut prev_input = _mm256_setzero_si256();
        let mut prev_incomplete = _mm256_setzero_si256();
        let mut step = |a: __m256i, b: __m256i| {
            if _mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0 {
                // All ASCII: only a sequence left open before is an error.
                error = _mm256_or_si256(error, prev_incomplete);
                prev_input = b;
                prev_incomplete = _mm256_setzero_si256();
            } else {
                error = _mm256_or_si256(error, check(a, prev_input));
                error = _mm256_or_si256(error, check(b, a));
                prev_incomplete = incomplete(b);
                prev_input = b;
            }
        };
        let mut chunks = bytes.chunks_exact(64);
        for c in &mut chunks {
            let p = c.as_ptr() as *const __m256i;
            step(_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut tail = [0u8; 64];
            tail[..rest.len()].copy_from_slice(rest);
            let p = tail.as_ptr() as *const __m256i;
            step(_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)));
        }
        error = _mm256_or_si256(error, prev_incomplete);
        _mm256_testz_si256(error, error) == 1
    }
}

// ---------------------------------------------------------------------------
// Framing: records and fields (spec §1 step 2).

/// Marks a span that lies in [`Record::own`] rather than in the input.
const OWN: usize = 1 << (usize::BITS - 1);

/// One record: where each field's bytes are. Unquoted fields point into the
/// input; quoted ones are unescaped into `own`.
#[derive(Default)]
pub(crate) struct Record {
    /// Physical line (1-based) of the record's first byte.
    line: u64,
    /// Offset of the record's first byte in the input.
    start: usize,
    spans: Vec<(usize, usize)>,
    own: Vec<u8>,
}

impl Record {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn field<'a>(&'a self, input: &'a [u8], i: usize) -> &'a [u8] {
        match self.spans.get(i) {
            Some(&(start, end)) if start & OWN != 0 => &self.own[start & !OWN..end],
            Some(&(start, end)) => &input[start..end],
            None => b"",
        }
    }

    fn fields<'a>(&'a self, input: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        (0..self.len()).map(move |i| self.field(input, i))
    }

    fn clear(&mut self) {
        self.spans.clear();
        self.own.clear();
    }
}

enum Step {
    Record,
    /// No record starts before the end of the input.
    End,
    /// The input ended inside the record starting at `start` (on `line`),
    /// before the end of the file.
    Unfinished {
        start: usize,
        line: u64,
    },
}

/// Splits records out of a byte slice that starts at a record boundary.
///
/// The rules are csv-core's with default settings, which are Python's and
/// Excel's: a `"` opens a quoted field only as a field's first byte; inside
/// quotes `""` is a quote and anything else, line ends included, is data;
/// text after the closing quote is appended to the field; outside quotes a
/// `"` is an ordinary byte; CR, LF and CRLF end a record; empty lines are
/// skipped. Line numbers count CR, LF and CRLF, inside quotes too.
struct Framer<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Physical line of `buf[pos]`.
    line: u64,
    /// `buf` ends at the end of the file.
    eof: bool,
}

impl Framer<'_> {
    fn next(&mut self, rec: &mut Record) -> Step {
        let buf = self.buf;
        let len = buf.len();
        while self.pos < len {
            match buf[self.pos] {
                b'\n' => self.line += 1,
                b'\r' if buf.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos == len {
            return Step::End;
        }
        let (start, start_line) = (self.pos, self.line);
        let unfinished = Step::Unfinished { start, line: start_line };
        rec.clear();
        rec.line = start_line;
        rec.start = start;
        let mut pos = start;
        loop {
            if pos < len && buf[pos] == b'"' {
                let own_start = rec.own.len();
                pos += 1;
                loop {
                    let q = find_quote(buf, pos);
                    self.line += line_ends(buf, pos, q);
                    rec.own.extend_from_slice(&buf[pos..q]);
                    if q == len {
                        if !self.eof {
                            self.line = start_line;
                            return unfinished;
                        }
                        pos = len;
                        break;
                    }
                    pos = q + 1;
                    if pos < len && buf[pos] == b'"' {
                        rec.own.push(b'"');
                        pos += 1;
                        continue;
                    }
                    break;
                }
                let end = find_special(buf, pos);
                rec.own.extend_from_slice(&buf[pos..end]);
                rec.spans.push((own_start | OWN, rec.own.len()));
                pos = end;
            } else {
                let end = find_special(buf, pos);
                rec.spans.push((pos, end));
                pos = end;
            }
            if pos < len && buf[pos] == b',' {
                pos += 1;
                continue;
            }
            if pos == len && !self.eof {
                self.line = start_line;
                return unfinished;
            }
            // At a line end (skipped with the next record) or the end of the file.
            self.pos = pos;
            return Step::Record;
        }
    }
}

/// Line ends in `buf[from..to]`: LF, and CR not followed by LF.
fn line_ends(buf: &[u8], from: usize, to: usize) -> u64 {
    let (lf, cr) = count_lf_cr(&buf[from..to]);
    if cr == 0 {
        return lf;
    }
    let crlf = (from..to).filter(|&i| buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n')).count() as u64;
    lf + cr - crlf
}

/// How many LF and CR bytes `part` holds.
fn count_lf_cr(part: &[u8]) -> (u64, u64) {
    let (mut lf, mut cr) = (0u64, 0u64);
    let mut rest = part;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86_64; loads stay within `part`. Byte
        // counters are summed before they can wrap (at most 255 rounds).
        unsafe {
            let (nl, ret, zero) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b'\r' as i8), _mm_setzero_si128());
            let sum = |v: __m128i| -> u64 {
                let s = _mm_sad_epu8(v, zero);
                (_mm_cvtsi128_si64(s) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s))) as u64
            };
            while rest.len() >= 16 {
                let rounds = (rest.len() / 16).min(255);
                let (mut a, mut b) = (zero, zero);
                for k in 0..rounds {
                    let v = _mm_loadu_si128(rest.as_ptr().add(16 * k) as *const __m128i);
                    a = _mm_sub_epi8(a, _mm_cmpeq_epi8(v, nl));
                    b = _mm_sub_epi8(b, _mm_cmpeq_epi8(v, ret));
                }
                lf += sum(a);
                cr += sum(b);
                rest = &rest[16 * rounds..];
            }
        }
    }
    for &b in rest {
        lf += (b == b'\n') as u64;
        cr += (b == b'\r') as u64;
    }
    (lf, cr)
}

/// First position at or after `i` holding `,`, CR or LF; `buf.len()` if none.
#[inline]
fn find_special(buf: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86_64; loads stay within `buf`.
        unsafe {
            let (comma, cr, lf) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'\r' as i8), _mm_set1_epi8(b'\n' as i8));
            while i + 16 <= buf.len() {
                let v = _mm_loadu_si128(buf.as_ptr().add(i) as *const __m128i);
                let hit =
                    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, cr)), _mm_cmpeq_epi8(v, lf));
                let mask = _mm_movemask_epi8(hit) as u32;
                if mask != 0 {
                    return i + mask.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < buf.len() && !matches!(buf[i], b',' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// First `"` at or after `i`; `buf.len()` if none.
#[inline]
fn find_quote(buf: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: as in `find_special`.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            while i + 16 <= buf.len() {
                let v = _mm_loadu_si128(buf.as_ptr().add(i) as *const __m128i);
                let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u32;
                if mask != 0 {
                    return i + mask.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < buf.len() && buf[i] != b'"' {
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------
// Blocks: the file in pieces that end at a line end.

/// Bytes per block handed to a parser.
const BLOCK: usize = 1 << 20;

struct Blocks<'a> {
    reader: Box<dyn Read + 'a>,
    /// Bytes read after the last cut.
    carry: Vec<u8>,
    eof: bool,
    /// Physical line at the start of the next block.
    line: u64,
    free: Vec<Vec<u8>>,
}

/// One piece of the file: it starts at a line start and ends after a line
/// end, or at the end of the file (`last`).
struct Block {
    bytes: Vec<u8>,
    line: u64,
    last: bool,
}

impl<'a> Blocks<'a> {
    fn new(reader: Box<dyn Read + 'a>) -> Blocks<'a> {
        Blocks { reader, carry: Vec::new(), eof: false, line: 1, free: Vec::new() }
    }

    /// Fills `buf` up to `want` bytes or the end of the file.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
        if buf.len() < want && !self.eof {
            let more = want - buf.len();
            buf.reserve(more);
            // `read_to_end` reads into the spare capacity without zeroing it first.
            let got = (&mut self.reader).take(more as u64).read_to_end(buf)?;
            if got < more {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The next block of about `size` bytes; `None` after the last one.
    fn next(&mut self, size: usize) -> io::Result<Option<Block>> {
        if self.eof && self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.append(&mut self.carry);
        let mut want = size.max(buf.len() + size / 2);
        loop {
            self.fill(&mut buf, want)?;
            if self.eof {
                let line = self.line;
                self.line += line_ends(&buf, 0, buf.len());
                return Ok(Some(Block { bytes: buf, line, last: true }));
            }
            // The last line end whose kind is known: a CR as the final byte
            // may be the first half of a CRLF.
            let cut = buf[..buf.len() - 1].iter().rposition(|&b| b == b'\n' || b == b'\r').map(|i| {
                if buf[i] == b'\r' && buf[i + 1] == b'\n' {
                    i + 2
                } else {
                    i + 1
                }
            });
            if let Some(cut) = cut {
                self.carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let line = self.line;
                self.line += line_ends(&buf, 0, buf.len());
                return Ok(Some(Block { bytes: buf, line, last: false }));
            }
            want = buf.len() * 2;
        }
    }
}

/// Reads the first three bytes; drops them if they are the UTF-8 BOM.
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

// ---------------------------------------------------------------------------
// Passes over a file.

/// What one pass over the file needs to know.
struct Pass<'a> {
    label: &'a str,
    encoding: Encoding,
    had_bom: bool,
    fields: &'a [Field],
    /// Bytes per block.
    block: usize,
}

/// How a block's parse ended.
enum BlockEnd {
    Clean,
    /// The block ended inside the record at `start` (a quoted field that
    /// goes on in the next block).
    Unfinished {
        start: usize,
        line: u64,
    },
    /// A field is not UTF-8 and the file has no BOM: read it as GB18030.
    NotUtf8,
}

/// The outcome of one pass, when it did not need to start over as GB18030.
type PassResult<T> = Option<T>;

impl Pass<'_> {
    /// Whether a record forces the GB18030 reading (spec §1 step 1).
    fn not_utf8(&self, rec: &Record, input: &[u8], block_valid: bool) -> bool {
        self.encoding == Encoding::Utf8
            && !self.had_bom
            && !block_valid
            && rec.fields(input).any(|f| std::str::from_utf8(f).is_err())
    }

    /// Parses the records of `bytes[start..]` into `state`.
    #[allow(clippy::too_many_arguments)]
    fn parse_block<S>(
        &self,
        header: &Header,
        bytes: &[u8],
        start: usize,
        line: u64,
        last: bool,
        state: &mut S,
        problems: &mut Problems,
        on_row: &mut dyn FnMut(&mut S, &Row<'_>, &mut Problems),
    ) -> BlockEnd {
        let valid_utf8 = self.encoding == Encoding::Utf8 && is_utf8(&bytes[start..]);
        let mut framer = Framer { buf: bytes, pos: start, line, eof: last };
        let mut rec = Record::default();
        loop {
            match framer.next(&mut rec) {
                Step::End => return BlockEnd::Clean,
                Step::Unfinished { start, line } => return BlockEnd::Unfinished { start, line },
                Step::Record => {}
            }
            if self.not_utf8(&rec, bytes, valid_utf8) {
                return BlockEnd::NotUtf8;
            }
            if rec.len() != header.names.len() {
                let msg = format!("has {} cells, the header has {}", rec.len(), header.names.len());
                problems.push(file_problem(self.label, rec.line, &msg));
                continue;
            }
            let row = Row {
                line: rec.line,
                record: &rec,
                input: bytes,
                encoding: self.encoding,
                valid_utf8,
                header,
                label: self.label,
            };
            on_row(state, &row, problems);
        }
    }

    /// Reads up to and including the header. On success, returns the header
    /// and the block it ended in, with the position and line after it.
    #[allow(clippy::type_complexity)]
    fn header(
        &self,
        blocks: &mut Blocks<'_>,
        problems: &mut Problems,
    ) -> Result<PassResult<Option<(Header, Block, usize, u64)>>, io::Error> {
        let Some(mut block) = blocks.next(self.block)? else {
            problems.push(file_problem(self.label, 0, "file is empty: no header row"));
            return Ok(Some(None));
        };
        let mut start = 0;
        if self.had_bom && block.bytes.starts_with(b"\xEF\xBB\xBF") {
            // csv-core drops a second BOM too.
            start = 3;
        }
        let mut rec = Record::default();
        let mut line = block.line;
        loop {
            let mut framer = Framer { buf: &block.bytes, pos: start, line, eof: block.last };
            let step = framer.next(&mut rec);
            match step {
                Step::End if block.last => {
                    problems.push(file_problem(self.label, 0, "file is empty: no header row"));
                    return Ok(Some(None));
                }
                Step::End => {
                    let next = blocks.next(self.block)?.expect("a block that is not the last has a successor");
                    line = next.line;
                    start = 0;
                    blocks.free.push(std::mem::replace(&mut block, next).bytes);
                    continue;
                }
                Step::Unfinished { start: s, line: l } => {
                    // The header (or a blank record) goes on in the next block.
                    let next = blocks.next(self.block)?.expect("a block that is not the last has a successor");
                    let mut joined = block.bytes[s..].to_vec();
                    joined.extend_from_slice(&next.bytes);
                    block = Block { bytes: joined, line: l, last: next.last };
                    blocks.free.push(next.bytes);
                    start = 0;
                    line = l;
                    continue;
                }
                Step::Record => {}
            }
            let valid = is_utf8(&block.bytes[start..framer.pos]);
            if self.not_utf8(&rec, &block.bytes, valid) {
                return Ok(None);
            }
            let (pos, next_line) = (framer.pos, framer.line);
            if rec.fields(&block.bytes).all(|f| f.is_empty()) {
                start = pos;
                line = next_line;
                continue;
            }
            let header = parse_header(self.label, rec.line, &rec, &block.bytes, self.encoding, self.fields, problems);
            return Ok(Some(header.map(|h| (h, block, pos, next_line))));
        }
    }
}

fn file_problem(label: &str, line: u64, message: &str) -> Problem {
    Problem { file: label.into(), line, column: String::new(), value: String::new(), message: message.into() }
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
    on_row: impl FnMut(&mut S, &Row<'_>, &mut Problems),
) -> Result<Option<(Header, S)>, InputError> {
    read_in_blocks(source, fields, problems, init, on_row, BLOCK)
}

fn read_in_blocks<S>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S,
    mut on_row: impl FnMut(&mut S, &Row<'_>, &mut Problems),
    block: usize,
) -> Result<Option<(Header, S)>, InputError> {
    let label = source.label().to_string();
    let read_err = |e: io::Error| InputError::Read { path: label.clone(), source: e };
    let mut encoding = Encoding::Utf8;
    loop {
        let mut reader = source.open().map_err(read_err)?;
        let had_bom = skip_bom(&mut reader).map_err(read_err)?;
        let pass = Pass { label: &label, encoding, had_bom, fields, block };
        let mut attempt = Problems::default();
        match sequential(&pass, Blocks::new(reader), &mut attempt, &init, &mut on_row).map_err(read_err)? {
            None => encoding = Encoding::Gb18030,
            Some(done) => {
                problems.extend(attempt);
                return Ok(done);
            }
        }
    }
}

fn sequential<S>(
    pass: &Pass<'_>,
    mut blocks: Blocks<'_>,
    problems: &mut Problems,
    init: &impl Fn(&Header) -> S,
    on_row: &mut impl FnMut(&mut S, &Row<'_>, &mut Problems),
) -> io::Result<PassResult<Option<(Header, S)>>> {
    let (header, first, pos, line) = match pass.header(&mut blocks, problems)? {
        None => return Ok(None),
        Some(None) => return Ok(Some(None)),
        Some(Some(found)) => found,
    };
    let mut state = init(&header);
    let mut block = Some((first.bytes, pos, line, first.last));
    while let Some((bytes, start, line, last)) = block.take() {
        match pass.parse_block(&header, &bytes, start, line, last, &mut state, problems, on_row) {
            BlockEnd::NotUtf8 => return Ok(None),
            BlockEnd::Clean => {}
            BlockEnd::Unfinished { start, line } => {
                let next = blocks.next(pass.block)?.expect("a block that is not the last has a successor");
                let mut joined = bytes[start..].to_vec();
                joined.extend_from_slice(&next.bytes);
                block = Some((joined, 0, line, next.last));
                continue;
            }
        }
        if last {
            break;
        }
        blocks.free.push(bytes);
        if let Some(next) = blocks.next(pass.block)? {
            block = Some((next.bytes, 0, next.line, next.last));
        }
    }
    Ok(Some(Some((header, state))))
}

/// The result of parsing one block on a worker.
struct Parsed<S> {
    index: usize,
    state: S,
    problems: Problems,
    end: BlockEnd,
    block: Block,
}

/// Like [`read`], on all cores: each block of the file gets its own state
/// from `init`, is folded by `on_row` and then `finish`ed on some thread;
/// `merge` then takes the block states in file order into the accumulator
/// `start` makes (again, if the file must be read a second time as
/// GB18030), and must leave each state as `init` made it: states are used
/// again for later blocks, so their allocations are too. Problems come out
/// in file order, as from [`read`].
#[allow(clippy::too_many_arguments)]
pub fn read_parallel<S: Send, A>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    finish: impl Fn(&mut S) + Sync,
    start: impl Fn(&Header) -> A,
    merge: impl FnMut(&mut A, &mut S),
) -> Result<Option<(Header, A)>, InputError> {
    read_parallel_in_blocks(source, fields, problems, init, on_row, finish, start, merge, BLOCK)
}

#[allow(clippy::too_many_arguments)]
fn read_parallel_in_blocks<S: Send, A>(
    source: &dyn Source,
    fields: &[Field],
    problems: &mut Problems,
    init: impl Fn(&Header) -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    finish: impl Fn(&mut S) + Sync,
    start: impl Fn(&Header) -> A,
    mut merge: impl FnMut(&mut A, &mut S),
    block: usize,
) -> Result<Option<(Header, A)>, InputError> {
    let label = source.label().to_string();
    let read_err = |e: io::Error| InputError::Read { path: label.clone(), source: e };
    let mut encoding = Encoding::Utf8;
    loop {
        let mut reader = source.open().map_err(read_err)?;
        let had_bom = skip_bom(&mut reader).map_err(read_err)?;
        let pass = Pass { label: &label, encoding, had_bom, fields, block };
        let mut attempt = Problems::default();
        let folds = Folds { init: &init, on_row: &on_row, finish: &finish, spare: Mutex::new(Vec::new()) };
        let outcome = parallel(&pass, Blocks::new(reader), &mut attempt, &folds, &start, &mut merge);
        match outcome.map_err(read_err)? {
            None => encoding = Encoding::Gb18030,
            Some(done) => {
                problems.extend(attempt);
                return Ok(done);
            }
        }
    }
}

/// The per-block callbacks of [`read_parallel`].
struct Folds<'a, I, R, F, S> {
    init: &'a I,
    on_row: &'a R,
    finish: &'a F,
    /// States merged and ready for another block.
    spare: Mutex<Vec<S>>,
}

impl<I, R, F, S> Folds<'_, I, R, F, S> {
    fn fresh(&self, header: &Header) -> S
    where
        I: Fn(&Header) -> S,
    {
        let spare = self.spare.lock().ok().and_then(|mut v| v.pop());
        spare.unwrap_or_else(|| (self.init)(header))
    }

    /// Parses one block into a fresh, finished state.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        pass: &Pass<'_>,
        header: &Header,
        bytes: &[u8],
        from: usize,
        line: u64,
        last: bool,
        problems: &mut Problems,
    ) -> (S, BlockEnd)
    where
        I: Fn(&Header) -> S,
        R: Fn(&mut S, &Row<'_>, &mut Problems),
        F: Fn(&mut S),
    {
        let mut state = self.fresh(header);
        let mut fold = |s: &mut S, r: &Row<'_>, p: &mut Problems| (self.on_row)(s, r, p);
        let end = pass.parse_block(header, bytes, from, line, last, &mut state, problems, &mut fold);
        (self.finish)(&mut state);
        (state, end)
    }
}

#[allow(clippy::type_complexity)]
fn parallel<S: Send, A, I, R, F>(
    pass: &Pass<'_>,
    mut blocks: Blocks<'_>,
    problems: &mut Problems,
    folds: &Folds<'_, I, R, F, S>,
    start: &impl Fn(&Header) -> A,
    merge: &mut impl FnMut(&mut A, &mut S),
) -> io::Result<PassResult<Option<(Header, A)>>>
where
    I: Fn(&Header) -> S + Sync,
    R: Fn(&mut S, &Row<'_>, &mut Problems) + Sync,
    F: Fn(&mut S) + Sync,
{
    let (header, first, pos, line) = match pass.header(&mut blocks, problems)? {
        None => return Ok(None),
        Some(None) => return Ok(Some(None)),
        Some(Some(found)) => found,
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16);
    let mut acc = start(&header);
    let stop = AtomicBool::new(false);
    let header_ref = &header;
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Block, usize, u64)>(workers * 2);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Parsed<S>>();
    let outcome = std::thread::scope(|scope| -> io::Result<bool> {
        for _ in 0..workers {
            let (job_rx, done_tx, stop) = (&job_rx, done_tx.clone(), &stop);
            scope.spawn(move || loop {
                let job = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((index, block, from, line))) = job else { return };
                let mut found = Problems::default();
                let (state, end) = if stop.load(Ordering::Relaxed) {
                    (folds.fresh(header_ref), BlockEnd::Clean)
                } else {
                    folds.block(pass, header_ref, &block.bytes, from, line, block.last, &mut found)
                };
                let parsed = Parsed { index, state, problems: found, end, block };
                if done_tx.send(parsed).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        let mut merger = Merger { next: 0, waiting: BTreeMap::new(), redo: None };
        let mut take = |merger: &mut Merger<S>, parsed: Parsed<S>, blocks: &mut Blocks<'_>| -> bool {
            merger.waiting.insert(parsed.index, parsed);
            while let Some(parsed) = merger.waiting.remove(&merger.next) {
                merger.next += 1;
                let Some(parsed) = merger.settle(parsed, pass, header_ref, folds) else {
                    stop.store(true, Ordering::Relaxed);
                    return false;
                };
                problems.extend(parsed.problems);
                let mut state = parsed.state;
                merge(&mut acc, &mut state);
                if let Ok(mut spare) = folds.spare.lock() {
                    spare.push(state);
                }
                blocks.free.push(parsed.block.bytes);
            }
            true
        };

        let mut next_job = Some((first, pos, line));
        let mut index = 0;
        let mut ok = true;
        let mut read_error = None;
        while let Some((block, from, line)) = next_job.take() {
            let last = block.last;
            if job_tx.send((index, block, from, line)).is_err() {
                break;
            }
            index += 1;
            while let Ok(parsed) = done_rx.try_recv() {
                ok &= take(&mut merger, parsed, &mut blocks);
            }
            if !ok || last {
                break;
            }
            match blocks.next(pass.block) {
                Ok(Some(block)) => {
                    let line = block.line;
                    next_job = Some((block, 0, line));
                }
                Ok(None) => {}
                Err(e) => {
                    read_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        drop(job_tx);
        while merger.next < index {
            let Ok(parsed) = done_rx.recv() else { break };
            if ok {
                ok &= take(&mut merger, parsed, &mut blocks);
            }
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    })?;
    Ok(outcome.then_some(Some((header, acc))))
}

/// Puts worker results back in file order and repairs wrong cuts.
struct Merger<S> {
    next: usize,
    waiting: BTreeMap<usize, Parsed<S>>,
    /// The unfinished record at the end of the previous block: its bytes and line.
    redo: Option<(Vec<u8>, u64)>,
}

impl<S> Merger<S> {
    /// The block's final result, or `None` when the file must be read again
    /// as GB18030.
    fn settle<I, R, F>(
        &mut self,
        mut parsed: Parsed<S>,
        pass: &Pass<'_>,
        header: &Header,
        folds: &Folds<'_, I, R, F, S>,
    ) -> Option<Parsed<S>>
    where
        I: Fn(&Header) -> S,
        R: Fn(&mut S, &Row<'_>, &mut Problems),
        F: Fn(&mut S),
    {
        if let Some((mut bytes, line)) = self.redo.take() {
            // The cut before this block fell inside a quoted field, so the
            // worker started mid-record: parse again from that record.
            bytes.extend_from_slice(&parsed.block.bytes);
            parsed.problems = Problems::default();
            (parsed.state, parsed.end) =
                folds.block(pass, header, &bytes, 0, line, parsed.block.last, &mut parsed.problems);
            if let BlockEnd::Unfinished { start, line } = parsed.end {
                self.redo = Some((bytes[start..].to_vec(), line));
            }
        } else {
            match parsed.end {
                BlockEnd::Unfinished { start, line } => {
                    self.redo = Some((parsed.block.bytes[start..].to_vec(), line));
                }
                BlockEnd::NotUtf8 | BlockEnd::Clean => {}
            }
        }
        match parsed.end {
            BlockEnd::NotUtf8 => None,
            _ => Some(parsed),
        }
    }
}

fn parse_header(
    label: &str,
    line: u64,
    record: &Record,
    input: &[u8],
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
    for raw in record.fields(input) {
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
