// node --test tests/verify-js/replay.test.mjs — `node web/verify.js log`
// replays every draw (audit/LOG-FORMAT.md "What `audit verify` checks",
// check 10) on the whole-log vector tests/vectors/feedback-log, and catches a
// draw edited in entries.jsonl and re-signed (the vector has no private key:
// the copy is re-keyed, which a verifier without --vkey cannot tell from the
// operator's own key). Run by tests/verify_js_replay.rs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { canonicalJson, merkleRoot } from '../../web/verify.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VECTOR = new URL('../vectors/feedback-log/log/', import.meta.url).pathname;
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const b64 = b => Buffer.from(b).toString('base64');
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

function verifyJs(dir, ...args) {
  const r = spawnSync(process.execPath, ['web/verify.js', 'log', dir, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr, lines: r.stdout.split('\n').filter(Boolean) };
}

function copyOfVector(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-replay-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(VECTOR, dir, { recursive: true });
  return dir;
}

const entryLines = dir => fs.readFileSync(path.join(dir, 'entries.jsonl'), 'utf8').split('\n').filter(Boolean);
const idOf = line => sha([0], line).toString('hex');
/** The DrawResult ids of a log, in log order. */
const drawIds = dir => entryLines(dir).filter(l => JSON.parse(l).kind === 'DrawResult').map(idOf);

/**
 * Re-signs the log in `dir` after `edit(entries)` changed its entries, with a
 * new Ed25519 key of the same origin: log.pub, LogCreated's vkey, every
 * checkpoint record (their batch ends kept) and `checkpoint`; the static
 * files derived from the old entries are removed (missing ones are a note).
 */
async function forgeAndResign(dir, edit) {
  const entries = entryLines(dir).map(l => JSON.parse(l));
  for (const [i, line] of entryLines(dir).entries()) assert.equal(canonicalJson(entries[i]), line, 'the entries are canonical JSON');
  const origin = fs.readFileSync(path.join(dir, 'log.pub'), 'utf8').trim().split('+')[0];
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
  const keyId = sha(origin, [0x0a, 0x01], pub).subarray(0, 4);
  const vkey = `${origin}+${keyId.toString('hex')}+${b64(Buffer.concat([Buffer.from([1]), pub]))}`;
  edit(entries);
  entries[0].body.vkey = vkey;
  const lines = entries.map(e => canonicalJson(e));
  const records = fs.readFileSync(path.join(dir, 'checkpoints.jsonl'), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
  assert.equal(records.length, lines.length, 'one checkpoint record per entry');
  let note = '';
  const out = [];
  for (const r of records) {
    const root = Buffer.from(await merkleRoot(lines.slice(0, r.size).map(l => Buffer.from(l))), 'hex');
    const text = `${origin}\n${r.size}\n${b64(root)}\n`;
    note = `${text}\n\u2014 ${origin} ${b64(Buffer.concat([keyId, crypto.sign(null, Buffer.from(text), key)]))}\n`;
    out.push(canonicalJson({ batch_end: r.batch_end, checkpoint: note, size: r.size }));
  }
  fs.writeFileSync(path.join(dir, 'log.pub'), `${vkey}\n`);
  fs.writeFileSync(path.join(dir, 'entries.jsonl'), lines.map(l => `${l}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'checkpoints.jsonl'), out.map(l => `${l}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'checkpoint'), note);
  for (const derived of ['tile', 'entry', 'receipts']) fs.rmSync(path.join(dir, derived), { recursive: true, force: true });
}

test('the feedback-log vector: every draw replays OK, one line per DrawResult; --no-replay says it skipped them', () => {
  const ids = drawIds(VECTOR);
  assert.equal(ids.length, 3);
  const r = verifyJs(VECTOR);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.lines.filter(l => /^(OK|DIFF|PUBLIC) /.test(l)).map(l => l.split(' ').slice(0, 2).join(' ')), ids.map(id => `OK ${id}`), r.out);
  assert.ok(r.lines.some(l => /^OK [0-9a-f]{64} 反馈一号: 24 targets reproduced$/.test(l)), r.out);
  assert.match(r.lines.at(-1), /^VERIFIED: .*snapshot blobs.*, 3 draw\(s\) replayed; /);
  const skip = verifyJs(VECTOR, '--no-replay');
  assert.equal(skip.code, 0, skip.out);
  assert.ok(!skip.lines.some(l => /^(OK|DIFF) /.test(l)), skip.out);
  assert.ok(skip.lines.includes('note: draws not replayed (--no-replay): an edited and re-signed draw would not be detected'), skip.out);
  assert.match(skip.lines.at(-1), /^VERIFIED: .*replay \(--no-replay\)$/);
});

test('a target of a draw changed in entries.jsonl and re-signed: the log checks pass, the replay says DIFF naming that draw', async (t) => {
  const dir = copyOfVector(t);
  let forgedAt = -1;
  let outsider = null;
  await forgeAndResign(dir, (entries) => {
    // the last draw (no result names its targets): one target becomes a firm it did not draw
    forgedAt = entries.findLastIndex(e => e.kind === 'DrawResult');
    const doc = entries[forgedAt].body.draw;
    const drawn = new Set(doc.assignments.map(a => a.uscc));
    outsider = fs.readFileSync(new URL('../vectors/feedback-log/enterprises.csv', import.meta.url), 'utf8')
      .split('\n').slice(1).map(l => l.split(',')[0]).find(u => u && !drawn.has(u));
    doc.assignments[0].uscc = outsider;
  });
  const ids = drawIds(dir);
  const forged = idOf(entryLines(dir).find(l => JSON.parse(l).index === forgedAt));
  assert.equal(ids.at(-1), forged);
  // without the replay the re-signed log verifies: only check 10 sees the edit
  const skip = verifyJs(dir, '--no-replay');
  assert.equal(skip.code, 0, skip.out);
  const r = verifyJs(dir);
  assert.equal(r.code, 1, r.out);
  assert.ok(!r.lines.some(l => l.startsWith('problem:')), `the signatures and the Merkle tree agree with the forged entries: ${r.out}`);
  const verdicts = r.lines.filter(l => /^(OK|DIFF) /.test(l));
  assert.deepEqual(verdicts.map(l => l.split(' ').slice(0, 2).join(' ')), [...ids.slice(0, -1).map(id => `OK ${id}`), `DIFF ${forged}`], r.out);
  assert.match(verdicts.at(-1), new RegExp(`^DIFF ${forged} \\d+ difference\\(s\\), first: assignments\\[0\\]\\.uscc: expected "[^"]+", draw has "${outsider}"$`));
  assert.match(r.lines.at(-1), /^TAMPERED: 0 problem\(s\), 1 of 3 draw\(s\) differ; /);
});

test('a snapshot blob that is missing or changed: a problem of check 5, and the draws that use it cannot be replayed', (t) => {
  const dir = copyOfVector(t);
  const entries = entryLines(dir).map(l => JSON.parse(l));
  const conflicts = entries.find(e => e.kind === 'RegistrySnapshot' && e.body.registry === 'conflicts');
  fs.rmSync(path.join(dir, conflicts.body.blob));
  const r = verifyJs(dir);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.lines.includes(`problem: entry ${conflicts.index} (RegistrySnapshot): snapshot blob ${conflicts.body.blob} is missing`), r.out);
  assert.ok(r.lines.some(l => /^DIFF [0-9a-f]{64} cannot replay: the conflicts snapshot is broken: its blob is missing$/.test(l)), r.out);
});
