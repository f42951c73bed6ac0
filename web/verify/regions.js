// web/verify/regions.js — SPEC §6.1 Region strata and floors: with [strata],
// a stratum per (class, region), and each region short of its floor topped
// up with its next smallest tickets of any class.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint } from './order.js';
import { CLASSES, parseRatio } from './plan.js';
import { ticketDigestsFor } from './tickets.js';
import { drawStrata, inScope, sampleSize, smallestTickets } from './selection.js';

/** §6–§7, or §6.1 with [strata]: {strata, floors (null without [strata]), targets}. */
export async function drawSelection(ents, plan, meta, tests, seedHex) {
  if (!plan.strata) return { ...(await drawStrata(ents, plan, meta, tests, seedHex)), floors: null };
  const digits = plan.strata.region_digits;
  const statusSet = new Set(plan.scope.statuses);
  const excludeSet = new Set(plan.exclude);
  const wakes = plan.scope.wake ? new Map(plan.scope.wake.woken) : null; // §6.3: woken firms join their stratum
  const groups = new Map(); // "class region" -> {c, region, population, excluded, eligible}
  for (const e of ents.list) {
    if (!inScope(e, plan, tests, statusSet, wakes)) continue;
    const region = e.region.slice(0, digits);
    const key = `${e.credit_class} ${region}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { c: e.credit_class, region, population: 0, excluded: 0, eligible: [] }));
    g.population++;
    if (excludeSet.has(e.uscc)) g.excluded++;
    else g.eligible.push(e);
  }
  const order = [...groups.values()].sort((a, b) => CLASSES.indexOf(a.c) - CLASSES.indexOf(b.c) || cmpCodePoint(a.region, b.region));
  const strata = [];
  const targets = [];
  const regions = new Map(); // region -> {eligible, drawn, rest: [e]}
  for (const g of order) {
    const N = g.eligible.length;
    const k = sampleSize(N, meta.ratioVals[g.c], meta.minV[g.c], meta.maxV[g.c]);
    const ranked = await inTicketOrder(g.eligible, N, seedHex);
    const sel = ranked.slice(0, k);
    let r = regions.get(g.region);
    if (!r) regions.set(g.region, (r = { eligible: 0, drawn: 0, rest: [] }));
    r.eligible += N;
    r.drawn += k;
    for (const x of ranked.slice(k)) r.rest.push(x.e);
    strata.push({
      class: g.c,
      region: g.region,
      population: g.population,
      excluded: g.excluded,
      eligible: N,
      ratio: plan.ratios[g.c],
      sample_size: k,
      cutoff: k ? sel[k - 1].t : null,
      selected: sel.map(x => x.e.uscc),
    });
    for (const x of sel) targets.push({ e: x.e, ticket: x.t });
  }
  const floorRatio = parseRatio(plan.strata.floor);
  const floors = [];
  for (const region of [...regions.keys()].sort(cmpCodePoint)) {
    const r = regions.get(region);
    const floor = sampleSize(r.eligible, floorRatio, 0n, null); // ceil(E · f), at most E
    const topUp = await inTicketOrder(r.rest, Math.max(floor - r.drawn, 0), seedHex);
    floors.push({ region, eligible: r.eligible, drawn: r.drawn, floor, top_up: topUp.map(x => x.e.uscc) });
    for (const x of topUp) targets.push({ e: x.e, ticket: x.t });
  }
  return { strata, floors, targets };
}

/** The k of `list` with the smallest tickets, in ticket order: [{e, t}]. */
async function inTicketOrder(list, k, seedHex) {
  if (k === 0) return [];
  const tk = await ticketDigestsFor(list.map(e => e.uscc), seedHex);
  return smallestTickets(list, Uint32Array.from(list.keys()), tk, k);
}
