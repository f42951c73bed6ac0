// web/verify/sha256.js — SHA-256 (FIPS 180-4) for SPEC §5 and §7: WebCrypto
// for one-off hashes, a checked synchronous implementation for per-row
// hashes; UTF-8 and hex helpers.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { FairdrawError } from './errors.js';

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const utf8Encoder = new TextEncoder();
export function utf8(s) { return utf8Encoder.encode(s); }

let subtleFound = null; // a Promise<SubtleCrypto>, looked up once
/**
 * WebCrypto's SubtleCrypto: globalThis.crypto in browsers and node >= 20;
 * node 18 (Debian 12) has no global `crypto` unless flagged, but exports the
 * same object as `webcrypto` from node:crypto, imported only under node.
 */
function subtle() {
  if (!subtleFound) {
    subtleFound = (async () => {
      if (globalThis.crypto?.subtle) return globalThis.crypto.subtle;
      if (typeof process === 'object' && process?.versions?.node) {
        const { webcrypto } = await import('node:crypto');
        if (webcrypto?.subtle) return webcrypto.subtle;
      }
      throw new FairdrawError('WebCrypto (crypto.subtle) is not available in this environment', [], 'environment');
    })();
  }
  return subtleFound;
}

export async function sha256(bytes) {
  return new Uint8Array(await (await subtle()).digest('SHA-256', bytes));
}

/**
 * SHA-256 of `count` inputs made by `input(i)`, run concurrently in batches
 * (WebCrypto digests are asynchronous); `output(i, digestBytes)` receives each
 * result. Inputs are created per batch so that large registries do not keep
 * millions of buffers alive.
 */
export async function sha256Each(count, input, output, batch = 512) {
  const sub = subtle();
  for (let i = 0; i < count; i += batch) {
    const end = Math.min(count, i + batch);
    const ps = [];
    for (let j = i; j < end; j++) ps.push(sub.digest('SHA-256', input(j)));
    const rs = await Promise.all(ps);
    for (let j = i; j < end; j++) output(j, new Uint8Array(rs[j - i]));
  }
}

/** SHA-256 of many inputs -> array of digests. */
export async function sha256Many(inputs) {
  const out = new Array(inputs.length);
  await sha256Each(inputs.length, i => inputs[i], (i, d) => { out[i] = d; });
  return out;
}

// ── SHA-256 in plain JavaScript (FIPS 180-4), synchronous ─────────────────────
// WebCrypto's digest() is asynchronous and costs a few microseconds per call,
// which dominates for the millions of short per-row hashes (tickets, Merkle
// leaves and nodes). The per-row hashing therefore uses this implementation,
// after checking once against WebCrypto that both agree (fastHashing());
// one-off hashes (seed, plan digest, random stream) still use WebCrypto.

const SHA_K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2);
const SHA_IV = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const shaW = new Int32Array(64);
const shaH = new Int32Array(8);
const shaTail = new Uint8Array(128);

/**
 * One compression of the 64-byte block bytes[off..off+64) into shaH. The
 * message schedule is extended inside the round loop, and the state lives in
 * locals (V8 keeps them in registers): about a fifth faster than separate
 * loops over typed arrays.
 */
