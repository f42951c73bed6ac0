// web/verify/tables.js — SPEC §1 Reading tabular files: decoding (UTF-8 /
// GB18030), CSV, header aliases, the enterprise registry, inspector roster
// and recusal list.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { FairdrawError, throwErrors } from './errors.js';
import { sortedUnique, usccOrder } from './order.js';
import { utf8 } from './sha256.js';
import { usccProblem } from './uscc.js';

/** §1.6: the verifiers read CSV only; a workbook is named by its extension. */
const WORKBOOK_EXTENSIONS = ['.xlsx', '.xlsm', '.xlsb', '.xls', '.ods'];
export const WORKBOOK_REFUSED = 'an Excel workbook: the verifiers read CSV only (SPEC §1.6); save its first sheet '
  + 'as CSV UTF-8 (另存为 CSV UTF-8) and verify that, or run `fairdraw verify` on the workbook';
export function isWorkbook(file) {
  const name = String(file).toLowerCase();
  return WORKBOOK_EXTENSIONS.some(ext => name.endsWith(ext));
}

/** §1 step 1: decode bytes (UTF-8 BOM → UTF-8; valid UTF-8 → UTF-8; else GB18030, fatal). */
function decodeTable(bytes, file) {
  if (isWorkbook(file)) throwErrors([{ file, message: WORKBOOK_REFUSED }]);
  bytes = asBytes(bytes, file);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(3));
    } catch {
      const at = firstInvalidByte(bytes.subarray(3), 'utf-8') + 3;
      throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'the file starts with a UTF-8 BOM but is not valid UTF-8' }]);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch { /* not UTF-8: try GB18030 */ }
  let dec;
  try {
    dec = new TextDecoder('gb18030', { fatal: true });
  } catch {
    throw new FairdrawError(`${file}: the file is not valid UTF-8, and this environment's TextDecoder has no GB18030 support`, [], 'environment');
  }
  try {
    return dec.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes, 'gb18030');
    throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'the file is neither valid UTF-8 nor valid GB18030' }]);
  }
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

function byteLocation(bytes, at) {
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

export function asBytes(x, file) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return utf8(x);
  throw new FairdrawError(`${file}: expected file contents (Uint8Array), got ${x === null ? 'null' : typeof x}`);
}

/**
 * §1 step 2: RFC 4180 records, one at a time (a registry of 10^6 rows is never
 * held as cell arrays). `next()` returns {line, cells} — line: the 1-based
 * physical start line (CR, LF and CRLF each end a line) — or null at the
 * end; completely empty lines are skipped.
 * Record ends: LF, CRLF, and — like common CSV readers and the reference — a
 * lone CR. Malformed quoting is read leniently like common CSV readers:
 * `"ab"c` -> `abc`, `ab"c` -> `ab"c`. An unterminated quoted field is
 * reported to `errors` (when given) and ends the file.
 */
class CsvRecords {
  constructor(text, file, errors, from = 0, line = 1) {
    this.text = text;
    this.file = file;
    this.errors = errors;
    this.i = from;
    this.line = line;
  }

  next() {
    const text = this.text;
    const n = text.length;
    while (this.i < n) {
      const rec = this.record();
      if (rec) return rec;
    }
    return null;
  }

  /** One physical record from this.i; null when it is empty or an unterminated quote ended the file. */
  record() {
    const text = this.text;
    const n = text.length;
    let i = this.i;
    let line = this.line;
    const recLine = line;
    const cells = [];
    let sawSomething = false;
    let quotedBreak = false; // a line break inside quotes: a cell holds a control character
    for (;;) {
      let val = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        sawSomething = true;
        const qLine = line;
        i++;
        let closed = false;
        let from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) { val += text.slice(from, i + 1); i += 2; from = i; continue; }
            val += text.slice(from, i);
            i++;
            closed = true;
            break;
          }
          if (c === 10 || c === 13) {
            quotedBreak = true;
            if (c === 10 || text.charCodeAt(i + 1) !== 10) line++;
          }
          i++;
        }
        if (!closed) {
          if (this.errors) this.errors.push({ file: this.file, line: qLine, column: cells.length + 1, message: 'unterminated quoted field (missing closing ")' });
          this.i = n;
          return null;
        }
      }
      // unquoted field, or whatever follows a closing quote
      const from = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 44 /* , */ || c === 10 || c === 13) break;
        i++;
      }
      if (i > from) { val += text.slice(from, i); sawSomething = true; }
      cells.push(val);
      if (i < n && text.charCodeAt(i) === 44) { i++; sawSomething = true; continue; }
      // end of record
      if (i < n) {
        if (text.charCodeAt(i) === 13) {
          i++;
          if (text.charCodeAt(i) === 10) i++;
        } else i++;
        line++;
      }
      break;
    }
    this.i = i;
    this.line = line;
    return sawSomething ? { line: recLine, cells, quotedBreak } : null;
  }
}

