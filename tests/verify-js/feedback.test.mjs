// node --test tests/verify-js/feedback.test.mjs — web/verify.js and SPEC
// §6.4 / audit/LOG-FORMAT.md "Feedback from results": the plan's
// [feedback] (its refusals, the canonical key absent when unused), the
// feedback stratum (flagged firms in scope leave their class, k = ceil(N·r)
// without min or max, unchanged tickets, targets after D, the firm keeps its
// class), `log_feedback` re-derived from hand-made entries (each rule), the
// tampering a verifier reports, a sealed feedback draw's five strata, a
// flagged firm's disclosure, the optional `by` on DrawCommitment,
// BeaconRecord and DrawPublication, a logged feedback plan re-run the way
// the page does it (web/logged.js, from the API of a log with a revealed
// feedback draw), and the shared vector tests/vectors/feedback-log (made by
// the Rust writer; its README lists what every verifier must find).
// Expected tickets and selections are computed here from the spec text
// (node's crypto), not with web/verify's modules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { computeDraw, verifyLog, verifyDisclosure, canonicalJson } from '../../web/verify.js';
import { logFeedback } from '../../web/verify/feedback.js';
import { rebuildInputs } from '../../web/logged.js';
import { buildLog, verified, tampered, ticketOf, mth, auditPath, PLAN } from './protected-log.mjs';
import { v2, PUB_TIME, idOf, resultsAfter, revealedFeedbackLog } from './feedback-log.mjs';

const BASIC = new URL('../vectors/basic/', import.meta.url);
const read = f => new Uint8Array(fs.readFileSync(new URL(f, BASIC)));
const NOW = Date.parse('2026-12-20T00:00:00Z') / 1000;
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

// tests/vectors/basic/enterprises.csv
const A1 = '91330106MA2B00000U'; // A
const A2 = '91330106MA2B00001Y'; // A (excluded below)
const A3 = '91330106MA2B000022'; // A
const B1 = '91330106MA2B000035'; // B
const B_DORMANT = '91330106MA2B00005B'; // B, 歇业: out of scope
const D1 = '91330106MA2B00008L'; // D
const NOT_IN_REGISTRY = '91330106MA2B00011X';

const planText = (extra = '', ratios = 'A = "50%"\nB = "50%"\nC = "50%"\nD = "50%"') => `name = "反馈测试"\nexclude = ["${A2}"]\n[ratios]\n${ratios}\n${extra}\n`;
const draw = (plan, { seed = 'feedback seed', flagged } = {}) => computeDraw({
  enterprises: read('enterprises.csv'), inspectors: read('inspectors.csv'), plan, seed, ...(flagged ? { logged: { flagged } } : {}),
});

/** computeDraw refuses with exit 2 and a message matching each of `res`. */
async function refused(p, ...res) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, 2, e.message);
    for (const re of res) assert.match(e.message, re);
    return true;
  });
}

/** The enterprises of the basic vector as {uscc, class, status}. */
function firms() {
  const [, ...rows] = fs.readFileSync(new URL('enterprises.csv', BASIC), 'utf8').trim().split('\n').map(l => l.split(','));
  return rows.map(r => ({ uscc: r[0], class: r[2], status: r[5] }));
}
/** SPEC §7: the k of `usccs` with the smallest tickets under `seed`, in ticket order. */
const smallest = (usccs, seed, k) => [...usccs].sort((a, b) => {
  const ta = ticketOf(a, seed); const tb = ticketOf(b, seed);
  return ta < tb ? -1 : ta > tb ? 1 : (a < b ? -1 : 1);
}).slice(0, k);

test('[feedback] ratio: the canonical key only when present, flagged [] outside a log; the plan without it keeps its digest', async () => {
  const plain = await draw(planText());
  assert.ok(!Object.hasOwn(plain.plan, 'feedback'));
  assert.equal(plain.strata.length, 4);
  const basic = JSON.parse(fs.readFileSync(new URL('draw.json', BASIC), 'utf8'));
  const same = await computeDraw({ enterprises: read('enterprises.csv'), inspectors: read('inspectors.csv'), plan: read('plan.toml'), seed: basic.seed });
  assert.equal(same.plan_digest, basic.plan_digest); // the basic vector's digest is unchanged
  const fb = await draw(planText('[feedback]\nratio = "50.0%"'));
  assert.deepEqual(fb.plan.feedback, { ratio: '0.5', flagged: [] });
  assert.equal(fb.strata.length, 5);
  assert.deepEqual(fb.strata[4], { class: 'feedback', population: 0, excluded: 0, eligible: 0, ratio: '0.5', sample_size: 0, cutoff: null, selected: [] });
  assert.notEqual(fb.plan_digest, plain.plan_digest);
  // without flagged firms the class strata are those of the plan without feedback
  assert.deepEqual(fb.strata.slice(0, 4), plain.strata);
});

