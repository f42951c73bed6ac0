// web/verify/log.js — audit/LOG-FORMAT.md: `node web/verify.js log DIR` and
// verifyLog(files). Checks "What `audit verify` checks" 1–4, the references
// and beacons of 5 (not the snapshot blobs), 7, 9 ("Abandoned and competing
// commitments", in ./commitments.js) and "Witnesses and cosignatures" (in
// ./witness.js), and "Publication" (in ./publication.js: a protected log's
// blinded blobs and public checks, its auditor snapshots when present, sealed
// draws), the snapshot blobs of 5 and the replay, 10 (in ./replay.js, unless
// `replay: false`, --no-replay). Not done here, and said so in the verdict:
// effective plans (log_exclusions are checked, in ./ledger.js; log_feedback
// and feedback.flagged, in ./feedback.js), receipts, drand BLS signatures,
// --checkpoint.
// Output lines follow audit/verify.py log: `problem: …`, `note: …`, one
// `OK`/`DIFF`/`PUBLIC <id> …` line per draw, then `TAMPERED: …` (code 1) or
// `VERIFIED: …` (code 0).

import { FairdrawError } from './errors.js';
import { sha256, sha256Sync, fastHashing, hex, utf8, concatBytes, sameBytes, fromHex } from './sha256.js';
import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { NoteError, parseVerifierKey, openCheckpoint, splitNote } from './note.js';
import { suspects } from './commitments.js';
import * as wakes from './wakes.js';
import * as feedback from './feedback.js';
import { logExclusions, logHistory, externalChecksProblem } from './ledger.js';
import { REPLACEMENT_BODY, ReplacementChecks, bodyProblem as replacementProblem } from './replace.js';
import { canonicalMethodProblem } from './methods.js';
import { annualPlanProblems, referenceProblems, visits, rateLine } from './annual.js';
import { chinaDate, parseTime, rfc3339 } from './time.js';
import { strictUtf8, parseCanonical, splitLines } from './jsonl.js';
import { checkWitnessPolicy, checkCosignatures, witnessLines } from './witness.js';
import { PUBLICATION_TYPES, Publication } from './publication.js';
import { AFTERCARE_BODY, AFTERCARE_OPTIONAL, aftercareProblems, AftercareReferences } from './aftercare.js';
import { Replay } from './replay.js';

const HEX64 = /^[0-9a-f]{64}$/;
// drand quicknet (LOG-FORMAT "Commitment beacons"; data/drand/quicknet.json)
const QUICKNET = { chain_hash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971', genesis_time: 1692803367, period: 3 };
const CEREMONY_TRIM = /^[ \t\u3000\uFEFF]+|[ \t\u3000\uFEFF]+$/g;

const isInt = v => Number.isSafeInteger(v);
const isHex64 = v => typeof v === 'string' && HEX64.test(v);
const repr = v => (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v === undefined ? null : v));

const TYPES = {
  str: v => typeof v === 'string', int: isInt, hex: isHex64, list: Array.isArray, object: isPlainObject,
  ...PUBLICATION_TYPES,
};
// LOG-FORMAT "Kinds and their body fields"; checkEntry adds the fields that
// depend on the outcome, the publication mode and an embargo.
const BODY = {
  LogCreated: { origin: 'str', vkey: 'str' },
  RegistrySnapshot: { registry: 'str', root: 'hex', count: 'int', columns: 'list', blob: 'str' },
  DrawCommitment: { algorithm: 'str', plan: 'object', plan_digest: 'hex', snapshots: 'object', beacon: 'object', year: 'int', log_exclusions: 'list', log_history: 'list' },
  BeaconRecord: { commitment: 'hex', beacon: 'object', randomness: 'hex', seed: 'hex' },
  DrawResult: { commitment: 'hex', beacon: 'hex', outcome: 'str' },
  DrawPublication: { result: 'hex', commitment: 'hex', draw: 'object' },
  InspectionResult: { draw: 'hex', uscc: 'str', result: 'object' },
  Amendment: { amends: 'hex', reason: 'str', result: 'object' },
  WitnessPolicy: { witnesses: 'list', quorum: 'int' },
  Note: { text: 'str' },
  WakeUp: { uscc: 'str', reason: 'str' }, // LOG-FORMAT "Wake-ups"; optional note, by
  ExternalChecks: { checks: 'list', source: 'str' },
  ...AFTERCARE_BODY,
  AnnualPlan: { annual: 'object', digest: 'hex' }, // and an optional `by`: checkEntry
  Replacement: REPLACEMENT_BODY, // LOG-FORMAT "Replacing an inspector"; optional `by`
};
// Kinds whose body may name the account that wrote it (optional `by`,
// LOG-FORMAT "Accounts and roles").
const BY_KINDS = ['DrawCommitment', 'BeaconRecord', 'DrawPublication', 'InspectionResult', 'Amendment'];
/** The public files of a log directory that verifyLog reads. */
export const LOG_FILES = ['log.pub', 'entries.jsonl', 'checkpoints.jsonl', 'checkpoint', 'cosignatures.jsonl'];
const ENTRY_KEYS = ['body', 'index', 'kind', 'simulated', 'time', 'v'];
const RECORD_KEYS = ['batch_end', 'checkpoint', 'size'];

