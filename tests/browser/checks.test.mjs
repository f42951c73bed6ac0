// checks.test.mjs — the page's signature checks in node: drand BLS
// (web/beacon-check.js), witness cosignatures (web/witness-check.js, reading
// notes with web/verify/note.js), the receipt (web/inclusion-check.js) and
// Ed25519 by noble where WebCrypto has none (web/note.js).
//
//   node --test tests/browser/checks.test.mjs
//
// The drand rounds are the real ones of data/drand/quicknet.json; the witness
// material is built here with fixed keys, RFC 6962 proofs and signed notes,
// so every check sees both a good input and the one-byte change it must catch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ed25519 } from '../../web/vendor/noble/curves/ed25519.js';
import { sha256 } from '../../web/vendor/noble/hashes/sha2.js';
import { QUICKNET, verifyQuicknetRound, checkBeacon } from '../../web/beacon-check.js';
import { nobleEd25519Verify } from '../../web/note.js';
import { openCheckpoint, verifyCosignature, setEd25519Verifier } from '../../web/verify/note.js';
import { checkWitnesses } from '../../web/witness-check.js';
import { checkInclusion } from '../../web/inclusion-check.js';
import { canonicalJson } from '../../web/verify.js';
import { sameCanonicalJson } from '../../web/verify/canonical-json.js';

const root = new URL('../../', import.meta.url);
const quicknet = JSON.parse(fs.readFileSync(new URL('data/drand/quicknet.json', root), 'utf8'));
const rfc6962 = JSON.parse(fs.readFileSync(new URL('tests/vectors/rfc6962/roots.json', root), 'utf8'));
const enc = new TextEncoder();
const hex = bytes => Buffer.from(bytes).toString('hex');
const unhex = h => Uint8Array.from(Buffer.from(h, 'hex'));
const toBase64 = bytes => Buffer.from(bytes).toString('base64');

// ─── signing, for tests only (signed-note key ids and cosignature/v1 lines) ──

const KEY_TYPE_ED25519 = 0x01;
const KEY_TYPE_COSIGNATURE = 0x04;

/** Key id: the first 4 bytes of SHA-256(name ‖ LF ‖ type ‖ public key). */
const keyId = (name, type, publicKey) => sha256(new Uint8Array([...enc.encode(name), 0x0a, type, ...publicKey])).slice(0, 4);

/** A cosignature line: `— name base64(key id ‖ t ‖ signature)`. */
function cosignatureLine(name, seed, checkpointText, time) {
  const key = ed25519.getPublicKey(seed);
  const sig = ed25519.sign(enc.encode(`cosignature/v1\ntime ${time}\n${checkpointText}`), seed);
  const t = new Uint8Array(8);
  new DataView(t.buffer).setBigUint64(0, BigInt(time));
  return `— ${name} ${toBase64(new Uint8Array([...keyId(name, KEY_TYPE_COSIGNATURE, key), ...t, ...sig]))}`;
}

/** The cosignature verifier key of a witness with this Ed25519 seed. */
function cosignatureVkey(name, seed) {
  const key = ed25519.getPublicKey(seed);
  return `${name}+${hex(keyId(name, KEY_TYPE_COSIGNATURE, key))}+${toBase64(new Uint8Array([KEY_TYPE_COSIGNATURE, ...key]))}`;
}

const flipBit = (h, byte = 10) => { const b = unhex(h); b[byte] ^= 0x01; return hex(b); };

// ─── drand ──────────────────────────────────────────────────────────────────

test('the pinned quicknet chain info is the data file', () => {
  assert.equal(QUICKNET.public_key, quicknet.chain_info.public_key);
  assert.equal(QUICKNET.chain_hash, quicknet.chain_info.hash);
  assert.equal(QUICKNET.genesis_time, quicknet.chain_info.genesis_time);
  assert.equal(QUICKNET.period, quicknet.chain_info.period);
  assert.equal(quicknet.chain_info.schemeID, 'bls-unchained-g1-rfc9380');
});