test('[feedback] refusals: ratio missing, an unknown key, a bad ratio, not a table, together with [strata] (exit 2)', async () => {
  await refused(draw(planText('[feedback]')), /missing required key feedback\.ratio/);
  await refused(draw(planText('[feedback]\nratio = "10%"\nmin = 1')), /unknown key feedback\.min/);
  await refused(draw(planText('[feedback]\nratio = "150%"')), /feedback\.ratio: is more than 100%/);
  await refused(draw(planText('[feedback]\nratio = true')), /feedback\.ratio: must be a string/);
  await refused(draw(`feedback = "50%"\n${planText()}`), /\[feedback\] must be a table/);
  await refused(draw(planText('[feedback]\nratio = "50%"\n[strata]\nregion_digits = 6')), /\[feedback\] cannot be given together with \[strata\]/);
  // all problems at once
  await refused(draw(planText('[feedback]\nratio = "x"\nextra = 1')), /feedback\.ratio: is not a ratio/, /unknown key feedback\.extra/);
});

test('the feedback stratum: flagged firms in scope leave their class, k = ceil(N·r) without min or max, tickets unchanged, after D, class kept', async () => {
  const seed = 'feedback seed';
  const flagged = [A1, A2, B1, B_DORMANT, D1, NOT_IN_REGISTRY]; // A2 excluded; B_DORMANT out of scope; one not in the registry
  const ratios = 'A = "100%"\nB = "100%"\nC = "0"\nD = "100%"\n[min]\nA = 5\n[max]\nD = 0';
  const doc = await draw(planText('[feedback]\nratio = "34%"', ratios), { seed, flagged });
  assert.deepEqual(doc.plan.feedback, { ratio: '0.34', flagged });
  const all = firms().filter(f => f.status === '存续');
  const flaggedSet = new Set(flagged);
  const byClass = c => all.filter(f => f.class === c && !flaggedSet.has(f.uscc));
  assert.deepEqual(doc.strata.map(s => s.class), ['A', 'B', 'C', 'D', 'feedback']);
  // class A without A1 and A2: population 1 (A3), min 5 still applies, capped at N
  assert.deepEqual([doc.strata[0].population, doc.strata[0].excluded, doc.strata[0].eligible, doc.strata[0].sample_size], [1, 0, 1, 1]);
  assert.deepEqual(doc.strata[0].selected, [A3]);
  assert.equal(doc.strata[1].population, byClass('B').length);
  assert.ok(!doc.strata[1].selected.includes(B1));
  assert.equal(doc.strata[3].population, byClass('D').length);
  assert.equal(doc.strata[3].sample_size, 0); // max D = 0 applies to the class stratum only
  const fb = doc.strata[4];
  // population: A1, A2, B1, D1 (in scope); excluded A2; N = 3; k = ceil(3 · 0.34) = 2
  assert.deepEqual([fb.population, fb.excluded, fb.eligible, fb.ratio, fb.sample_size], [4, 1, 3, '0.34', 2]);
  const want = smallest([A1, B1, D1], seed, 2);
  assert.deepEqual(fb.selected, want);
  assert.equal(fb.cutoff, ticketOf(want[1], seed));
  // targets: the class strata first, then the feedback stratum, each firm with its own class and ticket
  const tail = doc.assignments.slice(-2);
  assert.deepEqual(tail.map(a => a.uscc), want);
  const classOf = new Map(firms().map(f => [f.uscc, f.class]));
  for (const a of tail) {
    assert.equal(a.class, classOf.get(a.uscc));
    assert.equal(a.ticket, ticketOf(a.uscc, seed));
  }
  // "100%" directs a check at every flagged firm in scope that is not excluded, whatever the class ratios
  const all100 = await draw(planText('[feedback]\nratio = "100%"', 'A = "0"\nB = "0"\nC = "0"\nD = "0"'), { seed, flagged });
  assert.deepEqual(all100.assignments.map(a => a.uscc).sort(), [A1, B1, D1].sort());
});

// ─── log_feedback from hand-made entries ─────────────────────────────────────

let n = 0;
const entry = (kind, body) => ({ kind, body, index: n, id: `id${String(n++).padStart(3, '0')}`, ok: true });
const result = (uscc, res) => entry('InspectionResult', { draw: 'd', uscc, result: res });

