// Annual plans and joint visits, from audit/LOG-FORMAT.md (normative),
// sections "Annual plans and batches" and "Joint visits":
//   annualPlanProblems(body)        an AnnualPlan body: digest and shape
//   referenceProblems(body, earlier) a DrawCommitment's `plan.annual`
//   visits(entries)                 the visits of the log, in creation order
//   rateLine(visits)                `visits: V, joint: J (P%)`

import { sha256, hex, utf8 } from './sha256.js';
import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { OFFSITE, planMethod } from './methods.js';
import { replacementsByDraw, teamsOf } from './teams.js';

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const BATCH_KEYS = ['name', 'department', 'start', 'end', 'items', 'ratios', 'team_size', 'regions', 'industries'];
const isCount = v => Number.isSafeInteger(v) && v >= 0;
const strings = v => Array.isArray(v) && v.every(x => typeof x === 'string');
const ratios = v => isPlainObject(v) && hasExactKeys(v, ['A', 'B', 'C', 'D']) && Object.values(v).every(x => typeof x === 'string');
const isDate = v => typeof v === 'string' && DATE.test(v);

function shapeOk(a) {
  if (!isPlainObject(a) || !hasExactKeys(a, ['year', 'name', 'departments', 'items', 'batches'])) return false;
  return isCount(a.year) && typeof a.name === 'string' && strings(a.departments)
    && Array.isArray(a.items) && a.items.every(i => isPlainObject(i) && hasExactKeys(i, ['item', 'ratios']) && typeof i.item === 'string' && ratios(i.ratios))
    // a batch with an off-site method carries `method`; an on-site batch never does
    && Array.isArray(a.batches) && a.batches.every(b => isPlainObject(b)
      && (hasExactKeys(b, BATCH_KEYS) || (hasExactKeys(b, [...BATCH_KEYS, 'method']) && OFFSITE.includes(b.method)))
      && typeof b.name === 'string' && typeof b.department === 'string' && isDate(b.start) && isDate(b.end)
      && strings(b.items) && ratios(b.ratios) && isCount(b.team_size) && strings(b.regions) && strings(b.industries));
}

export async function annualPlanProblems(body) {
  const out = [];
  let digest = null;
  try { digest = hex(await sha256(utf8(canonicalJson(body.annual)))); } catch { /* not canonical: a mismatch */ }
  if (body.digest !== digest) out.push(`digest ${body.digest} is not SHA-256 of the canonical annual plan (${digest})`);
  if (!shapeOk(body.annual)) out.push('annual is not a canonical annual plan (keys year, name, departments, items, batches)');
  return out;
}

export function batchOf(annual, name) {
  const batches = isPlainObject(annual) && Array.isArray(annual.batches) ? annual.batches : [];
  return batches.find(b => isPlainObject(b) && b.name === name) || null;
}

