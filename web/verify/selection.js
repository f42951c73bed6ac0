// web/verify/selection.js — SPEC §6 Strata and sample sizes and §7 selection
// (smallest tickets).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint } from './order.js';
import { CLASSES, FEEDBACK_CLASS as FEEDBACK } from './plan.js';
import { ticket, ticketDigestsFor, ticketFromDigest } from './tickets.js';

/** §6.3: the same month and day three years after `start` (29 February gives 28 February). */
function limit(start) {
  const rest = start.slice(4);
  return String(Number(start.slice(0, 4)) + 3).padStart(4, '0') + (rest === '-02-29' ? '-02-28' : rest);
}

/** §6.3: a 歇业 row's term has ended on `day` (dates as YYYY-MM-DD strings, '' when absent). */
export function termEnded(start, until, day) {
  return (until !== '' && until < day) || (start !== '' && day > limit(start));
}

/** §6.3 is_dormant(row, d): 歇业 and its term has not ended on `day`. */
export function isDormant(status, start, until, day) {
  return status === '歇业' && !termEnded(start, until, day);
}

/** §6.3: a 歇业 firm that the plan's scope.wake takes back into its pool. */
function woken(e, wake, wakes) {
  if (e.status !== '歇业') return false;
  if (wake.as_of !== '' && termEnded(e.dormant_from, e.dormant_until, wake.as_of)) return true;
  const w = wakes.get(e.uscc);
  return w !== undefined && (e.dormant_from === '' || w >= e.dormant_from);
}

/** §6 (with §6.3's woken firms when `wakes`, the plan's scope.wake.woken as a Map, is given). */
export function inScope(e, plan, whereTests, statusSet, wakes) {
  if (!statusSet.has(e.status) && !(wakes && woken(e, plan.scope.wake, wakes))) return false;
  const { regions, industries } = plan.scope;
  if (regions.length && !regions.some(p => e.region.startsWith(p))) return false;
  if (industries.length && !industries.some(p => e.industry.startsWith(p))) return false;
  for (const test of whereTests) if (!test(e)) return false;
  return true;
}

/** §6 sample size: k0 = ceil(N·p/10^s); k = min(max(k0, min), N); then min(k, max). */
export function sampleSize(N, ratio, minC, maxC) {
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
 *
 * Only the k smallest are ordered: a native sort of the plain keys (no
 * comparator) gives the k-th smallest key, and only the firms whose key is at
 * most that one — the k smallest and any ties on the key — go through the
 * full comparison. A key orders tickets whenever keys differ, so none of the
 * k smallest tickets can have a larger key.
 */
export function smallestTickets(list, idx, tk, k) {
  const n = list.length;
  if (k > n) k = n;
  if (k <= 0) return [];
  const full = new Map(); // position -> ticket string, made on demand
  const ticketAt = (j) => { let t = full.get(j); if (t === undefined) { t = ticketFromDigest(tk.digests, idx[j] * 32); full.set(j, t); } return t; };
  const keys = new Float64Array(n);
  for (let j = 0; j < n; j++) keys[j] = tk.keys[idx[j]];
  const bound = keys.slice().sort()[k - 1];
  const near = [];
  for (let j = 0; j < n; j++) if (keys[j] <= bound) near.push(j);
  const order = Uint32Array.from(near);
  order.sort((x, y) => {
    const d = keys[x] - keys[y];
    if (d) return d;
    const a = ticketAt(x), b = ticketAt(y);
    return a < b ? -1 : a > b ? 1 : cmpCodePoint(list[x].uscc, list[y].uscc);
  });
  return Array.from(order.subarray(0, k), j => ({ e: list[j], t: ticketAt(j) }));
}

/** §6, and with `feedback` §6.4: the strata A–D, then the feedback stratum of the flagged firms in scope. */
export async function drawStrata(ents, plan, meta, whereTests, seedHex) {
  const statusSet = new Set(plan.scope.statuses);
  const excludeSet = new Set(plan.exclude);
  const wakes = plan.scope.wake ? new Map(plan.scope.wake.woken) : null;
  const flagged = plan.feedback ? new Set(plan.feedback.flagged) : null;
  const groups = flagged ? [...CLASSES, FEEDBACK] : CLASSES;
  const byClass = Object.fromEntries(groups.map(c => [c, { population: 0, excluded: 0, eligible: [] }]));
  for (const e of ents.list) {
    if (!inScope(e, plan, whereTests, statusSet, wakes)) continue;
    // a flagged firm leaves its class's stratum (it keeps its class in `assignments`)
    const s = byClass[flagged && flagged.has(e.uscc) ? FEEDBACK : e.credit_class];
    s.population++;
    if (excludeSet.has(e.uscc)) s.excluded++;
    else s.eligible.push(e);
  }
  const all = groups.flatMap(c => byClass[c].eligible);
  const tk = await ticketDigestsFor(all.map(e => e.uscc), seedHex);
  let offset = 0; // `all` is the classes' eligible lists one after another
  const strata = [];
  const targets = [];
  for (const c of groups) {
    const s = byClass[c];
    const N = s.eligible.length;
    // §6.4: k = ceil(N·r) for the feedback stratum, without min or max
    const k = c === FEEDBACK ? sampleSize(N, meta.feedbackRatio, 0n, null) : sampleSize(N, meta.ratioVals[c], meta.minV[c], meta.maxV[c]);
    const idx = new Uint32Array(N);
    for (let j = 0; j < N; j++) idx[j] = offset + j;
    offset += N;
    const sel = smallestTickets(s.eligible, idx, tk, k);
    strata.push({
      class: c,
      population: s.population,
      excluded: s.excluded,
      eligible: N,
      ratio: c === FEEDBACK ? plan.feedback.ratio : plan.ratios[c],
      sample_size: k,
      cutoff: k ? sel[k - 1].t : null,
      selected: sel.map(x => x.e.uscc),
    });
    for (const x of sel) targets.push({ e: x.e, ticket: x.t });
  }
  return { strata, targets };
}