test('both real quicknet rounds verify, and a flipped bit or another round fails', () => {
  assert.equal(quicknet.rounds.length, 2);
  for (const r of quicknet.rounds) {
    assert.equal(verifyQuicknetRound(r.round, r.signature), true, `round ${r.round}`);
    assert.equal(hex(sha256(unhex(r.signature))), r.randomness, 'randomness = SHA-256(signature)');
    assert.equal(verifyQuicknetRound(r.round, flipBit(r.signature)), false, `round ${r.round}, one bit flipped`);
    assert.equal(verifyQuicknetRound(r.round, flipBit(r.signature, 47)), false, `round ${r.round}, last byte flipped`);
    assert.equal(verifyQuicknetRound(r.round + 1, r.signature), false, `round ${r.round} signature for round ${r.round + 1}`);
  }
  assert.equal(verifyQuicknetRound(1000, 'zz'), false);
  assert.equal(verifyQuicknetRound(1000, ''), false);
});

test('checkBeacon: drand verified, tampered, other round; ceremony is not checkable', () => {
  const r = quicknet.rounds[1];
  const committed = { type: 'drand', chain: 'quicknet', chain_hash: QUICKNET.chain_hash, round: r.round, round_time: '2024-10-14T17:13:33Z' };
  const revealed = { type: 'drand', chain: 'quicknet', round: r.round, signature: r.signature };
  assert.deepEqual(checkBeacon(committed, revealed), { id: 'beacon', kind: 'drand', ok: true, round: r.round, problem: null });
  assert.equal(checkBeacon(committed, { ...revealed, signature: flipBit(r.signature) }).problem, 'signature');
  assert.equal(checkBeacon({ ...committed, round: 1000 }, revealed).problem, 'round');
  assert.equal(checkBeacon({ ...committed, chain_hash: '00'.repeat(32) }, revealed).problem, 'chain');
  const ceremony = checkBeacon({ type: 'ceremony' }, { type: 'ceremony', digits: '1'.repeat(20), witnesses: ['甲', '乙'] });
  assert.equal(ceremony.ok, null);
  assert.equal(ceremony.kind, 'ceremony');
  assert.deepEqual(ceremony.witnesses, ['甲', '乙']);
});

// ─── witness vector ─────────────────────────────────────────────────────────

const seedBytes = start => Uint8Array.from({ length: 32 }, (_, i) => start + i);

test('the cosignature vector (witness.example/w1, seed 1..32, fairdraw.example/vector size 5)', async t => {
  const text = `fairdraw.example/vector\n5\n${toBase64(unhex(rfc6962.root_for_size_hex[5]))}\n`;
  const line = cosignatureLine('witness.example/w1', seedBytes(1), text, 1764547200);
  const vkey = cosignatureVkey('witness.example/w1', seedBytes(1));
  t.diagnostic(`vkey: ${vkey}`);
  t.diagnostic(`line: ${line}`);
  assert.equal(text, 'fairdraw.example/vector\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n');
  assert.equal(vkey, 'witness.example/w1+468d99bb+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk');
  assert.equal(line, '— witness.example/w1 Ro2ZuwAAAABpLNqAxStZhoGBlJUQphxnZ1nRwdNLx8TZgtfZ0AHUoDT5kz6HSG3eSr8SobEW2L/RmpPenTNaqK3pSOgQ1WWh82G+BA==');
  // The same line from node's own (OpenSSL) Ed25519 and SHA-256: an implementation independent of noble.
  const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seedBytes(1)]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from('witness.example/w1\n'), Buffer.from([4]), pub])).digest().subarray(0, 4);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(1764547200n);
  const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime 1764547200\n${text}`), key);
  assert.equal(line, `— witness.example/w1 ${Buffer.concat([id, time, sig]).toString('base64')}`);
  // and it verifies as a cosignature of that checkpoint, but not of another
  assert.deepEqual(await verifyCosignature(vkey, text, line), { time: 1764547200 });
  await assert.rejects(verifyCosignature(vkey, text.replace('\n5\n', '\n6\n'), line), /cosignature of witness\.example\/w1 does not verify/);
});

// ─── a small log with witnesses ─────────────────────────────────────────────

const leafHash = leaf => sha256(new Uint8Array([0, ...enc.encode(leaf)]));
const nodeHash = (a, b) => sha256(new Uint8Array([1, ...a, ...b]));
function mth(hashes) {
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}
function inclusionPath(m, hashes) {
  if (hashes.length === 1) return [];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return m < k ? [...inclusionPath(m, hashes.slice(0, k)), mth(hashes.slice(k))]
    : [...inclusionPath(m - k, hashes.slice(k)), mth(hashes.slice(0, k))];
}

const ORIGIN = 'fairdraw.example/test';
const LOG_SEED = seedBytes(100);
const LOG_PUB = ed25519.getPublicKey(LOG_SEED);
const LOG_VKEY = `${ORIGIN}+${hex(keyId(ORIGIN, KEY_TYPE_ED25519, LOG_PUB))}+${toBase64(new Uint8Array([KEY_TYPE_ED25519, ...LOG_PUB]))}`;
const W = [1, 2, 3].map(i => ({ name: `witness.example/w${i}`, seed: seedBytes(i * 10), url: `https://w${i}.example` }));
const DEADLINE = '2026-12-01T00:00:00Z';
const T = Date.parse(DEADLINE) / 1000;