const TRIM_RE = /^[ \t\u3000\uFEFF]+|[ \t\u3000\uFEFF]+$/g;
/** §1 step 3: trim SPACE, TAB, IDEOGRAPHIC SPACE, BOM. */
export function trimCell(s) {
  const n = s.length;
  if (n === 0) return s;
  const a = s.charCodeAt(0), b = s.charCodeAt(n - 1);
  if (!isTrimChar(a) && !isTrimChar(b)) return s;
  return s.replace(TRIM_RE, '');
}
function isTrimChar(c) { return c === 32 || c === 9 || c === 0x3000 || c === 0xfeff; }
export const CONTROL_RE = /[\u0000-\u001F\u007F]/;
// control characters other than line breaks, which are in a cell only when it is quoted
const CONTROL_NOT_LINE_BREAK_RE = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F]/;

export function asciiLower(s) { return s.replace(/[A-Z]/g, c => c.toLowerCase()); }

/** §1 step 4: does header text `h` name field `f` = {name, aliases}? */
export function headerMatches(h, f) {
  return asciiLower(h) === f.name || f.aliases.includes(h);
}

/**
 * §1 steps 2–5 for one file, a record at a time: header mapping, trimming,
 * control characters, cell counts. Once the header is read, `rowReader(table)`
 * gives the function `onRow(row, bad)` that is called for each record
 * with as many cells as the header (row = {line, cells}, trimmed cells;
 * bad = a control character, already reported). Returns the table
 * {header, headerLine, fieldCol, extras, headerOk, forEachRow} or null for an
 * empty file; forEachRow(fn) reads the rows again (for columns found to be
 * needed later, e.g. by scope.where), without reporting anything. Errors go
 * to `errors`.
 */
export function scanTable(bytes, file, fields, errors, rowReader) {
  const text = decodeTable(bytes, file);
  const records = new CsvRecords(text, file, errors);
  const head = records.next();
  if (head === null) {
    errors.push({ file, line: 1, message: 'the file is empty (no header row)' });
    return null;
  }
  const header = head.cells.map(trimCell);
  const fieldCol = new Map();
  const extras = new Map();
  let headerOk = true;
  header.forEach((h, c) => {
    const f = fields.find(fd => headerMatches(h, fd));
    if (f) {
      if (fieldCol.has(f.name)) {
        errors.push({ file, line: head.line, column: c + 1, value: h, message: `column maps to field "${f.name}", which column ${fieldCol.get(f.name) + 1} (${header[fieldCol.get(f.name)]}) already provides` });
        headerOk = false;
      } else fieldCol.set(f.name, c);
    } else if (h === '') {
      // empty header cells (e.g. a trailing comma) name no column; they are ignored
    } else if (extras.has(h)) {
      errors.push({ file, line: head.line, column: c + 1, value: h, message: `duplicate column header (also column ${extras.get(h) + 1})` });
      headerOk = false;
    } else extras.set(h, c);
  });
  for (const f of fields) {
    if (f.required && !fieldCol.has(f.name)) {
      const names = [f.name, ...f.aliases].join(' / ');
      errors.push({ file, line: head.line, message: `missing required column ${names}` });
      headerOk = false;
    }
  }
  const readCols = fields.filter(f => !f.unread && fieldCol.has(f.name)).map(f => fieldCol.get(f.name)).sort((a, b) => a - b);
  const bodyFrom = records.i, bodyLine = records.line;
  const table = { header, headerLine: head.line, fieldCol, extras, headerOk, forEachRow: null };
  const onRow = rowReader(table);
  /** The records after the header with the header's cell count, cells trimmed. */
  const eachRecord = (recs, report, fn) => {
    for (let rec = recs.next(); rec !== null; rec = recs.next()) {
      const cells = rec.cells;
      if (cells.length !== header.length) {
        if (report) errors.push({ file, line: rec.line, message: `record has ${cells.length} cell${cells.length === 1 ? '' : 's'}, the header has ${header.length}` });
        continue;
      }
      for (let c = 0; c < cells.length; c++) cells[c] = trimCell(cells[c]);
      fn(rec);
    }
  };
  // one scan of the whole text: without a control character other than line
  // breaks, a cell has one only when a line break is inside its quotes, and
  // the per-cell checks (10^6 rows × the read columns) can be skipped
  const mayHaveControl = CONTROL_NOT_LINE_BREAK_RE.test(text);
  eachRecord(records, true, (rec) => {
    let ok = true;
    if (!mayHaveControl && !rec.quotedBreak) { onRow(rec, false); return; }
    // §1 step 3: only values the draw reads are checked (the mapped fields;
    // extra columns the plan filters on are checked by checkColumns later)
    for (const c of readCols) {
      if (CONTROL_RE.test(rec.cells[c])) {
        errors.push({ file, line: rec.line, column: c + 1, header: header[c], value: rec.cells[c], message: 'value contains a control character' });
        ok = false;
      }
    }
    onRow(rec, !ok);
  });
  table.forEachRow = (fn) => eachRecord(new CsvRecords(text, file, null, bodyFrom, bodyLine), false, fn);
  return table;
}

