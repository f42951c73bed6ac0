// web/verify/replace.js — audit/LOG-FORMAT.md "Replacing an inspector": the
// Replacement body, "the teams of a draw" (its document with the earlier
// Replacements applied), and rules 1–4 of a Replacement re-checked by
// `verify.js log` — the pick recomputed from the commitment's snapshots
// (a full log, or a protected log's auditor export), or, in a protected log
// without them, the public part (rules 1–3, departments from the blinded
// inspector snapshot, no id twice in a team).
// Part of the independent verifier web/verify.js (written from the spec text).

import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { sha256, concatBytes, utf8 } from './sha256.js';
import { merkleRoot } from './merkle.js';
import { strictUtf8 } from './jsonl.js';
import { cmpCodePoint } from './order.js';
import { RandomStream } from './tickets.js';
import { slotSpecs, describeSlot, rolePass, qualPass, deptPass, regionPass } from './assignment.js';
import { slotCounts } from './methods.js';
import { checkBlindedSnapshot } from './protected.js';
import { teamsOf, setSlot, members } from './teams.js';

/** Body fields (LOG-FORMAT kinds table); `by` is optional. */
export const REPLACEMENT_BODY = { result: 'hex', inspector: 'str', reason: 'str', replacements: 'list' };
const ITEM_KEYS = ['uscc', 'slot', 'inspector'];
const show = v => (v === undefined ? 'nothing' : canonicalJson(v));

/** What is wrong with a well-typed Replacement body's values, or null. */
export function bodyProblem(body) {
  if (body.reason === '') return 'reason is empty';
  for (let k = 0; k < body.replacements.length; k++) {
    const r = body.replacements[k];
    if (!isPlainObject(r) || !hasExactKeys(r, ITEM_KEYS) || typeof r.uscc !== 'string' || typeof r.inspector !== 'string'
      || !Number.isSafeInteger(r.slot) || r.slot < 0) return `replacements[${k}] is not {"uscc": string, "slot": integer ≥ 0, "inspector": string}`;
  }
  return null;
}

/** The slots OLD holds, in assignments order: [[target index, slot]]. */
function heldSlots(teams, old) {
  const out = [];
  teams.forEach((t, k) => members(t).forEach((id, s) => { if (id === old) out.push([k, s]); }));
  return out;
}

/**
 * LOG-FORMAT "Replacing an inspector", "The rule": the `replacements` list of
 * a Replacement of `old` in the drawn document `doc` of the DrawResult
 * `result` (64 hex), under the commitment's canonical `plan`, with the
 * commitment's `inspectors` (parsed §5 leaves as objects, sorted by id) and
 * `conflicts` ([inspector_id, uscc]), after the `earlier` Replacement bodies
 * of the draw. Resolves to {replacements} or {problem} (a slot without
 * candidate). Rules 1–3 are the caller's.
 */