test('log_feedback rule 1: the last published results (greatest date, all of a joint visit) with a code A B C D or 8; the first such result', () => {
  n = 0;
  const early = result(A1, v2('2026-03-01', [['A', 'B']]));
  const later = result(A1, v2('2026-05-01', [['1']])); // a later clean result clears the flag
  const jointClean = result(B1, v2('2026-04-02', [['1'], ['E']]));
  const jointProblem = result(B1, v2('2026-04-02', [['1'], ['8']]));
  const jointProblem2 = result(B1, v2('2026-04-02', [['C']]));
  const older = result(D1, v2('2026-01-01', [['1']]));
  const newer = result(D1, v2('2026-02-01', [['D']]));
  const pending = result(A3, v2('2026-06-01', [['A']], { state: '待审核' })); // not published: never counts
  const v1 = result(A2, { name: '乙', category: '发现问题', inspection_date: '2026-06-01', findings: 'x', state: '已公示', pending: 'p-2' });
  const list = logFeedback([early, later, jointClean, jointProblem, jointProblem2, older, newer, pending, v1]);
  assert.deepEqual(list, [
    { uscc: B1, reason: 'problem', entry: jointProblem.id },
    { uscc: D1, reason: 'problem', entry: newer.id },
  ]);
  // without the later clean result, A1 is flagged by the early one
  assert.deepEqual(logFeedback([early]), [{ uscc: A1, reason: 'problem', entry: early.id }]);
  // each problem code counts; E, F, G, 1, 6, 7, 9–12 do not
  for (const c of ['A', 'B', 'C', 'D', '8']) assert.equal(logFeedback([result(A1, v2('2026-01-01', [[c]]))]).length, 1, c);
  for (const c of ['1', 'E', 'F', 'G', '6', '7', '9', '10', '11', '12']) assert.equal(logFeedback([result(A1, v2('2026-01-01', [[c]]))]).length, 0, c);
  // a v1 result never counts as a problem, and as the latest one it hides an older v2 problem
  const v1later = result(A1, { name: '甲', category: '发现问题', inspection_date: '2026-09-01', findings: 'x', state: '已公示', pending: 'p-3' });
  assert.deepEqual(logFeedback([early, v1later]), []);
});

test('log_feedback: Amendments apply in log order (top-level keys); one correcting the problem away removes the flag', () => {
  n = 0;
  const r = result(A1, v2('2026-03-01', [['A']]));
  const fix = entry('Amendment', { amends: r.id, reason: '复核更正', result: { items: [{ item: '事项0', department: '市场监督管理局', codes: ['E'], findings: '' }] } });
  assert.deepEqual(logFeedback([r]), [{ uscc: A1, reason: 'problem', entry: r.id }]);
  assert.deepEqual(logFeedback([r, fix]), []);
  // amended back to a problem later; and an amendment that unpublishes the result
  const back = entry('Amendment', { amends: r.id, reason: '再次更正', result: { items: [{ item: '事项0', department: '市场监督管理局', codes: ['A', 'G'], findings: '' }] } });
  assert.deepEqual(logFeedback([r, fix, back]), [{ uscc: A1, reason: 'problem', entry: r.id }]);
  const moveDate = entry('Amendment', { amends: r.id, reason: '日期更正', result: { inspection_date: '2025-01-01' } });
  const other = result(A1, v2('2026-01-01', [['1']]));
  assert.deepEqual(logFeedback([r, other]), [{ uscc: A1, reason: 'problem', entry: r.id }]);
  assert.deepEqual(logFeedback([r, other, moveDate]), []); // now `other` is the last result
  const unpublish = entry('Amendment', { amends: r.id, reason: '撤回', result: { state: '退回' } });
  assert.deepEqual(logFeedback([r, unpublish]), []);
});

test('log_feedback rule 2: an open FollowUp (the first open one); closed ones do not count; rule 1 comes first', () => {
  n = 0;
  const clean = result(B1, v2('2026-03-01', [['1']]));
  const f1 = entry('FollowUp', { result: clean.id, uscc: B1, action: 'correction', due: '2026-04-01' });
  const f2 = entry('FollowUp', { result: clean.id, uscc: B1, action: 'case', due: '2026-05-01' });
  const close1 = entry('FollowUpClosed', { follow_up: f1.id, outcome: '已整改' });
  const close2 = entry('FollowUpClosed', { follow_up: f2.id, outcome: '已结案' });
  assert.deepEqual(logFeedback([clean, f1, f2]), [{ uscc: B1, reason: 'follow_up', entry: f1.id }]);
  assert.deepEqual(logFeedback([clean, f1, f2, close1]), [{ uscc: B1, reason: 'follow_up', entry: f2.id }]);
  assert.deepEqual(logFeedback([clean, f1, f2, close1, close2]), []);
  const problem = result(A1, v2('2026-03-01', [['A']]));
  const f3 = entry('FollowUp', { result: problem.id, uscc: A1, action: 'abnormal_list', due: '2026-04-01' });
  // sorted by USCC; A1's problem comes before its open follow-up
  assert.deepEqual(logFeedback([clean, f1, problem, f3]), [
    { uscc: A1, reason: 'problem', entry: problem.id },
    { uscc: B1, reason: 'follow_up', entry: f1.id },
  ]);
});

