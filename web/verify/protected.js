// web/verify/protected.js — audit/LOG-FORMAT.md "Publication: protected and
// full logs": blinds and blinded leaves, the enterprise state of a leaf under
// a plan, the public checks 1–6 of a drawn document against the blinded
// snapshots, and the auditor's recomputation of the blinded snapshots from the
// full ones and their salts.
// Part of the independent verifier web/verify.js (see its header).

import { canonicalJson, isPlainObject } from './canonical-json.js';
import { sha256, hex, utf8, concatBytes, fromHex } from './sha256.js';
import { merkleRoot } from './merkle.js';
import { CLASSES, parseRatio } from './plan.js';
import { sampleSize, termEnded } from './selection.js';
import { ticket } from './tickets.js';
import { ENTERPRISE_FIELDS, headerMatches } from './tables.js';
import { strictUtf8 } from './jsonl.js';
import { cmpCodePoint } from './order.js';
import { inRange } from './ranges.js';
import { slotCounts } from './methods.js';

export const REGISTRIES = ['enterprises', 'inspectors', 'conflicts'];
export const STATES = ['eligible', 'excluded', 'out'];
const HEX64 = /^[0-9a-f]{64}$/;
const BASE_COLUMNS = 6; // uscc, name, credit_class, region, industry, status (SPEC §5)
const LEAF_FIELD = { uscc: 0, name: 1, credit_class: 2, region: 3, industry: 4, status: 5 };
const isStr = v => typeof v === 'string';
const show = v => (v === undefined ? 'nothing' : canonicalJson(v));

/** blind = hex(SHA-256("fairdraw-v1/blind" ‖ 0x00 ‖ salt ‖ leaf)); salt: 32 bytes, leaf: the §5 leaf bytes. */
export async function blindOf(salt, leaf) {
  return hex(await sha256(concatBytes(utf8('fairdraw-v1/blind'), Uint8Array.of(0), salt, leaf)));
}

/**
 * SPEC §6 for one enterprise leaf `[uscc, name, class, region, industry,
 * status, extras…]` under a canonical plan: "eligible" (in scope, not in
 * `exclude`), "excluded" or "out". `columns` are the snapshot's leaf columns
 * (the draw document's `snapshots.enterprises.columns`): a `where` column
 * naming a §1.1 field reads that field, any other one its extra column.
 * Throws an Error (a sentence) when the plan or the leaf cannot be read so.
 */
function wokenRow(uscc, start, until, wake) {
  if (wake.as_of !== '' && termEnded(start, until, wake.as_of)) return true;
  const w = wake.woken.find(p => Array.isArray(p) && p[0] === uscc);
  return w !== undefined && (start === '' || w[1] >= start);
}

export function enterpriseState(leaf, plan, columns) {
  const scope = plan && plan.scope;
  if (!isPlainObject(scope) || !Array.isArray(scope.statuses) || !Array.isArray(scope.regions)
    || !Array.isArray(scope.industries) || !Array.isArray(scope.where) || !Array.isArray(plan.exclude)) {
    throw new Error('the plan has no readable scope (statuses, regions, industries, where) and exclude');
  }
  if (!Array.isArray(leaf) || leaf.length < BASE_COLUMNS || !leaf.every(isStr)) throw new Error(`the leaf ${show(leaf)} is not an array of at least ${BASE_COLUMNS} strings`);
  const value = (col) => {
    const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
    if (f && Object.hasOwn(LEAF_FIELD, f.name)) return leaf[LEAF_FIELD[f.name]];
    const at = Array.isArray(columns) ? columns.indexOf(col, BASE_COLUMNS) : -1;
    // §5: established is the one §1.1 field kept among the extras
    if ((f && f.name !== 'established') || at < 0 || at >= leaf.length) throw new Error(`the where column ${JSON.stringify(col)} is not a column of the snapshot`);
    return leaf[at];
  };
  const [uscc, , , region, industry, status] = leaf;
  // §6.3: with scope.wake the leaf ends with dormant_from, dormant_until
  const woken = isPlainObject(scope.wake) && Array.isArray(scope.wake.woken) && status === '歇业'
    && wokenRow(uscc, leaf[leaf.length - 2], leaf[leaf.length - 1], scope.wake);
  let inScope = (scope.statuses.includes(status) || woken)
    && (scope.regions.length === 0 || scope.regions.some(p => isStr(p) && region.startsWith(p)))
    && (scope.industries.length === 0 || scope.industries.some(p => isStr(p) && industry.startsWith(p)));
  for (const w of scope.where) {
    if (!Array.isArray(w) || w.length !== 2 || !isStr(w[0])) throw new Error(`scope.where ${show(w)} is not a [column, value] pair`);
    if (value(w[0]) !== w[1]) inScope = false;
  }
  for (const r of scope.range || []) { // §6.2
    if (!Array.isArray(r) || r.length !== 3 || !isStr(r[0]) || (r[1] === null && r[2] === null)) throw new Error(`scope.range ${show(r)} is not a [column, min, max] range`);
    if (!inRange(r, value(r[0]))) inScope = false;
  }
  if (!inScope) return 'out';
  return plan.exclude.includes(uscc) ? 'excluded' : 'eligible';
}

