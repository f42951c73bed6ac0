// node --test tests/verify-js/disclosure.test.mjs — audit/LOG-FORMAT.md
// "Disclosures (one firm's proof)": web/verify.js verifyDisclosure and
// `node web/verify.js disclosure FILE [--vkey K]` (exit 0 verified, 1
// tampered, 2 bad input), on disclosures of the tiny logs of
// ./protected-log.mjs; and `node web/verify.js log DIR` reading a protected
// log's blinded blobs from a directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyDisclosure, FairdrawError } from '../../web/verify.js';
import { buildLog, logSigner, ticketOf } from './protected-log.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELECTED = '91330106MA2B00000U'; // class A, eligible, drawn
const ABOVE = '91330106MA2B000022'; // class A, eligible, ticket above the cutoff
const EXCLUDED = '91330106MA2B00001Y'; // class A, in the plan's exclude
const OUT = '91330106MA2B00005B'; // class B, 歇业: out of scope
const copy = v => JSON.parse(JSON.stringify(v));

const protectedLog = await buildLog({});

async function tampered(d, re, opts) {
  const r = await verifyDisclosure(d, opts);
  assert.equal(r.code, 1, r.lines.join('\n'));
  assert.ok(r.lines.some(l => l.startsWith('problem:') && re.test(l)), `no problem line matches ${re}:\n${r.lines.join('\n')}`);
  assert.match(r.lines.at(-1), /^TAMPERED: /);
}

test('every firm\'s disclosure verifies, with the verdict in plain words', async () => {
  const want = { [SELECTED]: [true, 'ticket-within-cutoff'], [ABOVE]: [false, 'ticket-above-cutoff'], [EXCLUDED]: [false, 'excluded'], [OUT]: [false, 'out-of-scope'] };
  for (const [uscc, [selected, reason]] of Object.entries(want)) {
    const r = await verifyDisclosure(JSON.stringify(protectedLog.disclosure(uscc)));
    assert.equal(r.code, 0, r.lines.join('\n'));
    assert.deepEqual([r.verdict.selected, r.verdict.reason, r.verdict.mode, r.verdict.draw], [selected, reason, 'protected', protectedLog.ids.result]);
    assert.equal(r.lines[0], 'note: key not pinned: trusted the vkey in the file');
    assert.match(r.lines.at(-1), new RegExp(`^VERIFIED: ${uscc} in draw ${protectedLog.ids.result}: ${selected ? 'selected' : 'not selected'}, `));
  }
  // pinned: no note
  const pinned = await verifyDisclosure(protectedLog.disclosure(SELECTED), { vkey: protectedLog.log.vkey });
  assert.equal(pinned.code, 0);
  assert.ok(!pinned.lines.some(l => l.startsWith('note:')));
});

test('a full log\'s disclosure (salt "") and a sealed draw\'s (through its DrawPublication) verify', async () => {
  const full = await buildLog({ mode: 'full' });
  const r = await verifyDisclosure(full.disclosure(ABOVE));
  assert.equal(r.code, 0, r.lines.join('\n'));
  assert.equal(r.verdict.mode, 'full');
  const d = full.disclosure(ABOVE); d.salt = '00'.repeat(32);
  await tampered(d, /salt .* is not "" \(a full log has no salts\)/);
  const published = await buildLog({ embargo: true, publish: true });
  const p = await verifyDisclosure(published.disclosure(SELECTED));
  assert.equal(p.code, 0, p.lines.join('\n'));
  assert.equal(p.verdict.draw, published.ids.result);
  // the sealed DrawResult itself carries no document: not a drawn result with its draw
  const sealed = await buildLog({ embargo: true });
  await tampered(sealed.disclosure(SELECTED), /the result receipt proves a "DrawResult" entry, not a drawn DrawResult with its draw/);
});

