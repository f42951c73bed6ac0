// web/verify/canonical-json.js — SPEC §4 Canonical JSON: the one encoder used
// for every hashed or compared JSON value.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint } from './order.js';

const JSON_ESCAPES = { '"': '\\"', '\\': '\\\\' };
export const JSON_NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
export function jsonString(s) {
  // §4: only " and \ are escaped. Control characters cannot reach here (§1
  // step 3, §3.2); should one ever, it is written as \u00xx (lowercase hex).
  if (!JSON_NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return '"' + s.replace(/["\\\u0000-\u001f]/g, c => JSON_ESCAPES[c] || '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

/** §4: sorted keys (code point order), no whitespace, integers only. */
export function canonicalJson(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`canonical JSON: non-integer number ${v}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort(cmpCodePoint);
    return '{' + keys.map(k => jsonString(k) + ':' + canonicalJson(v[k])).join(',') + '}';
  }
  throw new Error(`canonical JSON: unsupported value of type ${typeof v}`);
}

/**
 * Whether canonicalJson(a) === canonicalJson(b), told without writing either
 * (two 12 MB strings for a draw of 10^6 firms) — but only for the values
 * JSON.parse makes of canonical input: null, booleans, strings, integers,
 * arrays and objects. True means equal and encodable; false means unequal,
 * or a value of another kind (a fraction, which canonicalJson refuses; a
 * bigint, which it writes like a number): ask canonicalJson then.
 * Equal encodings are equal values: the string escapes are one-to-one, an
 * object's encoding is its keys sorted, each once, and integers are
 * written the same when they are the same number (-0 as 0, as === has it).
 */
export function sameCanonicalJson(a, b) {
  if (a === null || typeof a !== 'object') {
    // (=== has -0 equal to 0, and canonicalJson writes both as 0)
    return a === b && (a === null || typeof a === 'boolean' || typeof a === 'string' || Number.isInteger(a));
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameCanonicalJson(a[i], b[i])) return false;
    return true;
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameCanonicalJson(a[k], b[k])) return false;
  return true;
}

/** An object as JSON.parse makes them (plain, of no class). */
const isJsonObject = v => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** A JSON object (not null, not an array). */
export function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

/** An object with exactly these keys (strict schemas of LOG-FORMAT). */
export function hasExactKeys(o, keys) { return Object.keys(o).length === keys.length && keys.every(k => Object.hasOwn(o, k)); }
