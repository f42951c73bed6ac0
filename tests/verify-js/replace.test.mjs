// node --test tests/verify-js/replace.test.mjs — web/verify.js and
// audit/LOG-FORMAT.md "Replacing an inspector": the Replacement body, rules
// 1–4 in full logs (the pick recomputed from the snapshots), the reduced
// checks of a protected log, and "the teams of a draw" in log_history and
// joint visits. The expected picks are computed here from the spec text
// (node's crypto, a plain candidate scan), not with web/verify's modules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { verifyLog, canonicalJson } from '../../web/verify.js';
import { logHistory } from '../../web/verify/ledger.js';
import { visits } from '../../web/verify/annual.js';
import { buildLog, verified, tampered } from './protected-log.mjs';
import { MARKET, INSPECTORS, PLAN, CONFLICT, COMPATIBLE, sha, teams, rule } from './replace-rule.mjs';

const NOW = Date.parse('2026-12-20T00:00:00Z') / 1000;
const body = (rid, old, replacements, extra = {}) => ['Replacement', { result: rid, inspector: old, reason: '因病无法参加', replacements, ...extra }];
/** A log of this plan with Replacement entries made by `make(doc, rid)` -> [[kind, body]…] appended. */
const logWith = (make, opts = {}) => buildLog({ mode: 'full', plan: PLAN, inspectors: INSPECTORS, ...opts, edit: (bodies, { doc, rid }) => bodies.push(...make(doc, rid)) });
const run = async (log) => verifyLog(log.files, { now: NOW });

const leaderOf = doc => doc.assignments[0].inspectors[0];

test('a Replacement with the rule\'s pick verifies, recomputed from the snapshots; the new inspector leads', async () => {
  let list;
  const log = await logWith((doc, rid) => [body(rid, leaderOf(doc), (list = rule(doc, rid, leaderOf(doc))), { by: '王科长' })]);
  const r = await run(log);
  verified(r);
  assert.match(r.lines.at(-1), /1 replacement\(s\) \(1 recomputed\)/);
  assert.equal(list[0].slot, 0);
  assert.ok(list.every(x => x.inspector !== leaderOf(log.doc)));
});

test('a wrong pick, a wrong slot, an empty reason and an unknown field are tampering', async () => {
  const other = (doc, rid) => {
    const good = rule(doc, rid, leaderOf(doc));
    const t = teams(doc).find(x => x.uscc === good[0].uscc);
    const wrong = COMPATIBLE.find(i => i !== good[0].inspector && !t.ids.includes(i) && !(i === CONFLICT[0] && t.uscc === CONFLICT[1]));
    return [{ ...good[0], inspector: wrong }, ...good.slice(1)];
  };
  tampered(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), other(doc, rid))])), /not the ones the rule picks/);
  tampered(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)).map(x => ({ ...x, slot: x.slot + 1 })))])), /not the ones the rule picks/);
  tampered(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)), { reason: '' })])), /reason is empty/);
  tampered(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)), { why: 'x' })])), /body fields: unknown why/);
  tampered(await run(await logWith((doc, rid) => [body(rid, 'ZF014', [])])), /holds no slot/);
});

test('the removed inspectors are barred; at most ⌈n / 10⌉ Replacements per draw', async () => {
  const probe = await logWith(() => []);
  const n = new Set(probe.doc.assignments.flatMap(a => [...a.inspectors, ...a.experts])).size;
  assert.ok(n > 10 && n <= 20, `the fixture needs 11–20 distinct ids for a cap of 2, has ${n}`);
  const rid = probe.ids.result;
  const first = { inspector: leaderOf(probe.doc), replacements: rule(probe.doc, rid, leaderOf(probe.doc)) };
  // a second removal whose pick differs when the first removed inspector is not barred
  const now = teams(probe.doc, [first.replacements]);
  const second = [...new Set(now.flatMap(t => t.ids))].find(old => canonicalJson(rule(probe.doc, rid, old, [first])) !== canonicalJson(rule(probe.doc, rid, old, [first], false)));
  assert.ok(second, 'some second removal depends on the barred list');
  const one = (doc, r) => body(r, first.inspector, first.replacements);
  verified(await run(await logWith((doc, r) => [one(doc, r), body(r, second, rule(doc, r, second, [first]))])));
  tampered(await run(await logWith((doc, r) => [one(doc, r), body(r, second, rule(doc, r, second, [first], false))])), /not the ones the rule picks/);
  // a third one is over the cap of ⌈n / 10⌉ = 2
  const third = (doc, r) => {
    const b2 = { inspector: second, replacements: rule(doc, r, second, [first]) };
    const old = teams(doc, [first.replacements, b2.replacements])[0].ids[1];
    return [one(doc, r), body(r, second, b2.replacements), body(r, old, rule(doc, r, old, [first, b2]))];
  };
  tampered(await run(await logWith(third)), /already has 2 Replacement\(s\), the most its \d+ inspectors allow/);
});