/**
 * scanTable keeping every row: {header, headerLine, fieldCol, extras, rows,
 * headerOk, forEachRow} where rows = [{line, cells, bad}]. For the small
 * tables (roster, recusal list, plan files).
 */
export function readTable(bytes, file, fields, errors) {
  const rows = [];
  const t = scanTable(bytes, file, fields, errors, () => (row, bad) => { row.bad = bad; rows.push(row); });
  if (!t) return null;
  return { ...t, rows, forEachRow: fn => rows.forEach(fn) };
}

/** §1 step 3 for extra columns that turn out to be read (scope.where): control characters. */
export function checkColumns(table, cols, file, errors) {
  if (cols.length === 0) return;
  const found = [];
  table.forEachRow((row) => {
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k];
      if (CONTROL_RE.test(row.cells[c])) {
        found.push([k, { file, line: row.line, column: c + 1, header: table.header[c], value: row.cells[c], message: 'value contains a control character (the plan\'s scope.where reads this column)' }]);
      }
    }
  });
  // reported column by column, as the columns are listed
  found.sort((a, b) => a[0] - b[0]);
  for (const [, e] of found) errors.push(e);
}

/** Helper to address one field of a row for values and error records. */
export function cellOf(table, row, field) {
  const c = table.fieldCol.get(field);
  return c === undefined ? '' : row.cells[c];
}
export function errAt(file, table, row, field, message, value) {
  const c = table.fieldCol.get(field);
  return { file, line: row.line, column: c === undefined ? undefined : c + 1, header: c === undefined ? undefined : table.header[c], value: value !== undefined ? value : (c === undefined ? undefined : row.cells[c]), message };
}

// Field definitions (§1.1–§1.4). `name` is the English name (case-insensitive).
export const F = (name, aliases, required = false, unread = false) => ({ name, aliases, required, unread });
const USCC_ALIASES = ['统一社会信用代码', '信用代码'];
export const ENTERPRISE_FIELDS = [
  F('uscc', USCC_ALIASES, true),
  F('name', ['企业名称', '名称'], true),
  F('credit_class', ['信用风险分类', '风险分类', '信用分类'], true),
  F('region', ['区域代码', '行政区划代码'], true),
  F('industry', ['行业代码'], true),
  F('status', ['登记状态', '经营状态'], true),
  F('established', ['成立日期']),
  F('dormant_from', ['歇业日期']), // §6.3 the dormancy term
  F('dormant_until', ['歇业期限']),
  F('service_address', ['送达地址'], false, true), // §6.3: never read, so never checked
];
const INSPECTOR_FIELDS = [
  F('id', ['执法证号', '执法证件号'], true),
  F('name', ['姓名'], true),
  F('department', ['部门', '所属部门'], true),
  F('region', ['区域代码', '行政区划代码'], true),
  F('active', ['在岗']),
  F('qualifications', ['资质']),
  F('cert_expires', ['证件有效期']),
  F('role', ['角色']),
];
const CONFLICT_FIELDS = [
  F('inspector_id', ['执法证号', '执法证件号'], true),
  F('uscc', USCC_ALIASES, true),
  F('reason', ['回避原因', '原因'], false, true), // never hashed: not checked (§1 step 3)
];
export const ITEM_FIELDS = [
  F('item', ['抽查事项'], true),
  F('code', ['事项编号']),
  F('basis', ['检查依据', '法律依据']),
  F('department', ['实施部门', '部门']),
  F('category', ['事项类别'], true),
  F('method', ['检查方式']),
  F('ceiling', ['抽查比例上限']),
];
export const EXCLUDE_FIELDS = [F('uscc', USCC_ALIASES, true)];
export const HISTORY_FIELDS = [
  F('uscc', USCC_ALIASES, true),
  F('inspector_id', ['执法证号', '执法证件号'], true),
  F('date', ['检查日期'], true),
];

