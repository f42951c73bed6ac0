// web/verify/snapshots.js — SPEC §5 Snapshots: the registries' leaves and
// roots, the scope.where columns; the enterprise root of a large registry
// hashed on a second core.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint, cmpTuple, sortByKey, usccOrder } from './order.js';
import { fastHashing, hex, sha256Each, sha256Node, sha256Sync, utf8, utf8Encoder } from './sha256.js';
import { textOf } from './csv.js';
import { ENTERPRISE_FIELDS, STATUS_VALUES, headerMatches, parseDate } from './tables.js';
import { CLASSES } from './plan.js';
import { inRange, normalizeValue, rangeKind } from './ranges.js';
import { canonicalJson, jsonString } from './canonical-json.js';
import { merkleRoot, treeRoot } from './merkle.js';
import { runJob } from './worker.js';

const BASE_ENTERPRISE_COLUMNS = ['uscc', 'name', 'credit_class', 'region', 'industry', 'status'];

/**
 * §5 + §6 "where": resolve the plan's where columns against the registry:
 * a column naming a §1.1 field uses that field; otherwise it is an extra column.
 * Returns {extraCols: [header text, sorted], tests: [k => bool, ...] (k: a
 * firm's number in the registry, ./registry.js), extraValues: header text ->
 * that column's values, one per firm}.
 */
export function resolveWhere(plan, ents) {
  const extraCols = [];
  const tests = []; // predicates k => bool
  const extraValues = new Map();
  // §5: the filter columns are where's and range's; established and extra
  // columns are in the leaf, ranged values normalised (§6.2)
  const kinds = new Map((plan.scope.range || []).map(r => [r[0], rangeKind(r)]));
  const valuesOf = (col) => {
    let values = extraValues.get(col);
    if (values) return values;
    if (col === 'established') values = ents.column(ents.table.fieldCol.get('established')).map(v => (v === '' ? '' : parseDate(v)));
    else {
      values = ents.column(ents.table.extras.get(col));
      if (kinds.has(col)) values = values.map(v => normalizeValue(kinds.get(col), v));
    }
    extraCols.push(col);
    extraValues.set(col, values);
    return values;
  };
  for (const [col, value] of plan.scope.where) {
    const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
    if (f && f.name !== 'established') {
      const name = f.name;
      tests.push(k => ents.field(name, k) === value);
    } else {
      const values = valuesOf(col);
      tests.push(k => values[k] === value);
    }
  }
  for (const range of plan.scope.range || []) {
    const values = valuesOf(range[0]);
    tests.push(k => inRange(range, values[k]));
  }
  extraCols.sort(cmpCodePoint);
  if (plan.scope.wake) { // §5, §6.3: a waking plan's leaves end with the dormancy dates, after the filter columns
    for (const col of ['dormant_from', 'dormant_until']) {
      extraCols.push(col);
      extraValues.set(col, Array.from({ length: ents.count }, (_, k) => ents.field(col, k)));
    }
  }
  return { extraCols, tests, extraValues };
}

/**
 * §5: the three snapshots, started: {result: Promise<{enterprises,
 * inspectors, conflicts}>, cancel()}. The enterprise root of a large
 * registry is hashed on a second core while the caller goes on with the
 * draw (cancel() stops it when the draw fails). `early`: its enterprise
 * root already started without extra columns (startEnterpriseRoot), used
 * when the plan names none.
 */
export function startSnapshots(ents, insps, conflicts, extraCols, extraValues, early = null) {
  if (early && extraCols.length) early.cancel();
  const enterprises = early && !extraCols.length ? early : startEnterpriseRoot(ents, extraCols.map(c => extraValues.get(c)));
  const result = (async () => {
    // Inspectors, sorted by id
    const is = sortByKey(insps.list, i => i.id);
    const iLeaf = i => canonicalJson([i.id, i.name, i.department, i.region, i.active, i.role, i.qualifications, i.cert_expires]);
    // Conflicts, sorted by inspector_id then uscc
    const cs = [...conflicts].sort(cmpTuple);
    const inspectors = { root: await merkleRoot(is.map(iLeaf)), count: is.length };
    const conflictsSnap = { root: await merkleRoot(cs.map(c => canonicalJson([c[0], c[1]]))), count: cs.length };
    return {
      enterprises: { root: await enterprises.result, count: ents.count, columns: [...BASE_ENTERPRISE_COLUMNS, ...extraCols] },
      inspectors,
      conflicts: conflictsSnap,
    };
  })();
  return { result, cancel: enterprises.cancel };
}

