// verify.js — independent verifier for fairdraw draws (algorithm `fairdraw-v1`).
//
// Written from audit/SPEC.md alone. An ES module without dependencies (only the
// sibling ./toml.js); it runs in browsers and in node >= 18 (node modules are
// loaded only under node, with dynamic import). Decoding uses TextDecoder
// (UTF-8 and GB18030, both fatal). One-off hashes (seed, plan digest, random
// stream key) use WebCrypto (globalThis.crypto.subtle); the per-row hashes
// (tickets, Merkle leaves and nodes — millions for a large registry) use the
// synchronous SHA-256 in this file, once it has been checked against WebCrypto
// (if they ever disagreed, WebCrypto would be used for everything).
//
// ── Library API (stable; used by the web page) ────────────────────────────────
//
//   computeDraw({enterprises, inspectors, conflicts, plan, planFiles, seed, names})
//       -> Promise<draw document>  (SPEC §9, keys in the order given there)
//     enterprises, inspectors, conflicts : Uint8Array file contents
//                                          (conflicts optional: absent = empty list)
//     plan      : plan TOML, string or Uint8Array (UTF-8)
//     planFiles : files the plan names (items_file, exclude_file, history_file),
//                 by the relative name written in the plan. Either a function
//                 name -> Uint8Array (may be async; return null/undefined when
//                 missing), a Map, or a plain object.
//     seed      : the seed string
//     names     : optional labels for error messages,
//                 {enterprises, inspectors, conflicts, plan} (default: those words)
//
//   verifyDraw(draw, inputs)
//       -> Promise<{status: 'verified'|'mismatch', differences, summary, computed}>
//     draw   : the published document (object, JSON string or UTF-8 bytes);
//              its `seed` is used to recompute.
//     inputs : as for computeDraw, without `seed`.
//     differences: [{path, expected, actual}] — expected = recomputed value,
//              actual = value in `draw` (undefined when missing on that side).
//
//   compareDocuments(expected, actual) -> [{path, expected, actual}]
//     value-by-value comparison; paths like `strata[3].selected[2]`,
//     `snapshots.enterprises.root`, `plan.scope.where[0][1]`.
//
//   Errors: computeDraw/verifyDraw reject with a FairdrawError (an Error with
//   `.code = 2`) on bad input. `.errors` is a list of
//   {file, line, column, header, value, message} (fields absent when not
//   applicable); `.message` is a human-readable summary naming file, line,
//   column and value. For an infeasible assignment (§8.5) `.kind` is
//   'no-valid-assignment' and the message starts with "no valid assignment:".
//
//   Also exported (for tests and the page): canonicalJson, merkleRoot, ticket,
//   seedHash, RandomStream, parseRatio, usccValid, FairdrawError,
//   formatDifference, SPEC_ALGORITHM, sha256Sync(bytes) (synchronous SHA-256),
//   and for tests only: ticketFromDigest, ticketFromDigestBig, ticketKey,
//   testHooks ({crossCheckAssignment: true} re-checks every §8.4 pick
//   against a plain scan of the roster).
//
// ── Node CLI ───────────────────────────────────────────────────────────────────
//
//   node web/verify.js DRAW.json --enterprises E.csv --inspectors I.csv
//                      [--conflicts C.csv] --plan P.toml
//       exit 0 "VERIFIED: ..." | exit 1 "MISMATCH" + one line per difference
//   node web/verify.js --emit --enterprises E.csv --inspectors I.csv
//                      [--conflicts C.csv] --plan P.toml (--seed S | --seed-file F)
//       prints the computed document (JSON, 2-space indent)
//   Bad input: "error: ..." lines on stderr, exit 2.
//
// ── Interpretation notes (where SPEC.md is silent or ambiguous) ──────────────
//   * CSV (§1): CR, LF and CRLF each end a line, also for line numbers;
//     `"ab"c` reads as `abc` and `ab"c` as `ab"c`; header cells are not
//     checked for control characters; empty header cells are ignored. Values
//     checked for control characters: every mapped field except the
//     conflicts' `reason` (never hashed or published, like the reference), and
//     the extra columns named by scope.where (all rows). Unused columns and
//     the exclusion list's other columns are not checked.
//   * uscc columns accept the §1.1 aliases in every list (exclude, history,
//     conflicts); history USCCs are normalised and checked like §1.1.
//   * The items file is read only when `items` is non-empty, the history file
//     only when rotation = true (rotation without history_file: history []).
//     Item `method` values are free text.
//   * Plan strings (§3): name, department, inspection_date, items, exclude,
//     statuses, regions, industries, where columns and values, departments,
//     qualifications are trimmed; file paths and team.region are not.
//     `items` listing a name twice (after trimming) is an error.
//   * scope.where: a column empty or repeated after trimming, or naming
//     established/成立日期, is an error; two columns naming the same §1.1
//     field by different spellings (e.g. "region" and "区域代码") are allowed.
//     Columns naming a §1.1 field (by name, case-insensitive, or Chinese
//     alias) use the normalised field value.
//   * scope.regions: 1–6 ASCII digits; industries: any string.
//   * team.departments must be non-empty strings, listed once.
//   * inspection_date: a string with any §1.5 date (or "") or a TOML local
//     date, years 1900–2999; stored as YYYY-MM-DD. Other TOML types (an
//     integer such as 20260301) are refused.
//   * max_draws_per_year: a TOML integer (§3.2 range), or absent (null); only recorded.

import { parseToml, TomlError, TomlDate, isTable, keyLine } from './toml.js';

export const SPEC_ALGORITHM = 'fairdraw-v1';
const CLASSES = ['A', 'B', 'C', 'D'];
const MAX_LISTED_ERRORS = 50;

// ═════════════════════════════════════════════════════════════════════════════
// Errors
// ═════════════════════════════════════════════════════════════════════════════

export class FairdrawError extends Error {
  constructor(message, errors = [], kind = 'bad-input') {
    super(message);
    this.name = 'FairdrawError';
    this.code = 2;
    this.errors = errors;
    this.kind = kind;
  }
}

function fmtValue(v) {
  return JSON.stringify(v).replace(/\u007f/g, '\\u007f');
}

/** One error record -> one line of text: "file, line L, column C (header), value "v": message". */
export function formatError(e) {
  let s = e.file || 'input';
  if (e.line !== undefined) s += `, line ${e.line}`;
  if (e.byte !== undefined) s += `, byte ${e.byte}`;
  if (e.column !== undefined) s += `, column ${e.column}${e.header !== undefined ? ` (${e.header})` : ''}`;
  else if (e.header !== undefined) s += `, column ${e.header}`;
  if (e.value !== undefined) s += `, value ${fmtValue(e.value)}`;
  return `${s}: ${e.message}`;
}

