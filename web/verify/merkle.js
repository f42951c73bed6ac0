// web/verify/merkle.js — SPEC §5 Snapshots and their roots: RFC 6962 Merkle
// Tree Hash, leaves, the scope.where columns.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { cmpCodePoint, cmpTuple, sortByKey, usccOrder } from './order.js';
import { fastHashing, hex, sha256, sha256Each, sha256Sync, utf8, utf8Encoder } from './sha256.js';
import { ENTERPRISE_FIELDS, headerMatches, parseDate } from './tables.js';
import { inRange, normalizeValue, rangeKind } from './ranges.js';
import { JSON_NEEDS_ESCAPE, canonicalJson, jsonString } from './canonical-json.js';

/**
 * MTH over leaf byte strings. Computed bottom-up level by level (a lone last
 * node is carried up unchanged), which equals the recursive RFC 6962
 * definition with k = largest power of two < n; each level's hashes run in
 * parallel batches.
 */
export async function merkleRoot(leaves) {
  return merkleRootOf(leaves.length, i => leaves[i]);
}

/**
 * MTH of `n` leaves produced on demand by `leaf(i)` (Uint8Array, or a string
 * hashed as UTF-8); `leaf(i)` is the tree's leaf `place[i]` (default: i).
 * With `prefixed`, each leaf is bytes that already start with the 0x00 of
 * RFC 6962 (hashed as they are, not copied behind one).
 * The leaves can so be made in the order their data lie in memory: the
 * enterprise registry is read in file order, and visiting 10^6 firms in
 * USCC order instead made every string access a cache miss.
 */
async function merkleRootOf(n, leaf, place = null, prefixed = false) {
  if (n === 0) return hex(await sha256(new Uint8Array(0)));
  const fast = await fastHashing();
  let level = new Uint8Array(n * 32); // node hashes of the current level, 32 bytes each
  if (fast) {
    let buf = new Uint8Array(1024); // 0x00 || leaf, reused
    let body = buf.subarray(1);
    for (let i = 0; i < n; i++) {
      const d = leaf(i);
      if (prefixed) { sha256Sync(d, level, (place ? place[i] : i) * 32, d.length); continue; }
      const need = 1 + (typeof d === 'string' ? 3 * d.length : d.length);
      if (need > buf.length) { buf = new Uint8Array(2 * need); body = buf.subarray(1); }
      buf[0] = 0x00;
      let len;
      if (typeof d === 'string') len = 1 + utf8Encoder.encodeInto(d, body).written;
      else { buf.set(d, 1); len = 1 + d.length; }
      sha256Sync(buf, level, (place ? place[i] : i) * 32, len);
    }
  } else {
    await sha256Each(n, i => {
      let d = leaf(i);
      if (prefixed) return d.slice(); // (leaf() reuses its buffer)
      if (typeof d === 'string') d = utf8(d);
      const buf = new Uint8Array(d.length + 1);
      buf[0] = 0x00;
      buf.set(d, 1);
      return buf;
    }, (i, h) => level.set(h, (place ? place[i] : i) * 32));
  }
  let len = n;
  const node = new Uint8Array(65); // 0x01 || left || right, reused
  node[0] = 0x01;
  while (len > 1) {
    const pairs = len >> 1;
    const next = new Uint8Array(((len + 1) >> 1) * 32);
    const cur = level;
    if (fast) {
      for (let i = 0; i < pairs; i++) {
        for (let b = 0; b < 64; b++) node[1 + b] = cur[i * 64 + b]; // (a subarray per node would be 10^6 objects)
        sha256Sync(node, next, i * 32, 65);
      }
    } else {
      await sha256Each(pairs, i => {
        const buf = new Uint8Array(65);
        buf[0] = 0x01;
        buf.set(cur.subarray(i * 64, i * 64 + 64), 1);
        return buf;
      }, (i, h) => next.set(h, i * 32));
    }
    if (len % 2 === 1) next.set(cur.subarray((len - 1) * 32, len * 32), pairs * 32);
    level = next;
    len = (len + 1) >> 1;
  }
  return hex(level.subarray(0, 32));
}

/**
 * UTF-8 bytes of the canonical JSON (§4) of an array of strings, written
 * field by field into one reused buffer: 10^6 enterprise leaves are hashed
 * without building a string for each. ASCII without " and \ is copied as
 * it is; anything else goes through jsonString and TextEncoder.
 */
class StringArrayBytes {
  /** `leafPrefix`: the bytes start with the 0x00 of an RFC 6962 leaf, then the array. */
  constructor(leafPrefix = false) {
    this.buf = new Uint8Array(1024);
    this.from = leafPrefix ? 1 : 0; // where the array starts
    this.len = 0;
    this.known = new Map(); // encodings of values that repeat on every row (status)
  }