/** RFC 6962 hashing: leaf 0x00 ‖ data, node 0x01 ‖ left ‖ right. */
async function hasher() {
  const sync = await fastHashing();
  const h = sync ? (b => sha256Sync(b)) : null;
  const digest = async b => (h ? h(b) : sha256(b));
  return {
    leaf: b => { const x = new Uint8Array(b.length + 1); x.set(b, 1); return digest(x); },
    node: (l, r) => { const x = new Uint8Array(65); x[0] = 1; x.set(l, 1); x.set(r, 33); return digest(x); },
  };
}

/** The RFC 6962 root of every prefix: roots[k - 1] = MTH(first k leaf hashes). */
async function prefixRoots(leafHashes, node) {
  const roots = [];
  const stack = []; // perfect subtrees [hash, size], sizes decreasing
  for (const h of leafHashes) {
    stack.push([h, 1]);
    while (stack.length > 1 && stack[stack.length - 1][1] === stack[stack.length - 2][1]) {
      const [r] = stack.pop(); const [l, n] = stack.pop();
      stack.push([await node(l, r), 2 * n]);
    }
    let root = stack[stack.length - 1][0];
    for (let j = stack.length - 2; j >= 0; j--) root = await node(stack[j][0], root);
    roots.push(root);
  }
  return roots;
}

function getFile(files, name) {
  const v = files instanceof Map ? files.get(name) : files[name];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return utf8(v);
  return v instanceof Uint8Array ? v : new Uint8Array(v);
}

/**
 * Verifies a fairdraw log. `files`: a Map or object from names (`log.pub`,
 * `entries.jsonl`, `checkpoints.jsonl`, `checkpoint`, `cosignatures.jsonl`)
 * to bytes (absent = missing). Options: `vkey` (the pinned log key text),
 * `now` (the verifier's clock, POSIX seconds; default the real clock),
 * `readBlob(name)` (a file of the log by its relative name: snapshot
 * blobs; default: from `files`), `replay` (default true: check 10).
 * Resolves to {code: 0 verified | 1 tampered, lines, problems, draws:
 * [{id, index, witnessed, line}]}; rejects with a FairdrawError for unusable
 * input (no log.pub, a malformed --vkey). For ./static-log.js: `leaves`,
 * the entries' bytes of a static mirror (instead of entries.jsonl), and
 * `statics(verifier, {size, batchEnds, entries})`, the check of the static
 * files once the size is known.
 */
export async function verifyLog(files, { vkey, now, readBlob, leaves, statics, replay = true, old } = {}) {
  const v = new LogVerifier(files, vkey, now === undefined ? Math.floor(Date.now() / 1000) : now, readBlob);
  Object.assign(v, { mirrorLeaves: leaves || null, statics: statics || null, replayDraws: replay }); // ./static-log.js
  v.old = old || null; // {name, text}: a checkpoint the user saved (check 6)
  return v.run();
}

class LogVerifier {
  constructor(files, vkey, now, readBlob) {
    this.files = files; this.vkeyArg = vkey; this.now = now;
    this.lines = []; this.problems = 0;
    this.byId = new Map(); this.beaconOf = new Map();
    const blob = readBlob === undefined ? async name => getFile(files, name) : readBlob;
    this.publication = new Publication(this, blob);
    this.replay = new Replay(this, blob);
    this.aftercare = new AftercareReferences(this);
    this.replacements = new ReplacementChecks(this);
  }

  problem(msg) { this.problems++; this.lines.push(`problem: ${msg}`); }
  note(msg) { this.lines.push(`note: ${msg}`); }

