// node --test tests/verify-js/static.test.mjs — audit/LOG-FORMAT.md "Static
// publication: tiles (C2SP tlog-tiles)" in web/verify.js: tile paths, the
// C2SP worked example, tiles that fold to the tree's root (checked against a
// plain RFC 6962 MTH written here), entry bundles; `verify.js log DIR` on a
// log with static files; `verify.js log URL` on a static mirror without
// entries.jsonl served on 127.0.0.1 — it verifies, and a changed entry, a
// changed tile, a missing entry and a failing host are caught.
// The log is made by the real CLI: $FAIRDRAW (tests/verify_js_log.rs sets it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  encodeIndex, tilePath, bundlePath, entryPath, tilesForSize, staticFiles, hashLevels, tileBytes, entryBundle,
} from '../../web/verify/tiles.js';
import { writeMirror, serveStatic, leafHash, nodeHash } from './static-mirror.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FAIRDRAW = process.env.FAIRDRAW;
const NOW = '2024-10-14T17:14:00Z';

test('tile paths: 3-digit elements, x before all but the last, .p/W for partial tiles', () => {
  assert.equal(encodeIndex(0), '000');
  assert.equal(encodeIndex(5), '005');
  assert.equal(encodeIndex(999), '999');
  assert.equal(encodeIndex(1000), 'x001/000');
  assert.equal(encodeIndex(1234067), 'x001/x234/067');
  assert.equal(tilePath(0, 1234067), 'tile/0/x001/x234/067');
  assert.equal(tilePath(2, 5, 7), 'tile/2/005.p/7');
  assert.equal(bundlePath(273, 112), 'tile/entries/273.p/112');
  assert.equal(bundlePath(4), 'tile/entries/004');
  assert.equal(entryPath(1002), 'entry/x001/002');
  assert.throws(() => encodeIndex(-1), RangeError);
});

