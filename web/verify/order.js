// web/verify/order.js — SPEC "Words": code point order of strings, sorting
// helpers.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { USCC_INDEX } from './uscc.js';

/** Compare strings by Unicode code point (SPEC "Words"): equal to UTF-8 byte order. */
export function cmpCodePoint(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts surrogates (code points >= U+10000) before U+E000..U+FFFF; fix that.
      if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Lexicographic order on arrays of strings (used for [uscc, inspector_id] pairs etc.). */
export function cmpTuple(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpCodePoint(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

const HAS_SURROGATE = /[\uD800-\uDFFF]/;
/**
 * Sort objects by a string key in code point order. When no key contains a
 * surrogate, UTF-16 order equals code point order and the native comparison
 * is used (much faster for 10^6 registry rows).
 */
export function sortByKey(list, key) {
  const keyed = list.map(x => [key(x), x]);
  const fast = !keyed.some(([k]) => HAS_SURROGATE.test(k));
  keyed.sort(fast ? (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) : (a, b) => cmpCodePoint(a[0], b[0]));
  return keyed.map(x => x[1]);
}

/**
 * The order of enterprises by USCC (§5). USCCs are validated (§2): 18 characters of
 * an alphabet listed in ascending code point order, so six base-31 digits of
 * 3 characters each (each < 31^3 = 29791) order them exactly. They are sorted
 * by an LSD radix sort, one pass per 3-character digit from the last: linear,
 * and much faster than comparing 10^6 strings. The sort is stable, so equal
 * USCCs keep their registry order. `codes` holds the USCC of item k (of `n`)
 * as ASCII bytes at codes[18k..18k+18); returns {order: the indices in USCC
 * order}.
 */
const USCC_DIGITS = 6, DIGIT_BASE = 31 ** 3;
export function usccOrder(codes, n) {
  const digits = new Uint16Array(USCC_DIGITS * n); // digit g of item k at g * n + k
  for (let k = 0; k < n; k++) {
    for (let g = 0, j = 18 * k; g < USCC_DIGITS; g++, j += 3) {
      digits[g * n + k] = (USCC_INDEX[codes[j]] * 31 + USCC_INDEX[codes[j + 1]]) * 31 + USCC_INDEX[codes[j + 2]];
    }
  }
  let order = new Uint32Array(n), spare = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const start = new Uint32Array(DIGIT_BASE);
  for (let g = USCC_DIGITS - 1; g >= 0; g--) {
    const digit = digits.subarray(g * n, g * n + n);
    start.fill(0);
    for (let k = 0; k < n; k++) start[digit[k]]++;
    let sum = 0;
    for (let d = 0; d < DIGIT_BASE; d++) { const c = start[d]; start[d] = sum; sum += c; }
    for (let k = 0; k < n; k++) { const x = order[k]; spare[start[digit[x]]++] = x; }
    [order, spare] = [spare, order];
  }
  return { order };
}

function sortedStrings(xs) { return [...xs].sort(cmpCodePoint); }
export function sortedUnique(xs) {
  const s = sortedStrings(xs);
  return s.filter((x, i) => i === 0 || x !== s[i - 1]);
}