  async run() {
    const pub = getFile(this.files, 'log.pub');
    if (pub === null) throw new FairdrawError('the directory has no log.pub: not a fairdraw log');
    let pinned = null;
    if (this.vkeyArg !== undefined && this.vkeyArg !== null) {
      try { pinned = await parseVerifierKey(String(this.vkeyArg).trim()); } catch (e) {
        if (e instanceof NoteError) throw new FairdrawError(`--vkey: ${e.message}`);
        throw e;
      }
    }
    this.key = await this.checkKey(pub, pinned); // check 1
    // a static mirror has no entries.jsonl: its entry/<N> files, fetched by ./static-log.js
    const { lines, torn } = this.mirrorLeaves ? { lines: this.mirrorLeaves, torn: new Uint8Array() } : splitLines(getFile(this.files, 'entries.jsonl') || new Uint8Array());
    const { leaf, node } = await hasher();
    this.node = node;
    this.entries = [];
    for (let i = 0; i < lines.length; i++) {
      const h = await leaf(lines[i]);
      this.entries.push({ index: i, leaf: lines[i], hash: h, id: hex(h), ok: false });
    }
    this.roots = await prefixRoots(this.entries.map(e => e.hash), node);
    const size = await this.checkCheckpoints(lines.length, torn); // checks 2, 3
    if (this.old) await this.checkOld(this.old, size, lines.length); // check 6
    if (this.statics) await this.statics(this, { size, batchEnds: this.batchEnds, entries: this.entries }); // "Static publication"
    const log = this.entries.slice(0, size);
    for (const e of log) this.checkEntry(e); // check 4
    await this.checkReferences(log); // check 5 (without snapshot blobs)
    const good = log.filter(e => e.ok);
    await this.publication.checkDocuments(good); // "Publication": protected logs, sealed draws
    await this.replay.readSnapshots(good, this.publication.isProtected, this.replayDraws); // check 5: the snapshot blobs
    for (const line of suspects(good, this.now)) this.problem(line); // check 9
    const policies = await checkWitnessPolicy(good, this);
    const cosigned = await checkCosignatures(getFile(this.files, 'cosignatures.jsonl'), this, policies, size);
    const draws = witnessLines(good, policies, cosigned, this);
    if (this.replayDraws) await this.replay.replayDraws(good, this.publication); // check 10
    else this.note('draws not replayed (--no-replay): an edited and re-signed draw would not be detected');
    if (pinned === null) this.note('key not pinned: trusted log.pub as found'); // check 11
    const simulated = log.filter(e => e.simulated).length; // check 7
    if (simulated) this.note(`${simulated} of ${log.length} entries were written under a simulated clock (--now): their times are not real`);
    this.lines.push(rateLine(visits(good))); // LOG-FORMAT "Joint visits"
    const nDraws = good.filter(e => e.kind === 'DrawResult').length;
    const notDone = `not done by verify.js: effective plans (beyond log_exclusions and log_feedback), receipts, drand BLS signatures${this.replayDraws ? '' : ', replay (--no-replay)'}`;
    const differ = this.replay.counts.differ;
    if (this.problems || differ) {
      this.lines.push(`TAMPERED: ${this.problems} problem(s), ${differ} of ${nDraws} draw(s) differ; ${notDone}`);
      return { code: 1, lines: this.lines, problems: this.problems + differ, draws };
    }
    const replayed = this.replayDraws ? `, ${this.replay.summary()}` : '';
    this.lines.push(`VERIFIED: ${log.length} entries, ${size} checkpoints (signatures, roots), snapshot blobs, entry bodies, references, `
      + `beacon randomness and seeds, commitments, ${nDraws} draw(s) witnessing checked${this.publication.summary()}${this.replacements.summary()}${replayed}; ${notDone}`);
    return { code: 0, lines: this.lines, problems: 0, draws };
  }

  /**
   * Check 6: the log extends the checkpoint the user saved. With every entry
   * at hand, the root of the first m entries must be the saved root: what an
   * RFC 9162 consistency proof built from those entries establishes.
   */
  async checkOld(old, size, nEntries) {
    if (this.key === null) { this.problem('--checkpoint: cannot be checked without a verifier key'); return; }
    let cp;
    try { cp = await openCheckpoint(old.text, this.key); } catch (e) {
      if (!(e instanceof NoteError)) throw e;
      this.problem(`your checkpoint (${old.name}) does not verify with the key ${this.pubLine}: ${e.message} (the log's key was replaced, or the checkpoint belongs to another log)`);
      return;
    }
    if (cp.size > size) { this.problem(`your checkpoint has size ${cp.size}, beyond the log's ${size} entries: the log was truncated`); return; }
    if (size > nEntries || size === 0) { this.problem('--checkpoint: the log\'s entries are incomplete; no consistency proof can be built'); return; }
    if (cp.size > 0 && !sameBytes(cp.root, this.roots[cp.size - 1])) {
      this.problem(`NOT consistent with your checkpoint of size ${cp.size}: the history you saw was rewritten (the root of its first ${cp.size} entries differs)`);
      return;
    }
    this.note(`consistent with your checkpoint of size ${cp.size} (the root of the log's first ${cp.size} entries is yours)`);
  }

  async checkKey(pub, pinned) {
    let text = null;
    try { text = strictUtf8.decode(pub); } catch { /* reported below */ }
    const line = text === null ? null : text.trim();
    this.pubLine = line;
    let key = null;
    if (line === null || line.includes('\n')) this.problem('log.pub is not one line of text');
    else {
      try { key = await parseVerifierKey(line); } catch (e) {
        if (!(e instanceof NoteError)) throw e;
        this.problem(`log.pub: ${e.message}`);
      }
    }
    if (pinned !== null) {
      if (line !== pinned.text) this.problem(`log.pub (${repr(line)}) is not the verifier key you pinned (${repr(pinned.text)}): the log's key was replaced`);
      return pinned;
    }
    return key;
  }

  /** The log's own signature lines of a note (cosignature lines dropped), for comparing `checkpoint`. */
  logSigned(note) {
    if (this.key === null || typeof note !== 'string') return note;
    try {
      const { text, lines } = splitNote(note);
      return `${text}\n${lines.filter(l => l.startsWith(`\u2014 ${this.key.name} `)).join('\n')}\n`;
    } catch { return note; }
  }

