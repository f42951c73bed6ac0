// web/verify/witness.js — LOG-FORMAT "Witnesses and cosignatures": the
// WitnessPolicy entries, `cosignatures.jsonl`, and per DrawResult whether its
// commitment was witnessed before the beacon (and its reveal at all).
// Part of the independent verifier web/verify.js (see its header).

import { NoteError, COSIGNATURE_V1, parseVerifierKey, openCheckpoint, splitNote, verifyCosignature } from './note.js';
import { parseTime, rfc3339 } from './time.js';
import { utf8, sameBytes } from './sha256.js';
import { isPlainObject, hasExactKeys } from './canonical-json.js';
import { parseCanonical, splitLines } from './jsonl.js';

const MAX_WITNESSES = 16;
const MAX_URL_BYTES = 2000;

/**
 * "The policy entry": checks every well-formed WitnessPolicy entry of `log`
 * (reporting through `v.problem`) and returns the valid ones, in log order,
 * as {index, quorum, witnesses: [{name, url, vkey, key}]}.
 */
export async function checkWitnessPolicy(log, v) {
  const policies = [];
  for (const e of log) {
    if (e.kind !== 'WitnessPolicy') continue;
    const where = `entry ${e.index} (WitnessPolicy)`;
    const { witnesses, quorum } = e.body;
    const problems = [];
    if (witnesses.length > MAX_WITNESSES) problems.push(`${witnesses.length} witnesses, at most ${MAX_WITNESSES}`);
    const names = new Set();
    const parsed = [];
    for (const [k, w] of witnesses.entries()) {
      if (!isPlainObject(w) || !hasExactKeys(w, ['name', 'url', 'vkey']) || ![w.name, w.url, w.vkey].every(x => typeof x === 'string')) {
        problems.push(`witnesses[${k}] must be {"name","url","vkey"} (strings)`); continue;
      }
      if (names.has(w.name)) problems.push(`witness ${JSON.stringify(w.name)} is listed twice`);
      names.add(w.name);
      if (!/^https?:\/\//.test(w.url) || /\s/u.test(w.url) || utf8(w.url).length > MAX_URL_BYTES) {
        problems.push(`witnesses[${k}].url ${JSON.stringify(w.url.slice(0, 80))} is not an http:// or https:// URL without whitespace of at most ${MAX_URL_BYTES} bytes`);
      }
      let key = null;
      try { key = await parseVerifierKey(w.vkey, COSIGNATURE_V1); } catch (err) {
        if (!(err instanceof NoteError)) throw err;
        problems.push(`witnesses[${k}].vkey: ${err.message}`);
      }
      if (key !== null && key.name !== w.name) problems.push(`witnesses[${k}].vkey is named ${JSON.stringify(key.name)}, not ${JSON.stringify(w.name)}`);
      parsed.push({ name: w.name, url: w.url, vkey: w.vkey, key });
    }
    const n = witnesses.length;
    if (!(n === 0 ? quorum === 0 : quorum >= 1 && quorum <= n)) {
      problems.push(`quorum ${quorum} must be ${n === 0 ? '0 with no witnesses' : `from 1 to ${n}`}`);
    }
    for (const p of problems) v.problem(`${where}: ${p}`);
    if (!problems.length) policies.push({ index: e.index, quorum, witnesses: parsed });
  }
  return policies;
}

/** The policy in force at index i: the latest WitnessPolicy entry with index < i (or null). */
function policyAt(policies, i) {
  let p = null;
  for (const q of policies) if (q.index < i) p = q;
  return p;
}

/**
 * "`cosignatures.jsonl` and the `checkpoint` file": checks each record like a
 * checkpoint record and every cosignature line of a witness key named in a
 * policy. Returns [{size, valid: Map(witness vkey text -> cosigned time)}].
 */