test('a sealed draw takes no Replacement before its publication, and one after', async () => {
  const sealedTime = { pubTime: '2026-12-10T02:00:00Z' };
  tampered(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)))], { embargo: true, ...sealedTime })), /sealed and not published yet/);
  verified(await run(await logWith((doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)))], { embargo: true, publish: true, ...sealedTime })));
});

test('a protected log: the public part of the rule without the auditor snapshots, the whole rule with them', async () => {
  const good = (doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)))];
  const r = await run(await logWith(good, { mode: 'protected' }));
  verified(r);
  assert.match(r.lines.at(-1), /1 replacement\(s\) \(0 recomputed\)/);
  const audited = await run(await logWith(good, { mode: 'protected', auditor: true }));
  verified(audited);
  assert.match(audited.lines.at(-1), /1 replacement\(s\) \(1 recomputed\)/);
  // another department than the slot requires, and an id twice in a team
  const bad = id => (doc, rid) => [body(rid, leaderOf(doc), rule(doc, rid, leaderOf(doc)).map((x, k) => (k === 0 ? { ...x, inspector: id(doc) } : x)))];
  tampered(await run(await logWith(bad(() => 'ZF014'), { mode: 'protected' })), /slot 0 \(leader\).*cannot take "ZF014"/);
  tampered(await run(await logWith(bad(doc => doc.assignments[0].inspectors[1]), { mode: 'protected' })), /twice in the team/);
});

test('log_history of a later rotation plan holds the team as it stands after the Replacement', async () => {
  const commitment = (first, pairs) => {
    const plan = { ...first.plan, name: '轮换', team: { ...first.plan.team, rotation: true }, history: pairs };
    return ['DrawCommitment', { ...first, plan, plan_digest: sha(canonicalJson(plan)).toString('hex'), log_history: pairs, log_exclusions: [] }];
  };
  const make = useReplaced => (bodies, { doc, rid }) => {
    const list = rule(doc, rid, leaderOf(doc));
    const now = teams(doc, useReplaced ? [list] : []);
    const pairs = now.flatMap(t => t.ids.map(i => [t.uscc, i])).sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));
    bodies.push(body(rid, leaderOf(doc), list), commitment(bodies[4][1], pairs));
  };
  const ok = await buildLog({ mode: 'full', plan: PLAN, inspectors: INSPECTORS, edit: make(true) });
  assert.ok(!(await run(ok)).lines.some(l => /log_history/.test(l)), (await run(ok)).lines.join('\n'));
  const stale = await buildLog({ mode: 'full', plan: PLAN, inspectors: INSPECTORS, edit: make(false) });
  tampered(await run(stale), /log_history is not the teams of each enterprise's latest logged draw/);
});

// ── the teams of a draw, as the ledger and joint visits read them ─────────────

const entry = (id, kind, body) => ({ id, kind, body, ok: true });
function fakeLog() {
  const plan = { department: MARKET, items: [{ item: '食品' }], team: { departments: [MARKET] }, inspection_date: '2026-12-15' };
  const doc = { assignments: [{ uscc: 'U1', inspectors: ['A', 'B'], experts: ['E'] }, { uscc: 'U2', inspectors: ['B', 'C'], experts: [] }] };
  return [
    entry('c', 'DrawCommitment', { plan, year: 2026 }),
    entry('r', 'DrawResult', { commitment: 'c', outcome: 'drawn', draw: doc }),
    entry('x', 'Replacement', { result: 'r', inspector: 'A', reason: '病', replacements: [{ uscc: 'U1', slot: 0, inspector: 'D' }] }),
    entry('y', 'Replacement', { result: 'r', inspector: 'E', reason: '调离', replacements: [{ uscc: 'U1', slot: 2, inspector: 'F' }] }),
  ];
}