export async function ruleReplacements({ doc, result, plan, old, earlier = [], inspectors, conflicts }) {
  const teams = teamsOf(doc, earlier);
  const held = heldSlots(teams, old);
  const barred = new Set([old, ...earlier.map(x => x.inspector)]);
  const counts = slotCounts(plan);
  const specs = slotSpecs(plan.team, plan.department, counts.inspectors, counts.experts);
  const conflictSet = new Set(conflicts.map(([i, u]) => `${i}\u0000${u}`));
  const history = plan.team.rotation ? new Set(plan.history.map(([u, i]) => `${u}\u0000${i}`)) : new Set();
  const cap = plan.team.max_targets_per_inspector === null ? Infinity : plan.team.max_targets_per_inspector;
  const load = new Map();
  for (const t of teams) for (const id of members(t)) load.set(id, (load.get(id) || 0) + 1);
  const key = await sha256(concatBytes(utf8('fairdraw-v1/replace'), Uint8Array.of(0), utf8(doc.seed), Uint8Array.of(0), utf8(result), Uint8Array.of(0), utf8(old)));
  const stream = new RandomStream(key);
  const out = [];
  for (const [k, s] of held) {
    const team = teams[k];
    const row = doc.assignments[k];
    const target = { e: { uscc: team.uscc, region: isPlainObject(row) ? row.region : undefined } };
    const spec = specs[s];
    if (!spec) return { problem: `slot ${s} of ${team.uscc} is not a slot of the plan's teams` };
    const inTeam = new Set(members(team));
    const candidates = inspectors.filter(i => rolePass(i, spec, plan.inspection_date) && qualPass(i, spec, plan.team.qualifications)
      && deptPass(i, spec) && regionPass(i, spec, target, plan.team.region)
      && !conflictSet.has(`${i.id}\u0000${team.uscc}`) && !history.has(`${team.uscc}\u0000${i.id}`)
      && !inTeam.has(i.id) && !barred.has(i.id) && (load.get(i.id) || 0) < cap);
    if (candidates.length === 0) return { problem: `${team.uscc} ${describeSlot(spec, s)} has no candidate, so no Replacement could be logged for it` };
    const pick = candidates[await stream.uniform(candidates.length)].id;
    setSlot(team, s, pick);
    load.set(old, load.get(old) - 1);
    load.set(pick, (load.get(pick) || 0) + 1);
    out.push({ uscc: team.uscc, slot: s, inspector: pick });
  }
  return { replacements: out };
}

/** The Replacement checks of one log verification; `v` is the LogVerifier. */
export class ReplacementChecks {
  constructor(v) {
    this.v = v;
    this.done = new Map(); // DrawResult id -> [valid Replacement bodies, in log order]
    this.snapshots = new Map(); // root -> Promise<{ok, lines} | null>
    this.counts = { checked: 0, recomputed: 0 };
  }

  /** Rules 1–4 for the Replacement `e` (references are checked in log order). */
  async check(e, b) {
    const v = this.v;
    const where = `entry ${e.index} (Replacement)`;
    const fail = (m) => { v.problem(`${where}: ${m}`); e.ok = false; };
    const r = v.earlier(e, b.result, ['DrawResult'], 'result');
    if (r === null) { e.ok = false; return; }
    // rule 1: a drawn result whose document is public
    if (r.body.outcome !== 'drawn' || !r.commitment) { fail(`result ${b.result} is not a drawn DrawResult`); return; }
    const doc = v.publication.publicDocument(r);
    if (doc === null) { fail(`draw ${b.result} is sealed and not published yet: its teams are not public`); return; }
    const earlierOnes = this.done.get(r.id) || [];
    const teams = teamsOf(doc, earlierOnes);
    // rule 2: OLD holds a slot
    const held = heldSlots(teams, b.inspector);
    if (held.length === 0) { fail(`inspector ${show(b.inspector)} holds no slot of draw ${r.id}'s teams`); return; }
    // rule 3: fewer than ⌈n / 10⌉ earlier Replacements, n the distinct ids of the document
    const n = new Set(teamsOf(doc).flatMap(members)).size;
    const allowed = Math.ceil(n / 10);
    if (earlierOnes.length >= allowed) { fail(`draw ${r.id} already has ${earlierOnes.length} Replacement(s), the most its ${n} inspectors allow (⌈${n} / 10⌉ = ${allowed})`); return; }
    // rule 4: the list the rule computes
    const plan = r.commitment.body.plan;
    const full = await this.fullSnapshots(r.commitment);
    let problem;
    if (full) {
      problem = await this.recompute(b, r.id, doc, plan, earlierOnes, full);
      this.counts.recomputed++;
    } else {
      problem = await this.publicChecks(b, r.commitment, plan, teams, held);
    }
    this.counts.checked++;
    if (problem !== null) { fail(problem); return; }
    if (!this.done.has(r.id)) this.done.set(r.id, []);
    this.done.get(r.id).push(b);
  }