/** Reads the lines of a blinded snapshot of `registry` (LOG-FORMAT "Salts and blinded leaves") into problems and a summary. */
function readBlindedLines(registry, lines) {
  const problems = [];
  const texts = [];
  const counts = Object.fromEntries(CLASSES.map(c => [c, { eligible: 0, excluded: 0, out: 0 }]));
  const departments = new Map(); // inspectors: id -> department
  let bad = 0;
  for (let i = 0; i < lines.length; i++) {
    let text = null, v;
    try { text = strictUtf8.decode(lines[i]); v = JSON.parse(text); } catch { v = undefined; }
    let ok = text !== null && v !== undefined && Array.isArray(v) && canonicalJson(v) === text;
    if (ok && registry === 'enterprises') ok = v.length === 3 && CLASSES.includes(v[0]) && STATES.includes(v[1]) && isStr(v[2]) && HEX64.test(v[2]);
    if (ok && registry === 'inspectors') ok = v.length === 4 && v.every(isStr) && HEX64.test(v[3]);
    if (ok && registry === 'conflicts') ok = v.length === 1 && isStr(v[0]) && HEX64.test(v[0]);
    if (!ok) { if (bad++ < 3) problems.push(`line ${i + 1} is not a blinded ${registry} leaf (canonical JSON ${registry === 'enterprises' ? '[class, state, blind]' : registry === 'inspectors' ? '[id, name, department, blind]' : '[blind]'})`); continue; }
    if (texts.length && cmpCodePoint(texts[texts.length - 1], text) >= 0) problems.push(`line ${i + 1} is not after line ${i} in byte order: the lines must be sorted and distinct`);
    texts.push(text);
    if (registry === 'enterprises') counts[v[0]][v[1]]++;
    if (registry === 'inspectors') departments.set(v[0], v[2]);
  }
  if (bad > 3) problems.push(`… and ${bad - 3} more lines are not blinded ${registry} leaves`);
  return { problems, texts, set: new Set(texts), counts, departments };
}

/**
 * Check 1: one blinded blob (its decompressed lines, or null when missing)
 * against `{root, count}` of `blinded[registry]`. Resolves to
 * {problems, set, counts, departments}.
 */
export async function checkBlindedSnapshot(registry, lines, committed) {
  const name = `the blinded ${registry} snapshot snapshots/${committed.root}.jsonl.gz`;
  if (lines === null) return { problems: [`${name} is missing`], set: new Set(), counts: null, departments: new Map() };
  const r = readBlindedLines(registry, lines);
  const problems = r.problems.map(p => `${name}: ${p}`);
  if (lines.length !== committed.count) problems.push(`${name} has ${lines.length} lines, the commitment says ${committed.count}`);
  const root = await merkleRoot(lines);
  if (root !== committed.root) problems.push(`${name} hashes to ${root}, not to its name`);
  return { ...r, problems };
}

/** The department required by inspector slot j (SPEC §8.2), or null: any department (of D when D is not empty). */
export function slotDepartments(plan) {
  const D = plan.team.departments.slice();
  const at = D.indexOf(plan.department);
  if (at > 0) { D.splice(at, 1); D.unshift(plan.department); }
  return D;
}

/**
 * The public checks 2–6 of LOG-FORMAT "What a public verifier checks" for one
 * drawn document `doc` with its `openings`, under the commitment's canonical
 * `plan`, against the blinded snapshots `snap` ({enterprises, inspectors} as
 * resolved by checkBlindedSnapshot; `enterprises.counts` null when missing).
 * Resolves to a list of problems (sentences).
 */
