// web/verify/ranges.js — SPEC §6.2 Range filters and the [strata] table of
// §6.1: plan reading, the exact decimal comparison (strings only, never a
// float) and the normalisation of a ranged column's registry values.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint } from './order.js';
import { parseDate, trimCell } from './tables.js';

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/; // §6.2: ASCII digits, optional fraction
const REGION_DIGITS = [2n, 4n, 6n]; // §3.2 strata.region_digits

/** The integer part without leading zeros (one digit kept) and the fraction without trailing zeros. */
function decimalParts(text) {
  const dot = text.indexOf('.');
  const whole = (dot < 0 ? text : text.slice(0, dot)).replace(/^0+/, '') || '0';
  const frac = dot < 0 ? '' : text.slice(dot + 1).replace(/0+$/, '');
  return [whole, frac];
}

export function canonicalDecimal(text) {
  const [whole, frac] = decimalParts(text);
  return frac ? `${whole}.${frac}` : whole;
}

const cmpStr = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** §6.2: decimals by value: integer parts by length then digits, then fractions digit by digit. */
export function compareDecimals(a, b) {
  const [ai, af] = decimalParts(a);
  const [bi, bf] = decimalParts(b);
  return ai.length - bi.length || cmpStr(ai, bi) || cmpStr(af, bf);
}

/** §6.2: {kind: 'number'|'date', bound} or null. */
export function parseBound(text) {
  if (DECIMAL.test(text)) return { kind: 'number', bound: canonicalDecimal(text) };
  const d = parseDate(text);
  return d === null ? null : { kind: 'date', bound: d };
}

/** The kind of a canonical [column, min, max]: a date bound has a '-'. */
export function rangeKind(range) {
  const b = range[1] !== null ? range[1] : range[2];
  return b.includes('-') ? 'date' : 'number';
}

/** §6.2: a registry value as the leaf holds it ('' stays ''), or null when not of the kind. */
export function normalizeValue(kind, value) {
  if (value === '') return '';
  if (kind === 'date') return parseDate(value);
  return DECIMAL.test(value) ? value : null;
}

/** §6.2: inclusive bounds; an empty value is outside every range. */
export function inRange(range, value) {
  if (value === '') return false;
  const cmp = rangeKind(range) === 'date' ? cmpStr : compareDecimals;
  const [, lo, hi] = range;
  return (lo === null || cmp(lo, value) <= 0) && (hi === null || cmp(value, hi) <= 0);
}

/**
 * §6.2: the canonical scope.range list from [scope.range]. `fieldOf(col)`
 * gives the §1.1 field a column names (or undefined); `whereCols` the
 * (canonical) where columns; `err(table, key, message, value)` reports.
 */
export function readRanges(rt, fieldOf, whereCols, err) {
  const out = [];
  for (const k of Object.keys(rt)) {
    let col = trimCell(k);
    const label = `scope.range.${col}`;
    if (col === '') { err(rt, k, 'scope.range: a range needs a column name', k); continue; }
    const f = fieldOf(col);
    if (f === 'established') col = 'established';
    else if (f !== undefined) { err(rt, k, `${label}: ranges apply to 成立日期 (established) and extra columns; filter codes with scope.regions or scope.industries`, k); continue; }
    if (whereCols.includes(col) || out.some(r => r[0] === col)) { err(rt, k, `${label}: a column may be named once, in scope.where or in scope.range`, k); continue; }
    const b = rt[k];
    if (b === null || typeof b !== 'object' || Array.isArray(b)) { err(rt, k, `${label} must be a table such as { min = "2024-01-01" }`, b); continue; }
    const extra = Object.keys(b).filter(x => x !== 'min' && x !== 'max');
    if (extra.length) { err(rt, k, `${label}: unknown key ${extra.join(', ')}`, k); continue; }
    const parsed = {};
    let ok = true;
    for (const name of ['min', 'max']) {
      if (!(name in b)) { parsed[name] = null; continue; }
      const p = typeof b[name] === 'string' ? parseBound(trimCell(b[name])) : null;
      if (p === null) { ok = false; err(rt, k, `${label}.${name} is neither a number (digits, optionally with a decimal fraction) nor a date such as 2024-01-01 (a bound is a string)`, b[name]); }
      parsed[name] = p;
    }
    if (!ok) continue;
    const { min: lo, max: hi } = parsed;
    if (lo === null && hi === null) { err(rt, k, `${label}: a range needs min, max or both`, k); continue; }
    if (lo !== null && hi !== null && lo.kind !== hi.kind) { err(rt, k, `${label}: min and max must both be dates or both be numbers`, k); continue; }
    if (col === 'established' && (lo || hi).kind !== 'date') { err(rt, k, `${label}: 成立日期 (established) holds dates: its bounds are dates such as 2024-01-01`, k); continue; }
    const range = [col, lo && lo.bound, hi && hi.bound];
    if (lo !== null && hi !== null && !inRange(range, lo.bound)) { err(rt, k, `${label}.max ${hi.bound} is below min = ${lo.bound}`, k); continue; }
    out.push(range);
  }
  return out.sort((a, b) => cmpCodePoint(a[0], b[0]));
}

/** §6.1: the canonical strata object from [strata], or null (+ error). */
export function readStrata(st, parseRatio, err) {
  for (const k of Object.keys(st)) if (k !== 'region_digits' && k !== 'floor') err(st, k, `unknown key strata.${k}`);
  const d = st.region_digits;
  if (typeof d !== 'bigint' || !REGION_DIGITS.includes(d)) { err(st, 'region_digits', 'strata.region_digits must be 2, 4 or 6 (province, city, county)', d); return null; }
  const r = parseRatio('floor' in st ? st.floor : '0');
  if (r.error) { err(st, 'floor', `strata.floor ${r.error}`, st.floor); return null; }
  return { region_digits: Number(d), floor: r.text };
}
