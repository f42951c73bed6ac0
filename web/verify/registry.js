// web/verify/registry.js — SPEC §1.1 the enterprise registry, read into
// columns.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// A registry of 10^6 firms is kept as typed arrays, one entry per firm,
// instead of 10^6 objects of strings: the USCCs (validated, upper-cased) as
// 18 ASCII bytes each, the names' UTF-8 side by side, the class and status
// as small codes, the region and industry as numbers of their distinct
// values (a registry has few). The cells are read as bytes of the file
// (./csv.js), without a string for each. The draw reads the columns as
// bytes too (snapshot leaves, tickets), and makes firm objects only for the
// targets (firm(k)) and text only where a value is compared as text.

import { textOf } from './csv.js';
import { USCC_INDEX, USCC_WEIGHTS, usccProblem } from './uscc.js';
import { DATE_ERROR, ENTERPRISE_FIELDS, STATUS_VALUES, canonicalStatus, dateExists, normUscc, parseDate, scanTable } from './tables.js';
import { CLASSES } from './plan.js'; // credit_class codes 0–3 index it
const NONE = -1;

/**
 * §1.1 Enterprises: a Registry (below), or null when the header is unusable.
 * Its firms are the records with a valid USCC, in file order. When the file
 * has errors they are reported to `errors` and the draw stops after the
 * other files are read, so only the USCCs are used then (has(), for the
 * recusal list): a firm with other errors keeps its place, with whatever its
 * other columns hold. `onRead(registry)`, when given, is called once the
 * records are read and before the duplicates are looked for (a large
 * registry's snapshot can start hashing then: see ./document.js).
 */
export function readEnterprises(input, file, errors, onRead) {
  let reg = null;
  const t = scanTable(input, file, ENTERPRISE_FIELDS, errors, (table) => {
    if (!table.headerOk) return () => {}; // rows: only their cell counts and control characters
    reg = new Registry(table, file, errors);
    return (rec, controlChar) => reg.add(rec, controlChar);
  });
  if (!t || !t.headerOk) return null;
  reg.trim();
  if (onRead) onRead(reg);
  reg.index();
  return reg;
}

/**
 * Distinct byte strings -> small numbers, each with a value made once from
 * its text (a registry has a few statuses and industry codes, repeated on
 * 10^6 rows: each row costs a hash of its bytes, not a string). The keys
 * lie side by side in one buffer, so that a lookup touches little memory.
 */
class Interner {
  constructor(valueOf) {
    this.valueOf = valueOf;
    this.slots = new Int32Array(64).fill(NONE); // open addressing: slot -> id
    this.store = new Uint8Array(256); // the keys' bytes: key i is store[ends[i-1]..ends[i])
    this.ends = [];
    this.values = []; // id -> valueOf(text)
  }

  id(bytes, from, to) {
    const h = hash(bytes, from, to);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id === NONE) break;
      if (this.sameKey(id, bytes, from, to)) return id;
    }
    const id = this.values.length, at = id ? this.ends[id - 1] : 0;
    this.store = grown(this.store, at + to - from);
    this.store.set(bytes.subarray(from, to), at);
    this.ends.push(at + to - from);
    this.values.push(this.valueOf(textOf(bytes, from, to)));
    if (2 * this.values.length > this.slots.length) this.rehash(2 * this.slots.length);
    else this.place(h, id);
    return id;
  }

  sameKey(id, bytes, from, to) {
    const at = id ? this.ends[id - 1] : 0;
    if (this.ends[id] - at !== to - from) return false;
    for (let j = 0; j < to - from; j++) if (this.store[at + j] !== bytes[from + j]) return false;
    return true;
  }

  place(h, id) {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== NONE) s = (s + 1) & mask;
    this.slots[s] = id;
  }

  rehash(size) {
    this.slots = new Int32Array(size).fill(NONE);
    for (let id = 0; id < this.values.length; id++) this.place(hash(this.store, id ? this.ends[id - 1] : 0, this.ends[id]), id);
  }
}

