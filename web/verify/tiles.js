// web/verify/tiles.js — audit/LOG-FORMAT.md "Static publication: tiles
// (C2SP tlog-tiles)": file names, which files a log of committed sizes 1…C
// has, hash tiles and entry bundles derived from the entries. Pure: no I/O;
// the RFC 6962 node hash is passed in (web/verify/log.js has the one in use).
// Part of the independent verifier web/verify.js (see its header).

export const TILE_WIDTH = 256;
/** A C2SP entry bundle's length prefix is a uint16: longer entries have no bundle. */
export const MAX_BUNDLE_ENTRY = 65535;

/** C2SP path encoding of a tile index: 3-digit elements, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function encodeIndex(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`tile index ${n} is not a non-negative integer`);
  const parts = [];
  do { parts.unshift(String(n % 1000).padStart(3, '0')); n = Math.floor(n / 1000); } while (n > 0);
  return parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join('/');
}

const suffix = width => (width === TILE_WIDTH ? '' : `.p/${width}`);
/** `tile/<L>/<N>[.p/<W>]` */
export const tilePath = (level, n, width = TILE_WIDTH) => `tile/${level}/${encodeIndex(n)}${suffix(width)}`;
/** `tile/entries/<N>[.p/<W>]` */
export const bundlePath = (n, width = TILE_WIDTH) => `tile/entries/${encodeIndex(n)}${suffix(width)}`;
/** `entry/<N>`: fairdraw's one file per entry. */
export const entryPath = n => `entry/${encodeIndex(n)}`;

/**
 * The hash tiles a reader of a tree of `size` needs, level by level: the full
 * tiles, then the partial one (width floor(size / 256^l) mod 256, when not 0).
 * [{level, n, width}]
 */
export function tilesForSize(size) {
  const tiles = [];
  for (let level = 0, span = 1; span <= size; level++, span *= TILE_WIDTH) {
    const count = Math.floor(size / span); // hashes at this level
    const full = Math.floor(count / TILE_WIDTH);
    for (let n = 0; n < full; n++) tiles.push({ level, n, width: TILE_WIDTH });
    if (count % TILE_WIDTH) tiles.push({ level, n: full, width: count % TILE_WIDTH });
  }
  return tiles;
}

/**
 * Every static file of a log whose checkpoint records have sizes 1…size:
 * Map name -> {kind: 'tile' | 'bundle' | 'entry', level, n, width}, in the
 * order tiles, bundles, entries. `batchEnds`: the batch-end sizes;
 * `entryLength(i)`: the byte length of entry i (bundles exist only when every
 * entry in them fits a uint16 length).
 */
export function staticFiles(size, batchEnds, entryLength) {
  const files = new Map();
  for (let level = 0, span = 1; span <= size; level++, span *= TILE_WIDTH) {
    const count = Math.floor(size / span);
    // every c in 1…count is floor(s / span) of the size s = c·span ≤ size: its partial tile
    for (let c = 1; c <= count; c++) {
      const width = c % TILE_WIDTH || TILE_WIDTH; // c a multiple of 256: the full tile it completes
      const n = Math.floor((c - 1) / TILE_WIDTH);
      files.set(tilePath(level, n, width), { kind: 'tile', level, n, width });
    }
  }
  const fits = (start, width) => {
    for (let i = start; i < start + width; i++) if (entryLength(i) > MAX_BUNDLE_ENTRY) return false;
    return true;
  };
  const bundles = [];
  for (let n = 0; n < Math.floor(size / TILE_WIDTH); n++) bundles.push({ n, width: TILE_WIDTH });
  for (const s of batchEnds) if (s <= size && s % TILE_WIDTH) bundles.push({ n: Math.floor(s / TILE_WIDTH), width: s % TILE_WIDTH });
  bundles.sort((a, b) => a.n - b.n || a.width - b.width);
  for (const { n, width } of bundles) {
    if (fits(n * TILE_WIDTH, width)) files.set(bundlePath(n, width), { kind: 'bundle', level: null, n, width });
  }
  for (let i = 0; i < size; i++) files.set(entryPath(i), { kind: 'entry', level: null, n: i, width: 1 });
  return files;
}

/**
 * The hashes of every tile level for the leaf hashes `leafHashes` (32-byte
 * Uint8Arrays): levels[l][i] = MTH of leaves [i·256^l, (i+1)·256^l), for the
 * whole subtrees that exist. `node(left, right)` is the RFC 6962 node hash
 * (may return a promise).
 */
export async function hashLevels(leafHashes, node) {
  const levels = [leafHashes];
  for (let below = leafHashes; below.length >= TILE_WIDTH;) {
    const above = [];
    for (let i = 0; i + TILE_WIDTH <= below.length; i += TILE_WIDTH) above.push(await subtreeRoot(below.slice(i, i + TILE_WIDTH), node));
    levels.push(above);
    below = above;
  }
  return levels;
}

/** MTH of a perfect subtree given its 2^k bottom hashes. */
async function subtreeRoot(hashes, node) {
  let row = hashes;
  while (row.length > 1) {
    const next = [];
    for (let i = 0; i < row.length; i += 2) next.push(await node(row[i], row[i + 1]));
    row = next;
  }
  return row[0];
}

/** A tile's bytes (its hashes concatenated) from `levels`, or null when the log has no such hashes. */
export function tileBytes(levels, level, n, width) {
  const hashes = levels[level];
  const start = n * TILE_WIDTH;
  if (!hashes || width < 1 || width > TILE_WIDTH || start + width > hashes.length) return null;
  const out = new Uint8Array(width * 32);
  for (let i = 0; i < width; i++) out.set(hashes[start + i], i * 32);
  return out;
}

/** A C2SP entry bundle: each entry after its length as a big-endian uint16; null when one is longer than 65,535 bytes. */
export function entryBundle(leaves) {
  let total = 0;
  for (const l of leaves) {
    if (l.length > MAX_BUNDLE_ENTRY) return null;
    total += 2 + l.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const l of leaves) {
    out[at] = l.length >> 8; out[at + 1] = l.length & 0xff;
    out.set(l, at + 2);
    at += 2 + l.length;
  }
  return out;
}

/**
 * Present names against the expected set: {known, unknown, missing}, each a
 * list of names (unknown and missing sorted as given / in `expected` order).
 * Names with a path element beginning with `.` (temporary files) are ignored.
 */
export function classifyNames(presentNames, expected) {
  const present = new Set();
  const known = []; const unknown = [];
  for (const name of presentNames) {
    if (name.split('/').some(p => p.startsWith('.'))) continue;
    present.add(name);
    (expected.has(name) ? known : unknown).push(name);
  }
  const missing = [];
  for (const name of expected.keys()) if (!present.has(name)) missing.push(name);
  return { known, unknown, missing };
}

/** The expected bytes of a static file described by `desc` (from staticFiles): from the leaves and the hash levels; null when not derivable. */
export function derivedBytes(desc, leaves, levels) {
  if (desc.kind === 'entry') return desc.n < leaves.length ? leaves[desc.n] : null;
  if (desc.kind === 'tile') return tileBytes(levels, desc.level, desc.n, desc.width);
  const start = desc.n * TILE_WIDTH;
  if (start + desc.width > leaves.length) return null;
  return entryBundle(leaves.slice(start, start + desc.width));
}