const get = (v, ...path) => {
  for (const k of path) {
    if (!isPlainObject(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
};
const same = (a, b) => a !== undefined && canonicalJson(a) === canonicalJson(b);
const show = v => (v === undefined ? 'none' : canonicalJson(v));

function batchMismatches(plan, batch, annualYear, year) {
  const out = [];
  if (plan.department !== batch.department) out.push(`department ${show(plan.department)} is not the batch's ${show(batch.department)}`);
  const names = (Array.isArray(plan.items) ? plan.items : []).filter(i => isPlainObject(i) && typeof i.item === 'string').map(i => i.item);
  const byCodePoint = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
  names.sort(byCodePoint);
  const wanted = [...batch.items].sort(byCodePoint);
  if (canonicalJson(names) !== canonicalJson(wanted)) out.push(`items ${show(names)} are not the batch's ${show(wanted)}`);
  if (!same(plan.ratios, batch.ratios)) out.push(`ratios ${show(plan.ratios)} are not the batch's ${show(batch.ratios)}`);
  for (const key of ['regions', 'industries']) {
    if (!same(get(plan, 'scope', key), batch[key])) out.push(`scope.${key} ${show(get(plan, 'scope', key))} is not the batch's ${show(batch[key])}`);
  }
  const method = planMethod(plan);
  const batchMethod = Object.hasOwn(batch, 'method') ? batch.method : 'on_site';
  if (method !== batchMethod) out.push(`method ${show(method)} is not the batch's ${show(batchMethod)}`);
  // an off-site batch's team_size is its reviewers (LOG-FORMAT "Annual plans and batches")
  const sizeKey = batchMethod === 'on_site' ? 'size' : 'reviewers';
  const size = get(plan, 'team', sizeKey);
  if (!(isCount(size) && size === batch.team_size)) out.push(`team.${sizeKey} ${show(size)} is not the batch's team_size ${batch.team_size}`);
  if (annualYear !== year) out.push(`year ${year} is not the annual plan's year ${show(annualYear)}`);
  const date = plan.inspection_date;
  if (typeof date === 'string' && date && !(batch.start <= date && date <= batch.end)) out.push(`inspection_date ${date} is outside the batch's window ${batch.start} … ${batch.end}`);
  return out;
}

/** `earlier`: id -> entry of the well-formed entries before the commitment. */
export function referenceProblems(body, earlier) {
  const plan = body.plan;
  if (!Object.hasOwn(plan, 'annual')) return [];
  const ref = plan.annual;
  if (!isPlainObject(ref) || !hasExactKeys(ref, ['plan', 'batch']) || typeof ref.plan !== 'string' || typeof ref.batch !== 'string') {
    return ['plan.annual is not {"plan": entry id, "batch": name}'];
  }
  const target = earlier.get(ref.plan);
  if (!target) return [`plan.annual.plan ${ref.plan} is not an earlier entry`];
  if (target.kind !== 'AnnualPlan') return [`plan.annual.plan ${ref.plan} is a ${target.kind}, not an AnnualPlan`];
  const batch = batchOf(target.body.annual, ref.batch);
  if (batch === null) return [`the annual plan ${ref.plan} has no batch ${JSON.stringify(ref.batch)}`];
  return batchMismatches(plan, batch, target.body.annual.year, body.year)
    .map(m => `batch ${JSON.stringify(ref.batch)} of annual plan ${ref.plan.slice(0, 16)}: ${m}`);
}

function* checks(entries) {
  const byId = new Map(entries.map(e => [e.id, e]));
  const replaced = replacementsByDraw(entries); // LOG-FORMAT "Replacing an inspector": the teams of a draw
  for (const e of entries) {
    const b = e.body;
    let draw; let doc;
    if (e.kind === 'DrawResult' && b.outcome === 'drawn' && Object.hasOwn(b, 'draw')) { draw = e.id; doc = b.draw; }
    else if (e.kind === 'DrawPublication') { draw = b.result; doc = b.draw; }
    else continue;
    const c = byId.get(b.commitment);
    if (!c || c.kind !== 'DrawCommitment') continue;
    const plan = c.body.plan;
    let departments = (get(plan, 'team', 'departments') || []).filter(d => typeof d === 'string');
    if (!departments.length && typeof plan.department === 'string' && plan.department) departments = [plan.department];
    const items = (Array.isArray(plan.items) ? plan.items : []).filter(i => isPlainObject(i) && typeof i.item === 'string').map(i => i.item);
    let window = null;
    if (Object.hasOwn(plan, 'annual')) {
      const ref = plan.annual;
      const a = typeof get(ref, 'plan') === 'string' ? byId.get(ref.plan) : undefined;
      const batch = a && a.kind === 'AnnualPlan' ? batchOf(a.body.annual, get(ref, 'batch')) : null;
      if (batch && typeof batch.start === 'string' && typeof batch.end === 'string') window = [batch.start, batch.end];
    } else if (typeof plan.inspection_date === 'string' && plan.inspection_date) {
      window = [plan.inspection_date, plan.inspection_date];
    }
    const rows = isPlainObject(doc) && Array.isArray(doc.assignments) ? doc.assignments : [];
    const teams = teamsOf(doc, replaced.get(draw));
    for (const [k, a] of rows.entries()) {
      if (!isPlainObject(a) || typeof a.uscc !== 'string') continue;
      const team = teams[k].inspectors;
      const leader = Array.isArray(team) && team.length && typeof team[0] === 'string' ? team[0] : '';
      yield { uscc: a.uscc, draw, departments, items, leader, window };
    }
  }
}

const max = (x, y) => (x > y ? x : y);
const min = (x, y) => (x < y ? x : y);

/** The visits of the well-formed `entries` (log order). */
export function visits(entries) {
  const out = [];
  for (const c of checks(entries)) {
    const joinable = c.window !== null && c.departments.length > 0;
    const target = joinable ? out.find(v => v.uscc === c.uscc && !v.closed && v.window !== null
      && max(c.window[0], v.window[0]) <= min(c.window[1], v.window[1])
      && !c.departments.some(d => v.departments.includes(d))) : undefined;
    if (target) {
      target.window = [max(c.window[0], target.window[0]), min(c.window[1], target.window[1])];
      target.departments.push(...c.departments);
      target.checks.push(c.draw);
      for (const i of c.items) if (!target.items.includes(i)) target.items.push(i);
      target.team.push(c.leader);
    } else {
      out.push({ uscc: c.uscc, window: c.window, lead: c.departments[0] || '', departments: [...c.departments],
        checks: [c.draw], items: [...new Set(c.items)], team: [c.leader], closed: !joinable });
    }
  }
  return out;
}

export function rateLine(vs) {
  const v = vs.length;
  const j = vs.filter(x => x.departments.length >= 2).length;
  const tenths = v === 0 ? 0 : Math.floor((2000 * j + v) / (2 * v));
  return `visits: ${v}, joint: ${j} (${Math.floor(tenths / 10)}.${tenths % 10}%)`;
}