function logSign(text, seed = LOG_SEED) {
  const sig = ed25519.sign(enc.encode(text), seed);
  return `— ${ORIGIN} ${toBase64(new Uint8Array([...keyId(ORIGIN, KEY_TYPE_ED25519, LOG_PUB), ...sig]))}`;
}

/** A checkpoint note of the first `size` leaves, cosigned by [witness, time] pairs. */
function cosignedNote(hashes, size, cosigners) {
  const text = `${ORIGIN}\n${size}\n${toBase64(mth(hashes.slice(0, size)))}\n`;
  const lines = [logSign(text), ...cosigners.map(([w, time]) => cosignatureLine(w.name, w.seed, text, time))];
  return `${text}\n${lines.join('\n')}\n`;
}

function entry(index, kind, body) {
  return canonicalJson({ body, index, kind, simulated: false, time: '2026-11-30T00:00:00Z', v: 1 });
}

function makeLog({ quorum = 2, before = [[W[0], T - 100], [W[1], T - 50]], reveal = [[W[0], T + 10], [W[2], T + 20]] } = {}) {
  const witnesses = W.map(w => ({ name: w.name, url: w.url, vkey: cosignatureVkey(w.name, w.seed) }));
  const draw = { seed: 'ab'.repeat(32), targets: [] };
  const leaves = [
    entry(0, 'LogCreated', { origin: ORIGIN, vkey: LOG_VKEY }),
    entry(1, 'WitnessPolicy', { quorum, witnesses }),
    entry(2, 'DrawCommitment', { plan: {} }),
    entry(3, 'Note', { text: 'another entry' }),
  ];
  const hashes = leaves.map(leafHash);
  const commitmentId = hex(hashes[2]);
  leaves.push(entry(4, 'BeaconRecord', { commitment: commitmentId }));
  hashes.push(leafHash(leaves[4]));
  leaves.push(entry(5, 'DrawResult', { beacon: hex(hashes[4]), commitment: commitmentId, draw, outcome: 'drawn' }));
  hashes.push(leafHash(leaves[5]));
  const detail = {
    id: hex(hashes[5]),
    commitment: { beacon: { type: 'drand', chain: 'quicknet', chain_hash: QUICKNET.chain_hash, round: 1, round_time: DEADLINE } },
    beacon: { commitment: commitmentId, beacon: { type: 'drand' } },
    draw,
  };
  const material = {
    policy: { index: 1, quorum, witnesses, leaf: leaves[1], proof: inclusionPath(1, hashes.slice(0, 4)).map(hex) },
    commitment: { index: 2, id: commitmentId },
    deadline: DEADLINE,
    before: { size: 4, checkpoint: cosignedNote(hashes, 4, before), proof: inclusionPath(2, hashes.slice(0, 4)).map(hex) },
    reveal: { index: 5, size: 6, checkpoint: cosignedNote(hashes, 6, reveal), proof: inclusionPath(5, hashes).map(hex) },
  };
  const receipt = ['c2sp.org/tlog-proof@v1', `extra ${toBase64(enc.encode(leaves[5]))}`, 'index 5',
    ...inclusionPath(5, hashes).map(h => toBase64(h)), '', cosignedNote(hashes, 6, [])].join('\n');
  return { detail, material, receipt, hashes };
}