// ─── in a log: the commitment's log_feedback and its plan's feedback.flagged ─

const FEEDBACK = { ratio: '1', flagged: [] };


/**
 * A full log: the first draw, then results of its targets, a follow-up and a
 * second commitment with a feedback plan; `change(commitment body, flags)`
 * edits that commitment before it is signed.
 */
function feedbackLog(change = () => {}, { by = null } = {}) {
  return buildLog({
    mode: 'full', pubTime: PUB_TIME, edit: (bodies, { doc, rid }) => {
      const { out, flags } = resultsAfter(doc, rid);
      bodies.push(...out);
      const first = bodies[4][1];
      const plan = { ...first.plan, name: '反馈计划', feedback: { ...FEEDBACK, flagged: flags.map(f => f.uscc) } };
      const body = { ...first, plan, log_feedback: flags, ...(by ? { by } : {}) };
      change(body, flags);
      body.plan_digest = sha(canonicalJson(body.plan)).toString('hex');
      bodies.push(['DrawCommitment', body]);
    },
  });
}
const run = async log => verifyLog(log.files, { now: NOW });

test('a commitment with feedback whose log_feedback and flagged are the log\'s verifies; each difference is tampering naming the commitment', async () => {
  verified(await run(await feedbackLog()));
  const at = /entry 12 \(DrawCommitment\): /;
  const tamperedWith = async (change, re) => {
    const r = await run(await feedbackLog(change));
    tampered(r, re);
    assert.ok(r.lines.some(l => at.test(l) && re.test(l)), r.lines.join('\n'));
  };
  await tamperedWith(b => { b.log_feedback = b.log_feedback.slice(1); }, /log_feedback differs .*; missing: /);
  await tamperedWith(b => { b.log_feedback = b.log_feedback.map(f => ({ ...f, reason: 'problem' })); }, /log_feedback differs/);
  await tamperedWith(b => { b.log_feedback = [...b.log_feedback].reverse(); }, /log_feedback differs .*sorted by USCC/);
  await tamperedWith(b => { b.plan.feedback = { ...b.plan.feedback, flagged: b.plan.feedback.flagged.slice(1) }; }, /feedback\.flagged .* is not the USCCs the log flags/);
  await tamperedWith(b => { delete b.log_feedback; }, /the plan has feedback but the commitment has no log_feedback/);
  await tamperedWith(b => { delete b.plan.feedback; }, /log_feedback is present but the plan has no feedback/);
  await tamperedWith(b => { b.plan.feedback = { ...b.plan.feedback, ratio: '100%' }; }, /feedback\.ratio "100%" is not a canonical ratio/);
  await tamperedWith(b => { b.plan.strata = { region_digits: 6, floor: '0' }; }, /both feedback and strata/);
  const wrongType = await run(await feedbackLog(b => { b.log_feedback = {}; }));
  tampered(wrongType, /entry 12 \(DrawCommitment\): body fields: wrong type or format: log_feedback/);
});

test('a protected log cannot commit a plan with feedback', async () => {
  const log = await buildLog({ mode: 'protected', commit: (b) => { b.plan = { ...b.plan, feedback: { ratio: '1', flagged: [] } }; b.plan_digest = sha(canonicalJson(b.plan)).toString('hex'); b.log_feedback = []; } });
  tampered(await run(log), /entry 4 \(DrawCommitment\): a protected log cannot commit a plan with feedback/);
});

test('a sealed feedback draw: the seal lists five strata, the fifth "feedback"; its publication matches', async () => {
  const sealedLog = (publish, change = () => {}) => buildLog({
    mode: 'full', embargo: true, publish, plan: `${PLAN}\n[feedback]\nratio = "50%"\n`,
    commit: (b) => { b.log_feedback = []; },
    edit: (bodies) => change(bodies[6][1].sealed),
  });
  const log = await sealedLog(true);
  const sealed = JSON.parse(log.lines[6]).body.sealed;
  assert.deepEqual(sealed.strata.map(s => s.class), ['A', 'B', 'C', 'D', 'feedback']);
  verified(await run(log));
  verified(await run(await sealedLog(false)));
  tampered(await run(await sealedLog(false, (s) => { s.strata[4].class = 'E'; })), /entry 6 \(DrawResult\): body fields: wrong type or format: sealed/);
  tampered(await run(await sealedLog(false, (s) => { s.strata.pop(); s.strata.pop(); })), /entry 6 \(DrawResult\): body fields: wrong type or format: sealed/);
});

