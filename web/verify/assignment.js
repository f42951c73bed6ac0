// web/verify/assignment.js — SPEC §8.2–§8.5 Inspector assignment: slots,
// eligibility, the pick, infeasibility and relaxation hints.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { FairdrawError } from './errors.js';
import { cmpCodePoint } from './order.js';
import { RandomStream, ticket } from './tickets.js';

/**
 * §8.2 slot requirements. Returns [{kind: 'inspector'|'expert', dept: string|null, anyOf: string[]|null}].
 */
export function slotSpecs(team, department, size, experts) {
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

export function describeSlot(spec, s) {
  if (spec.kind === 'expert') return `slot ${s} (expert)`;
  const what = spec.dept !== null ? `inspector of ${spec.dept}` : spec.anyOf ? `inspector of any of ${spec.anyOf.join('/')}` : 'inspector of any department';
  return `slot ${s}${s === 0 ? ' (leader)' : ''} (${what})`;
}

// §8.3 rule checks, individually (also used for §8.5 diagnostics)
export function certValid(i, date) { return i.cert_expires === '' || date === '' || i.cert_expires >= date; }
export function rolePass(i, spec, date) { return i.role === spec.kind && i.active && certValid(i, date); }
export function qualPass(i, spec, quals) { return spec.kind === 'expert' || quals.every(q => i.qualifications.includes(q)); }
export function deptPass(i, spec) {
  if (spec.kind === 'expert') return true;
  if (spec.dept !== null) return i.department === spec.dept;
  return spec.anyOf === null || spec.anyOf.includes(i.department);
}
export function regionPass(i, spec, t, rule) {
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

export async function assign(targets, insps, conflicts, plan, meta, seed) {
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
    const why = meta.method && meta.method !== 'on_site' ? `team.reviewers ${meta.size}, off-site method ${meta.method}` : `team.size ${meta.size} + team.experts ${meta.experts}`;
    throw new FairdrawError(`no valid assignment: each team needs ${meta.size + meta.experts} distinct people (${why}) but the roster has ${inspectors.length}`, [], 'no-valid-assignment');
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