  async checkCheckpoints(nEntries, tornEntries) {
    const { lines, torn } = splitLines(getFile(this.files, 'checkpoints.jsonl') || new Uint8Array());
    const records = lines.map((line) => {
      let { value: v, error } = parseCanonical(line);
      if (error === null) {
        if (!isPlainObject(v) || !hasExactKeys(v, RECORD_KEYS)) error = 'keys must be exactly batch_end, checkpoint, size';
        else if (typeof v.batch_end !== 'boolean' || typeof v.checkpoint !== 'string' || !isInt(v.size)) error = 'batch_end must be a boolean, checkpoint a string, size an integer';
      }
      return { v, error };
    });
    let last = -1;
    records.forEach((r, i) => { if (r.error === null && r.v.batch_end) last = i; });
    const tail = records.length - 1 - last;
    if (tail || torn.length) this.note(`checkpoints.jsonl ends with ${tail} record(s) of an unfinished batch${torn.length ? ` and ${torn.length} torn bytes` : ''}: not part of the log`);
    const size = last >= 0 ? records[last].v.size : 0;
    this.batchEnds = records.slice(0, last + 1).filter(r => r.error === null && r.v.batch_end).map(r => r.v.size);
    if (last < 0) this.problem('checkpoints.jsonl has no committed checkpoint record (batch_end: true): the log is empty, yet a fairdraw log always starts with LogCreated');
    for (let i = last + 1; i < records.length; i++) {
      const { v, error } = records[i];
      if (error !== null) this.problem(`checkpoints.jsonl line ${i + 1}: ${error}`);
      else if (v.size !== i + 1 || (v.size > nEntries && !this.mirrorLeaves)) { // (a mirror's entries are fetched up to the last batch end only)
        this.problem(`checkpoints.jsonl line ${i + 1}: an unfinished record for size ${v.size}, but an interrupted write leaves record ${i + 1} for size ${i + 1}, of an entry already written`);
      }
    }
    const badSig = [];
    let firstDiff = null; let laterDiff = 0;
    for (let i = 0; i <= last; i++) {
      const { v, error } = records[i];
      if (error !== null) { this.problem(`checkpoints.jsonl line ${i + 1}: ${error}`); continue; }
      if (v.size !== i + 1) { this.problem(`checkpoints.jsonl line ${i + 1}: size ${v.size}, but record ${i + 1} must have size ${i + 1} (one record per tree size, in order)`); continue; }
      if (this.key === null) { badSig.push([v.size, 'no usable verifier key']); continue; }
      let cp;
      try { cp = await openCheckpoint(v.checkpoint, this.key); } catch (e) {
        if (!(e instanceof NoteError)) throw e;
        badSig.push([v.size, e.message]); continue;
      }
      if (cp.size !== v.size) { this.problem(`the checkpoint of record ${i + 1} is signed for size ${cp.size}, the record says ${v.size}`); continue; }
      if (cp.size <= nEntries && !sameBytes(cp.root, this.roots[cp.size - 1])) {
        if (firstDiff === null) firstDiff = cp.size; else laterDiff++;
      }
    }
    for (const [s, why] of badSig.slice(0, 5)) this.problem(`the checkpoint for size ${s} does not verify: ${why}`);
    if (badSig.length > 5) this.problem(`… and ${badSig.length - 5} more checkpoints do not verify (sizes ${badSig[5][0]}…${badSig[badSig.length - 1][0]})`);
    if (nEntries < size) this.problem(`the signed checkpoints cover ${size} entries but ${this.mirrorLeaves ? 'the mirror' : 'entries.jsonl'} holds ${nEntries}: entries were deleted`);
    if (firstDiff !== null) {
      const e = this.entries[firstDiff - 1];
      this.problem(`entry ${firstDiff - 1} (now id ${e.id}) does not match the signed checkpoint of size ${firstDiff}: it was changed, inserted, moved or removed after it was logged${laterDiff ? ` (${laterDiff} later checkpoints do not match either)` : ''}`);
    }
    const extra = nEntries - size;
    if (extra > 0 || tornEntries.length) this.note(`entries.jsonl has ${Math.max(extra, 0)} entr(y/ies) and ${tornEntries.length} torn bytes past the last committed checkpoint: an unfinished write, never acknowledged, not part of the log`);
    // check 3: `checkpoint` is the newest record's note, with or without cosignature lines
    const current = getFile(this.files, 'checkpoint');
    if (last >= 0) {
      const notes = records.slice(0, last + 1).map(r => (r.error === null ? r.v.checkpoint : null));
      const ends = [];
      for (let i = 0; i < last; i++) if (records[i].error === null && records[i].v.batch_end) ends.push(i);
      const text = current === null ? null : this.logSigned(new TextDecoder('utf-8').decode(current));
      if (current === null) this.note('checkpoint is missing (an interrupted write; the next write recreates it)');
      else if (text === notes[last]) { /* the newest */ } else if (ends.length && text === notes[ends[ends.length - 1]]) {
        this.note(`checkpoint is the previous batch's checkpoint (size ${ends[ends.length - 1] + 1}): a write was interrupted after its commit point; the next write refreshes it`);
      } else if (notes.includes(text)) {
        this.problem(`checkpoint is the old checkpoint of size ${notes.indexOf(text) + 1}, not the newest (size ${size}); an interrupted write leaves it at most one batch behind`);
      } else this.problem('checkpoint is not any of the signed checkpoints of checkpoints.jsonl');
    } else if (current !== null) this.problem('checkpoint exists but checkpoints.jsonl has no committed record');
    return size;
  }