// §1.1 status table: stored value -> accepted spellings (English case-insensitive).
const STATUS_TABLE = {
  '存续': ['存续', '在业', '在营', '开业', 'active'],
  '歇业': ['歇业', 'dormant', 'suspended'],
  '吊销': ['吊销', 'revoked'],
  '注销': ['注销', 'cancelled', 'canceled'],
};
const STATUS_EXACT = new Map(Object.entries(STATUS_TABLE).flatMap(([stored, sp]) => sp.map(x => [x, stored])));
export function canonicalStatus(v) {
  const exact = STATUS_EXACT.get(v);
  if (exact !== undefined) return exact;
  const lv = asciiLower(v);
  for (const [stored, spellings] of Object.entries(STATUS_TABLE)) {
    if (spellings.includes(v) || spellings.includes(lv)) return stored;
  }
  return null;
}

// §1.2 booleans and roles.
function parseBool(v) {
  const lv = asciiLower(v);
  if (['true', 'yes', 'y', '1', '是', '在岗'].includes(lv)) return true;
  if (['false', 'no', 'n', '0', '否', '不在岗', '离岗'].includes(lv)) return false;
  return null;
}
function parseRole(v) {
  const lv = asciiLower(v);
  if (['', 'inspector', '执法人员', '检查人员'].includes(lv)) return 'inspector';
  if (['expert', '专家'].includes(lv)) return 'expert';
  return null;
}
const SET_SEPARATORS = /[;；,，、|]/;
/** §1.2 set values: split, trim, drop empty, sort, de-duplicate. */
export function parseSet(v) {
  return sortedUnique(v.split(SET_SEPARATORS).map(trimCell).filter(x => x !== ''));
}

/** §1.5 dates -> 'YYYY-MM-DD' or null. */
export function parseDate(v) {
  let m, y, mo, d;
  if (v.length === 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45
    && (y = digitsAt(v, 0, 4)) >= 0 && (mo = digitsAt(v, 5, 7)) >= 0 && (d = digitsAt(v, 8, 10)) >= 0) {
    // the stored form YYYY-MM-DD itself (most dates of a large registry): no regular expressions
  } else if ((m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(v))) { y = +m[1]; mo = +m[3]; d = +m[4]; }
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(v))) { y = +m[1]; mo = +m[2]; d = +m[3]; }
  else return null;
  if (y < 1900 || y > 2999) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1]) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The number written by the ASCII digits v[from..to), or -1 when one is not a digit. */
