// web/verify/static-log.js — audit/LOG-FORMAT.md "Static publication": the
// check of a log's `tile/…`, `tile/entries/…` and `entry/…` files (a log
// directory), and "Reading a log from a URL" (a static mirror fetched over
// HTTP, node >= 18 or a browser). Both end in verifyLog (./log.js) with a
// `statics` hook that runs once the log's size C is known; the file names
// and derived bytes come from ./tiles.js.
// Part of the independent verifier web/verify.js (see its header).

import { FairdrawError } from './errors.js';
import { sameBytes } from './sha256.js';
import { splitLines, parseCanonical } from './jsonl.js';
import { verifyLog } from './log.js';
import { classifyNames, derivedBytes, entryPath, hashLevels, staticFiles, tilePath, tilesForSize } from './tiles.js';

// At most this many lines of each kind, then a count line (LOG-FORMAT "Checking").
const SHOWN = 5;

/** Says `what` of the first SHOWN `names`, then how many more there are. */
function listed(say, names, what, more) {
  for (const name of names.slice(0, SHOWN)) say(`${name}: ${what}`);
  if (names.length > SHOWN) say(`… and ${names.length - SHOWN} more ${more}`);
}

/**
 * Compares the present static files `names` (read with `read(name)`) with
 * `expected` (Map name -> desc of ./tiles.js) for the log checked by the
 * verifier `v`: changed and unknown files are problems, missing ones notes.
 */
async function compareStatics(v, { size, entries }, expected, names, read) {
  const leaves = entries.slice(0, size).map(e => e.leaf);
  const levels = await hashLevels(entries.slice(0, size).map(e => e.hash), v.node);
  const { known, unknown, missing } = classifyNames(names, expected);
  const changed = [];
  for (const name of known) {
    const want = derivedBytes(expected.get(name), leaves, levels);
    const got = await read(name);
    if (got === null) missing.push(name);
    else if (want === null || !sameBytes(got, want)) changed.push(name);
  }
  const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  listed(v.problem.bind(v), changed.sort(byName), 'differs from the bytes derived from the log\'s entries (changed, or from another history)',
    'files differ from the bytes derived from the log\'s entries');
  listed(v.problem.bind(v), [...unknown].sort(byName), `not a file of this log of ${size} entries (no checkpoint size calls for it)`,
    'files under tile/ and entry/ are not files of this log');
  listed(v.note.bind(v), missing.sort(byName), 'missing',
    'static files missing (tile/, entry/: a log written before them, or an incomplete copy)');
}

/**
 * The `statics` hook of verifyLog for a log directory: `names` are the files
 * found under `tile/` and `entry/` (relative, `/`-separated), `read(name)`
 * their bytes (null when gone). LOG-FORMAT "Checking".
 */
export function directoryStatics(names, read) {
  return async (v, log) => {
    if (log.entries.length < log.size) {
      v.note(`static files (tile/, entry/) not checked: entries.jsonl holds ${log.entries.length} of the log's ${log.size} entries`);
      return;
    }
    const expected = staticFiles(log.size, log.batchEnds, i => log.entries[i].leaf.length);
    await compareStatics(v, log, expected, names, read);
  };
}

