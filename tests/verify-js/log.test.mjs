// node --test tests/verify-js/log.test.mjs — web/verify.js log mode
// (audit/LOG-FORMAT.md "Witnesses and cosignatures"): the cosignature/v1
// golden vector, and tiny witnessed logs built here in memory with keys from
// fixed seeds. Run by tests/verify_js_log.rs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { verifyLog as verifyLogWithReplay, verifyCosignature, openCheckpoint, canonicalJson } from '../../web/verify.js';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const seedBytes = (first) => Buffer.from(Array.from({ length: 32 }, (_, i) => first + i));
const b64 = b => Buffer.from(b).toString('base64');
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

/** An Ed25519 signer from a raw 32-byte seed, with its signed-note verifier key of signature type `type`. */
function signer(name, seed, type) {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
  const id = sha(Buffer.from(name), [0x0a, type], pub).subarray(0, 4);
  return {
    name, id, pub,
    vkey: `${name}+${id.toString('hex')}+${b64(Buffer.concat([Buffer.from([type]), pub]))}`,
    sign: msg => crypto.sign(null, Buffer.from(msg), key),
  };
}

const checkpointText = (origin, size, root) => `${origin}\n${size}\n${b64(root)}\n`;
/** C2SP signed note of the log key (type 0x01). */
const signNote = (log, text) => `${text}\n\u2014 ${log.name} ${b64(Buffer.concat([log.id, log.sign(text)]))}\n`;
/** C2SP tlog-cosignature cosignature/v1 line (type 0x04), without its LF. */
function cosign(w, text, t) {
  const tb = Buffer.alloc(8); tb.writeBigUInt64BE(BigInt(t));
  const sig = w.sign(`cosignature/v1\ntime ${t}\n${text}`);
  return `\u2014 ${w.name} ${b64(Buffer.concat([w.id, tb, sig]))}`;
}

test('cosignature/v1 golden vector (witness.example/w1, seed bytes 1..32)', async () => {
  const w = signer('witness.example/w1', seedBytes(1), 0x04);
  assert.equal(w.vkey, 'witness.example/w1+468d99bb+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk');
  const text = checkpointText('fairdraw.example/vector', 5, Buffer.alloc(32, 0x5a));
  const line = cosign(w, text, 1764547200);
  assert.equal(line, '\u2014 witness.example/w1 Ro2ZuwAAAABpLNqAMIywb5mmqzy2V8LbgEIU0YM05z1qs+6DiIVLMzh+72HVnu5CiY/7EjpNm5UVKn3iEXMHDC+p+isSPPAQsSj/AA==');
  assert.deepEqual(await verifyCosignature(w.vkey, text, line), { time: 1764547200 });
  assert.deepEqual(await verifyCosignature(w.vkey, text, line + '\n'), { time: 1764547200 });
  // another time, another checkpoint, a flipped signature byte: this key's line, not verifying
  await assert.rejects(verifyCosignature(w.vkey, text.replace('\n5\n', '\n6\n'), line), /does not verify/);
  const raw = Buffer.from(line.split(' ')[2], 'base64'); raw[40] ^= 1;
  await assert.rejects(verifyCosignature(w.vkey, text, `\u2014 witness.example/w1 ${b64(raw)}`), /does not verify/);
  // another witness's line is not this key's: null, not an error
  const other = signer('witness.example/w2', seedBytes(2), 0x04);
  assert.equal(await verifyCosignature(w.vkey, text, cosign(other, text, 1764547200)), null);
  // a log key (type 0x01) is not a witness key
  await assert.rejects(verifyCosignature(signer('x', seedBytes(3), 0x01).vkey, text, line), /cosignature\/v1 key/);
});

test('the shared vector file (tests/vectors/witness, made with OpenSSL) verifies', async () => {
  const { readFileSync } = await import('node:fs');
  const v = JSON.parse(readFileSync(new URL('../vectors/witness/cosignature-v1.json', import.meta.url), 'utf8'));
  const line = v.cosignature_line.replace(/\n$/, '');
  assert.deepEqual(await verifyCosignature(v.vkey, v.checkpoint_text, line), { time: v.time });
  assert.equal(cosign(signer(v.witness_name, seedBytes(1), 0x04), v.checkpoint_text, v.time), line);
});

// ── tiny witnessed logs ──────────────────────────────────────────────────────
const ORIGIN = 'fairdraw.example/witnessed';
const LOG = signer(ORIGIN, seedBytes(100), 0x01);
const W1 = signer('witness.example/w1', seedBytes(1), 0x04);
const W2 = signer('witness.example/w2', seedBytes(2), 0x04);
const AT = '2026-12-01T02:00:00Z'; // the ceremony's `at`
const T_AT = Date.parse(AT) / 1000;

