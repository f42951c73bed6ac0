// logged.js — re-run a *logged* draw in the browser (or node >= 20).
//
// web/verify.js recomputes a draw from the files a regulator used (CSV
// registries, a plan TOML and the files it names). A draw published from the
// audit log offers other material: the commitment's canonical plan (SPEC §3.3)
// and the three registry snapshots (gzip, one canonical-JSON leaf per line,
// LOG-FORMAT.md "Snapshots"). This module turns that material back into
// equivalent input files and hands them to verify.js, so the page needs no
// second implementation of the draw:
//
//   snapshot leaves  -> enterprises.csv / inspectors.csv / conflicts.csv
//                       (English headers; every cell quoted)
//   canonical plan   -> plan.toml + items.csv (+ history.csv with rotation)
//
// The rebuilt files are chosen so that verify.js re-derives exactly the same
// leaves, canonical plan and plan digest; any difference shows up in the
// value-by-value comparison with the published draw document.
//
// Besides the recomputation it checks what the log binds together and what a
// browser can check without a BLS library: each download hashes to its
// published Merkle root and count, the API's roots equal the commitment's,
// the commitment's plan digest, the beacon randomness (drand: SHA-256 of the
// signature; ceremony: the digits and witnesses) and the seed derived from
// the commitment id and the randomness. The signatures (drand BLS, the log's
// and the witnesses' Ed25519) are checked by web/verdict.js, which calls this.
//
// API:
//   verifyLoggedDraw(detail, fetchBytes, {onProgress, openings}) -> Promise<{
//       status: 'verified' | 'mismatch' | 'unchecked' (protected, infeasible),
//       infeasible: boolean,            // the log says "infeasible" (and we checked it)
//       differences: [{path, expected, actual}],   // expected = recomputed
//       checks: [{id, ok, ...}],        // what was checked, for the page to list
//       summary: string,                // one English line
//       computed }>                     // the recomputed document (when drawn)
//     detail     : the GET /api/draws/{id} response (web/openapi.json DrawDetail)
//     fetchBytes : url -> Promise<Uint8Array>
//     onProgress : optional (stage, info) callback; stages 'download',
//                  'root' (info: registry, count of leaves read so far, total =
//                  the published count; the snapshot is inflated and hashed as
//                  a stream), 'recompute'
//     openings   : a protected log's DrawResult `openings` (LOG-FORMAT.md
//                  "Publication"; web/verdict.js takes them from the receipt)
//   A protected log (the commitment has `blinded`): the blinded snapshots and
//   the public checks 1–6 instead of the recomputation; the result then has
//   protected: true and problems: [sentences].
//   Rejects (FairdrawError or Error) when the material cannot be read at all:
//   a missing field, a download that fails, a leaf that is not JSON.
//
// Exported helpers (tests): leavesOf, rebuildInputs, planToToml, csvLine.

import { verifyDraw, computeDraw, merkleRoot, canonicalJson, FairdrawError } from './verify.js';
import { gunzip as inflate, blobLines, forEachLine } from './verify/gzip.js';
import { MerkleStream } from './verify/merkle.js';
import { fastHashing } from './verify/sha256.js';
import { checkBlindedSnapshot, publicDocumentChecks } from './verify/protected.js';

export const REGISTRIES = ['enterprises', 'inspectors', 'conflicts'];
const INSPECTOR_HEADER = ['id', 'name', 'department', 'region', 'active', 'role', 'qualifications', 'cert_expires'];
const CONFLICT_HEADER = ['inspector_id', 'uscc'];
const ITEM_HEADER = ['item', 'code', 'basis', 'department', 'category', 'method', 'ceiling'];
const HISTORY_HEADER = ['uscc', 'inspector_id', 'date'];
// verify.js keeps, per USCC, the inspectors of the latest history date (§3.3);
// giving every pair the same date keeps all of them, i.e. exactly plan.history.
const HISTORY_DATE = '2000-01-01';
const CLASSES = ['A', 'B', 'C', 'D'];

const encoder = new TextEncoder();

// ─── small byte and hash helpers ────────────────────────────────────────────

function hex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

