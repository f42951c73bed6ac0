// logged.test.mjs — web/logged.js in node against a real audit log.
//
//   node --test tests/browser/logged.test.mjs
//
// Builds a log with `fairdraw demo` plus three more draws (tests/browser/make-log.mjs:
// drand + ceremony beacons, joint departments with experts, a scope.where on
// an extra column, log exclusions, an infeasible draw), serves it with
// `fairdraw serve` (the stand-in only with FAIRDRAW_TEST_SERVER=fake, see
// server.mjs), and checks that every draw verifies from the API alone and
// that tampering is caught.
//
// FAIRDRAW_TEST_LOG=DIR reuses an existing log instead of building one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import v8 from 'node:v8';
import vm from 'node:vm';
import { makeLog } from './make-log.mjs';
import { startServer } from './server.mjs';
import { verifyLoggedDraw, leavesOf, planToToml, csvLine, sameLinesForTests, linesTrustedForTests } from '../../web/logged.js';
import { computeDraw, canonicalJson } from '../../web/verify.js';
import { verifyInclusion } from '../../web/proof.js';
import { recomputeLoggedDraw } from '../../web/recompute.js';
import { verifyDrawVerdict } from '../../web/verdict.js';
import { forEachLine } from '../../web/verify/gzip.js';
import { copiedRecord } from '../../web/verify/rebuild.js';
import { leavesAreRecords } from '../../web/verify/enterprise-leaves.js';
import { readEnterprises } from '../../web/verify/registry.js';
import { MerkleStream, merkleRoot } from '../../web/verify/merkle.js';
import { sha256Prefix, sha256Sync, sha256SyncAfter } from '../../web/verify/sha256.js';
import crypto from 'node:crypto';

let tmp;
let srv;
let draws; // DrawSummary list

async function getJson(p) {
  const r = await fetch(new URL(p, srv.url));
  assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
  return r.json();
}

async function fetchBytes(url) {
  const r = await fetch(new URL(url, srv.url));
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** fetchBytes that rewrites the snapshot at `root` with `edit(lines) -> lines`. */
function tampering(root, edit) {
  return async url => {
    const bytes = await fetchBytes(url);
    if (!url.includes(root)) return bytes;
    const lines = zlib.gunzipSync(bytes).toString('utf8').split('\n');
    return new Uint8Array(zlib.gzipSync(Buffer.from(edit(lines).join('\n'), 'utf8')));
  };
}

const clone = v => JSON.parse(JSON.stringify(v));
const demoDraw = () => draws.find(d => d.beacon && d.beacon.type === 'drand');

before(async () => {
  let log = process.env.FAIRDRAW_TEST_LOG;
  if (!log) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-web-'));
    log = makeLog(tmp);
  }
  srv = await startServer(log);
  draws = (await getJson('/api/draws?per_page=100')).draws;
});

after(async () => {
  if (srv) await srv.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the API lists the demo draw and the others', t => {
  t.diagnostic(`server: ${srv.kind} at ${srv.url}`);
  assert.ok(demoDraw(), 'a drand-beaconed (demo) draw is listed');
  if (!process.env.FAIRDRAW_TEST_LOG) {
    assert.equal(draws.length, 4);
    assert.equal(draws.filter(d => d.outcome === 'infeasible').length, 1);
  }
});

test('every logged draw verifies from the API alone', async () => {
  for (const s of draws) {
    const detail = await getJson(`/api/draws/${s.id}`);
    const stages = [];
    const trusted = linesTrustedForTests();
    const r = await verifyLoggedDraw(detail, fetchBytes, { onProgress: st => stages.push(st) });
    assert.equal(r.status, 'verified', `${s.plan_name}: ${r.summary}\n${JSON.stringify(r.differences.slice(0, 5))}`);
    // a drawn draw's enterprise snapshot, lines and leaves alike, is not hashed twice (extra columns too)
    assert.equal(linesTrustedForTests() - trusted, s.outcome === 'infeasible' ? 0 : 1, `${s.plan_name}: hashed once`);
    assert.deepEqual(r.differences, []);
    assert.equal(r.infeasible, s.outcome === 'infeasible');
    assert.ok(r.checks.every(c => c.ok), JSON.stringify(r.checks));
    const ids = new Set(r.checks.map(c => c.id));
    for (const id of ['snapshot', 'plan-digest', 'randomness', 'seed', s.outcome === 'infeasible' ? 'infeasible' : 'recompute']) {
      assert.ok(ids.has(id), `check ${id} ran for ${s.plan_name}`);
    }
    assert.ok(stages.includes('recompute'));
  }
});