export async function publicDocumentChecks(doc, openings, plan, snap) {
  const problems = [];
  const p = m => problems.push(m);
  const strata = Array.isArray(doc.strata) ? doc.strata : [];
  const assignments = Array.isArray(doc.assignments) ? doc.assignments : [];
  if (strata.length !== CLASSES.length || !strata.every((s, i) => isPlainObject(s) && s.class === CLASSES[i])) {
    p('the document does not have the four strata A, B, C, D in order'); return problems;
  }
  if (!assignments.every(isPlainObject)) { p('the document\'s assignments are not objects'); return problems; }
  if (!isPlainObject(plan) || !isPlainObject(plan.team) || !isPlainObject(plan.ratios) || !isPlainObject(plan.min) || !isPlainObject(plan.max)
    || !Array.isArray(plan.team.departments)) { p('the commitment\'s plan is not readable (ratios, min, max, team)'); return problems; }
  // checks 2 and 3: counts and sample sizes
  for (const s of strata) {
    const c = s.class;
    const n = snap.enterprises.counts && snap.enterprises.counts[c];
    if (n) {
      if (s.eligible !== n.eligible || s.excluded !== n.excluded || s.population !== n.eligible + n.excluded) {
        p(`stratum ${c}: population ${show(s.population)}, excluded ${show(s.excluded)}, eligible ${show(s.eligible)}, but the blinded snapshot has ${n.eligible + n.excluded}, ${n.excluded}, ${n.eligible}`);
      }
    }
    const ratio = parseRatio(plan.ratios[c]);
    if (ratio.error || !Number.isSafeInteger(s.eligible) || !Number.isSafeInteger(plan.min[c]) || !(plan.max[c] === null || Number.isSafeInteger(plan.max[c]))) {
      p(`stratum ${c}: the sample size cannot be recomputed (ratio ${show(plan.ratios[c])}, min ${show(plan.min[c])}, max ${show(plan.max[c])}, eligible ${show(s.eligible)})`);
    } else {
      const k = sampleSize(s.eligible, ratio, BigInt(plan.min[c]), plan.max[c] === null ? null : BigInt(plan.max[c]));
      if (s.sample_size !== k) p(`stratum ${c}: sample_size ${show(s.sample_size)} is not ${k} (SPEC §6, from eligible ${s.eligible} and the plan)`);
    }
  }
  // check 4: openings
  const columns = doc.snapshots && doc.snapshots.enterprises && doc.snapshots.enterprises.columns;
  const width = Array.isArray(columns) ? columns.length : BASE_COLUMNS;
  if (!Array.isArray(openings) || openings.length !== assignments.length) {
    p(`${Array.isArray(openings) ? openings.length : 'no'} openings for ${assignments.length} assignments: exactly one per assignment, in order`);
  } else {
    for (let i = 0; i < assignments.length; i++) {
      const a = assignments[i]; const o = openings[i];
      const where = `opening ${i} (${show(a.uscc)})`;
      if (!isPlainObject(o) || !Array.isArray(o.leaf) || !o.leaf.every(isStr) || o.leaf.length !== width || !isStr(o.salt) || !HEX64.test(o.salt)) {
        p(`${where}: not {"leaf": [${width} strings], "salt": 64 hex digits}`); continue;
      }
      const [uscc, name, cls, region] = o.leaf;
      if (uscc !== a.uscc || name !== a.name || cls !== a.class || region !== a.region) {
        p(`${where}: the leaf's USCC, name, class and region ${show([uscc, name, cls, region])} are not the assignment's ${show([a.uscc, a.name, a.class, a.region])}`);
      }
      let state;
      try { state = enterpriseState(o.leaf, plan, columns); } catch (e) { p(`${where}: ${e.message}`); continue; }
      if (state !== 'eligible') p(`${where}: the opened row is ${state} under the plan, not eligible`);
      const line = canonicalJson([cls, 'eligible', await blindOf(fromHex(o.salt), utf8(canonicalJson(o.leaf)))]);
      if (!snap.enterprises.set.has(line)) p(`${where}: its blinded leaf ${line} is not in the blinded enterprise snapshot`);
    }
  }
  // check 5: tickets and selection
  const tickets = [];
  for (const a of assignments) {
    const tk = isStr(a.uscc) && isStr(doc.seed) ? await ticket(a.uscc, doc.seed) : null;
    tickets.push(tk);
    if (a.ticket !== tk) p(`assignment ${show(a.uscc)}: ticket ${show(a.ticket)} is not its SPEC §7 ticket ${show(tk)} under the seed`);
  }
  let lastClass = 0;
  for (const a of assignments) {
    const ci = CLASSES.indexOf(a.class);
    if (ci < lastClass) { p('the assignments are not grouped by class in the order A, B, C, D (SPEC §8.2)'); break; }
    lastClass = Math.max(lastClass, ci);
  }
  for (const s of strata) {
    const mine = assignments.map((a, i) => [a, tickets[i]]).filter(([a]) => a.class === s.class);
    const want = mine.map(([a]) => a.uscc);
    if (canonicalJson(s.selected === undefined ? null : s.selected) !== canonicalJson(want)) p(`stratum ${s.class}: selected ${show(s.selected)} is not the class's assignments ${show(want)}`);
    for (let j = 1; j < mine.length; j++) {
      const [a0, t0] = mine[j - 1]; const [a1, t1] = mine[j];
      if (t0 !== null && t1 !== null && (t0 > t1 || (t0 === t1 && a0.uscc >= a1.uscc))) { p(`stratum ${s.class}: the selected firms are not in ticket order`); break; }
    }
    if (mine.length !== s.sample_size) p(`stratum ${s.class}: ${mine.length} selected, sample_size ${show(s.sample_size)}`);
    const cutoff = mine.length ? mine[mine.length - 1][1] : null;
    if (s.cutoff !== cutoff) p(`stratum ${s.class}: cutoff ${show(s.cutoff)} is not the last selected ticket ${show(cutoff)}`);
  }
  teamChecks(assignments, plan, snap.inspectors.departments, p);
  return problems;
}

