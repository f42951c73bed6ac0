// web/verify/feedback.js — SPEC §6.4 and audit/LOG-FORMAT.md "Feedback from
// results": the firms a log flags for a plan with `feedback` (their last
// published results found a problem, or a follow-up is still open), the
// commitment's `log_feedback` re-derived from the entries before it, and what
// is wrong with a commitment's `log_feedback` and its plan's `feedback`.
// Part of the independent verifier web/verify.js (written from the spec text).
//
//   logFeedback(earlier) -> [{uscc, reason: 'problem' | 'follow_up', entry}] sorted by USCC
//   commitmentProblems(body, earlier, {isProtected}) -> [text]

import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { parseRatio } from './plan.js';

// LOG-FORMAT "Feedback from results" rule 1 (SPEC §12 rule 6): an item found a problem
const PROBLEM_CODES = ['A', 'B', 'C', 'D', '8'];
const PUBLISHED = '已公示';

/** A v2 result object whose items' codes contain a problem code. */
function foundProblem(result) {
  return result.format === 2 && Array.isArray(result.items)
    && result.items.some(it => isPlainObject(it) && Array.isArray(it.codes) && it.codes.some(c => PROBLEM_CODES.includes(c)));
}

/**
 * LOG-FORMAT "Feedback from results": one element per flagged USCC, from
 * `earlier` (the well-formed entries before the commitment, in log order),
 * sorted by USCC. Rule 1 (`problem`) before rule 2 (`follow_up`).
 */
export function logFeedback(earlier) {
  const results = new Map(); // InspectionResult id -> {entry, uscc, result (amendments applied)}
  const followUps = new Map(); // FollowUp id -> {entry, uscc, open}
  for (const e of earlier) {
    const b = e.body;
    if (e.kind === 'InspectionResult') results.set(e.id, { entry: e, uscc: b.uscc, result: { ...b.result } });
    else if (e.kind === 'Amendment') {
      // each Amendment replaces the top-level keys its `result` gives, in log order
      const r = results.get(b.amends);
      if (r && isPlainObject(b.result)) Object.assign(r.result, b.result);
    } else if (e.kind === 'FollowUp') followUps.set(e.id, { entry: e, uscc: b.uscc, open: true });
    else if (e.kind === 'FollowUpClosed') {
      const f = followUps.get(b.follow_up);
      if (f) f.open = false;
    }
  }
  const flagged = new Map(); // uscc -> element
  // rule 1: the firm's last results (its published results of the greatest inspection_date)
  const last = new Map(); // uscc -> {date, list: [result records] in log order}
  for (const r of results.values()) {
    if (r.result.state !== PUBLISHED || typeof r.result.inspection_date !== 'string') continue;
    const date = r.result.inspection_date;
    const cur = last.get(r.uscc);
    if (!cur || date > cur.date) last.set(r.uscc, { date, list: [r] });
    else if (date === cur.date) cur.list.push(r);
  }
  for (const [uscc, { list }] of last) {
    const first = list.filter(r => foundProblem(r.result)).sort((a, b) => a.entry.index - b.entry.index)[0];
    if (first) flagged.set(uscc, { uscc, reason: 'problem', entry: first.entry.id });
  }
  // rule 2: an open follow-up (the first, by index, of the firm's open ones)
  for (const f of followUps.values()) { // Map order is log order
    if (f.open && !flagged.has(f.uscc)) flagged.set(f.uscc, { uscc: f.uscc, reason: 'follow_up', entry: f.entry.id });
  }
  // USCCs are ASCII: code-unit order is code-point order
  return [...flagged.keys()].sort().map(u => flagged.get(u));
}

/** SPEC §3.3: the canonical `feedback` of a plan: {"ratio": canonical ratio, "flagged": [USCC…]}. */
function feedbackShapeProblem(fb) {
  if (!isPlainObject(fb) || !hasExactKeys(fb, ['ratio', 'flagged'])) return 'the plan\'s feedback must be {"ratio", "flagged"}';
  const r = parseRatio(fb.ratio);
  if (typeof fb.ratio !== 'string' || r.error || r.text !== fb.ratio) return `the plan's feedback.ratio ${JSON.stringify(fb.ratio)} is not a canonical ratio (SPEC §3.1)`;
  if (!Array.isArray(fb.flagged) || !fb.flagged.every(u => typeof u === 'string')) return "the plan's feedback.flagged must be a list of USCCs";
  return null;
}

/**
 * What is wrong with a DrawCommitment body's `log_feedback` and its plan's
 * `feedback` (texts, each naming what differs), given `earlier` (the
 * well-formed entries before it) and whether the log is protected.
 */
export function commitmentProblems(b, earlier, { isProtected = false } = {}) {
  const plan = isPlainObject(b.plan) ? b.plan : {};
  const has = Object.hasOwn(plan, 'feedback');
  const recorded = Object.hasOwn(b, 'log_feedback');
  if (!has) return recorded ? ['log_feedback is present but the plan has no feedback'] : [];
  const out = [];
  if (!recorded) out.push('the plan has feedback but the commitment has no log_feedback');
  if (isProtected) out.push('a protected log cannot commit a plan with feedback (LOG-FORMAT "Feedback from results")');
  if (Object.hasOwn(plan, 'strata')) out.push('the plan has both feedback and strata, which SPEC §6.4 refuses together');
  const shape = feedbackShapeProblem(plan.feedback);
  if (shape !== null) out.push(shape);
  const expected = logFeedback(earlier);
  if (recorded && canonicalJson(b.log_feedback) !== canonicalJson(expected)) {
    const key = x => canonicalJson(x);
    const got = Array.isArray(b.log_feedback) ? b.log_feedback : [];
    const want = new Set(expected.map(key));
    const found = new Set(got.map(key));
    const missing = expected.filter(x => !found.has(key(x)));
    const extra = got.filter(x => !want.has(key(x)));
    out.push('log_feedback differs from the published results and open follow-ups before the commitment'
      + (missing.length ? `; missing: ${missing.slice(0, 5).map(key).join(', ')}` : '')
      + (extra.length ? `; not implied: ${extra.slice(0, 5).map(key).join(', ')}` : '')
      + (!missing.length && !extra.length ? ' (order: it must be sorted by USCC)' : ''));
  }
  if (shape === null && canonicalJson(plan.feedback.flagged) !== canonicalJson(expected.map(x => x.uscc))) {
    out.push(`the plan's feedback.flagged ${canonicalJson(plan.feedback.flagged)} is not the USCCs the log flags (${canonicalJson(expected.map(x => x.uscc))})`);
  }
  return out;
}