test('the log key and a checkpoint open; a wrong key or an edited checkpoint do not', async () => {
  const { material } = makeLog();
  const cp = await openCheckpoint(material.before.checkpoint, LOG_VKEY);
  assert.equal(cp.size, 4);
  assert.equal(cp.origin, ORIGIN);
  const otherPub = ed25519.getPublicKey(seedBytes(200));
  const otherVkey = `${ORIGIN}+${hex(keyId(ORIGIN, KEY_TYPE_ED25519, otherPub))}+${toBase64(new Uint8Array([1, ...otherPub]))}`;
  await assert.rejects(openCheckpoint(material.before.checkpoint, otherVkey), /no signature by the key fairdraw\.example\/test\+/);
  await assert.rejects(openCheckpoint(material.before.checkpoint.replace('\n4\n', '\n5\n'), LOG_VKEY), /invalid signature for key fairdraw\.example\/test\+/);
});

test('witnessed: two of three witnesses cosigned before the deadline', async () => {
  const { detail, material } = makeLog();
  const r = await checkWitnesses(detail, material, LOG_VKEY);
  assert.deepEqual(r.problems, []);
  assert.equal(r.state, 'witnessed');
  assert.equal(r.ok, true);
  assert.deepEqual(r.cosigners.map(c => c.name), [W[0].name, W[1].name]);
  assert.deepEqual(r.reveal, { ok: true, cosigners: [W[0].name, W[2].name] });
});

test('a cosignature at or after the deadline does not count', async () => {
  const { detail, material } = makeLog({ before: [[W[0], T - 100], [W[1], T]] });
  const r = await checkWitnesses(detail, material, LOG_VKEY);
  assert.equal(r.state, 'short');
  assert.equal(r.ok, false);
  assert.deepEqual(r.cosigners.map(c => c.name), [W[0].name]);
});

test('one witness cosigning twice counts once', async () => {
  const { detail, material } = makeLog({ before: [[W[0], T - 100], [W[0], T - 90]] });
  assert.equal((await checkWitnesses(detail, material, LOG_VKEY)).state, 'short');
});

test('a cosignature whose signature does not verify is a failure', async () => {
  const { detail, material } = makeLog({ quorum: 1 });
  const lines = material.before.checkpoint.split('\n');
  const last = lines.length - 2; // the last cosignature line
  const [dash, name, b64] = lines[last].split(' ');
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  bytes[40] ^= 1;
  lines[last] = [dash, name, toBase64(bytes)].join(' ');
  const r = await checkWitnesses(detail, { ...material, before: { ...material.before, checkpoint: lines.join('\n') } }, LOG_VKEY);
  assert.equal(r.state, 'invalid');
  assert.match(r.problems.join('\n'), /cosignature of witness\.example\/w2 does not verify/);
});

test('wrong proofs, another commitment, a moved deadline and the wrong log key are caught', async () => {
  const { detail, material } = makeLog();
  const bad = async (m, re, d = detail, vkey = LOG_VKEY) => {
    const r = await checkWitnesses(d, m, vkey);
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), re);
  };
  const proof = [...material.before.proof];
  proof[0] = flipBit(proof[0], 0);
  await bad({ ...material, before: { ...material.before, proof } }, /commitment is not in the cosigned tree/);
  await bad({ ...material, policy: { ...material.policy, leaf: material.policy.leaf.replace('"quorum":2', '"quorum":1') } },
    /witness policy is not in the cosigned tree/);
  await bad({ ...material, commitment: { ...material.commitment, id: 'ff'.repeat(32) } }, /not this draw's/);
  await bad({ ...material, deadline: '2027-01-01T00:00:00Z' }, /deadline/);
  await bad(material, /no signature by the key fairdraw\.example\/test\+/, detail,
    LOG_VKEY.replace(/\+[0-9a-f]{8}\+/, `+${hex(keyId(ORIGIN, KEY_TYPE_ED25519, ed25519.getPublicKey(seedBytes(7))))}+`).replace(/[^+]+$/,
      toBase64(new Uint8Array([1, ...ed25519.getPublicKey(seedBytes(7))]))));
  const later = { ...detail, commitment: { beacon: { ...detail.commitment.beacon, round_time: '2027-01-01T00:00:00Z' } } };
  await bad(material, /deadline/, later);
});

