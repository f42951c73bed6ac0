// web/verify/aftercare.js — follow-ups (后续处置) and objections (异议):
// the four entry kinds of audit/LOG-FORMAT.md "Follow-ups" and "Objections",
// their bodies beyond the field types of log.js's BODY, and their references
// (as audit/fairdraw_verify/aftercare.py).

// Fields and types, as in log.js's BODY; OPTIONAL lists those that may be absent.
export const AFTERCARE_BODY = {
  FollowUp: { result: 'hex', uscc: 'str', action: 'str', due: 'str', by: 'str' },
  FollowUpClosed: { follow_up: 'hex', outcome: 'str', by: 'str' },
  Objection: { uscc: 'str', result: 'hex', draw: 'hex', text: 'str', by: 'str' },
  ObjectionAnswer: { objection: 'hex', answer: 'str', outcome: 'str', by: 'str' },
};
export const AFTERCARE_OPTIONAL = {
  FollowUp: ['by'], FollowUpClosed: ['by'], Objection: ['result', 'draw', 'by'], ObjectionAnswer: ['by'],
};
const ACTIONS = ['abnormal_list', 'case', 'referral', 'correction'];
const OUTCOMES = ['upheld', 'rejected', 'partly'];
const TEXT_MAX = 2000;
const SHORT_MAX = 64;
// Bounded text: 1..max characters (code points), none a control character (U+0000–U+001F, U+007F–U+009F).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const TEXTS = {
  FollowUp: [['uscc', SHORT_MAX]], FollowUpClosed: [['outcome', TEXT_MAX]],
  Objection: [['uscc', SHORT_MAX], ['text', TEXT_MAX]], ObjectionAnswer: [['answer', TEXT_MAX]],
};
const hex4 = n => n.toString(16).toUpperCase().padStart(4, '0');

function textProblem(field, value, limit) {
  const n = [...value].length;
  if (n === 0 || n > limit) return `${field} must be 1 to ${limit} characters, is ${n}`;
  const m = CONTROL.exec(value);
  return m ? `${field} holds the control character U+${hex4(m[0].codePointAt(0))}` : null;
}

function dueProblem(value) {
  const m = DATE.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 1900 && y <= 2999 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return null;
  }
  return `due ${JSON.stringify(value)} is not a date YYYY-MM-DD`;
}

/** What is wrong with a well-typed body of one of the four kinds. */
export function aftercareProblems(kind, body) {
  const out = [];
  for (const [field, limit] of [...TEXTS[kind], ['by', SHORT_MAX]]) {
    if (Object.hasOwn(body, field)) { const p = textProblem(field, body[field], limit); if (p) out.push(p); }
  }
  if (kind === 'FollowUp') {
    if (!ACTIONS.includes(body.action)) out.push(`action ${JSON.stringify(body.action)} is not one of ${ACTIONS.join(', ')}`);
    const p = dueProblem(body.due); if (p) out.push(p);
  }
  if (kind === 'ObjectionAnswer' && !OUTCOMES.includes(body.outcome)) out.push(`outcome ${JSON.stringify(body.outcome)} is not one of ${OUTCOMES.join(', ')}`);
  return out;
}

/** The reference checks, run in log order by the log verifier `v` (its `earlier` and `problem`). */
export class AftercareReferences {
  constructor(v) { this.v = v; this.closed = new Set(); }

  check(e, b) {
    const v = this.v;
    if ((e.kind === 'FollowUp' || e.kind === 'Objection') && Object.hasOwn(b, 'result')) {
      const r = v.earlier(e, b.result, ['InspectionResult'], 'result');
      if (r !== null && r.body.uscc !== b.uscc) v.problem(`entry ${e.index} (${e.kind}): uscc ${b.uscc} is not the result's uscc ${r.body.uscc}`);
    }
    if (e.kind === 'Objection' && Object.hasOwn(b, 'draw')) v.earlier(e, b.draw, ['DrawResult'], 'draw');
    for (const [kind, field, named, what] of [['FollowUpClosed', 'follow_up', 'FollowUp', 'closed'], ['ObjectionAnswer', 'objection', 'Objection', 'answered']]) {
      if (e.kind !== kind) continue;
      if (v.earlier(e, b[field], [named], field) === null) continue;
      if (this.closed.has(b[field])) v.problem(`entry ${e.index} (${e.kind}): ${field} ${b[field]} is ${what} already`);
      this.closed.add(b[field]);
    }
  }
}
