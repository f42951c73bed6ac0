// web/verify/enterprise-leaves.js — SPEC §5: the enterprise snapshot's
// leaves, made from the registry's columns (./registry.js) into one reused
// buffer, and their hashes in USCC order. Used by ./snapshots.js and
// ./root-share.js, in this thread or a Worker.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { usccOrder } from './order.js';
import { fastHashing, sha256Each, sha256Sync, utf8, utf8Encoder } from './sha256.js';
import { textOf } from './csv.js';
import { STATUS_VALUES } from './tables.js';
import { CLASSES } from './plan.js';
import { jsonString } from './canonical-json.js';

/**
 * §5 the enterprise leaf of firm f (its number in the registry) from the
 * columns of ./snapshots.js leafColumns(): {w, leaf(f) -> its length}; the
 * leaf is w.buf[0..length), 0x00 first (the RFC 6962 leaf prefix), valid
 * until the next call: UTF-8(canonicalJson([uscc, name, credit_class,
 * region, industry, status, extras...])).
 */
export function leafMaker(columns) {
  const { codes, names, nameEnd, cls, region, industry, status, extras } = columns;
  // the few distinct classes, regions, industries and statuses, each encoded once, after their comma
  const json = texts => texts.map(x => utf8(',' + jsonString(x)));
  const classJson = json(CLASSES), regionJson = json(columns.regions), industryJson = json(columns.industries), statusJson = json(STATUS_VALUES);
  const w = new LeafBytes();
  const leaf = (f) => {
    w.start();
    w.quoted(codes, 18 * f, 18 * f + 18);
    w.quoted(names, f ? nameEnd[f - 1] : 0, nameEnd[f]);
    w.encoded(classJson[cls[f]]);
    w.encoded(regionJson[region[f]]);
    w.encoded(industryJson[industry[f]]);
    w.encoded(statusJson[status[f]]);
    for (const values of extras) w.string(values[f]);
    return w.end();
  };
  /**
   * Is leaf f, without its 0x00 and brackets, the bytes of `csv` from `pos`
   * up to an LF? The position after that LF, or -1. Compared as it would be
   * written, without writing it, when nothing in it needs an escape and
   * there are no extras (a large registry's leaves); otherwise made, then
   * compared.
   */
  const recordAt = (f, csv, pos) => {
    if (extras.length === 0) {
      let p = quotedAt(codes, 18 * f, 18 * f + 18, csv, pos);
      if (p >= 0) p = csv[p] === 0x2c ? quotedAt(names, f ? nameEnd[f - 1] : 0, nameEnd[f], csv, p + 1) : -1;
      if (p !== -2) {
        p = bytesAt(statusJson[status[f]], csv, bytesAt(industryJson[industry[f]], csv, bytesAt(regionJson[region[f]], csv, bytesAt(classJson[cls[f]], csv, p))));
        return p >= 0 && csv[p] === 0x0a ? p + 1 : -1;
      }
    }
    const len = leaf(f); // 0x00 [ … ]
    const body = len - 3, b = w.buf;
    if (pos + body >= csv.length || csv[pos + body] !== 0x0a) return -1;
    for (let k = 0; k < body; k++) if (b[2 + k] !== csv[pos + k]) return -1;
    return pos + body + 1;
  };
  return { w, leaf, recordAt };
}

/**
 * `"` src[from..to) `"` at csv[p..): the position after it; -1 when it is
 * not there; -2 when src holds a byte that JSON escapes (then it would not
 * be written as is: LeafBytes.quoted). A position -1 or -2 stays as it is.
 */
function quotedAt(src, from, to, csv, p) {
  if (p < 0) return p;
  if (p + to - from + 2 > csv.length || csv[p] !== 0x22) return -1;
  let o = p + 1;
  for (let k = from; k < to; k++, o++) {
    const c = src[k];
    if (c < 0x20 || c === 0x22 || c === 0x5c) return -2;
    if (c !== csv[o]) return -1;
  }
  return csv[o] === 0x22 ? o + 1 : -1;
}

/** The bytes b at csv[p..): the position after them, or -1 (also when p is -1). */
function bytesAt(b, csv, p) {
  if (p < 0 || p + b.length > csv.length) return -1;
  for (let k = 0; k < b.length; k++) if (csv[p + k] !== b[k]) return -1;
  return p + b.length;
}

/**
 * §5 the enterprise leaf hashes from leafColumns(), in USCC order (32 bytes
 * each): leaf = UTF-8(canonicalJson([uscc, name, credit_class, region,
 * industry, status, extras...])), as two arrays: the first `split`, and the
 * rest. The leaves are made in registry (file) order — the order their
 * bytes lie in memory — and each hash is put at the leaf's place in USCC
 * order.
 */
