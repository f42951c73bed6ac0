// node --test tests/verify-js/offsite.test.mjs — web/verify.js and SPEC §8.6
// "Off-site methods": the plan's `method`, `prefer_offsite` and
// `team.reviewers` (§3.2 refusals, exit 2), the effective method, the
// canonical keys (absent on-site, so digests do not change), the reviewer
// slots and their picks (computed here from §8.1, not with web/verify's
// modules), a canonical plan read back from a log, protected check 6, the
// annual batch `method`, and off-site checks outside the on-site cap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { computeDraw, verifyLog, canonicalJson } from '../../web/verify.js';
import { annualPlanProblems, referenceProblems } from '../../web/verify/annual.js';
import { logExclusions } from '../../web/verify/ledger.js';
import { buildLog, verified, tampered } from './protected-log.mjs';
import { sha256Many, sha256Sync } from '../../web/verify/sha256.js';

const BASIC = new URL('../vectors/basic/', import.meta.url);
const read = f => new Uint8Array(fs.readFileSync(new URL(f, BASIC)));
const NOW = Date.parse('2026-12-20T00:00:00Z') / 1000;
const ITEMS = `item,category,method
书面事项,一般,书面检查、网络监测
网络事项,一般,网络监测；实地核查
现场事项,一般,实地核查
无方式事项,一般,
共享事项,key,信息共享|书面核查|其他方式
`;
const MARKET = '市场监督管理局';
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

/** The plan text: `top` lines before [ratios], `team` lines in [team]. */
const planText = (top = '', team = '') => `name = "离场核查"\n${top}\n[ratios]\nA = "50%"\nB = "50%"\nC = "50%"\nD = "50%"\n[team]\n${team}\n`;
const draw = (top, team, seed = 'seed') => computeDraw({ enterprises: read('enterprises.csv'), inspectors: read('inspectors.csv'), plan: planText(top, team), planFiles: { 'items.csv': Buffer.from(ITEMS) }, seed });
const items = (...names) => `items_file = "items.csv"\nitems = ${JSON.stringify(names)}`;

/** computeDraw refuses with exit 2 and a message matching each of `res`. */
async function refused(p, ...res) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, 2, e.message);
    for (const re of res) assert.match(e.message, re);
    return true;
  });
}

test('method words and their Chinese names; anything else is refused', async () => {
  for (const [name, word] of [['desk', 'desk'], [' 书面核查 ', 'desk'], ['书面检查', 'desk'], ['网络监测', 'online'], ['online', 'online'], ['信息共享', 'data'], ['data', 'data']]) {
    const d = await draw(`method = ${JSON.stringify(name)}`);
    assert.equal(d.plan.method, word, name);
    assert.equal(d.plan.team.reviewers, 1, name);
  }
  for (const name of ['on_site', '实地核查', '实地检查', '现场检查']) assert.ok(!Object.hasOwn((await draw(`method = "${name}"`)).plan, 'method'), name);
  for (const bad of ['Desk', '书面', 'onsite', '']) await refused(draw(`method = ${JSON.stringify(bad)}`), /method must be one of on_site, desk, online, data/);
  await refused(draw('method = 1'), /method must be a string/);
});

test('prefer_offsite: the first of desk, online, data that every chosen item allows; else on site', async () => {
  const method = async top => (await draw(`prefer_offsite = true\n${top}`)).plan.method;
  assert.equal(await method(items('书面事项')), 'desk');
  assert.equal(await method(items('书面事项', '网络事项')), 'online');
  assert.equal(await method(items('共享事项')), 'desk');
  assert.equal(await method(items('书面事项', '共享事项')), 'desk');
  assert.equal(await method(items('网络事项', '共享事项')), undefined);
  assert.equal(await method(items('书面事项', '无方式事项')), undefined); // an item without methods allows no off-site word here
  assert.equal(await method(''), undefined); // no item: on site
  assert.equal((await draw('prefer_offsite = false\n' + items('书面事项'))).plan.method, undefined);
});

test('the §3.2 and §8.6 refusals, each with exit 2, all at once', async () => {
  await refused(draw('method = "desk"\nprefer_offsite = true'), /prefer_offsite = true cannot be given together with method/);
  await refused(draw('prefer_offsite = "yes"'), /prefer_offsite must be true or false/);
  await refused(draw(`method = "online"\n${items('书面事项', '现场事项', '无方式事项')}`), /item 「现场事项」 is checked by on_site: not by online/);
  await refused(draw('method = "desk"', 'experts = 1'), /team.experts must be 0 with the off-site method desk/);
  await refused(draw('method = "data"', `departments = ["${MARKET}", "卫生健康委员会"]`), /team.reviewers \(1\) is less than the number of team.departments \(2\)/);
  // team.reviewers is range-checked in every plan, on site too
  for (const bad of ['0', '3', '"1"']) await refused(draw('', `reviewers = ${bad}`), /team.reviewers must be an integer/);
  await refused(draw('', 'reviewers = 2.0'), /floats are not allowed/);
  // every problem reported together
  await refused(draw(`method = "desk"\n${items('现场事项')}`, 'experts = 2\nreviewers = 3'), /3 errors/, /not by desk/, /team.experts must be 0/, /team.reviewers must be an integer from 1 to 2/);
});