/** FNV-1a of bytes[from..to). */
function hash(bytes, from, to) {
  let h = 0x811c9dc5 | 0;
  for (let k = from; k < to; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
  return h;
}

/** a[0..n) in a SharedArrayBuffer when there are some (a itself when it is in one), else in a copy of its own. */
function shareable(a, n) {
  if (typeof SharedArrayBuffer !== 'function') return a.slice(0, n);
  if (a.buffer instanceof SharedArrayBuffer) return a.subarray(0, n);
  const b = new a.constructor(new SharedArrayBuffer(n * a.BYTES_PER_ELEMENT));
  b.set(a.subarray(0, n));
  return b;
}

/** The number written by the ASCII digits bytes[from..to), or -1 when one is not a digit. */
function digitsAt(bytes, from, to) {
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = bytes[k] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = 10 * n + d;
  }
  return n;
}

/** A typed array of the same kind with room for at least `need` elements, the contents kept. */
function grown(a, need) {
  if (need <= a.length) return a;
  const b = new a.constructor(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

export class Registry {
  constructor(table, file, errors) {
    this.table = table;
    this.file = file;
    this.errors = errors; // where the checks of §1.1 report
    const col = f => (table.fieldCol.has(f) ? table.fieldCol.get(f) : NONE);
    this.col = { uscc: col('uscc'), name: col('name'), cls: col('credit_class'), region: col('region'), industry: col('industry'), status: col('status'), established: col('established'), dormantFrom: col('dormant_from'), dormantUntil: col('dormant_until') };
    this.count = 0;
    const cap = 1024;
    this.codes = new Uint8Array(18 * cap); // USCC of firm k at codes[18k..18k+18)
    this.line = new Uint32Array(cap);
    // the names' UTF-8 side by side, copied while the record is at hand: read
    // in this order for the snapshot, and for a few targets
    this.names = new Uint8Array(32 * cap); // name k at names[nameStart(k)..nameEnd[k])
    this.namesEstimated = false; // (roomForNames)
    this.nameEnd = new Uint32Array(cap);
    this.cls = new Uint8Array(cap); // index in CLASSES
    this.status = new Uint8Array(cap); // index in STATUS_VALUES
    this.region = new Int32Array(cap); // index in regions
    this.industry = new Int32Array(cap); // index in industries
    this.regions = []; // distinct region codes
    this.regionIds = new Int32Array(1000000).fill(NONE); // the six digits as a number -> index in regions
    this.industryIds = new Interner(text => text);
    this.industries = this.industryIds.values;
    this.statuses = new Interner(v => STATUS_VALUES.indexOf(canonicalStatus(v))); // a spelling -> its stored value's index, or NONE
    // §6.3 the dormancy term (stored form, '' when empty), only when the registry has the column
    this.dormantFrom = this.col.dormantFrom === NONE ? null : [];
    this.dormantUntil = this.col.dormantUntil === NONE ? null : [];
    this.quiet = new Set(); // firms whose record had a control character: never reported as duplicates
    this.rec = null; // while reading: the current record
    this.slots = null; // the USCCs as a hash table (index())
    this.usccChars = new Array(18);
  }

  /** One record (scanTable's reader standing on it): its checks (§1.1), and the firm if its USCC is valid. */
  add(rec, controlChar) {
    const b = rec.bytes, start = rec.start, end = rec.end, c = this.col;
    this.rec = rec;
    const k = this.count;
    if (18 * k + 18 > this.codes.length) this.grow(k + 1);
    const valid = this.readUscc(b, start[c.uscc], end[c.uscc], 18 * k);
    if (controlChar) { // already reported: keep its USCC known to later lists
      if (valid) { this.quiet.add(k); this.line[k] = rec.recLine; this.nameEnd[k] = this.nameStart(k); this.count++; }
      return;
    }
    if (!valid) this.bad(c.uscc, `not a valid unified social credit code: ${usccProblem(normUscc(rec.cell(c.uscc)))}`);
    const nameFrom = start[c.name], nameTo = end[c.name];
    if (nameFrom === nameTo) this.bad(c.name, 'name is empty');
    let cls = end[c.cls] - start[c.cls] === 1 ? (b[start[c.cls]] | 0x20) - 0x61 : NONE; // a–d, A–D -> 0–3
    if (!(cls >= 0 && cls <= 3)) { this.bad(c.cls, 'credit class must be one of A B C D'); cls = 0; }
    const region = this.regionOf(b, start[c.region], end[c.region]);
    if (region === NONE) this.bad(c.region, 'region code must be exactly 6 ASCII digits');
    const industry = end[c.industry] > start[c.industry] ? this.industryIds.id(b, start[c.industry], end[c.industry]) : NONE;
    if (industry === NONE) this.bad(c.industry, 'industry code is empty');
    const status = this.statuses.values[this.statuses.id(b, start[c.status], end[c.status])];
    if (status === NONE) this.bad(c.status, 'unknown registration status (expected 存续/歇业/吊销/注销 or an accepted alias)');
    // established: validated, but not part of the snapshot (§5)
    this.date(c.established, false);
    // §6.3: the dormancy term, checked on every row, in the §1.5 stored form
    const dormantFrom = this.date(c.dormantFrom, true);
    const dormantUntil = this.date(c.dormantUntil, true);
    if (!valid) return;
    this.line[k] = rec.recLine;
    const at = this.nameStart(k);
    if (at + nameTo - nameFrom > this.names.length) this.names = this.roomForNames(at + nameTo - nameFrom, nameTo / b.length);
    const names = this.names;
    for (let j = nameFrom, o = at; j < nameTo; j++, o++) names[o] = b[j];
    this.nameEnd[k] = at + nameTo - nameFrom;
    this.cls[k] = cls;
    this.status[k] = status === NONE ? 0 : status;
    this.region[k] = region;
    this.industry[k] = industry;
    if (this.dormantFrom) this.dormantFrom[k] = dormantFrom;
    if (this.dormantUntil) this.dormantUntil[k] = dormantUntil;
    this.count++;
  }

  /**
   * The names' column with room for `need` bytes, when `read` of the file
   * is read. Once it passes 1 MB, it is given, once, the room the whole
   * file will need at the rate so far and a tenth more, in shared memory
   * where there is some: it is then neither copied as it grows nor copied
   * into shared memory at the end (trim). At 10^6 firms that was 95 MB in
   * flight as the read ended, the draw page's peak. A file whose names
   * outgrow the estimate grows by doubling, as before.
   */
  roomForNames(need, read) {
    if (need < 1 << 20 || this.namesEstimated || !(read > 0)) return grown(this.names, need);
    this.namesEstimated = true;
    const room = Math.ceil(1.1 * need / read); // (read <= 1: never less than need)
    const names = typeof SharedArrayBuffer === 'function' ? new Uint8Array(new SharedArrayBuffer(room)) : new Uint8Array(room);
    names.set(this.names.subarray(0, this.nameStart(this.count)));
    return names;
  }

  /** Reports column `col` of the current record (its value, unless `value` is given). */
  bad(col, message, value) {
    const rec = this.rec;
    this.errors.push({ file: this.file, line: rec.recLine, column: col + 1, header: this.table.header[col], value: value !== undefined ? value : rec.cell(col), message });
  }

  /** §1.1 + §2 on the bytes of a USCC cell: upper-cased into codes[at..at+18) and checked; true when valid. */
  readUscc(b, from, to, at) {
    if (to - from !== 18) return false;
    const out = this.codes;
    let sum = 0;
    for (let j = 0; j < 18; j++) {
      let x = b[from + j];
      if (x >= 0x61 && x <= 0x7a) x -= 0x20; // ASCII letters upper-cased
      const v = x < 128 ? USCC_INDEX[x] : NONE;
      if (v === NONE) return false;
      if (j < 17) sum += USCC_WEIGHTS[j] * v;
      else if (v !== (31 - (sum % 31)) % 31) return false;
      out[at + j] = x;
    }
    return true;
  }

  /** The number of a region code (exactly 6 ASCII digits), or NONE. */
  regionOf(b, from, to) {
    if (to - from !== 6) return NONE;
    let v = 0;
    for (let j = from; j < to; j++) {
      const d = b[j] - 0x30;
      if (d < 0 || d > 9) return NONE;
      v = 10 * v + d;
    }
    let id = this.regionIds[v];
    if (id === NONE) { id = this.regionIds[v] = this.regions.length; this.regions.push(textOf(b, from, to)); }
    return id;
  }

  /**
   * A date column of the current record (§1.5), reported when it is not a
   * date; with `keep` its stored form ('' when absent or empty). The stored
   * form YYYY-MM-DD itself (most dates of a large registry) is checked on its
   * bytes, the other forms by parseDate.
   */
  date(col, keep) {
    if (col === NONE) return '';
    const rec = this.rec, b = rec.bytes, from = rec.start[col], to = rec.end[col];
    if (from === to) return '';
    if (to - from === 10 && b[from + 4] === 0x2d && b[from + 7] === 0x2d) {
      const y = digitsAt(b, from, from + 4), mo = digitsAt(b, from + 5, from + 7), d = digitsAt(b, from + 8, from + 10);
      if (y >= 0 && mo >= 0 && d >= 0) {
        if (!dateExists(y, mo, d)) { this.bad(col, DATE_ERROR); return ''; }
        return keep ? textOf(b, from, to) : '';
      }
    }
    const d = parseDate(rec.cell(col));
    if (d === null) this.bad(col, DATE_ERROR);
    return d || '';
  }

  grow(need) {
    this.codes = grown(this.codes, 18 * need);
    for (const k of ['line', 'nameEnd', 'cls', 'status', 'region', 'industry']) this[k] = grown(this[k], need);
  }

  /**
   * After the last record: the columns cut to their length (they grew by
   * doubling), in memory that a Worker can share where there is such
   * memory (node; a cross-origin isolated page): the snapshot's worker
   * (./snapshots.js) then reads them where they are instead of a copy of
   * 60 MB.
   */
  trim() {
    const n = this.count;
    this.rec = null; // (reading is over; the last record holds the whole file's bytes)
    this.line = this.line.slice(0, n);
    this.codes = shareable(this.codes, 18 * n);
    this.names = shareable(this.names, this.nameStart(n));
    this.nameEnd = shareable(this.nameEnd, n);
    this.cls = shareable(this.cls, n);
    this.status = shareable(this.status, n);
    // (a registry has seldom more than 65,536 distinct regions or industries)
    const narrow = (ids, distinct) => shareable(distinct <= 0x10000 ? Uint16Array.from(ids.subarray(0, n)) : ids, n);
    this.region = narrow(this.region, this.regions.length);
    this.industry = narrow(this.industry, this.industries.length);
    this.regionIds = null; // (only for reading)
  }

  /**
   * The USCCs in a hash table (open addressing, FNV-1a of the 18 bytes; two
   * slots of the Int32Array each: the hash, then the firm) for find().
   * Filled in file order, it meets the duplicates (§1.1) as the file has
   * them: each repeat after the first is reported, as if found while
   * reading. (Sorting by USCC is left to the snapshot, which needs the
   * order: see ./snapshots.js.)
   *
   * The firms go in region by region of the table (the 256 ranges of home
   * slots, by a counting sort; in file order within one), so that each part
   * of a table of 16 MB is filled while it is in the cache. Equal USCCs
   * have the same hash, hence the same region: the first in the file is
   * still the one that goes in.
   */
  index() {
    const n = this.count, codes = this.codes;
    let size = 1024;
    while (size < 2 * n) size *= 2;
    const slots = this.slots = new Int32Array(2 * size).fill(NONE);
    const mask = size - 1, shift = Math.log2(size) - 8, c = this.col.uscc;
    const hashes = new Int32Array(n), start = new Uint32Array(257);
    for (let k = 0; k < n; k++) {
      const h = hashes[k] = hash(codes, 18 * k, 18 * k + 18);
      start[((h & mask) >>> shift) + 1]++;
    }
    for (let r = 0; r < 256; r++) start[r + 1] += start[r];
    const byRegion = new Uint32Array(n);
    for (let k = 0; k < n; k++) byRegion[start[(hashes[k] & mask) >>> shift]++] = k;
    for (let j = 0; j < n; j++) {
      const k = byRegion[j], h = hashes[k];
      for (let s = h & mask; ; s = (s + 1) & mask) {
        const f = slots[2 * s + 1];
        if (f === NONE) { slots[2 * s] = h; slots[2 * s + 1] = k; break; }
        if (slots[2 * s] !== h || this.cmpUscc(f, k) !== 0) continue;
        if (!this.quiet.has(k)) this.errors.push({ file: this.file, line: this.line[k], column: c + 1, header: this.table.header[c], value: this.uscc(k), message: `duplicate USCC (also on line ${this.line[f]})` });
        break;
      }
    }
  }

  /** USCC order of firms k and j (their bytes; ASCII, so also code point order). */
  cmpUscc(k, j) {
    const a = this.codes;
    for (let x = 18 * k, y = 18 * j, end = x + 18; x < end; x++, y++) if (a[x] !== a[y]) return a[x] < a[y] ? -1 : 1;
    return 0;
  }

  /** Firm k's USCC (ASCII) and name as text. */
  uscc(k) {
    const chars = this.usccChars; // (reused: 10^4 targets)
    for (let j = 0; j < 18; j++) chars[j] = this.codes[18 * k + j];
    return String.fromCharCode.apply(null, chars);
  }
  name(k) { return textOf(this.names, this.nameStart(k), this.nameEnd[k]); }
  nameStart(k) { return k ? this.nameEnd[k - 1] : 0; }

  /** The firm with USCC `u` (a string), or -1 (the first of duplicates). */
  find(u) {
    if (typeof u !== 'string' || u.length !== 18) return -1;
    const key = new Uint8Array(18);
    for (let j = 0; j < 18; j++) {
      const x = u.charCodeAt(j);
      if (x >= 0x80) return -1; // (a USCC kept here is ASCII)
      key[j] = x;
    }
    const { slots, codes } = this;
    const h = hash(key, 0, 18), mask = slots.length / 2 - 1;
    for (let s = h & mask; slots[2 * s + 1] !== NONE; s = (s + 1) & mask) {
      const f = slots[2 * s + 1];
      let j = 0;
      while (j < 18 && codes[18 * f + j] === key[j]) j++;
      if (j === 18) return f;
    }
    return -1;
  }

  has(u) { return this.find(u) >= 0; }

  /** The value of §1.1 field `name` for firm k, as the text the plan compares (undefined for a field not kept). */
  field(name, k) {
    switch (name) {
      case 'uscc': return this.uscc(k);
      case 'name': return this.name(k);
      case 'credit_class': return CLASSES[this.cls[k]];
      case 'region': return this.regions[this.region[k]];
      case 'industry': return this.industries[this.industry[k]];
      case 'status': return STATUS_VALUES[this.status[k]];
      case 'dormant_from': return this.dormantFrom ? this.dormantFrom[k] : '';
      case 'dormant_until': return this.dormantUntil ? this.dormantUntil[k] : '';
      default: return undefined;
    }
  }

  /** Firm k as an object (for the targets): {uscc, name, credit_class, region, industry, status, dormant_from, dormant_until, line, index}. */
  firm(k) {
    return {
      uscc: this.uscc(k),
      name: this.name(k),
      credit_class: CLASSES[this.cls[k]],
      region: this.regions[this.region[k]],
      industry: this.industries[this.industry[k]],
      status: STATUS_VALUES[this.status[k]],
      dormant_from: this.field('dormant_from', k),
      dormant_until: this.field('dormant_until', k),
      line: this.line[k],
      index: k,
    };
  }

  /**
   * Lets go of the file's bytes, kept to read columns again (column(), the
   * plan's checks of scope.range): once the draw's inputs are read
   * (./document.js prepareDraw), nothing reads them.
   */
  releaseFile() {
    this.table.forEachRow = null;
  }

  /** The extra column c read again (the plan filters on it, scope.where), as text, one value per firm. */
  column(c) {
    const out = new Array(this.count);
    let k = 0;
    this.table.forEachRow((r) => { if (k < this.count && this.line[k] === r.line) out[k++] = r.cells[c]; }, [c]);
    return out;
  }
}
