// web/verify/feedback.js — SPEC §6.4 and audit/LOG-FORMAT.md "Feedback from
// results": the firms a log flags for a plan with `feedback` (their last
// published results found a problem, a follow-up is still open, or — when
// the plan lists `woken` — they were woken and not checked since), the
// commitment's `log_feedback` re-derived from the entries before it, and what
// is wrong with a commitment's `log_feedback` and its plan's `feedback`.
// Part of the independent verifier web/verify.js (written from the spec text).
//
//   logFeedback(earlier, reasons?) -> [{uscc, reason: 'problem' | 'follow_up' | 'woken', entry}] sorted by USCC
//   commitmentProblems(body, earlier, {isProtected}) -> [text]

import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { DEFAULT_FEEDBACK_REASONS, FEEDBACK_REASONS, parseRatio } from './plan.js';
import { checksOfYear } from './ledger.js';

// LOG-FORMAT "Feedback from results" rule 1 (SPEC §12 rule 6): an item found a problem
const PROBLEM_CODES = ['A', 'B', 'C', 'D', '8'];
const PUBLISHED = '已公示';

/** A v2 result object whose items' codes contain a problem code. */
function foundProblem(result) {
  return result.format === 2 && Array.isArray(result.items)
    && result.items.some(it => isPlainObject(it) && Array.isArray(it.codes) && it.codes.some(c => PROBLEM_CODES.includes(c)));
}

/**
 * LOG-FORMAT "Feedback from results" rule 3: USCC -> id of its latest
 * WakeUp, for the firms that no check of the ledger (a drawn DrawResult's
 * targets, an ExternalChecks check; any year) logged after that WakeUp names.
 */
function wokenUnchecked(earlier) {
  const latest = new Map();
  for (const e of earlier) if (e.kind === 'WakeUp') latest.set(e.body.uscc, e);
  const indexOfId = new Map();
  for (const e of earlier) if (!indexOfId.has(e.id)) indexOfId.set(e.id, e.index);
  for (const c of checksOfYear(earlier, null)) {
    const w = latest.get(c.uscc);
    if (w && indexOfId.get(c.entry) > w.index) latest.delete(c.uscc);
  }
  return new Map([...latest].map(([u, w]) => [u, w.id]));
}

/**
 * LOG-FORMAT "Feedback from results": one element per flagged USCC, from
 * `earlier` (the well-formed entries before the commitment, in log order),
 * sorted by USCC. Only the rules of `reasons` apply, in their order: rule 1
 * (`problem`), rule 2 (`follow_up`), rule 3 (`woken`).
 */
export function logFeedback(earlier, reasons = DEFAULT_FEEDBACK_REASONS) {
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
  if (reasons.includes('problem')) {
    for (const [uscc, { list }] of last) {
      const first = list.filter(r => foundProblem(r.result)).sort((a, b) => a.entry.index - b.entry.index)[0];
      if (first) flagged.set(uscc, { uscc, reason: 'problem', entry: first.entry.id });
    }
  }
  // rule 2: an open follow-up (the first, by index, of the firm's open ones)
  if (reasons.includes('follow_up')) {
    for (const f of followUps.values()) { // Map order is log order
      if (f.open && !flagged.has(f.uscc)) flagged.set(f.uscc, { uscc: f.uscc, reason: 'follow_up', entry: f.entry.id });
    }
  }
  // rule 3: woken and not checked since its latest wake-up
  if (reasons.includes('woken')) {
    for (const [uscc, entry] of wokenUnchecked(earlier)) {
      if (!flagged.has(uscc)) flagged.set(uscc, { uscc, reason: 'woken', entry });
    }
  }
  // USCCs are ASCII: code-unit order is code-point order
  return [...flagged.keys()].sort().map(u => flagged.get(u));
}

/** SPEC §3.3: the stored `reasons` (when present): known words, distinct, in rule order, not empty, not the default. */
function reasonsProblem(reasons) {
  const ok = Array.isArray(reasons) && reasons.length > 0
    && canonicalJson(reasons) === canonicalJson(FEEDBACK_REASONS.filter(w => reasons.includes(w)))
    && canonicalJson(reasons) !== canonicalJson(DEFAULT_FEEDBACK_REASONS);
  return ok ? null : `the plan's feedback.reasons ${canonicalJson(reasons)} must be distinct words among ${FEEDBACK_REASONS.join(', ')} in that order, not empty and not the default (problem, follow_up), which is left out (SPEC §3.3)`;
}

/** SPEC §3.3: the canonical `feedback` of a plan: {"ratio": canonical ratio, "flagged": [USCC…]} and "reasons" when not the default. */
function feedbackShapeProblem(fb) {
  const keys = isPlainObject(fb) && Object.hasOwn(fb, 'reasons') ? ['ratio', 'flagged', 'reasons'] : ['ratio', 'flagged'];
  if (!isPlainObject(fb) || !hasExactKeys(fb, keys)) return 'the plan\'s feedback must be {"ratio", "flagged"} and optionally "reasons"';
  if (Object.hasOwn(fb, 'reasons') && reasonsProblem(fb.reasons) !== null) return reasonsProblem(fb.reasons);
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
  // a feedback of another shape: every rule, so that no flagged firm goes unnamed
  const reasons = shape === null ? (plan.feedback.reasons ?? DEFAULT_FEEDBACK_REASONS) : FEEDBACK_REASONS;
  const expected = logFeedback(earlier, reasons);
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