/** An HTTP(S) URL as a prefix ending in `/`. */
export function mirrorPrefix(url) {
  let u;
  try { u = new URL(url); } catch { throw new FairdrawError(`${url}: not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FairdrawError(`${url}: only http:// and https:// URLs can be read`);
  // the files' names would land inside a query or a fragment (verify.py and audit verify say the same)
  if (u.search || u.hash || /[?#]/.test(url)) throw new FairdrawError(`${url}: a mirror's URL is a prefix: it takes no ?query or #fragment`);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.href;
}

/**
 * GET `url` -> bytes, or null on 404; any other failure rejects with a
 * FairdrawError naming the URL (exit 2). A 200 answer of type text/html is
 * a web page's fallback (a host that answers every path with its page, like
 * `fairdraw serve`), never a log file: absent too.
 */
async function get(fetchFn, url) {
  let res;
  try { res = await fetchFn(url); } catch (e) {
    throw new FairdrawError(`${url}: cannot fetch: ${e && e.cause && e.cause.message ? e.cause.message : (e && e.message) || e}`);
  }
  // 403: an object store that does not let the public list a bucket answers it for a missing key
  if (res.status === 404 || res.status === 403) return null;
  if (!res.ok) throw new FairdrawError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  if ((res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase() === 'text/html') return null;
  // node's fetch decodes gzip, deflate and br, asked for or not; the other
  // verifiers read gzip and identity only, so here too (a browser decodes
  // what it asked for, e.g. a CDN's br, and the page takes that)
  const encoding = (res.headers.get('content-encoding') || 'identity').trim().toLowerCase();
  const inNode = typeof process === 'object' && process !== null && !!(process.versions && process.versions.node);
  if (inNode && !['identity', 'gzip', 'x-gzip'].includes(encoding)) {
    throw new FairdrawError(`${url}: Content-Encoding ${encoding} is not supported (gzip or identity)`);
  }
  try { return new Uint8Array(await res.arrayBuffer()); } catch (e) {
    throw new FairdrawError(`${url}: the answer broke off: ${e && e.message ? e.message : e}`);
  }
}

/** Runs `task(i)` for i in 0…count-1, `width` at a time, in order of start. */
async function pool(count, width, task) {
  let next = 0;
  const worker = async () => { while (next < count) await task(next++); };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/**
 * The committed size C of a checkpoints.jsonl: the number of the last
 * well-formed record with batch_end true (its position bounds what a mirror
 * can make us fetch; verifyLog checks the record itself).
 */
function committedSize(bytes) {
  const { lines } = splitLines(bytes || new Uint8Array());
  let size = 0;
  lines.forEach((line, i) => {
    const { value, error } = parseCanonical(line);
    if (error === null && value && value.batch_end === true) size = i + 1;
  });
  return size;
}

/**
 * The published blobs the entries name (LOG-FORMAT "Reading a log from a URL"
 * step 4): each RegistrySnapshot's `blob` — in a full log; a protected log
 * publishes only the blinded snapshots — and each commitment's blinded ones.
 */
function namedBlobs(leaves) {
  const names = new Set();
  const text = new TextDecoder();
  let isProtected = false;
  for (const leaf of leaves) {
    let e;
    try { e = JSON.parse(text.decode(leaf)); } catch { continue; } // reported by verifyLog
    const body = e && typeof e === 'object' ? e.body : null;
    if (!body || typeof body !== 'object') continue;
    if (e.kind === 'LogCreated') isProtected = body.publication === 'protected';
    if (e.kind === 'RegistrySnapshot' && typeof body.blob === 'string' && !isProtected) names.add(body.blob);
    if (e.kind === 'DrawCommitment' && body.blinded && typeof body.blinded === 'object') {
      for (const r of Object.values(body.blinded)) if (r && typeof r.root === 'string') names.add(`snapshots/${r.root}.jsonl.gz`);
    }
  }
  return names;
}

/**
 * LOG-FORMAT "Reading a log from a URL": fetches the static mirror at `url`
 * and verifies it like a directory. Options: those of verifyLog (vkey, now, replay),
 * `fetch` (default globalThis.fetch), `concurrency` (parallel requests, 8),
 * `onProgress({phase: 'files' | 'entries' | 'tiles' | 'checking', done, total})`.
 * Resolves to verifyLog's result and `size` (C), with `lines` starting with
 * `log: URL (static mirror)`; rejects with a FairdrawError (exit 2) when the
 * mirror cannot be read (HTTP errors other than 404, no log.pub).
 */
export async function verifyMirror(url, { vkey, now, replay, old, fetch: fetchFn = globalThis.fetch, concurrency = 8, onProgress = () => {} } = {}) {
  if (typeof fetchFn !== 'function') throw new FairdrawError('this platform has no fetch (node >= 18 or a browser is needed)');
  const prefix = mirrorPrefix(url);
  const at = name => new URL(name, prefix).href;
  // 1. in the reverse of the publishing order: checkpoint before checkpoints.jsonl
  const files = new Map();
  const small = ['log.pub', 'checkpoint', 'checkpoints.jsonl', 'cosignatures.jsonl'];
  for (const [k, name] of small.entries()) {
    onProgress({ phase: 'files', done: k, total: small.length });
    const bytes = await get(fetchFn, at(name));
    if (bytes !== null) files.set(name, bytes);
    else if (name === 'log.pub') throw new FairdrawError(`${at(name)}: not found: no fairdraw log is published at ${prefix}`);
  }
  onProgress({ phase: 'files', done: small.length, total: small.length });
  // 2. the entries of the committed size
  const size = committedSize(files.get('checkpoints.jsonl'));
  const leaves = new Array(size).fill(null);
  let done = 0;
  await pool(size, concurrency, async (i) => {
    leaves[i] = await get(fetchFn, at(entryPath(i)));
    onProgress({ phase: 'entries', done: ++done, total: size });
  });
  const missingEntries = [];
  leaves.forEach((l, i) => { if (l === null) missingEntries.push(i); });
  const prefixLeaves = missingEntries.length ? leaves.slice(0, missingEntries[0]) : leaves;
  // 3. the hash tiles of size C
  const wanted = tilesForSize(size).map(t => tilePath(t.level, t.n, t.width));
  const tiles = new Map();
  done = 0;
  await pool(wanted.length, concurrency, async (k) => {
    const bytes = await get(fetchFn, at(wanted[k]));
    if (bytes !== null) tiles.set(wanted[k], bytes);
    onProgress({ phase: 'tiles', done: ++done, total: wanted.length });
  });
  // 4. blobs the entries name, fetched when the checks ask for them; nothing else
  // is published (never private/, salts or a protected log's full snapshots)
  const published = namedBlobs(prefixLeaves);
  const readBlob = async name => (published.has(name) ? get(fetchFn, at(name)) : null);
  // 5. every check, as if entries.jsonl held the entries
  const statics = async (v, log) => {
    listed(v.problem.bind(v), missingEntries.map(entryPath), 'missing on the mirror (HTTP 404): the mirror is incomplete',
      'entry files missing on the mirror (HTTP 404)');
    if (missingEntries.length || log.entries.length < log.size) {
      v.note('hash tiles not checked: the mirror lacks entries');
      return;
    }
    const expected = new Map();
    for (const t of tilesForSize(log.size)) expected.set(tilePath(t.level, t.n, t.width), { kind: 'tile', ...t });
    await compareStatics(v, log, expected, [...tiles.keys()], async name => tiles.get(name));
  };
  onProgress({ phase: 'checking', done: 0, total: 1 });
  const res = await verifyLog(files, { vkey, now, replay, old, readBlob, leaves: prefixLeaves, statics });
  return { ...res, size, lines: [`log: ${url} (static mirror)`, ...res.lines] };
}
