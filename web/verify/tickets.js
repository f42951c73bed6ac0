// web/verify/tickets.js — SPEC §7 Tickets and §8.1 the random stream.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { concatBytes, fastHashing, hex, sha256, sha256Each, sha256Many, sha256Prefix, sha256Sync, sha256TicketAfter, utf8 } from './sha256.js';

export async function seedHash(seed) { return hex(await sha256(utf8(seed))); }

const REV3 = Array.from({ length: 1000 }, (_, r) => String(r).padStart(3, '0').split('').reverse().join(''));
const ticketLimbs = new Float64Array(16);
/**
 * §7 step 3 from the digest h[off..off+32): the 256-bit big-endian integer in
 * decimal, left-padded with 0 to 64 digits, reversed, after "0.". Computed
 * with 16-bit limbs and base-10^9 division (exact in doubles), least
 * significant digits first — which is the reversed order the ticket needs.
 */
export function ticketFromDigest(h, off = 0) {
  const L = ticketLimbs;
  for (let k = 0; k < 16; k++) L[k] = (h[off + 2 * k] << 8) | h[off + 2 * k + 1];
  let top = 0;
  while (top < 16 && L[top] === 0) top++;
  let s = '0.';
  let digits = 0;
  while (top < 16) {
    let r = 0;
    for (let k = top; k < 16; k++) {
      const cur = r * 65536 + L[k]; // < 10^9 · 2^16 < 2^53
      const q = Math.floor(cur / 1e9);
      L[k] = q;
      r = cur - q * 1e9;
    }
    while (top < 16 && L[top] === 0) top++;
    if (top < 16) { // a full 9-digit group, least significant digit first
      const a = Math.floor(r / 1e6), b = Math.floor(r / 1e3) % 1000, c = r % 1000;
      s += REV3[c] + REV3[b] + REV3[a];
      digits += 9;
    } else { // the most significant group: no leading zeros
      for (; r > 0; r = Math.floor(r / 10)) { s += String(r % 10); digits++; }
    }
  }
  for (; digits < 64; digits++) s += '0';
  return s;
}

/** The same, with BigInt (reference for tests). */
export function ticketFromDigestBig(h) {
  const n = BigInt('0x' + hex(h));
  return '0.' + n.toString(10).padStart(64, '0').split('').reverse().join('');
}

/** §7: the ticket of one id (consistent-sampler 1.0.10 first_fraction). */
export async function ticket(id, seed) {
  return ticketFromDigest(await sha256(utf8((await seedHash(seed)) + id)));
}

/** REV5[v]: the 5 decimal digits of v (0 <= v < 10^5, zero-padded) in reverse order, as a number. */
const REV5 = new Uint32Array(100000);
for (let v = 0; v < 100000; v++) REV5[v] = Number(String(v).padStart(5, '0').split('').reverse().join(''));

/**
 * The first 9 digits of the ticket (after "0.") as a number: the 9 least
 * significant decimal digits of the digest's integer n, reversed. n mod 10^9
 * is one pass over its 16-bit limbs (r·2^16 + limb < 2^53: exact in
 * doubles, and a floor division instead of `%`, which on numbers above 2^31
 * is a slow floating-point remainder); the digits are reversed 5 and 4 at a
 * time by table. Tickets with different keys compare like their keys;
 * equal keys need the full tickets.
 */
export function ticketKey(h, off = 0) {
  let r = 0;
  for (let k = off; k < off + 32; k += 2) {
    const cur = r * 65536 + ((h[k] << 8) | h[k + 1]);
    r = cur - Math.floor(cur / 1e9) * 1e9;
  }
  const low = r % 100000, high = (r - low) / 100000; // digits 1–5 and 6–9 from the right
  return REV5[low] * 1e4 + REV5[high] / 10; // (REV5 of a 4-digit number ends in a 0)
}

/**
 * §7 tickets of the firms `firms` (numbers of firms of the registry
 * ./registry.js): {keys: their sort keys (ticketKey), ticket(i): the full
 * ticket of firms[i]}. Only keys are kept — a digest is hashed again for
 * the few tickets written out — so that 10^6 tickets take 8 MB, not 40.
 */
export async function ticketKeys(ents, firms, seedHex) {
  const n = firms.length;
  const keys = new Uint32Array(n); // (9 digits: below 2^32)
  if (await fastHashing()) {
    // UTF-8(seed_hash || uscc): the 64 ASCII hex digits are exactly one
    // SHA-256 block, compressed once for all tickets; the USCC is hashed
    // from the registry's bytes where it lies
    const prefix = sha256Prefix(utf8(seedHex));
    const digest = new Uint8Array(32);
    const hash = i => sha256TicketAfter(prefix, ents.codes, 18 * firms[i], digest, 0);
    for (let i = 0; i < n; i++) keys[i] = ticketKey(hash(i), 0);
    return { keys, ticket: i => ticketFromDigest(hash(i), 0) };
  }
  const digests = new Uint8Array(n * 32);
  await sha256Each(n, i => utf8(seedHex + ents.uscc(firms[i])), (i, d) => digests.set(d, i * 32));
  for (let i = 0; i < n; i++) keys[i] = ticketKey(digests, i * 32);
  return { keys, ticket: i => ticketFromDigest(digests, i * 32) };
}

// ═════════════════════════════════════════════════════════════════════════════
// §8.1 The random stream
// ═════════════════════════════════════════════════════════════════════════════

const TWO64 = 1n << 64n;

export class RandomStream {
  /** Use `await RandomStream.create(seed)`. */
  constructor(key) {
    this.key = key;
    this.nextBlock = 0;
    this.words = [];
    this.pos = 0;
    this.wordsUsed = 0;
  }
  static async create(seed) {
    const key = await sha256(concatBytes(utf8('fairdraw-v1/assign'), Uint8Array.of(0), utf8(seed)));
    return new RandomStream(key);
  }
  async refill(blocks = 64) {
    const inputs = [];
    for (let b = 0; b < blocks; b++) {
      const buf = new Uint8Array(40);
      buf.set(this.key, 0);
      new DataView(buf.buffer).setBigUint64(32, BigInt(this.nextBlock + b), false);
      inputs.push(buf);
    }
    const ds = (await fastHashing()) ? inputs.map(b => sha256Sync(b)) : await sha256Many(inputs);
    this.nextBlock += blocks;
    const words = this.words.slice(this.pos);
    for (const d of ds) {
      const dv = new DataView(d.buffer, d.byteOffset, 32);
      for (let w = 0; w < 4; w++) words.push(dv.getBigUint64(8 * w, false));
    }
    this.words = words;
    this.pos = 0;
  }
  /** The next 64-bit word (BigInt). */
  async word() {
    if (this.pos >= this.words.length) await this.refill();
    this.wordsUsed++;
    return this.words[this.pos++];
  }
  /** §8.1 uniform(n): rejection sampling, at least one word. */
  async uniform(n) {
    if (!(n >= 1)) throw new Error(`uniform(${n})`);
    const N = BigInt(n);
    const limit = TWO64 - (TWO64 % N);
    for (;;) {
      const x = await this.word();
      if (x < limit) { const r = x % N; return r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r; }
    }
  }
}
