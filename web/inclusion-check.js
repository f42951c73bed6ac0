// inclusion-check.js — is the draw the page shows the one in the log?
//
// The draw's receipt (GET /api/draws/{id}/receipt, a C2SP tlog-proof,
// LOG-FORMAT.md "Receipts") carries the DrawResult entry's exact line, an
// inclusion proof and a checkpoint signed by the log. Here: the checkpoint
// verifies with the log's key, the line hashes to the draw's id, the proof
// puts it in the signed tree, and the line's body is the draw the page just
// recomputed (same commitment, same draw document or the same "infeasible").
//
// checkInclusion(detail, receiptText, logVkey, canonicalJson) ->
//   {id: 'inclusion', ok, index, size, problem}

import { openCheckpoint, parseReceipt } from './note.js';
import { verifyInclusion } from './proof.js';

async function leafId(leaf) {
  const bytes = new TextEncoder().encode(leaf);
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1); // buf[0] = 0x00: RFC 6962 leaf prefix
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(digest, b => b.toString(16).padStart(2, '0')).join('');
}

export async function checkInclusion(detail, receiptText, logVkey, canonicalJson) {
  const fail = (problem, more = {}) => ({ id: 'inclusion', ok: false, problem, ...more });
  let receipt;
  let cp;
  try {
    receipt = parseReceipt(receiptText);
    cp = openCheckpoint(receipt.note, logVkey);
  } catch (e) {
    return fail(e.message);
  }
  const where = { index: receipt.index, size: cp.size };
  if (await leafId(receipt.leaf) !== detail.id) return fail(`the receipt proves another entry, not ${detail.id}`, where);
  if (!await verifyInclusion({ leaf: receipt.leaf, index: receipt.index, size: cp.size, proof: receipt.proof, root: cp.root })) {
    return fail(`the inclusion proof does not verify against the signed checkpoint of size ${cp.size}`, where);
  }
  let entry;
  try {
    entry = JSON.parse(receipt.leaf);
  } catch {
    return fail('the logged entry is not JSON', where);
  }
  const body = entry && entry.body;
  if (!body || entry.kind !== 'DrawResult') return fail(`entry ${receipt.index} is not a DrawResult`, where);
  if (body.commitment !== (detail.beacon && detail.beacon.commitment)) return fail('the logged draw belongs to another commitment', where);
  const logged = body.outcome === 'drawn' ? canonicalJson(body.draw) : null;
  const shown = detail.draw ? canonicalJson(detail.draw) : null;
  if (logged !== shown) return fail('the draw on this page is not the logged one', where);
  return { id: 'inclusion', ok: true, problem: null, ...where };
}