test('optional `by` on DrawCommitment, BeaconRecord and DrawPublication: a string', async () => {
  verified(await run(await feedbackLog(() => {}, { by: '王科长' })));
  tampered(await run(await feedbackLog(() => {}, { by: 7 })), /entry 12 \(DrawCommitment\): body fields: wrong type or format: by/);
  // a BeaconRecord with `by`: the ids after it are re-derived
  const beaconBy = by => buildLog({
    mode: 'full', embargo: true, publish: true, pubTime: PUB_TIME, edit: (bodies) => {
      const times = ['2026-12-01T03:00:00Z', '2026-12-01T03:00:01Z', PUB_TIME];
      const id = (i) => sha([0], canonicalJson({ body: bodies[i][1], index: i, kind: bodies[i][0], simulated: true, time: times[i - 5], v: 1 })).toString('hex');
      bodies[5][1].by = by;
      bodies[6][1].beacon = id(5);
      bodies[7][1].result = id(6);
      bodies[7][1].by = by;
    },
  });
  verified(await run(await beaconBy('李股长')));
  const bad = await run(await beaconBy(['李股长']));
  tampered(bad, /entry 5 \(BeaconRecord\): body fields: wrong type or format: by/);
  tampered(bad, /entry 7 \(DrawPublication\): body fields: wrong type or format: by/);
});

test('the page\'s re-run of a logged feedback plan (web/logged.js): the TOML gives the ratio, the log the flagged firms', async () => {
  const seed = 'logged seed';
  const flagged = [A1, B1];
  const base = await draw(planText('[feedback]\nratio = "50%"'), { seed, flagged });
  const plan = base.plan;
  assert.deepEqual(plan.feedback, { ratio: '0.5', flagged });
  // the snapshot leaves of the basic vector, as the page downloads them
  const [head, ...rows] = fs.readFileSync(new URL('enterprises.csv', BASIC), 'utf8').trim().split('\n').map(l => l.split(','));
  const [, ...insp] = fs.readFileSync(new URL('inspectors.csv', BASIC), 'utf8').trim().split('\n').map(l => l.split(','));
  const leaves = {
    enterprises: rows,
    inspectors: insp.map(r => [r[0], r[1], r[2], r[3], true, 'inspector', [], '']),
    conflicts: [],
  };
  const inputs = rebuildInputs(leaves, head, plan);
  assert.match(inputs.plan, /\[feedback\]\nratio = "0\.5"/);
  const again = await computeDraw({ ...inputs, seed });
  assert.equal(canonicalJson(again.plan), canonicalJson(plan));
  assert.equal(again.plan_digest, base.plan_digest);
  assert.deepEqual(again.strata, base.strata);
  assert.deepEqual(again.assignments.map(a => a.uscc), base.assignments.map(a => a.uscc));
  assert.equal(again.strata[4].population, 2);
  // reasons, stored only when not the default, come back into the TOML (SPEC §3.3)
  const woken = await draw(planText('[feedback]\nratio = "100%"\nreasons = ["woken"]'), { seed, flagged });
  const wokenInputs = rebuildInputs(leaves, head, woken.plan);
  assert.match(wokenInputs.plan, /\[feedback\]\nratio = "1"\nreasons = \["woken"\]/);
  assert.equal((await computeDraw({ ...wokenInputs, seed })).plan_digest, woken.plan_digest);
});

// ─── a revealed feedback draw: the log verifies, the page's re-run verifies ──


