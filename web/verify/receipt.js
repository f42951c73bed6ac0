// web/verify/receipt.js — audit/LOG-FORMAT.md "Receipts": a C2SP tlog-proof
// (`c2sp.org/tlog-proof@v1`, `extra`, `index`, the inclusion proof, a blank
// line, the signed checkpoint) read and verified offline.
// Part of the independent verifier web/verify.js (see its header).

import { NoteError, b64decode, openCheckpoint } from './note.js';
import { hex } from './sha256.js';
import { leafHash, verifyInclusion } from './merkle.js';

/** A receipt's text -> {extra (bytes), index, proof: [32-byte hashes], note}; throws a NoteError when it is not one. */
export function parseReceipt(text) {
  const cut = text.indexOf('\n\n');
  if (cut < 0) throw new NoteError('not a receipt (no blank line before the checkpoint)');
  const lines = text.slice(0, cut).split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') throw new NoteError('not a c2sp.org/tlog-proof@v1 receipt');
  const extra = /^extra (\S+)$/.exec(lines[1] || '');
  const index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[2] || '');
  if (!extra || !index) throw new NoteError('the receipt lacks its extra or index line');
  return { extra: b64decode(extra[1]), index: Number(index[1]), proof: lines.slice(3).map(b64decode), note: text.slice(cut + 2) };
}

/**
 * Verifies a receipt with the log key `vkey` (text or parsed): the checkpoint
 * note's signature, then the inclusion proof of SHA-256(0x00 ‖ extra) at
 * `index`. Resolves to {extra, index, id (the entry's id, hex), size}; rejects
 * with a NoteError saying what does not verify.
 */
export async function verifyReceipt(text, vkey) {
  const r = parseReceipt(text);
  const cp = await openCheckpoint(r.note, vkey);
  const h = await leafHash(r.extra);
  if (!await verifyInclusion(h, r.index, cp.size, r.proof, cp.root)) {
    throw new NoteError(`the inclusion proof of entry ${r.index} does not verify against the signed checkpoint of size ${cp.size}`);
  }
  return { extra: r.extra, index: r.index, id: hex(h), size: cp.size };
}
