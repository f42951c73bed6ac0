// web/verify/merkle.js — SPEC §5 the roots of snapshots: RFC 6962 Merkle
// Tree Hash (of leaves, of leaf hashes, of a stream of leaves), inclusion
// proofs.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { fastHashing, hex, sha256, sha256Each, sha256Node, sha256Sync, utf8, utf8Encoder } from './sha256.js';
import { forEachLine } from './gzip.js';

/**
 * MTH over leaf byte strings (Uint8Array, or strings hashed as UTF-8).
 * Computed bottom-up level by level (a lone last node is carried up
 * unchanged), which equals the recursive RFC 6962 definition with k =
 * largest power of two < n.
 */
export async function merkleRoot(leaves) {
  const n = leaves.length;
  if (n === 0) return hex(await sha256(new Uint8Array(0)));
  const level = new Uint8Array(n * 32); // the leaf hashes, 32 bytes each
  if (await fastHashing()) {
    let buf = new Uint8Array(1024); // 0x00 || leaf, reused
    for (let i = 0; i < n; i++) {
      const d = leaves[i];
      const need = 1 + (typeof d === 'string' ? 3 * d.length : d.length);
      if (need > buf.length) buf = new Uint8Array(2 * need);
      buf[0] = 0x00;
      const len = 1 + (typeof d === 'string' ? utf8Encoder.encodeInto(d, buf.subarray(1)).written : (buf.set(d, 1), d.length));
      sha256Sync(buf, level, i * 32, len);
    }
  } else {
    await sha256Each(n, (i) => {
      const d = typeof leaves[i] === 'string' ? utf8(leaves[i]) : leaves[i];
      const buf = new Uint8Array(d.length + 1);
      buf.set(d, 1);
      return buf;
    }, (i, h) => level.set(h, i * 32));
  }
  return hex(await treeRoot(level, n));
}

/** MTH's split of n >= 2 leaves: the largest power of two below n. */
export function splitPoint(n) {
  let k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

/**
 * The root (32 bytes) of the tree over `n` leaf hashes (level[32i..32i+32)
 * for leaf i), level by level; `level` is overwritten. Each node is
 * SHA-256(0x01 || left || right) (sha256Node); MTH({}) = SHA-256().
 */
export async function treeRoot(level, n) {
  if (n === 0) return sha256(new Uint8Array(0));
  const fast = await fastHashing();
  let len = n;
  while (len > 1) {
    const pairs = len >> 1;
    const cur = level;
    // the level above is written over the one below: node i reads bytes
    // [64i, 64i+64) and writes [32i, 32i+32), which no later node reads
    if (fast) for (let i = 0; i < pairs; i++) sha256Node(cur, 64 * i, cur, 32 * i);
    else {
      const hashes = [];
      await sha256Each(pairs, (i) => {
        const buf = new Uint8Array(65);
        buf[0] = 0x01;
        buf.set(cur.subarray(i * 64, i * 64 + 64), 1);
        return buf;
      }, (i, h) => { hashes[i] = h; });
      hashes.forEach((h, i) => cur.set(h, i * 32));
    }
    if (len % 2 === 1) cur.copyWithin(pairs * 32, (len - 1) * 32, len * 32);
    len = (len + 1) >> 1;
  }
  return level.slice(0, 32);
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
    const { hashes, sizes } = this;
    let k = this.depth, size = 1;
    sha256Sync(this.buf, hashes, 32 * k, leaf.length + 1);
    while (k > 0 && sizes[k - 1] === size) {
      // subtrees k-1 (left) and k (right) lie side by side: their parent replaces k-1
      sha256Node(hashes, 32 * (k - 1), hashes, 32 * (k - 1));
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

/**
 * The root (hex) of a snapshot blob (LOG-FORMAT.md "Snapshots": gzip, or
 * already inflated, one leaf per line), read as a stream with MerkleStream.
 */
export async function blobRoot(raw) {
  const tree = new MerkleStream();
  await forEachLine(raw, line => tree.add(line));
  return tree.root();
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