test('a tampered enterprise leaf (re-gzipped) is a mismatch naming the root', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const root = detail.snapshots.enterprises.root;
  const fetchTampered = tampering(root, lines => {
    const leaf = JSON.parse(lines[7]);
    leaf[2] = leaf[2] === 'A' ? 'B' : 'A'; // move one firm to another credit class
    lines[7] = canonicalJson(leaf);
    return lines;
  });
  const r = await verifyLoggedDraw(detail, fetchTampered);
  assert.equal(r.status, 'mismatch');
  assert.deepEqual(r.differences.map(d => d.path), ['snapshots.enterprises.root']);
  assert.equal(r.differences[0].actual, root);
  assert.notEqual(r.differences[0].expected, root);
  assert.match(r.summary, /snapshots\.enterprises\.root/);
  assert.ok(r.checks.some(c => c.id === 'snapshot' && c.registry === 'enterprises' && !c.ok && c.root === root));
});

test('an enterprise snapshot whose lines are the leaves the recomputation hashed is not hashed again, and every verdict is the one hashing gives', async () => {
  // web/logged.js: a drawn draw's enterprise snapshot is hashed only when the
  // recomputation's leaves are not its lines byte for byte (computeDraw's
  // sameLeaves); the re-run counts only once the snapshot is known to be the
  // committed one, so every verdict and error must be the one hashing first gives
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const root = detail.snapshots.enterprises.root;
  const leafEdit = (i, edit) => tampering(root, lines => lines.map((l, k) => (k === i ? edit(l) : l)));
  const otherClass = l => { const x = JSON.parse(l); x[2] = x[2] === 'A' ? 'B' : 'A'; return canonicalJson(x); };
  const cases = [
    ['untouched', fetchBytes, detail],
    // one firm moved to another credit class
    ['a changed leaf', leafEdit(7, otherClass), detail],
    // a USCC whose check character is wrong: the re-run itself fails
    ['an invalid registry', leafEdit(3, l => { const x = JSON.parse(l); x[0] = x[0].slice(0, 17) + (x[0][17] === '0' ? '1' : '0'); return canonicalJson(x); }), detail],
    // the same rows spelled otherwise (an escape, spaces): not the committed bytes
    ['the same rows respelled', leafEdit(2, l => l.replace(/^\["(.)/, (m, c) => `[ "\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/","/g, '", "')), detail],
    // a column of made-up text the draw does not read
    ['an extra column', tampering(root, lines => lines.map(l => (l ? l.replace(/\]$/, ',"伪造"]') : l))),
      { ...detail, snapshots: { ...detail.snapshots, enterprises: { ...detail.snapshots.enterprises, columns: [...detail.snapshots.enterprises.columns, '备注'] } } }],
    // the same length, read back the same by a lenient reader: a lower-case class, a lower-case USCC
    ['a lower-case class', leafEdit(5, l => { const x = JSON.parse(l); x[2] = x[2].toLowerCase(); return canonicalJson(x); }), detail],
    ['a lower-case USCC', tampering(root, (lines) => {
      const k = lines.findIndex(l => /^\["[0-9]*[A-Z]/.test(l)); // the first USCC with a letter
      const x = JSON.parse(lines[k]);
      x[0] = x[0].toLowerCase();
      lines[k] = canonicalJson(x);
      return lines;
    }), detail],
    // a changed leaf and a beacon that cannot be read: the snapshot is judged first
    ['a changed leaf and a bad beacon', leafEdit(7, otherClass),
      { ...detail, beacon: { ...detail.beacon, beacon: { ...detail.beacon.beacon, signature: 'not hex' } } }],
  ];
  const verdict = r => JSON.stringify({ status: r.status, differences: r.differences, checks: r.checks, summary: r.summary });
  for (const [name, fetcher, d] of cases) {
    sameLinesForTests(false);
    const hashed = await verifyLoggedDraw(d, fetcher).then(verdict, e => `throws ${e.message}`);
    sameLinesForTests(true);
    const before = linesTrustedForTests();
    const got = await verifyLoggedDraw(d, fetcher).then(verdict, e => `throws ${e.message}`);
    assert.equal(linesTrustedForTests() - before, name === 'untouched' ? 1 : 0, `${name}: hashed again or not`);
    assert.equal(got, hashed, name);
    if (name === 'untouched') assert.match(hashed, /"status":"verified"/);
    else assert.match(hashed, /"status":"mismatch".*"path":"snapshots\.enterprises\.root"/, name);
  }
});

test('the verdict recomputes a full log\'s draw while its receipt downloads, and judges as if one came after the other', async () => {
  // web/verdict.js: the recomputation starts before the receipt is read
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const receipt = await (await fetch(new URL(detail.receipt_url, srv.url))).text();
  const asked = [];
  const io = (receiptText, bytes = fetchBytes) => ({
    getBytes: bytes,
    getText: async (url) => {
      asked.push(url);
      if (url === detail.receipt_url) return typeof receiptText === 'function' ? receiptText() : receiptText;
      return (await fetch(new URL(url, srv.url))).text();
    },
    getJson: async () => { throw Object.assign(new Error('no witness endpoint'), { status: 404 }); },
  });
  const ok = await verifyDrawVerdict(detail, io(receipt));
  assert.equal(ok.checks.find(c => c.id === 'recompute').state, 'ok');
  assert.equal(ok.checks.find(c => c.id === 'inclusion').state, 'ok');
  assert.equal(asked.filter(u => u === detail.receipt_url).length, 1, 'the receipt is fetched once');
  // no receipt: its error, whatever the recomputation does meanwhile
  await assert.rejects(verifyDrawVerdict(detail, io(() => Promise.reject(new Error('HTTP 503 receipt')))), /HTTP 503 receipt/);
  // a receipt whose entry says "sealed" decides, even though the detail has a document
  const lines = receipt.split('\n');
  const entry = JSON.parse(Buffer.from(lines[1].slice(6), 'base64').toString('utf8'));
  entry.body.sealed = { until: '2099-01-01' };
  lines[1] = `extra ${Buffer.from(JSON.stringify(entry)).toString('base64')}`;
  const sealed = await verifyDrawVerdict(detail, io(lines.join('\n')));
  assert.deepEqual([sealed.checks[0].state, sealed.checks[0].sealed.until], ['na', '2099-01-01']);
  // a tampered snapshot with a good receipt: the recomputation's mismatch
  const bad = await verifyDrawVerdict(detail, io(receipt, tampering(detail.snapshots.conflicts.root, l => l.slice(1))));
  assert.equal(bad.status, 'mismatch');
  assert.equal(bad.checks.find(c => c.id === 'recompute').state, 'bad');
});

test('a dropped inspector or recusal leaf is a mismatch', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  for (const reg of ['inspectors', 'conflicts']) {
    const r = await verifyLoggedDraw(detail, tampering(detail.snapshots[reg].root, lines => lines.slice(1)));
    assert.equal(r.status, 'mismatch', reg);
    assert.deepEqual(r.differences.map(d => d.path).sort(), [`snapshots.${reg}.count`, `snapshots.${reg}.root`]);
  }
});

test('a published draw that differs from the recomputation is a mismatch with its paths', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const edited = clone(detail);
  const sel = edited.draw.strata[1].selected;
  [sel[0], sel[1]] = [sel[1], sel[0]];
  edited.draw.assignments[3].leader = edited.draw.assignments[4].leader;
  const r = await verifyLoggedDraw(edited, fetchBytes);
  assert.equal(r.status, 'mismatch');
  const paths = r.differences.map(d => d.path);
  assert.ok(paths.includes('strata[1].selected[0]'), paths.join(', '));
  assert.ok(paths.includes('strata[1].selected[1]'), paths.join(', '));
  assert.ok(paths.includes('assignments[3].leader'), paths.join(', '));
});