test('a revealed feedback draw: the log verifies, and the page\'s re-run from the API (web/logged.js) verifies it; a moved flagged firm is a mismatch', async (t) => {
  const { log, doc2, flags, rid } = await revealedFeedbackLog();
  verified(await run(log));
  const fb = doc2.strata[4];
  assert.equal(fb.class, 'feedback');
  assert.deepEqual(fb.selected.slice().sort(), flags.map(f => f.uscc).filter(u => u !== A2).sort()); // "100%": every flagged firm in scope, not excluded
  // the read-only API answered from the log's files by the page's test stand-in (no socket)
  const { loadLog, handle } = await import('../browser/fake-api.mjs');
  const { verifyLoggedDraw } = await import('../../web/logged.js');
  const rerun = async ({ log: l, rid: id }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-feedback-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [name, bytes] of l.files) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), bytes);
    }
    const st = loadLog(dir);
    const get = async (p) => { const r = await handle(st, 'GET', p); assert.equal(r.status, 200, p); return Buffer.from(r.body); };
    const detail = JSON.parse((await get(`/api/draws/${id}`)).toString('utf8'));
    assert.deepEqual(detail.commitment.log_feedback, flags);
    return verifyLoggedDraw(detail, async u => new Uint8Array(await get(u)));
  };
  const good = await rerun({ log, rid });
  assert.equal(good.status, 'verified', JSON.stringify(good.differences));
  // a draw document that lists a flagged firm in its class stratum instead
  const bad = await revealedFeedbackLog((doc) => {
    const u = doc.strata[4].selected[0];
    doc.strata[4].selected = doc.strata[4].selected.slice(1);
    const cls = doc.strata.find(s => s.class === doc.assignments.find(a => a.uscc === u).class);
    cls.selected = [...cls.selected, u];
  });
  // the log itself is consistent (no problem line), but `verify.js log` replays the draw (check 10)
  const caught = await run(bad.log);
  assert.equal(caught.code, 1, caught.lines.join('\n'));
  assert.ok(caught.lines.some(l => l.startsWith(`DIFF ${bad.rid} `) && l.includes('strata[')), caught.lines.join('\n'));
  assert.ok(!caught.lines.some(l => l.startsWith('problem:')), caught.lines.join('\n'));
  const r = await rerun(bad);
  assert.equal(r.status, 'mismatch');
  assert.ok(r.differences.some(d => /^strata\[4\]\.selected/.test(d.path)), JSON.stringify(r.differences));
});

// ─── the shared vector tests/vectors/feedback-log (made by the Rust writer) ──

const VECTOR = new URL('../vectors/feedback-log/', import.meta.url);
const firm = n => `91330106MA${String(n).padStart(7, '0')}`; // firm n's USCC without its check digit
const uscc = (n) => { const u = fs.readFileSync(new URL('enterprises.csv', VECTOR), 'utf8').split('\n').map(l => l.split(',')[0]).find(x => x.startsWith(firm(n))); assert.ok(u, `firm ${n}`); return u; };

