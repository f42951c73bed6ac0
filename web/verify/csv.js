// web/verify/csv.js — SPEC §1 steps 1–3 at the level of bytes: decoding to
// UTF-8, RFC 4180 records as byte ranges, trimming, control characters.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// Records are read from the UTF-8 bytes, not from a decoded string: a
// registry of 10^6 firms is 100 MB of UTF-8, twice that as a JavaScript
// string, and its draw reads most cells only as bytes (the USCC check, the
// snapshot leaves, the tickets). Cutting bytes and cutting the decoded text
// give the same cells: every character CSV gives a meaning to (`,` `"` CR LF)
// is ASCII, and no byte of a multi-byte UTF-8 sequence is below 0x80.

import { FairdrawError, throwErrors } from './errors.js';
import { utf8 } from './sha256.js';

/** §1.6: the verifiers read CSV only; a workbook is named by its extension. */
const WORKBOOK_EXTENSIONS = ['.xlsx', '.xlsm', '.xlsb', '.xls', '.ods'];
export const WORKBOOK_REFUSED = 'an Excel workbook: the verifiers read CSV only (SPEC §1.6); save its first sheet '
  + 'as CSV UTF-8 (另存为 CSV UTF-8) and verify that, or run `fairdraw verify` on the workbook';
export function isWorkbook(file) {
  const name = String(file).toLowerCase();
  return WORKBOOK_EXTENSIONS.some(ext => name.endsWith(ext));
}

export function asBytes(x, file) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return utf8(x);
  throw new FairdrawError(`${file}: expected file contents (Uint8Array), got ${x === null ? 'null' : typeof x}`);
}

/**
 * §1 step 1, first part: the file's bytes, and where its records start
 * (after a UTF-8 BOM). Whether they are UTF-8 is found as they are read
 * (CsvRecords, below: one pass over 10^8 bytes instead of two); when they
 * are not, recodeTable() gives them as UTF-8.
 */
export function tableBytes(input, file) {
  if (isWorkbook(file)) throwErrors([{ file, message: WORKBOOK_REFUSED }]);
  const bytes = asBytes(input, file);
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return { bytes, from: bom ? 3 : 0, bom };
}

/**
 * §1 step 1 for a file that is not UTF-8: an error after a UTF-8 BOM, else
 * the file decoded as GB18030 and encoded again as UTF-8 (which is exact:
 * the decoder never makes a lone surrogate).
 */
export function recodeTable(bytes, bom, file) {
  if (bom) {
    const at = firstInvalidByte(bytes.subarray(3), 'utf-8') + 3;
    throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'the file starts with a UTF-8 BOM but is not valid UTF-8' }]);
  }
  let dec;
  try {
    dec = new TextDecoder('gb18030', { fatal: true });
  } catch {
    throw new FairdrawError(`${file}: the file is not valid UTF-8, and this environment's TextDecoder has no GB18030 support`, [], 'environment');
  }
  try {
    return utf8(dec.decode(bytes));
  } catch {
    const at = firstInvalidByte(bytes, 'gb18030');
    throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'the file is neither valid UTF-8 nor valid GB18030' }]);
  }
}

/**
 * The length of the UTF-8 sequence that starts with the byte c >= 0x80 at
 * bytes[i], or 0 when it is not well-formed (Unicode Table 3-7, which is
 * what a fatal TextDecoder accepts): the second byte's range depends on the
 * first (no overlong forms, no surrogates, nothing above U+10FFFF); the
 * others are 80..BF.
 */
function sequence(bytes, i, c) {
  let more, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) more = 1;
  else if (c >= 0xe0 && c <= 0xef) { more = 2; if (c === 0xe0) lo = 0xa0; else if (c === 0xed) hi = 0x9f; }
  else if (c >= 0xf0 && c <= 0xf4) { more = 3; if (c === 0xf0) lo = 0x90; else if (c === 0xf4) hi = 0x8f; }
  else return 0;
  if (i + more >= bytes.length) return 0;
  const b = bytes[i + 1];
  if (b < lo || b > hi) return 0;
  for (let k = 2; k <= more; k++) {
    const x = bytes[i + k];
    if (x < 0x80 || x > 0xbf) return 0;
  }
  return more + 1;
}

/** Offset of the first byte of the first invalid sequence (for error messages). */
export function firstInvalidByte(bytes, encoding) {
  const fails = (len, stream) => {
    try { new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, len), { stream }); return false; } catch { return true; }
  };
  // smallest prefix that fails even when decoded as a stream (incomplete tails allowed)
  let lo = 1, hi = bytes.length;
  if (!fails(hi, true)) lo = hi; // only an incomplete sequence at the very end
  else {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fails(mid, true)) hi = mid; else lo = mid + 1;
    }
  }
  // the bad sequence starts at the last character boundary before that point
  for (let j = lo - 1; j >= Math.max(0, lo - 4); j--) if (!fails(j, false)) return j;
  return Math.max(0, lo - 1);
}

