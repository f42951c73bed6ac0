// web/verify/rebuild.js — a logged draw's inputs rebuilt from the log, and
// its re-run: shared by the page (web/logged.js, one draw from the API) and
// `verify.js log` (./replay.js, every DrawResult of a log directory or
// mirror; audit/LOG-FORMAT.md "What `audit verify` checks", check 10).
//
// A logged draw offers, instead of the regulator's input files, the
// commitment's canonical plan (SPEC §3.3) and the three registry snapshots
// (gzip, one canonical-JSON leaf per line, LOG-FORMAT.md "Snapshots"). They
// are turned back into equivalent input files for the recomputation of
// ./document.js, so there is no second implementation of the draw:
//
//   snapshot leaves  -> enterprises.csv / inspectors.csv / conflicts.csv
//                       (English headers; every cell quoted)
//   canonical plan   -> plan.toml + items.csv (+ history.csv with rotation)
//
// The rebuilt files are chosen so that the recomputation re-derives exactly
// the same leaves, canonical plan and plan digest; any difference shows up
// in the value-by-value comparison with the logged draw document.
// Part of the independent verifier web/verify.js (see its header).

import { FairdrawError } from './errors.js';
import { gunzip as inflate, blobLines, forEachLine } from './gzip.js';
import { blobRoot, merkleRoot, MerkleStream } from './merkle.js';
import { fastHashing } from './sha256.js';
import { computeDraw, compareDocuments } from './document.js';

export const REGISTRIES = ['enterprises', 'inspectors', 'conflicts'];
const INSPECTOR_HEADER = ['id', 'name', 'department', 'region', 'active', 'role', 'qualifications', 'cert_expires'];
const CONFLICT_HEADER = ['inspector_id', 'uscc'];
const ITEM_HEADER = ['item', 'code', 'basis', 'department', 'category', 'method', 'ceiling'];
const HISTORY_HEADER = ['uscc', 'inspector_id', 'date'];
// verify.js keeps, per USCC, the inspectors of the latest history date (§3.3);
// giving every pair the same date keeps all of them, i.e. exactly plan.history.
const HISTORY_DATE = '2000-01-01';
const CLASSES = ['A', 'B', 'C', 'D'];

const encoder = new TextEncoder();

/** gunzip (web/verify/gzip.js), unless a server or proxy that sent the blob with
 * Content-Encoding: gzip made fetch() inflate it already (no gzip magic). */
export async function gunzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? inflate(bytes) : bytes;
}

/** Split at LF: one leaf per line; a final LF ends the last line (no empty leaf). */
export const leavesOf = blobLines;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Leaf i (0-based) of a snapshot as JSON; throws a FairdrawError naming it. */
export function parseLeaf(leaf, i, registry) {
  try {
    return JSON.parse(strictUtf8.decode(leaf));
  } catch (e) {
    throw new FairdrawError(`${registry} snapshot, leaf ${i + 1}: not a JSON array (${e.message})`);
  }
}

// ─── rebuilding the input files ─────────────────────────────────────────────

