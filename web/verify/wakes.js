// web/verify/wakes.js — LOG-FORMAT "Wake-ups" and SPEC §6.3: the WakeUp
// entry's body, and the `log_wakes` of a commitment whose plan has
// `scope.wake`, re-derived from the WakeUp entries before it.
// Part of the independent verifier web/verify.js (written from the spec).

import { canonicalJson, isPlainObject } from './canonical-json.js';
import { usccProblem } from './uscc.js';
import { chinaDate } from './time.js';

export const REASONS = ['resumed', 'complaint', 'risk_signal', 'term_ended'];
export const OPTIONAL = ['note', 'by']; // strings when present (never null)

/** null when a WakeUp body's values are valid (names and types are checked by the caller). */
export function bodyProblem(body) {
  const why = usccProblem(body.uscc);
  if (why) return `uscc ${JSON.stringify(body.uscc)}: ${why}`;
  if (!REASONS.includes(body.reason)) return `reason ${JSON.stringify(body.reason)} is not one of ${REASONS.join(', ')}`;
  return null;
}

/** Per USCC its latest WakeUp among `earlier` (well-formed entries in log order), sorted by USCC. */
export function logWakes(earlier) {
  const latest = new Map();
  for (const w of earlier) if (w.kind === 'WakeUp') latest.set(w.body.uscc, w);
  // USCCs are ASCII: code-unit order is code-point order
  return [...latest.keys()].sort().map(u => {
    const w = latest.get(u);
    return { uscc: u, reason: w.body.reason, entry: w.id, date: chinaDate(w.time) };
  });
}

/** What is wrong with a commitment's `log_wakes` and its plan's `scope.wake` (a list of texts). */
export function commitmentProblems(e, b, earlier) {
  const scope = isPlainObject(b.plan) && isPlainObject(b.plan.scope) ? b.plan.scope : {};
  const wake = Object.hasOwn(scope, 'wake') ? scope.wake : undefined;
  if (wake === undefined) return Object.hasOwn(b, 'log_wakes') ? ['log_wakes is present but the plan has no scope.wake'] : [];
  const wakes = logWakes(earlier);
  const out = [];
  const recorded = Object.hasOwn(b, 'log_wakes') ? canonicalJson(b.log_wakes) : null;
  if (recorded !== (wakes.length ? canonicalJson(wakes) : null)) {
    out.push('log_wakes differ from the WakeUp entries before the commitment (a wake-up was added or dropped)');
  }
  const woken = wakes.map(w => [w.uscc, w.date]);
  if (!isPlainObject(wake) || canonicalJson(wake.woken ?? null) !== canonicalJson(woken)) out.push("scope.wake.woken is not the log's wake-ups");
  const idate = b.plan.inspection_date;
  const asOf = idate ? idate : (e.time !== null ? chinaDate(e.time) : null);
  if (!isPlainObject(wake) || wake.as_of !== asOf) out.push("scope.wake.as_of is not the inspection date or the commitment's China date");
  return out;
}
