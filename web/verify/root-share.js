// web/verify/root-share.js — SPEC §5: the enterprise root of a large
// registry hashed by two threads that share memory (SharedArrayBuffer: node,
// and browsers on a cross-origin isolated page), each taking the next piece
// of work as soon as it is free, so neither waits while the other has some
// left. ./snapshots.js uses the simpler split of two fixed halves where
// memory cannot be shared.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// The Worker (./snapshot-worker.js) starts at once: it puts the firms in
// USCC order (place[f]: the leaf of firm f is leaf number place[f]), then
// claims work. The thread that started it joins with help() once its own
// work (the draw) is done. Two kinds of work, claimed from shared counters:
//   1. chunks of firms, in registry order (the order their bytes lie in
//      memory): each leaf made and hashed into hashes[32 place[f]..];
//   2. once every leaf hash is in, units: subtrees of MTH's own splits of
//      at most `unit` leaves, whose roots are joined by MTH's splits above.
// Whichever thread finds no work left waits for the other's last piece.
// If the Worker fails, the caller computes the root alone.

import { usccOrder } from './order.js';
import { fastHashing, hex, sha256Node, sha256Sync } from './sha256.js';
import { splitPoint, treeRoot } from './merkle.js';
import { leafMaker } from './enterprise-leaves.js';
import { runJob } from './worker.js';

// the shared counters (Int32Array)
const PLACED = 0; // 1 once place[] is written
const NEXT_CHUNK = 1, CHUNKS_DONE = 2, NEXT_UNIT = 3, UNITS_DONE = 4, STOP = 5;

let CHUNK = 8192; // firms per claim
let UNIT = 1 << 15; // leaves per subtree claimed
let HELPS = true;

/**
 * Tests: smaller pieces, so that a small registry is cut in many, and
 * whether this thread helps (false: the Worker does every piece); null:
 * the defaults.
 */
export function pieceSizesForTests(sizes) {
  CHUNK = sizes ? sizes.chunk : 8192;
  UNIT = sizes ? sizes.unit : 1 << 15;
  HELPS = sizes ? sizes.helps !== false : true;
}

/** Can two threads share memory here? */
export const canShare = () => typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;

/** The subtrees [lo, hi) of at most `unit` leaves along MTH's splits of [0, n), left to right. */
export function rootUnits(n, unit) {
  const out = [];
  const cut = (lo, hi) => {
    if (hi - lo <= unit) { out.push([lo, hi]); return; }
    const k = splitPoint(hi - lo);
    cut(lo, lo + k);
    cut(lo + k, hi);
  };
  cut(0, n);
  return out;
}

/** MTH of [0, n) from the roots of rootUnits(n, unit) (roots: 32 bytes each, in their order). */
function joinUnits(n, unit, roots) {
  let next = 0;
  const node = new Uint8Array(64);
  const join = (lo, hi) => {
    if (hi - lo <= unit) { const i = next++; return roots.slice(32 * i, 32 * i + 32); }
    const k = splitPoint(hi - lo);
    const left = join(lo, lo + k), right = join(lo + k, hi);
    node.set(left, 0);
    node.set(right, 32);
    return sha256Node(node, 0, new Uint8Array(32), 0);
  };
  return join(0, n);
}

/**
 * The memory both threads work in, for n firms: {n, chunk, unit, units
 * (how many), state (the counters), place, hashes (the leaf hashes, then
 * each unit's leaves overwritten by its tree), roots (one per unit)}.
 */
function sharedMemory(n) {
  const units = rootUnits(n, UNIT).length;
  const shared = (Kind, length) => new Kind(new SharedArrayBuffer(Kind.BYTES_PER_ELEMENT * length));
  return { n, chunk: CHUNK, unit: UNIT, units, state: shared(Int32Array, 8), place: shared(Uint32Array, n), hashes: shared(Uint8Array, 32 * n), roots: shared(Uint8Array, 32 * units) };
}

/**
 * Claims and does work until none is left to claim (both threads run it).
 * `wait(index, count)` resolves once state[index] reaches count, or rejects
 * when the work is abandoned.
 */