  checkEntry(e) {
    const { value: v, error } = parseCanonical(e.leaf);
    const where = `entry ${e.index}`;
    if (error !== null) { this.problem(`${where}: ${error}`); if (!isPlainObject(v)) return; }
    if (!isPlainObject(v) || !hasExactKeys(v, ENTRY_KEYS)) { this.problem(`${where}: keys must be exactly ${ENTRY_KEYS.join(', ')}`); return; }
    let ok = error === null;
    if (v.v !== 1) { this.problem(`${where}: v is ${repr(v.v)}, only version 1 is known`); ok = false; }
    if (v.index !== e.index) { this.problem(`${where}: says it is entry ${repr(v.index)} but stands at position ${e.index} (deleted, duplicated or reordered entries)`); ok = false; }
    if (typeof v.simulated !== 'boolean') { this.problem(`${where}: simulated must be true or false`); ok = false; }
    e.simulated = v.simulated === true;
    e.time = parseTime(v.time);
    if (e.time === null) { this.problem(`${where}: time ${repr(v.time)} is not RFC 3339 UTC with seconds (YYYY-MM-DDTHH:MM:SSZ)`); ok = false; }
    const { kind, body } = v;
    if (typeof kind !== 'string' || !Object.hasOwn(BODY, kind)) { this.problem(`${where}: unknown kind ${repr(kind)}`); return; }
    if (!isPlainObject(body)) { this.problem(`${where} (${kind}): body must be an object`); return; }
    const fields = { ...BODY[kind] };
    const isProtected = this.publication.isProtected;
    if (kind === 'LogCreated' && Object.hasOwn(body, 'publication')) fields.publication = 'publication';
    if (kind === 'AnnualPlan' && Object.hasOwn(body, 'by')) fields.by = 'str';
    if (kind === 'DrawCommitment' && isProtected) fields.blinded = 'roots';
    if (kind === 'DrawCommitment' && Object.hasOwn(body, 'log_wakes')) fields.log_wakes = 'list';
    if (kind === 'DrawCommitment' && Object.hasOwn(body, 'log_feedback')) fields.log_feedback = 'list'; // "Feedback from results"
    if (kind === 'WakeUp') for (const f of wakes.OPTIONAL) if (Object.hasOwn(body, f)) fields[f] = 'str';
    if (kind === 'DrawResult') {
      if (body.outcome === 'drawn' && Object.hasOwn(body, 'sealed')) fields.sealed = 'sealed';
      else if (body.outcome === 'drawn') Object.assign(fields, { draw: 'object' }, isProtected ? { openings: 'openings' } : {});
      else if (body.outcome === 'infeasible') fields.failure = 'str';
      else { this.problem(`${where} (DrawResult): outcome must be "drawn" or "infeasible"`); ok = false; }
    }
    if (kind === 'DrawPublication' && isProtected) fields.openings = 'openings';
    if ((kind === 'ExternalChecks' || kind === 'Replacement' || BY_KINDS.includes(kind)) && Object.hasOwn(body, 'by')) fields.by = 'str';
    const optional = AFTERCARE_OPTIONAL[kind] || [];
    const missing = Object.keys(fields).filter(f => !Object.hasOwn(body, f) && !optional.includes(f));
    const unknown = Object.keys(body).filter(f => !Object.hasOwn(fields, f));
    const wrong = Object.keys(fields).filter(f => Object.hasOwn(body, f) && !TYPES[fields[f]](body[f]));
    if (missing.length || unknown.length || wrong.length) {
      const parts = [missing.length && `missing ${missing.join(', ')}`, unknown.length && `unknown ${unknown.join(', ')}`, wrong.length && `wrong type or format: ${wrong.join(', ')}`];
      this.problem(`${where} (${kind}): body fields: ${parts.filter(Boolean).join('; ')}`);
      ok = false;
    } else if (kind === 'WakeUp' && wakes.bodyProblem(body)) {
      this.problem(`${where} (WakeUp): ${wakes.bodyProblem(body)}`);
      ok = false;
    } else if (kind === 'Replacement' && replacementProblem(body) !== null) {
      this.problem(`${where} (Replacement): ${replacementProblem(body)}`);
      ok = false;
    } else if (kind === 'ExternalChecks' && externalChecksProblem(body) !== null) {
      this.problem(`${where} (ExternalChecks): ${externalChecksProblem(body)}`); // LOG-FORMAT "The burden ledger and caps"
      ok = false;
    }
    if (ok && Object.hasOwn(AFTERCARE_BODY, kind)) {
      for (const p of aftercareProblems(kind, body)) { this.problem(`${where} (${kind}): ${p}`); ok = false; }
    }
    Object.assign(e, { kind, body, ok });
    if (kind === 'LogCreated' && e.index === 0 && ok) this.publication.created(body);
  }