test('a commitment, beacon or seed that does not add up is a mismatch', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const cases = [
    [d => { d.commitment.plan.ratios.A = '0.01'; }, 'commitment.plan_digest'],
    [d => { d.beacon.randomness = '00'.repeat(32); }, 'beacon.randomness'],
    [d => { d.beacon.seed = 'f' + d.beacon.seed.slice(1); }, 'beacon.seed'],
    [d => { d.commitment.snapshots.conflicts.root = '00'.repeat(32); }, 'commitment.snapshots.conflicts.root'],
  ];
  for (const [edit, path] of cases) {
    const d = clone(detail);
    edit(d);
    const r = await verifyLoggedDraw(d, fetchBytes);
    assert.equal(r.status, 'mismatch', path);
    assert.ok(r.differences.some(x => x.path === path), `${path} in ${r.differences.map(x => x.path).join(', ')}`);
  }
});

test('a ceremony beacon with changed witnesses is a mismatch', async () => {
  const s = draws.find(d => d.beacon && d.beacon.type === 'ceremony' && d.outcome === 'drawn');
  const d = await getJson(`/api/draws/${s.id}`);
  d.beacon.beacon.witnesses = [...d.beacon.beacon.witnesses].reverse();
  const r = await verifyLoggedDraw(d, fetchBytes);
  assert.equal(r.status, 'mismatch');
  assert.ok(r.differences.some(x => x.path === 'beacon.randomness'));
});

