// node --test tests/verify-js/publication.test.mjs — web/verify.js and
// audit/LOG-FORMAT.md "Publication": the blinding vector, protected logs
// (public checks 1–6, the note, the auditor export), sealed draws and their
// publications, and every tampering each check must catch. The logs are built
// in node (./protected-log.mjs) and signed with a throwaway Ed25519 key, so an
// edited body is re-signed: only the publication checks can catch it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { verifyLog, blindOf, enterpriseState, canonicalJson } from '../../web/verify.js';
import { recomputeBlinded } from '../../web/verify/protected.js';
import { buildLog, UNTIL, verified, tampered } from './protected-log.mjs';

const enc = new TextEncoder();
const NOW = Date.parse('2026-12-20T00:00:00Z') / 1000;
const NOTE = 'note: protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export';
const verify = async (opts) => verifyLog((await buildLog(opts)).files, { now: NOW });

const body = (bodies, kind) => bodies.find(([k]) => k === kind)[1];

// ── the vector ────────────────────────────────────────────────────────────────

test('tests/vectors/protected/blinding.json: blinds, states and blinded roots', async () => {
  const v = JSON.parse(fs.readFileSync(new URL('../vectors/protected/blinding.json', import.meta.url), 'utf8'));
  const plan = { scope: { statuses: v.plan_scope.statuses, regions: [], industries: [], where: [] }, exclude: v.plan_scope.exclude };
  const full = { enterprises: [], inspectors: [], conflicts: [] };
  const salts = { enterprises: [], inspectors: [], conflicts: [] };
  for (const r of v.rows) {
    assert.equal(await blindOf(Buffer.from(r.salt, 'hex'), enc.encode(r.leaf)), r.blind, r.leaf);
    if (r.registry === 'enterprises') {
      const leaf = JSON.parse(r.leaf);
      assert.equal(canonicalJson([leaf[2], enterpriseState(leaf, plan, []), r.blind]), r.blinded_leaf);
    }
    full[r.registry].push(enc.encode(r.leaf));
    salts[r.registry].push(enc.encode(r.salt));
  }
  const { problems, roots } = await recomputeBlinded(full, salts, plan, []);
  assert.deepEqual(problems, []);
  for (const reg of Object.keys(full)) assert.deepEqual(roots[reg], { root: v.blinded[reg].root, count: v.blinded[reg].count }, reg);
  // one salt changed: another blind, another root
  salts.enterprises[0] = enc.encode('00'.repeat(32));
  assert.notEqual((await recomputeBlinded(full, salts, plan, [])).roots.enterprises.root, v.blinded.enterprises.root);
});

test('enterpriseState: scope, exclude, where on a §1.1 field and on an extra column', () => {
  const plan = { scope: { statuses: ['存续'], regions: ['3301'], industries: ['F'], where: [['区域代码', '330106'], ['网格', '东']] }, exclude: ['X2'] };
  const cols = ['uscc', 'name', 'credit_class', 'region', 'industry', 'status', '网格'];
  assert.equal(enterpriseState(['X1', 'n', 'A', '330106', 'F52', '存续', '东'], plan, cols), 'eligible');
  assert.equal(enterpriseState(['X2', 'n', 'A', '330106', 'F52', '存续', '东'], plan, cols), 'excluded');
  assert.equal(enterpriseState(['X1', 'n', 'A', '330106', 'F52', '存续', '西'], plan, cols), 'out');
  assert.equal(enterpriseState(['X1', 'n', 'A', '330108', 'F52', '存续', '东'], plan, cols), 'out');
  assert.equal(enterpriseState(['X1', 'n', 'A', '330106', 'H62', '存续', '东'], plan, cols), 'out');
  assert.equal(enterpriseState(['X1', 'n', 'A', '330106', 'F52', '注销', '东'], plan, cols), 'out');
  assert.throws(() => enterpriseState(['X1', 'n', 'A', '330106', 'F52', '存续'], plan, cols.slice(0, 6)), /not a column/);
});

// ── protected, full and legacy logs ───────────────────────────────────────────