  earlier(e, ref, kinds, what) {
    const target = this.byId.get(ref);
    if (!target) { this.problem(`entry ${e.index} (${e.kind}): ${what} ${ref} is not an earlier entry of the log`); return null; }
    if (!kinds.includes(target.kind)) { this.problem(`entry ${e.index} (${e.kind}): ${what} ${ref} is entry ${target.index}, a ${target.kind}, not a ${kinds.join(' or ')}`); return null; }
    if (!target.ok) { this.problem(`entry ${e.index} (${e.kind}): ${what} points at the malformed entry ${target.index}`); return null; }
    return target;
  }

  async checkReferences(log) {
    if (log.length && !(log[0].ok && log[0].kind === 'LogCreated')) this.problem('entry 0 is not a well-formed LogCreated entry');
    for (const e of log) {
      if (e.ok) {
        if (e.kind === 'LogCreated' && e.index !== 0) this.problem(`entry ${e.index}: LogCreated is allowed only at index 0`);
        const check = this[`ref${e.kind}`];
        if (check) await check.call(this, e, e.body);
      }
      if (!this.byId.has(e.id)) this.byId.set(e.id, e);
    }
  }

  refLogCreated(e, b) {
    if (this.pubLine !== null && b.vkey !== this.pubLine) this.problem(`entry ${e.index} (LogCreated): vkey ${repr(b.vkey)} is not log.pub (${repr(this.pubLine)})`);
    if (this.key !== null && b.origin !== this.key.name) this.problem(`entry ${e.index} (LogCreated): origin ${repr(b.origin)} is not the key's name ${repr(this.key.name)}`);
  }

  async refDrawCommitment(e, b) {
    const where = `entry ${e.index} (DrawCommitment)`;
    if (b.algorithm !== 'fairdraw-v1') this.problem(`${where}: algorithm ${repr(b.algorithm)} is not fairdraw-v1`);
    let digest = null;
    try { digest = hex(await sha256(utf8(canonicalJson(b.plan)))); } catch { /* not canonical: reported as a mismatch */ }
    if (digest !== b.plan_digest) this.problem(`${where}: plan_digest ${b.plan_digest} is not SHA-256 of the canonical plan (${digest})`);
    this.checkLogExclusions(e, b);
    this.checkLogHistory(e, b);
    const methodProblem = canonicalMethodProblem(b.plan); // SPEC §8.6
    if (methodProblem !== null) this.problem(`${where}: ${methodProblem}`);
    const beacon = b.beacon;
    if (beacon.type === 'drand') this.checkDrandCommitment(e, beacon);
    else if (canonicalJson(beacon) !== '{"type":"ceremony"}') this.problem(`${where}: beacon ${canonicalJson(beacon)} is neither drand nor {"type":"ceremony"}`);
    const earlier = [...this.byId.values()].filter(x => x.ok && x.index < e.index);
    for (const msg of wakes.commitmentProblems(e, b, earlier)) this.problem(`${where}: ${msg}`);
    for (const msg of feedback.commitmentProblems(b, earlier, { isProtected: this.publication.isProtected })) this.problem(`${where}: ${msg}`);
    const earlierById = new Map([...this.byId].filter(([, x]) => x.ok));
    for (const m of referenceProblems(b, earlierById)) this.problem(`${where}: ${m}`);
  }

  async refAnnualPlan(e, b) {
    for (const m of await annualPlanProblems(b)) this.problem(`entry ${e.index} (AnnualPlan): ${m}`);
  }

  /** LOG-FORMAT "The effective plan" and "The burden ledger and caps": log_exclusions re-derived from the entries before the commitment. */
  checkLogExclusions(e, b) {
    const where = `entry ${e.index} (DrawCommitment)`;
    if (!isPlainObject(b.plan) || !Array.isArray(b.plan.exclude)) return; // the digest check reports a broken plan
    // The year every annual cap counts in (LOG-FORMAT "The effective plan"):
    // inspection_date's year, else the China year of the commit time.
    const idate = b.plan.inspection_date;
    const year = typeof idate === 'string' && /^[0-9]{4}-/.test(idate) ? Number(idate.slice(0, 4))
      : e.time !== null ? Number(chinaDate(e.time).slice(0, 4)) : null;
    if (year !== null && b.year !== year) this.problem(`${where}: year ${repr(b.year)} should be ${year} (inspection_date's year, else the China year of the commit time)`);
    const earlier = this.entries.slice(0, e.index).filter(x => x.ok);
    const expected = logExclusions(earlier, b.plan, b.year);
    const key = x => canonicalJson(x);
    const found = new Set(b.log_exclusions.map(key));
    const want = new Set(expected.map(key));
    const missing = expected.filter(x => !found.has(key(x)));
    const extra = b.log_exclusions.filter(x => !want.has(key(x)));
    if (missing.length || extra.length) {
      this.problem(`${where}: log_exclusions differ from what the earlier entries imply`
        + (missing.length ? `; missing: ${missing.slice(0, 5).map(key).join(', ')}` : '')
        + (extra.length ? `; not implied: ${extra.slice(0, 5).map(key).join(', ')}` : ''));
    } else if (canonicalJson(b.log_exclusions) !== canonicalJson(expected)) this.problem(`${where}: log_exclusions are not sorted by USCC`);
    for (const x of expected) if (!b.plan.exclude.includes(x.uscc)) this.problem(`${where}: log exclusion ${x.uscc} is not in the plan's exclude`);
  }