test('an "infeasible" outcome that is in fact feasible is a mismatch', async () => {
  const s = draws.find(d => d.outcome === 'infeasible');
  assert.ok(s, `the log has an infeasible draw (make-log.mjs logs one): ${draws.map(d => d.outcome).join(', ')}`);
  const d = await getJson(`/api/draws/${s.id}`);
  d.commitment.plan.team.max_targets_per_inspector = null; // now feasible...
  const r = await verifyLoggedDraw(d, fetchBytes);
  assert.equal(r.status, 'mismatch');
  const paths = r.differences.map(x => x.path);
  assert.ok(paths.includes('outcome'), paths.join(', ')); // ...but the log says infeasible
  assert.ok(paths.includes('commitment.plan_digest'), paths.join(', '));
});

test('unreadable material is an error, not a verdict', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const root = detail.snapshots.inspectors.root;
  await assert.rejects(verifyLoggedDraw(detail, async url => {
    const b = await fetchBytes(url);
    return url.includes(root) ? b.subarray(0, b.length >> 1) : b; // truncated gzip
  }));
  await assert.rejects(verifyLoggedDraw(detail, async () => { throw new Error('HTTP 404'); }), /HTTP 404/);
  await assert.rejects(verifyLoggedDraw({ ...detail, commitment: undefined }, fetchBytes), /commitment/);
});

test('a download already inflated in transit (Content-Encoding) still verifies', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const r = await verifyLoggedDraw(detail, async url => new Uint8Array(zlib.gunzipSync(await fetchBytes(url))));
  assert.equal(r.status, 'verified');
});

test('the enterprise lookup\'s inclusion proofs check out in proof.js, and altered ones do not', async () => {
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const picked = detail.draw.strata.find(s => s.selected.length).selected[0];
  const report = await getJson(`/api/enterprises/${picked}`);
  const mine = report.draws.find(d => d.draw === detail.id);
  assert.equal(mine.selected, true);
  assert.ok(mine.ticket <= mine.cutoff);
  const p = mine.inclusion;
  assert.equal(p.root, detail.snapshots.enterprises.root);
  assert.equal(await verifyInclusion(p), true);
  assert.equal(await verifyInclusion({ ...p, leaf: p.leaf.replace(picked, picked.slice(0, -1) + '0') }), false);
  assert.equal(await verifyInclusion({ ...p, index: p.index ^ 1 }), false);
  assert.equal(await verifyInclusion({ ...p, proof: p.proof.slice(1) }), false);
  assert.equal(await verifyInclusion({ ...p, root: '00'.repeat(32) }), false);
  for (const d of report.draws) if (d.inclusion) assert.equal(await verifyInclusion(d.inclusion), true, d.plan_name);
});

test('leaves: one per line, a final LF ends the last line', () => {
  const enc = s => new TextEncoder().encode(s);
  const dec = ls => ls.map(l => new TextDecoder().decode(l));
  assert.deepEqual(dec(leavesOf(enc('["a"]\n["b"]\n'))), ['["a"]', '["b"]']);
  assert.deepEqual(dec(leavesOf(enc('["a"]\n["b"]'))), ['["a"]', '["b"]']);
  assert.deepEqual(leavesOf(enc('')), []);
});

test('a snapshot read as a stream has the lines of the whole file, across chunk boundaries', async () => {
  // long and short lines, so that DecompressionStream's chunks end inside lines
  const lines = Array.from({ length: 3000 }, (_, i) => `["${i}","${'名'.repeat(i % 97)}${'x'.repeat((i * 7919) % 300)}"]`);
  for (const text of [lines.join('\n') + '\n', lines.join('\n'), '', '\n', '["a"]']) {
    const plain = new TextEncoder().encode(text);
    const expect = leavesOf(plain).map(l => Buffer.from(l).toString('hex'));
    for (const bytes of [new Uint8Array(zlib.gzipSync(plain)), plain]) { // gzip, or already inflated in transit
      const got = [];
      const count = await forEachLine(bytes, l => got.push(Buffer.from(l).toString('hex')));
      assert.equal(count, expect.length);
      assert.deepEqual(got, expect);
    }
  }
});

