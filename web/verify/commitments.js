// web/verify/commitments.js — LOG-FORMAT "Abandoned and competing
// commitments": tickets an operator could grind with by revealing only the
// draw they like. The lines are worded as audit/verify.py log words them.
// Part of the independent verifier web/verify.js (see its header).

import { parseTime } from './time.js';
import { cmpCodePoint } from './order.js';

function drandRound(c) {
  const b = c.body.beacon;
  return b.type === 'drand' && Number.isSafeInteger(b.round) && b.round >= 0 ? b.round : null;
}
const isCeremony = c => c.body.beacon.type === 'ceremony';
function items(c) {
  const list = c.body.plan && Array.isArray(c.body.plan.items) ? c.body.plan.items : [];
  return new Set(list.filter(i => i && typeof i === 'object' && typeof i.item === 'string').map(i => i.item));
}

/**
 * Lines for the well-formed entries `log` (in order); `now` is the verifier's
 * clock in POSIX seconds, or null to skip abandonment.
 */
// LOG-FORMAT: two scopes are disjoint (select no common firm) when their
// statuses share none, both list regions (industries) and no code of one starts
// with a code of the other, or one `where` column has different values.
function scopesDisjoint(a, b) {
  const strings = (scope, key) => (scope && Array.isArray(scope[key]) ? scope[key] : []).filter(s => typeof s === 'string');
  // a waking scope (SPEC §6.3) may select 歇业 firms too
  const statuses = scope => strings(scope, 'statuses').concat(scope && Object.hasOwn(scope, 'wake') ? ['歇业'] : []);
  const sa = statuses(a); const sb = statuses(b);
  if (sa.length && sb.length && !sa.some(s => sb.includes(s))) return true;
  for (const key of ['regions', 'industries']) {
    const x = strings(a, key); const y = strings(b, key);
    if (x.length && y.length && !x.some(p => y.some(q => p.startsWith(q) || q.startsWith(p)))) return true;
  }
  const pairs = scope => (scope && Array.isArray(scope.where) ? scope.where : [])
    .filter(p => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
  const pa = pairs(a); const pb = pairs(b);
  return pa.some(([col, val]) => pb.some(([c, v]) => c === col && v !== val));
}

const scopeOf = c => (c.body.plan && typeof c.body.plan === 'object' ? c.body.plan.scope : undefined);

export function suspects(log, now) {
  const revealed = new Map();
  for (const e of log) if (e.kind === 'BeaconRecord' && !revealed.has(e.body.commitment)) revealed.set(e.body.commitment, e.index);
  const commitments = log.filter(e => e.kind === 'DrawCommitment');
  const out = [];
  if (now !== null) {
    for (const c of commitments) {
      const rnd = drandRound(c); const t = c.body.beacon.round_time;
      if (revealed.has(c.id) || rnd === null) continue;
      const at = parseTime(t);
      if (at !== null && at <= now) {
        out.push(`abandoned commitment ${c.id} (entry ${c.index}): drand round ${rnd} was published at ${t} `
          + 'but the commitment has no BeaconRecord (a draw not revealed can hide a draw disliked)');
      }
    }
  }
  const compete = (x, y) => { // x earlier than y
    const ix = items(x); const iy = items(y);
    if (ix.size && iy.size && ![...ix].some(i => iy.has(i))) return false; // a plan without items covers every item
    if (scopesDisjoint(scopeOf(x), scopeOf(y))) return false;
    const rx = drandRound(x); const ry = drandRound(y);
    if (rx !== null && ry !== null) return rx === ry;
    return isCeremony(x) && isCeremony(y) && (revealed.has(x.id) ? revealed.get(x.id) : Infinity) > y.index;
  };
  const group = commitments.map((_, k) => k);
  const root = (k) => { while (group[k] !== k) k = group[k]; return k; };
  for (let a = 0; a < commitments.length; a++) {
    for (let b = a + 1; b < commitments.length; b++) if (compete(commitments[a], commitments[b])) group[root(b)] = root(a);
  }
  const members = new Map();
  commitments.forEach((c, k) => { const r = root(k); if (!members.has(r)) members.set(r, []); members.get(r).push(c); });
  for (const cs of members.values()) {
    if (cs.length < 2) continue;
    const rnd = drandRound(cs[0]);
    const beacon = rnd !== null ? `drand round ${rnd}` : 'ceremonies open at the same time';
    const counts = new Map();
    for (const c of cs) for (const item of items(c)) counts.set(item, (counts.get(item) || 0) + 1);
    const shared = [...counts].filter(([, n]) => n >= 2).map(([i]) => i).sort(cmpCodePoint);
    const overlap = shared.length ? `share item(s) ${shared.join(', ')}` : 'overlap (a plan without items covers every item)';
    out.push(`competing commitments ${cs.map(c => `${c.id} (entry ${c.index})`).join(', ')} to ${beacon} ${overlap}: revealing only one of them chooses the draw`);
  }
  return out;
}