function unhex(s, what) {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new FairdrawError(`${what} is not hex`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function sha256(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', buf));
}

/** gunzip (web/verify/gzip.js), unless a server or proxy that sent the blob with
 * Content-Encoding: gzip made fetch() inflate it already (no gzip magic). */
async function gunzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? inflate(bytes) : bytes;
}

/** Split at LF: one leaf per line; a final LF ends the last line (no empty leaf). */
export const leavesOf = blobLines;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Leaf i (0-based) of a snapshot as JSON; throws a FairdrawError naming it. */
function parseLeaf(leaf, i, registry) {
  try {
    return JSON.parse(strictUtf8.decode(leaf));
  } catch (e) {
    throw new FairdrawError(`${registry} snapshot, leaf ${i + 1}: not a JSON array (${e.message})`);
  }
}

// ─── rebuilding the input files ─────────────────────────────────────────────

/** One CSV record; every cell quoted, so commas and quotes inside values survive. */
export function csvLine(cells) {
  return cells.map(c => '"' + String(c).replace(/"/g, '""') + '"').join(',');
}

/** A CSV file built a record at a time, encoded in batches (a registry of 10^6 firms is never one string). */
class CsvBytes {
  constructor(header) { this.parts = []; this.lines = [csvLine(header)]; this.size = 0; }
  add(cells) {
    this.lines.push(csvLine(cells));
    if (this.lines.length >= 8192) this.flush();
  }
  flush() {
    if (!this.lines.length) return;
    const b = encoder.encode(this.lines.join('\n') + '\n');
    this.parts.push(b);
    this.size += b.length;
    this.lines = [];
  }
  bytes() {
    this.flush();
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    this.parts = [];
    return out;
  }
}

function csvFile(header, rows) {
  const csv = new CsvBytes(header);
  for (const r of rows) csv.add(r);
  return csv.bytes();
}

function checkLeaf(row, i, registry, test, shape) {
  if (!Array.isArray(row) || !test(row)) {
    throw new FairdrawError(`${registry} snapshot, leaf ${i + 1}: expected ${shape}, got ${JSON.stringify(row).slice(0, 120)}`);
  }
}
const isStr = x => typeof x === 'string';

/**
 * Per registry: the CSV header and the CSV record of leaf row r (index i),
 * after checking its shape (a FairdrawError naming the leaf otherwise).
 */
const LEAF_CSV = {
  enterprises: {
    header: columns => columns,
    record: (r, i, columns) => {
      checkLeaf(r, i, 'enterprises', x => x.length === columns.length && x.every(isStr),
        `${columns.length} strings (${columns.join(', ')})`);
      return r;
    },
  },
  inspectors: {
    header: () => INSPECTOR_HEADER,
    record: (r, i) => {
      checkLeaf(r, i, 'inspectors',
        x => x.length === 8 && [0, 1, 2, 3, 5, 7].every(k => isStr(x[k])) && typeof x[4] === 'boolean'
          && Array.isArray(x[6]) && x[6].every(isStr),
        '[id, name, department, region, active, role, qualifications, cert_expires]');
      // qualifications were split at the §1.2 separators, so none contains ";"
      return [r[0], r[1], r[2], r[3], r[4] ? 'true' : 'false', r[5], r[6].join(';'), r[7]];
    },
  },
  conflicts: {
    header: () => CONFLICT_HEADER,
    record: (r, i) => {
      checkLeaf(r, i, 'conflicts', x => x.length === 2 && x.every(isStr), '[inspector_id, uscc]');
      return r;
    },
  },
};

function registryCsv(registry, rows, columns) {
  const form = LEAF_CSV[registry];
  return csvFile(form.header(columns), rows.map((r, i) => form.record(r, i, columns)));
}

/** A TOML basic string. JSON's escapes are TOML's, except that TOML also wants DEL escaped. */
function tomlString(s) {
  return JSON.stringify(String(s)).replace(/\u007f/g, '\\u007F');
}
const tomlStrings = xs => '[' + xs.map(tomlString).join(', ') + ']';
function tomlInt(v, what) {
  if (!Number.isSafeInteger(v) || v < 0) throw new FairdrawError(`plan.${what}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return String(v);
}

/**
 * The canonical plan (§3.3) as plan TOML + the files it names, such that
 * verify.js re-derives the same canonical plan. Returns {toml, files}.
 */
export function planToToml(plan) {
  if (!plan || typeof plan !== 'object') throw new FairdrawError('the commitment has no plan');
  const L = [];
  const files = {};
  L.push(`# rebuilt from the canonical plan (SPEC §3.3) of a logged commitment`);
  L.push(`name = ${tomlString(plan.name)}`);
  L.push(`department = ${tomlString(plan.department ?? '')}`);
  if (plan.inspection_date) L.push(`inspection_date = ${tomlString(plan.inspection_date)}`);
  if (plan.method !== undefined) L.push(`method = ${tomlString(plan.method)}`); // SPEC §8.6: only off-site plans carry it
  const items = plan.items || [];
  if (items.length) {
    L.push(`items_file = "items.csv"`);
    L.push(`items = ${tomlStrings(items.map(it => it.item))}`);
    files['items.csv'] = csvFile(ITEM_HEADER, items.map(it =>
      ITEM_HEADER.map(k => (it[k] === null || it[k] === undefined ? '' : it[k]))));
  }
  L.push(`exclude = ${tomlStrings(plan.exclude || [])}`);
  if (plan.max_draws_per_year !== null && plan.max_draws_per_year !== undefined) {
    L.push(`max_draws_per_year = ${tomlInt(plan.max_draws_per_year, 'max_draws_per_year')}`);
  }
  L.push('', '[ratios]');
  for (const c of CLASSES) L.push(`${c} = ${tomlString(plan.ratios[c])}`);
  L.push('', '[min]');
  for (const c of CLASSES) L.push(`${c} = ${tomlInt(plan.min[c], `min.${c}`)}`);
  L.push('', '[max]');
  for (const c of CLASSES) if (plan.max[c] !== null && plan.max[c] !== undefined) L.push(`${c} = ${tomlInt(plan.max[c], `max.${c}`)}`);
  const scope = plan.scope;
  L.push('', '[scope]');
  L.push(`statuses = ${tomlStrings(scope.statuses)}`);
  L.push(`regions = ${tomlStrings(scope.regions)}`);
  L.push(`industries = ${tomlStrings(scope.industries)}`);
  if (scope.wake) L.push('wake = true'); // SPEC §6.3; its as_of and woken come from the log (inputsFrom)
  L.push('', '[scope.where]');
  for (const [col, val] of scope.where) L.push(`${tomlString(col)} = ${tomlString(val)}`);
  if (scope.range) { // SPEC §6.2: only when the plan has ranges
    L.push('', '[scope.range]');
    for (const [col, lo, hi] of scope.range) {
      const bounds = [lo !== null ? `min = ${tomlString(lo)}` : null, hi !== null ? `max = ${tomlString(hi)}` : null].filter(Boolean);
      L.push(`${tomlString(col)} = { ${bounds.join(', ')} }`);
    }
  }
  if (plan.caps) { // LOG-FORMAT "The burden ledger and caps": only the caps set
    L.push('', '[caps]');
    for (const [k, v] of Object.entries(plan.caps)) L.push(`${k} = ${tomlInt(v, `caps.${k}`)}`);
  }
  if (plan.embargo) { // SPEC §3: until a date, or for working days after the reveal
    if (plan.embargo.until !== undefined) L.splice(2, 0, `embargo_until = ${tomlString(plan.embargo.until)}`);
    else L.splice(2, 0, `embargo_working_days = ${tomlInt(plan.embargo.working_days, 'embargo.working_days')}`);
  }
  if (plan.strata) { // SPEC §6.1
    L.push('', '[strata]', `region_digits = ${tomlInt(plan.strata.region_digits, 'strata.region_digits')}`, `floor = ${tomlString(plan.strata.floor)}`);
  }
  if (plan.feedback) { // SPEC §6.4; its `flagged` comes from the log (inputsFrom)
    L.push('', '[feedback]', `ratio = ${tomlString(plan.feedback.ratio)}`);
    // stored only when not the default, in rule order (SPEC §3.3)
    if (Array.isArray(plan.feedback.reasons)) L.push(`reasons = ${tomlStrings(plan.feedback.reasons)}`);
  }
  const team = plan.team;
  L.push('', '[team]');
  L.push(`size = ${tomlInt(team.size, 'team.size')}`);
  L.push(`departments = ${tomlStrings(team.departments)}`);
  L.push(`region = ${tomlString(team.region)}`);
  if (team.max_targets_per_inspector !== null && team.max_targets_per_inspector !== undefined) {
    L.push(`max_targets_per_inspector = ${tomlInt(team.max_targets_per_inspector, 'team.max_targets_per_inspector')}`);
  }
  L.push(`qualifications = ${tomlStrings(team.qualifications)}`);
  L.push(`experts = ${tomlInt(team.experts, 'team.experts')}`);
  if (team.reviewers !== undefined) L.push(`reviewers = ${tomlInt(team.reviewers, 'team.reviewers')}`);
  L.push(`rotation = ${team.rotation ? 'true' : 'false'}`);
  if (team.rotation) {
    // history is read only with rotation (§3); it already holds the log's history
    L.push(`history_file = "history.csv"`);
    files['history.csv'] = csvFile(HISTORY_HEADER, (plan.history || []).map(([u, i]) => [u, i, HISTORY_DATE]));
  }
  return { toml: L.join('\n') + '\n', files };
}

/** Leaf rows of the three snapshots -> verify.js inputs (without seed). */
export function rebuildInputs(rows, enterpriseColumns, plan) {
  return inputsFrom({
    enterprises: registryCsv('enterprises', rows.enterprises, enterpriseColumns),
    inspectors: registryCsv('inspectors', rows.inspectors),
    conflicts: registryCsv('conflicts', rows.conflicts),
  }, plan);
}

/** The three registry CSV files and the canonical plan -> verify.js inputs (without seed). */
function inputsFrom(csv, plan) {
  const { toml, files } = planToToml(plan);
  return {
    ...csv,
    plan: toml,
    planFiles: files,
    // What the writer added from the log at commit and TOML cannot say: the
    // batch reference, the wake-ups as of the commitment and the firms its
    // results flag (SPEC §3.3, §6.3, §6.4).
    logged: { annual: plan.annual, wake: plan.scope && plan.scope.wake, flagged: plan.feedback && plan.feedback.flagged },
    names: { enterprises: 'enterprises snapshot', inspectors: 'inspectors snapshot', conflicts: 'conflicts snapshot', plan: 'commitment plan' },
  };
}

// ─── beacon and seed (LOG-FORMAT.md "Beacon records and the seed") ──────────

async function expectedRandomness(beacon) {
  if (beacon && beacon.type === 'drand') return hex(await sha256(unhex(beacon.signature, 'beacon.signature')));
  if (beacon && beacon.type === 'ceremony') {
    const parts = [encoder.encode('fairdraw-v1/ceremony'), new Uint8Array([0]), encoder.encode(beacon.digits)];
    for (const w of beacon.witnesses || []) parts.push(new Uint8Array([0]), encoder.encode(String(w).trim()));
    return hex(await sha256(...parts));
  }
  return null; // unknown kind: not checked here
}

async function expectedSeed(commitmentId, randomness) {
  return hex(await sha256(encoder.encode('fairdraw-v1/seed'), new Uint8Array([0]),
    unhex(commitmentId, 'beacon.commitment'), unhex(randomness, 'beacon.randomness')));
}

/** The plan digest, the beacon's randomness and the seed (both kinds of log). */
async function commitmentChecks(detail, checks, differ) {
  const { commitment, beacon: beaconRec } = detail;
  const digest = hex(await sha256(encoder.encode(canonicalJson(commitment.plan))));
  checks.push({ id: 'plan-digest', ok: digest === commitment.plan_digest, digest });
  if (digest !== commitment.plan_digest) differ('commitment.plan_digest', digest, commitment.plan_digest);

  const randomness = await expectedRandomness(beaconRec.beacon);
  if (randomness !== null) {
    checks.push({ id: 'randomness', ok: randomness === beaconRec.randomness, kind: beaconRec.beacon.type });
    if (randomness !== beaconRec.randomness) differ('beacon.randomness', randomness, beaconRec.randomness);
  }
  const commitmentId = beaconRec.commitment || (detail.summary && detail.summary.commitment);
  const seed = await expectedSeed(need(commitmentId, 'beacon.commitment'), need(beaconRec.randomness, 'beacon.randomness'));
  checks.push({ id: 'seed', ok: seed === beaconRec.seed, seed });
  if (seed !== beaconRec.seed) differ('beacon.seed', seed, beaconRec.seed);
}

// ─── a protected log (LOG-FORMAT.md "What a public verifier checks") ────────

/**
 * A protected log publishes blinded snapshots only: the draw cannot be re-run
 * here. Instead: the blinded snapshots hash to the commitment's `blinded`
 * roots, the commitment's digest, randomness and seed, and the public checks
 * 1–6 of the drawn document with the DrawResult's `openings`. An infeasible
 * outcome cannot be checked without the private snapshots: status
 * 'unchecked'. The result has `protected: true` and `problems` (sentences).
 */
async function verifyProtectedDraw(detail, fetchBytes, openings, { checks, differences, differ, progress }) {
  const { commitment } = detail;
  const snap = {};
  const problems = [];
  for (const reg of REGISTRIES) {
    const committed = need(commitment.blinded[reg], `commitment.blinded.${reg}`);
    progress('download', { registry: reg });
    const lines = leavesOf(await gunzip(await fetchBytes(`/api/snapshots/${committed.root}`)));
    progress('root', { registry: reg, count: lines.length });
    snap[reg] = await checkBlindedSnapshot(reg, lines, committed);
    checks.push({ id: 'blinded', registry: reg, ok: snap[reg].problems.length === 0, root: committed.root, count: lines.length });
    problems.push(...snap[reg].problems);
  }
  await commitmentChecks(detail, checks, differ);
  const base = { protected: true, differences, checks, problems };
  if (!detail.draw) {
    const status = differences.length || problems.length ? 'mismatch' : 'unchecked';
    return { ...base, status, infeasible: true, summary: 'a protected log: an infeasible outcome needs the auditor export' };
  }
  if (detail.draw.seed !== detail.beacon.seed) differ('draw.seed', detail.beacon.seed, detail.draw.seed);
  if (detail.draw.plan_digest !== commitment.plan_digest) differ('draw.plan_digest', commitment.plan_digest, detail.draw.plan_digest);
  progress('recompute', {});
  const found = await publicDocumentChecks(detail.draw, openings, commitment.plan, snap);
  checks.push({ id: 'public', ok: found.length === 0 });
  problems.push(...found);
  const status = differences.length || problems.length ? 'mismatch' : 'verified';
  return { ...base, status, infeasible: false, summary: status === 'verified' ? 'the public checks of a protected log pass' : `${problems.length + differences.length} problem(s)` };
}

// ─── the whole verification ─────────────────────────────────────────────────

/**
 * One snapshot blob read as a stream (never the whole decompressed text):
 * its Merkle root and leaf count, and csv() — the registry's CSV file for
 * verify.js. A leaf that is not JSON (jsonError) or not of the registry's
 * shape (thrown by csv()) matters only once the root is known to be the
 * committed one: a snapshot that is not proves nothing.
 */
async function readSnapshot(registry, raw, columns, total, progress) {
  const form = LEAF_CSV[registry];
  if (!(await fastHashing())) {
    // this browser's WebCrypto disagrees with the synchronous SHA-256: the slow way, every leaf held
    const leaves = leavesOf(await gunzip(raw));
    let jsonError = null, rows = [];
    try { rows = leaves.map((l, i) => parseLeaf(l, i, registry)); } catch (e) { jsonError = e; }
    return { root: await merkleRoot(leaves), count: leaves.length, jsonError, csv: () => registryCsv(registry, rows, columns) };
  }
  const tree = new MerkleStream();
  const csv = registry === 'enterprises' && columns === null ? null : new CsvBytes(form.header(columns));
  let jsonError = null, shapeError = null;
  progress('root', { registry, count: 0, total });
  await forEachLine(raw, (line) => {
    const i = tree.count;
    tree.add(line);
    if (i % 16384 === 16383) progress('root', { registry, count: i + 1, total });
    if (jsonError) return;
    let row;
    try { row = parseLeaf(line, i, registry); } catch (e) { jsonError = e; return; }
    if (shapeError || csv === null) return;
    try { csv.add(form.record(row, i, columns)); } catch (e) { shapeError = e; }
  });
  progress('root', { registry, count: tree.count, total });
  return {
    root: await tree.root(),
    count: tree.count,
    jsonError,
    csv: () => { if (shapeError) throw shapeError; return csv.bytes(); },
  };
}

function need(v, what) {
  if (v === undefined || v === null) throw new FairdrawError(`the draw detail has no ${what}`);
  return v;
}

export async function verifyLoggedDraw(detail, fetchBytes, { onProgress, openings } = {}) {
  const progress = (stage, info = {}) => { if (onProgress) onProgress(stage, info); };
  need(detail, 'body');
  const commitment = need(detail.commitment, 'commitment');
  const beaconRec = need(detail.beacon, 'beacon record');
  const published = need(detail.snapshots, 'snapshots');
  const plan = need(commitment.plan, 'commitment.plan');
  const differences = [];
  const checks = [];
  const differ = (path, expected, actual) => differences.push({ path, expected, actual });
  if (commitment.blinded) return verifyProtectedDraw(detail, fetchBytes, openings, { checks, differences, differ, progress });

  // 1. Snapshots: download, inflate, root and count; the API's roots must be the committed ones.
  // The leaf columns: published with the snapshot (and in the draw document).
  const columns = (published.enterprises && published.enterprises.columns) || (detail.draw && detail.draw.snapshots.enterprises.columns) || null;
  const read = {};
  for (const reg of REGISTRIES) {
    const snap = need(published[reg], `snapshots.${reg}`);
    const url = snap.url || `/api/snapshots/${snap.root}`;
    progress('download', { registry: reg, url });
    const raw = await fetchBytes(url);
    const got = await readSnapshot(reg, raw, columns, snap.count, progress);
    const { root, count } = got;
    const ok = root === snap.root && count === snap.count;
    checks.push({ id: 'snapshot', registry: reg, ok, root: snap.root, computedRoot: root, count });
    if (root !== snap.root) differ(`snapshots.${reg}.root`, root, snap.root);
    if (count !== snap.count) differ(`snapshots.${reg}.count`, count, snap.count);
    const committed = commitment.snapshots && commitment.snapshots[reg];
    if (!committed || committed.root !== snap.root) differ(`commitment.snapshots.${reg}.root`, snap.root, committed && committed.root);
    if (ok && got.jsonError) throw got.jsonError;
    read[reg] = got;
  }
  if (differences.length) {
    // A snapshot that is not the committed one proves nothing about the draw: stop here.
    const bad = differences.map(d => d.path).join(', ');
    return { status: 'mismatch', infeasible: !detail.draw, differences, checks,
      summary: `the downloaded snapshots do not match the published roots (${bad}); the draw was not recomputed` };
  }

  // 2. The commitment: plan digest, randomness from the beacon, seed from commitment + randomness.
  await commitmentChecks(detail, checks, differ);

  need(columns, 'snapshots.enterprises.columns');
  const inputs = inputsFrom(Object.fromEntries(REGISTRIES.map(reg => [reg, read[reg].csv()])), plan);

  // 3a. Infeasible: the recomputation must fail the same way (§8.5).
  if (!detail.draw) {
    progress('recompute', {});
    let reproduced = false;
    let message = '';
    try {
      await computeDraw({ ...inputs, seed: beaconRec.seed });
    } catch (e) {
      if (!(e instanceof FairdrawError) || e.kind !== 'no-valid-assignment') throw e;
      reproduced = true;
      message = e.message;
    }
    checks.push({ id: 'infeasible', ok: reproduced, message });
    if (!reproduced) differ('outcome', 'drawn', 'infeasible');
    return { status: differences.length ? 'mismatch' : 'verified', infeasible: true, differences, checks,
      summary: reproduced ? `the recomputation also finds no valid assignment: ${message}` : 'the log says infeasible, but the recomputation finds a valid assignment' };
  }

  // 3b. Drawn: recompute and compare value by value.
  if (detail.draw.seed !== beaconRec.seed) differ('draw.seed', beaconRec.seed, detail.draw.seed);
  progress('recompute', {});
  const res = await verifyDraw(detail.draw, inputs);
  checks.push({ id: 'recompute', ok: res.status === 'verified' });
  differences.push(...res.differences);
  return {
    status: differences.length ? 'mismatch' : 'verified',
    infeasible: false,
    differences,
    checks,
    summary: differences.length ? `${differences.length} difference${differences.length === 1 ? '' : 's'}` : res.summary,
    computed: res.computed,
  };
}