test('a protected log verifies with the public checks and says the note once', async () => {
  const r = await verify({});
  verified(r);
  assert.equal(r.lines.filter(l => l === NOTE).length, 1);
  assert.match(r.lines.at(-1), /protected publication: 1 drawn document\(s\) checked against the blinded snapshots, 0 of 1 commitment\(s\) re-blinded/);
});

test('an auditor export verifies, recomputes the blinded roots, and needs no note', async () => {
  const r = await verify({ auditor: true });
  verified(r);
  assert.ok(!r.lines.includes(NOTE));
  assert.match(r.lines.at(-1), /1 of 1 commitment\(s\) re-blinded from the auditor snapshots/);
});

test('full and legacy logs are as before: no blinded field, no openings, no note', async () => {
  for (const mode of ['full', 'legacy']) {
    const r = await verify({ mode });
    verified(r);
    assert.ok(!r.lines.includes(NOTE), mode);
    assert.ok(!/protected publication/.test(r.lines.at(-1)), mode);
  }
});

test('bodies are strict by the publication mode', async () => {
  tampered(await verify({ edit: b => { body(b, 'LogCreated').publication = 'open'; } }), /entry 0 \(LogCreated\): body fields: wrong type or format: publication/);
  tampered(await verify({ edit: b => { delete body(b, 'DrawCommitment').blinded; } }), /\(DrawCommitment\): body fields: missing blinded/);
  tampered(await verify({ mode: 'full', edit: (b, x) => { body(b, 'DrawResult').openings = x.openings; } }), /\(DrawResult\): body fields: unknown openings/);
  tampered(await verify({ mode: 'full', edit: (b) => { body(b, 'DrawCommitment').blinded = {}; } }), /\(DrawCommitment\): body fields: unknown blinded/);
  tampered(await verify({ edit: b => { delete body(b, 'DrawResult').openings; } }), /\(DrawResult\): body fields: missing openings/);
  tampered(await verify({ edit: b => { body(b, 'DrawCommitment').blinded.inspectors.count = -1; } }), /wrong type or format: blinded/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[0].salt = 'xyz'; } }), /wrong type or format: openings/);
});

// ── public checks 1–6, each tampering caught ──────────────────────────────────

test('check 1: a blinded blob missing, edited, unsorted or not gzip', async () => {
  tampered(await verify({ files: (f, x) => f.delete(`snapshots/${x.blinded.inspectors.root}.jsonl.gz`) }), /blinded inspectors snapshot snapshots\/[0-9a-f]{64}\.jsonl\.gz is missing/);
  const regz = (f, root, lines) => f.set(`snapshots/${root}.jsonl.gz`, gzip(lines));
  tampered(await verify({ files: (f, x) => regz(f, x.blinded.enterprises.root, x.blinded.enterprises.lines.slice(1)) }), /has 11 lines, the commitment says 12/);
  tampered(await verify({ files: (f, x) => regz(f, x.blinded.enterprises.root, [...x.blinded.enterprises.lines].reverse()) }), /must be sorted and distinct/);
  tampered(await verify({ files: (f, x) => regz(f, x.blinded.conflicts.root, ['["not hex"]']) }), /line 1 is not a blinded conflicts leaf/);
  tampered(await verify({ files: (f, x) => f.set(`snapshots/${x.blinded.conflicts.root}.jsonl.gz`, Buffer.from('plain')) }), /is not gzip/);
});

test('check 2: counts that are not the blinded snapshot\'s', async () => {
  tampered(await verify({ edit: b => { const s = body(b, 'DrawResult').draw.strata[1]; s.population += 1; s.excluded += 1; } }), /stratum B: population 4, excluded 1, eligible 3, but the blinded snapshot has 3, 0, 3/);
});

test('check 3: a sample size that is not SPEC §6\'s', async () => {
  tampered(await verify({ edit: b => { body(b, 'DrawResult').draw.strata[0].sample_size = 2; } }), /stratum A: sample_size 2 is not 1/);
});