export async function checkCosignatures(bytes, v, policies, logSize) {
  if (bytes === null) return [];
  const witnesses = new Map(); // vkey text -> parsed key, of every policy
  for (const p of policies) for (const w of p.witnesses) witnesses.set(w.vkey, w.key);
  const { lines, torn } = splitLines(bytes);
  if (torn.length) v.note(`cosignatures.jsonl ends with ${torn.length} torn bytes: not a record`);
  const records = [];
  let previous = 0;
  for (const [i, line] of lines.entries()) {
    const where = `cosignatures.jsonl line ${i + 1}`;
    const { value: r, error } = parseCanonical(line);
    if (error !== null) { v.problem(`${where}: ${error}`); continue; }
    if (!isPlainObject(r) || !hasExactKeys(r, ['checkpoint', 'size']) || typeof r.checkpoint !== 'string' || !Number.isSafeInteger(r.size)) {
      v.problem(`${where}: a record is {"checkpoint": string, "size": integer}`); continue;
    }
    if (r.size < previous) v.problem(`${where}: size ${r.size} after size ${previous}: sizes never decrease`);
    previous = Math.max(previous, r.size);
    if (v.key === null) { v.problem(`${where}: no usable verifier key`); continue; }
    let cp;
    try { cp = await openCheckpoint(r.checkpoint, v.key); } catch (err) {
      if (!(err instanceof NoteError)) throw err;
      v.problem(`${where}: the checkpoint for size ${r.size} does not verify: ${err.message}`); continue;
    }
    if (cp.size !== r.size) { v.problem(`${where}: the checkpoint is signed for size ${cp.size}, the record says ${r.size}`); continue; }
    if (r.size > logSize) { v.problem(`${where}: size ${r.size} is beyond the log (${logSize} entries)`); continue; }
    if (r.size === 0 || !sameBytes(cp.root, v.roots[r.size - 1])) {
      v.problem(`${where}: the root of size ${r.size} is not the root of the first ${r.size} entries`); continue;
    }
    const valid = new Map();
    for (const sig of splitNote(r.checkpoint).lines) {
      for (const [text, key] of witnesses) {
        if (key === null) continue;
        let ok;
        try { ok = await verifyCosignature(key, cp.text, sig); } catch (err) {
          if (!(err instanceof NoteError)) throw err;
          v.problem(`cosignature of ${key.name} on size ${r.size} does not verify`);
          continue;
        }
        if (ok !== null && !valid.has(text)) valid.set(text, ok.time);
      }
    }
    records.push({ size: r.size, valid });
  }
  return records;
}

/** The most witnesses of `policy` on one record with size > `index` whose time passes `inTime`. */
function bestCount(records, policy, index, inTime) {
  let best = 0;
  for (const r of records) {
    if (r.size <= index) continue;
    let k = 0;
    for (const w of policy.witnesses) if (r.valid.has(w.vkey) && inTime(r.valid.get(w.vkey))) k++;
    best = Math.max(best, k);
  }
  return best;
}

/**
 * "What witnessed means", per DrawResult (with its commitment and beacon
 * resolved by the reference checks). Prints the draw lines through `v` and
 * returns [{id, index, witnessed, line}].
 */
export function witnessLines(log, policies, records, v) {
  const draws = [];
  for (const e of log) {
    if (e.kind !== 'DrawResult' || !e.commitment) continue;
    const c = e.commitment;
    const policy = policyAt(policies, c.index);
    let line;
    let witnessed = false;
    if (policy === null || policy.quorum === 0) {
      line = `draw ${e.id}: unwitnessed: the operator could have re-rolled this draw`;
      v.lines.push(line);
    } else {
      const beacon = c.body.beacon.type === 'drand' ? c.body.beacon.round_time : e.beaconRecord.body.beacon.at;
      const deadline = parseTime(beacon);
      if (deadline === null && c.body.beacon.type === 'ceremony') {
        v.problem(`entry ${e.beaconRecord.index} (BeaconRecord): a ceremony revealed under a witness policy needs its "at" time`);
      }
      const k = deadline === null ? 0 : bestCount(records, policy, c.index, t => t < deadline);
      const K = policy.quorum;
      witnessed = k >= K;
      if (witnessed) {
        line = `draw ${e.id}: commitment witnessed by ${k} of ${policy.witnesses.length} before ${rfc3339(deadline)}`;
        v.lines.push(line);
      } else {
        line = `draw ${e.id}: commitment not witnessed before the beacon (${k} of ${K})`;
        v.problem(line);
      }
      const revealed = bestCount(records, policy, e.index, () => true);
      if (revealed < K) v.note(`draw ${e.id}: reveal not yet witnessed (${revealed} of ${K}): until it is, a rollback and a second reveal would go unnoticed (fairdraw cosign --log L asks again)`);
    }
    draws.push({ id: e.id, index: e.index, witnessed, line });
  }
  if (!policies.some(p => p.quorum > 0) && !v.old) v.note('no saved checkpoint or witness: a rewritten history would not be detected');
  return draws;
}
