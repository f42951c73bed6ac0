// protected.test.mjs — the draw page's verification of a draw of a protected
// log (audit/LOG-FORMAT.md "What a public verifier checks"), in node: the
// full snapshots are private, so web/logged.js checks the blinded snapshots
// and the public checks 1–6 with the openings that web/verdict.js takes from
// the receipt. The log is built in node (tests/verify-js/protected-log.mjs);
// the API answers are made from it as the server's DrawDetail.
//
//   node --test tests/browser/protected.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { verifyLoggedDraw } from '../../web/logged.js';
import { verifyDrawVerdict } from '../../web/verdict.js';
import { buildLog } from '../verify-js/protected-log.mjs';

/** The GET /api/draws/{id} answer of the log's DrawResult (entry 6), and a fetchBytes of its files. */
function api(log) {
  const entry = i => JSON.parse(log.lines[i]);
  const result = entry(6).body;
  const commitment = entry(4).body;
  const detail = {
    id: log.ids.result, summary: { commitment: log.ids.commitment }, commitment, beacon: entry(5).body,
    draw: result.draw || null, failure: result.failure || null, teams: [], items: [],
    snapshots: Object.fromEntries(Object.entries(commitment.blinded).map(([r, s]) => [r, { ...s, url: `/api/snapshots/${s.root}` }])),
    checkpoint: '', receipt_url: `/api/draws/${log.ids.result}/receipt`,
  };
  const fetchBytes = async (url) => {
    const m = /^\/api\/snapshots\/([0-9a-f]{64})$/.exec(url);
    const bytes = m && log.files.get(`snapshots/${m[1]}.jsonl.gz`);
    if (!bytes) throw Object.assign(new Error(`HTTP 404 ${url}`), { status: 404 });
    return new Uint8Array(bytes);
  };
  return { detail, fetchBytes, openings: result.openings, receipt: log.receipt(6) };
}

test('a protected draw passes the public checks with the openings', async () => {
  const { detail, fetchBytes, openings } = api(await buildLog({}));
  const r = await verifyLoggedDraw(detail, fetchBytes, { openings });
  assert.equal(r.status, 'verified', JSON.stringify(r.problems));
  assert.equal(r.protected, true);
  assert.deepEqual(r.checks.map(c => [c.id, c.ok]), [['blinded', true], ['blinded', true], ['blinded', true], ['plan-digest', true], ['randomness', true], ['seed', true], ['public', true]]);
});

test('another salt in an opening, an edited blinded snapshot, no openings: mismatch', async () => {
  const base = api(await buildLog({}));
  const salted = structuredClone(base.openings); salted[0].salt = '66'.repeat(32);
  let r = await verifyLoggedDraw(base.detail, base.fetchBytes, { openings: salted });
  assert.equal(r.status, 'mismatch');
  assert.match(r.problems.join('\n'), /opening 0 .* is not in the blinded enterprise snapshot/);
  r = await verifyLoggedDraw(base.detail, base.fetchBytes, {});
  assert.equal(r.status, 'mismatch');
  assert.match(r.problems.join('\n'), /no openings for \d+ assignments/);
  const edited = api(await buildLog({ files: (f, x) => f.set(`snapshots/${x.blinded.inspectors.root}.jsonl.gz`, zlib.gzipSync(x.blinded.inspectors.lines.slice(1).join('\n') + '\n')) }));
  r = await verifyLoggedDraw(edited.detail, edited.fetchBytes, { openings: edited.openings });
  assert.equal(r.status, 'mismatch');
  assert.deepEqual(r.checks.filter(c => !c.ok).map(c => [c.id, c.registry]), [['blinded', 'inspectors'], ['public', undefined]]);
});

test('the verdict takes the openings from the receipt and calls the check the public one', async () => {
  const log = await buildLog({});
  const { detail, fetchBytes, receipt, openings } = api(log);
  const io = (receiptText) => ({
    getBytes: fetchBytes,
    getText: async url => (url === '/api/log.pub' ? log.log.vkey + '\n' : receiptText),
    getJson: async () => { throw Object.assign(new Error('no witness endpoint'), { status: 404 }); },
  });
  const v = await verifyDrawVerdict(detail, io(receipt));
  const recompute = v.checks.find(c => c.id === 'recompute');
  assert.deepEqual([recompute.state, recompute.protected], ['ok', true]);
  assert.equal(v.checks.find(c => c.id === 'inclusion').state, 'ok');
  assert.notEqual(v.status, 'mismatch');
  assert.ok(openings.length > 0);
  // a receipt whose entry lost its openings: the public check fails (and so does the inclusion)
  const lines = receipt.split('\n');
  const entry = JSON.parse(Buffer.from(lines[1].slice(6), 'base64').toString('utf8'));
  delete entry.body.openings;
  lines[1] = `extra ${Buffer.from(JSON.stringify(entry)).toString('base64')}`;
  const bad = await verifyDrawVerdict(detail, io(lines.join('\n')));
  assert.equal(bad.status, 'mismatch');
  assert.deepEqual(bad.checks.filter(c => c.state === 'bad').map(c => c.id), ['recompute', 'inclusion']);
});

test('a sealed draw is "not checked" until its publication, and its receipt still proves it', async () => {
  const log = await buildLog({ embargo: true });
  const { detail, fetchBytes, receipt } = api(log);
  assert.equal(detail.draw, null);
  const v = await verifyDrawVerdict(detail, {
    getBytes: fetchBytes,
    getText: async url => (url === '/api/log.pub' ? log.log.vkey + '\n' : receipt),
    getJson: async () => { throw Object.assign(new Error('no witness endpoint'), { status: 404 }); },
  });
  const recompute = v.checks.find(c => c.id === 'recompute');
  assert.deepEqual([recompute.state, recompute.sealed.until], ['na', '2026-12-10']);
  assert.equal(v.checks.find(c => c.id === 'inclusion').state, 'ok');
  assert.equal(v.status, 'partial');
});
