// feedback-log.mjs — tiny fairdraw logs with feedback from results (SPEC
// §6.4, audit/LOG-FORMAT.md "Feedback from results") for the node tests
// (tests/verify-js/feedback.test.mjs) and the draw page's browser check
// (tests/browser/feedback-page.mjs). Built on protected-log.mjs's full log:
// after its first draw, published v2 results of its targets (a problem, one
// amended away, a clean one with an open follow-up), then a feedback
// commitment, its ceremony beacon and its DrawResult, the draw computed by
// web/verify.js with the flagged firms the entries imply (written out here
// from the spec's rules, not with web/verify/feedback.js).
//
//   v2(date, codes, extra) -> a result v2 object (codes: one list per item)
//   idOf(i, kind, body) -> the id of entry i (i >= 7) of such a log
//   resultsAfter(doc, rid) -> {out: [[kind, body]…], flags (their log_feedback)}
//   revealedFeedbackLog(tamperDoc) -> {log, doc2, flags, rid}

import crypto from 'node:crypto';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { computeDraw, canonicalJson } from '../../web/verify.js';
import { buildLog, PLAN } from './protected-log.mjs';

const BASIC = new URL('../vectors/basic/', import.meta.url);
const read = f => new Uint8Array(fs.readFileSync(new URL(f, BASIC)));
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

export const v2 = (date, codes, extra = {}) => ({
  format: 2, inspection_date: date, method: 'on_site',
  items: codes.map((c, i) => ({ item: `事项${i}`, department: '市场监督管理局', codes: c, findings: '' })),
  attachments: [], state: '已公示', pending: 'p-1', recorded_by: 'lu', reviewed_by: 'shen', ...extra,
});

export const PUB_TIME = '2026-12-10T02:00:00Z';
/** The id of entry i of a buildLog log (its lines after index 6 carry PUB_TIME). */
export const idOf = (i, kind, body) => sha([0], canonicalJson({ body, index: i, kind, simulated: true, time: PUB_TIME, v: 1 })).toString('hex');

/**
 * The entries after the first draw (from index 7): results of its targets,
 * an amendment and a follow-up. Returns {out: [[kind, body]…], flags (the
 * log_feedback they imply)}.
 */
export function resultsAfter(doc, rid) {
  const out = [];
  const add = (kind, body) => { const i = 7 + out.length; out.push([kind, body]); return idOf(i, kind, body); };
  const [t0, t1, t2] = doc.assignments.map(a => a.uscc);
  const r0 = add('InspectionResult', { draw: rid, uscc: t0, result: v2('2026-12-05', [['A', 'B']]) });
  const r1 = add('InspectionResult', { draw: rid, uscc: t1, result: v2('2026-12-05', [['A']]) });
  add('Amendment', { amends: r1, reason: '复核更正', result: { items: [{ item: '事项0', department: '市场监督管理局', codes: ['E'], findings: '' }] } });
  const r2 = add('InspectionResult', { draw: rid, uscc: t2, result: v2('2026-12-05', [['1']]) });
  const f2 = add('FollowUp', { result: r2, uscc: t2, action: 'correction', due: '2026-12-20' });
  const flags = [{ uscc: t0, reason: 'problem', entry: r0 }, { uscc: t2, reason: 'follow_up', entry: f2 }].sort((a, b) => (a.uscc < b.uscc ? -1 : 1));
  return { out, flags };
}

const BUILD_CONFLICTS = 'inspector_id,uscc\nZF001,91330106MA2B00000U\n'; // protected-log.mjs's conflicts
const FEEDBACK_PLAN = PLAN.replace('name = "保护模式测试"', 'name = "反馈计划"') + '\n[feedback]\nratio = "100%"\n';
const REASONS_ALL = 'reasons = ["problem", "follow_up", "woken"]\n';

/**
 * A full log with a revealed feedback draw (entry 14, or 15 with `woken`);
 * `tamperDoc(doc)` edits its document before it is logged. With `woken`, a
 * WakeUp of the first draw's fourth target follows the results and the plan
 * flags for all three reasons (LOG-FORMAT "Feedback from results" rule 3).
 */
export async function revealedFeedbackLog(tamperDoc = null, { woken = false } = {}) {
  const PUB = { mode: 'full', pubTime: PUB_TIME };
  const probe = await buildLog({ ...PUB, edit: () => {} });
  const plan = woken ? FEEDBACK_PLAN + REASONS_ALL : FEEDBACK_PLAN;
  const inputs = { enterprises: read('enterprises.csv'), inspectors: read('inspectors.csv'), conflicts: Buffer.from(BUILD_CONFLICTS), plan };
  const pre = resultsAfter(probe.doc, probe.ids.result);
  if (woken) {
    const body = { uscc: probe.doc.assignments[3].uscc, reason: 'complaint' };
    pre.out.push(['WakeUp', body]);
    pre.flags.push({ uscc: body.uscc, reason: 'woken', entry: idOf(7 + pre.out.length - 1, 'WakeUp', body) });
    pre.flags.sort((a, b) => (a.uscc < b.uscc ? -1 : 1));
  }
  const first = probe.lines[4] && JSON.parse(probe.lines[4]).body;
  const plan0 = (await computeDraw({ ...inputs, seed: 'plan only', logged: { flagged: pre.flags.map(f => f.uscc) } })).plan;
  const commitment = { ...first, plan: plan0, plan_digest: sha(canonicalJson(plan0)).toString('hex'), log_feedback: pre.flags };
  const cIndex = 7 + pre.out.length;
  const cid = idOf(cIndex, 'DrawCommitment', commitment);
  const digits = '27182818284590452353602874';
  const randomness = sha('fairdraw-v1/ceremony', [0], digits, [0], 'Alice', [0], 'Bob');
  const seed = sha('fairdraw-v1/seed', [0], Buffer.from(cid, 'hex'), randomness).toString('hex');
  const doc2 = await computeDraw({ ...inputs, seed, logged: { flagged: pre.flags.map(f => f.uscc) } });
  assert.equal(doc2.plan_digest, commitment.plan_digest);
  if (tamperDoc) tamperDoc(doc2);
  const beacon = { commitment: cid, beacon: { type: 'ceremony', digits, witnesses: ['Alice', 'Bob'] }, randomness: randomness.toString('hex'), seed };
  const bid = idOf(cIndex + 1, 'BeaconRecord', beacon);
  const log = await buildLog({
    ...PUB, edit: (bodies) => {
      bodies.push(...pre.out, ['DrawCommitment', commitment], ['BeaconRecord', beacon],
        ['DrawResult', { commitment: cid, beacon: bid, outcome: 'drawn', draw: doc2 }]);
    },
  });
  return { log, doc2, flags: pre.flags, rid: idOf(cIndex + 2, 'DrawResult', { commitment: cid, beacon: bid, outcome: 'drawn', draw: doc2 }) };
}