test('the streamed Merkle root is the RFC 6962 root for every tree shape', async () => {
  for (let n = 0; n <= 70; n++) {
    const leaves = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
    const tree = new MerkleStream();
    leaves.forEach(l => tree.add(l));
    assert.equal(tree.count, n);
    assert.equal(await tree.root(), await merkleRoot(leaves), `${n} leaves`);
  }
});

test('SHA-256 resumed after a prefix block is SHA-256 of the whole message', () => {
  const prefix = crypto.randomBytes(64);
  const state = sha256Prefix(new Uint8Array(prefix));
  for (const n of [0, 1, 18, 55, 56, 63, 64, 65, 119, 120, 200]) {
    const rest = crypto.randomBytes(n);
    const want = crypto.createHash('sha256').update(prefix).update(rest).digest('hex');
    assert.equal(Buffer.from(sha256SyncAfter(state, new Uint8Array(rest))).toString('hex'), want, `64 + ${n} bytes`);
    assert.equal(Buffer.from(sha256Sync(new Uint8Array(Buffer.concat([prefix, rest])))).toString('hex'), want);
  }
});

test('without Web Workers (node) the recomputation runs in place and says so', async () => {
  assert.equal(typeof globalThis.Worker, 'undefined', 'this test needs a platform without Web Workers');
  const detail = await getJson(`/api/draws/${demoDraw().id}`);
  const r = await recomputeLoggedDraw(detail, fetchBytes);
  assert.equal(r.status, 'verified', r.summary);
  assert.equal(r.ranIn, 'page');
  assert.equal(r.pageReason, 'no Web Workers');
  // the page shows differences, never the recomputed document: it is not handed back
  assert.equal('computed' in r, false);
  assert.ok(Array.isArray(r.differences) && Array.isArray(r.checks));
});

test('CSV cells with commas, quotes and Chinese text survive the rebuild', () => {
  assert.equal(csvLine(['a,b', 'say "hi"', '食品、药品']), '"a,b","say ""hi""","食品、药品"');
});

// n registry rows in USCC order, with names that need quoting and escaping
function sortedRows(n) {
  const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const uscc = (k) => {
    const body = `91330106MA${String(k).padStart(7, '0')}`;
    const sum = [...body].reduce((s, c, i) => s + ALPHABET.indexOf(c) * WEIGHTS[i], 0);
    return body + ALPHABET[(31 - (sum % 31)) % 31];
  };
  const NAMES = k => [`杭州${k}号贸易有限公司`, `A, "B" & C ${k}`, `back\\slash ${k}`, `餐饮😀${k}`, `x${k}`][k % 5];
  return Array.from({ length: n }, (_, k) => [uscc(3 * k), NAMES(k), 'ABCD'[k % 4], k % 3 ? '330106' : '330108', `F52${k % 10}`, ['存续', '歇业', '吊销', '注销'][k % 4]]);
}
const registryCsv = rows => new TextEncoder().encode(['uscc,name,credit_class,region,industry,status', ...rows.map(r => r.map(c => `"${c.replace(/"/g, '""')}"`).join(','))].join('\n') + '\n');

test('computeDraw lets go of the enterprise file once it is read, before the draw (sameLeaves.release)', async () => {
  // web/verify/document.js: the page's 87 MB rebuilt CSV (10^6 firms) is not
  // held through the draw. Here a full collection during the draw must find
  // the file unreachable once release() has dropped the caller's references.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const rows = sortedRows(40).map(([u, , ...rest], k) => [u, `杭州${k}号贸易有限公司`, ...rest]); // (lines copied as records need no escape)
  let csv = new TextEncoder().encode('uscc,name,credit_class,region,industry,status\n' + rows.map(r => JSON.stringify(r).slice(1, -1) + '\n').join(''));
  const file = new WeakRef(csv);
  let released = 0, collected = null;
  const inputs = {
    enterprises: csv, inspectors: fs.readFileSync(new URL('../vectors/basic/inspectors.csv', import.meta.url)),
    plan: 'name = "放手"\n[ratios]\nA = "50%"\nB = "50%"\nC = "50%"\nD = "50%"\n', seed: 'let go',
    sameLeaves: {
      csv,
      release() {
        released++;
        assert.equal(inputs.sameLeaves.equal, true, 'asked before the release');
        inputs.sameLeaves.csv = null;
        inputs.enterprises = null;
        setImmediate(() => { gc(); collected = file.deref() === undefined; }); // (while the draw goes on)
      },
    },
  };
  csv = null;
  const doc = await computeDraw({ ...inputs }); // (a copy, as web/verify/rebuild.js rerun passes them)
  assert.equal(released, 1);
  assert.equal(collected, true, collected === null ? 'the draw never yielded after the release' : 'the file was still held during the draw');
  assert.equal(doc.snapshots.enterprises.count, 40);
});