async function claimWork(columns, mem, wait) {
  const { n, chunk, unit, state, place, hashes, roots } = mem;
  // (a browser whose WebCrypto disagrees with the synchronous SHA-256 has no place here: the caller works alone)
  if (!(await fastHashing())) throw new Error('no synchronous SHA-256');
  await wait(PLACED, 1);
  const { w, leaf } = leafMaker(columns);
  const chunks = Math.ceil(n / chunk);
  for (let c = Atomics.add(state, NEXT_CHUNK, 1); c < chunks && !Atomics.load(state, STOP); c = Atomics.add(state, NEXT_CHUNK, 1)) {
    for (let f = c * chunk, end = Math.min(n, f + chunk); f < end; f++) sha256Sync(w.buf, hashes, 32 * place[f], leaf(f));
    Atomics.add(state, CHUNKS_DONE, 1);
    Atomics.notify(state, CHUNKS_DONE);
  }
  await wait(CHUNKS_DONE, chunks); // every leaf hash is in
  const units = rootUnits(n, unit);
  for (let u = Atomics.add(state, NEXT_UNIT, 1); u < units.length && !Atomics.load(state, STOP); u = Atomics.add(state, NEXT_UNIT, 1)) {
    const [lo, hi] = units[u];
    roots.set(await treeRoot(hashes.subarray(32 * lo, 32 * hi), hi - lo), 32 * u);
    Atomics.add(state, UNITS_DONE, 1);
    Atomics.notify(state, UNITS_DONE);
  }
}

/** In the Worker (./snapshot-worker.js): USCC order, then work; waits block (Atomics.wait). */
export async function workOnSharedRoot({ columns, memory }) {
  const { n, state, place } = memory;
  const { order } = usccOrder(columns.codes, n);
  for (let j = 0; j < n; j++) place[order[j]] = j;
  Atomics.store(state, PLACED, 1);
  Atomics.notify(state, PLACED);
  const wait = async (index, count) => {
    for (let v = Atomics.load(state, index); v < count; v = Atomics.load(state, index)) {
      if (Atomics.load(state, STOP)) throw new Error('abandoned');
      Atomics.wait(state, index, v, 50);
    }
  };
  await claimWork(columns, memory, wait);
  return { done: true };
}

/**
 * In the thread that starts it: the enterprise root of leafColumns
 * `columns` (./snapshots.js), hashed with a Worker in shared memory:
 * {result: Promise<hex root | null when cancelled>, help(): this thread
 * joins the work (resolves when none is left to claim), cancel()}. `alone`
 * computes the root without any Worker (when it fails).
 */
export function startSharedRoot(columns, alone, { onShared = () => {} } = {}) {
  const memory = sharedMemory(columns.count);
  const { state } = memory;
  const job = runJob(new URL('./snapshot-worker.js', import.meta.url), { columns, memory });
  let failed = false, cancelled = false, helping = null;
  const ended = job.next().then((m) => { if (!m || !m.done) failed = true; return m; });
  // this thread cannot block (a page's main thread may not): it looks again every millisecond
  const wait = async (index, count) => {
    while (Atomics.load(state, index) < count) {
      if (failed || cancelled) throw new Error('abandoned');
      await new Promise(r => setTimeout(r, 1));
    }
  };
  const stop = () => { Atomics.store(state, STOP, 1); job.stop(); };
  const help = () => {
    if (!helping && HELPS) helping = claimWork(columns, memory, wait).catch(() => null);
    return helping || Promise.resolve();
  };
  const result = (async () => {
    await ended;
    if (helping) await helping;
    if (cancelled) return null;
    if (!failed) { try { await wait(UNITS_DONE, memory.units); } catch { /* failed meanwhile */ } }
    if (failed || Atomics.load(state, UNITS_DONE) < memory.units) { stop(); return alone(); }
    onShared();
    return hex(joinUnits(memory.n, memory.unit, memory.roots));
  })();
  return { result, help, cancel: () => { cancelled = true; stop(); } };
}