  start() { this.buf[0] = 0x00; this.buf[this.from] = 0x5b; /* [ */ this.len = this.from + 1; }

  /** The bytes so far, the array closed: a view valid until the next start(). */
  end() {
    this.room(1);
    this.buf[this.len++] = 0x5d; // ]
    return this.buf.subarray(0, this.len);
  }

  room(n) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(2 * (this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  comma() { if (this.len > this.from + 1) this.buf[this.len++] = 0x2c; }

  string(s) {
    const n = s.length;
    this.room(6 * n + 8); // a control character would be written as \u00xx
    this.comma();
    const buf = this.buf;
    const at = this.len;
    let o = at;
    buf[o++] = 0x22;
    // UTF-8 written here for ASCII and the rest of the BMP (Chinese names: a
    // call into TextEncoder per name cost more than the encoding itself);
    // escapes and surrogate pairs go the general way
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x80) {
        if (c < 0x20 || c === 0x22 || c === 0x5c) { this.general(s, at); return; }
        buf[o++] = c;
      } else if (c < 0x800) {
        buf[o++] = 0xc0 | (c >> 6); buf[o++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c < 0xe000) {
        this.general(s, at); return;
      } else {
        buf[o++] = 0xe0 | (c >> 12); buf[o++] = 0x80 | ((c >> 6) & 0x3f); buf[o++] = 0x80 | (c & 0x3f);
      }
    }
    buf[o++] = 0x22;
    this.len = o;
  }

  /** The string `s` as JSON (with escapes where needed) in UTF-8 from buf[at]. */
  general(s, at) {
    const buf = this.buf;
    if (JSON_NEEDS_ESCAPE.test(s)) { // escapes: the general way
      this.len = at + utf8Encoder.encodeInto(jsonString(s), buf.subarray(at)).written;
      return;
    }
    let o = at + 1 + utf8Encoder.encodeInto(s, buf.subarray(at + 1)).written;
    buf[o++] = 0x22;
    this.len = o;
  }

  repeated(s) {
    let b = this.known.get(s);
    if (b === undefined) { b = utf8(jsonString(s)); this.known.set(s, b); }
    this.room(b.length + 1);
    this.comma();
    this.buf.set(b, this.len);
    this.len += b.length;
  }
}

/**
 * RFC 6962 MTH of leaves given one at a time (a snapshot read as a stream):
 * keeps one root per complete subtree of 2^h leaves, merged as soon as two
 * have the same size (at most log2(n) hashes held). root() joins the
 * remaining subtrees from the right, which is MTH's split at the largest
 * power of two below n. Leaves are hashed with the checked synchronous
 * SHA-256 (use merkleRoot when fastHashing() is false).
 */
export class MerkleStream {
  constructor() {
    this.count = 0;
    // the complete subtrees held, sizes strictly decreasing: subtree k has
    // sizes[k] leaves and its hash at hashes[32k..32k+32) — preallocated,
    // so 10^6 leaves allocate nothing (2^64 leaves would need 64)
    this.depth = 0;
    this.sizes = new Float64Array(64);
    this.hashes = new Uint8Array(64 * 32);
    this.buf = new Uint8Array(1024);
    this.node = new Uint8Array(65);
    this.node[0] = 0x01;
  }

  add(leaf) {
    if (leaf.length + 1 > this.buf.length) this.buf = new Uint8Array(2 * (leaf.length + 1));
    this.buf[0] = 0x00;
    this.buf.set(leaf, 1);
    const { hashes, sizes, node } = this;
    let k = this.depth, size = 1;
    sha256Sync(this.buf, hashes, 32 * k, leaf.length + 1);
    while (k > 0 && sizes[k - 1] === size) {
      // subtrees k-1 (left) and k (right) lie side by side: their parent replaces k-1
      for (let b = 0; b < 64; b++) node[1 + b] = hashes[32 * (k - 1) + b];
      sha256Sync(node, hashes, 32 * (k - 1), 65);
      k--;
      size *= 2;
    }
    sizes[k] = size;
    this.depth = k + 1;
    this.count++;
  }