/** One CSV record; every cell quoted, so commas and quotes inside values survive. */
export function csvLine(cells) {
  let out = '';
  for (let k = 0; k < cells.length; k++) {
    const c = String(cells[k]);
    // (most values have no quote: no regular expression for them, 6 · 10^6 cells for a large registry)
    out += (k ? ',"' : '"') + (c.includes('"') ? c.replace(/"/g, '""') : c) + '"';
  }
  return out;
}

const CHUNK = 1 << 20;

/**
 * A CSV file built a record at a time (a registry of 10^6 firms is never one
 * string): records from cells (add) or copied as bytes (copy: a leaf that
 * already is its record, copiedRecord below). `sizeHint`: the bytes the file
 * will about have; with it the file is written into one buffer of that size
 * and bytes() hands it over without a copy (87 MB less at the peak for 10^6
 * firms); past it, and without it, 1 MiB chunks joined at the end.
 */
class CsvBytes {
  constructor(header, sizeHint = 0) {
    this.chunks = [];
    this.size = 0;
    this.buf = new Uint8Array(Math.max(CHUNK, sizeHint));
    this.len = 0;
    this.text(csvLine(header));
  }
  /** Room for n more bytes in the current chunk. */
  room(n) {
    if (this.len + n <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.len));
    this.size += this.len;
    this.buf = new Uint8Array(Math.max(CHUNK, n));
    this.len = 0;
  }
  text(line) {
    this.room(3 * line.length + 1);
    this.len += encoder.encodeInto(line, this.buf.subarray(this.len)).written;
    this.buf[this.len++] = 0x0a;
  }
  add(cells) { this.text(csvLine(cells)); }
  /** The record src[from..to) (already CSV bytes), then LF. */
  copy(src, from, to) {
    this.room(to - from + 1);
    this.buf.set(src.subarray(from, to), this.len);
    this.len += to - from;
    this.buf[this.len++] = 0x0a;
  }
  bytes() {
    if (!this.chunks.length) {
      const whole = this.buf.subarray(0, this.len);
      this.buf = new Uint8Array(0);
      this.len = 0;
      return whole;
    }
    const parts = [...this.chunks, this.buf.subarray(0, this.len)];
    const out = new Uint8Array(this.size + this.len);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    this.chunks = [];
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.size = 0;
    return out;
  }
}

/**
 * The enterprise leaf `line` (bytes) as its CSV record, copied into `csv`
 * without parsing, when the leaf is `n` JSON strings that need no escape:
 * `["a","b",…]` is then the record `"a","b",…` byte for byte — exactly what
 * csvLine(JSON.parse(leaf)) writes, for such a string holds no quote,
 * backslash or control character and is its own UTF-8. Returns false, and
 * copies nothing, for any other leaf (an escape, another type, another
 * count, invalid UTF-8, not JSON at all): that one takes the JSON.parse way
 * with its errors. Nearly every leaf of a real registry is copied, which
 * makes reading a snapshot of 10^6 firms several times faster.
 */
export function copiedRecord(line, n, csv) {
  const L = line.length;
  if (L < 4 || line[0] !== 0x5b || line[1] !== 0x22 || line[L - 2] !== 0x22 || line[L - 1] !== 0x5d) return false;
  const end = L - 2; // the closing quote of the last string
  let fields = 1;
  for (let k = 2; k < end; k++) {
    const c = line[k];
    if (c < 0x80) {
      if (c === 0x22) { // a string ends: `","` and a next string that opens before the last quote
        if (line[k + 1] !== 0x2c || line[k + 2] !== 0x22 || k + 2 >= end) return false;
        fields++;
        k += 2;
      } else if (c < 0x20 || c === 0x5c) return false;
      continue;
    }
    // UTF-8 (RFC 3629): the lead byte, the range of the byte after it, the rest 80–BF
    const more = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (more === 0 || k + more >= end) return false;
    const c1 = line[k + 1];
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (c1 < lo || c1 > hi) return false;
    for (let j = 2; j <= more; j++) if (line[k + j] < 0x80 || line[k + j] > 0xbf) return false;
    k += more;
  }
  if (fields !== n) return false;
  csv.copy(line, 1, L - 1);
  return true;
}

function csvFile(header, rows) {
  const csv = new CsvBytes(header);
  for (const r of rows) csv.add(r);
  return csv.bytes();
}

function checkLeaf(row, i, registry, test, shape) {
  if (!Array.isArray(row) || !test(row)) {
    throw new FairdrawError(`${registry} snapshot, leaf ${i + 1}: expected ${shape}, got ${JSON.stringify(row).slice(0, 120)}`);
  }
}
const isStr = x => typeof x === 'string';

/**
 * Per registry: the CSV header and the CSV record of leaf row r (index i),
 * after checking its shape (a FairdrawError naming the leaf otherwise).
 */
const LEAF_CSV = {
  enterprises: {
    header: columns => columns,
    record: (r, i, columns) => {
      checkLeaf(r, i, 'enterprises', x => x.length === columns.length && x.every(isStr),
        `${columns.length} strings (${columns.join(', ')})`);
      return r;
    },
  },
  inspectors: {
    header: () => INSPECTOR_HEADER,
    record: (r, i) => {
      checkLeaf(r, i, 'inspectors',
        x => x.length === 8 && [0, 1, 2, 3, 5, 7].every(k => isStr(x[k])) && typeof x[4] === 'boolean'
          && Array.isArray(x[6]) && x[6].every(isStr),
        '[id, name, department, region, active, role, qualifications, cert_expires]');
      // qualifications were split at the §1.2 separators, so none contains ";"
      return [r[0], r[1], r[2], r[3], r[4] ? 'true' : 'false', r[5], r[6].join(';'), r[7]];
    },
  },
  conflicts: {
    header: () => CONFLICT_HEADER,
    record: (r, i) => {
      checkLeaf(r, i, 'conflicts', x => x.length === 2 && x.every(isStr), '[inspector_id, uscc]');
      return r;
    },
  },
};

function registryCsv(registry, rows, columns) {
  const form = LEAF_CSV[registry];
  return csvFile(form.header(columns), rows.map((r, i) => form.record(r, i, columns)));
}

/** A TOML basic string. JSON's escapes are TOML's, except that TOML also wants DEL escaped. */
function tomlString(s) {
  return JSON.stringify(String(s)).replace(/\u007f/g, '\\u007F');
}
const tomlStrings = xs => '[' + xs.map(tomlString).join(', ') + ']';
function tomlInt(v, what) {
  if (!Number.isSafeInteger(v) || v < 0) throw new FairdrawError(`plan.${what}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return String(v);
}

/**
 * The canonical plan (§3.3) as plan TOML + the files it names, such that
 * verify.js re-derives the same canonical plan. Returns {toml, files}.
 */
export function planToToml(plan) {
  if (!plan || typeof plan !== 'object') throw new FairdrawError('the commitment has no plan');
  const L = [];
  const files = {};
  L.push(`# rebuilt from the canonical plan (SPEC §3.3) of a logged commitment`);
  L.push(`name = ${tomlString(plan.name)}`);
  L.push(`department = ${tomlString(plan.department ?? '')}`);
  if (plan.inspection_date) L.push(`inspection_date = ${tomlString(plan.inspection_date)}`);
  if (plan.method !== undefined) L.push(`method = ${tomlString(plan.method)}`); // SPEC §8.6: only off-site plans carry it
  const items = plan.items || [];
  if (items.length) {
    L.push(`items_file = "items.csv"`);
    L.push(`items = ${tomlStrings(items.map(it => it.item))}`);
    files['items.csv'] = csvFile(ITEM_HEADER, items.map(it =>
      ITEM_HEADER.map(k => (it[k] === null || it[k] === undefined ? '' : it[k]))));
  }
  L.push(`exclude = ${tomlStrings(plan.exclude || [])}`);
  if (plan.max_draws_per_year !== null && plan.max_draws_per_year !== undefined) {
    L.push(`max_draws_per_year = ${tomlInt(plan.max_draws_per_year, 'max_draws_per_year')}`);
  }
  L.push('', '[ratios]');
  for (const c of CLASSES) L.push(`${c} = ${tomlString(plan.ratios[c])}`);
  L.push('', '[min]');
  for (const c of CLASSES) L.push(`${c} = ${tomlInt(plan.min[c], `min.${c}`)}`);
  L.push('', '[max]');
  for (const c of CLASSES) if (plan.max[c] !== null && plan.max[c] !== undefined) L.push(`${c} = ${tomlInt(plan.max[c], `max.${c}`)}`);
  const scope = plan.scope;
  L.push('', '[scope]');
  L.push(`statuses = ${tomlStrings(scope.statuses)}`);
  L.push(`regions = ${tomlStrings(scope.regions)}`);
  L.push(`industries = ${tomlStrings(scope.industries)}`);
  if (scope.wake) L.push('wake = true'); // SPEC §6.3; its as_of and woken come from the log (inputsFrom)
  L.push('', '[scope.where]');
  for (const [col, val] of scope.where) L.push(`${tomlString(col)} = ${tomlString(val)}`);
  if (scope.range) { // SPEC §6.2: only when the plan has ranges
    L.push('', '[scope.range]');
    for (const [col, lo, hi] of scope.range) {
      const bounds = [lo !== null ? `min = ${tomlString(lo)}` : null, hi !== null ? `max = ${tomlString(hi)}` : null].filter(Boolean);
      L.push(`${tomlString(col)} = { ${bounds.join(', ')} }`);
    }
  }
  if (plan.caps) { // LOG-FORMAT "The burden ledger and caps": only the caps set
    L.push('', '[caps]');
    for (const [k, v] of Object.entries(plan.caps)) L.push(`${k} = ${tomlInt(v, `caps.${k}`)}`);
  }
  if (plan.embargo) { // SPEC §3: until a date, or for working days after the reveal
    if (plan.embargo.until !== undefined) L.splice(2, 0, `embargo_until = ${tomlString(plan.embargo.until)}`);
    else L.splice(2, 0, `embargo_working_days = ${tomlInt(plan.embargo.working_days, 'embargo.working_days')}`);
  }
  if (plan.strata) { // SPEC §6.1
    L.push('', '[strata]', `region_digits = ${tomlInt(plan.strata.region_digits, 'strata.region_digits')}`, `floor = ${tomlString(plan.strata.floor)}`);
  }
  if (plan.feedback) { // SPEC §6.4; its `flagged` comes from the log (inputsFrom)
    L.push('', '[feedback]', `ratio = ${tomlString(plan.feedback.ratio)}`);
    // stored only when not the default, in rule order (SPEC §3.3)
    if (Array.isArray(plan.feedback.reasons)) L.push(`reasons = ${tomlStrings(plan.feedback.reasons)}`);
  }
  const team = plan.team;
  L.push('', '[team]');
  L.push(`size = ${tomlInt(team.size, 'team.size')}`);
  L.push(`departments = ${tomlStrings(team.departments)}`);
  L.push(`region = ${tomlString(team.region)}`);
  if (team.max_targets_per_inspector !== null && team.max_targets_per_inspector !== undefined) {
    L.push(`max_targets_per_inspector = ${tomlInt(team.max_targets_per_inspector, 'team.max_targets_per_inspector')}`);
  }
  L.push(`qualifications = ${tomlStrings(team.qualifications)}`);
  L.push(`experts = ${tomlInt(team.experts, 'team.experts')}`);
  if (team.reviewers !== undefined) L.push(`reviewers = ${tomlInt(team.reviewers, 'team.reviewers')}`);
  L.push(`rotation = ${team.rotation ? 'true' : 'false'}`);
  if (team.rotation) {
    // history is read only with rotation (§3); it already holds the log's history
    L.push(`history_file = "history.csv"`);
    files['history.csv'] = csvFile(HISTORY_HEADER, (plan.history || []).map(([u, i]) => [u, i, HISTORY_DATE]));
  }
  return { toml: L.join('\n') + '\n', files };
}

/** Leaf rows of the three snapshots -> verify.js inputs (without seed). */
export function rebuildInputs(rows, enterpriseColumns, plan) {
  return inputsFrom({
    enterprises: registryCsv('enterprises', rows.enterprises, enterpriseColumns),
    inspectors: registryCsv('inspectors', rows.inspectors),
    conflicts: registryCsv('conflicts', rows.conflicts),
  }, plan);
}

/** The three registry CSV files and the canonical plan -> verify.js inputs (without seed). */
export function inputsFrom(csv, plan) {
  const { toml, files } = planToToml(plan);
  return {
    ...csv,
    plan: toml,
    planFiles: files,
    // What the writer added from the log at commit and TOML cannot say: the
    // batch reference, the wake-ups as of the commitment and the firms its
    // results flag (SPEC §3.3, §6.3, §6.4).
    logged: { annual: plan.annual, wake: plan.scope && plan.scope.wake, flagged: plan.feedback && plan.feedback.flagged },
    names: { enterprises: 'enterprises snapshot', inspectors: 'inspectors snapshot', conflicts: 'conflicts snapshot', plan: 'commitment plan' },
  };
}

/**
 * About how many bytes `raw` inflates to: a gzip member's last four bytes
 * (ISIZE, RFC 1952) — a hint for CsvBytes, not trusted: at most 1032 times
 * the compressed size (deflate's limit) and 1 GiB.
 */
function inflatedSize(raw) {
  const n = raw.length;
  if (n < 18 || raw[0] !== 0x1f || raw[1] !== 0x8b) return n;
  const isize = (raw[n - 4] | raw[n - 3] << 8 | raw[n - 2] << 16 | raw[n - 1] << 24) >>> 0;
  return Math.min(isize, 1032 * n, 1 << 30);
}

/**
 * One snapshot blob read as a stream (never the whole decompressed text):
 * its Merkle root and leaf count, and csv() — the registry's CSV file for
 * verify.js, to be asked once. A leaf that is not JSON (jsonError) or not
 * of the registry's shape (thrown by csv()) matters only once the root is
 * known to be the committed one: a snapshot that is not proves nothing.
 *
 * `rootLater` (web/logged.js, for the enterprise snapshot of a drawn draw):
 * the leaves are not hashed while they are read; root is then null, and
 * `copied` says whether every leaf was copied as its CSV record
 * (copiedRecord). The recomputation then tells whether the leaves it hashed
 * are these lines byte for byte (computeDraw's `sameLeaves`); if not,
 * blobRoot() hashes them.
 */
export async function readSnapshot(registry, raw, columns, total, progress = () => {}, { rootLater = false } = {}) {
  const form = LEAF_CSV[registry];
  if (!(await fastHashing())) {
    // this browser's WebCrypto disagrees with the synchronous SHA-256: the slow way, every leaf held
    const leaves = leavesOf(await gunzip(raw));
    let jsonError = null, rows = [];
    try { rows = leaves.map((l, i) => parseLeaf(l, i, registry)); } catch (e) { jsonError = e; }
    return { root: await merkleRoot(leaves), count: leaves.length, jsonError, csv: () => registryCsv(registry, rows, columns) };
  }
  const tree = rootLater ? null : new MerkleStream();
  let csv = registry === 'enterprises' && columns === null ? null : new CsvBytes(form.header(columns), inflatedSize(raw));
  const copyAs = registry === 'enterprises' && csv !== null ? columns.length : 0; // leaves copied as records when they can be
  let jsonError = null, shapeError = null, count = 0, copied = 0;
  progress('root', { registry, count: 0, total });
  await forEachLine(raw, (line) => {
    const i = count++;
    if (tree) tree.add(line);
    if (i % 16384 === 16383) progress('root', { registry, count: i + 1, total });
    if (jsonError) return;
    if (copyAs && !shapeError && copiedRecord(line, copyAs, csv)) { copied++; return; }
    let row;
    try { row = parseLeaf(line, i, registry); } catch (e) { jsonError = e; return; }
    if (shapeError || csv === null) return;
    try { csv.add(form.record(row, i, columns)); } catch (e) { shapeError = e; }
  });
  progress('root', { registry, count, total });
  return {
    root: tree ? await tree.root() : null,
    blobRoot: () => blobRoot(raw),
    copied: copied === count,
    count,
    jsonError,
    // handed over once: the caller alone then holds the bytes, and can let them go
    csv: () => { if (shapeError) throw shapeError; const bytes = csv.bytes(); csv = null; return bytes; },
  };
}

/**
 * Re-runs a logged draw: `inputs` from rebuildInputs/inputsFrom, `seed` the
 * beacon record's, `doc` the logged draw document (null for an infeasible
 * outcome). Only a failure of the team assignment (SPEC §8.5) reproduces an
 * infeasible outcome; any other FairdrawError (the log's material is not a
 * valid input) rejects. Resolves to {infeasible (the re-run found no valid
 * assignment), message (its reason), computed (the re-run document, when
 * drawn), differences ([{path, expected, actual}], expected = recomputed;
 * `outcome` when one side is infeasible)}.
 */
export async function rerun(doc, inputs, seed) {
  let computed;
  try { computed = await computeDraw({ ...inputs, seed }); } catch (e) {
    if (!(e instanceof FairdrawError) || e.kind !== 'no-valid-assignment') throw e;
    return { infeasible: true, message: e.message, computed: null, differences: doc ? [{ path: 'outcome', expected: 'infeasible', actual: 'drawn' }] : [] };
  }
  if (!doc) return { infeasible: false, message: '', computed, differences: [{ path: 'outcome', expected: 'drawn', actual: 'infeasible' }] };
  return { infeasible: false, message: '', computed, differences: compareDocuments(computed, doc) };
}