test('another class, salt, ticket, state or verdict fails', async () => {
  const base = protectedLog.disclosure(ABOVE);
  let d = copy(base); d.leaf[2] = 'B'; d.verdict.class = 'B';
  await tampered(d, /the blinded leaf .* is not included at index/);
  d = copy(base); d.salt = '33'.repeat(32);
  await tampered(d, /the blinded leaf .* is not included at index/);
  d = copy(base); d.verdict.ticket = ticketOf(ABOVE, 'another seed');
  await tampered(d, /verdict\.ticket .* is not the ticket of/);
  d = copy(base); d.verdict.cutoff = d.verdict.ticket;
  await tampered(d, /verdict\.cutoff .* is not the class A cutoff/);
  d = copy(base); d.verdict.selected = true;
  await tampered(d, /verdict\.selected is true, but the firm is not selected/);
  d = copy(base); d.verdict.state = 'excluded';
  await tampered(d, /the leaf is eligible under the commitment's plan, the verdict says "excluded"/);
  d = copy(base); d.verdict.uscc = SELECTED;
  await tampered(d, /leaf\[0\] .* is not verdict\.uscc/);
  // an excluded firm claiming to be eligible: the blinded leaf of its row says excluded
  d = protectedLog.disclosure(EXCLUDED); d.verdict.state = 'eligible';
  await tampered(d, /the leaf is excluded under the commitment's plan/);
});

test('a wrong proof, an edited opening of the leaf, edited receipts fail', async () => {
  const base = protectedLog.disclosure(SELECTED);
  let d = copy(base); d.proof.index += 1;
  await tampered(d, /is not included at index/);
  d = copy(base); d.proof.hashes[0] = d.proof.hashes[0].replace(/^./, c => (c === '0' ? '1' : '0'));
  await tampered(d, /is not included at index/);
  d = copy(base); d.proof.hashes.pop();
  await tampered(d, /is not included at index/);
  d = copy(base); d.leaf[1] = '别的名称';
  await tampered(d, /is not included at index/);
  d = copy(base); d.result = d.commitment;
  await tampered(d, /the result receipt proves a "DrawCommitment" entry/);
  d = copy(base); d.commitment = d.result;
  await tampered(d, /the commitment receipt proves a "DrawResult" entry, not a DrawCommitment/);
  d = copy(base); d.result = d.result.replace(/\nindex (\d+)\n/, '\nindex 5\n');
  await tampered(d, /the result receipt does not verify: the inclusion proof of entry 5 does not verify/);
  // another log's commitment: the result does not name it
  const other = (await buildLog({ mode: 'full' })).disclosure(SELECTED);
  d = copy(base); d.commitment = other.commitment;
  await tampered(d, /the result names commitment .* not the disclosed commitment/);
  // signed by another key: the receipts do not verify with the file's vkey
  d = copy(base); d.vkey = logSigner('fairdraw.example/protected', 1).vkey;
  await tampered(d, /the commitment receipt does not verify/);
  // pinned another key
  await tampered(base, /is not the key you pinned/, { vkey: logSigner('fairdraw.example/other', 1).vkey });
});

test('bad input is refused (FairdrawError, exit 2): not JSON, wrong shape or types', async () => {
  const base = protectedLog.disclosure(SELECTED);
  const bad = [
    '{', '[]', 'null',
    { ...base, format: 'fairdraw-disclosure/2' },
    { ...base, extra: 1 },
    (({ salt, ...rest }) => rest)(base),
    { ...base, leaf: [1, 2] },
    { ...base, proof: { index: -1, hashes: [] } },
    { ...base, proof: { index: 0, hashes: ['xx'] } },
    { ...base, verdict: { ...base.verdict, selected: 'yes' } },
    { ...base, verdict: { ...base.verdict, why: undefined } },
    { ...base, vkey: 'not a key' },
  ];
  for (const b of bad) await assert.rejects(verifyDisclosure(typeof b === 'string' ? b : JSON.stringify(b)), FairdrawError, JSON.stringify(b).slice(0, 80));
});

// ── the CLI ───────────────────────────────────────────────────────────────────

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-disclosure-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const cli = (...args) => {
  const r = spawnSync('node', ['web/verify.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('node web/verify.js disclosure FILE [--vkey K]: exit 0, 1, 2', () => {
  const good = path.join(tmp, 'good.json');
  fs.writeFileSync(good, JSON.stringify(protectedLog.disclosure(ABOVE), null, 2));
  let r = cli('disclosure', good);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^note: key not pinned: trusted the vkey in the file\nVERIFIED: 91330106MA2B000022 in draw [0-9a-f]{64}: not selected, its ticket is above the cutoff \(class A, eligible, /);
  const key = path.join(tmp, 'log.pub');
  fs.writeFileSync(key, protectedLog.log.vkey + '\n');
  r = cli('disclosure', good, '--vkey', key);
  assert.equal(r.code, 0, r.out + r.err);
  assert.ok(!r.out.includes('note:'));
  const d = protectedLog.disclosure(ABOVE); d.verdict.selected = true;
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify(d));
  r = cli('disclosure', bad);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /\nTAMPERED: 1 problem\(s\)/);
  const broken = path.join(tmp, 'broken.json');
  fs.writeFileSync(broken, '{"format": "fairdraw-disclosure/1"}');
  r = cli('disclosure', broken);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.err, /^error: .*broken\.json: not a disclosure \(fairdraw-disclosure\/1\):\nerror: missing keys: vkey, commitment, result, leaf, salt, proof, verdict/);
  assert.equal(cli('disclosure', path.join(tmp, 'missing.json')).code, 2);
  assert.equal(cli('disclosure').code, 2);
});

test('node web/verify.js log DIR reads the blinded blobs (and an auditor export\'s) from the directory', async () => {
  for (const [name, opts, code, re] of [
    ['public', {}, 0, /^note: protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export$/m],
    ['auditor', { auditor: true }, 0, /1 of 1 commitment\(s\) re-blinded from the auditor snapshots/],
    ['tampered', { edit: b => { b[6][1].openings[0].salt = '44'.repeat(32); } }, 1, /^problem: draw [0-9a-f]{64}: opening 0 .* is not in the blinded enterprise snapshot$/m],
  ]) {
    const dir = path.join(tmp, name);
    for (const [file, bytes] of (await buildLog(opts)).files) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), bytes);
    }
    const r = cli('log', dir, '--now', '2026-12-20T00:00:00Z');
    assert.equal(r.code, code, r.out + r.err);
    assert.match(r.out, re);
  }
});
