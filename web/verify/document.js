// web/verify/document.js — SPEC §9 The draw document, §9.1 its strict JSON
// reader and §10 verification (comparison, differences).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { FairdrawError, throwErrors } from './errors.js';
import { LONE_SURROGATE, hasLoneSurrogate, hex, sha256, utf8 } from './sha256.js';
import { asBytes, firstInvalidByte } from './csv.js';
import { readConflicts, readInspectors } from './tables.js';
import { readEnterprises } from './registry.js';
import { SPEC_ALGORITHM, readPlan } from './plan.js';
import { canonicalJson, isPlainObject } from './canonical-json.js';
import { enterpriseLeavesAre, resolveWhere, startEnterpriseRoot, startSnapshots } from './snapshots.js';
import { seedHash } from './tickets.js';
import { drawSelection } from './regions.js';
import { assign } from './assignment.js';

export async function computeDraw(inputs) {
  if (!inputs || typeof inputs !== 'object') throw new FairdrawError('computeDraw: missing inputs');
  checkSeed(inputs.seed);
  return finishDraw(await prepareDraw(inputs), inputs.seed);
}

function checkSeed(seed) {
  if (typeof seed !== 'string') throw new FairdrawError('the seed must be a string');
  if (LONE_SURROGATE.test(seed)) throw new FairdrawError('the seed is not a valid Unicode string (lone surrogate)');
}

/**
 * The part of computeDraw that does not need the seed: the inputs read and
 * checked (§1, §3), and the snapshots started (§5: a large registry's
 * enterprise root is hashed meanwhile, in a Worker; `snapshotJob.cancel()`
 * stops it when the draw goes no further).
 */
async function prepareDraw(inputs) {
  const { enterprises, inspectors, conflicts, plan: planInput, planFiles } = inputs;
  const names = { enterprises: 'enterprises', inspectors: 'inspectors', conflicts: 'conflicts', plan: 'plan', ...(inputs.names || {}) };
  for (const [k, v] of [['enterprises', enterprises], ['inspectors', inspectors], ['plan', planInput]]) {
    if (v === undefined || v === null) throw new FairdrawError(`missing input: ${k}`);
  }

  // §1: registries (all errors of all files collected and reported together).
  // A large registry's enterprise snapshot starts hashing on a second core
  // as soon as its firms are read, for a plan without filter columns (§5):
  // startSnapshots starts it again when the plan has some, and it is
  // stopped when the draw goes no further.
  const errors = [];
  let early = null;
  const ents = readEnterprises(enterprises, names.enterprises, errors, (reg) => {
    if (!errors.length) early = startEnterpriseRoot(reg, [], { onlyInWorker: true });
  });
  try {
    const insps = readInspectors(inspectors, names.inspectors, errors);
    const confs = conflicts === undefined || conflicts === null ? [] : readConflicts(conflicts, names.conflicts, errors, ents, insps);
    if (errors.length) throwErrors(errors);

    // §3: plan (+ the files it names)
    const { plan, meta } = await readPlan(planInput, planFiles, names.plan, ents, insps);
    // A logged plan (web/logged.js) also carries what the writer added from the
    // log at commit: its annual batch, its wake-ups and the firms its results
    // flag (SPEC §3.3, §6.3, §6.4).
    const logged = inputs.logged || {};
    if (isPlainObject(logged.annual)) plan.annual = logged.annual;
    if (isPlainObject(logged.wake) && plan.scope.wake) plan.scope.wake = logged.wake;
    if (Array.isArray(logged.flagged) && plan.feedback) plan.feedback.flagged = logged.flagged;
    const planDigest = hex(await sha256(utf8(canonicalJson(plan))));

    // §5: snapshots
    const { extraCols, tests, extraValues } = resolveWhere(plan, ents);
    const snapshotJob = startSnapshots(ents, insps, confs, extraCols, extraValues, early);
    ents.releaseFile(); // (read: the draw needs only its columns)
    // web/logged.js: are the leaves being hashed the lines of the snapshot the
    // registry was rebuilt from? Asked now, while the Worker hashes, so that
    // the caller can let go of the rebuilt CSV (87 MB for 10^6 firms) before the draw.
    const same = inputs.sameLeaves;
    if (same) {
      same.equal = enterpriseLeavesAre(ents, extraCols, extraValues, same.csv);
      same.release();
    }
    return { ents, insps, confs, plan, meta, planDigest, tests, snapshotJob };
  } catch (e) {
    if (early) early.cancel();
    throw e;
  }
}

/** The rest of computeDraw, with the seed: selection (§6–§7), assignment (§8), the document (§9). */
async function finishDraw(prepared, seed) {
  const { ents, insps, confs, plan, meta, planDigest, tests, snapshotJob } = prepared;
  let seedHex, strata, floors, assignments, snaps;
  try {
    // §6–§7: strata and selection
    seedHex = await seedHash(seed);
    let targets;
    ({ strata, floors, targets } = await drawSelection(ents, plan, meta, tests, seedHex));

    // §8: assignment
    assignments = await assign(targets, insps, confs, plan, meta, seed);
    await snapshotJob.help(); // this thread, free now, takes its share of the enterprise root
    snaps = await snapshotJob.result;
  } catch (e) {
    abandon(prepared);
    throw e;
  }

  return {
    format: 'fairdraw-draw/1',
    algorithm: SPEC_ALGORITHM,
    plan_name: plan.name,
    seed,
    seed_hash: seedHex,
    plan_digest: planDigest,
    snapshots: snaps,
    strata,
    ...(floors !== null ? { floors } : {}), // §9: only with [strata] (§6.1)
    assignments,
    plan,
  };
}