test('a large registry\'s names are read into shared memory sized from the rate so far, and read back the same', () => {
  // web/verify/registry.js roomForNames: past 1 MB the names' column is given
  // the room the whole file needs at the rate so far, once; a file whose
  // names grow longer after that grows by doubling, as before
  for (const [label, nameOf] of [
    ['even names', k => `杭州${k}号贸易有限公司`],
    ['names ten times longer in the second half', k => (k < 20000 ? `杭州${k}号` : `杭州${k}号贸易有限公司`.repeat(10))],
  ]) {
    const rows = sortedRows(40000).map(([u, , ...rest], k) => [u, nameOf(k), ...rest]);
    const errors = [];
    const reg = readEnterprises(registryCsv(rows), 'e', errors);
    assert.deepEqual(errors, [], label);
    assert.equal(reg.count, rows.length, label);
    for (let k = 0; k < rows.length; k += 1) if (reg.name(k) !== rows[k][1]) assert.fail(`${label}: name ${k} read back as ${reg.name(k)}`);
    const bytes = rows.reduce((n, r) => n + Buffer.byteLength(r[1]), 0);
    assert.ok(bytes > 1 << 20, `${label}: ${bytes} bytes of names take the estimated path`);
    assert.equal(reg.names.length, bytes, label);
    assert.ok(reg.names.buffer instanceof SharedArrayBuffer, `${label}: shared with the snapshot's Worker`);
    assert.ok(reg.names.buffer.byteLength <= 2.2 * bytes, `${label}: ${reg.names.buffer.byteLength} bytes held for ${bytes}`);
  }
});

test('the snapshot lines are taken as the recomputed leaves exactly when they are, byte for byte', () => {
  // web/verify/enterprise-leaves.js leavesAreRecords compares each line as the
  // leaf would be written, without writing it (names needing no escape, no
  // extra columns), and otherwise writes the leaf: against a CSV made here
  // from the leaves with JSON.stringify, and random edits of it
  const rows = sortedRows(300);
  const errors = [];
  const reg = readEnterprises(registryCsv(rows), 'e', errors);
  assert.deepEqual(errors, []);
  const { count, codes, names, nameEnd, cls, region, industry, status, regions, industries } = reg;
  const columns = { count, codes, names, nameEnd, cls, region, industry, status, regions, industries, extras: [] };
  const extraValues = rows.map((_, k) => (k % 7 ? '是' : 'say "hi"'));
  const withExtra = { ...columns, extras: [extraValues] };
  const csvOf = leaves => new TextEncoder().encode('header\n' + leaves.map(l => JSON.stringify(l).slice(1, -1) + '\n').join(''));
  const exact = csvOf(rows), exactWithExtra = csvOf(rows.map((r, k) => [...r, extraValues[k]]));
  const body = b => { const i = b.indexOf(10); return i < 0 ? null : Buffer.from(b.subarray(i + 1)).toString('latin1'); };
  let seed = 11;
  const rand = n => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  const BYTES = [0x22, 0x2c, 0x5c, 0x0a, 0x5d, 0x41, 0x61, 0x30, 0xe6];
  const edit = (b) => {
    const i = rand(b.length);
    switch (rand(6)) {
      case 0: { const c = b.slice(); c[i] ^= 1 << rand(8); return c; }
      case 1: return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
      case 2: return Uint8Array.from([...b.subarray(0, i), BYTES[rand(BYTES.length)], ...b.subarray(i)]);
      case 3: { const c = b.slice(); c[i] = BYTES[rand(BYTES.length)]; return c; }
      case 4: return b.subarray(0, i);
      default: { // two lines swapped
        const lines = Buffer.from(b).toString('latin1').split('\n');
        const x = 1 + rand(lines.length - 2), y = 1 + rand(lines.length - 2);
        [lines[x], lines[y]] = [lines[y], lines[x]];
        return Uint8Array.from(Buffer.from(lines.join('\n'), 'latin1'));
      }
    }
  };
  assert.equal(leavesAreRecords(columns, exact), true);
  assert.equal(leavesAreRecords(withExtra, exactWithExtra), true);
  assert.equal(leavesAreRecords(columns, exactWithExtra), false);
  assert.equal(leavesAreRecords(withExtra, exact), false);
  let taken = 0;
  for (let i = 0; i < 4000; i++) {
    const [cols, want] = i % 4 ? [columns, exact] : [withExtra, exactWithExtra];
    const edited = edit(i % 2 ? want : edit(want));
    const truth = body(edited) === body(want);
    assert.equal(leavesAreRecords(cols, edited), truth, `edit ${i}: ${JSON.stringify(body(edited)?.slice(0, 80))}`);
    if (truth) taken++;
  }
  assert.ok(taken > 0 && taken < 2000, `${taken} edits left the lines the leaves`);
  // the lines in registry order are not the tree's leaves unless that order is USCC order
  const unsorted = readEnterprises(registryCsv([...rows].reverse()), 'e', []);
  const u = { ...columns, count: unsorted.count, codes: unsorted.codes, names: unsorted.names, nameEnd: unsorted.nameEnd, cls: unsorted.cls, region: unsorted.region, industry: unsorted.industry, status: unsorted.status, regions: unsorted.regions, industries: unsorted.industries };
  assert.equal(leavesAreRecords(u, csvOf([...rows].reverse())), false);
});