test('the C2SP worked example: a tree of 70,000 and a tree of 256', () => {
  const summary = size => {
    const levels = {};
    for (const t of tilesForSize(size)) {
      const l = (levels[t.level] ||= { full: 0, partial: [] });
      if (t.width === 256) l.full++; else l.partial.push(t.width);
    }
    return levels;
  };
  assert.deepEqual(summary(70000), { 0: { full: 273, partial: [112] }, 1: { full: 1, partial: [17] }, 2: { full: 0, partial: [1] } });
  assert.deepEqual(tilesForSize(70000).filter(t => t.width < 256).map(t => tilePath(t.level, t.n, t.width)),
    ['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
  assert.deepEqual(tilesForSize(256).map(t => tilePath(t.level, t.n, t.width)), ['tile/0/000', 'tile/1/000.p/1']);
  assert.deepEqual(tilesForSize(0), []);
});

test('the files of sizes 1…C: a partial tile per size and level, bundles of full tiles and batch ends, one entry file each', () => {
  const files = staticFiles(257, [1, 256, 257], () => 10);
  const names = [...files.keys()];
  // level 0: 000.p/1 … 000.p/255, the full 000, 001.p/1; level 1: 000.p/1 (sizes 256 and 257)
  for (let w = 1; w < 256; w++) assert.ok(files.has(`tile/0/000.p/${w}`), w);
  assert.ok(files.has('tile/0/000') && files.has('tile/0/001.p/1') && files.has('tile/1/000.p/1'));
  assert.equal(names.filter(n => n.startsWith('tile/') && !n.startsWith('tile/entries/')).length, 255 + 1 + 1 + 1);
  assert.deepEqual(names.filter(n => n.startsWith('tile/entries/')), ['tile/entries/000.p/1', 'tile/entries/000', 'tile/entries/001.p/1']);
  assert.equal(names.filter(n => n.startsWith('entry/')).length, 257);
  assert.ok(files.has('entry/256') && !files.has('entry/257'));
  // an entry longer than 65,535 bytes: no bundle holds it, every other file stays
  const big = staticFiles(5, [2, 5], i => (i === 3 ? 65536 : 100));
  assert.deepEqual([...big.keys()].filter(n => n.startsWith('tile/entries/')), ['tile/entries/000.p/2']);
  assert.ok(big.has('entry/003') && big.has('tile/0/000.p/5'));
});

const sha = (...parts) => new Uint8Array(crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest());
/** RFC 6962 MTH of leaf hashes, as RFC 6962 §2.1 says (k = the largest power of two below n). */
function mth(hashes, lo = 0, hi = hashes.length) {
  if (hi - lo === 1) return hashes[lo];
  let k = 1; while (k * 2 < hi - lo) k *= 2;
  return sha([1], mth(hashes, lo, lo + k), mth(hashes, lo + k, hi));
}

/** The root of a tree of `size` from the tiles of that size alone: its perfect subtrees, largest first, folded from the right. */
function rootFromTiles(size, tile) {
  const levels = [];
  for (const t of tilesForSize(size)) {
    const bytes = tile(t);
    for (let i = 0; i < t.width; i++) (levels[t.level] ||= [])[t.n * 256 + i] = bytes.subarray(32 * i, 32 * i + 32);
  }
  const subtrees = [];
  for (let start = 0, bit = 2 ** Math.floor(Math.log2(size)); bit >= 1; bit /= 2) {
    if (start + bit > size) continue;
    const k = Math.log2(bit); const level = Math.floor(k / 8); const span = 256 ** level;
    subtrees.push(mth(levels[level].slice(start / span, (start + bit) / span)));
    start += bit;
  }
  return subtrees.reduceRight((right, left) => sha([1], left, right));
}

test('hash tiles of any level fold to the RFC 6962 root of every size', async () => {
  const n = 70000;
  const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const levels = await hashLevels(leaves, nodeHash);
  assert.deepEqual(levels.map(l => l.length), [70000, 273, 1]);
  for (const size of [1, 2, 3, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70000]) {
    const root = rootFromTiles(size, t => tileBytes(levels, t.level, t.n, t.width));
    assert.deepEqual(root, mth(leaves.slice(0, size)), `size ${size}`);
  }
  assert.equal(tileBytes(levels, 1, 1, 18), null, 'no 274th level-1 hash');
  assert.equal(tileBytes(levels, 3, 0, 1), null);
});

test('entry bundles: big-endian uint16 length, then the bytes; none over 65,535 bytes', () => {
  const a = new Uint8Array(300).fill(7);
  const b = Uint8Array.of(1, 2);
  assert.deepEqual(entryBundle([a, b]), Uint8Array.of(0x01, 0x2c, ...a, 0x00, 0x02, 1, 2));
  assert.deepEqual(entryBundle([]), new Uint8Array(0));
  assert.equal(entryBundle([new Uint8Array(65535)]).length, 65537);
  assert.equal(entryBundle([b, new Uint8Array(65536)]), null);
});

// ── a real log and its static copies ───────────────────────────────────────

let work; let log;
before(() => {
  assert.ok(FAIRDRAW && fs.existsSync(FAIRDRAW), `FAIRDRAW must name the fairdraw binary (got ${FAIRDRAW})`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-static-'));
  log = path.join(work, 'log');
  const run = args => execFileSync(FAIRDRAW, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run(['init', '--log', log, '--now', '2023-08-01T00:00:00Z']);
  const regs = ['--enterprises', 'data/enterprises.csv', '--inspectors', 'data/inspectors.csv', '--conflicts', 'data/conflicts.csv'];
  const out = run(['commit', '--log', log, '--now', '2024-10-14T17:00:00Z', '--beacon', 'drand:quicknet:12040883', ...regs, '--plan', 'data/plan-single.toml']);
  const id = out.trim().split('\n').pop().trim();
  run(['reveal', id, '--log', log, '--now', NOW, '--drand-json', 'data/drand/round-12040883.json']);
});
after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

/** `node web/verify.js log TARGET --now NOW` -> {code, stdout, stderr} (asynchronous: the test's server runs in this process). */
function verifyJs(target) {
  return new Promise((resolve) => {
    execFile('node', ['web/verify.js', 'log', target, '--now', NOW], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

let copies = 0;
async function copy({ entriesJsonl }) {
  const dir = path.join(work, `copy-${++copies}`);
  await writeMirror(log, dir, { entriesJsonl });
  return dir;
}
const edit = (dir, name, f) => { const p = path.join(dir, ...name.split('/')); fs.writeFileSync(p, f(fs.readFileSync(p))); };
const problems = out => out.split('\n').filter(l => l.startsWith('problem: '));

test('log DIR: static files that match pass; a changed or unknown one is tampering, a missing one a note, dot-files ignored', async () => {
  const plain = await verifyJs(log);
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  // the CLI writes the static files with the log: none missing, none stray
  assert.ok(!/static files|: missing|tile\/|entry\//.test(plain.stdout), plain.stdout);

  const dir = await copy({ entriesJsonl: true });
  const ok = await verifyJs(dir);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.ok(!/static|missing|tile\/|entry\//.test(ok.stdout), ok.stdout);

  fs.writeFileSync(path.join(dir, 'tile', '.tile-123.tmp'), 'half-written');
  fs.rmSync(path.join(dir, 'tile', 'entries', '000.p', '5'));
  const missing = await verifyJs(dir);
  assert.equal(missing.code, 0, missing.stdout);
  assert.ok(missing.stdout.split('\n').includes('note: tile/entries/000.p/5: missing'), missing.stdout);

  edit(dir, 'tile/0/000.p/6', b => { b[40] ^= 1; return b; });
  edit(dir, 'entry/002', b => Buffer.concat([b, Buffer.from('\n')]));
  fs.mkdirSync(path.join(dir, 'entry', 'x000'));
  fs.writeFileSync(path.join(dir, 'entry', 'x000', '003'), 'a name 3 never has');
  fs.writeFileSync(path.join(dir, 'tile', '0', '000.p', '8'), 'a size this log never had');
  const bad = await verifyJs(dir);
  assert.equal(bad.code, 1, bad.stdout);
  assert.deepEqual(problems(bad.stdout).sort(), [
    "problem: entry/002: differs from the bytes derived from the log's entries (changed, or from another history)",
    'problem: entry/x000/003: not a file of this log of 7 entries (no checkpoint size calls for it)',
    "problem: tile/0/000.p/6: differs from the bytes derived from the log's entries (changed, or from another history)",
    'problem: tile/0/000.p/8: not a file of this log of 7 entries (no checkpoint size calls for it)',
  ]);
});

test('log URL: a static mirror without entries.jsonl verifies; a changed entry or tile is tampering, a 500 exits 2', async () => {
  const dir = await copy({ entriesJsonl: false });
  assert.ok(!fs.existsSync(path.join(dir, 'entries.jsonl')) && !fs.existsSync(path.join(dir, 'private')));
  let fail = null;
  const server = await serveStatic([dir], { onRequest: p => (fail && p === fail ? { status: 500 } : null) });
  try {
    const url = `${server.url}/`;
    const ok = await verifyJs(url);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines[0], `log: ${url} (static mirror)`);
    assert.ok(lines.at(-1).startsWith('VERIFIED: 7 entries, 7 checkpoints'), ok.stdout);
    assert.ok(!/missing|static files/.test(ok.stdout), ok.stdout);
    // the same directory, as a directory (it has no entries.jsonl: a mirror is not a log directory)
    assert.equal((await verifyJs(dir)).code, 1);

    // a missing tile is a note; a missing entry is tampering (the mirror is incomplete)
    fs.renameSync(path.join(dir, 'tile', '0', '000.p', '7'), path.join(dir, 'tile-7'));
    const noTile = await verifyJs(server.url);
    assert.equal(noTile.code, 0, noTile.stdout);
    assert.ok(noTile.stdout.split('\n').includes('note: tile/0/000.p/7: missing'), noTile.stdout);
    fs.renameSync(path.join(dir, 'tile-7'), path.join(dir, 'tile', '0', '000.p', '7'));
    fs.renameSync(path.join(dir, 'entry', '006'), path.join(dir, 'entry-6'));
    const noEntry = await verifyJs(server.url);
    assert.equal(noEntry.code, 1, noEntry.stdout);
    assert.ok(noEntry.stdout.includes('problem: entry/006: missing on the mirror (HTTP 404): the mirror is incomplete'), noEntry.stdout);
    fs.renameSync(path.join(dir, 'entry-6'), path.join(dir, 'entry', '006'));

    // a changed entry (still canonical JSON): its checkpoint and the tiles no longer match it
    edit(dir, 'entry/003', b => Buffer.from(b.toString('utf8').replace('"simulated":true', '"simulated":false')));
    const entry = await verifyJs(server.url);
    assert.equal(entry.code, 1, entry.stdout);
    assert.ok(problems(entry.stdout).some(l => l.startsWith('problem: entry 3 (now id ') && l.includes('does not match the signed checkpoint of size 4')), entry.stdout);
    assert.ok(problems(entry.stdout).includes("problem: tile/0/000.p/7: differs from the bytes derived from the log's entries (changed, or from another history)"), entry.stdout);
    edit(dir, 'entry/003', b => Buffer.from(b.toString('utf8').replace('"simulated":false', '"simulated":true')));
    assert.equal((await verifyJs(server.url)).code, 0, 'restored');

    // a changed hash tile: what a standard tlog client reads is not this log's tree
    edit(dir, 'tile/0/000.p/7', b => { b[0] ^= 1; return b; });
    const tile = await verifyJs(server.url);
    assert.equal(tile.code, 1, tile.stdout);
    assert.deepEqual(problems(tile.stdout), ["problem: tile/0/000.p/7: differs from the bytes derived from the log's entries (changed, or from another history)"]);

    // any HTTP failure other than 404: exit 2 naming the URL
    for (const where of ['/checkpoints.jsonl', '/entry/004', '/tile/0/000.p/7']) {
      fail = where;
      const broken = await verifyJs(server.url);
      assert.equal(broken.code, 2, `${where}: ${broken.stdout}${broken.stderr}`);
      assert.equal(broken.stderr.trim(), `error: ${server.url}${where}: HTTP 500 Internal Server Error`);
    }
    fail = null;
    const nothing = await verifyJs(`${server.url}/elsewhere`);
    assert.equal(nothing.code, 2);
    assert.ok(nothing.stderr.includes(`${server.url}/elsewhere/log.pub: not found`), nothing.stderr);
  } finally {
    await server.close();
  }
});

test('verifyMirror asks only for published files, reports progress, and takes a web page answer for a missing file', async () => {
  const { verifyMirror } = await import('../../web/verify/static-log.js');
  const { FairdrawError } = await import('../../web/verify/errors.js');
  const dir = await copy({ entriesJsonl: false });
  const asked = [];
  const fromDir = async (url) => {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    asked.push(name);
    const p = path.join(dir, ...name.split('/').slice(1)); // the mirror is at /log/
    if (!fs.existsSync(p) || !fs.statSync(p).isFile()) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(p), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
  };
  const phases = new Set();
  const res = await verifyMirror('https://mirror.example/log', { now: Date.parse(NOW) / 1000, fetch: fromDir, onProgress: p => phases.add(p.phase) });
  assert.equal(res.code, 0, res.lines.join('\n'));
  assert.equal(res.size, 7);
  assert.equal(res.lines[0], 'log: https://mirror.example/log (static mirror)');
  assert.deepEqual([...phases], ['files', 'entries', 'tiles', 'checking']);
  assert.deepEqual(asked.slice(0, 4), ['log/log.pub', 'log/checkpoint', 'log/checkpoints.jsonl', 'log/cosignatures.jsonl']);
  assert.ok(asked.includes('log/entry/006') && asked.includes('log/tile/0/000.p/7'), asked.join(' '));
  assert.ok(asked.some(n => n.startsWith('log/snapshots/')), 'the blinded snapshots of the protected log');
  assert.ok(!asked.some(n => n.includes('private/') || n.endsWith('.salts.gz') || n.includes('entries.jsonl')), asked.join(' '));
  // a host that answers every path with its web page (like `fairdraw serve`): no log there
  const page = async () => new Response('<!doctype html><title>page</title>', { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
  await assert.rejects(verifyMirror('http://page.example/', { fetch: page }),
    e => e instanceof FairdrawError && e.message === 'http://page.example/log.pub: not found: no fairdraw log is published at http://page.example/');
  await assert.rejects(verifyMirror('ftp://x.example/', { fetch: page }), /only http:\/\/ and https:\/\//);
});

test('a download that never settles ends with exit 2 and says so, never exit 0 without a verdict', async () => {
  // A fetch whose promise never settles and holds nothing open: how undici
  // behaved with a body its Content-Encoding did not describe. Node then runs
  // out of work with no verdict; verify.js must not end as if it passed.
  const preload = path.join(work, 'never-settling-fetch.mjs');
  fs.writeFileSync(preload, 'globalThis.fetch = () => new Promise(() => {});\n');
  const out = await new Promise((resolve) => {
    execFile('node', ['--import', preload, 'web/verify.js', 'log', 'http://127.0.0.1:9/'], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
  assert.equal(out.code, 2, out.stdout + out.stderr);
  assert.equal(out.stdout, '');
  assert.equal(out.stderr.trim(), 'error: the verification stopped before it finished: a download or its decompression never completed');
});
