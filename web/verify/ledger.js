// web/verify/ledger.js — audit/LOG-FORMAT.md "The effective plan" (its
// log_exclusions) and "The burden ledger and caps": the checks of a year
// (draws' targets and ExternalChecks entries), the caps, and the shape of an
// ExternalChecks check. Written from the spec text.
//
//   logExclusions(earlier, plan, year) -> [{uscc, reason, entry}] sorted by USCC
//   visitsPerFirm(earlier, checks) -> Map uscc -> visits of the year (rule 3)
//   externalChecksProblem(body) -> string | null

import { isPlainObject } from './canonical-json.js';
import { usccProblem } from './uscc.js';
import { METHODS, planMethod } from './methods.js';
import { replacementsByDraw, teamsOf } from './teams.js';
import { visits } from './annual.js';

const REQUIRED = ['uscc', 'department', 'method', 'date'];
const OPTIONAL = ['item', 'reference'];

/** Entries by id and DrawPublications by the result they publish (the first of each, in log order), built once per commitment instead of a search of the log per draw. */
function indexOf(earlier) {
  const byId = new Map();
  const publications = new Map();
  for (const e of earlier) {
    if (!byId.has(e.id)) byId.set(e.id, e);
    if (e.kind === 'DrawPublication' && !publications.has(e.body.result)) publications.set(e.body.result, e);
  }
  return { byId, publications };
}

/** The draw document that counts for DrawResult `r`: its publication's, else its own. */
function documentOf(index, r) {
  const pub = index.publications.get(r.id);
  return pub ? pub.body.draw : r.body.draw;
}

const assignmentsOf = doc => (isPlainObject(doc) && Array.isArray(doc.assignments) ? doc.assignments : []);
const itemNames = plan => (isPlainObject(plan) && Array.isArray(plan.items) ? plan.items.map(i => (isPlainObject(i) ? i.item : undefined)).filter(i => typeof i === 'string') : []);

/** The ledger's checks of `year` (null: of every year) among `earlier` (well-formed entries before a commitment, in log order). */
export function checksOfYear(earlier, year, index = indexOf(earlier)) {
  const out = [];
  for (const e of earlier) {
    if (e.kind === 'DrawResult') {
      const c = index.byId.get(e.body.commitment);
      if (!c || (year !== null && c.body.year !== year)) continue;
      const plan = c.body.plan;
      const method = planMethod(plan);
      for (const a of assignmentsOf(documentOf(index, e))) {
        if (isPlainObject(a) && typeof a.uscc === 'string') out.push({ uscc: a.uscc, department: plan.department, method, items: itemNames(plan), entry: e.id });
      }
    } else if (e.kind === 'ExternalChecks') {
      for (const c of e.body.checks) {
        if (year === null || Number(c.date.slice(0, 4)) === year) out.push({ uscc: c.uscc, department: c.department, method: c.method, items: Object.hasOwn(c, 'item') ? [c.item] : [], entry: e.id, external: true });
      }
    }
  }
  return out;
}

/**
 * Rule 3's count: uscc -> the joint visits of `earlier` holding one of the
 * firm's draw checks among `checks` (the ledger of the year), each 1, plus
 * each of its external checks (never merged into a visit).
 */
export function visitsPerFirm(earlier, checks) {
  const draws = new Set(checks.filter(c => !c.external).map(c => `${c.uscc}\u0000${c.entry}`));
  const out = new Map();
  const add = u => out.set(u, (out.get(u) || 0) + 1);
  for (const v of visits(earlier)) if (v.checks.some(d => draws.has(`${v.uscc}\u0000${d}`))) add(v.uscc);
  for (const c of checks) if (c.external) add(c.uscc);
  return out;
}