test('a leaf copied as its CSV record is exactly the record JSON.parse and csvLine make, and every other leaf is parsed', () => {
  // web/verify/rebuild.js copiedRecord: random edits of valid leaves, with the
  // bytes that matter to JSON, CSV and UTF-8; whatever it copies must be the
  // record the JSON.parse way writes, and whatever that way refuses it must not copy
  const enc = new TextEncoder(), strict = new TextDecoder('utf-8', { fatal: true });
  const base = ['["91330106MA9ERT3N90","杭州甲乙贸易有限公司","A","330106","F521","存续"]',
    '["91330106MA9ERT3N90","","A","","","存续"]', '["a","b,c","d","😀","e\u007f","\u00e9"]',
    String.raw`["a\"b","c\\d","\u00e9", "x","y","z"]`].map(l => enc.encode(l));
  const special = [0x22, 0x2c, 0x5c, 0x5b, 0x5d, 0x20, 0x00, 0x1f, 0x7f, 0x61, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x90, 0x8f, 0x9f];
  let seed = 2026;
  const rand = k => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % k; };
  // the edges random edits seldom make: a last string that never opens, one cut short
  const edges = ['["a","b","c","d","e","]', '["a","b","c","d","e",""]', '["a","b","c","d","e"]', '["]', '[""]',
    '["a","b","c","d","e","存', '["a","b","c","d","e","\u5b58"]'].map(l => enc.encode(l));
  edges.push(Uint8Array.from([...enc.encode('["a","b","c","d","e","'), 0xe5, 0xad, 0x22, 0x5d]));
  let copied = 0, parsed = 0;
  for (let t = -edges.length; t < 30000; t++) {
    const which = t < 0 ? -1 : rand(base.length);
    let line = Array.from(t < 0 ? edges[-t - 1] : base[which]);
    for (let e = rand(3); e >= 0 && t % 10 && t > 0; e--) {
      const at = rand(line.length + 1), b = special[rand(special.length)];
      const op = rand(3);
      if (op === 0) line.splice(at, 0, b); else if (op === 1) line.splice(at, 1); else line[Math.min(at, line.length - 1)] = b;
    }
    line = Uint8Array.from(line);
    const csv = new CsvBytesForTest();
    const took = copiedRecord(line, 6, csv);
    let row = null;
    try { row = JSON.parse(strict.decode(line)); } catch { row = null; }
    const fits = Array.isArray(row) && row.length === 6 && row.every(x => typeof x === 'string');
    if (took) {
      copied++;
      assert.ok(fits, `copied a leaf JSON.parse refuses: ${Buffer.from(line).toString('hex')}`);
      assert.equal(Buffer.from(csv.out).toString('hex'), Buffer.from(enc.encode(csvLine(row) + '\n')).toString('hex'));
    } else if (fits) parsed++;
    if (t >= 0 && t % 10 === 0) assert.equal(took, which < 3, 'an unedited leaf is copied unless it has an escape');
  }
  assert.ok(copied > 3000 && parsed > 100, `copied ${copied}, parsed ${parsed}`);
});