test('the shared vector feedback-log: `node web/verify.js log` verifies it; log_feedback and the feedback strata are the README\'s; every draw replays', async () => {
  const dir = new URL('log/', VECTOR);
  const cli = await import('node:child_process').then(cp => cp.spawnSync(process.execPath, ['web/verify.js', 'log', new URL('log', VECTOR).pathname], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8' }));
  assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /^VERIFIED: 39 entries/m);
  const lines = fs.readFileSync(new URL('entries.jsonl', dir), 'utf8').split('\n').filter(Boolean);
  const entries = lines.map((l, index) => ({ ...JSON.parse(l), index, id: sha([0], l).toString('hex'), ok: true }));
  const id = i => entries[i].id;
  // README "Expected log_feedback", by entry index
  const p = (n, i) => ({ uscc: uscc(n), reason: 'problem', entry: id(i) });
  const f = (n, i) => ({ uscc: uscc(n), reason: 'follow_up', entry: id(i) });
  const expected = {
    4: [],
    29: [p(1, 7), p(3, 11), p(4, 12), p(7, 15), f(8, 23), p(10, 20), p(12, 21)],
    36: [p(1, 7), p(3, 11), p(7, 15), f(8, 23), p(10, 20), p(12, 21)],
  };
  for (const [i, list] of Object.entries(expected)) {
    const c = entries[i];
    assert.equal(c.kind, 'DrawCommitment');
    assert.deepEqual(c.body.log_feedback, list, `commitment ${i} as logged`);
    assert.deepEqual(logFeedback(entries.slice(0, Number(i))), list, `commitment ${i} recomputed`);
    assert.deepEqual(c.body.plan.feedback.flagged, list.map(x => x.uscc));
  }
  // README "Expected feedback strata", and each draw recomputed from the inputs, the log's flagged firms and the beacon's seed
  const strata = {
    6: [0, 0, 0, '1', 0, []],
    31: [7, 1, 6, '1', 6, [1, 3, 4, 7, 8, 12]],
    38: [2, 0, 2, '0.5', 1, [12]],
  };
  const read2 = name => new Uint8Array(fs.readFileSync(new URL(name, VECTOR)));
  for (const [[i, want], planFile] of Object.entries(strata).map((x, k) => [x, `plan-${k + 1}.toml`])) {
    const r = entries[i];
    assert.equal(r.kind, 'DrawResult');
    const doc = r.body.draw;
    const fb = doc.strata.at(-1);
    assert.equal(fb.class, 'feedback');
    const [population, excluded, eligible, ratio, k, selected] = want;
    assert.deepEqual([fb.population, fb.excluded, fb.eligible, fb.ratio, fb.sample_size], [population, excluded, eligible, ratio, k]);
    assert.deepEqual(fb.selected.slice().sort(), selected.map(uscc).sort());
    const c = entries.find(e => e.id === r.body.commitment);
    const again = await computeDraw({
      enterprises: read2('enterprises.csv'), inspectors: read2('inspectors.csv'), conflicts: read2('conflicts.csv'),
      plan: read2(planFile), seed: doc.seed, logged: { flagged: c.body.plan.feedback.flagged },
    });
    // the effective plan adds the log's exclusions (LOG-FORMAT "The effective plan"): none here but the plan's own
    assert.equal(again.plan_digest, c.body.plan_digest, `draw ${i}: the plan digest`);
    assert.equal(canonicalJson(again), canonicalJson(doc), `draw ${i} replays`);
  }
  // draw 31's class A: the firms that are not flagged (firms 0 16 20)
  assert.equal(entries[31].body.draw.strata[0].population, 3);
});

test('a disclosure of a flagged firm (the shared vector, draw 38): its cutoff is the feedback stratum\'s; the class cutoff is tampering', async () => {
  const dir = new URL('log/', VECTOR);
  const lines = fs.readFileSync(new URL('entries.jsonl', dir), 'utf8').split('\n').filter(Boolean);
  const note = fs.readFileSync(new URL('checkpoint', dir), 'utf8');
  const vkey = fs.readFileSync(new URL('log.pub', dir), 'utf8').trim();
  const b64 = b => Buffer.from(b).toString('base64');
  // LOG-FORMAT "Receipts": entry i against the newest checkpoint (size 39)
  const receipt = i => ['c2sp.org/tlog-proof@v1', `extra ${b64(lines[i])}`, `index ${i}`, ...auditPath(i, lines).map(b64), '', note].join('\n');
  const commitment = JSON.parse(lines[36]).body;
  const doc = JSON.parse(lines[38]).body.draw;
  const snap = zlib.gunzipSync(fs.readFileSync(new URL(`snapshots/${commitment.snapshots.enterprises.root}.jsonl.gz`, dir))).toString('utf8').split('\n').filter(Boolean);
  assert.equal(mth(snap).toString('hex'), commitment.snapshots.enterprises.root);
  const disclosure = (u, cutoffOf) => {
    const index = snap.findIndex(l => JSON.parse(l)[0] === u);
    const leaf = JSON.parse(snap[index]);
    const tk = ticketOf(u, doc.seed);
    const cutoff = cutoffOf(leaf[2]);
    const selected = tk <= cutoff;
    return {
      format: 'fairdraw-disclosure/1', vkey, commitment: receipt(36), result: receipt(38), leaf, salt: '',
      proof: { index, hashes: auditPath(index, snap).map(h => h.toString('hex')) },
      verdict: { uscc: u, class: leaf[2], state: 'eligible', ticket: tk, cutoff, selected, why: selected ? '抽中' : '未抽中' },
    };
  };
  const feedbackCutoff = () => doc.strata.at(-1).cutoff;
  const classCutoff = c => doc.strata.find(x => x.class === c).cutoff;
  for (const [n, selected] of [[12, true], [3, false]]) { // README: draw 38 selects firm 12 of the flagged 3 and 12
    const r = await verifyDisclosure(disclosure(uscc(n), feedbackCutoff), { vkey });
    assert.equal(r.code, 0, r.lines.join('\n'));
    assert.equal(r.verdict.selected, selected);
    assert.equal(r.verdict.stratum, 'feedback');
    assert.match(r.lines.at(-1), /feedback stratum/);
  }
  // the same firm judged by its class's cutoff: not what the draw did
  const wrong = await verifyDisclosure(disclosure(uscc(12), classCutoff), { vkey });
  assert.equal(wrong.code, 1);
  assert.ok(wrong.problems.some(p => /is not the feedback stratum's .* cutoff/.test(p)), wrong.lines.join('\n'));
  // a firm the plan does not flag keeps its class's stratum
  const plain = await verifyDisclosure(disclosure(uscc(0), classCutoff), { vkey });
  assert.equal(plain.code, 0, plain.lines.join('\n'));
  assert.equal(plain.verdict.stratum, plain.verdict.class);
});

// ─── reason `woken`: a woken firm not checked since its latest wake-up ──────

test('[feedback] reasons: stored in rule order and only when not the default; unknown, repeated, empty or not a list refused (exit 2, all at once)', async () => {
  const woken = await draw(planText('[feedback]\nratio = "100%"\nreasons = ["woken", "problem"]'));
  assert.deepEqual(woken.plan.feedback, { ratio: '1', flagged: [], reasons: ['problem', 'woken'] });
  const dflt = await draw(planText('[feedback]\nratio = "100%"\nreasons = ["follow_up", "problem"]'));
  assert.deepEqual(dflt.plan.feedback, { ratio: '1', flagged: [] }); // the default keeps its digest
  await refused(draw(planText('[feedback]\nratio = "50%"\nreasons = ["woken", "asleep"]')), /feedback\.reasons: "asleep" is not a reason/);
  await refused(draw(planText('[feedback]\nratio = "50%"\nreasons = ["woken", "woken"]')), /feedback\.reasons: woken listed twice/);
  await refused(draw(planText('[feedback]\nratio = "50%"\nreasons = []')), /feedback\.reasons is empty/);
  await refused(draw(planText('[feedback]\nratio = "50%"\nreasons = "woken"')), /feedback\.reasons must be a list/);
  await refused(draw(planText('[feedback]\nratio = "x"\nreasons = ["x"]')), /feedback\.ratio: is not a ratio/, /feedback\.reasons: "x" is not a reason/);
});

test('log_feedback rule 3 (woken): the latest WakeUp, until a drawn DrawResult or an ExternalChecks after it checks the firm; only when the plan lists woken', () => {
  n = 0;
  const wake = uscc => entry('WakeUp', { uscc, reason: 'complaint' });
  const external = uscc => entry('ExternalChecks', { checks: [{ uscc, department: '税务局', method: 'desk', date: '2025-01-01' }], source: 'x.csv' });
  const commitment = entry('DrawCommitment', { year: 2026, plan: { department: '市场监督管理局', items: [] } });
  const drawn = uscc => entry('DrawResult', { commitment: commitment.id, outcome: 'drawn', draw: { assignments: [{ uscc }] } });
  const beforeA1 = external(A1); // before the wake-up: does not count
  const w1 = wake(A1);
  const w2 = wake(A1);
  const wB = wake(B1);
  const wD = wake(D1);
  const checkB = external(B1); // another year, after the wake-up: clears it
  const woken = ['woken'];
  assert.deepEqual(logFeedback([beforeA1, w1, w2, wB, wD, checkB], woken), [
    { uscc: A1, reason: 'woken', entry: w2.id },
    { uscc: D1, reason: 'woken', entry: wD.id },
  ]);
  const drawD = drawn(D1);
  assert.deepEqual(logFeedback([commitment, beforeA1, w1, w2, wB, wD, checkB, drawD], woken), [{ uscc: A1, reason: 'woken', entry: w2.id }]);
  // a sealed draw counts from its publication on
  const sealed = entry('DrawResult', { commitment: commitment.id, outcome: 'drawn', sealed: {} });
  assert.deepEqual(logFeedback([commitment, w1, sealed], woken).length, 1);
  const publication = entry('DrawPublication', { result: sealed.id, draw: { assignments: [{ uscc: A1 }] } });
  assert.deepEqual(logFeedback([commitment, w1, sealed, publication], woken), []);
  // the default reasons never flag a woken firm; with problem, a problem comes first
  assert.deepEqual(logFeedback([w1, wD]), []);
  const problem = result(A1, v2('2026-03-01', [['A']]));
  assert.deepEqual(logFeedback([w1, problem], ['problem', 'woken']), [{ uscc: A1, reason: 'problem', entry: problem.id }]);
});

test('a commitment whose plan lists woken: a woken firm dropped from log_feedback, or reasons not in their stored form, is tampering', async () => {
  const wokenLog = (change = () => {}) => buildLog({
    mode: 'full', pubTime: PUB_TIME, edit: (bodies) => {
      const w = bodies.length;
      bodies.push(['WakeUp', { uscc: B1, reason: 'complaint' }], ['WakeUp', { uscc: D1, reason: 'risk_signal' }]);
      const first = bodies[4][1];
      const flags = [B1, D1].map((u, k) => ({ uscc: u, reason: 'woken', entry: idOf(w + k, 'WakeUp', bodies[w + k][1]) }));
      const plan = { ...first.plan, name: '唤醒计划', feedback: { ratio: '1', flagged: [B1, D1], reasons: ['woken'] } };
      const body = { ...first, plan, log_feedback: flags };
      change(body);
      body.plan_digest = sha(canonicalJson(body.plan)).toString('hex');
      bodies.push(['DrawCommitment', body]);
    },
  });
  verified(await run(await wokenLog()));
  const dropped = await run(await wokenLog(b => { b.log_feedback = b.log_feedback.slice(0, 1); b.plan.feedback.flagged = [B1]; }));
  tampered(dropped, /DrawCommitment\): log_feedback differs .*; missing: .*woken/);
  for (const reasons of [['problem', 'follow_up'], ['woken', 'problem'], [], ['sleepy']]) {
    const bad = await run(await wokenLog(b => { b.plan.feedback.reasons = reasons; }));
    tampered(bad, /feedback\.reasons .* must be distinct words/);
  }
});