test('on-site plans keep their canonical plan and digest; off-site ones carry method and team.reviewers', async () => {
  const plain = await draw('');
  for (const [top, team] of [['method = "on_site"', 'reviewers = 2'], ['method = "实地核查"', ''], ['prefer_offsite = true', 'reviewers = 1'], ['prefer_offsite = false', '']]) {
    const d = await draw(top, team);
    assert.equal(d.plan_digest, plain.plan_digest, `${top} ${team}`);
    assert.equal(canonicalJson(d.plan), canonicalJson(plain.plan));
  }
  assert.ok(!Object.hasOwn(plain.plan, 'method') && !Object.hasOwn(plain.plan.team, 'reviewers'));
  const off = await draw('method = "desk"', 'reviewers = 2');
  assert.equal(off.plan.method, 'desk');
  assert.equal(off.plan.team.reviewers, 2);
  assert.equal(off.plan_digest, sha(canonicalJson(off.plan)).toString('hex'));
  assert.notEqual(off.plan_digest, plain.plan_digest);
});

/** SPEC §8.1 and §8.4 for a roster where every inspector fits every slot: the picks, written out here. */
function greedy(seed, targets, slots, roster) {
  const key = sha('fairdraw-v1/assign', [0], seed);
  let block = 0; let words = [];
  const uniform = (n) => {
    const N = BigInt(n); const limit = (1n << 64n) - ((1n << 64n) % N);
    for (;;) {
      if (!words.length) { const c = Buffer.alloc(8); c.writeBigUInt64BE(BigInt(block++)); const d = sha(key, c); words = [0, 8, 16, 24].map(o => d.readBigUInt64BE(o)); }
      const x = words.shift();
      if (x < limit) return Number(x % N);
    }
  };
  return targets.map(() => {
    const team = [];
    for (let s = 0; s < slots; s++) { const c = roster.filter(i => !team.includes(i)); team.push(c[uniform(c.length)]); }
    return team;
  });
}

test('an off-site target gets team.reviewers inspector slots, no expert, drawn from the §8.1 stream', async () => {
  const roster = ['ZF001', 'ZF002', 'ZF003', 'ZF004']; // tests/vectors/basic: one department, all active, no conflicts
  for (const reviewers of [1, 2]) {
    const d = await draw(`method = "desk"`, `size = 3\nreviewers = ${reviewers}`, 'the seed');
    assert.ok(d.assignments.length > 0);
    const want = greedy('the seed', d.assignments, reviewers, roster);
    d.assignments.forEach((a, k) => {
      assert.deepEqual(a.inspectors, want[k], `target ${k}`);
      assert.equal(a.leader, want[k][0]);
      assert.deepEqual(a.experts, []);
    });
  }
  const onSite = await draw('', 'size = 3', 'the seed');
  assert.ok(onSite.assignments.every(a => a.inspectors.length === 3));
});

// ── in a log ─────────────────────────────────────────────────────────────────

const DESK_PLAN = `name = "书面核查"\ndepartment = "${MARKET}"\nmethod = "desk"\n[ratios]\nA = "50%"\nB = "50%"\nC = "50%"\nD = "50%"\n[scope]\nstatuses = ["存续"]\n[team]\nreviewers = 1\n`;
const run = async opts => verifyLog((await buildLog(opts)).files, { now: NOW });