// From this many firms the enterprise root is hashed with a Worker (below
// 10^5 firms it takes a fraction of a second, less than starting one).
const WORKER_FROM = 100000;
let workerFrom = WORKER_FROM;
// How many enterprise roots were made of a Worker's two halves (tests).
let shared = 0;

/**
 * Tests: the registry size from which a Worker hashes the enterprise root
 * (at least 2, for the root to split in two halves; null: the default
 * 10^5), so that a small registry takes the Worker's path; and how many
 * roots were made of a Worker's halves so far (a test that the Worker ran,
 * since a failing Worker is replaced by this thread without a word).
 */
export function workerFromForTests(n) { workerFrom = n === null ? WORKER_FROM : Math.max(2, n); }
export const rootsSharedForTests = () => shared;

/** Is a registry of n firms large enough for a Worker (here and in ./rebuild.js)? */
export const usesWorker = n => n >= workerFrom;

/**
 * The enterprise root (hex) of `ents` (./registry.js) with the values of
 * the extra columns `extras`, started: {result, cancel()}; null with
 * `onlyInWorker` for a registry too small for a Worker. For a large
 * registry the work is shared along MTH's own split (§5: the root is
 * SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two
 * below n): a Worker (./snapshot-worker.js) makes and hashes every leaf,
 * hands the hashes of D[k:n] back and goes on with the subtree D[0:k];
 * this thread hashes the subtree D[k:n] once it is free. Where there is no
 * worker, or it fails, everything is done here.
 */
export function startEnterpriseRoot(ents, extras, { onlyInWorker = false } = {}) {
  const n = ents.count;
  if (!usesWorker(n) && onlyInWorker) return null;
  const columns = leafColumns(ents, extras);
  const here = async () => hex(await treeRoot((await enterpriseLeafHashes(columns, n))[0], n));
  if (!usesWorker(n)) return { result: here(), cancel: () => {} };
  const job = runJob(new URL('./snapshot-worker.js', import.meta.url), columns);
  let cancelled = false;
  const result = (async () => {
    const right = await job.next(); // {hashes: the leaf hashes of D[k:n]}
    const rightRoot = right && await treeRoot(right.hashes, n - splitPoint(n));
    const left = rightRoot && await job.next(); // {root: MTH(D[0:k])}
    job.stop();
    if (cancelled) return null; // (no longer wanted)
    if (!left) return here();
    shared++;
    const node = new Uint8Array(64);
    node.set(left.root, 0);
    node.set(rightRoot, 32);
    return hex(sha256Node(node, 0, new Uint8Array(32), 0));
  })();
  return { result, cancel: () => { cancelled = true; job.stop(); } };
}

