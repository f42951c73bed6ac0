// web/verify/snapshots.js — SPEC §5 Snapshots: the registries' leaves and
// roots, the scope.where columns; the enterprise root of a large registry
// hashed on a second core.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint, cmpTuple, sortByKey } from './order.js';
import { hex, sha256Node } from './sha256.js';
import { ENTERPRISE_FIELDS, headerMatches, parseDate } from './tables.js';
import { inRange, normalizeValue, rangeKind } from './ranges.js';
import { canonicalJson } from './canonical-json.js';
import { merkleRoot, splitPoint, treeRoot } from './merkle.js';
import { enterpriseLeafHashes, leavesAreRecords } from './enterprise-leaves.js';
import { runJob, warmJob } from './worker.js';
import { canShare, startSharedRoot } from './root-share.js';

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
  return { result, cancel: enterprises.cancel, help: enterprises.help };
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
 * 10^5), so that a small registry takes the Worker's path, and `share:
 * false` for the split in two halves where memory could be shared; and how
 * many roots a Worker took part in so far (a test that the Worker ran,
 * since a failing Worker is replaced by this thread without a word).
 */
export function workerFromForTests(n, { share = true } = {}) {
  workerFrom = n === null ? WORKER_FROM : Math.max(2, n);
  sharing = share;
}
let sharing = true; // (tests: false to take the split in two halves where memory could be shared)
export const rootsSharedForTests = () => shared;

/** Is a registry of n firms large enough for a Worker? */
export const usesWorker = n => n >= workerFrom;

/** A registry of n firms is coming (web/logged.js, before its download): its Worker, if it gets one, starts now (./worker.js warmJob). */
export function warmEnterpriseRoot(n) {
  if (usesWorker(n)) warmJob(new URL('./snapshot-worker.js', import.meta.url));
}
const nothing = () => Promise.resolve();

/**
 * The enterprise root (hex) of `ents` (./registry.js) with the values of
 * the extra columns `extras`, started: {result, cancel(), help()}; null
 * with `onlyInWorker` for a registry too small for a Worker. help(): the
 * caller, free now, takes a share of the work (resolves when none is left).
 * For a large registry, where memory can be shared, a Worker and this
 * thread take pieces of the work as each is free (./root-share.js).
 * Otherwise the work is split along MTH's own split (§5: the root is
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
  if (!usesWorker(n)) return { result: here(), cancel: () => {}, help: nothing };
  if (sharing && canShare()) return startSharedRoot(columns, here, { onShared: () => { shared++; } });
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
  return { result, cancel: () => { cancelled = true; job.stop(); }, help: nothing };
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
 * Are the enterprise leaves of `ents` with the extra columns `extraCols`
 * the records of `csv`, line for line (./enterprise-leaves.js
 * leavesAreRecords)?
 */
export function enterpriseLeavesAre(ents, extraCols, extraValues, csv) {
  return leavesAreRecords(leafColumns(ents, extraCols.map(c => extraValues.get(c))), csv);
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
