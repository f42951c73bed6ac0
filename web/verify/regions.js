// web/verify/regions.js — SPEC §6.1 Region strata and floors: with [strata],
// a stratum per (class, region), and each region short of its floor topped
// up with its next smallest tickets of any class.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint } from './order.js';
import { CLASSES, parseRatio } from './plan.js';
import { ticketKeys } from './tickets.js';
import { drawStrata, marked, sampleSize, scopeTest, smallestTickets } from './selection.js';

/** §6–§7, or §6.1 with [strata]: {strata, floors (null without [strata]), targets}. */
export async function drawSelection(ents, plan, meta, tests, seedHex) {
  if (!plan.strata) return { ...(await drawStrata(ents, plan, meta, tests, seedHex)), floors: null };
  const digits = plan.strata.region_digits;
  const inScope = scopeTest(ents, plan, tests); // §6.3: woken firms join their stratum
  const excluded = marked(ents, plan.exclude);
  const prefixes = ents.regions.map(r => r.slice(0, digits));
  const groups = new Map(); // "class region" -> {c, region, population, excluded, eligible: firm numbers}
  for (let k = 0; k < ents.count; k++) {
    if (!inScope(k)) continue;
    const c = CLASSES[ents.cls[k]], region = prefixes[ents.region[k]];
    const key = `${c} ${region}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { c, region, population: 0, excluded: 0, eligible: [] }));
    g.population++;
    if (excluded[k]) g.excluded++;
    else g.eligible.push(k);
  }
  const order = [...groups.values()].sort((a, b) => CLASSES.indexOf(a.c) - CLASSES.indexOf(b.c) || cmpCodePoint(a.region, b.region));
  const strata = [];
  const targets = [];
  const regions = new Map(); // region -> {eligible, drawn, rest: firm numbers}
  const drawn = new Uint8Array(ents.count);
  for (const g of order) {
    const N = g.eligible.length;
    const k = sampleSize(N, meta.ratioVals[g.c], meta.minV[g.c], meta.maxV[g.c]);
    const sel = await inTicketOrder(ents, g.eligible, k, seedHex);
    let r = regions.get(g.region);
    if (!r) regions.set(g.region, (r = { eligible: 0, drawn: 0, rest: [] }));
    r.eligible += N;
    r.drawn += k;
    // the others may top the region up; their order does not matter (the top-up ranks them)
    for (const x of sel) drawn[x.k] = 1;
    for (const f of g.eligible) if (!drawn[f]) r.rest.push(f);
    strata.push({
      class: g.c,
      region: g.region,
      population: g.population,
      excluded: g.excluded,
      eligible: N,
      ratio: plan.ratios[g.c],
      sample_size: k,
      cutoff: k ? sel[k - 1].t : null,
      selected: sel.map(x => ents.uscc(x.k)),
    });
    for (const x of sel) targets.push({ e: ents.firm(x.k), ticket: x.t });
  }
  const floorRatio = parseRatio(plan.strata.floor);
  const floors = [];
  for (const region of [...regions.keys()].sort(cmpCodePoint)) {
    const r = regions.get(region);
    const floor = sampleSize(r.eligible, floorRatio, 0n, null); // ceil(E · f), at most E
    const topUp = await inTicketOrder(ents, r.rest, Math.max(floor - r.drawn, 0), seedHex);
    floors.push({ region, eligible: r.eligible, drawn: r.drawn, floor, top_up: topUp.map(x => ents.uscc(x.k)) });
    for (const x of topUp) targets.push({ e: ents.firm(x.k), ticket: x.t });
  }
  return { strata, floors, targets };
}

/** The k of `firms` (firm numbers) with the smallest tickets, in ticket order: [{k: firm number, t}]. */
async function inTicketOrder(ents, firms, k, seedHex) {
  if (k === 0) return [];
  const tk = await ticketKeys(ents, firms, seedHex);
  return smallestTickets(ents, firms, tk, 0, k);
}