/** Line (CR, LF and CRLF each end one) and byte in that line, 1-based, of byte `at`. */
export function byteLocation(bytes, at) {
  let line = 1, lineStart = 0;
  for (let i = 0; i < at; i++) {
    // CR, LF and CRLF each end a line (§1 step 2)
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) { line++; lineStart = i + 1; }
  }
  return { line, byte: at - lineStart + 1 };
}

export function byteSample(bytes, at) {
  return Array.from(bytes.subarray(at, at + 4), b => b.toString(16).padStart(2, '0')).join(' ');
}

// ignoreBOM: a U+FEFF inside the file is a character like any other (§1 step 3 trims it)
const cellDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const units = []; // the UTF-16 code units of a short value (reused)
/**
 * The text of the valid UTF-8 bytes[from..to). A short value (a code, a
 * date, a name) is decoded here: for 10^4 names a call into TextDecoder
 * each costs more than the decoding itself.
 */
export function textOf(bytes, from, to) {
  if (to - from > 64) {
    // (TextDecoder does not read shared memory: a registry's columns may be in some, see ./registry.js)
    return cellDecoder.decode(bytes.buffer instanceof ArrayBuffer ? bytes.subarray(from, to) : bytes.slice(from, to));
  }
  units.length = 0;
  for (let k = from; k < to;) {
    const c = bytes[k];
    if (c < 0x80) { units.push(c); k += 1; }
    else if (c < 0xe0) { units.push(((c & 0x1f) << 6) | (bytes[k + 1] & 0x3f)); k += 2; }
    else if (c < 0xf0) { units.push(((c & 0x0f) << 12) | ((bytes[k + 1] & 0x3f) << 6) | (bytes[k + 2] & 0x3f)); k += 3; }
    else { // above U+FFFF: a surrogate pair
      const v = (((c & 0x07) << 18) | ((bytes[k + 1] & 0x3f) << 12) | ((bytes[k + 2] & 0x3f) << 6) | (bytes[k + 3] & 0x3f)) - 0x10000;
      units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
      k += 4;
    }
  }
  return String.fromCharCode.apply(null, units);
}

/** Does bytes[from..to) hold a character below U+0020 or U+007F (§1 step 3)? */
export function hasControl(bytes, from, to) {
  for (let k = from; k < to; k++) { const c = bytes[k]; if (c < 0x20 || c === 0x7f) return true; }
  return false;
}

/**
 * §1 step 2: RFC 4180 records, one at a time, as byte ranges. next() reads
 * the next non-empty record into this object and returns true, or false at
 * the end: `recLine` (its 1-based physical start line; CR, LF and CRLF each
 * end a line), `count` cells, cell c at bytes[start[c]..end[c]) already
 * trimmed (§1 step 3; `bytes` below), `quotedBreak` (a line break inside
 * quotes) and `control` (any other character below U+0020, or U+007F) —
 * some cell of the record holds a control character only when one of them
 * is true. cell(c) is its text.
 * Every byte is checked as UTF-8 on the way: when one is not, `invalidAt`
 * is its offset, and reading stops (the file is then not UTF-8: §1 step 1).
 * Record ends: LF, CRLF, and — like common CSV readers and the reference — a
 * lone CR. Malformed quoting is read leniently like common CSV readers:
 * `"ab"c` -> `abc`, `ab"c` -> `ab"c`. An unterminated quoted field is
 * reported to `errors` (when given) and ends the file.
 *
 * A cell is usually a range of the file itself (quoted or not). A cell whose
 * value is not (a `""` inside quotes, text after the closing quote) is
 * written, unquoted, over its own raw bytes — never longer than they are —
 * in a copy of the file made the first time: `bytes` is the file until then
 * (the caller's bytes are never changed), and the copy after.
 */
export class CsvRecords {
  constructor(src, file, errors, from = 0, line = 1) {
    this.src = src; // read from
    this.bytes = src; // the cells' bytes (src, or its copy once a cell is rewritten)
    this.file = file;
    this.errors = errors;
    this.i = from;
    this.line = line;
    this.recLine = 0;
    this.count = 0;
    this.start = new Int32Array(16);
    this.end = new Int32Array(16);
    this.quotedBreak = false;
    this.control = false;
    this.invalidAt = -1;
  }

  next() {
    const n = this.src.length;
    while (this.i < n) if (this.record()) return true;
    return false;
  }

  cell(c) { return textOf(this.bytes, this.start[c], this.end[c]); }