  /** LOG-FORMAT "The effective plan": log_history re-derived from the draws (their teams as they stood) before the commitment. */
  checkLogHistory(e, b) {
    const where = `entry ${e.index} (DrawCommitment)`;
    const plan = b.plan;
    if (!isPlainObject(plan) || !isPlainObject(plan.team) || !Array.isArray(plan.history)) return; // the digest check reports a broken plan
    const hist = b.log_history;
    if (!hist.every(h => Array.isArray(h) && h.length === 2 && h.every(x => typeof x === 'string'))) {
      this.problem(`${where}: log_history must be [[uscc, inspector_id]…]`);
      return;
    }
    const expected = plan.team.rotation === true ? logHistory(this.entries.slice(0, e.index).filter(x => x.ok)) : new Set();
    const found = new Set(hist.map(([u, i]) => `${u}\u0000${i}`));
    if (found.size !== expected.size || [...found].some(p => !expected.has(p))) {
      this.problem(`${where}: log_history is not the teams of each enterprise's latest logged draw${plan.team.rotation === true ? '' : ' (it must be empty without rotation)'}`);
    }
    const history = new Set(plan.history.filter(h => Array.isArray(h)).map(([u, i]) => `${u}\u0000${i}`));
    const stray = hist.find(([u, i]) => !history.has(`${u}\u0000${i}`));
    if (stray) this.problem(`${where}: log_history pair ${canonicalJson(stray)} is not in the plan's history`);
  }

  checkDrandCommitment(e, beacon) {
    const where = `entry ${e.index} (DrawCommitment)`;
    if (!hasExactKeys(beacon, ['type', 'chain', 'chain_hash', 'round', 'round_time'])) { this.problem(`${where}: a drand beacon has exactly type, chain, chain_hash, round, round_time`); return; }
    if (beacon.chain !== 'quicknet' || beacon.chain_hash !== QUICKNET.chain_hash) { this.problem(`${where}: drand chain ${repr(beacon.chain)} / ${repr(beacon.chain_hash)} is not quicknet`); return; }
    const rnd = beacon.round;
    if (!isInt(rnd) || rnd < 1) { this.problem(`${where}: drand round ${repr(rnd)} is not a positive integer`); return; }
    const t = QUICKNET.genesis_time + (rnd - 1) * QUICKNET.period;
    if (beacon.round_time !== rfc3339(t)) this.problem(`${where}: round_time ${repr(beacon.round_time)} is not the time of round ${rnd} (${rfc3339(t)})`);
    if (e.time !== null && !(t > e.time)) this.problem(`${where}: drand round ${rnd} (${rfc3339(t)}) was not in the future at commit time ${rfc3339(e.time)}`);
  }