/** A prepared draw that goes no further: its snapshot hashing stopped. */
function abandon(prepared) {
  if (!prepared) return;
  prepared.snapshotJob.cancel();
  prepared.snapshotJob.result.catch(() => {}); // (its answer is no longer wanted)
}

// ═════════════════════════════════════════════════════════════════════════════
// §10 Verification
// ═════════════════════════════════════════════════════════════════════════════

function pathKey(path, key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;
}
function sameScalar(a, b) {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try { return (typeof a === 'bigint' || Number.isInteger(a)) && (typeof b === 'bigint' || Number.isInteger(b)) && BigInt(a) === BigInt(b); } catch { return false; }
  }
  return a === b;
}

/** Two equal values that are neither arrays nor objects: compareDocuments would report nothing. */
function sameLeaf(a, b) { return a === b && (typeof a !== 'object' || a === null); }

/** Value-by-value comparison; returns [{path, expected, actual}]. */
export function compareDocuments(expected, actual, path = '', out = []) {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      if (sameLeaf(expected[i], actual[i])) continue; // (no path string for the 10^5 equal values)
      compareDocuments(expected[i], actual[i], `${path}[${i}]`, out);
    }
    return out;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = Object.keys(expected);
    for (const k of Object.keys(actual)) if (!Object.prototype.hasOwnProperty.call(expected, k)) keys.push(k);
    for (const k of keys) {
      const e = Object.prototype.hasOwnProperty.call(expected, k) ? expected[k] : undefined;
      const a = Object.prototype.hasOwnProperty.call(actual, k) ? actual[k] : undefined;
      if (!sameLeaf(e, a)) compareDocuments(e, a, pathKey(path, k), out);
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
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(i)) i++;
  };
  // a string without \u escapes is slices of `text` cut at ASCII characters:
  // it can hold a lone surrogate only when `text` does
  const textHasLoneSurrogate = hasLoneSurrogate(text);
  const string = () => {
    const at = i++;
    let out = '', from = i, unicodeEscape = false;
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
        unicodeEscape = true;
        i += 6;
      } else if (e !== undefined && Object.prototype.hasOwnProperty.call(DOC_ESCAPES, e)) {
        out += DOC_ESCAPES[e];
        i += 2;
      } else fail('not valid JSON: an invalid escape in a string');
      from = i;
    }
    out += text.slice(from, i++);
    if ((unicodeEscape || textHasLoneSurrogate) && LONE_SURROGATE.test(out)) fail('not valid JSON: a string holds a lone surrogate escape', at);
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
      // defineProperty: a key "__proto__" is data, not the prototype (for any
      // other key a plain assignment makes the same property, and much faster)
      if (key === '__proto__') Object.defineProperty(out, key, { value: value(depth), enumerable: true, writable: true, configurable: true });
      else out[key] = value(depth);
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

/**
 * The published document (§9.1), read strictly; its errors are thrown as
 * FairdrawErrors naming `file`.
 */
function readDocument(draw, file) {
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
  return draw;
}

export async function verifyDraw(draw, inputs) {
  const file = (inputs && inputs.names && inputs.names.draw) || 'draw';
  // The inputs are read before the document is, so that a large registry's
  // snapshot is hashed (in a Worker) while the document is parsed. What is
  // wrong is reported as if in the other order: the document first, then
  // the seed, then the inputs.
  let prepared = null, failed = null;
  try { prepared = await prepareDraw({ ...inputs }); } catch (e) { failed = e; }
  try {
    draw = readDocument(draw, file);
    checkSeed(draw.seed);
    if (failed) throw failed;
  } catch (e) {
    abandon(prepared);
    throw e;
  }
  const computed = await finishDraw(prepared, draw.seed);
  const differences = compareDocuments(computed, draw);
  const summary = differences.length === 0
    ? verifiedSummary(computed)
    : `${differences.length} difference${differences.length === 1 ? '' : 's'} from the recomputed draw`;
  return { status: differences.length === 0 ? 'verified' : 'mismatch', differences, summary, computed };
}

/** The one-line summary of a recomputed document that matched. */
export function verifiedSummary(computed) {
  const targets = computed.assignments.length;
  return `${computed.strata.length} strata, ${targets} target${targets === 1 ? '' : 's'}, plan digest ${computed.plan_digest}`;
}

/** JSON.stringify that also prints BigInt (used for documents with huge plan integers). */
export function stringifyJson(v, indent) {
  return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? { __bigint__: x.toString() } : x), indent)
    .replace(/\{\s*"__bigint__":\s*"(-?\d+)"\s*\}/g, '$1');
}