function throwErrors(errors) {
  // group by file (first appearance), then by line; stable otherwise
  const fileRank = new Map();
  errors.forEach(e => { if (!fileRank.has(e.file)) fileRank.set(e.file, fileRank.size); });
  errors = errors.map((e, k) => [e, k]).sort((a, b) =>
    (fileRank.get(a[0].file) - fileRank.get(b[0].file)) || ((a[0].line ?? 0) - (b[0].line ?? 0)) || (a[1] - b[1])).map(x => x[0]);
  const lines = errors.slice(0, MAX_LISTED_ERRORS).map(formatError);
  if (errors.length > MAX_LISTED_ERRORS) lines.push(`… and ${errors.length - MAX_LISTED_ERRORS} more (${errors.length} errors in total)`);
  const files = [...new Set(errors.map(e => e.file))].join(', ');
  throw new FairdrawError(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${files}:\n` + lines.join('\n'), errors);
}

// ═════════════════════════════════════════════════════════════════════════════
// Preliminaries: code point order, UTF-8, SHA-256 (WebCrypto), hex
// ═════════════════════════════════════════════════════════════════════════════

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
function cmpTuple(a, b) {
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
function sortByKey(list, key) {
  const keyed = list.map(x => [key(x), x]);
  const fast = !keyed.some(([k]) => HAS_SURROGATE.test(k));
  keyed.sort(fast ? (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) : (a, b) => cmpCodePoint(a[0], b[0]));
  return keyed.map(x => x[1]);
}

/**
 * Sort enterprises by USCC (§5). USCCs are validated (§2): 18 characters of
 * an alphabet listed in ascending code point order, so two base-31 numbers of
 * 9 characters each order them exactly — much faster than comparing 10^6
 * strings (V8 compares strings sliced from a large two-byte text slowly).
 */
function sortByUscc(list) {
  const n = list.length;
  const hi = new Float64Array(n), lo = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = list[k].uscc;
    let a = 0, b = 0;
    for (let j = 0; j < 9; j++) a = a * 31 + USCC_INDEX[u.charCodeAt(j)];
    for (let j = 9; j < 18; j++) b = b * 31 + USCC_INDEX[u.charCodeAt(j)];
    hi[k] = a; lo[k] = b;
  }
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  order.sort((x, y) => (hi[x] - hi[y]) || (lo[x] - lo[y]) || cmpCodePoint(list[x].uscc, list[y].uscc));
  return Array.from(order, k => list[k]);
}

function sortedStrings(xs) { return [...xs].sort(cmpCodePoint); }
function sortedUnique(xs) {
  const s = sortedStrings(xs);
  return s.filter((x, i) => i === 0 || x !== s[i - 1]);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8Encoder = new TextEncoder();
function utf8(s) { return utf8Encoder.encode(s); }

let subtleFound = null; // a Promise<SubtleCrypto>, looked up once
/**
 * WebCrypto's SubtleCrypto: globalThis.crypto in browsers and node >= 20;
 * node 18 (Debian 12) has no global `crypto` unless flagged, but exports the
 * same object as `webcrypto` from node:crypto, imported only under node.
 */
function subtle() {
  if (!subtleFound) {
    subtleFound = (async () => {
      if (globalThis.crypto?.subtle) return globalThis.crypto.subtle;
      if (typeof process === 'object' && process?.versions?.node) {
        const { webcrypto } = await import('node:crypto');
        if (webcrypto?.subtle) return webcrypto.subtle;
      }
      throw new FairdrawError('WebCrypto (crypto.subtle) is not available in this environment', [], 'environment');
    })();
  }
  return subtleFound;
}

async function sha256(bytes) {
  return new Uint8Array(await (await subtle()).digest('SHA-256', bytes));
}

/**
 * SHA-256 of `count` inputs made by `input(i)`, run concurrently in batches
 * (WebCrypto digests are asynchronous); `output(i, digestBytes)` receives each
 * result. Inputs are created per batch so that large registries do not keep
 * millions of buffers alive.
 */
async function sha256Each(count, input, output, batch = 512) {
  const sub = subtle();
  for (let i = 0; i < count; i += batch) {
    const end = Math.min(count, i + batch);
    const ps = [];
    for (let j = i; j < end; j++) ps.push(sub.digest('SHA-256', input(j)));
    const rs = await Promise.all(ps);
    for (let j = i; j < end; j++) output(j, new Uint8Array(rs[j - i]));
  }
}

/** SHA-256 of many inputs -> array of digests. */
async function sha256Many(inputs) {
  const out = new Array(inputs.length);
  await sha256Each(inputs.length, i => inputs[i], (i, d) => { out[i] = d; });
  return out;
}

// ── SHA-256 in plain JavaScript (FIPS 180-4), synchronous ─────────────────────
// WebCrypto's digest() is asynchronous and costs a few microseconds per call,
// which dominates for the millions of short per-row hashes (tickets, Merkle
// leaves and nodes). The per-row hashing therefore uses this implementation,
// after checking once against WebCrypto that both agree (fastHashing());
// one-off hashes (seed, plan digest, random stream) still use WebCrypto.

const SHA_K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2);
const SHA_IV = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const shaW = new Int32Array(64);
const shaH = new Int32Array(8);
const shaTail = new Uint8Array(128);

/** One compression of the 64-byte block bytes[off..off+64) into shaH. */
function shaBlock(bytes, off) {
  const W = shaW, H = shaH, K = SHA_K;
  for (let t = 0; t < 16; t++, off += 4) {
    W[t] = (bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15], y = W[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
}

/**
 * SHA-256 of bytes[0..len) (len defaults to bytes.length), written to
 * out[outOff..outOff+32); returns out. Synchronous.
 */
export function sha256Sync(bytes, out = new Uint8Array(32), outOff = 0, len = bytes.length) {
  shaH.set(SHA_IV);
  const full = len - (len % 64);
  for (let off = 0; off < full; off += 64) shaBlock(bytes, off);
  const rem = len - full;
  const tail = shaTail;
  for (let k = 0; k < rem; k++) tail[k] = bytes[full + k];
  tail[rem] = 0x80;
  const end = rem < 56 ? 64 : 128;
  tail.fill(0, rem + 1, end - 8);
  const hi = Math.floor(len / 0x20000000); // bit length = len * 8, as a 64-bit big-endian number
  const lo = (len * 8) >>> 0;
  tail[end - 8] = hi >>> 24; tail[end - 7] = hi >>> 16; tail[end - 6] = hi >>> 8; tail[end - 5] = hi;
  tail[end - 4] = lo >>> 24; tail[end - 3] = lo >>> 16; tail[end - 2] = lo >>> 8; tail[end - 1] = lo;
  shaBlock(tail, 0);
  if (end === 128) shaBlock(tail, 64);
  for (let k = 0; k < 8; k++) {
    const v = shaH[k];
    out[outOff++] = v >>> 24; out[outOff++] = v >>> 16; out[outOff++] = v >>> 8; out[outOff++] = v;
  }
  return out;
}

let fastHashState = null; // null: not checked yet; else a Promise<boolean>
/**
 * true when sha256Sync agrees with WebCrypto on a set of inputs covering every
 * padding case (checked once). If it ever did not, the per-row hashing falls
 * back to WebCrypto, which is slower but needs no trust in this file's SHA-256.
 */
function fastHashing() {
  if (!fastHashState) {
    fastHashState = (async () => {
      const sub = await subtle();
      let seed = 0x9e3779b9;
      const rnd = () => { seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0; return seed >>> 24; };
      for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 82, 119, 120, 127, 128, 129, 200, 1000]) {
        const m = Uint8Array.from({ length: n }, rnd);
        const want = new Uint8Array(await sub.digest('SHA-256', m));
        const got = sha256Sync(m);
        for (let k = 0; k < 32; k++) if (want[k] !== got[k]) return false;
      }
      return true;
    })();
  }
  return fastHashState;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function concatBytes(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// ═════════════════════════════════════════════════════════════════════════════
// §1 Reading tabular files
// ═════════════════════════════════════════════════════════════════════════════

/** §1 step 1: decode bytes (UTF-8 BOM → UTF-8; valid UTF-8 → UTF-8; else GB18030, fatal). */
function decodeTable(bytes, file) {
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
function firstInvalidByte(bytes, encoding) {
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

function byteSample(bytes, at) {
  return Array.from(bytes.subarray(at, at + 4), b => b.toString(16).padStart(2, '0')).join(' ');
}

function asBytes(x, file) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return utf8(x);
  throw new FairdrawError(`${file}: expected file contents (Uint8Array), got ${x === null ? 'null' : typeof x}`);
}

/**
 * §1 step 2: split RFC 4180 records. Returns [{line, cells}] with 1-based
 * physical start lines (CR, LF and CRLF each end a line); completely empty
 * lines are skipped.
 * Record ends: LF, CRLF, and — like common CSV readers and the reference — a
 * lone CR. Malformed quoting is read leniently like common CSV readers:
 * `"ab"c` -> `abc`, `ab"c` -> `ab"c`.
 */
function splitCsv(text, file, errors) {
  const records = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const recLine = line;
    const cells = [];
    let sawSomething = false;
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
          if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
          i++;
        }
        if (!closed) {
          errors.push({ file, line: qLine, column: cells.length + 1, message: 'unterminated quoted field (missing closing ")' });
          return records;
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
    if (sawSomething) records.push({ line: recLine, cells });
  }
  return records;
}

const TRIM_RE = /^[ \t\u3000\uFEFF]+|[ \t\u3000\uFEFF]+$/g;
/** §1 step 3: trim SPACE, TAB, IDEOGRAPHIC SPACE, BOM. */
function trimCell(s) {
  const n = s.length;
  if (n === 0) return s;
  const a = s.charCodeAt(0), b = s.charCodeAt(n - 1);
  if (!isTrimChar(a) && !isTrimChar(b)) return s;
  return s.replace(TRIM_RE, '');
}
function isTrimChar(c) { return c === 32 || c === 9 || c === 0x3000 || c === 0xfeff; }
const CONTROL_RE = /[\u0000-\u001F\u007F]/;

function asciiLower(s) { return s.replace(/[A-Z]/g, c => c.toLowerCase()); }

/** §1 step 4: does header text `h` name field `f` = {name, aliases}? */
function headerMatches(h, f) {
  return asciiLower(h) === f.name || f.aliases.includes(h);
}

/**
 * §1 steps 2–5 for one file: records, header mapping, trimming, control
 * characters, cell counts. Returns {header, headerLine, fieldCol, extras, rows}
 * where rows = [{line, cells}] with trimmed cells. Errors go to `errors`.
 */
function readTable(bytes, file, fields, errors) {
  const text = decodeTable(bytes, file);
  const records = splitCsv(text, file, errors);
  if (records.length === 0) {
    errors.push({ file, line: 1, message: 'the file is empty (no header row)' });
    return null;
  }
  const head = records[0];
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
  const rows = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    if (rec.cells.length !== header.length) {
      errors.push({ file, line: rec.line, message: `record has ${rec.cells.length} cell${rec.cells.length === 1 ? '' : 's'}, the header has ${header.length}` });
      continue;
    }
    const cells = rec.cells;
    for (let c = 0; c < cells.length; c++) cells[c] = trimCell(cells[c]);
    let ok = true;
    // §1 step 3: only values the draw reads are checked (the mapped fields;
    // extra columns the plan filters on are checked by checkColumns later)
    for (const c of readCols) {
      if (CONTROL_RE.test(cells[c])) {
        errors.push({ file, line: rec.line, column: c + 1, header: header[c], value: cells[c], message: 'value contains a control character' });
        ok = false;
      }
    }
    rec.bad = !ok; // bad rows: already reported
    rows.push(rec);
  }
  return { header, headerLine: head.line, fieldCol, extras, rows, headerOk };
}

/** §1 step 3 for extra columns that turn out to be read (scope.where): control characters. */
function checkColumns(table, cols, file, errors) {
  for (const c of cols) {
    for (const row of table.rows) {
      if (CONTROL_RE.test(row.cells[c])) {
        errors.push({ file, line: row.line, column: c + 1, header: table.header[c], value: row.cells[c], message: 'value contains a control character (the plan\'s scope.where reads this column)' });
      }
    }
  }
}

/** Helper to address one field of a row for values and error records. */
function cellOf(table, row, field) {
  const c = table.fieldCol.get(field);
  return c === undefined ? '' : row.cells[c];
}
function errAt(file, table, row, field, message, value) {
  const c = table.fieldCol.get(field);
  return { file, line: row.line, column: c === undefined ? undefined : c + 1, header: c === undefined ? undefined : table.header[c], value: value !== undefined ? value : (c === undefined ? undefined : row.cells[c]), message };
}

// Field definitions (§1.1–§1.4). `name` is the English name (case-insensitive).
const F = (name, aliases, required = false, unread = false) => ({ name, aliases, required, unread });
const USCC_ALIASES = ['统一社会信用代码', '信用代码'];
const ENTERPRISE_FIELDS = [
  F('uscc', USCC_ALIASES, true),
  F('name', ['企业名称', '名称'], true),
  F('credit_class', ['信用风险分类', '风险分类', '信用分类'], true),
  F('region', ['区域代码', '行政区划代码'], true),
  F('industry', ['行业代码'], true),
  F('status', ['登记状态', '经营状态'], true),
  F('established', ['成立日期']),
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
const ITEM_FIELDS = [
  F('item', ['抽查事项'], true),
  F('code', ['事项编号']),
  F('basis', ['检查依据', '法律依据']),
  F('department', ['实施部门', '部门']),
  F('category', ['事项类别'], true),
  F('method', ['检查方式']),
  F('ceiling', ['抽查比例上限']),
];
const EXCLUDE_FIELDS = [F('uscc', USCC_ALIASES, true)];
const HISTORY_FIELDS = [
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
function canonicalStatus(v) {
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
function parseSet(v) {
  return sortedUnique(v.split(SET_SEPARATORS).map(trimCell).filter(x => x !== ''));
}

/** §1.5 dates -> 'YYYY-MM-DD' or null. */
export function parseDate(v) {
  let m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(v);
  let y, mo, d;
  if (m) { y = +m[1]; mo = +m[3]; d = +m[4]; }
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(v))) { y = +m[1]; mo = +m[2]; d = +m[3]; }
  else return null;
  if (y < 1900 || y > 2999) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1]) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const SIX_DIGITS = /^[0-9]{6}$/;
const DATE_ERROR = 'not a valid date (YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYYMMDD, year 1900–2999)';

/** §1.1 USCC normalisation: ASCII letters upper-cased. */
const HAS_ASCII_LOWER = /[a-z]/;
function normUscc(v) { return HAS_ASCII_LOWER.test(v) ? v.replace(/[a-z]/g, c => c.toUpperCase()) : v; }

/** §1.1 Enterprises. Returns {list (registry order), table, allUscc, file}. */
function readEnterprises(bytes, file, errors) {
  const t = readTable(bytes, file, ENTERPRISE_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const list = [];
  const seen = new Map(); // uscc -> line, for every row with a valid USCC
  const col = f => t.fieldCol.has(f) ? t.fieldCol.get(f) : -1;
  const cU = col('uscc'), cN = col('name'), cC = col('credit_class'), cR = col('region'), cI = col('industry'), cS = col('status'), cE = col('established');
  let row = null, ok = true; // the row being read; bad() reports one of its fields
  const bad = (field, msg, value) => { errors.push(errAt(file, t, row, field, msg, value)); ok = false; };
  for (row of t.rows) {
    const cells = row.cells;
    if (row.bad) { // a control character (already reported): keep its USCC known to later lists
      const u = normUscc(cells[cU]);
      if (!usccProblem(u) && !seen.has(u)) seen.set(u, row.line);
      continue;
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
    if (!why) {
      const before = seen.get(uscc);
      if (before !== undefined) bad('uscc', `duplicate USCC (also on line ${before})`, uscc);
      else seen.set(uscc, row.line);
    }
    if (ok) list.push({ uscc, name, credit_class: cls, region, industry, status, row });
  }
  return { list, table: t, allUscc: seen, file };
}


/** §1.2 Inspectors. */
function readInspectors(bytes, file, errors) {
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
function readConflicts(bytes, file, errors, ents, insps) {
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

// ═════════════════════════════════════════════════════════════════════════════
// §2 USCC check (GB 32100-2015)
// ═════════════════════════════════════════════════════════════════════════════

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const USCC_INDEX = new Int32Array(128).fill(-1); // character code -> index in USCC_ALPHABET, or -1
for (let k = 0; k < USCC_ALPHABET.length; k++) USCC_INDEX[USCC_ALPHABET.charCodeAt(k)] = k;

/** null when `u` is a valid USCC, else the reason. */
function usccProblem(u) {
  if (u.length !== 18) return `must be 18 characters, has ${[...u].length}`;
  let sum = 0;
  for (let k = 0; k < 18; k++) {
    const c = u.charCodeAt(k);
    const v = c < 128 ? USCC_INDEX[c] : -1;
    if (v < 0) return `character ${k + 1} (${JSON.stringify(u[k])}) is not in ${USCC_ALPHABET}`;
    if (k < 17) sum += USCC_WEIGHTS[k] * v;
  }
  const check = (31 - (sum % 31)) % 31;
  if (u[17] !== USCC_ALPHABET[check]) return `check character should be ${USCC_ALPHABET[check]}, not ${u[17]}`;
  return null;
}
export function usccValid(u) { return typeof u === 'string' && usccProblem(u) === null; }

// ═════════════════════════════════════════════════════════════════════════════
// §3.1 Ratios
// ═════════════════════════════════════════════════════════════════════════════

const RATIO_SYNTAX = 'is not a ratio such as "5%" or "0.05" (digits, optionally a point and decimals, optionally %)';
const RATIO_MAX_SCALE = 18;
const RATIO_MAX_INTEGER_DIGITS = 3;

/**
 * Parse a ratio (string "D" / "D%" or integer) into {p, s, text} with value
 * p / 10^s (BigInt p, Number s) and canonical text; returns {error} on failure.
 * §3.1: the text is trimmed (§1 step 3 characters, also before "%"); D is 1–3
 * digits, optionally "." and 1–18 digits; the lengths are checked before any
 * conversion, and the value as a fraction has at most 18 decimals.
 */
export function parseRatio(v) {
  let whole, frac, percent;
  if (typeof v === 'bigint') {
    if (v < 0n) return { error: RATIO_SYNTAX };
    if (v > 1n) return { error: v > 999n ? 'has more than 3 digits before the decimal point' : 'is more than 100%' };
    whole = v.toString(); frac = ''; percent = false;
  } else if (typeof v === 'string') {
    let body = trimCell(v);
    percent = body.endsWith('%');
    if (percent) body = trimCell(body.slice(0, -1));
    const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(body);
    if (!m) return { error: RATIO_SYNTAX };
    whole = m[1];
    frac = m[2] !== undefined ? m[2] : '';
  } else {
    return { error: 'must be a string such as "5%" (or the integer 0 or 1); floats are not allowed' };
  }
  if (whole.length > RATIO_MAX_INTEGER_DIGITS) return { error: `has more than ${RATIO_MAX_INTEGER_DIGITS} digits before the decimal point` };
  if (frac.length <= RATIO_MAX_SCALE) frac = frac.replace(/0+$/, '');
  let s = frac.length + (percent ? 2 : 0);
  if (s > RATIO_MAX_SCALE) return { error: `has more than ${RATIO_MAX_SCALE} decimals (as a fraction: 5% is 0.05)` };
  let p = BigInt(whole + frac);
  if (p > 10n ** BigInt(s)) return { error: 'is more than 100%' };
  while (s > 0 && p % 10n === 0n) { p /= 10n; s--; }
  const scale = 10n ** BigInt(s);
  const ip = (p / scale).toString();
  const fp = s > 0 ? (p % scale).toString().padStart(s, '0') : '';
  return { p, s, text: fp ? `${ip}.${fp}` : ip };
}
function ratioLE(a, b) { // a <= b
  return a.p * 10n ** BigInt(b.s) <= b.p * 10n ** BigInt(a.s);
}

// ═════════════════════════════════════════════════════════════════════════════
// §3 The plan  (TOML -> validated, canonical plan §3.3)
// ═════════════════════════════════════════════════════════════════════════════

const PLAN_KEYS = ['name', 'department', 'inspection_date', 'items_file', 'items', 'exclude', 'exclude_file', 'max_draws_per_year', 'ratios', 'min', 'max', 'scope', 'team'];
const SCOPE_KEYS = ['statuses', 'regions', 'industries', 'where'];
const MAX_TEAM = 100; // §3.2: the largest team.size and team.experts
const TEAM_KEYS = ['size', 'departments', 'region', 'max_targets_per_inspector', 'qualifications', 'experts', 'rotation', 'history_file'];

function decodeUtf8Text(x, file) {
  if (typeof x === 'string') return x;
  const bytes = asBytes(x, file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes, 'utf-8');
    throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'not valid UTF-8 (TOML files must be UTF-8)' }]);
  }
}

async function getPlanFile(planFiles, name) {
  if (!planFiles) return undefined;
  if (typeof planFiles === 'function') return await planFiles(name);
  if (planFiles instanceof Map) return planFiles.get(name);
  if (typeof planFiles === 'object') return Object.prototype.hasOwnProperty.call(planFiles, name) ? planFiles[name] : undefined;
  return undefined;
}

function intToJs(b) { // BigInt -> Number when exact, else keep BigInt
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/**
 * §3: parse and validate the plan; read the files it names.
 * Returns {plan (canonical §3.3 object), meta} where meta holds parsed values
 * the draw needs (ratios as {p,s}, min/max as BigInt, sets, ...).
 */
async function readPlan(planInput, planFiles, file, ents, insps) {
  const text = decodeUtf8Text(planInput, file);
  let root;
  try {
    root = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throwErrors([{ file, line: e.line, column: e.column, message: `invalid TOML: ${e.reason}` }]);
    throw e;
  }
  const errors = [];
  const err = (table, key, message, value) => errors.push({ file, line: table ? keyLine(table, key) : undefined, header: undefined, value: value === undefined ? undefined : displayTomlValue(value), message: `${message}` });
  const unknown = (table, allowed, prefix) => {
    for (const k of Object.keys(table)) if (!allowed.includes(k)) err(table, k, `unknown key ${prefix}${k}`);
  };

  // type helpers: each returns the value or `undefined` (+ error) when the type is wrong.
  // §3: every string the plan gives is trimmed as in §1 step 3 (getStr/getStrArray
  // trim; file paths and team.region are read untrimmed with getRawStr).
  const getRawStr = (t, k, label) => {
    if (!(k in t)) return undefined;
    if (typeof t[k] !== 'string') { err(t, k, `${label} must be a string`, t[k]); return undefined; }
    return t[k];
  };
  const getStr = (t, k, label) => {
    const v = getRawStr(t, k, label);
    return v === undefined ? undefined : trimCell(v);
  };
  const getStrArray = (t, k, label) => {
    if (!(k in t)) return undefined;
    const v = t[k];
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) { err(t, k, `${label} must be an array of strings`, v); return undefined; }
    return v.map(trimCell);
  };
  // §3.2: integers lie in [min, max]; max defaults to 2^53 − 1
  const getInt = (t, k, label, min, max = Number.MAX_SAFE_INTEGER) => {
    if (!(k in t)) return undefined;
    const v = t[k];
    if (typeof v !== 'bigint') { err(t, k, `${label} must be an integer`, v); return undefined; }
    if (v < BigInt(min) || v > BigInt(max)) { err(t, k, `${label} must be an integer from ${min} to ${max}`, v); return undefined; }
    return v;
  };
  const getTable = (t, k, label) => {
    if (!(k in t)) return undefined;
    if (!isTable(t[k])) { err(t, k, `${label} must be a table`, t[k]); return undefined; }
    return t[k];
  };

  unknown(root, PLAN_KEYS, '');

  // name (required)
  let name = getStr(root, 'name', 'name');
  if (!('name' in root)) errors.push({ file, message: 'missing required key name' });
  else if (name === '') err(root, 'name', 'name must not be empty', '');
  name = name || '';

  // inspection_date: a TOML string (any §1.5 form, "" = not set) or a bare TOML date
  let inspectionDate = '';
  if ('inspection_date' in root) {
    const v = root.inspection_date;
    const raw = v instanceof TomlDate ? v.text : typeof v === 'string' ? trimCell(v) : null;
    if (raw === null) err(root, 'inspection_date', 'inspection_date must be a date (a string or a TOML date)', v);
    else if (raw !== '') {
      const d = parseDate(raw);
      if (d === null) err(root, 'inspection_date', `inspection_date must be a date (YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYYMMDD, year 1900–2999) or ""`, raw);
      else inspectionDate = d;
    }
  }

  // max_draws_per_year: a non-negative integer (enforced from the audit log at commit; here only recorded)
  const maxDraws = getInt(root, 'max_draws_per_year', 'max_draws_per_year', 0) ?? null;

  // ratios (required), min, max
  const ratios = {}; const ratioVals = {};
  const ratiosT = getTable(root, 'ratios', '[ratios]');
  if (!('ratios' in root)) errors.push({ file, message: 'missing required table [ratios]' });
  if (ratiosT) unknown(ratiosT, CLASSES, 'ratios.');
  for (const c of CLASSES) {
    let r = parseRatio('0');
    if (ratiosT && c in ratiosT) {
      const v = ratiosT[c];
      const pr = parseRatio(v);
      if (pr.error) err(ratiosT, c, `ratios.${c}: ${pr.error}`, v);
      else r = pr;
    }
    ratios[c] = r.text; ratioVals[c] = r;
  }
  const minT = getTable(root, 'min', '[min]');
  const maxT = getTable(root, 'max', '[max]');
  if (minT) unknown(minT, CLASSES, 'min.');
  if (maxT) unknown(maxT, CLASSES, 'max.');
  const minV = {}, maxV = {};
  for (const c of CLASSES) {
    minV[c] = (minT && getInt(minT, c, `min.${c}`, 0)) ?? 0n;
    maxV[c] = (maxT && getInt(maxT, c, `max.${c}`, 0)) ?? null;
    if (maxV[c] !== null && minV[c] > maxV[c]) err(maxT, c, `max.${c} (${maxV[c]}) is less than min.${c} (${minV[c]})`);
  }

  // scope
  const scopeT = getTable(root, 'scope', '[scope]');
  let statuses = ['存续'], regions = [], industries = [];
  const where = [];
  if (scopeT) {
    unknown(scopeT, SCOPE_KEYS, 'scope.');
    const st = getStrArray(scopeT, 'statuses', 'scope.statuses');
    if (st) {
      statuses = [];
      for (const s of st) {
        const c = canonicalStatus(s);
        if (c === null) err(scopeT, 'statuses', `scope.statuses: unknown status ${JSON.stringify(s)}`, s);
        else statuses.push(c);
      }
    }
    regions = getStrArray(scopeT, 'regions', 'scope.regions') || [];
    for (const r of regions) {
      if (!/^[0-9]{1,6}$/.test(r)) err(scopeT, 'regions', `scope.regions: ${JSON.stringify(r)} is not a region prefix (1–6 ASCII digits)`, r);
    }
    industries = getStrArray(scopeT, 'industries', 'scope.industries') || [];
    const wt = getTable(scopeT, 'where', '[scope.where]');
    if (wt) {
      const seenCols = new Set();
      for (const k of Object.keys(wt)) {
        const col = trimCell(k);
        if (typeof wt[k] !== 'string') { err(wt, k, `scope.where.${JSON.stringify(k)} must be a string`, wt[k]); continue; }
        if (col === '') { err(wt, k, 'scope.where: a column name must not be empty', k); continue; }
        if (seenCols.has(col)) { err(wt, k, `scope.where: column ${JSON.stringify(col)} is named twice`, k); continue; }
        seenCols.add(col);
        const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
        if (f && f.name === 'established') {
          err(wt, k, `scope.where cannot filter on ${JSON.stringify(col)}: 成立日期 (established) is not part of the snapshot (§5)`, k);
          continue;
        }
        where.push([col, trimCell(wt[k]), k]);
      }
    }
  }
  // §3.3: statuses, regions and industries sorted and de-duplicated; where sorted by column
  statuses = sortedUnique(statuses);
  regions = sortedUnique(regions);
  industries = sortedUnique(industries);
  where.sort((a, b) => cmpCodePoint(a[0], b[0]));

  // team
  const teamT = getTable(root, 'team', '[team]') || null;
  if (teamT) unknown(teamT, TEAM_KEYS, 'team.');
  const T = teamT || Object.create(null);
  const departments = getStrArray(T, 'departments', 'team.departments') || [];
  if (departments.some(d => d === '') || new Set(departments).size !== departments.length) {
    err(T, 'departments', 'team.departments: departments must be non-empty and listed once');
  }
  let size = getInt(T, 'size', 'team.size', 2, MAX_TEAM);
  if (size === undefined) size = BigInt(Math.max(2, departments.length));
  else if (size < BigInt(departments.length)) err(T, 'size', `team.size (${size}) is less than the number of team.departments (${departments.length})`, size);
  const region = getRawStr(T, 'region', 'team.region') ?? 'any';
  if (!['any', 'same', 'different'].includes(region)) err(T, 'region', 'team.region must be "any", "same" or "different"', region);
  const cap = getInt(T, 'max_targets_per_inspector', 'team.max_targets_per_inspector', 1) ?? null;
  const qualifications = sortedUnique((getStrArray(T, 'qualifications', 'team.qualifications') || []).filter(q => q !== ''));
  const experts = getInt(T, 'experts', 'team.experts', 0, MAX_TEAM) ?? 0n;
  let rotation = false;
  if ('rotation' in T) {
    if (typeof T.rotation !== 'boolean') err(T, 'rotation', 'team.rotation must be true or false', T.rotation);
    else rotation = T.rotation;
  }
  // §3.2: rotation = true without history_file is valid (history = [])
  const historyFile = getRawStr(T, 'history_file', 'team.history_file');

  // department (§3 default: first of team.departments, else "")
  let department = getStr(root, 'department', 'department');
  if (department === undefined) department = departments.length ? departments[0] : '';
  else if (departments.length && !departments.includes(department)) err(root, 'department', 'department must be one of team.departments', department);

  // items: names from items_file, each listed once
  const itemsFile = getRawStr(root, 'items_file', 'items_file');
  const itemNames = getStrArray(root, 'items', 'items') || [];
  const items = [];
  const seenItems = new Set();
  for (const nm of itemNames) {
    if (seenItems.has(nm)) err(root, 'items', `item ${JSON.stringify(nm)} is listed twice`, nm);
    seenItems.add(nm);
  }
  if (itemsFile !== undefined && itemNames.length) {
    const itemMap = await readItems(await loadPlanFile(planFiles, itemsFile, root, 'items_file', file), itemsFile, errors);
    if (itemMap) {
      const done = new Set();
      for (const nm of itemNames) {
        if (done.has(nm)) continue;
        done.add(nm);
        const it = itemMap.get(nm);
        if (!it) { err(root, 'items', `item ${JSON.stringify(nm)} is not in ${itemsFile}`, nm); continue; }
        items.push(it.canonical);
        if (it.canonical.category === 'general' && it.ceilingVal) {
          for (const c of CLASSES) {
            if (!ratioLE(ratioVals[c], it.ceilingVal)) {
              err(ratiosT || root, ratiosT && c in ratiosT ? c : 'ratios', `ratios.${c} = ${ratios[c]} exceeds the ceiling ${it.ceilingVal.text} of general item ${JSON.stringify(nm)} (${itemsFile} line ${it.line})`);
            }
          }
        }
      }
    }
  } else if (itemNames.length) {
    err(root, 'items', 'items are listed but the plan has no items_file');
  }

  // exclude
  const exclude = [];
  for (const u of getStrArray(root, 'exclude', 'exclude') || []) {
    const n = normUscc(u);
    const why = usccProblem(n);
    if (why) err(root, 'exclude', `exclude: ${JSON.stringify(u)} is not a valid USCC: ${why}`, u);
    else exclude.push(n);
  }
  const excludeFile = getRawStr(root, 'exclude_file', 'exclude_file');
  if (excludeFile !== undefined) {
    const bytes = await loadPlanFile(planFiles, excludeFile, root, 'exclude_file', file);
    const t = readTable(bytes, excludeFile, EXCLUDE_FIELDS, errors);
    if (t && t.headerOk) {
      for (const row of t.rows) {
        if (row.bad) continue;
        const n = normUscc(cellOf(t, row, 'uscc'));
        const why = usccProblem(n);
        if (why) errors.push(errAt(excludeFile, t, row, 'uscc', `not a valid unified social credit code: ${why}`));
        else exclude.push(n);
      }
    }
  }

  // history: read only when rotation = true (§3); [] unless rotation
  let history = [];
  if (rotation && historyFile !== undefined) {
    const bytes = await loadPlanFile(planFiles, historyFile, T, 'history_file', file);
    history = readHistory(bytes, historyFile, errors) || [];
  }

  // where columns must exist in the registry (§6); the extra columns read are
  // checked for control characters (§1 step 3)
  if (ents) {
    const readExtras = [];
    for (const [col, , key] of where) {
      const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
      if (f ? !ents.table.fieldCol.has(f.name) : !ents.table.extras.has(col)) {
        err(scopeT.where, key, `scope.where names column ${JSON.stringify(col)}, which the enterprise registry does not have`);
      } else if (!f) readExtras.push(ents.table.extras.get(col));
    }
    checkColumns(ents.table, readExtras, ents.file, errors);
  }

  const plan = {
    algorithm: SPEC_ALGORITHM,
    name,
    department,
    inspection_date: inspectionDate,
    ratios,
    min: Object.fromEntries(CLASSES.map(c => [c, intToJs(minV[c])])),
    max: Object.fromEntries(CLASSES.map(c => [c, maxV[c] === null ? null : intToJs(maxV[c])])),
    scope: { statuses, regions, industries, where: where.map(([c, v]) => [c, v]) },
    items,
    exclude: sortedUnique(exclude),
    max_draws_per_year: maxDraws === null ? null : intToJs(maxDraws),
    team: {
      size: intToJs(size),
      departments,
      region,
      max_targets_per_inspector: cap === null ? null : intToJs(cap),
      qualifications,
      experts: intToJs(experts),
      rotation,
    },
    history,
  };

  // §3.2: no string of the canonical plan may contain a control character
  // (values from the CSV files were already checked when they were read)
  walkStrings(plan, '', (s, path) => {
    if (!CONTROL_RE.test(s)) return;
    const [top, sub] = path.split(/[.[]/);
    const inner = top === 'scope' ? scopeT : top === 'team' ? teamT : null;
    const line = (inner && sub ? keyLine(inner, sub) : undefined) ?? keyLine(root, top);
    errors.push({ file, line, value: s, message: `${path} contains a control character (strings of the plan must not; §3.2)` });
  });

  if (errors.length) throwErrors(errors);

  return {
    plan,
    meta: { ratioVals, minV, maxV, size, experts, cap },
  };
}

/** Call fn(string, path) for every string (values and object keys) in a JSON value. */
function walkStrings(v, path, fn) {
  if (typeof v === 'string') fn(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, `${path}[${i}]`, fn));
  else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      fn(k, p);
      walkStrings(v[k], p, fn);
    }
  }
}

function displayTomlValue(v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof TomlDate) return v.text;
  if (isTable(v)) return '{…}';
  if (Array.isArray(v)) return '[…]';
  return v;
}

async function loadPlanFile(planFiles, name, table, key, planFile) {
  let data;
  try {
    data = await getPlanFile(planFiles, name);
  } catch (e) {
    throwErrors([{ file: name, message: `cannot read the file named by ${key} (${planFile} line ${keyLine(table, key)}): ${e && e.message ? e.message : e}` }]);
  }
  if (data === undefined || data === null) {
    throwErrors([{ file: planFile, line: keyLine(table, key), value: name, message: `${key} names a file that was not provided` }]);
  }
  return data;
}

// §1.4 item list: category and method values.
const CATEGORY = { general: 'general', '一般': 'general', '一般检查事项': 'general', key: 'key', '重点': 'key', '重点检查事项': 'key' };

/** §1.4 Item list -> Map(item -> {canonical, ceilingVal, line}). */
function readItems(bytes, file, errors) {
  const t = readTable(bytes, file, ITEM_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const map = new Map();
  for (const row of t.rows) {
    if (row.bad) continue; // a control character, already reported
    let ok = true;
    const bad = (field, msg) => { errors.push(errAt(file, t, row, field, msg)); ok = false; };
    const item = cellOf(t, row, 'item');
    if (item === '') bad('item', 'item name (抽查事项) is empty');
    else if (map.has(item)) bad('item', `duplicate item (also on line ${map.get(item).line})`);
    const catRaw = cellOf(t, row, 'category');
    const category = CATEGORY[asciiLower(catRaw)] || CATEGORY[catRaw];
    if (!category) bad('category', 'category must be general/一般/一般检查事项 or key/重点/重点检查事项');
    // §1.4 names the usual methods (书面检查, 实地核查, 网络监测) but other values are accepted
    const methods = parseSet(cellOf(t, row, 'method'));
    let ceiling = null, ceilingVal = null;
    const cr = cellOf(t, row, 'ceiling');
    if (cr !== '') {
      const r = parseRatio(cr);
      if (r.error) bad('ceiling', r.error);
      else { ceiling = r.text; ceilingVal = r; }
    }
    if (ok) {
      map.set(item, {
        line: row.line,
        ceilingVal,
        canonical: {
          item,
          code: cellOf(t, row, 'code'),
          basis: cellOf(t, row, 'basis'),
          department: cellOf(t, row, 'department'),
          category,
          method: methods.join('、'),
          ceiling,
        },
      });
    } else if (item !== '' && !map.has(item)) {
      map.set(item, { line: row.line, bad: true });
    }
  }
  for (const [k, v] of map) if (v.bad) map.delete(k);
  return map;
}

/** §1.4 + §3.3 history: for each USCC the inspectors of its latest date; sorted, de-duplicated pairs. */
function readHistory(bytes, file, errors) {
  const t = readTable(bytes, file, HISTORY_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const latest = new Map(); // uscc -> {date, ids:Set}
  for (const row of t.rows) {
    if (row.bad) continue; // a control character, already reported
    let ok = true;
    const bad = (field, msg) => { errors.push(errAt(file, t, row, field, msg)); ok = false; };
    const uscc = normUscc(cellOf(t, row, 'uscc'));
    const why = usccProblem(uscc);
    if (why) bad('uscc', `not a valid unified social credit code: ${why}`);
    const iid = cellOf(t, row, 'inspector_id');
    if (iid === '') bad('inspector_id', 'inspector id is empty');
    const date = parseDate(cellOf(t, row, 'date'));
    if (date === null) bad('date', DATE_ERROR);
    if (!ok) continue;
    const cur = latest.get(uscc);
    if (!cur || date > cur.date) latest.set(uscc, { date, ids: new Set([iid]) });
    else if (date === cur.date) cur.ids.add(iid);
  }
  const pairs = [];
  for (const [u, { ids }] of latest) for (const i of ids) pairs.push([u, i]);
  pairs.sort(cmpTuple);
  return pairs;
}

// ═════════════════════════════════════════════════════════════════════════════
// §4 Canonical JSON
// ═════════════════════════════════════════════════════════════════════════════

const JSON_ESCAPES = { '"': '\\"', '\\': '\\\\' };
const JSON_NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
function jsonString(s) {
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

// ═════════════════════════════════════════════════════════════════════════════
// §5 Snapshots and their roots (RFC 6962 Merkle Tree Hash)
// ═════════════════════════════════════════════════════════════════════════════

/**
 * MTH over leaf byte strings. Computed bottom-up level by level (a lone last
 * node is carried up unchanged), which equals the recursive RFC 6962
 * definition with k = largest power of two < n; each level's hashes run in
 * parallel batches.
 */
export async function merkleRoot(leaves) {
  return merkleRootOf(leaves.length, i => leaves[i]);
}

/** MTH of `n` leaves produced on demand by `leaf(i)` (Uint8Array, or a string hashed as UTF-8). */
async function merkleRootOf(n, leaf) {
  if (n === 0) return hex(await sha256(new Uint8Array(0)));
  const fast = await fastHashing();
  let level = new Uint8Array(n * 32); // node hashes of the current level, 32 bytes each
  if (fast) {
    let buf = new Uint8Array(1024); // 0x00 || leaf, reused
    let body = buf.subarray(1);
    for (let i = 0; i < n; i++) {
      const d = leaf(i);
      const need = 1 + (typeof d === 'string' ? 3 * d.length : d.length);
      if (need > buf.length) { buf = new Uint8Array(2 * need); body = buf.subarray(1); }
      buf[0] = 0x00;
      let len;
      if (typeof d === 'string') len = 1 + utf8Encoder.encodeInto(d, body).written;
      else { buf.set(d, 1); len = 1 + d.length; }
      sha256Sync(buf, level, i * 32, len);
    }
  } else {
    await sha256Each(n, i => {
      let d = leaf(i);
      if (typeof d === 'string') d = utf8(d);
      const buf = new Uint8Array(d.length + 1);
      buf[0] = 0x00;
      buf.set(d, 1);
      return buf;
    }, (i, h) => level.set(h, i * 32));
  }
  let len = n;
  const node = new Uint8Array(65); // 0x01 || left || right, reused
  node[0] = 0x01;
  while (len > 1) {
    const pairs = len >> 1;
    const next = new Uint8Array(((len + 1) >> 1) * 32);
    const cur = level;
    if (fast) {
      for (let i = 0; i < pairs; i++) {
        node.set(cur.subarray(i * 64, i * 64 + 64), 1);
        sha256Sync(node, next, i * 32, 65);
      }
    } else {
      await sha256Each(pairs, i => {
        const buf = new Uint8Array(65);
        buf[0] = 0x01;
        buf.set(cur.subarray(i * 64, i * 64 + 64), 1);
        return buf;
      }, (i, h) => next.set(h, i * 32));
    }
    if (len % 2 === 1) next.set(cur.subarray((len - 1) * 32, len * 32), pairs * 32);
    level = next;
    len = (len + 1) >> 1;
  }
  return hex(level.subarray(0, 32));
}

const BASE_ENTERPRISE_COLUMNS = ['uscc', 'name', 'credit_class', 'region', 'industry', 'status'];

/**
 * §5 + §6 "where": resolve the plan's where columns against the registry:
 * a column naming a §1.1 field uses that field; otherwise it is an extra column.
 * Returns {extraCols: [header text, sorted], getters: [[value, getter(e)]...]}.
 */
function resolveWhere(plan, ents) {
  const extraCols = [];
  const tests = [];
  for (const [col, value] of plan.scope.where) {
    const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
    if (f) {
      const name = f.name;
      tests.push([value, e => e[name]]);
    } else {
      const c = ents.table.extras.get(col);
      extraCols.push(col);
      tests.push([value, e => e.row.cells[c]]);
    }
  }
  extraCols.sort(cmpCodePoint); // where is already sorted; keep explicit
  return { extraCols, tests };
}

async function snapshots(ents, insps, conflicts, extraCols) {
  // Enterprises: [uscc, name, credit_class, region, industry, status, extras...], sorted by uscc
  const ecol = extraCols.map(c => ents.table.extras.get(c));
  const es = sortByUscc(ents.list);
  const eLeaf = i => {
    const e = es[i];
    // = canonicalJson([uscc, name, credit_class, region, industry, status, extras...]), written
    // out; uscc, class, region and status cannot contain " or \ (validated §1.1)
    let j = '["' + e.uscc + '",' + jsonString(e.name) + ',"' + e.credit_class + '","' +
      e.region + '",' + jsonString(e.industry) + ',"' + e.status + '"';
    for (const c of ecol) j += ',' + jsonString(e.row.cells[c]);
    return j + ']';
  };
  // Inspectors, sorted by id
  const is = sortByKey(insps.list, i => i.id);
  const iLeaf = k => { const i = is[k]; return canonicalJson([i.id, i.name, i.department, i.region, i.active, i.role, i.qualifications, i.cert_expires]); };
  // Conflicts, sorted by inspector_id then uscc
  const cs = [...conflicts].sort(cmpTuple);
  const cLeaf = k => canonicalJson([cs[k][0], cs[k][1]]);
  const er = await merkleRootOf(es.length, eLeaf);
  const ir = await merkleRootOf(is.length, iLeaf);
  const cr = await merkleRootOf(cs.length, cLeaf);
  return {
    enterprises: { root: er, count: es.length, columns: [...BASE_ENTERPRISE_COLUMNS, ...extraCols] },
    inspectors: { root: ir, count: is.length },
    conflicts: { root: cr, count: cs.length },
  };
}

// ═════════════════════════════════════════════════════════════════════════════
// §7 Tickets
// ═════════════════════════════════════════════════════════════════════════════

export async function seedHash(seed) { return hex(await sha256(utf8(seed))); }

const REV3 = Array.from({ length: 1000 }, (_, r) => String(r).padStart(3, '0').split('').reverse().join(''));
const ticketLimbs = new Float64Array(16);
/**
 * §7 step 3 from the digest h[off..off+32): the 256-bit big-endian integer in
 * decimal, left-padded with 0 to 64 digits, reversed, after "0.". Computed
 * with 16-bit limbs and base-10^9 division (exact in doubles), least
 * significant digits first — which is the reversed order the ticket needs.
 */
function ticketFromDigest(h, off = 0) {
  const L = ticketLimbs;
  for (let k = 0; k < 16; k++) L[k] = (h[off + 2 * k] << 8) | h[off + 2 * k + 1];
  let top = 0;
  while (top < 16 && L[top] === 0) top++;
  let s = '0.';
  let digits = 0;
  while (top < 16) {
    let r = 0;
    for (let k = top; k < 16; k++) {
      const cur = r * 65536 + L[k]; // < 10^9 · 2^16 < 2^53
      const q = Math.floor(cur / 1e9);
      L[k] = q;
      r = cur - q * 1e9;
    }
    while (top < 16 && L[top] === 0) top++;
    if (top < 16) { // a full 9-digit group, least significant digit first
      const a = Math.floor(r / 1e6), b = Math.floor(r / 1e3) % 1000, c = r % 1000;
      s += REV3[c] + REV3[b] + REV3[a];
      digits += 9;
    } else { // the most significant group: no leading zeros
      for (; r > 0; r = Math.floor(r / 10)) { s += String(r % 10); digits++; }
    }
  }
  for (; digits < 64; digits++) s += '0';
  return s;
}

/** The same, with BigInt (reference for tests). */
export function ticketFromDigestBig(h) {
  const n = BigInt('0x' + hex(h));
  return '0.' + n.toString(10).padStart(64, '0').split('').reverse().join('');
}
export { ticketFromDigest, ticketKey };

/** §7: the ticket of one id (consistent-sampler 1.0.10 first_fraction). */
export async function ticket(id, seed) {
  return ticketFromDigest(await sha256(utf8((await seedHash(seed)) + id)));
}

/**
 * The first 15 digits of the ticket (after "0.") as a number: the 15 least
 * significant decimal digits of the digest's integer, reversed. Two base-10^9
 * division passes suffice. Tickets with different keys compare like their
 * keys; equal keys need the full tickets.
 */
function ticketKey(h, off = 0) {
  const L = ticketLimbs;
  for (let k = 0; k < 16; k++) L[k] = (h[off + 2 * k] << 8) | h[off + 2 * k + 1];
  const chunk = () => {
    let r = 0;
    for (let k = 0; k < 16; k++) {
      const cur = r * 65536 + L[k];
      const q = Math.floor(cur / 1e9);
      L[k] = q;
      r = cur - q * 1e9;
    }
    return r;
  };
  const c0 = chunk(), c1 = chunk();
  let m = c0 + (c1 % 1e6) * 1e9; // n mod 10^15 (< 2^53)
  let key = 0;
  for (let j = 0; j < 15; j++) { key = key * 10 + (m % 10); m = Math.floor(m / 10); }
  return key;
}

/**
 * §7 tickets of many USCCs: their digests (32 bytes each, in one buffer) and
 * sort keys (ticketKey); full ticket strings are made only where needed.
 */
async function ticketDigestsFor(usccs, seedHex) {
  const n = usccs.length;
  const digests = new Uint8Array(n * 32);
  const keys = new Float64Array(n);
  if (await fastHashing()) {
    // UTF-8(seed_hash || uscc): the 64 ASCII hex digits are written once
    let buf = new Uint8Array(64 + 64);
    utf8Encoder.encodeInto(seedHex, buf);
    let body = buf.subarray(64);
    for (let i = 0; i < n; i++) {
      const u = usccs[i];
      if (64 + 3 * u.length > buf.length) { const b = new Uint8Array(2 * (64 + 3 * u.length)); b.set(buf.subarray(0, 64)); buf = b; body = buf.subarray(64); }
      const len = 64 + utf8Encoder.encodeInto(u, body).written;
      sha256Sync(buf, digests, i * 32, len);
    }
  } else {
    await sha256Each(n, i => utf8(seedHex + usccs[i]), (i, d) => digests.set(d, i * 32));
  }
  for (let i = 0; i < n; i++) keys[i] = ticketKey(digests, i * 32);
  return { digests, keys };
}


// ═════════════════════════════════════════════════════════════════════════════
// §6 Strata and sample sizes  +  §7 selection
// ═════════════════════════════════════════════════════════════════════════════

function inScope(e, plan, whereTests, statusSet) {
  if (!statusSet.has(e.status)) return false;
  const { regions, industries } = plan.scope;
  if (regions.length && !regions.some(p => e.region.startsWith(p))) return false;
  if (industries.length && !industries.some(p => e.industry.startsWith(p))) return false;
  for (const [value, get] of whereTests) if (get(e) !== value) return false;
  return true;
}

/** §6 sample size: k0 = ceil(N·p/10^s); k = min(max(k0, min), N); then min(k, max). */
function sampleSize(N, ratio, minC, maxC) {
  const n = BigInt(N);
  const den = 10n ** BigInt(ratio.s);
  let k = (n * ratio.p + den - 1n) / den;
  if (k < minC) k = minC;
  if (k > n) k = n;
  if (maxC !== null && k > maxC) k = maxC;
  return Number(k);
}

/**
 * §7: the k enterprises with the smallest tickets, in ascending ticket order
 * (equal tickets by USCC). `idx` are indices into the ticket digests/keys of
 * ticketDigestsFor; returns [{e, t: ticket string}].
 */
function smallestTickets(list, idx, tk, k) {
  const n = list.length;
  const full = new Map(); // position -> ticket string, made on demand
  const ticketAt = (j) => { let t = full.get(j); if (t === undefined) { t = ticketFromDigest(tk.digests, idx[j] * 32); full.set(j, t); } return t; };
  const order = new Uint32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  order.sort((x, y) => {
    const d = tk.keys[idx[x]] - tk.keys[idx[y]];
    if (d) return d;
    const a = ticketAt(x), b = ticketAt(y);
    return a < b ? -1 : a > b ? 1 : cmpCodePoint(list[x].uscc, list[y].uscc);
  });
  return Array.from(order.subarray(0, k), j => ({ e: list[j], t: ticketAt(j) }));
}

async function drawStrata(ents, plan, meta, whereTests, seedHex) {
  const statusSet = new Set(plan.scope.statuses);
  const excludeSet = new Set(plan.exclude);
  const byClass = Object.fromEntries(CLASSES.map(c => [c, { population: 0, excluded: 0, eligible: [] }]));
  for (const e of ents.list) {
    if (!inScope(e, plan, whereTests, statusSet)) continue;
    const s = byClass[e.credit_class];
    s.population++;
    if (excludeSet.has(e.uscc)) s.excluded++;
    else s.eligible.push(e);
  }
  const all = CLASSES.flatMap(c => byClass[c].eligible);
  const tk = await ticketDigestsFor(all.map(e => e.uscc), seedHex);
  let offset = 0; // `all` is the classes' eligible lists one after another
  const strata = [];
  const targets = [];
  for (const c of CLASSES) {
    const s = byClass[c];
    const N = s.eligible.length;
    const k = sampleSize(N, meta.ratioVals[c], meta.minV[c], meta.maxV[c]);
    const idx = new Uint32Array(N);
    for (let j = 0; j < N; j++) idx[j] = offset + j;
    offset += N;
    const sel = smallestTickets(s.eligible, idx, tk, k);
    strata.push({
      class: c,
      population: s.population,
      excluded: s.excluded,
      eligible: N,
      ratio: plan.ratios[c],
      sample_size: k,
      cutoff: k ? sel[k - 1].t : null,
      selected: sel.map(x => x.e.uscc),
    });
    for (const x of sel) targets.push({ e: x.e, ticket: x.t });
  }
  return { strata, targets };
}

// ═════════════════════════════════════════════════════════════════════════════
// §8.1 The random stream
// ═════════════════════════════════════════════════════════════════════════════

const TWO64 = 1n << 64n;

export class RandomStream {
  /** Use `await RandomStream.create(seed)`. */
  constructor(key) {
    this.key = key;
    this.nextBlock = 0;
    this.words = [];
    this.pos = 0;
    this.wordsUsed = 0;
  }
  static async create(seed) {
    const key = await sha256(concatBytes(utf8('fairdraw-v1/assign'), Uint8Array.of(0), utf8(seed)));
    return new RandomStream(key);
  }
  async refill(blocks = 64) {
    const inputs = [];
    for (let b = 0; b < blocks; b++) {
      const buf = new Uint8Array(40);
      buf.set(this.key, 0);
      new DataView(buf.buffer).setBigUint64(32, BigInt(this.nextBlock + b), false);
      inputs.push(buf);
    }
    const ds = (await fastHashing()) ? inputs.map(b => sha256Sync(b)) : await sha256Many(inputs);
    this.nextBlock += blocks;
    const words = this.words.slice(this.pos);
    for (const d of ds) {
      const dv = new DataView(d.buffer, d.byteOffset, 32);
      for (let w = 0; w < 4; w++) words.push(dv.getBigUint64(8 * w, false));
    }
    this.words = words;
    this.pos = 0;
  }
  /** The next 64-bit word (BigInt). */
  async word() {
    if (this.pos >= this.words.length) await this.refill();
    this.wordsUsed++;
    return this.words[this.pos++];
  }
  /** §8.1 uniform(n): rejection sampling, at least one word. */
  async uniform(n) {
    if (!(n >= 1)) throw new Error(`uniform(${n})`);
    const N = BigInt(n);
    const limit = TWO64 - (TWO64 % N);
    for (;;) {
      const x = await this.word();
      if (x < limit) { const r = x % N; return r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r; }
    }
  }
}

// ═════════════════════════════════════════════════════════════════════════════
// §8.2–§8.5 Inspector assignment
// ═════════════════════════════════════════════════════════════════════════════

/**
 * §8.2 slot requirements. Returns [{kind: 'inspector'|'expert', dept: string|null, anyOf: string[]|null}].
 */
function slotSpecs(team, department, size, experts) {
  let D = [...team.departments];
  const at = D.indexOf(department);
  if (at > 0) D = [D[at], ...D.slice(0, at), ...D.slice(at + 1)];
  const slots = [];
  for (let j = 0; j < size; j++) {
    if (j < D.length) slots.push({ kind: 'inspector', dept: D[j], anyOf: null });
    else slots.push({ kind: 'inspector', dept: null, anyOf: D.length ? D : null });
  }
  for (let j = 0; j < experts; j++) slots.push({ kind: 'expert', dept: null, anyOf: null });
  return slots;
}

function describeSlot(spec, s) {
  if (spec.kind === 'expert') return `slot ${s} (expert)`;
  const what = spec.dept !== null ? `inspector of ${spec.dept}` : spec.anyOf ? `inspector of any of ${spec.anyOf.join('/')}` : 'inspector of any department';
  return `slot ${s}${s === 0 ? ' (leader)' : ''} (${what})`;
}

// §8.3 rule checks, individually (also used for §8.5 diagnostics)
function certValid(i, date) { return i.cert_expires === '' || date === '' || i.cert_expires >= date; }
function rolePass(i, spec, date) { return i.role === spec.kind && i.active && certValid(i, date); }
function qualPass(i, spec, quals) { return spec.kind === 'expert' || quals.every(q => i.qualifications.includes(q)); }
function deptPass(i, spec) {
  if (spec.kind === 'expert') return true;
  if (spec.dept !== null) return i.department === spec.dept;
  return spec.anyOf === null || spec.anyOf.includes(i.department);
}
function regionPass(i, spec, t, rule) {
  if (spec.kind === 'expert' || rule === 'any') return true;
  return rule === 'same' ? i.region === t.e.region : i.region !== t.e.region;
}

/**
 * Run §8.4 for one configuration. Returns {ok: true, teams} (teams[t][s] =
 * inspector index) or {ok: false, t, s} for the first slot repair could not fill.
 * `inspectors` must be sorted by id.
 */
async function runAssignment(cfg) {
  const { targets, inspectors, slots, cap, region, quals, date, conflicts, history, historySet, seed } = cfg;
  const nI = inspectors.length;
  const nS = slots.length;
  const nT = targets.length;
  if (nT === 0) return { ok: true, teams: [] };
  const stream = await RandomStream.create(seed);
  // static compatibility per slot (role/active/cert, qualifications, department), ascending id
  const staticList = slots.map(spec => {
    const out = [];
    for (let i = 0; i < nI; i++) {
      const p = inspectors[i];
      if (rolePass(p, spec, date) && qualPass(p, spec, quals) && deptPass(p, spec)) out.push(i);
    }
    return Int32Array.from(out);
  });
  // region rule as integers: 0 any, 1 same, 2 different (inspector slots only)
  const regionMode = region === 'same' ? 1 : region === 'different' ? 2 : 0;
  const regionIds = new Map();
  const regionId = r => { let v = regionIds.get(r); if (v === undefined) { v = regionIds.size; regionIds.set(r, v); } return v; };
  const insRegion = Int32Array.from(inspectors, p => regionId(p.region));
  const tgtRegion = Int32Array.from(targets, tg => regionId(tg.e.region));
  const slotExpert = slots.map(spec => spec.kind === 'expert');
  // recusal and rotation bars: per target, the inspector indices it may not get
  const idIndex = new Map(inspectors.map((p, i) => [p.id, i]));
  const targetOf = new Map(targets.map((tg, t) => [tg.e.uscc, t]));
  const bars = Array.from({ length: nT }, () => []);
  const addBar = (uscc, id) => {
    const t = targetOf.get(uscc), i = idIndex.get(id);
    if (t !== undefined && i !== undefined) bars[t].push(i);
  };
  for (const [id, uscc] of conflicts) addBar(uscc, id);
  if (historySet) for (const [uscc, id] of history) addBar(uscc, id);

  // compatible(t, s, i) beyond the static list: region rule and bars
  const targetOk = (t, s, i) => {
    if (!slotExpert[s] && regionMode !== 0 && (insRegion[i] === tgtRegion[t]) !== (regionMode === 1)) return false;
    return !bars[t].includes(i);
  };
  const teams = [];
  const holders = Array.from({ length: nI }, () => new Set()); // inspector -> targets holding it
  const load = new Int32Array(nI); // = holders[i].size
  const capN = cap === null ? Infinity : Number(cap);
  const barMark = new Int32Array(nI).fill(-1); // barMark[i] === t: i is barred for the current target t
  const teamMark = new Int32Array(nI).fill(-1); // teamMark[i] === gen: i is in the current team
  let gen = 0;

  /**
   * Candidates of §8.4 step 1 for slot s of the current target t, in
   * ascending id: returns their number when want < 0, else the want-th one.
   */
  const scanLinear = (t, s, want) => {
    const list = staticList[s];
    const mode = slotExpert[s] ? 0 : regionMode;
    const tr = tgtRegion[t];
    let count = 0;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      if (teamMark[i] === gen || barMark[i] === t || load[i] >= capN) continue;
      if (mode !== 0 && (insRegion[i] === tr) !== (mode === 1)) continue;
      if (count === want) return i;
      count++;
    }
    return count;
  };

  // The same candidates by counting, in O(log n) per pick (scanLinear is
  // O(roster)): per slot, a Fenwick tree over its static list marks the
  // inspectors below the workload cap ("alive"); with a region rule, one more
  // per (slot, region) over that region's part of the list. The *base* of
  // (t, s) is the alive list members that pass the region rule; the
  // candidates are the base minus the team and the target's bars, and the
  // k-th candidate is the base member of rank k shifted past the excluded ranks.
  const alive = new Uint8Array(nI).fill(1); // load(i) < cap
  const posIn = staticList.map(list => { const a = new Int32Array(nI).fill(-1); list.forEach((i, k) => { a[i] = k; }); return a; });
  const fAll = staticList.map(list => Fenwick.ones(list.length));
  const useRegion = slotExpert.map(x => !x && regionMode !== 0);
  const sub = staticList.map((list, s) => {
    if (!useRegion[s]) return null;
    const byRegion = new Map(); // region id -> {pos: list positions (ascending), f: Fenwick}
    const idx = new Int32Array(nI).fill(-1); // inspector -> index in its region's part
    list.forEach((i, k) => {
      let g = byRegion.get(insRegion[i]);
      if (!g) byRegion.set(insRegion[i], (g = { pos: [] }));
      idx[i] = g.pos.length;
      g.pos.push(k);
    });
    for (const g of byRegion.values()) { g.pos = Int32Array.from(g.pos); g.f = Fenwick.ones(g.pos.length); }
    return { byRegion, idx };
  });
  const setAlive = (i) => {
    const a = load[i] < capN ? 1 : 0;
    if (alive[i] === a) return;
    alive[i] = a;
    const d = a ? 1 : -1;
    for (let s = 0; s < nS; s++) {
      const p = posIn[s][i];
      if (p < 0) continue;
      fAll[s].add(p, d);
      if (sub[s]) sub[s].byRegion.get(insRegion[i]).f.add(sub[s].idx[i], d);
    }
  };
  const regionPart = (s, tr) => sub[s].byRegion.get(tr) || null;
  /** number of base members of (s, target region tr) at list positions 0..p (p ≥ -1) */
  const baseUpTo = (s, tr, p) => {
    if (!useRegion[s]) return fAll[s].prefix(p);
    const g = regionPart(s, tr);
    const inR = g ? g.f.prefix(countAtMost(g.pos, p) - 1) : 0;
    return regionMode === 1 ? inR : fAll[s].prefix(p) - inR;
  };
  const baseTotal = (s, tr) => {
    if (!useRegion[s]) return fAll[s].total;
    const g = regionPart(s, tr);
    const inR = g ? g.f.total : 0;
    return regionMode === 1 ? inR : fAll[s].total - inR;
  };
  const isBase = (s, tr, i) => posIn[s][i] >= 0 && alive[i] === 1 && (!useRegion[s] || (insRegion[i] === tr) === (regionMode === 1));
  /** list position of the base member of rank r (0-based) */
  const baseAt = (s, tr, r) => {
    if (!useRegion[s]) return fAll[s].findKth(r);
    if (regionMode === 1) { const g = regionPart(s, tr); return g.pos[g.f.findKth(r)]; }
    let lo = 0, hi = staticList[s].length - 1; // "different": smallest p with baseUpTo(p) > r
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (baseUpTo(s, tr, mid) > r) hi = mid; else lo = mid + 1;
    }
    return lo;
  };
  /** §8.4 step 1 for slot s of target t: {count, pick(k)} */
  const candidates = (t, s, team) => {
    const tr = tgtRegion[t];
    const ex = new Set();
    for (const i of team) if (i >= 0 && isBase(s, tr, i)) ex.add(i);
    for (const i of bars[t]) if (isBase(s, tr, i)) ex.add(i);
    const ranks = [...ex].map(i => baseUpTo(s, tr, posIn[s][i]) - 1).sort((a, b) => a - b);
    return {
      count: baseTotal(s, tr) - ranks.length,
      pick(k) {
        let r = k;
        for (const q of ranks) { if (q <= r) r++; else break; }
        return staticList[s][baseAt(s, tr, r)];
      },
    };
  };
  const crossCheck = testHooks.crossCheckAssignment;

  for (let t = 0; t < nT; t++) {
    const team = new Array(nS).fill(-1);
    teams.push(team);
    for (const i of bars[t]) barMark[i] = t;
    gen++;
    for (let s = 0; s < nS; s++) {
      const c = candidates(t, s, team);
      if (crossCheck && c.count !== scanLinear(t, s, -1)) throw new Error(`assignment self-check: count differs at target ${t} slot ${s}`);
      if (c.count > 0) {
        const k = await stream.uniform(c.count);
        const pick = c.pick(k);
        if (crossCheck && pick !== scanLinear(t, s, k)) throw new Error(`assignment self-check: pick differs at target ${t} slot ${s}`);
        team[s] = pick;
        teamMark[pick] = gen;
        holders[pick].add(t);
        load[pick]++;
        setAlive(pick);
        continue;
      }
      if (crossCheck) testHooks.repairs++;
      if (!repair(t, s)) return { ok: false, t, s, teams, staticList, targetOk, holders };
      gen++; // the team may have changed: re-mark it
      for (const i of team) if (i >= 0) teamMark[i] = gen;
    }
  }
  return { ok: true, teams };

  // §8.4 repair: BFS for an augmenting path; consumes no random words.
  function repair(t0, s0) {
    const S = (t, s) => `S${t}:${s}`;
    const P = (t, i) => `P${t}:${i}`;
    const I = (i) => `I${i}`;
    const start = { type: 'S', t: t0, s: s0, key: S(t0, s0) };
    const parent = new Map([[start.key, null]]);
    const queue = [start];
    let found = null;
    const visit = (node, from) => {
      if (parent.has(node.key)) return false;
      parent.set(node.key, from);
      queue.push(node);
      if (node.type === 'I' && load[node.i] < capN) { found = node; return true; }
      return false;
    };
    outer:
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q];
      if (node.type === 'S') {
        const cur = teams[node.t][node.s];
        for (const i of staticList[node.s]) {
          if (i === cur || !targetOk(node.t, node.s, i)) continue;
          if (visit({ type: 'P', t: node.t, i, key: P(node.t, i) }, node)) break outer;
        }
      } else if (node.type === 'P') {
        const x = teams[node.t].indexOf(node.i);
        if (x < 0) { if (visit({ type: 'I', i: node.i, key: I(node.i) }, node)) break outer; }
        else if (visit({ type: 'S', t: node.t, s: x, key: S(node.t, x) }, node)) break outer;
      } else {
        const ts = [...holders[node.i]].sort((a, b) => a - b);
        for (const t of ts) if (visit({ type: 'P', t, i: node.i, key: P(t, node.i) }, node)) break outer;
      }
    }
    if (!found) return false;
    const path = [];
    for (let n = found; n; n = parent.get(n.key)) path.push(n);
    path.reverse();
    const touched = new Set();
    const before = []; // members of the touched teams before the change
    for (let k = 0; k + 1 < path.length; k++) {
      const a = path[k], b = path[k + 1];
      if (a.type === 'S' && b.type === 'P') {
        if (!touched.has(a.t)) { touched.add(a.t); for (const i of teams[a.t]) if (i >= 0) { holders[i].delete(a.t); load[i] = holders[i].size; before.push(i); } }
        teams[a.t][a.s] = b.i;
      }
    }
    // load recounted from the teams
    for (const t of touched) for (const i of teams[t]) if (i >= 0) { holders[i].add(t); load[i] = holders[i].size; }
    for (const i of before) setAlive(i);
    for (const t of touched) for (const i of teams[t]) if (i >= 0) setAlive(i);
    return true;
  }
}

/** Fenwick tree (binary indexed tree) of counts over positions 0..n-1. */
class Fenwick {
  /** All positions set to 1. */
  static ones(n) {
    const f = new Fenwick(n);
    for (let i = 1; i <= n; i++) f.t[i] = i & -i;
    f.total = n;
    return f;
  }
  constructor(n) {
    this.n = n;
    this.t = new Int32Array(n + 1);
    this.total = 0;
    let top = 1;
    while (top * 2 <= n) top *= 2;
    this.top = n > 0 ? top : 0;
  }
  add(p, d) {
    this.total += d;
    for (let i = p + 1; i <= this.n; i += i & -i) this.t[i] += d;
  }
  /** sum over positions 0..p (0 when p < 0) */
  prefix(p) {
    let s = 0;
    for (let i = Math.min(p, this.n - 1) + 1; i > 0; i -= i & -i) s += this.t[i];
    return s;
  }
  /** smallest position p with prefix(p) > r (0 ≤ r < total) */
  findKth(r) {
    let pos = 0, rem = r + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      const nx = pos + step;
      if (nx <= this.n && this.t[nx] < rem) { pos = nx; rem -= this.t[nx]; }
    }
    return pos;
  }
}

/** Number of entries ≤ p in the ascending Int32Array a. */
function countAtMost(a, p) {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] <= p) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * Test-only switches (the page and the CLI never set them): with
 * crossCheckAssignment, every §8.4 pick is re-checked against a plain scan of
 * the roster, and `repairs` counts the repair searches run.
 */
export const testHooks = { crossCheckAssignment: false, repairs: 0 };

/** §8.5: explain which rule leaves slot (t, s) without candidates. */
function explainFailure(cfg, res) {
  const { targets, inspectors, slots, region, quals, date, conflictSet, historySet, cap } = cfg;
  const spec = slots[res.s];
  const tg = targets[res.t];
  let pool = inspectors;
  const rules = [
    ['role/active/certificate', i => rolePass(i, spec, date), spec.kind === 'expert' ? 'no active expert with a valid certificate' : `no active inspector (role inspector) with a certificate valid on ${date || 'the inspection date'}`],
    ['qualifications', i => qualPass(i, spec, quals), `nobody also holds all of the qualifications ${quals.join('、')}`],
    ['department', i => deptPass(i, spec), 'nobody also belongs to the required department'],
    ['region rule', i => regionPass(i, spec, tg, region), `nobody also satisfies region = "${region}" for region ${tg.e.region}`],
    ['recusal', i => !conflictSet.has(i.id + '\u0000' + tg.e.uscc), 'everybody else left must recuse themselves (conflicts list)'],
    ['rotation', i => !historySet || !historySet.has(tg.e.uscc + '\u0000' + i.id), "everybody else left was on this enterprise's last inspection (rotation)"],
  ];
  for (const [rule, pred, msg] of rules) {
    pool = pool.filter(pred);
    if (pool.length === 0) return `${rule}: ${msg}`;
  }
  if (cap !== null) return `workload cap: the ${pool.length} compatible inspector(s) are all needed elsewhere or already at max_targets_per_inspector = ${cap}`;
  return `team: the ${pool.length} compatible inspector(s) are all already needed in this team`;
}

/** §8.5: smallest relaxation that makes the plan feasible (not normative). */
async function suggestRelaxation(cfg) {
  const feasible = async (over) => (await runAssignment({ ...cfg, ...over })).ok;
  const team = cfg.team;
  if (cfg.cap !== null && cfg.targets.length > 0) {
    if (await feasible({ cap: null })) {
      let lo = Number(cfg.cap) + 1, hi = cfg.targets.length;
      if (lo <= hi && await feasible({ cap: BigInt(hi) })) {
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (await feasible({ cap: BigInt(mid) })) hi = mid; else lo = mid + 1;
        }
        return `team.max_targets_per_inspector = ${lo}`;
      }
    }
  }
  if (cfg.historySet && await feasible({ historySet: null })) return 'team.rotation = false';
  if (cfg.region !== 'any' && await feasible({ region: 'any' })) return 'team.region = "any"';
  if (cfg.quals.length && await feasible({ quals: [], slots: cfg.slots })) return 'team.qualifications = []';
  const experts = Number(team.experts);
  for (let e = experts - 1; e >= 0; e--) {
    const slots = cfg.slots.filter(x => x.kind === 'inspector').concat(Array.from({ length: e }, () => ({ kind: 'expert', dept: null, anyOf: null })));
    if (await feasible({ slots })) return `team.experts = ${e}`;
  }
  return null;
}

async function assign(targets, insps, conflicts, plan, meta, seed) {
  const inspectors = [...insps.list].sort((a, b) => cmpCodePoint(a.id, b.id));
  const team = plan.team;
  const cfg = {
    targets,
    inspectors,
    team,
    slots: targets.length ? slotSpecs(team, plan.department, Number(meta.size), Number(meta.experts)) : [],
    cap: meta.cap,
    region: team.region,
    quals: team.qualifications,
    date: plan.inspection_date,
    conflicts,
    history: plan.history,
    conflictSet: new Set(conflicts.map(([i, u]) => i + '\u0000' + u)),
    historySet: team.rotation ? new Set(plan.history.map(([u, i]) => u + '\u0000' + i)) : null,
    seed,
  };
  if (targets.length && meta.size + meta.experts > BigInt(inspectors.length)) {
    throw new FairdrawError(`no valid assignment: each team needs ${meta.size + meta.experts} distinct people (team.size ${meta.size} + team.experts ${meta.experts}) but the roster has ${inspectors.length}`, [], 'no-valid-assignment');
  }
  const res = await runAssignment(cfg);
  if (!res.ok) {
    const tg = targets[res.t];
    const why = explainFailure(cfg, res);
    let msg = `no valid assignment: target #${res.t + 1} ${tg.e.uscc} (${tg.e.name}, class ${tg.e.credit_class}, region ${tg.e.region}), ${describeSlot(cfg.slots[res.s], res.s)} cannot be filled — ${why}`;
    let suggestion = null;
    try { suggestion = await suggestRelaxation(cfg); } catch { /* diagnostics only */ }
    msg += suggestion ? `; smallest relaxation that makes the plan feasible: ${suggestion}` : '; no single relaxation (cap, rotation, region, qualifications, experts) makes the plan feasible';
    throw new FairdrawError(msg, [], 'no-valid-assignment');
  }
  const nIns = Number(meta.size);
  return targets.map((tg, t) => {
    const ids = res.teams[t].map(i => inspectors[i].id);
    return {
      uscc: tg.e.uscc,
      name: tg.e.name,
      class: tg.e.credit_class,
      region: tg.e.region,
      ticket: tg.ticket,
      leader: ids[0],
      inspectors: ids.slice(0, nIns),
      experts: ids.slice(nIns),
    };
  });
}