test('logHistory and visits read the teams with the valid Replacements applied, in log order', () => {
  const log = fakeLog();
  assert.deepEqual([...logHistory(log)].sort(), ['U1\u0000B', 'U1\u0000D', 'U1\u0000F', 'U2\u0000B', 'U2\u0000C']);
  assert.deepEqual(visits(log).map(v => [v.uscc, v.team]), [['U1', ['D']], ['U2', ['B']]]);
  log[2].ok = false; // a Replacement found invalid changes nothing
  assert.deepEqual([...logHistory(log)].sort(), ['U1\u0000A', 'U1\u0000B', 'U1\u0000F', 'U2\u0000B', 'U2\u0000C']);
  assert.deepEqual(visits(log).map(v => v.team), [['A'], ['B']]);
});

test('the page reads a draw\'s Replacements from the entries back to it (web/replacements.js)', async () => {
  const { replacementsOf, currentTeams } = await import('../../web/replacements.js');
  const doc = { assignments: [{ uscc: 'U1', inspectors: ['A', 'B'], experts: [] }] };
  const mine = { result: '', inspector: 'A', reason: '病', replacements: [{ uscc: 'U1', slot: 0, inspector: 'C' }] };
  const line = (index, kind, body) => canonicalJson({ body, index, kind, simulated: false, time: '2026-12-02T01:00:00Z', v: 1 });
  const result = line(2, 'DrawResult', { commitment: 'c', outcome: 'drawn', draw: doc });
  const rid = sha([0], result).toString('hex');
  mine.result = rid;
  const log = [line(0, 'LogCreated', {}), line(1, 'DrawResult', { commitment: 'older' }), result, line(3, 'Note', { text: '' }),
    line(4, 'Replacement', mine), line(5, 'Replacement', { ...mine, result: 'other' })];
  const asked = [];
  const io = { getText: async (u) => { asked.push(u); return log[Number(u.split('/').pop())]; } };
  const detail = { id: rid, draw: doc, checkpoint: `origin\n${log.length}\nroot\n\n— sig\n` };
  const found = await replacementsOf(detail, io);
  assert.deepEqual(found.map(f => [f.index, f.body.inspector]), [[4, 'A']]);
  assert.deepEqual(currentTeams(detail, found)[0].inspectors, ['C', 'B']);
  asked.length = 0;
  assert.deepEqual(await replacementsOf({ ...detail, checkpoint: 'origin\n1\nroot\n' }, io), []); // a log of LogCreated alone: nothing asked
  assert.deepEqual(asked, []);
  assert.deepEqual(await replacementsOf({ ...detail, draw: null }, io), []); // sealed or infeasible: no team to replace
});

test('tests/vectors/replace.json: the replacement stream and the picks on the basic vector\'s draw', async () => {
  const { RandomStream } = await import('../../web/verify.js');
  const { ruleReplacements } = await import('../../web/verify/replace.js');
  const v = JSON.parse(fs.readFileSync(new URL('../vectors/replace.json', import.meta.url), 'utf8'));
  for (const s of v.streams) {
    const stream = new RandomStream(sha('fairdraw-v1/replace', [0], s.seed, [0], s.result, [0], s.inspector));
    const words = [];
    for (let k = 0; k < s.words.length; k++) words.push((await stream.word()).toString(16).padStart(16, '0'));
    assert.deepEqual(words, s.words, s.inspector);
  }
  const doc = JSON.parse(fs.readFileSync(new URL('../vectors/basic/draw.json', import.meta.url), 'utf8'));
  const [, ...rows] = fs.readFileSync(new URL('../vectors/basic/inspectors.csv', import.meta.url), 'utf8').trim().split('\n');
  const inspectors = rows.map(r => r.split(',')).map(([id, name, department, region]) => ({ id, name, department, region, active: true, role: 'inspector', qualifications: [], cert_expires: '' }));
  const earlier = [];
  for (const want of v.replacements) {
    const got = await ruleReplacements({ doc, result: v.result, plan: doc.plan, old: want.inspector, earlier, inspectors, conflicts: [] });
    assert.deepEqual(got, { replacements: want.replacements }, want.inspector);
    earlier.push({ inspector: want.inspector, replacements: want.replacements });
  }
});
