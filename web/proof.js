// proof.js — check an RFC 9162 inclusion proof in the browser (WebCrypto;
// the audit path is walked by web/verify/merkle.js, the verifier's own).
//
// The enterprise lookup returns, per draw, the firm's snapshot leaf and an
// audit path to the snapshot's Merkle root. Checking it here means the
// visitor need not trust the server's claim that the firm was (or was not
// changed) in the committed registry.

import { leafHash as hashLeaf, verifyInclusion as verifyAuditPath } from './verify/merkle.js';

const enc = new TextEncoder();

function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * RFC 9162 §2.1.3.2: does `proof` (hex hashes) prove that `leaf` (string, the
 * canonical JSON array) is leaf number `index` of a tree of `size` leaves with
 * root `root` (hex)? Resolves to true/false; malformed input is false.
 */
export async function verifyInclusion({ leaf, index, size, proof, root }) {
  return verifyInclusionOfHash({ leafHash: await hashLeaf(enc.encode(leaf)), index, size, proof, root });
}

/** The same for a leaf known by its hash (an entry id: hex or 32 bytes). */
export async function verifyInclusionOfHash({ leafHash, index, size, proof, root }) {
  try {
    if (!Array.isArray(proof)) return false;
    const h = typeof leafHash === 'string' ? unhex(leafHash) : leafHash;
    return h.length === 32 && await verifyAuditPath(h, index, size, proof.map(unhex), unhex(root));
  } catch {
    return false;
  }
}