// ═════════════════════════════════════════════════════════════════════════════
// §9 The draw document
// ═════════════════════════════════════════════════════════════════════════════

export async function computeDraw(inputs) {
  if (!inputs || typeof inputs !== 'object') throw new FairdrawError('computeDraw: missing inputs');
  const { enterprises, inspectors, conflicts, plan: planInput, planFiles, seed } = inputs;
  const names = { enterprises: 'enterprises', inspectors: 'inspectors', conflicts: 'conflicts', plan: 'plan', ...(inputs.names || {}) };
  if (typeof seed !== 'string') throw new FairdrawError('the seed must be a string');
  if (LONE_SURROGATE.test(seed)) throw new FairdrawError('the seed is not a valid Unicode string (lone surrogate)');
  for (const [k, v] of [['enterprises', enterprises], ['inspectors', inspectors], ['plan', planInput]]) {
    if (v === undefined || v === null) throw new FairdrawError(`missing input: ${k}`);
  }

  // §1: registries (all errors of all files collected and reported together)
  const errors = [];
  const ents = readEnterprises(enterprises, names.enterprises, errors);
  const insps = readInspectors(inspectors, names.inspectors, errors);
  const confs = conflicts === undefined || conflicts === null ? [] : readConflicts(conflicts, names.conflicts, errors, ents, insps);
  if (errors.length) throwErrors(errors);

  // §3: plan (+ the files it names)
  const { plan, meta } = await readPlan(planInput, planFiles, names.plan, ents, insps);
  const planDigest = hex(await sha256(utf8(canonicalJson(plan))));

  // §5: snapshots
  const { extraCols, tests } = resolveWhere(plan, ents);
  const snaps = await snapshots(ents, insps, confs, extraCols);

  // §6–§7: strata and selection
  const seedHex = await seedHash(seed);
  const { strata, targets } = await drawStrata(ents, plan, meta, tests, seedHex);

  // §8: assignment
  const assignments = await assign(targets, insps, confs, plan, meta, seed);

  return {
    format: 'fairdraw-draw/1',
    algorithm: SPEC_ALGORITHM,
    plan_name: plan.name,
    seed,
    seed_hash: seedHex,
    plan_digest: planDigest,
    snapshots: snaps,
    strata,
    assignments,
    plan,
  };
}

