// logged.js — re-run a *logged* draw in the browser (or node >= 20).
//
// web/verify.js recomputes a draw from the files a regulator used (CSV
// registries, a plan TOML and the files it names). A draw published from the
// audit log offers the commitment's canonical plan and the three registry
// snapshots instead: web/verify/rebuild.js turns them back into equivalent
// input files and re-runs the draw (the same code `verify.js log` replays
// every draw of a log with), so the page needs no second implementation.
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
// Re-exported helpers of web/verify/rebuild.js (tests): leavesOf, rebuildInputs, planToToml, csvLine.

import { canonicalJson, FairdrawError } from './verify.js';
import { verifiedSummary } from './verify/document.js';
import { checkBlindedSnapshot, publicDocumentChecks } from './verify/protected.js';
import { warmEnterpriseRoot } from './verify/snapshots.js';
import { REGISTRIES, gunzip, leavesOf, inputsFrom, readSnapshot, rerun } from './verify/rebuild.js';

export { REGISTRIES, leavesOf, rebuildInputs, planToToml, csvLine } from './verify/rebuild.js';

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


function need(v, what) {
  if (v === undefined || v === null) throw new FairdrawError(`the draw detail has no ${what}`);
  return v;
}

// Tests: whether a snapshot whose lines are the recomputation's leaves skips
// its own hashing (false: always hashed, to compare verdicts), and how often it did.
let trustLines = true, linesTrusted = 0;
export function sameLinesForTests(trust) { trustLines = trust; }
export const linesTrustedForTests = () => linesTrusted;

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
  if (published.enterprises) warmEnterpriseRoot(published.enterprises.count);
  const read = {};
  for (const reg of REGISTRIES) {
    const snap = need(published[reg], `snapshots.${reg}`);
    const url = snap.url || `/api/snapshots/${snap.root}`;
    progress('download', { registry: reg, url });
    const raw = await fetchBytes(url);
    // a drawn draw's enterprise snapshot: hashed only if the recomputation's leaves are not its lines (below)
    const rootLater = reg === 'enterprises' && !!detail.draw && columns !== null;
    const got = await readSnapshot(reg, raw, columns, snap.count, progress, { rootLater });
    if (got.root === null && (got.jsonError || got.count !== snap.count || !got.copied)) got.root = await got.blobRoot();
    read[reg] = { snap, got };
  }
  // The recomputation re-makes the enterprise leaves from the rows rebuilt
  // from the snapshot, and hashes them (SPEC §5). When those leaves are the
  // snapshot's lines byte for byte, in order (computeDraw's sameLeaves), and
  // their root is the committed one, so is the snapshot's: it is not hashed
  // twice. Otherwise its own root is computed, as for any other download.
  // Either way the recomputation counts, and its errors are thrown, only once
  // every download is known to be the committed snapshot, in the order
  // below, as if it had started then.
  let later = REGISTRIES.filter(reg => read[reg].got.root === null);
  if (REGISTRIES.some(reg => read[reg].got.jsonError)) { // nothing to re-run from
    for (const reg of later) read[reg].got.root = await read[reg].got.blobRoot();
    later = [];
  }
  const sameLeaves = later.length ? {} : null;
  const early = later.length ? recompute(detail, read, plan, progress, sameLeaves) : null;
  if (early) {
    const outcome = await early.catch(() => null);
    for (const reg of later) {
      const { snap, got } = read[reg];
      const rebuilt = outcome && outcome.computed ? outcome.computed.snapshots[reg] : null;
      const same = sameLeaves.equal === true && trustLines && rebuilt && rebuilt.root === snap.root && rebuilt.count === snap.count;
      if (same) linesTrusted++;
      got.root = same ? snap.root : await got.blobRoot();
    }
  }
  const judged = judgeSnapshots(read, commitment, detail);
  if (judged.stop) return judged.stop;
  checks.push(...judged.checks);

  // 2. The commitment: plan digest, randomness from the beacon, seed from commitment + randomness.
  await commitmentChecks(detail, checks, differ);

  // 3. The recomputation (3a infeasible, 3b drawn).
  need(columns, 'snapshots.enterprises.columns');
  const outcome = await (early || recompute(detail, read, plan, progress));
  checks.push(...outcome.checks);
  differences.push(...outcome.differences);
  const status = differences.length ? 'mismatch' : 'verified';
  return { status, ...outcome.result(differences), differences, checks };
}

