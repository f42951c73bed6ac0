// web/verify/tables.js — SPEC §1 Reading tabular files: header aliases, the
// rows of a table, the inspector roster and recusal list (the enterprise
// registry is read in ./registry.js; decoding and CSV are in ./csv.js).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { CsvRecords, hasControl, recodeTable, tableBytes } from './csv.js';
import { sortedUnique } from './order.js';
import { usccProblem } from './uscc.js';

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

export function asciiLower(s) { return s.replace(/[A-Z]/g, c => c.toLowerCase()); }

/** §1 step 4: does header text `h` name field `f` = {name, aliases}? */
export function headerMatches(h, f) {
  return asciiLower(h) === f.name || f.aliases.includes(h);
}

/**
 * §1 steps 1–5 for one file, a record at a time: decoding, header mapping,
 * trimming, control characters, cell counts. Once the header is read,
 * `rowReader(table)` gives the function `onRow(rec, bad)` that is called
 * for each record with as many cells as the header: `rec` is the
 * CsvRecords reader (./csv.js) standing on it — line, trimmed cells as byte
 * ranges, cell(c) their text — valid only during the call; bad = a control
 * character, already reported. Returns the table {header, headerLine,
 * fieldCol, extras, headerOk, forEachRow} or null for an empty file;
 * forEachRow(fn, cols) reads the rows again (for columns found to be
 * needed later, e.g. by scope.where), without reporting anything:
 * fn({line, cells}) with the text of the columns `cols` in cells (the
 * others left undefined). Errors go to `errors`.
 *
 * The file is read as UTF-8, and checked as it is read. When it turns out
 * not to be, what was read of it counts for nothing (its errors are taken
 * back, and rowReader is called again, for a fresh start) and it is read
 * again, decoded as GB18030 (§1 step 1).
 */
export function scanTable(input, file, fields, errors, rowReader) {
  const { bytes, from, bom } = tableBytes(input, file);
  const before = errors.length;
  const table = scanBytes(bytes, from, file, fields, errors, rowReader);
  if (table !== NOT_UTF8) return table;
  errors.length = before;
  return scanBytes(recodeTable(bytes, bom, file), 0, file, fields, errors, rowReader);
}

const NOT_UTF8 = Symbol('not UTF-8');

/** scanTable on bytes[from..] read as UTF-8; NOT_UTF8 when they are not. */
function scanBytes(bytes, from, file, fields, errors, rowReader) {
  const records = new CsvRecords(bytes, file, errors, from);
  if (!records.next()) {
    if (records.invalidAt >= 0) return NOT_UTF8;
    errors.push({ file, line: 1, message: 'the file is empty (no header row)' });
    return null;
  }
  const headLine = records.recLine;
  const header = Array.from({ length: records.count }, (_, c) => records.cell(c));
  const fieldCol = new Map();
  const extras = new Map();
  let headerOk = true;
  header.forEach((h, c) => {
    const f = fields.find(fd => headerMatches(h, fd));
    if (f) {
      if (fieldCol.has(f.name)) {
        errors.push({ file, line: headLine, column: c + 1, value: h, message: `column maps to field "${f.name}", which column ${fieldCol.get(f.name) + 1} (${header[fieldCol.get(f.name)]}) already provides` });
        headerOk = false;
      } else fieldCol.set(f.name, c);
    } else if (h === '') {
      // empty header cells (e.g. a trailing comma) name no column; they are ignored
    } else if (extras.has(h)) {
      errors.push({ file, line: headLine, column: c + 1, value: h, message: `duplicate column header (also column ${extras.get(h) + 1})` });
      headerOk = false;
    } else extras.set(h, c);
  });
  for (const f of fields) {
    if (f.required && !fieldCol.has(f.name)) {
      const names = [f.name, ...f.aliases].join(' / ');
      errors.push({ file, line: headLine, message: `missing required column ${names}` });
      headerOk = false;
    }
  }
  const readCols = fields.filter(f => !f.unread && fieldCol.has(f.name)).map(f => fieldCol.get(f.name)).sort((a, b) => a - b);
  const bodyFrom = records.i, bodyLine = records.line;
  const table = { header, headerLine: headLine, fieldCol, extras, headerOk, forEachRow: null };
  const onRow = rowReader(table);
  const width = header.length;
  while (records.next()) {
    if (records.count !== width) {
      errors.push({ file, line: records.recLine, message: `record has ${records.count} cell${records.count === 1 ? '' : 's'}, the header has ${width}` });
      continue;
    }
    // a cell can hold a control character only when its record does: the
    // per-cell checks (10^6 rows × the read columns) are for those records
    if (!records.control && !records.quotedBreak) { onRow(records, false); continue; }
    // §1 step 3: only values the draw reads are checked (the mapped fields;
    // extra columns the plan filters on are checked by checkColumns later)
    let ok = true;
    for (const c of readCols) {
      if (hasControl(records.bytes, records.start[c], records.end[c])) {
        errors.push({ file, line: records.recLine, column: c + 1, header: header[c], value: records.cell(c), message: 'value contains a control character' });
        ok = false;
      }
    }
    onRow(records, !ok);
  }
  if (records.invalidAt >= 0) return NOT_UTF8;
  table.forEachRow = (fn, cols) => {
    const again = new CsvRecords(bytes, file, null, bodyFrom, bodyLine);
    while (again.next()) {
      if (again.count !== width) continue;
      const cells = new Array(width);
      for (const c of cols) cells[c] = again.cell(c);
      fn({ line: again.recLine, cells });
    }
  };
  return table;
}

/**
 * scanTable keeping every row: {header, headerLine, fieldCol, extras, rows,
 * headerOk, forEachRow} where rows = [{line, cells, bad}], cells the text of
 * every cell. For the small tables (roster, recusal list, plan files).
 */
export function readTable(bytes, file, fields, errors) {
  let rows;
  const t = scanTable(bytes, file, fields, errors, () => {
    rows = [];
    return (rec, bad) => rows.push({ line: rec.recLine, cells: Array.from({ length: rec.count }, (_, c) => rec.cell(c)), bad });
  });
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
  }, cols);
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
export const STATUS_VALUES = Object.keys(STATUS_TABLE);
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
  if (!dateExists(y, mo, d)) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** §1.5: year 1900–2999, and a day of the Gregorian calendar. */
export function dateExists(y, mo, d) {
  if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]);
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
    else if (ents && !ents.has(uscc)) bad('uscc', 'USCC is not in the enterprise registry', uscc);
    const key = iid + '\u0000' + uscc;
    if (seen.has(key)) bad('uscc', `pair (${iid}, ${uscc}) is listed twice (also on line ${seen.get(key)})`, uscc);
    else seen.set(key, row.line);
    if (ok) pairs.push([iid, uscc]);
  }
  return pairs;
}