test('protected check 6: an off-site draw has team.reviewers inspectors and no expert', async () => {
  verified(await run({ plan: DESK_PLAN }));
  tampered(await run({ plan: DESK_PLAN, edit: (b, { doc }) => { doc.assignments[0].inspectors.push('ZF004' === doc.assignments[0].inspectors[0] ? 'ZF003' : 'ZF004'); } }),
    /2 inspectors, the plan's team.reviewers is 1/);
  tampered(await run({ plan: DESK_PLAN, edit: (b, { doc }) => { doc.assignments[0].experts.push('ZF004'); } }), /1 experts, an off-site plan has none/);
});

test('a canonical plan read back from a commitment: method only off-site, team.reviewers only with it', async () => {
  const recommit = change => ({ commit: (body) => { change(body.plan); body.plan_digest = sha(canonicalJson(body.plan)).toString('hex'); } });
  tampered(await run({ mode: 'full', ...recommit((p) => { p.method = 'on_site'; p.team.reviewers = 1; }) }), /plan.method "on_site" is not an off-site method/);
  tampered(await run({ mode: 'full', ...recommit((p) => { p.method = 'desk'; }) }), /plan.method is off-site but plan.team has no reviewers/);
  tampered(await run({ mode: 'full', ...recommit((p) => { p.team.reviewers = 2; }) }), /plan.team.reviewers is only allowed together with an off-site plan.method/);
  tampered(await run({ mode: 'full', plan: DESK_PLAN, ...recommit((p) => { p.team.reviewers = 3; }) }), /plan.team.reviewers 3 must be 1 or 2/);
  verified(await run({ mode: 'full', plan: DESK_PLAN }));
});

test('annual plans: a batch carries method only off-site, and a batch plan matches its method and reviewers', async () => {
  const batch = { name: '第一批', department: MARKET, start: '2027-03-01', end: '2027-04-30', items: ['书面事项'], ratios: { A: '0.5', B: '0', C: '0', D: '0' }, team_size: 1, regions: [], industries: [] };
  const annual = m => ({ year: 2027, name: '年度计划', departments: [MARKET], items: [{ item: '书面事项', ratios: batch.ratios }], batches: [m === undefined ? batch : { ...batch, method: m }] });
  const entry = async a => ({ annual: a, digest: sha(canonicalJson(a)).toString('hex') });
  assert.deepEqual(await annualPlanProblems(await entry(annual('desk'))), []);
  assert.deepEqual(await annualPlanProblems(await entry(annual())), []);
  for (const bad of ['on_site', '书面核查', 'x']) assert.match((await annualPlanProblems(await entry(annual(bad)))).join(), /not a canonical annual plan/, bad);

  const id = 'a'.repeat(64);
  const earlier = m => new Map([[id, { kind: 'AnnualPlan', body: { annual: annual(m) } }]]);
  const plan = (extra, team) => ({ department: MARKET, items: [{ item: '书面事项' }], ratios: batch.ratios, scope: { regions: [], industries: [] }, inspection_date: '', team: { size: 2, ...team }, annual: { plan: id, batch: '第一批' }, ...extra });
  assert.deepEqual(referenceProblems({ plan: plan({ method: 'desk' }, { reviewers: 1 }), year: 2027 }, earlier('desk')), []);
  assert.match(referenceProblems({ plan: plan({}, {}), year: 2027 }, earlier('desk')).join(), /method "on_site" is not the batch's "desk"/);
  assert.match(referenceProblems({ plan: plan({ method: 'desk' }, { reviewers: 2 }), year: 2027 }, earlier('desk')).join(), /team.reviewers 2 is not the batch's team_size 1/);
  assert.match(referenceProblems({ plan: plan({ method: 'online' }, { reviewers: 1 }), year: 2027 }, earlier('desk')).join(), /method "online" is not the batch's "desk"/);
  assert.match(referenceProblems({ plan: plan({ method: 'desk' }, { reviewers: 1 }), year: 2027 }, earlier()).join(), /method "desk" is not the batch's "on_site"/);
});

test('an off-site draw never counts against on_site_per_department_per_year', () => {
  const U = '91330106MA2B00000U';
  const log = m => [
    { id: 'c', kind: 'DrawCommitment', ok: true, body: { year: 2026, plan: { department: MARKET, items: [], ...(m ? { method: m } : {}) } } },
    { id: 'r', kind: 'DrawResult', ok: true, body: { commitment: 'c', outcome: 'drawn', draw: { assignments: [{ uscc: U }] } } },
  ];
  const plan = { department: MARKET, items: [], caps: { on_site_per_department_per_year: 1 } };
  assert.deepEqual(logExclusions(log('desk'), plan, 2026), []);
  assert.deepEqual(logExclusions(log(), plan, 2026).map(x => x.uscc), [U]);
});

// Not off-site, but two faults found while reworking the verifier for speed:
// a plan that is not UTF-8 was a ReferenceError (not exit 2), and the
// WebCrypto batch hash (the fallback when the synchronous SHA-256 disagrees
// with WebCrypto) awaited nothing and hashed with a promise.
test('a plan that is not UTF-8 is bad input; the WebCrypto batch hash agrees with the synchronous one', async () => {
  const plan = Buffer.concat([Buffer.from(planText()), Buffer.from([0x23, 0xff, 0x0a])]);
  await refused(computeDraw({ enterprises: read('enterprises.csv'), inspectors: read('inspectors.csv'), plan, seed: 's' }),
    /not valid UTF-8 \(TOML files must be UTF-8\)/);
  const inputs = ['', 'abc', 'x'.repeat(200)].map(t => Buffer.from(t));
  const batch = await sha256Many(inputs);
  assert.deepEqual(batch.map(d => Buffer.from(d).toString('hex')), inputs.map(b => sha(b).toString('hex')));
  assert.deepEqual(batch.map(d => Buffer.from(d).toString('hex')), inputs.map(b => Buffer.from(sha256Sync(b)).toString('hex')));
});