/** Check 6: the team rules that use public fields only. */
function teamChecks(assignments, plan, departments, p) {
  const team = plan.team;
  const D = slotDepartments(plan);
  const load = new Map();
  for (const a of assignments) {
    const where = `team of ${show(a.uscc)}`;
    const ins = Array.isArray(a.inspectors) ? a.inspectors : null;
    const exp = Array.isArray(a.experts) ? a.experts : null;
    if (!ins || !exp || !ins.concat(exp).every(isStr)) { p(`${where}: inspectors and experts must be lists of ids`); continue; }
    // an off-site plan (SPEC §8.6): team.reviewers inspectors and no expert
    const want = slotCounts(plan);
    const offsite = Object.hasOwn(plan, 'method');
    if (ins.length !== want.inspectors) p(`${where}: ${ins.length} inspectors, the plan's ${offsite ? 'team.reviewers' : 'team.size'} is ${show(want.inspectors)}`);
    if (exp.length !== want.experts) p(`${where}: ${exp.length} experts, ${offsite ? 'an off-site plan has none' : `the plan's team.experts is ${show(want.experts)}`}`);
    if (a.leader !== ins[0]) p(`${where}: leader ${show(a.leader)} is not inspectors[0] ${show(ins[0])}`);
    const ids = ins.concat(exp);
    if (new Set(ids).size !== ids.length) p(`${where}: an id appears twice in the team`);
    for (const id of ids) {
      if (!departments.has(id)) p(`${where}: ${show(id)} is not an inspector of the blinded inspector snapshot`);
      load.set(id, (load.get(id) || 0) + 1);
    }
    ins.forEach((id, j) => {
      if (!departments.has(id)) return;
      const dep = departments.get(id);
      if (j < D.length && dep !== D[j]) p(`${where}: slot ${j} needs department ${show(D[j])}, ${show(id)} is of ${show(dep)}`);
      else if (j >= D.length && D.length && !D.includes(dep)) p(`${where}: slot ${j} needs a department of ${show(D)}, ${show(id)} is of ${show(dep)}`);
    });
  }
  const cap = team.max_targets_per_inspector;
  if (cap !== null && cap !== undefined) {
    for (const [id, n] of load) if (n > cap) p(`${show(id)} is in ${n} teams, more than max_targets_per_inspector ${cap}`);
  }
}

/**
 * The auditor's check: the three blinded snapshots recomputed from the full
 * snapshot lines (`full[registry]`, the §5 leaves) and the salts files' lines
 * (`salts[registry]`), with the enterprise states under `plan`. Resolves to
 * {problems, roots: {registry: {root, count}}}.
 */
export async function recomputeBlinded(full, salts, plan, columns) {
  const problems = [];
  const roots = {};
  for (const registry of REGISTRIES) {
    const leaves = full[registry]; const saltLines = salts[registry];
    if (saltLines.length !== leaves.length) { problems.push(`the ${registry} salts file has ${saltLines.length} lines for ${leaves.length} leaves`); continue; }
    const out = [];
    let bad = null;
    for (let i = 0; i < leaves.length && bad === null; i++) {
      const s = strictUtf8.decode(saltLines[i]);
      if (!HEX64.test(s)) { bad = `the ${registry} salts file's line ${i + 1} is not 64 hex digits`; break; }
      let row;
      try { row = JSON.parse(strictUtf8.decode(leaves[i])); } catch { bad = `the full ${registry} snapshot's line ${i + 1} is not JSON`; break; }
      const blind = await blindOf(fromHex(s), leaves[i]);
      if (registry === 'enterprises') {
        let state;
        try { state = enterpriseState(row, plan, columns); } catch (e) { bad = `the full enterprise snapshot's line ${i + 1}: ${e.message}`; break; }
        out.push(canonicalJson([row[2], state, blind]));
      } else if (registry === 'inspectors') {
        if (!Array.isArray(row) || row.length < 3) { bad = `the full inspector snapshot's line ${i + 1} is not an inspector leaf`; break; }
        out.push(canonicalJson([row[0], row[1], row[2], blind]));
      } else out.push(canonicalJson([blind]));
    }
    if (bad !== null) { problems.push(bad); continue; }
    out.sort(cmpCodePoint); // code point order is UTF-8 byte order
    roots[registry] = { root: await merkleRoot(out), count: out.length };
  }
  return { problems, roots };
}