// ═════════════════════════════════════════════════════════════════════════════
// §10 Verification
// ═════════════════════════════════════════════════════════════════════════════

function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
function pathKey(path, key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;
}
function sameScalar(a, b) {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try { return (typeof a === 'bigint' || Number.isInteger(a)) && (typeof b === 'bigint' || Number.isInteger(b)) && BigInt(a) === BigInt(b); } catch { return false; }
  }
  return a === b;
}

/** Value-by-value comparison; returns [{path, expected, actual}]. */
export function compareDocuments(expected, actual, path = '', out = []) {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) compareDocuments(expected[i], actual[i], `${path}[${i}]`, out);
    return out;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = Object.keys(expected);
    for (const k of Object.keys(actual)) if (!Object.prototype.hasOwnProperty.call(expected, k)) keys.push(k);
    for (const k of keys) {
      const e = Object.prototype.hasOwnProperty.call(expected, k) ? expected[k] : undefined;
      const a = Object.prototype.hasOwnProperty.call(actual, k) ? actual[k] : undefined;
      compareDocuments(e, a, pathKey(path, k), out);
    }
    return out;
  }
  if (Array.isArray(expected) || Array.isArray(actual) || isPlainObject(expected) || isPlainObject(actual) || !sameScalar(expected, actual)) {
    out.push({ path: path || '(document)', expected, actual });
  }
  return out;
}