  /** One physical record from this.i; false when it is empty or an unterminated quote ended the file. */
  record() {
    const src = this.src;
    const n = src.length;
    let i = this.i;
    let line = this.line;
    this.recLine = line;
    this.count = 0;
    this.quotedBreak = false;
    this.control = false;
    let sawSomething = false;
    for (;;) {
      let from, to; // the cell's value: this.bytes[from..to)
      let w = -1; // once the value is rewritten: where its next byte goes
      if (src[i] === 0x22 /* " */) {
        sawSomething = true;
        const qLine = line;
        i++;
        from = i;
        let closed = false;
        while (i < n) {
          const c = src[i];
          if (c === 0x22) {
            if (src[i + 1] === 0x22) { // "" is one quote: from here on the value is shifted left
              if (w < 0) w = this.rewriteFrom(i);
              this.bytes[w++] = 0x22;
              i += 2;
              continue;
            }
            to = w < 0 ? i : w;
            i++;
            closed = true;
            break;
          }
          if (c === 10 || c === 13) {
            this.quotedBreak = true;
            if (c === 10 || src[i + 1] !== 10) line++;
          } else if (c < 0x20 || c === 0x7f) this.control = true;
          else if (c >= 0x80) { // a multi-byte character, checked as UTF-8
            const len = sequence(src, i, c);
            if (len === 0) { this.stop(i); return false; }
            if (w >= 0) for (let k = 0; k < len; k++) this.bytes[w++] = src[i + k];
            i += len;
            continue;
          }
          if (w >= 0) this.bytes[w++] = c;
          i++;
        }
        if (!closed) {
          if (this.errors) this.errors.push({ file: this.file, line: qLine, column: this.count + 1, message: 'unterminated quoted field (missing closing ")' });
          this.i = n;
          return false;
        }
        // whatever follows the closing quote is appended to the value
        const rest = i;
        i = this.unquoted(i);
        if (i < 0) return false; // (not UTF-8)
        if (i > rest) {
          sawSomething = true;
          w = w < 0 ? this.rewriteFrom(to) : to;
          for (let k = rest; k < i; k++) this.bytes[w++] = src[k];
          to = w;
        }
      } else {
        from = i;
        i = this.unquoted(i);
        if (i < 0) return false; // (not UTF-8)
        to = i;
        if (i > from) sawSomething = true;
      }
      this.push(from, to);
      if (i < n && src[i] === 44) { i++; sawSomething = true; continue; }
      // end of record
      if (i < n) {
        if (src[i] === 13) {
          i++;
          if (src[i] === 10) i++;
        } else i++;
        line++;
      }
      break;
    }
    this.i = i;
    this.line = line;
    return sawSomething;
  }

  /**
   * Where the unquoted text from src[i] ends: at the next `,`, LF or CR, or
   * the end; -1 when it is not UTF-8 (stop()). A printable ASCII byte costs
   * two comparisons (most of a file); the control characters are noted.
   */
  unquoted(i) {
    const src = this.src, n = src.length;
    while (i < n) {
      const c = src[i];
      if (c < 0x7f) {
        if (c <= 44) {
          if (c === 44 || c === 10 || c === 13) return i;
          if (c < 0x20) this.control = true;
        }
        i++;
      } else if (c === 0x7f) { this.control = true; i++; }
      else {
        const len = sequence(src, i, c);
        if (len === 0) return this.stop(i);
        i += len;
      }
    }
    return n;
  }

  /** Not UTF-8 at src[at]: reading stops there; returns -1. */
  stop(at) {
    this.invalidAt = at;
    this.i = this.src.length;
    return -1;
  }

  /** The copy of the file that rewritten cells go into (made once); returns `at`. */
  rewriteFrom(at) {
    if (this.bytes === this.src) this.bytes = this.src.slice();
    return at;
  }

  /** Adds the cell bytes[from..to), trimmed (§1 step 3: SPACE, TAB, U+3000 = E3 80 80, U+FEFF = EF BB BF). */
  push(from, to) {
    const b = this.bytes;
    for (;;) {
      const c = b[from];
      if (from < to && (c === 0x20 || c === 0x09)) from++;
      else if (from + 3 <= to && ((c === 0xe3 && b[from + 1] === 0x80 && b[from + 2] === 0x80) || (c === 0xef && b[from + 1] === 0xbb && b[from + 2] === 0xbf))) from += 3;
      else break;
    }
    for (;;) {
      const c = b[to - 1];
      if (to > from && (c === 0x20 || c === 0x09)) to--;
      else if (to - 3 >= from && ((c === 0x80 && b[to - 2] === 0x80 && b[to - 3] === 0xe3) || (c === 0xbf && b[to - 2] === 0xbb && b[to - 3] === 0xef))) to -= 3;
      else break;
    }
    if (this.count === this.start.length) {
      const grow = a => { const g = new Int32Array(2 * a.length); g.set(a); return g; };
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    this.start[this.count] = from;
    this.end[this.count] = to;
    this.count++;
  }
}