function leafHash(line) { return sha([0], Buffer.from(line)); }
function mth(hashes) {
  if (hashes.length === 1) return hashes[0];
  let k = 1; while (k * 2 < hashes.length) k *= 2;
  return sha([1], mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

/**
 * A log: LogCreated, [WitnessPolicy], a ceremony commitment, its BeaconRecord
 * and an infeasible DrawResult; every size signed; `cosign(sizes)` lists the
 * cosignatures.jsonl records as [size, [[witness, t]…]].
 */
function makeLog({ policy = { witnesses: [W1, W2], quorum: 2 }, at = AT, cosigs = [] } = {}) {
  const bodies = [['LogCreated', { origin: ORIGIN, vkey: LOG.vkey }]];
  if (policy) bodies.push(['WitnessPolicy', { witnesses: policy.witnesses.map(w => ({ name: w.name, url: `https://${w.name}`, vkey: w.vkey })), quorum: policy.quorum }]);
  const plan = { items: [] };
  const commitment = { algorithm: 'fairdraw-v1', plan, plan_digest: sha(canonicalJson(plan)).toString('hex'), snapshots: {}, beacon: { type: 'ceremony' }, year: 2026, log_exclusions: [], log_history: [] };
  bodies.push(['DrawCommitment', commitment]);
  const lines = [];
  const time = i => `2026-12-01T0${i < bodies.length ? 1 : 3}:00:0${i}Z`;
  const push = (kind, body) => {
    const i = lines.length;
    lines.push(canonicalJson({ body, index: i, kind, simulated: false, time: time(i), v: 1 }));
    return leafHash(lines[i]).toString('hex');
  };
  let cid;
  for (const [kind, body] of bodies) cid = push(kind, body);
  const digits = '31415926535897932384626433';
  const witnesses = ['Alice', 'Bob'];
  const beacon = { type: 'ceremony', digits, witnesses };
  if (at) beacon.at = at;
  const randomness = sha('fairdraw-v1/ceremony', [0], digits, [0], witnesses[0], [0], witnesses[1]);
  const seed = sha('fairdraw-v1/seed', [0], Buffer.from(cid, 'hex'), randomness).toString('hex');
  const bid = push('BeaconRecord', { commitment: cid, beacon, randomness: randomness.toString('hex'), seed });
  const rid = push('DrawResult', { commitment: cid, beacon: bid, outcome: 'infeasible', failure: 'no valid assignment' });
  const hashes = lines.map(leafHash);
  const notes = hashes.map((_, k) => signNote(LOG, checkpointText(ORIGIN, k + 1, mth(hashes.slice(0, k + 1)))));
  const records = notes.map((n, k) => canonicalJson({ batch_end: true, checkpoint: n, size: k + 1 }) + '\n').join('');
  const cosigned = cosigs.map(([size, sigs]) => {
    const text = checkpointText(ORIGIN, size, mth(hashes.slice(0, size)));
    return signNote(LOG, text) + sigs.map(([w, t]) => cosign(w, text, t) + '\n').join('');
  });
  return {
    rid, cid, commitIndex: lines.length - 3,
    files: new Map([
      ['log.pub', Buffer.from(LOG.vkey + '\n')],
      ['entries.jsonl', Buffer.from(lines.map(l => l + '\n').join(''))],
      ['checkpoints.jsonl', Buffer.from(records)],
      // the served checkpoint: the newest note, cosigned when its size was
      ['checkpoint', Buffer.from(cosigs.length && cosigs[cosigs.length - 1][0] === lines.length ? cosigned[cosigned.length - 1] : notes[notes.length - 1])],
      ['cosignatures.jsonl', Buffer.from(cosigned.map((n, k) => canonicalJson({ checkpoint: n, size: cosigs[k][0] }) + '\n').join(''))],
    ]),
  };
}

const NOW = Date.parse('2026-12-02T00:00:00Z') / 1000;
// These logs' draws are skeletons (no snapshots) for the witness checks: not replayed.
const verifyLog = (files, opts) => verifyLogWithReplay(files, { ...opts, replay: false });
const before = T_AT - 60;

test('a commitment cosigned by the quorum before the ceremony is witnessed', async () => {
  const log = makeLog({ cosigs: [[3, [[W1, before], [W2, before - 5]]], [5, [[W1, T_AT + 3600], [W2, T_AT + 3600]]]] });
  const res = await verifyLog(log.files, { now: NOW });
  assert.equal(res.code, 0, res.lines.join('\n'));
  assert.ok(res.lines.includes(`draw ${log.rid}: commitment witnessed by 2 of 2 before ${AT}`), res.lines.join('\n'));
  assert.ok(!res.lines.some(l => l.includes('reveal not yet witnessed')), res.lines.join('\n'));
  assert.match(res.lines[res.lines.length - 1], /^VERIFIED: .*replay \(--no-replay\)/);
  assert.ok(res.lines.includes('note: draws not replayed (--no-replay): an edited and re-signed draw would not be detected'), res.lines.join('\n'));
  // the served checkpoint may carry the cosignatures; openCheckpoint ignores them
  const cp = await openCheckpoint(new TextDecoder().decode(log.files.get('checkpoint')), LOG.vkey);
  assert.equal(cp.size, 5);
});

test('cosignatures at or after the beacon, or too few, do not witness the commitment', async () => {
  for (const sigs of [[[W1, before], [W2, T_AT]], [[W1, before]]]) {
    const log = makeLog({ cosigs: [[3, sigs]] });
    const res = await verifyLog(log.files, { now: NOW });
    assert.equal(res.code, 1, res.lines.join('\n'));
    assert.equal(res.problems, 1, res.lines.join('\n'));
    assert.ok(res.lines.includes(`problem: draw ${log.rid}: commitment not witnessed before the beacon (1 of 2)`), res.lines.join('\n'));
    assert.ok(res.lines.some(l => l.startsWith(`note: draw ${log.rid}: reveal not yet witnessed`)), res.lines.join('\n'));
  }
  // a cosigned record of a size that does not include the commitment does not count
  const early = makeLog({ cosigs: [[2, [[W1, before], [W2, before]]]] });
  const res = await verifyLog(early.files, { now: NOW });
  assert.ok(res.lines.includes(`problem: draw ${early.rid}: commitment not witnessed before the beacon (0 of 2)`), res.lines.join('\n'));
});

test('a cosignature of a policy witness that does not verify is tampering', async () => {
  const log = makeLog({ cosigs: [[3, [[W1, before], [W2, before]]]] });
  const text = new TextDecoder().decode(log.files.get('cosignatures.jsonl'));
  const rec = JSON.parse(text);
  const lines = rec.checkpoint.split('\n');
  const k = lines.findIndex(l => l.startsWith('\u2014 witness.example/w2 '));
  const raw = Buffer.from(lines[k].split(' ')[2], 'base64'); raw[30] ^= 0x80;
  lines[k] = `\u2014 witness.example/w2 ${b64(raw)}`;
  rec.checkpoint = lines.join('\n');
  log.files.set('cosignatures.jsonl', Buffer.from(canonicalJson(rec) + '\n'));
  const res = await verifyLog(log.files, { now: NOW });
  assert.equal(res.code, 1);
  assert.equal(res.problems, 2, res.lines.join('\n')); // the bad line, and so only 1 of 2 before the beacon
  assert.ok(res.lines.includes(`problem: draw ${log.rid}: commitment not witnessed before the beacon (1 of 2)`), res.lines.join('\n'));
  assert.ok(res.lines.includes('problem: cosignature of witness.example/w2 on size 3 does not verify'), res.lines.join('\n'));
  // a line of an unknown witness is ignored
  const stranger = signer('witness.example/w9', seedBytes(9), 0x04);
  const ok = makeLog({ cosigs: [[3, [[W1, before], [W2, before], [stranger, before]]]] });
  const r = await verifyLog(ok.files, { now: NOW });
  assert.equal(r.code, 0, r.lines.join("\n"));
});

test('without a policy (or with quorum 0) every draw is unwitnessed, a note not a failure', async () => {
  for (const policy of [null, { witnesses: [], quorum: 0 }]) {
    const log = makeLog({ policy, at: null });
    const res = await verifyLog(log.files, { now: NOW });
    assert.equal(res.code, 0, res.lines.join('\n'));
    assert.ok(res.lines.includes(`draw ${log.rid}: unwitnessed: the operator could have re-rolled this draw`), res.lines.join('\n'));
  }
});

test('policy and ceremony `at` are strict', async () => {
  const noAt = makeLog({ at: null, cosigs: [[3, [[W1, before], [W2, before]]]] });
  const res = await verifyLog(noAt.files, { now: NOW });
  assert.equal(res.code, 1);
  assert.ok(res.lines.some(l => l.includes('(BeaconRecord): a ceremony revealed under a witness policy needs its "at" time')), res.lines.join('\n'));
  const bad = makeLog({ policy: { witnesses: [W1], quorum: 2 } });
  const r2 = await verifyLog(bad.files, { now: NOW });
  assert.equal(r2.code, 1);
  assert.equal(r2.problems, 1, r2.lines.join('\n'));
  assert.ok(r2.lines.includes('problem: entry 1 (WitnessPolicy): quorum 2 must be from 1 to 1'), r2.lines.join('\n'));
  const late = makeLog({ at: '2026-12-01T09:00:00Z' }); // after the reveal's clock
  assert.ok((await verifyLog(late.files, { now: NOW })).lines.some(l => l.includes('is after the reveal')));
});