  async refBeaconRecord(e, b) {
    const where = `entry ${e.index} (BeaconRecord)`;
    const c = this.earlier(e, b.commitment, ['DrawCommitment'], 'commitment');
    if (c === null) return;
    if (this.beaconOf.has(b.commitment)) { this.problem(`${where}: commitment ${b.commitment} already has a beacon (entry ${this.beaconOf.get(b.commitment).index}); one beacon per commitment`); return; }
    this.beaconOf.set(b.commitment, e);
    const beacon = b.beacon; const committed = c.body.beacon;
    if (beacon.type !== committed.type) { this.problem(`${where}: beacon type ${repr(beacon.type)} is not the committed ${repr(committed.type)}`); return; }
    let randomness;
    if (beacon.type === 'drand') {
      if (!hasExactKeys(beacon, ['type', 'chain', 'round', 'signature']) || typeof beacon.signature !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(beacon.signature)) {
        this.problem(`${where}: a drand beacon is {"type","chain","round","signature" (hex)}`); return;
      }
      if (beacon.chain !== committed.chain || beacon.round !== committed.round) this.problem(`${where}: drand ${beacon.chain} round ${beacon.round} is not the committed round ${committed.round}`);
      randomness = hex(await sha256(fromHex(beacon.signature)));
      if (e.time !== null && isInt(beacon.round)) {
        const t = QUICKNET.genesis_time + (beacon.round - 1) * QUICKNET.period;
        if (e.time < t) this.problem(`${where}: logged at ${rfc3339(e.time)}, before its round existed (${rfc3339(t)})`);
      }
    } else if (beacon.type === 'ceremony') {
      // LOG-FORMAT "What witnessed means": `at` joins the ceremony beacon (required under a policy: ./witness.js)
      const { digits, witnesses } = beacon;
      const keys = Object.hasOwn(beacon, 'at') ? ['type', 'digits', 'witnesses', 'at'] : ['type', 'digits', 'witnesses'];
      if (!hasExactKeys(beacon, keys) || typeof digits !== 'string' || !Array.isArray(witnesses) || !witnesses.every(w => typeof w === 'string')) {
        this.problem(`${where}: a ceremony beacon is {"type","digits","witnesses"} and, under a witness policy, "at"`); return;
      }
      if (Object.hasOwn(beacon, 'at')) {
        const at = parseTime(beacon.at);
        if (at === null) this.problem(`${where}: at ${repr(beacon.at)} is not RFC 3339 UTC with seconds (YYYY-MM-DDTHH:MM:SSZ)`);
        else if (e.time !== null && at > e.time) this.problem(`${where}: at ${beacon.at} is after the reveal's time ${rfc3339(e.time)}`);
      }
      if (!/^[0-9]{20,}$/.test(digits)) this.problem(`${where}: ceremony digits must be at least 20 ASCII digits`);
      if (witnesses.length < 2 || new Set(witnesses).size !== witnesses.length || witnesses.some(w => !w || w !== w.replace(CEREMONY_TRIM, ''))) {
        this.problem(`${where}: a ceremony needs at least 2 distinct, trimmed, non-empty witness names`);
      }
      const zero = Uint8Array.of(0);
      const parts = [utf8('fairdraw-v1/ceremony'), zero, utf8(digits)];
      for (const w of witnesses) parts.push(zero, utf8(w));
      randomness = hex(await sha256(concatBytes(...parts)));
    } else { this.problem(`${where}: unknown beacon type ${repr(beacon.type)}`); return; }
    if (b.randomness !== randomness) this.problem(`${where}: randomness ${b.randomness} is not re-derived from the beacon (${randomness})`);
    const seed = hex(await sha256(concatBytes(utf8('fairdraw-v1/seed'), Uint8Array.of(0), c.hash, fromHex(b.randomness))));
    if (b.seed !== seed) this.problem(`${where}: seed ${b.seed} is not SHA-256("fairdraw-v1/seed" ‖ 0x00 ‖ commitment id ‖ randomness) = ${seed}`);
  }

  refDrawResult(e, b) {
    const where = `entry ${e.index} (DrawResult)`;
    const c = this.earlier(e, b.commitment, ['DrawCommitment'], 'commitment');
    const r = this.earlier(e, b.beacon, ['BeaconRecord'], 'beacon');
    if (c === null || r === null) { e.ok = false; return; }
    if (r.body.commitment !== c.id) { this.problem(`${where}: beacon ${r.id} belongs to commitment ${r.body.commitment}, not ${c.id}`); e.ok = false; return; }
    if (b.outcome === 'drawn' && Object.hasOwn(b, 'draw')) this.checkDrawnDocument(where, b.draw, c, r);
    e.commitment = c; e.beaconRecord = r;
    if (b.outcome === 'drawn') this.publication.result(e, b, c);
  }

  /** Check 5: a drawn document (of a DrawResult or a DrawPublication) carries the beacon's seed and the commitment's plan digest. */
  checkDrawnDocument(where, d, c, r) {
    if (d.seed !== r.body.seed) this.problem(`${where}: the draw's seed ${repr(d.seed)} is not the beacon's seed ${r.body.seed}`);
    if (d.plan_digest !== c.body.plan_digest) this.problem(`${where}: the draw's plan_digest ${repr(d.plan_digest)} is not the commitment's ${c.body.plan_digest}`);
  }

  refDrawPublication(e, b) { return this.publication.refPublication(e, b); }

  refInspectionResult(e, b) {
    const r = this.earlier(e, b.draw, ['DrawResult'], 'draw');
    if (r !== null && r.body.outcome === 'drawn') this.publication.inspectionResult(e, b, r);
  }

  /** An InspectionResult's USCC must be a target of the draw document `doc` (of the result `r`). */
  checkTarget(e, b, r, doc) {
    const targets = (Array.isArray(doc.assignments) ? doc.assignments : []).filter(isPlainObject).map(a => a.uscc);
    if (!targets.includes(b.uscc)) this.problem(`entry ${e.index} (InspectionResult): ${b.uscc} is not a target of draw ${r.id}`);
  }

  refReplacement(e, b) { return this.replacements.check(e, b); }

  refAmendment(e, b) { this.earlier(e, b.amends, Object.keys(BODY), 'amends'); }

  // LOG-FORMAT "Follow-ups" and "Objections"
  refFollowUp(e, b) { this.aftercare.check(e, b); }
  refFollowUpClosed(e, b) { this.aftercare.check(e, b); }
  refObjection(e, b) { this.aftercare.check(e, b); }
  refObjectionAnswer(e, b) { this.aftercare.check(e, b); }
}