test('check 4: openings missing, edited, of another salt, or of a row not eligible', async () => {
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings.pop(); } }), /4 openings for 5 assignments: exactly one per assignment, in order/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[0].leaf[1] = '别的名称'; } }), /opening 0 .*name.*are not the assignment's/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[2].leaf[4] = 'F9999'; } }), /opening 2 .*its blinded leaf .* is not in the blinded enterprise snapshot/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[1].salt = '11'.repeat(32); } }), /opening 1 .*is not in the blinded enterprise snapshot/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[0].leaf[5] = '歇业'; } }), /opening 0 .*is out under the plan, not eligible/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').openings[0].leaf.push('extra'); } }), /opening 0 .*not \{"leaf": \[6 strings\]/);
});

test('check 5: a ticket, a selection order or a cutoff that is not SPEC §7\'s', async () => {
  tampered(await verify({ edit: b => { body(b, 'DrawResult').draw.assignments[0].ticket = '0.1'; } }), /ticket "0\.1" is not its SPEC §7 ticket/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').draw.strata[1].selected.reverse(); } }), /stratum B: selected .* is not the class's assignments/);
  tampered(await verify({ edit: b => { body(b, 'DrawResult').draw.strata[2].cutoff = '0.9'; } }), /stratum C: cutoff "0\.9" is not the last selected ticket/);
  tampered(await verify({ edit: b => { const a = body(b, 'DrawResult').draw.assignments; [a[1], a[2]] = [a[2], a[1]]; const o = body(b, 'DrawResult').openings; [o[1], o[2]] = [o[2], o[1]]; } }), /stratum B: the selected firms are not in ticket order|selected .* is not the class's assignments/);
});

test('check 6: teams of unknown ids, a wrong leader, a repeated id, a wrong size', async () => {
  tampered(await verify({ edit: b => { const a = body(b, 'DrawResult').draw.assignments[0]; a.inspectors[1] = 'ZF999'; } }), /"ZF999" is not an inspector of the blinded inspector snapshot/);
  tampered(await verify({ edit: b => { const a = body(b, 'DrawResult').draw.assignments[0]; a.leader = a.inspectors[1]; } }), /leader .* is not inspectors\[0\]/);
  tampered(await verify({ edit: b => { const a = body(b, 'DrawResult').draw.assignments[0]; a.inspectors[1] = a.inspectors[0]; } }), /an id appears twice in the team/);
  tampered(await verify({ edit: b => { const a = body(b, 'DrawResult').draw.assignments[0]; a.experts = ['ZF004']; } }), /1 experts, the plan's team.experts is 0/);
  tampered(await verify({ commit: c => { c.plan.team.max_targets_per_inspector = 1; fixDigest(c); } }), /is in \d+ teams, more than max_targets_per_inspector 1/);
});

// ── the auditor export ────────────────────────────────────────────────────────

test('auditor export: a salts file of the wrong length, an edited full blob, a blinded root that is not the recomputed one', async () => {
  tampered(await verify({ auditor: true, files: (f, x) => f.set(`snapshots/${x.full.enterprises.root}.salts.gz`, gzip(x.rows.enterprises.slice(1).map(r => r.salt.toString('hex')))) }), /the enterprises salts file has 11 lines for 12 leaves/);
  tampered(await verify({ auditor: true, files: (f, x) => f.set(`snapshots/${x.full.inspectors.root}.jsonl.gz`, gzip(x.full.inspectors.lines.slice(1))) }), /the full inspectors snapshot snapshots\/.* hashes to .* with 3 leaves, the commitment says/);
  // the operator moves a firm out of scope in the blinded snapshot (its class
  // changed too, so the public counts still add up): only the auditor sees it
  const moved = (c, x) => {
    const ls = x.blinded.enterprises.lines;
    const i = ls.findIndex(l => l.includes('"out"') && l.startsWith('["B"'));
    ls[i] = ls[i].replace('["B"', '["D"');
    ls.sort((p, q) => Buffer.compare(Buffer.from(p), Buffer.from(q)));
    const root = merkleRootHex(ls);
    x.blinded.enterprises.root = root;
    c.blinded.enterprises.root = root;
  };
  verified(await verify({ commit: moved }));
  tampered(await verify({ auditor: true, commit: moved }), /the blinded enterprises snapshot recomputed from the auditor snapshots is [0-9a-f]{64} with 12 leaves, the commitment says/);
  tampered(await verify({ auditor: true, files: (f, x) => f.set(`snapshots/${x.full.conflicts.root}.salts.gz`, gzip(['zz'])) }), /conflicts salts file's line 1 is not 64 hex digits/);
});

// ── embargo ───────────────────────────────────────────────────────────────────

test('a sealed draw says "sealed until"; its publication verifies on the day, China time', async () => {
  const sealed = await buildLog({ embargo: true });
  const r = await verifyLog(sealed.files, { now: NOW });
  verified(r);
  assert.ok(r.lines.includes(`note: draw ${sealed.ids.result}: sealed until ${UNTIL}`), r.lines.join('\n'));
  for (const pubTime of ['2026-12-09T16:00:00Z', '2026-12-10T02:00:00Z']) { // 2026-12-10 00:00 and 10:00 in China
    const p = await verify({ embargo: true, publish: true, pubTime });
    verified(p);
    assert.ok(!p.lines.some(l => l.includes('sealed until')), pubTime);
  }
  verified(await verify({ embargo: true, publish: true, mode: 'full' }));
});

test('a publication too early, not matching its seal, twice, or of a draw not sealed', async () => {
  tampered(await verify({ embargo: true, publish: true, pubTime: '2026-12-09T15:59:59Z' }), /published on 2026-12-09 \(China date\), before the end of the embargo, 2026-12-10/);
  const log = await buildLog({ embargo: true, publish: true, edit: b => { body(b, 'DrawPublication').draw.strata[0].selected = []; } });
  const r = await verifyLog(log.files, { now: NOW });
  tampered(r, new RegExp(`^problem: publication ${'[0-9a-f]{64}'} does not match the sealed draw ${log.ids.result}$`));
  tampered(await verify({ embargo: true, publish: true, edit: b => { body(b, 'DrawPublication').draw.strata[3].eligible += 1; } }), /does not match the sealed draw/);
  tampered(await verify({ embargo: true, publish: true, edit: b => { body(b, 'DrawPublication').openings[0].salt = '22'.repeat(32); } }), /opening 0 .*is not in the blinded enterprise snapshot/);
  tampered(await verify({ embargo: true, publish: true, edit: b => { b.push(['DrawPublication', JSON.parse(JSON.stringify(body(b, 'DrawPublication')))]); } }), /already published by entry 7; at most one publication per sealed draw/);
  tampered(await verify({ publish: true }), /is not a sealed draw: only a sealed result is published later/);
  tampered(await verify({ embargo: true, edit: b => { body(b, 'DrawResult').sealed.until = '2026-12-01'; } }), /sealed until 2026-12-01, which is not after the China date of its time \(2026-12-01\)/);
  tampered(await verify({ embargo: true, commit: c => { delete c.plan.embargo; fixDigest(c); } }), /sealed, but the commitment's plan has no embargo/);
  tampered(await verify({ embargo: true, edit: b => { body(b, 'DrawResult').sealed.strata.pop(); } }), /wrong type or format: sealed/);
});

test('an InspectionResult may name a sealed draw; once published, its firm must be a target', async () => {
  const target = x => x.doc.assignments[0].uscc;
  const other = x => x.rows.enterprises.map(r => r.key).find(u => !x.doc.assignments.some(a => a.uscc === u));
  const result = pick => (b, x) => b.splice(7, 0, ['InspectionResult', { draw: x.rid, uscc: pick(x), result: { 结果: '未发现问题' } }]);
  verified(await verify({ embargo: true, edit: result(other) })); // sealed: not judged yet
  verified(await verify({ embargo: true, publish: true, edit: result(target) }));
  tampered(await verify({ embargo: true, publish: true, edit: result(other) }), /entry 7 \(InspectionResult\): [0-9A-Z]{18} is not a target of draw [0-9a-f]{64}/);
});

// ── helpers ───────────────────────────────────────────────────────────────────

import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { mth } from './protected-log.mjs';
function gzip(lines) { return zlib.gzipSync(Buffer.from(lines.map(l => l + '\n').join(''))); }
function merkleRootHex(lines) { return mth(lines).toString('hex'); }
/** After editing the commitment's plan: its digest follows (the draw document takes both). */
function fixDigest(c) { c.plan_digest = crypto.createHash('sha256').update(canonicalJson(c.plan)).digest('hex'); }