test('no policy is unwitnessed, no endpoint is unavailable — never witnessed', async () => {
  const { detail, material } = makeLog();
  const none = await checkWitnesses(detail, { ...material, policy: null, before: null, reveal: null }, LOG_VKEY);
  assert.equal(none.state, 'unwitnessed');
  assert.equal(none.ok, null);
  const gone = await checkWitnesses(detail, null, LOG_VKEY);
  assert.equal(gone.state, 'unavailable');
  assert.equal(gone.ok, null);
  const missing = await checkWitnesses(detail, { ...material, before: null }, LOG_VKEY);
  assert.equal(missing.ok, false);
});

test('the receipt proves the draw shown is the logged one', async () => {
  const { detail, receipt } = makeLog();
  assert.deepEqual(await checkInclusion(detail, receipt, LOG_VKEY, canonicalJson), { id: 'inclusion', ok: true, problem: null, index: 5, size: 6 });
  const other = { ...detail, draw: { ...detail.draw, targets: [{ uscc: 'x' }] } };
  assert.match((await checkInclusion(other, receipt, LOG_VKEY, canonicalJson)).problem, /not the logged one/);
  const lines = receipt.split('\n');
  lines[3] = toBase64(unhex(flipBit(hex(Uint8Array.from(atob(lines[3]), c => c.charCodeAt(0))), 0)));
  assert.match((await checkInclusion(detail, lines.join('\n'), LOG_VKEY, canonicalJson)).problem, /does not verify/);
  // the page's document equal to the logged one, its keys in another order: equal
  const reversed = v => (Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);
  assert.equal((await checkInclusion({ ...detail, draw: reversed(detail.draw) }, receipt, LOG_VKEY, canonicalJson)).ok, true);
  // a value canonical JSON refuses is refused as before, not taken as equal
  const fraction = { ...detail, draw: { ...detail.draw, ratio: 0.5 } };
  await assert.rejects(checkInclusion(fraction, receipt, LOG_VKEY, canonicalJson), /non-integer number 0\.5/);
});

test('sameCanonicalJson says equal only when canonicalJson writes the same text', () => {
  // web/verify/canonical-json.js: the inclusion check compares a 12 MB document
  // this way instead of writing it twice; random documents and their edits
  let seed = 7;
  const rand = n => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  const plainScalars = [null, true, false, 0, -0, 1, -1, 2 ** 53, '', 'a', '1', 'null', 'true', '"', '\\', '\u0001', '检查', '\ud800'];
  const otherScalars = [1.5, NaN, 5n, undefined, Infinity];
  const value = (depth, scalars) => {
    const r = rand(depth > 3 ? 1 : 4);
    if (r === 0) return scalars[rand(scalars.length)];
    if (r === 1) return Array.from({ length: rand(4) }, () => value(depth + 1, scalars));
    const o = {};
    for (let k = rand(4); k > 0; k--) { // (as JSON.parse makes them: "__proto__" an own key)
      Object.defineProperty(o, ['a', 'b', '__proto__', 'é', '1'][rand(5)], { value: value(depth + 1, scalars), enumerable: true, writable: true, configurable: true });
    }
    return o;
  };
  const shuffled = v => (Array.isArray(v) ? v.map(shuffled) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).sort(() => rand(3) - 1).map(([k, x]) => [k, shuffled(x)])) : v);
  const edited = (v, scalars) => {
    if (Array.isArray(v)) return rand(3) === 0 || !v.length ? [...v, value(3, scalars)] : v.map((x, i) => (i === rand(v.length) ? edited(x, scalars) : x));
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (!keys.length || rand(3) === 0) return { ...v, c: value(3, scalars) };
      const k = keys[rand(keys.length)];
      return { ...v, [k]: edited(v[k], scalars) };
    }
    return scalars[rand(scalars.length)];
  };
  const text = (v) => { try { return canonicalJson(v); } catch { return null; } };
  let equal = 0, unequal = 0;
  for (let i = 0; i < 3000; i++) {
    // plain JSON values (what JSON.parse makes): equal exactly when the texts are
    const p = value(0, plainScalars);
    for (const q of [shuffled(p), JSON.parse(canonicalJson(p)), edited(p, plainScalars), p]) {
      const says = sameCanonicalJson(p, q);
      assert.equal(says, canonicalJson(p) === canonicalJson(q), `${canonicalJson(p)} / ${canonicalJson(q)}`);
      if (says) equal++; else unequal++;
    }
    // any value: said equal only when both are written, and the same
    const mixed = [...plainScalars, ...otherScalars];
    const a = value(0, mixed);
    for (const b of [shuffled(a), edited(a, mixed), a]) {
      if (sameCanonicalJson(a, b)) assert.ok(text(a) !== null && text(a) === text(b), `said equal: ${text(a)} / ${text(b)}`);
    }
  }
  assert.ok(equal > 3000 && unequal > 1000, `${equal} equal, ${unequal} not`);
  // the cases left to canonicalJson: fractions, bigints, undefined, NaN; and -0 is 0
  for (const [a, b] of [[1.5, 1.5], [5n, 5n], [5, 5n], [undefined, undefined], [NaN, NaN], [[1.5], [1.5]], [{ a: undefined }, { a: undefined }]]) {
    assert.equal(sameCanonicalJson(a, b), false, String(a));
  }
  assert.equal(sameCanonicalJson({ a: [-0] }, { a: [0] }), true);
  assert.equal(sameCanonicalJson({ a: 1 }, { a: 1, b: undefined }), false);
  assert.equal(sameCanonicalJson([1, 2], { 0: 1, 1: 2 }), false);
  assert.equal(sameCanonicalJson(JSON.parse('{"__proto__": 1}'), {}), false);
  assert.equal(sameCanonicalJson(JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 1}')), true);
});