/** log_exclusions as the writer must have made them (both sections' rules, in their order). */
export function logExclusions(earlier, plan, year) {
  const caps = isPlainObject(plan.caps) ? plan.caps : {};
  const items = itemNames(plan);
  const sameItem = Object.hasOwn(caps, 'same_item_per_year');
  const out = new Map(); // uscc -> [reason, entry]
  const drawn = new Map();
  const index = indexOf(earlier);
  for (const r of earlier.filter(x => x.kind === 'DrawResult')) {
    const c = index.byId.get(r.body.commitment);
    if (!c) continue;
    const sameYear = c.body.year === year;
    const shared = itemNames(c.body.plan).filter(i => items.includes(i));
    for (const a of assignmentsOf(documentOf(index, r))) {
      if (!isPlainObject(a) || typeof a.uscc !== 'string' || !sameYear) continue;
      drawn.set(a.uscc, (drawn.get(a.uscc) || 0) + 1);
      if (shared.length && !sameItem) out.set(a.uscc, [`already drawn for 「${shared[0]}」 in ${year}`, r.id]);
    }
  }
  const checks = checksOfYear(earlier, year, index);
  const perFirm = new Map();
  for (const c of checks) {
    if (!perFirm.has(c.uscc)) perFirm.set(c.uscc, []);
    perFirm.get(c.uscc).push(c);
  }
  const visitCap = Object.hasOwn(caps, 'visits_per_firm_per_year') ? caps.visits_per_firm_per_year : null;
  const visitCounts = visitCap === null ? new Map() : visitsPerFirm(earlier, checks);
  const add = (u, reason) => { if (!out.has(u)) out.set(u, [reason, '']); };
  if (sameItem) {
    const cap = caps.same_item_per_year;
    for (const [u, mine] of perFirm) {
      for (const item of items) {
        const n = mine.filter(c => c.items.includes(item)).length;
        if (n >= cap) { add(u, `checked ${n} times for 「${item}」 in ${year} (cap same_item_per_year ${cap})`); break; }
      }
    }
  }
  if (Number.isSafeInteger(plan.max_draws_per_year)) {
    const cap = plan.max_draws_per_year;
    for (const [u, n] of drawn) if (n >= cap) add(u, `already drawn ${n} times in ${year} (cap ${cap} a year)`);
  }
  for (const [u, mine] of perFirm) {
    const n = visitCounts.get(u) || 0;
    if (visitCap !== null && n >= visitCap) {
      add(u, `visited ${n} times in ${year} (cap visits_per_firm_per_year ${visitCap})`);
      continue;
    }
    const onSite = mine.filter(c => c.method === 'on_site' && c.department === plan.department).length;
    if (Object.hasOwn(caps, 'on_site_per_department_per_year') && onSite >= caps.on_site_per_department_per_year) {
      add(u, `visited on site ${onSite} times by ${plan.department} in ${year} (cap on_site_per_department_per_year ${caps.on_site_per_department_per_year})`);
    }
  }
  return [...out.keys()].sort().map(u => ({ uscc: u, reason: out.get(u)[0], entry: out.get(u)[1] }));
}

/**
 * LOG-FORMAT "The effective plan", `log_history` with rotation: the pairs
 * [uscc, id] of the team (inspectors and experts; "the teams of a draw",
 * Replacements applied) of each enterprise's latest logged draw among
 * `earlier`, as a Set of `uscc \0 id`.
 */
export function logHistory(earlier) {
  const index = indexOf(earlier);
  const replaced = replacementsByDraw(earlier);
  const latest = new Map();
  for (const r of earlier) {
    if (r.kind !== 'DrawResult' || r.body.outcome !== 'drawn' || !index.byId.has(r.body.commitment)) continue;
    for (const t of teamsOf(documentOf(index, r), replaced.get(r.id))) {
      if (typeof t.uscc === 'string') latest.set(t.uscc, t.inspectors.concat(t.experts));
    }
  }
  const out = new Set();
  for (const [u, team] of latest) for (const id of team) out.add(`${u}\u0000${id}`);
  return out;
}

/** A §1.5 date written YYYY-MM-DD (year 1900–2999). */
function realDate(s) {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(s)) return false;
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8))];
  if (y < 1900 || y > 2999) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function checkProblem(c) {
  if (!isPlainObject(c)) return 'not an object';
  for (const k of REQUIRED) if (!Object.hasOwn(c, k)) return `missing ${k}`;
  for (const k of Object.keys(c)) if (!REQUIRED.includes(k) && !OPTIONAL.includes(k)) return `unknown field ${k}`;
  for (const [k, v] of Object.entries(c)) if (typeof v !== 'string') return `${k} is not a string`;
  const p = usccProblem(c.uscc);
  if (p !== null) return `uscc ${JSON.stringify(c.uscc)}: ${p}`;
  if (c.department === '') return 'department is empty';
  if (!METHODS.includes(c.method)) return `method ${JSON.stringify(c.method)} is not one of ${METHODS.join(', ')}`;
  if (!realDate(c.date)) return `date ${JSON.stringify(c.date)} is not a date YYYY-MM-DD`;
  for (const k of OPTIONAL) if (c[k] === '') return `${k} is empty (leave it out)`;
  return null;
}

/** What is wrong with a well-typed ExternalChecks body, or null. */
export function externalChecksProblem(body) {
  if (body.checks.length === 0) return 'checks is empty';
  if (body.source === '') return 'source is empty';
  for (let k = 0; k < body.checks.length; k++) {
    const p = checkProblem(body.checks[k]);
    if (p !== null) return `checks[${k}]: ${p}`;
  }
  return null;
}
