// web/verify/selection.js — SPEC §6 Strata and sample sizes and §7 selection
// (smallest tickets).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { CLASSES, FEEDBACK_CLASS as FEEDBACK } from './plan.js';
import { STATUS_VALUES } from './tables.js';
import { ticketKeys } from './tickets.js';

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

/** §6.3: a 歇业 firm (number k of the registry) that the plan's scope.wake takes back into its pool. */
function woken(ents, k, wake, wakes) {
  if (ents.field('status', k) !== '歇业') return false;
  const from = ents.field('dormant_from', k);
  if (wake.as_of !== '' && termEnded(from, ents.field('dormant_until', k), wake.as_of)) return true;
  const w = wakes.get(ents.uscc(k));
  return w !== undefined && (from === '' || w >= from);
}

/**
 * §6 (with §6.3's woken firms when the plan has scope.wake): a test k => bool
 * of firm k of the registry. Statuses, regions and industries are decided
 * once per distinct value, not once per firm.
 */
export function scopeTest(ents, plan, whereTests) {
  const { statuses, regions, industries, wake } = plan.scope;
  const statusIn = STATUS_VALUES.map(s => statuses.includes(s));
  const regionIn = ents.regions.map(r => !regions.length || regions.some(p => r.startsWith(p)));
  const industryIn = ents.industries.map(x => !industries.length || industries.some(p => x.startsWith(p)));
  const wakes = wake ? new Map(wake.woken) : null;
  return (k) => {
    if (!statusIn[ents.status[k]] && !(wakes && woken(ents, k, wake, wakes))) return false;
    if (!regionIn[ents.region[k]] || !industryIn[ents.industry[k]]) return false;
    for (const test of whereTests) if (!test(k)) return false;
    return true;
  };
}

/** The firms whose USCC is in `usccs` (the plan's exclude, feedback.flagged): a mark per firm. */
export function marked(ents, usccs) {
  const marks = new Uint8Array(ents.count);
  for (const u of usccs) { const k = ents.find(u); if (k >= 0) marks[k] = 1; }
  return marks;
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
 * (equal tickets by USCC). `firms` are numbers of firms of the registry;
 * firm j's ticket is number `from + j` of `tk` (ticketKeys).
 * Returns [{k: the firm's number, t: ticket string}].
 *
 * Only the k smallest are ordered: a selection (kthSmallest) finds the k-th
 * smallest key, and only the firms whose key is at most that one — the k
 * smallest and any ties on the key — go through the full comparison. A key
 * orders tickets whenever keys differ, so none of the k smallest tickets can
 * have a larger key.
 */
export function smallestTickets(ents, firms, tk, from, k) {
  const n = firms.length;
  if (k > n) k = n;
  if (k <= 0) return [];
  const full = new Map(); // position -> ticket string, made on demand
  const ticketAt = (j) => { let t = full.get(j); if (t === undefined) { t = tk.ticket(from + j); full.set(j, t); } return t; };
  const keys = tk.keys.subarray(from, from + n);
  const bound = kthSmallest(keys, k - 1);
  const near = [];
  for (let j = 0; j < n; j++) if (keys[j] <= bound) near.push(j);
  const order = Uint32Array.from(near);
  order.sort((x, y) => {
    const d = keys[x] - keys[y];
    if (d) return d;
    const a = ticketAt(x), b = ticketAt(y);
    return a < b ? -1 : a > b ? 1 : ents.cmpUscc(firms[x], firms[y]);
  });
  return Array.from(order.subarray(0, k), j => ({ k: firms[j], t: ticketAt(j) }));
}

/** The j-th smallest (from 0) of the numbers `values` (a typed array): quickselect on a copy, linear on average (a sort of 10^6 keys was most of the selection). */
function kthSmallest(values, j) {
  const a = values.slice();
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo, m = hi;
    while (i <= m) { // Hoare's partition: a[lo..m] <= pivot <= a[i..hi]
      while (a[i] < pivot) i++;
      while (a[m] > pivot) m--;
      if (i <= m) { const t = a[i]; a[i] = a[m]; a[m] = t; i++; m--; }
    }
    if (j <= m) hi = m;
    else if (j >= i) lo = i;
    else return a[j]; // between the two parts: equal to the pivot
  }
  return a[j];
}

/** §6, and with `feedback` §6.4: the strata A–D, then the feedback stratum of the flagged firms in scope. */
export async function drawStrata(ents, plan, meta, whereTests, seedHex) {
  const inScope = scopeTest(ents, plan, whereTests);
  const excluded = marked(ents, plan.exclude);
  const flagged = plan.feedback ? marked(ents, plan.feedback.flagged) : null;
  const groups = flagged ? [...CLASSES, FEEDBACK] : CLASSES;
  const byGroup = groups.map(() => ({ population: 0, excluded: 0, eligible: 0, from: 0 }));
  // the eligible firms, group by group in one array: counted, then placed
  const groupOf = new Int8Array(ents.count).fill(-1);
  for (let k = 0; k < ents.count; k++) {
    if (!inScope(k)) continue;
    // a flagged firm leaves its class's stratum (it keeps its class in `assignments`)
    const g = flagged && flagged[k] ? CLASSES.length : ents.cls[k];
    const s = byGroup[g];
    s.population++;
    if (excluded[k]) s.excluded++;
    else { s.eligible++; groupOf[k] = g; }
  }
  let total = 0;
  for (const s of byGroup) { s.from = total; total += s.eligible; }
  const all = new Int32Array(total);
  const next = byGroup.map(s => s.from);
  for (let k = 0; k < ents.count; k++) if (groupOf[k] >= 0) all[next[groupOf[k]]++] = k;
  const tk = await ticketKeys(ents, all, seedHex);
  const strata = [];
  const targets = [];
  groups.forEach((c, g) => {
    const s = byGroup[g];
    const N = s.eligible;
    // §6.4: k = ceil(N·r) for the feedback stratum, without min or max
    const k = c === FEEDBACK ? sampleSize(N, meta.feedbackRatio, 0n, null) : sampleSize(N, meta.ratioVals[c], meta.minV[c], meta.maxV[c]);
    const sel = smallestTickets(ents, all.subarray(s.from, s.from + N), tk, s.from, k).map(x => ({ e: ents.firm(x.k), ticket: x.t }));
    strata.push({
      class: c,
      population: s.population,
      excluded: s.excluded,
      eligible: N,
      ratio: c === FEEDBACK ? plan.feedback.ratio : plan.ratios[c],
      sample_size: k,
      cutoff: k ? sel[k - 1].ticket : null,
      selected: sel.map(x => x.e.uscc),
    });
    for (const x of sel) targets.push(x);
  });
  return { strata, targets };
}