/** What copiedRecord writes into: the one record, as bytes. */
class CsvBytesForTest {
  copy(src, from, to) { this.out = Uint8Array.from([...src.subarray(from, to), 0x0a]); }
}

test('the rebuilt plan TOML reproduces unusual canonical plans exactly', async () => {
  // One enterprise and two inspectors are enough for computeDraw to reach the plan.
  const enterprises = new TextEncoder().encode('uscc,name,credit_class,region,industry,status,列入"异常",备注\n91330106MA9ERT3N90,甲,A,330106,F521,存续,是,x\n');
  const inspectors = new TextEncoder().encode('id,name,department,region,qualifications\n1,张,局 A,330106,"食品;药品"\n2,李,卫健委,330106,食品\n');
  const plan = {
    algorithm: 'fairdraw-v1',
    name: '名称 with "quotes" \\ and a backslash',
    department: '卫健委',
    inspection_date: '2026-02-28',
    ratios: { A: '0.125', B: '1', C: '0', D: '0.0005' },
    min: { A: 0, B: 3, C: 0, D: 1 },
    max: { A: 5, B: null, C: null, D: 2 },
    scope: { statuses: ['存续', '歇业'], regions: ['33'], industries: [], where: [['列入"异常"', '是']] },
    items: [
      { item: '事项, 一', code: '', basis: '《法》第一条，"第二条"', department: '', category: 'key', method: '书面检查、实地核查', ceiling: null },
      { item: '事项二', code: 'X-2', basis: '', department: '局 A', category: 'general', method: '', ceiling: '1' },
    ],
    exclude: ['91330106MA9ERT3N90'],
    max_draws_per_year: 2,
    team: { size: 2, departments: ['局 A', '卫健委'], region: 'different', max_targets_per_inspector: null, qualifications: ['食品'], experts: 0, rotation: true },
    history: [['91330106MA9ERT3N90', '1'], ['91330106MA9ERT3N90', '2']],
  };
  const { toml, files } = planToToml(plan);
  let doc;
  try {
    doc = await computeDraw({ enterprises, inspectors, plan: toml, planFiles: files, seed: 's' });
  } catch (e) {
    assert.fail(`${e.message}\n--- plan.toml ---\n${toml}`);
  }
  assert.equal(canonicalJson(doc.plan), canonicalJson(plan), toml);
});

test('the rebuilt plan TOML reproduces an off-site plan (SPEC §8.6: method and team.reviewers)', async () => {
  const enterprises = new TextEncoder().encode('uscc,name,credit_class,region,industry,status\n91330106MA9ERT3N90,甲,A,330106,F521,存续\n');
  const inspectors = new TextEncoder().encode('id,name,department,region\n1,张,局 A,330106\n2,李,卫健委,330106\n');
  const plan = {
    algorithm: 'fairdraw-v1', name: '书面核查', department: '局 A', inspection_date: '',
    ratios: { A: '1', B: '0', C: '0', D: '0' }, min: { A: 0, B: 0, C: 0, D: 0 }, max: { A: null, B: null, C: null, D: null },
    scope: { statuses: ['存续'], regions: [], industries: [], where: [] },
    items: [{ item: '事项', code: '', basis: '', department: '', category: 'general', method: '书面检查、实地核查', ceiling: null }],
    exclude: [], max_draws_per_year: null,
    team: { size: 2, departments: ['局 A', '卫健委'], region: 'any', max_targets_per_inspector: null, qualifications: [], experts: 0, rotation: false, reviewers: 2 },
    history: [],
    method: 'desk',
  };
  const { toml, files } = planToToml(plan);
  const doc = await computeDraw({ enterprises, inspectors, plan: toml, planFiles: files, seed: 's' });
  assert.equal(canonicalJson(doc.plan), canonicalJson(plan), toml);
  assert.deepEqual(doc.assignments[0].inspectors, ['1', '2']); // one reviewer per department, the initiating one first
  assert.deepEqual(doc.assignments[0].experts, []);
});