/**
 * The snapshot checks of verifyLoggedDraw (the roots of read[reg].got known):
 * {checks, differences}, or {stop: the result} when a download is not the
 * committed snapshot (the draw is then not judged) — or throws a leaf's
 * error, when the snapshot is the committed one but unreadable.
 */
function judgeSnapshots(read, commitment, detail) {
  const checks = [], differences = [];
  const differ = (path, expected, actual) => differences.push({ path, expected, actual });
  for (const reg of REGISTRIES) {
    const { snap, got } = read[reg];
    const { root, count } = got;
    const ok = root === snap.root && count === snap.count;
    checks.push({ id: 'snapshot', registry: reg, ok, root: snap.root, computedRoot: root, count });
    if (root !== snap.root) differ(`snapshots.${reg}.root`, root, snap.root);
    if (count !== snap.count) differ(`snapshots.${reg}.count`, count, snap.count);
    const committed = commitment.snapshots && commitment.snapshots[reg];
    if (!committed || committed.root !== snap.root) differ(`commitment.snapshots.${reg}.root`, snap.root, committed && committed.root);
    if (ok && got.jsonError) throw got.jsonError;
  }
  if (!differences.length) return { checks, differences };
  // A snapshot that is not the committed one proves nothing about the draw: stop here.
  const bad = differences.map(d => d.path).join(', ');
  return { stop: { status: 'mismatch', infeasible: !detail.draw, differences, checks,
    summary: `the downloaded snapshots do not match the published roots (${bad}); the draw was not recomputed` } };
}

/**
 * The recomputation of verifyLoggedDraw from the registries rebuilt from the
 * snapshots read (csv() of each) and the canonical plan: {checks,
 * differences, computed, result(all differences) -> the rest of the result}.
 * `sameLeaves` (an object): computeDraw's, for the enterprise file.
 */
async function recompute(detail, read, plan, progress, sameLeaves = null) {
  const inputs = inputsFrom(Object.fromEntries(REGISTRIES.map(reg => [reg, read[reg].got.csv()])), plan);
  if (sameLeaves) {
    // computeDraw compares the leaves with these lines once the registry is
    // read, and then lets them go: nothing here holds them through the draw
    Object.assign(sameLeaves, { csv: inputs.enterprises, release: () => { sameLeaves.csv = null; inputs.enterprises = null; } });
    inputs.sameLeaves = sameLeaves;
  }
  const seed = detail.beacon.seed;
  const checks = [], differences = [];
  const differ = (path, expected, actual) => differences.push({ path, expected, actual });

  // 3a. Infeasible: the recomputation must fail the same way (§8.5).
  if (!detail.draw) {
    progress('recompute', {});
    const { infeasible: reproduced, message } = await rerun(null, inputs, seed);
    checks.push({ id: 'infeasible', ok: reproduced, message });
    if (!reproduced) differ('outcome', 'drawn', 'infeasible');
    return { checks, differences, computed: null, result: () => ({ infeasible: true,
      summary: reproduced ? `the recomputation also finds no valid assignment: ${message}` : 'the log says infeasible, but the recomputation finds a valid assignment' }) };
  }

  // 3b. Drawn: recompute and compare value by value.
  if (detail.draw.seed !== seed) differ('draw.seed', seed, detail.draw.seed);
  progress('recompute', {});
  const res = await rerun(detail.draw, inputs, seed);
  checks.push({ id: 'recompute', ok: res.differences.length === 0 });
  differences.push(...res.differences);
  return { checks, differences, computed: res.computed, result: all => ({ infeasible: false,
    summary: all.length ? `${all.length} difference${all.length === 1 ? '' : 's'}` : verifiedSummary(res.computed),
    computed: res.computed }) };
}