export async function enterpriseLeafHashes(columns, split) {
  const { count: n, codes } = columns;
  const { order } = usccOrder(codes, n);
  const place = new Uint32Array(n); // firm f is leaf place[f]
  for (let j = 0; j < n; j++) place[order[j]] = j;
  const { w, leaf } = leafMaker(columns);
  const first = new Uint8Array(32 * split), rest = new Uint8Array(32 * (n - split));
  if (await fastHashing()) {
    for (let f = 0; f < n; f++) {
      const p = place[f], len = leaf(f);
      if (p < split) sha256Sync(w.buf, first, 32 * p, len);
      else sha256Sync(w.buf, rest, 32 * (p - split), len);
    }
  } else {
    await sha256Each(n, f => w.buf.slice(0, leaf(f)), (f, h) => {
      const p = place[f];
      if (p < split) first.set(h, 32 * p); else rest.set(h, 32 * (p - split));
    });
  }
  return [first, rest];
}

/**
 * 0x00 || UTF-8 of the canonical JSON (§4) of an array of strings, written
 * value by value into one reused buffer: 10^6 enterprise leaves are hashed
 * without building a string for each. Values come as UTF-8 bytes
 * (quoted()), already encoded with the comma before them (encoded(): the
 * few distinct classes, regions, industries and statuses), or as text
 * (string()).
 */
class LeafBytes {
  constructor() {
    this.buf = new Uint8Array(1024);
    this.len = 0;
  }

  start() {
    this.buf[0] = 0x00;
    this.buf[1] = 0x5b; // [
    this.len = 2;
  }

  /** Closes the array; the leaf is buf[0..len) (its length returned), valid until the next start(). */
  end() {
    this.room(1);
    this.buf[this.len++] = 0x5d; // ]
    return this.len;
  }

  /** Room for n more bytes. */
  room(n) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(2 * (this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** The string whose UTF-8 is src[from..to) (valid UTF-8): copied between quotes when it needs no escape. */
  quoted(src, from, to) {
    const at = this.len;
    this.room(to - from + 3);
    const buf = this.buf;
    let o = at;
    if (o > 2) buf[o++] = 0x2c; // ,
    buf[o++] = 0x22;
    for (let k = from; k < to; k++) {
      const c = src[k];
      if (c < 0x20 || c === 0x22 || c === 0x5c) { this.string(textOf(src, from, to)); return; }
      buf[o++] = c;
    }
    buf[o++] = 0x22;
    this.len = o;
  }

  /** A value already encoded: `,"…"` (copied by a loop: a call to set() costs more for a few bytes). */
  encoded(b) {
    this.room(b.length);
    const buf = this.buf;
    let o = this.len;
    for (let k = 0; k < b.length; k++) buf[o++] = b[k];
    this.len = o;
  }

  /** The string s, as JSON with the escapes §4 needs. */
  string(s) {
    this.room(6 * s.length + 3); // a control character would be written as \u00xx
    if (this.len > 2) this.buf[this.len++] = 0x2c;
    this.len += utf8Encoder.encodeInto(jsonString(s), this.buf.subarray(this.len)).written;
  }
}

/**
 * Are the enterprise leaves of `columns`, in registry order, the records of
 * `csv` after its header line, each one between "[" and "]" — and is the
 * registry in USCC order, so that leaf f is the tree's leaf f? Used by
 * web/logged.js: a snapshot whose every line was copied as its CSV record
 * (./rebuild.js copiedRecord) is then, line for line, the leaves the
 * recomputation hashed, and has its root without being hashed again.
 * That rests on three facts, kept where they live: a leaf holds no raw LF
 * (LeafBytes copies only bytes >= 0x20 and escapes the rest, §4), so the
 * records line up with the leaves only if each record is its leaf; the
 * CSV reader (./csv.js) never writes into the bytes it reads, so `csv` is
 * still the snapshot's lines; and `columns` are the ones the root was
 * hashed from (./snapshots.js enterpriseLeavesAre, leafColumns).
 */
export function leavesAreRecords(columns, csv) {
  const { count: n, codes } = columns;
  for (let f = 1; f < n; f++) { // strictly ascending USCCs: the USCC order is the registry's
    let k = 0;
    while (k < 18 && codes[18 * f - 18 + k] === codes[18 * f + k]) k++;
    if (k === 18 || codes[18 * f - 18 + k] > codes[18 * f + k]) return false;
  }
  let pos = csv.indexOf(0x0a) + 1; // after the header
  if (pos === 0) return false;
  const { recordAt } = leafMaker(columns);
  for (let f = 0; f < n && pos >= 0; f++) pos = recordAt(f, csv, pos);
  return pos === csv.length;
}