function digitsAt(v, from, to) {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = v.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const SIX_DIGITS = /^[0-9]{6}$/;
export const DATE_ERROR = 'not a valid date (YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYYMMDD, year 1900–2999)';

/** §1.1 USCC normalisation: ASCII letters upper-cased. */
const HAS_ASCII_LOWER = /[a-z]/;
export function normUscc(v) { return HAS_ASCII_LOWER.test(v) ? v.replace(/[a-z]/g, c => c.toUpperCase()) : v; }

/**
 * §1.1 Enterprises, read a row at a time. Returns {list (registry order),
 * table, allUscc, file, column} or null when the header is unusable. Each
 * firm is {uscc, name, credit_class, region, industry, status, line, index}
 * (index: its place in list) — only what the draw reads, so a registry of
 * 10^6 firms stays small; column(c) reads the extra column c again when the
 * plan turns out to filter on it (scope.where), as an array aligned with list.
 */
export function readEnterprises(bytes, file, errors) {
  // First without a Map of 10^6 USCCs (a second of hashing): the valid USCCs
  // are gathered and sorted once (the order the snapshot needs too); only
  // when two are equal is the file read again with the Map, which reports
  // each duplicate where it occurs, so the errors are the same either way.
  const before = errors.length;
  const gathered = new GatheredUscc();
  const ents = readEnterprisesWith(bytes, file, errors, gathered);
  if (!ents) return ents;
  const { order, repeated } = usccOrder(gathered.usccs.length, k => gathered.usccs[k]);
  if (repeated) {
    errors.length = before;
    return readEnterprisesWith(bytes, file, errors, new Map());
  }
  ents.allUscc = new SortedUscc(gathered.usccs, order);
  // every gathered row is in the list (the list's are a subset, in file order): the same order
  if (gathered.usccs.length === ents.list.length) ents.usccOrder = order;
  return ents;
}

/** Stands for the Map of seen USCCs while none repeats: remembers them, finds none. */
class GatheredUscc {
  constructor() { this.usccs = []; }
  has() { return false; }
  get() { return undefined; }
  set(u) { this.usccs.push(u); }
}

/** The registry's valid USCCs, distinct, with their order (usccOrder): has(u) by binary search. */
class SortedUscc {
  constructor(usccs, order) { this.usccs = usccs; this.order = order; }
  has(u) {
    const { usccs, order } = this;
    let lo = 0, hi = order.length;
    while (lo < hi) { // valid USCCs are ASCII: < is code point order, the order of usccOrder
      const mid = (lo + hi) >>> 1;
      if (usccs[order[mid]] < u) lo = mid + 1; else hi = mid;
    }
    return lo < order.length && usccs[order[lo]] === u;
  }
}

/** readEnterprises with `seen` (uscc -> line, for every row with a valid USCC): a Map, or GatheredUscc. */
function readEnterprisesWith(bytes, file, errors, seen) {
  const list = [];
  // a registry has few distinct region and industry codes: one string each
  const codes = new Map();
  const shared = v => { const k = codes.get(v); if (k !== undefined) return k; codes.set(v, v); return v; };
  let t = null, ok = true, row = null;
  let cU, cN, cC, cR, cI, cS, cE, cDF, cDU;
  const bad = (field, msg, value) => { errors.push(errAt(file, t, row, field, msg, value)); ok = false; };
  const onRow = (r, controlChar) => {
    row = r;
    const cells = r.cells;
    if (controlChar) { // already reported: keep its USCC known to later lists
      const u = normUscc(cells[cU]);
      if (!usccProblem(u) && !seen.has(u)) seen.set(u, r.line);
      return;
    }
    ok = true;
    const uscc = normUscc(cells[cU]);
    const why = usccProblem(uscc);
    if (why) bad('uscc', `not a valid unified social credit code: ${why}`);
    const name = cells[cN];
    if (name === '') bad('name', 'name is empty');
    let cls = cells[cC];
    if (cls.length === 1 && cls >= 'a' && cls <= 'd') cls = cls.toUpperCase();
    if (!(cls.length === 1 && cls >= 'A' && cls <= 'D')) bad('credit_class', 'credit class must be one of A B C D');
    const region = cells[cR];
    if (!SIX_DIGITS.test(region)) bad('region', 'region code must be exactly 6 ASCII digits');
    const industry = cells[cI];
    if (industry === '') bad('industry', 'industry code is empty');
    const status = canonicalStatus(cells[cS]);
    if (status === null) bad('status', 'unknown registration status (expected 存续/歇业/吊销/注销 or an accepted alias)');
    // established: validated, but not part of the snapshot (§5)
    if (cE >= 0 && cells[cE] !== '' && parseDate(cells[cE]) === null) bad('established', DATE_ERROR);
    // §6.3: the dormancy term, checked on every row, in the §1.5 stored form
    const term = (c, field) => {
      if (c < 0 || cells[c] === '') return '';
      const d = parseDate(cells[c]);
      if (d === null) bad(field, DATE_ERROR);
      return d || '';
    };
    const dormant_from = term(cDF, 'dormant_from'), dormant_until = term(cDU, 'dormant_until');
    if (!why) {
      const before = seen.get(uscc);
      if (before !== undefined) bad('uscc', `duplicate USCC (also on line ${before})`, uscc);
      else seen.set(uscc, r.line);
    }
    if (ok) list.push({ uscc, name, credit_class: cls, region: shared(region), industry: shared(industry), status, dormant_from, dormant_until, line: r.line, index: list.length });
  };
  t = scanTable(bytes, file, ENTERPRISE_FIELDS, errors, (table) => {
    if (!table.headerOk) return () => {}; // rows: only their cell counts and control characters
    t = table;
    const col = f => t.fieldCol.has(f) ? t.fieldCol.get(f) : -1;
    cU = col('uscc'); cN = col('name'); cC = col('credit_class'); cR = col('region'); cI = col('industry'); cS = col('status'); cE = col('established'); cDF = col('dormant_from'); cDU = col('dormant_until');
    return onRow;
  });
  if (!t || !t.headerOk) return null;
  const column = (c) => {
    const out = new Array(list.length);
    let k = 0;
    t.forEachRow((r) => { if (k < list.length && list[k].line === r.line) out[k++] = r.cells[c]; });
    return out;
  };
  return { list, table: t, allUscc: seen, file, column };
}

/** §1.2 Inspectors. */
export function readInspectors(bytes, file, errors) {
  const t = readTable(bytes, file, INSPECTOR_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const list = [];
  const seen = new Map();
  for (const row of t.rows) {
    if (row.bad) { // a control character (already reported): keep its id known to later lists
      const id = cellOf(t, row, 'id');
      if (id !== '' && !CONTROL_RE.test(id) && !seen.has(id)) seen.set(id, row.line);
      continue;
    }
    let ok = true;
    const bad = (field, msg) => { errors.push(errAt(file, t, row, field, msg)); ok = false; };
    const id = cellOf(t, row, 'id');
    if (id === '') bad('id', 'inspector id (执法证号) is empty');
    const name = cellOf(t, row, 'name');
    if (name === '') bad('name', 'name is empty');
    const department = cellOf(t, row, 'department');
    if (department === '') bad('department', 'department is empty');
    const region = cellOf(t, row, 'region');
    if (!SIX_DIGITS.test(region)) bad('region', 'region code must be exactly 6 ASCII digits');
    let active = true;
    if (t.fieldCol.has('active') && cellOf(t, row, 'active') !== '') {
      active = parseBool(cellOf(t, row, 'active'));
      if (active === null) bad('active', 'not a boolean (true/false, yes/no, y/n, 1/0, 是/否, 在岗/不在岗/离岗)');
    }
    const qualifications = t.fieldCol.has('qualifications') ? parseSet(cellOf(t, row, 'qualifications')) : [];
    let cert = '';
    if (t.fieldCol.has('cert_expires') && cellOf(t, row, 'cert_expires') !== '') {
      cert = parseDate(cellOf(t, row, 'cert_expires'));
      if (cert === null) bad('cert_expires', DATE_ERROR);
    }
    const role = t.fieldCol.has('role') ? parseRole(cellOf(t, row, 'role')) : 'inspector';
    if (role === null) bad('role', 'role must be inspector/执法人员/检查人员 or expert/专家');
    if (id !== '') {
      if (seen.has(id)) bad('id', `duplicate inspector id (also on line ${seen.get(id)})`);
      else seen.set(id, row.line);
    }
    if (ok) list.push({ id, name, department, region, active, role, qualifications, cert_expires: cert });
  }
  return { list, table: t, allIds: seen };
}

/** §1.3 Conflicts. Returns [[inspector_id, uscc], ...] (file order). */
export function readConflicts(bytes, file, errors, ents, insps) {
  const t = readTable(bytes, file, CONFLICT_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const pairs = [];
  const seen = new Map();
  for (const row of t.rows) {
    if (row.bad) continue; // a control character, already reported
    let ok = true;
    const bad = (field, msg, v) => { errors.push(errAt(file, t, row, field, msg, v)); ok = false; };
    const iid = cellOf(t, row, 'inspector_id');
    if (insps && !insps.allIds.has(iid)) bad('inspector_id', 'inspector id is not in the inspector roster');
    const uscc = normUscc(cellOf(t, row, 'uscc'));
    const why = usccProblem(uscc);
    if (why) bad('uscc', `not a valid unified social credit code: ${why}`);
    else if (ents && !ents.allUscc.has(uscc)) bad('uscc', 'USCC is not in the enterprise registry', uscc);
    const key = iid + '\u0000' + uscc;
    if (seen.has(key)) bad('uscc', `pair (${iid}, ${uscc}) is listed twice (also on line ${seen.get(key)})`, uscc);
    else seen.set(key, row.line);
    if (ok) pairs.push([iid, uscc]);
  }
  return pairs;
}
