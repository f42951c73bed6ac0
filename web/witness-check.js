// witness-check.js — was this draw's commitment witnessed before its beacon
// existed, and was its reveal witnessed? (LOG-FORMAT.md "Witnesses and
// cosignatures", "What 'witnessed' means".)
//
// Material: GET /api/draws/{id}/witnesses —
//   {policy: null | {index, quorum, witnesses, leaf, proof}, commitment: {index, id},
//    deadline, before: null | {size, checkpoint, proof}, reveal: null | {index, size, checkpoint, proof}}
// and the log's verifier key (GET /api/log.pub). Nothing the server says is
// taken on its word: the policy is read from its log entry (whose inclusion is
// proven in the cosigned tree), the deadline is recomputed from the draw, and
// every signature is checked here. A server without the endpoint (404) gets
// "witnessing not available", never "witnessed".
//
// checkWitnesses(detail, material, logVkey) -> {
//   id: 'witnessed', ok: true | false | null, state, quorum, witnesses: [names],
//   cosigners: [{name, time}], problems: [text], reveal: {ok, cosigners} | null }
//   state: 'witnessed' | 'unwitnessed' (no policy, or quorum 0: ok null)
//        | 'unavailable' (no endpoint: ok null) | 'short' (fewer than K before T)
//        | 'invalid' (a proof or signature does not verify)

import './note.js'; // Ed25519 by noble where WebCrypto has none
import { openCheckpoint, parseVerifierKey, verifyCosignature, NoteError, COSIGNATURE_V1 } from './verify/note.js';
import { hex } from './verify/sha256.js';
import { verifyInclusion, verifyInclusionOfHash } from './proof.js';