/** MTH's split of n >= 2 leaves: the largest power of two below n. */
export function splitPoint(n) {
  let k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

/**
 * The Worker's side of startEnterpriseRoot (./snapshot-worker.js): every
 * leaf hash, those of D[k:n] posted back, then the root of D[0:k] returned.
 */
export async function shareEnterpriseRoot(columns, post) {
  const k = splitPoint(columns.count);
  const [left, right] = await enterpriseLeafHashes(columns, k);
  post({ hashes: right }, [right.buffer]);
  return { root: await treeRoot(left, k) };
}

/**
 * What an enterprise leaf is made of (§5), as plain data that can be posted
 * to a Worker: the registry's columns (./registry.js), the text of its
 * distinct regions and industries, and the values of the extra columns.
 */
function leafColumns(ents, extras) {
  const { count, codes, names, nameEnd, cls, region, industry, status, regions, industries } = ents;
  return { count, codes, names, nameEnd, cls, region, industry, status, regions, industries, extras };
}

/**
 * §5 the enterprise leaf hashes from leafColumns(), in USCC order (32 bytes
 * each): leaf = UTF-8(canonicalJson([uscc, name, credit_class, region,
 * industry, status, extras...])), as two arrays: the first `split`, and the
 * rest. The leaves are made in registry (file) order — the order their
 * bytes lie in memory — and each hash is put at the leaf's place in USCC
 * order.
 */
async function enterpriseLeafHashes(columns, split) {
  const { count: n, codes, names, nameEnd, cls, region, industry, status, extras } = columns;
  const { order } = usccOrder(codes, n);
  const place = new Uint32Array(n); // firm f is leaf place[f]
  for (let j = 0; j < n; j++) place[order[j]] = j;
  // the few distinct classes, regions, industries and statuses, each encoded once, after their comma
  const json = texts => texts.map(x => utf8(',' + jsonString(x)));
  const classJson = json(CLASSES), regionJson = json(columns.regions), industryJson = json(columns.industries), statusJson = json(STATUS_VALUES);
  const w = new LeafBytes();
  const leaf = (f) => {
    w.start();
    w.quoted(codes, 18 * f, 18 * f + 18);
    w.quoted(names, f ? nameEnd[f - 1] : 0, nameEnd[f]);
    w.encoded(classJson[cls[f]]);
    w.encoded(regionJson[region[f]]);
    w.encoded(industryJson[industry[f]]);
    w.encoded(statusJson[status[f]]);
    for (const values of extras) w.string(values[f]);
    return w.end();
  };
  const first = new Uint8Array(32 * split), rest = new Uint8Array(32 * (n - split));
  if (await fastHashing()) {
    for (let f = 0; f < n; f++) {
      const p = place[f], len = leaf(f);
      if (p < split) sha256Sync(w.buf, first, 32 * p, len);
      else sha256Sync(w.buf, rest, 32 * (p - split), len);
    }
  } else {
    await sha256Each(n, f => w.buf.slice(0, leaf(f)), (f, h) => {
      const p = place[f];
      if (p < split) first.set(h, 32 * p); else rest.set(h, 32 * (p - split));
    });
  }
  return [first, rest];
}

/**
 * 0x00 || UTF-8 of the canonical JSON (§4) of an array of strings, written
 * value by value into one reused buffer: 10^6 enterprise leaves are hashed
 * without building a string for each. Values come as UTF-8 bytes
 * (quoted()), already encoded with the comma before them (encoded(): the
 * few distinct classes, regions, industries and statuses), or as text
 * (string()).
 */
class LeafBytes {
  constructor() {
    this.buf = new Uint8Array(1024);
    this.len = 0;
  }

  start() {
    this.buf[0] = 0x00;
    this.buf[1] = 0x5b; // [
    this.len = 2;
  }

  /** Closes the array; the leaf is buf[0..len) (its length returned), valid until the next start(). */
  end() {
    this.room(1);
    this.buf[this.len++] = 0x5d; // ]
    return this.len;
  }

  /** Room for n more bytes. */
  room(n) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(2 * (this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** The string whose UTF-8 is src[from..to) (valid UTF-8): copied between quotes when it needs no escape. */
  quoted(src, from, to) {
    const at = this.len;
    this.room(to - from + 3);
    const buf = this.buf;
    let o = at;
    if (o > 2) buf[o++] = 0x2c; // ,
    buf[o++] = 0x22;
    for (let k = from; k < to; k++) {
      const c = src[k];
      if (c < 0x20 || c === 0x22 || c === 0x5c) { this.string(textOf(src, from, to)); return; }
      buf[o++] = c;
    }
    buf[o++] = 0x22;
    this.len = o;
  }

  /** A value already encoded: `,"…"` (copied by a loop: a call to set() costs more for a few bytes). */
  encoded(b) {
    this.room(b.length);
    const buf = this.buf;
    let o = this.len;
    for (let k = 0; k < b.length; k++) buf[o++] = b[k];
    this.len = o;
  }

  /** The string s, as JSON with the escapes §4 needs. */
  string(s) {
    this.room(6 * s.length + 3); // a control character would be written as \u00xx
    if (this.len > 2) this.buf[this.len++] = 0x2c;
    this.len += utf8Encoder.encodeInto(jsonString(s), this.buf.subarray(this.len)).written;
  }
}
