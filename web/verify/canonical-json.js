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

/** A JSON object (not null, not an array). */
export function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

/** An object with exactly these keys (strict schemas of LOG-FORMAT). */
export function hasExactKeys(o, keys) { return Object.keys(o).length === keys.length && keys.every(k => Object.hasOwn(o, k)); }