/** The deadline T in POSIX seconds, from the draw itself; null when there is none. */
export function deadlineOf(detail) {
  const committed = (detail.commitment && detail.commitment.beacon) || {};
  const revealed = (detail.beacon && detail.beacon.beacon) || {};
  const text = committed.type === 'drand' ? committed.round_time : revealed.type === 'ceremony' ? revealed.at : null;
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/**
 * The cosignatures of checkpoint `cp` (from openCheckpoint) by the witnesses
 * `[{name, vkey}]`: one result per signature line whose name and key id are a
 * witness's, {name, time, ok: true} when it verifies, {name, ok: false} when
 * not. Lines of other keys are left out; a witness whose key bears another
 * name has no lines.
 */
async function cosignatures(cp, witnesses) {
  const keys = [];
  for (const w of witnesses) {
    const key = await parseVerifierKey(String(w.vkey).trim(), COSIGNATURE_V1);
    if (key.name === w.name) keys.push(key);
  }
  const out = [];
  for (const line of cp.lines) {
    for (const key of keys) {
      let cosigned;
      try {
        cosigned = await verifyCosignature(key, cp.text, line);
      } catch (e) {
        if (!(e instanceof NoteError)) throw e;
        out.push({ name: key.name, ok: false });
        break;
      }
      if (cosigned) {
        out.push({ name: key.name, time: cosigned.time, ok: true });
        break;
      }
    }
  }
  return out;
}

function distinctValid(cosigned, before) {
  const byName = new Map();
  for (const c of cosigned) if (c.ok && (before === null || c.time < before) && !byName.has(c.name)) byName.set(c.name, c);
  return [...byName.values()];
}

/** The policy, read from its own log entry. Throws when the entry is not a WitnessPolicy. */
function policyFromLeaf(policy) {
  const entry = JSON.parse(policy.leaf);
  if (!entry || entry.kind !== 'WitnessPolicy' || entry.index !== policy.index || !entry.body) {
    throw new Error(`entry ${policy.index} is not a WitnessPolicy`);
  }
  const { witnesses, quorum } = entry.body;
  if (!Array.isArray(witnesses) || !Number.isInteger(quorum)) throw new Error('the WitnessPolicy entry has no witnesses or quorum');
  return { witnesses, quorum };
}

export async function checkWitnesses(detail, material, logVkey) {
  const base = { id: 'witnessed', witnesses: [], quorum: 0, cosigners: [], problems: [], reveal: null };
  if (material === null) return { ...base, ok: null, state: 'unavailable' };
  const problems = base.problems;
  const commitmentId = detail.beacon && detail.beacon.commitment;
  const c = material.commitment || {};
  if (c.id !== commitmentId) problems.push(`the witness record is for commitment ${c.id}, not this draw's ${commitmentId}`);
  if (!material.policy) {
    return problems.length ? { ...base, ok: false, state: 'invalid' } : { ...base, ok: null, state: 'unwitnessed' };
  }
  let policy;
  try {
    policy = policyFromLeaf(material.policy);
  } catch (e) {
    problems.push(e.message);
    return { ...base, ok: false, state: 'invalid' };
  }
  const names = policy.witnesses.map(w => w.name);
  const result = { ...base, witnesses: names, quorum: policy.quorum };
  if (policy.quorum === 0) return problems.length ? { ...result, ok: false, state: 'invalid' } : { ...result, ok: null, state: 'unwitnessed' };
  if (!(material.policy.index < c.index)) problems.push(`the policy (entry ${material.policy.index}) is not older than the commitment (entry ${c.index})`);

  const deadline = deadlineOf(detail);
  if (deadline === null) problems.push('the draw names no deadline (round time or ceremony time)');
  else if (material.deadline && Date.parse(material.deadline) / 1000 !== deadline) problems.push(`the server's deadline ${material.deadline} is not the draw's`);

  // Before the beacon: a cosigned checkpoint that includes the commitment and the policy.
  const before = material.before;
  if (!before) {
    problems.push('no cosigned checkpoint includes the commitment');
  } else {
    try {
      const cp = await openCheckpoint(before.checkpoint, logVkey);
      const root = hex(cp.root);
      if (cp.size !== before.size) problems.push(`the checkpoint is of size ${cp.size}, not ${before.size}`);
      if (!await verifyInclusionOfHash({ leafHash: c.id, index: c.index, size: cp.size, proof: before.proof, root })) {
        problems.push(`the commitment is not in the cosigned tree of size ${cp.size}`);
      }
      if (!await verifyInclusion({ leaf: material.policy.leaf, index: material.policy.index, size: cp.size, proof: material.policy.proof, root })) {
        problems.push(`the witness policy is not in the cosigned tree of size ${cp.size}`);
      }
      const cosigned = await cosignatures(cp, policy.witnesses);
      for (const bad of cosigned.filter(x => !x.ok)) problems.push(`the cosignature of ${bad.name} does not verify`);
      result.cosigners = distinctValid(cosigned, deadline).map(({ name, time }) => ({ name, time }));
    } catch (e) {
      problems.push(e.message);
    }
  }

  // The reveal: a cosigned checkpoint that includes the DrawResult (any time; a note when missing).
  const reveal = material.reveal;
  if (reveal) {
    try {
      const cp = await openCheckpoint(reveal.checkpoint, logVkey);
      const root = hex(cp.root);
      const included = await verifyInclusionOfHash({ leafHash: detail.id, index: reveal.index, size: cp.size, proof: reveal.proof, root });
      if (!included) problems.push(`the draw is not in the cosigned tree of size ${cp.size}`);
      const cosigned = await cosignatures(cp, policy.witnesses);
      for (const bad of cosigned.filter(x => !x.ok)) problems.push(`the cosignature of ${bad.name} on the reveal does not verify`);
      const valid = distinctValid(cosigned, null);
      result.reveal = { ok: included && valid.length >= policy.quorum, cosigners: valid.map(x => x.name) };
    } catch (e) {
      problems.push(e.message);
    }
  } else {
    result.reveal = { ok: false, cosigners: [] };
  }

  if (problems.length) return { ...result, ok: false, state: 'invalid' };
  if (result.cosigners.length < policy.quorum) return { ...result, ok: false, state: 'short' };
  return { ...result, ok: true, state: 'witnessed' };
}

/** GET the witness material; null when the server has no such endpoint (404). */
export async function fetchWitnessMaterial(id, getJson) {
  try {
    return await getJson(`/api/draws/${encodeURIComponent(id)}/witnesses`);
  } catch (e) {
    if (e && e.status === 404) return null;
    throw e;
  }
}