  /** The root as lower-case hex. */
  async root() {
    if (this.count === 0) return hex(await sha256(new Uint8Array(0)));
    const { hashes, node } = this;
    let h = hashes.slice(32 * (this.depth - 1), 32 * this.depth);
    for (let k = this.depth - 2; k >= 0; k--) {
      node.set(hashes.subarray(32 * k, 32 * k + 32), 1);
      node.set(h, 33);
      h = sha256Sync(node);
    }
    return hex(h);
  }
}

const BASE_ENTERPRISE_COLUMNS = ['uscc', 'name', 'credit_class', 'region', 'industry', 'status'];

/**
 * §5 + §6 "where": resolve the plan's where columns against the registry:
 * a column naming a §1.1 field uses that field; otherwise it is an extra column.
 * Returns {extraCols: [header text, sorted], tests: [[value, getter(e)]...],
 * extraValues: header text -> that column's values, aligned with ents.list}.
 */
export function resolveWhere(plan, ents) {
  const extraCols = [];
  const tests = []; // predicates e => bool
  const extraValues = new Map();
  // §5: the filter columns are where's and range's; established and extra
  // columns are in the leaf, ranged values normalised (§6.2)
  const kinds = new Map((plan.scope.range || []).map(r => [r[0], rangeKind(r)]));
  const valuesOf = (col) => {
    let values = extraValues.get(col);
    if (values) return values;
    if (col === 'established') values = ents.column(ents.table.fieldCol.get('established')).map(v => (v === '' ? '' : parseDate(v)));
    else {
      values = ents.column(ents.table.extras.get(col));
      if (kinds.has(col)) values = values.map(v => normalizeValue(kinds.get(col), v));
    }
    extraCols.push(col);
    extraValues.set(col, values);
    return values;
  };
  for (const [col, value] of plan.scope.where) {
    const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
    if (f && f.name !== 'established') {
      const name = f.name;
      tests.push(e => e[name] === value);
    } else {
      const values = valuesOf(col);
      tests.push(e => values[e.index] === value);
    }
  }
  for (const range of plan.scope.range || []) {
    const values = valuesOf(range[0]);
    tests.push(e => inRange(range, values[e.index]));
  }
  extraCols.sort(cmpCodePoint);
  if (plan.scope.wake) { // §5, §6.3: a waking plan's leaves end with the dormancy dates, after the filter columns
    for (const col of ['dormant_from', 'dormant_until']) {
      extraCols.push(col);
      extraValues.set(col, ents.list.map(e => e[col]));
    }
  }
  return { extraCols, tests, extraValues };
}

export async function snapshots(ents, insps, conflicts, extraCols, extraValues) {
  // Enterprises: [uscc, name, credit_class, region, industry, status, extras...], sorted by uscc
  const ecol = extraCols.map(c => extraValues.get(c));
  const list = ents.list;
  // (the order found while reading the registry, when it is the list's)
  const byUscc = ents.usccOrder || usccOrder(list.length, k => list[k].uscc).order;
  const place = new Uint32Array(list.length); // firm k (registry order) is leaf place[k]
  for (let j = 0; j < byUscc.length; j++) place[byUscc[j]] = j;
  const w = new StringArrayBytes(true);
  const eLeaf = k => {
    const e = list[k];
    // = 0x00 || UTF-8(canonicalJson([uscc, name, credit_class, region, industry, status, extras...]))
    w.start();
    w.string(e.uscc); w.string(e.name); w.string(e.credit_class); w.string(e.region); w.string(e.industry);
    w.repeated(e.status);
    for (const values of ecol) w.string(values[e.index]);
    return w.end();
  };
  // Inspectors, sorted by id
  const is = sortByKey(insps.list, i => i.id);
  const iLeaf = k => { const i = is[k]; return canonicalJson([i.id, i.name, i.department, i.region, i.active, i.role, i.qualifications, i.cert_expires]); };
  // Conflicts, sorted by inspector_id then uscc
  const cs = [...conflicts].sort(cmpTuple);
  const cLeaf = k => canonicalJson([cs[k][0], cs[k][1]]);
  const er = await merkleRootOf(list.length, eLeaf, place, true);
  const ir = await merkleRootOf(is.length, iLeaf);
  const cr = await merkleRootOf(cs.length, cLeaf);
  return {
    enterprises: { root: er, count: list.length, columns: [...BASE_ENTERPRISE_COLUMNS, ...extraCols] },
    inspectors: { root: ir, count: is.length },
    conflicts: { root: cr, count: cs.length },
  };
}

/**
 * RFC 9162 §2.1.3.2: does the audit path `proof` (32-byte hashes) lead from
 * the leaf hash `leafHash` at `index` to `root` in a tree of `size` leaves?
 */
export async function verifyInclusion(leafHash, index, size, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index, sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    const node = new Uint8Array(65); node[0] = 0x01;
    if (fn % 2 === 1 || fn === sn) {
      node.set(p, 1); node.set(r, 33);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else { node.set(r, 1); node.set(p, 33); }
    r = await sha256(node);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && hex(r) === hex(root);
}

/** RFC 6962 leaf hash SHA-256(0x00 ‖ data). */
export async function leafHash(data) {
  const b = new Uint8Array(data.length + 1); b.set(data, 1);
  return sha256(b);
}
