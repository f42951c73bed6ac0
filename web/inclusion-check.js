// inclusion-check.js — is the draw the page shows the one in the log?
//
// The draw's receipt (GET /api/draws/{id}/receipt, a C2SP tlog-proof,
// LOG-FORMAT.md "Receipts") carries the DrawResult entry's exact line, an
// inclusion proof and a checkpoint signed by the log. Here: the checkpoint
// verifies with the log's key, the line hashes to the draw's id, the proof
// puts it in the signed tree, and the line's body is the draw the page just
// recomputed (same commitment, same draw document or the same "infeasible").
//
// A sealed draw once published (LOG-FORMAT.md "Embargo"): the DrawResult
// holds only the document's digest; the publication's receipt proves the
// DrawPublication entry, whose document must hash to that digest.
//
// checkInclusion(detail, receiptText, logVkey, canonicalJson, publicationReceiptText?) ->
//   {id: 'inclusion', ok, index, size, problem}

import './note.js'; // Ed25519 by noble where WebCrypto has none
import { openCheckpoint } from './verify/note.js';
import { parseReceipt as parseReceiptBytes } from './verify/receipt.js';
import { sha256, utf8, hex, concatBytes } from './verify/sha256.js';
import { verifyInclusion } from './proof.js';
import { sameCanonicalJson } from './verify/canonical-json.js';

let lastReceipt = { text: null, parsed: null, entry: undefined };

/**
 * A C2SP tlog-proof receipt (LOG-FORMAT.md "Receipts") ->
 * {leaf (string), index, proof: [hex], note} (not to be changed: the last
 * one is kept, for the verdict reads a receipt twice, its entry and then
 * its proof, and a draw of 10^6 firms has 18 MB of base64 to decode);
 * throws when it is not one.
 */
export function parseReceipt(text) {
  if (text === lastReceipt.text) return lastReceipt.parsed;
  const r = parseReceiptBytes(text);
  const parsed = Object.freeze({ leaf: new TextDecoder('utf-8', { fatal: true }).decode(r.extra), index: r.index, proof: Object.freeze(r.proof.map(hex)), note: r.note });
  lastReceipt = { text, parsed, entry: undefined };
  return parsed;
}

/**
 * The entry a receipt proves, JSON.parse'd (throws a SyntaxError when it is
 * not JSON); kept with the last receipt, like parseReceipt, for the verdict
 * reads it twice too: its body first, then in checkInclusion (a 13 MB entry
 * for a draw of 10^6 firms). Not to be changed.
 */
export function receiptEntry(text) {
  const { leaf } = parseReceipt(text); // (now the last receipt)
  if (lastReceipt.entry === undefined) lastReceipt.entry = JSON.parse(leaf);
  return lastReceipt.entry;
}

/** RFC 6962 leaf hash (0x00 ‖ line), hex: the entry's id. */
async function leafId(leaf) {
  return hex(await sha256(concatBytes(new Uint8Array([0]), utf8(leaf))));
}

export async function checkInclusion(detail, receiptText, logVkey, canonicalJson, publicationReceiptText = null) {
  const fail = (problem, more = {}) => ({ id: 'inclusion', ok: false, problem, ...more });
  let receipt;
  let cp;
  try {
    receipt = parseReceipt(receiptText);
    cp = await openCheckpoint(receipt.note, logVkey);
  } catch (e) {
    return fail(e.message);
  }
  const where = { index: receipt.index, size: cp.size };
  if (await leafId(receipt.leaf) !== detail.id) return fail(`the receipt proves another entry, not ${detail.id}`, where);
  if (!await verifyInclusion({ leaf: receipt.leaf, index: receipt.index, size: cp.size, proof: receipt.proof, root: hex(cp.root) })) {
    return fail(`the inclusion proof does not verify against the signed checkpoint of size ${cp.size}`, where);
  }
  let entry;
  try {
    entry = receiptEntry(receiptText);
  } catch {
    return fail('the logged entry is not JSON', where);
  }
  const body = entry && entry.body;
  if (!body || entry.kind !== 'DrawResult') return fail(`entry ${receipt.index} is not a DrawResult`, where);
  if (body.commitment !== (detail.beacon && detail.beacon.commitment)) return fail('the logged draw belongs to another commitment', where);
  const drawn = body.outcome === 'drawn' && body.draw ? body.draw : null; // a sealed draw has none yet
  const fromPublication = Boolean(body.sealed && publicationReceiptText);
  // the logged document equal to the page's, value by value: then their
  // canonical JSON is equal too, and neither is written out (12 MB each
  // for a draw of 10^6 firms); any other case is decided on the text
  if (!fromPublication && drawn && detail.draw && sameCanonicalJson(drawn, detail.draw)) return { id: 'inclusion', ok: true, problem: null, ...where };
  let logged = drawn ? canonicalJson(drawn) : null;
  if (fromPublication) {
    const published = await publishedDocument(publicationReceiptText, logVkey, detail.id, body, canonicalJson);
    if (published.problem) return fail(published.problem, where);
    logged = published.json;
  }
  const shown = detail.draw ? canonicalJson(detail.draw) : null;
  if (logged !== shown) return fail('the draw on this page is not the logged one', where);
  return { id: 'inclusion', ok: true, problem: null, ...where };
}

/**
 * The document of a sealed draw's DrawPublication, from its receipt: the
 * receipt verifies, the entry publishes result `resultId` of the same
 * commitment, and its document hashes to the sealed digest.
 * -> {json} (canonical JSON of the document) or {problem}.
 */
async function publishedDocument(text, logVkey, resultId, sealedBody, canonicalJson) {
  let receipt;
  let cp;
  try {
    receipt = parseReceipt(text);
    cp = await openCheckpoint(receipt.note, logVkey);
  } catch (e) {
    return { problem: `the publication's receipt: ${e.message}` };
  }
  if (!await verifyInclusion({ leaf: receipt.leaf, index: receipt.index, size: cp.size, proof: receipt.proof, root: hex(cp.root) })) {
    return { problem: `the publication's inclusion proof does not verify against the signed checkpoint of size ${cp.size}` };
  }
  let entry;
  try {
    entry = JSON.parse(receipt.leaf);
  } catch {
    return { problem: 'the publication entry is not JSON' };
  }
  const body = entry && entry.body;
  if (!body || entry.kind !== 'DrawPublication' || body.result !== resultId || body.commitment !== sealedBody.commitment) {
    return { problem: `entry ${receipt.index} is not the publication of draw ${resultId}` };
  }
  const json = canonicalJson(body.draw);
  if (hex(await sha256(utf8(json))) !== sealedBody.sealed.digest) {
    return { problem: `the published document does not hash to the sealed digest ${sealedBody.sealed.digest}` };
  }
  return { json };
}