// ─── a browser whose WebCrypto has no Ed25519 (Chrome < 137) ────────────────

/** Runs `f` with a WebCrypto that refuses Ed25519 keys, as such a browser does. */
async function withoutWebCryptoEd25519(f) {
  const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const webCrypto = globalThis.crypto;
  const { subtle } = webCrypto;
  const noEd25519 = {
    digest: (...args) => subtle.digest(...args),
    importKey: (format, key, algorithm, ...rest) => (algorithm && algorithm.name === 'Ed25519'
      ? Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError'))
      : subtle.importKey(format, key, algorithm, ...rest)),
  };
  const crypto = { subtle: noEd25519, getRandomValues: array => webCrypto.getRandomValues(array) }; // noble signs with it
  Object.defineProperty(globalThis, 'crypto', { value: crypto, configurable: true, enumerable: true });
  try {
    return await f();
  } finally {
    Object.defineProperty(globalThis, 'crypto', real);
  }
}

test('without Ed25519 in WebCrypto the page checks signatures with noble (web/note.js)', async () => {
  const installed = setEd25519Verifier(null);
  setEd25519Verifier(installed);
  assert.equal(installed, nobleEd25519Verify, 'importing the page checks installs noble as the fallback');
  let calls = 0;
  setEd25519Verifier((...args) => { calls += 1; return installed(...args); });
  try {
    await withoutWebCryptoEd25519(async () => {
      const { detail, material, receipt } = makeLog();
      const r = await checkWitnesses(detail, material, LOG_VKEY);
      assert.deepEqual(r.problems, []);
      assert.equal(r.state, 'witnessed');
      assert.equal((await checkInclusion(detail, receipt, LOG_VKEY, canonicalJson)).ok, true);
      const edited = material.before.checkpoint.replace('\n4\n', '\n5\n');
      await assert.rejects(openCheckpoint(edited, LOG_VKEY), /invalid signature/);
      const text = `${ORIGIN}\n4\n${material.before.checkpoint.split('\n')[2]}\n`;
      const line = cosignatureLine(W[0].name, W[0].seed, text, T - 100);
      const vkey = cosignatureVkey(W[0].name, W[0].seed);
      assert.deepEqual(await verifyCosignature(vkey, text, line), { time: T - 100 });
      await assert.rejects(verifyCosignature(vkey, text.replace('\n4\n', '\n5\n'), line), /does not verify/);
    });
  } finally {
    setEd25519Verifier(installed);
  }
  // 1 log signature + 2 cosignatures (before), 1 + 2 (reveal), 1 (receipt), 1 edited, 2 cosignatures
  assert.equal(calls, 10);
});
