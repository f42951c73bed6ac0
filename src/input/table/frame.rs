//! Framing: records and fields (spec §1 step 2), with the SIMD searches for
//! the bytes that end a field or a record.

/// Marks a span that lies in [`Record::own`] rather than in the input.
pub(super) const OWN: usize = 1 << (usize::BITS - 1);

/// One record: where each field's bytes are. Unquoted fields point into the
/// input; quoted ones are unescaped into `own`.
#[derive(Default)]
pub(crate) struct Record {
    /// Physical line (1-based) of the record's first byte.
    pub(super) line: u64,
    /// Offset of the record's first byte in the input.
    pub(super) start: usize,
    pub(super) spans: Vec<(usize, usize)>,
    pub(super) own: Vec<u8>,
}

impl Record {
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(super) fn field<'a>(&'a self, input: &'a [u8], i: usize) -> &'a [u8] {
        match self.spans.get(i) {
            Some(&(start, end)) if start & OWN != 0 => &self.own[start & !OWN..end],
            Some(&(start, end)) => &input[start..end],
            None => b"",
        }
    }

    pub(super) fn fields<'a>(&'a self, input: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        (0..self.len()).map(move |i| self.field(input, i))
    }

    pub(super) fn clear(&mut self) {
        self.spans.clear();
        self.own.clear();
    }
}

pub(super) enum Step {
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
pub(super) struct Framer<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    /// Physical line of `buf[pos]`.
    pub(super) line: u64,
    /// `buf` ends at the end of the file.
    pub(super) eof: bool,
}

impl Framer<'_> {
    pub(super) fn next(&mut self, rec: &mut Record) -> Step {
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
pub(super) fn line_ends(buf: &[u8], from: usize, to: usize) -> u64 {
    let (lf, cr) = count_lf_cr(&buf[from..to]);
    if cr == 0 {
        return lf;
    }
    let crlf = (from..to).filter(|&i| buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n')).count() as u64;
    lf + cr - crlf
}

/// How many LF and CR bytes `part` holds.
pub(super) fn count_lf_cr(part: &[u8]) -> (u64, u64) {
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
pub(super) fn find_special(buf: &[u8], mut i: usize) -> usize {
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
pub(super) fn find_quote(buf: &[u8], mut i: usize) -> usize {
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