  /** The rule of LOG-FORMAT "Replacing an inspector", compared with the logged list; null when equal. */
  async recompute(b, resultId, doc, plan, earlier, snapshots) {
    const r = await ruleReplacements({ doc, result: resultId, plan, old: b.inspector, earlier, ...snapshots });
    if (r.problem) return r.problem;
    if (canonicalJson(b.replacements) !== canonicalJson(r.replacements)) return `replacements ${show(b.replacements)} are not the ones the rule picks: ${show(r.replacements)}`;
    return null;
  }

  /** A protected log without the auditor snapshots: the public part of rule 4. */
  async publicChecks(b, c, plan, teams, held) {
    const want = held.map(([k, s]) => [teams[k].uscc, s]);
    const got = b.replacements.map(x => [x.uscc, x.slot]);
    if (canonicalJson(got) !== canonicalJson(want)) return `replacements name the slots ${show(got)}, but ${show(b.inspector)} holds ${show(want)}`;
    let departments = null;
    if (this.v.publication.isProtected && isPlainObject(c.body.blinded)) {
      const committed = c.body.blinded.inspectors;
      departments = (await checkBlindedSnapshot('inspectors', await this.v.publication.lines(`snapshots/${committed.root}.jsonl.gz`), committed)).departments;
    } else {
      this.v.note(`replacement of ${show(b.inspector)} in draw ${b.result}: the pick was not recomputed: the commitment's inspector and conflict snapshots are missing`);
    }
    const counts = slotCounts(plan);
    const specs = slotSpecs(plan.team, plan.department, counts.inspectors, counts.experts);
    for (const [i, [k, s]] of held.entries()) {
      const id = b.replacements[i].inspector;
      const spec = specs[s];
      if (departments !== null) {
        if (!departments.has(id)) return `${show(id)} is not an inspector of the blinded inspector snapshot`;
        if (spec && !deptPass({ department: departments.get(id) }, spec)) return `${teams[k].uscc} ${describeSlot(spec, s)} cannot take ${show(id)} of ${show(departments.get(id))}`;
      }
      setSlot(teams[k], s, id);
      const ids = members(teams[k]);
      if (new Set(ids).size !== ids.length) return `${show(id)} would be twice in the team of ${teams[k].uscc}`;
    }
    return null;
  }

  /**
   * The commitment's full inspector and conflict snapshots as parsed leaves,
   * when their blobs are there (a full log, or an auditor export) and hash
   * to the committed roots; null otherwise.
   */
  async fullSnapshots(c) {
    const snaps = c.body.snapshots;
    const out = {};
    for (const reg of ['inspectors', 'conflicts']) {
      const s = isPlainObject(snaps) ? snaps[reg] : null;
      if (!isPlainObject(s) || typeof s.root !== 'string') return null;
      if (!this.snapshots.has(s.root)) this.snapshots.set(s.root, this.readSnapshot(s.root, s.count, reg));
      const got = await this.snapshots.get(s.root);
      if (got === null) return null;
      out[reg] = got;
    }
    return out;
  }

  async readSnapshot(root, count, reg) {
    const found = await this.v.publication.auditorLines(root, 'jsonl.gz');
    if (found === null) return null;
    if (await merkleRoot(found.lines) !== root || found.lines.length !== count) {
      this.v.problem(`${found.name} does not hash to its root ${root} with ${count} leaves`);
      return null;
    }
    try {
      const rows = found.lines.map(l => JSON.parse(strictUtf8.decode(l)));
      if (reg === 'conflicts') return rows.map(r => [r[0], r[1]]);
      return rows.map(([id, name, department, region, active, role, qualifications, cert_expires]) => ({ id, name, department, region, active, role, qualifications, cert_expires }))
        .sort((a, b) => cmpCodePoint(a.id, b.id));
    } catch {
      this.v.problem(`${found.name}: a leaf is not JSON`);
      return null;
    }
  }

  /** Words for the VERIFIED line. */
  summary() {
    if (!this.counts.checked) return '';
    return `, ${this.counts.checked} replacement(s) (${this.counts.recomputed} recomputed)`;
  }
}

