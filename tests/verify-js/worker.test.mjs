// node --test tests/verify-js/worker.test.mjs — web/verify.js's second core
// (web/verify/snapshots.js startEnterpriseRoot, web/verify/worker.js): from
// 10^5 firms a Worker shares the enterprise root (SPEC §5) with the thread
// that started it — in shared memory, each taking the next chunk of leaves
// or subtree when free (web/verify/root-share.js), or, where memory cannot
// be shared, in two fixed halves along MTH's own split. No other test
// reaches those paths: here the size they start from is lowered
// (workerFromForTests) and the pieces made tiny (pieceSizesForTests), so
// that small registries of every tree shape take them, and each root is
// checked three ways: against the path without a Worker, against an RFC
// 6962 root computed here with node's crypto, and that the Worker did the
// work (a failing Worker is replaced by the thread without a word, which
// would make the first check pass on its own).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { computeDraw } from '../../web/verify.js';
import { workerFromForTests, rootsSharedForTests } from '../../web/verify/snapshots.js';
import { pieceSizesForTests, rootUnits } from '../../web/verify/root-share.js';

const INSPECTORS = fs.readFileSync(new URL('../vectors/basic/inspectors.csv', import.meta.url));
const PLAN = 'name = "两半树"\n[ratios]\nA = "5%"\nB = "5%"\nC = "5%"\nD = "5%"\n';
const WHERE_PLAN = `${PLAN}[scope.where]\n"列入名录" = "是"\n`;

after(() => { workerFromForTests(null); pieceSizesForTests(null); });

// GB 32100-2015: the check character of the first 17 (written here, not taken from web/verify)
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function uscc(k) {
  const body = `91330106MA${String(k).padStart(7, '0')}`;
  const sum = [...body].reduce((s, c, i) => s + ALPHABET.indexOf(c) * WEIGHTS[i], 0);
  return body + ALPHABET[(31 - (sum % 31)) % 31];
}

/** n firms, in an order that is not USCC order, with names that need quoting and escaping. */
function registry(n) {
  const rows = [];
  for (let k = 0; k < n; k++) {
    const f = (k * 7919) % n; // a permutation of 0..n-1 (7919 is a prime above every n here)
    const name = [`杭州${f}号贸易有限公司`, `A, "B" & C ${f}`, `back\\slash ${f}`, `餐饮😀${f}`][f % 4];
    rows.push([uscc(f), name, 'ABCD'[f % 4], f % 3 ? '330106' : '330108', `F52${f % 10}`, '存续', f % 2 ? '是' : '否']);
  }
  const cell = c => `"${c.replace(/"/g, '""')}"`;
  const text = ['uscc,name,credit_class,region,industry,status,列入名录', ...rows.map(r => r.map(cell).join(','))].join('\n') + '\n';
  return { bytes: new TextEncoder().encode(text), rows };
}

/** RFC 6962 MTH of the enterprise leaves (SPEC §5), in USCC order, with node's crypto. */
function expectedRoot(rows, extra) {
  const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
  const leaves = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(r => sha(Buffer.from([0]), Buffer.from(JSON.stringify(extra ? r : r.slice(0, 6)), 'utf8')));
  const mth = (xs) => {
    if (xs.length === 1) return xs[0];
    let k = 1;
    while (2 * k < xs.length) k *= 2;
    return sha(Buffer.from([1]), mth(xs.slice(0, k)), mth(xs.slice(k)));
  };
  return mth(leaves).toString('hex');
}

// the ways: no Worker; shared memory in tiny pieces, this thread helping or
// not (then the Worker does every piece); two fixed halves
const WAYS = { alone: [null, {}, {}], shared: [2, { share: true }, {}], worker: [2, { share: true }, { helps: false }], halves: [2, { share: false }, {}] };

async function draw(n, plan, way) {
  const { bytes, rows } = registry(n);
  const [from, share, help] = WAYS[way];
  workerFromForTests(from, share);
  pieceSizesForTests({ chunk: 3, unit: 4, ...help });
  const before = rootsSharedForTests();
  const doc = await computeDraw({ enterprises: bytes, inspectors: INSPECTORS, plan, seed: `two halves ${n}` });
  return { doc, rows, workers: rootsSharedForTests() - before };
}

// every shape of the split near small powers of two, and a few thousand firms
const SIZES = [2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 100, 1023, 1024, 1025, 4099];

test('the root hashed by a Worker and this thread is the root of every leaf, for every tree shape', async () => {
  for (const n of SIZES) {
    const alone = await draw(n, PLAN, 'alone');
    assert.equal(alone.workers, 0, `${n} firms: no Worker below the default size`);
    assert.equal(alone.doc.snapshots.enterprises.root, expectedRoot(alone.rows, false), `${n} firms`);
    for (const way of ['shared', 'worker', 'halves']) {
      const got = await draw(n, PLAN, way);
      assert.equal(got.workers, 1, `${n} firms, ${way}: the Worker took part`);
      assert.deepEqual(got.doc, alone.doc, `${n} firms, ${way}: the same draw either way`);
    }
  }
});

test('with filter columns the Worker hashes them too', async () => {
  for (const n of [2, 6, 1000]) {
    const alone = await draw(n, WHERE_PLAN, 'alone');
    assert.deepEqual(alone.doc.snapshots.enterprises.columns.slice(6), ['列入名录']);
    assert.equal(alone.doc.snapshots.enterprises.root, expectedRoot(alone.rows, true), `${n} firms`);
    for (const way of ['shared', 'worker', 'halves']) {
      const got = await draw(n, WHERE_PLAN, way);
      assert.ok(got.workers >= 1, `${n} firms, ${way}: the Worker took part`);
      assert.deepEqual(got.doc, alone.doc, `${n} firms, ${way}`);
    }
  }
});

test('the pieces of shared work are MTH\'s own subtrees, in order, and cover every leaf once', () => {
  for (const n of [1, 2, 3, 5, 8, 9, 100, 1025]) {
    for (const unit of [1, 2, 4, 7, 64]) {
      const units = rootUnits(n, unit);
      assert.deepEqual(units.flat().filter((_, i) => i % 2 === 0), units.map((u, i) => (i ? units[i - 1][1] : 0)), `${n}/${unit}: contiguous`);
      assert.equal(units[units.length - 1][1], n);
      assert.ok(units.every(([lo, hi]) => hi - lo >= 1 && hi - lo <= unit), `${n}/${unit}: sizes`);
    }
  }
});