function showValue(v) {
  if (v === undefined) return '<missing>';
  const s = stringifyJson(v);
  return s.length > 200 ? s.slice(0, 197) + '…' : s;
}

/** "PATH: expected <computed>, draw has <in file>" */
export function formatDifference(d) {
  return `${d.path}: expected ${showValue(d.expected)}, draw has ${showValue(d.actual)}`;
}

// §9.1 Reading a draw document strictly, so that every verifier gives the
// same verdict: JSON.parse alone accepts duplicate keys (last wins), 2.0, -0,
// 1e2 and lone surrogate escapes, and overflows the stack on deep nesting.
const DOC_MAX_DEPTH = 64;
const DOC_NUMBERS = 'numbers must be integers from 0 to 9007199254740991, without sign, fraction or exponent';
const DOC_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const DOC_INTEGER = /^(?:0|[1-9][0-9]{0,15})$/;
const DOC_ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const DOC_WORDS = [['true', true], ['false', false], ['null', null]];

class DocumentError extends Error {
  constructor(message, at) { super(message); this.at = at; }
}

/** RFC 8259 JSON with the §9.1 restrictions -> value; throws DocumentError with a position. */
function parseDocumentJson(text) {
  let i = 0;
  const fail = (message, at = i) => { throw new DocumentError(message, at); };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    const at = i++;
    let out = '', from = i;
    for (;;) {
      if (i >= text.length) fail('not valid JSON: unterminated string', at);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('not valid JSON: a control character in a string');
      if (c !== 0x5c) { i++; continue; }
      out += text.slice(from, i);
      const e = text[i + 1];
      if (e === 'u') {
        const h = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('not valid JSON: a \\u escape needs four hex digits');
        out += String.fromCharCode(parseInt(h, 16));
        i += 6;
      } else if (e !== undefined && Object.prototype.hasOwnProperty.call(DOC_ESCAPES, e)) {
        out += DOC_ESCAPES[e];
        i += 2;
      } else fail('not valid JSON: an invalid escape in a string');
      from = i;
    }
    out += text.slice(from, i++);
    if (LONE_SURROGATE.test(out)) fail('not valid JSON: a string holds a lone surrogate escape', at);
    return out;
  };
  const number = () => {
    DOC_NUMBER.lastIndex = i;
    const m = DOC_NUMBER.exec(text);
    if (!m) fail('not valid JSON: a malformed number');
    const t = m[0];
    if (!DOC_INTEGER.test(t) || Number(t) > Number.MAX_SAFE_INTEGER) fail(`${t.length > 40 ? t.slice(0, 40) + '…' : t}: ${DOC_NUMBERS}`);
    i += t.length;
    return Number(t);
  };
  const value = (depth) => {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= DOC_MAX_DEPTH) fail(`not valid JSON: arrays and objects nested more than ${DOC_MAX_DEPTH} levels deep`);
      return c === '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const [word, v] of DOC_WORDS) if (text.startsWith(word, i)) { i += word.length; return v; }
    fail(i >= text.length ? 'not valid JSON: the document ends early' : `not valid JSON: unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
  };
  const array = (depth) => {
    i++;
    const out = [];
    skipSpace();
    if (text[i] === ']') { i++; return out; }
    for (;;) {
      out.push(value(depth));
      skipSpace();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === ']') { i++; return out; }
      fail(i >= text.length ? 'not valid JSON: the document ends early' : 'not valid JSON: expected "," or "]"');
    }
  };
  const object = (depth) => {
    i++;
    const out = {};
    skipSpace();
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(i >= text.length ? 'not valid JSON: the document ends early' : 'not valid JSON: expected a "key"');
      const at = i;
      const key = string();
      if (Object.prototype.hasOwnProperty.call(out, key)) fail(`duplicate key ${JSON.stringify(key)}`, at);
      skipSpace();
      if (text[i] !== ':') fail('not valid JSON: expected ":"');
      i++;
      // defineProperty: a key "__proto__" is data, not the prototype
      Object.defineProperty(out, key, { value: value(depth), enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return out; }
      fail(i >= text.length ? 'not valid JSON: the document ends early' : 'not valid JSON: expected "," or "}"');
    }
  };
  const doc = value(0);
  skipSpace();
  if (i < text.length) fail('not valid JSON: text after the document');
  return doc;
}

function parseJsonText(text, file) {
  if (text.charCodeAt(0) === 0xfeff) throwErrors([{ file, message: 'starts with a byte order mark (U+FEFF); a draw document is UTF-8 without BOM' }]);
  try {
    return parseDocumentJson(text);
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    const before = text.slice(0, e.at);
    const line = before.split('\n').length;
    throwErrors([{ file, line, column: e.at - before.lastIndexOf('\n'), message: e.message }]);
  }
}

export async function verifyDraw(draw, inputs) {
  const file = (inputs && inputs.names && inputs.names.draw) || 'draw';
  if (draw instanceof Uint8Array || draw instanceof ArrayBuffer) {
    const bytes = asBytes(draw, file);
    let text;
    // ignoreBOM: keep a BOM, so that parseJsonText refuses it (§9.1)
    try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes); } catch {
      throwErrors([{ file, message: `not valid UTF-8 at byte ${firstInvalidByte(bytes, 'utf-8')}` }]);
    }
    draw = parseJsonText(text, file);
  } else if (typeof draw === 'string') draw = parseJsonText(draw, file);
  if (!isPlainObject(draw) || typeof draw.seed !== 'string') {
    throw new FairdrawError(`${file}: has no "seed" string (the document must be a JSON object with a seed)`);
  }
  const computed = await computeDraw({ ...inputs, seed: draw.seed });
  const differences = compareDocuments(computed, draw);
  const targets = computed.assignments.length;
  const summary = differences.length === 0
    ? `${computed.strata.length} strata, ${targets} target${targets === 1 ? '' : 's'}, plan digest ${computed.plan_digest}`
    : `${differences.length} difference${differences.length === 1 ? '' : 's'} from the recomputed draw`;
  return { status: differences.length === 0 ? 'verified' : 'mismatch', differences, summary, computed };
}

/** JSON.stringify that also prints BigInt (used for documents with huge plan integers). */
function stringifyJson(v, indent) {
  return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? { __bigint__: x.toString() } : x), indent)
    .replace(/\{\s*"__bigint__":\s*"(-?\d+)"\s*\}/g, '$1');
}

// ═════════════════════════════════════════════════════════════════════════════
// Node CLI
// ═════════════════════════════════════════════════════════════════════════════

const USAGE = `usage:
  node web/verify.js DRAW.json --enterprises E.csv --inspectors I.csv [--conflicts C.csv] --plan P.toml
  node web/verify.js --emit --enterprises E.csv --inspectors I.csv [--conflicts C.csv] --plan P.toml (--seed STRING | --seed-file FILE)`;

function parseArgs(argv) {
  const opts = { positional: [] };
  const valued = ['enterprises', 'inspectors', 'conflicts', 'plan', 'seed', 'seed-file'];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--emit') { opts.emit = true; continue; }
    if (a === '--help' || a === '-h') { opts.help = true; continue; }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (m && valued.includes(m[1])) {
      let v = m[2];
      if (v === undefined) {
        if (k + 1 >= argv.length) throw new FairdrawError(`option --${m[1]} needs a value\n${USAGE}`);
        v = argv[++k];
      }
      if (opts[m[1]] !== undefined) throw new FairdrawError(`option --${m[1]} given twice`);
      opts[m[1]] = v;
      continue;
    }
    if (a.startsWith('--') && a.length > 2) throw new FairdrawError(`unknown option ${a}\n${USAGE}`);
    opts.positional.push(a);
  }
  return opts;
}

async function cliMain(argv, io) {
  const { readFile, path } = io;
  const opts = parseArgs(argv);
  if (opts.help) { io.out(USAGE); return 0; }
  const read = async (p, what) => {
    try { return new Uint8Array(await readFile(p)); } catch (e) {
      throw new FairdrawError(`${p}: cannot read ${what}: ${e.message}`);
    }
  };
  for (const k of ['enterprises', 'inspectors', 'plan']) if (opts[k] === undefined) throw new FairdrawError(`missing --${k}\n${USAGE}`);
  if (opts.emit) {
    if (opts.positional.length) throw new FairdrawError(`--emit takes no DRAW.json argument\n${USAGE}`);
    if ((opts.seed === undefined) === (opts['seed-file'] === undefined)) throw new FairdrawError(`--emit needs exactly one of --seed or --seed-file\n${USAGE}`);
  } else {
    if (opts.positional.length !== 1) throw new FairdrawError(`expected exactly one DRAW.json argument\n${USAGE}`);
    if (opts.seed !== undefined || opts['seed-file'] !== undefined) throw new FairdrawError('--seed/--seed-file are only for --emit (verification uses the seed in DRAW.json)');
  }
  const planDir = path.dirname(path.resolve(opts.plan));
  const inputs = {
    enterprises: await read(opts.enterprises, 'the enterprise registry'),
    inspectors: await read(opts.inspectors, 'the inspector roster'),
    conflicts: opts.conflicts !== undefined ? await read(opts.conflicts, 'the recusal list') : undefined,
    plan: await read(opts.plan, 'the plan'),
    planFiles: async (name) => {
      const p = path.resolve(planDir, name);
      try { return new Uint8Array(await readFile(p)); } catch (e) {
        throw new Error(`${p}: ${e.code || e.message}`);
      }
    },
    names: { enterprises: opts.enterprises, inspectors: opts.inspectors, conflicts: opts.conflicts, plan: opts.plan },
  };
  if (opts.emit) {
    let seed = opts.seed;
    if (seed === undefined) {
      const b = await read(opts['seed-file'], 'the seed file');
      try { seed = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { throw new FairdrawError(`${opts['seed-file']}: the seed file is not valid UTF-8`); }
    }
    const doc = await computeDraw({ ...inputs, seed });
    io.out(stringifyJson(doc, 2));
    return 0;
  }
  const drawPath = opts.positional[0];
  const drawBytes = await read(drawPath, 'the draw document');
  inputs.names.draw = drawPath;
  const res = await verifyDraw(drawBytes, inputs);
  if (res.status === 'verified') {
    io.out(`VERIFIED: ${res.summary}`);
    return 0;
  }
  const lines = ['MISMATCH'];
  for (const d of res.differences.slice(0, 50)) lines.push(formatDifference(d));
  if (res.differences.length > 50) lines.push(`… and ${res.differences.length - 50} more`);
  io.out(lines.join('\n'));
  return 1;
}

async function runCliIfMain() {
  if (typeof process !== 'object' || !process || !process.versions || !process.versions.node) return;
  if (!Array.isArray(process.argv) || !process.argv[1]) return;
  const [{ pathToFileURL }, fs, path] = await Promise.all([import('node:url'), import('node:fs'), import('node:path')]);
  let mainUrl;
  try { mainUrl = pathToFileURL(fs.realpathSync(process.argv[1])).href; } catch { return; }
  if (mainUrl !== import.meta.url) return;
  for (const st of [process.stdout, process.stderr]) st.on('error', () => {}); // e.g. EPIPE with `| head`
  const write = (stream, text) => new Promise(res => stream.write(text + '\n', () => res()));
  const pending = [];
  const io = {
    readFile: fs.promises.readFile,
    path,
    out: (t) => pending.push(write(process.stdout, t)),
  };
  let code;
  try {
    code = await cliMain(process.argv.slice(2), io);
  } catch (e) {
    const msg = e instanceof FairdrawError ? e.message : `internal error: ${e && e.stack ? e.stack : e}`;
    pending.push(write(process.stderr, msg.split('\n').map(l => `error: ${l}`).join('\n')));
    code = 2;
  }
  await Promise.all(pending);
  process.exitCode = code;
}

runCliIfMain().catch((e) => {
  try { process.stderr.write(`error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 2; } catch { /* not node */ }
});