function shaBlock(bytes, off) {
  const W = shaW, H = shaH, K = SHA_K;
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let t = 0; t < 64; t++) {
    let w;
    if (t < 16) {
      w = (bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3];
      off += 4;
    } else {
      const x = W[t - 15], y = W[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    W[t] = w;
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
}

/**
 * SHA-256 of bytes[0..len) (len defaults to bytes.length), written to
 * out[outOff..outOff+32); returns out. Synchronous.
 */
export function sha256Sync(bytes, out = new Uint8Array(32), outOff = 0, len = bytes.length) {
  setState(SHA_IV);
  return shaFinish(bytes, len, 0, out, outOff);
}

/**
 * The state of SHA-256 after the whole 64-byte blocks of `prefix`: many
 * messages that start with the same block (§7: every ticket hashes the 64 hex
 * digits of seed_hash, then a USCC) need that block compressed only once.
 */
export function sha256Prefix(prefix) {
  if (prefix.length % 64 !== 0) throw new Error('sha256Prefix: the prefix must be whole 64-byte blocks');
  shaH.set(SHA_IV);
  for (let off = 0; off < prefix.length; off += 64) shaBlock(prefix, off);
  return { state: Int32Array.from(shaH), length: prefix.length };
}

/** SHA-256 of prefix ‖ bytes[0..len), with `prefix` = sha256Prefix(prefix); like sha256Sync. */
export function sha256SyncAfter(prefix, bytes, out = new Uint8Array(32), outOff = 0, len = bytes.length) {
  setState(prefix.state);
  return shaFinish(bytes, len, prefix.length, out, outOff);
}

/** shaH = state, by a loop: for 10^6 short messages TypedArray.set and fill are calls that cost more than they do. */
function setState(state) { for (let k = 0; k < 8; k++) shaH[k] = state[k]; }

/** The blocks of bytes[0..len) and the padding, after `before` bytes already in shaH. */
function shaFinish(bytes, len, before, out, outOff) {
  const full = len - (len % 64);
  for (let off = 0; off < full; off += 64) shaBlock(bytes, off);
  const rem = len - full;
  const tail = shaTail;
  for (let k = 0; k < rem; k++) tail[k] = bytes[full + k];
  tail[rem] = 0x80;
  const end = rem < 56 ? 64 : 128;
  for (let k = rem + 1; k < end - 8; k++) tail[k] = 0;
  const total = before + len;
  const hi = Math.floor(total / 0x20000000); // bit length = total * 8, as a 64-bit big-endian number
  const lo = (total * 8) >>> 0;
  tail[end - 8] = hi >>> 24; tail[end - 7] = hi >>> 16; tail[end - 6] = hi >>> 8; tail[end - 5] = hi;
  tail[end - 4] = lo >>> 24; tail[end - 3] = lo >>> 16; tail[end - 2] = lo >>> 8; tail[end - 1] = lo;
  shaBlock(tail, 0);
  if (end === 128) shaBlock(tail, 64);
  for (let k = 0; k < 8; k++) {
    const v = shaH[k];
    out[outOff++] = v >>> 24; out[outOff++] = v >>> 16; out[outOff++] = v >>> 8; out[outOff++] = v;
  }
  return out;
}

let fastHashState = null; // null: not checked yet; else a Promise<boolean>
/**
 * true when sha256Sync agrees with WebCrypto on a set of inputs covering every
 * padding case (checked once). If it ever did not, the per-row hashing falls
 * back to WebCrypto, which is slower but needs no trust in this file's SHA-256.
 */
export function fastHashing() {
  if (!fastHashState) {
    fastHashState = (async () => {
      const sub = await subtle();
      let seed = 0x9e3779b9;
      const rnd = () => { seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0; return seed >>> 24; };
      for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 82, 119, 120, 127, 128, 129, 200, 1000]) {
        const m = Uint8Array.from({ length: n }, rnd);
        const want = new Uint8Array(await sub.digest('SHA-256', m));
        const got = sha256Sync(m);
        for (let k = 0; k < 32; k++) if (want[k] !== got[k]) return false;
        if (n >= 64) { // and the same message as a prefix block and the rest (sha256SyncAfter)
          const after = sha256SyncAfter(sha256Prefix(m.subarray(0, 64)), m.subarray(64));
          for (let k = 0; k < 32; k++) if (want[k] !== after[k]) return false;
        }
      }
      return true;
    })();
  }
  return fastHashState;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function hex(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export function concatBytes(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function sameBytes(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

/** Lower-case hex (as validated by the caller) -> bytes. */
export function fromHex(s) { return Uint8Array.from(s.match(/../g) || [], x => parseInt(x, 16)); }
