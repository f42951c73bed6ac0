// beacon-check.js — check a logged beacon in the browser (LOG-FORMAT.md
// "Beacon records and the seed"): a drand quicknet signature is BLS
// (scheme bls-unchained-g1-rfc9380: the signature is a G1 point over
// SHA-256(round as u64 big-endian), the public key a G2 point) and must
// verify against the pinned quicknet key; a ceremony's digits cannot be
// checked by anybody who was not there. BLS12-381 comes from the vendored
// @noble/curves; this module is loaded only when the visitor presses "verify".

import { bls12_381 } from './vendor/noble/curves/bls12-381.js';
import { sha256 } from './vendor/noble/hashes/sha2.js';
import { fromHex } from './verify/sha256.js';

/** drand quicknet chain info, as pinned by the server (data/drand/quicknet.json, src/log/beacon.rs). */
export const QUICKNET = {
  chain_hash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  public_key: '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  genesis_time: 1692803367,
  period: 3,
};

/** Does `signature` (hex) sign quicknet round `round`? Malformed input is false. */
export function verifyQuicknetRound(round, signature) {
  try {
    if (!Number.isSafeInteger(round) || round < 1 || !/^(?:[0-9a-fA-F]{2})+$/.test(signature)) return false;
    const message = new Uint8Array(8);
    new DataView(message.buffer).setBigUint64(0, BigInt(round));
    const short = bls12_381.shortSignatures;
    return short.verify(fromHex(signature), short.hash(sha256(message)), fromHex(QUICKNET.public_key));
  } catch {
    return false; // not a point on the curve, wrong length, not hex
  }
}

/**
 * The beacon check of one draw. `committed` is the commitment's beacon, `revealed` the
 * BeaconRecord's. Returns
 *   {id: 'beacon', kind: 'drand', ok, round, problem?}   — BLS verified against the pinned key
 *   {id: 'beacon', kind: 'ceremony', ok: null, witnesses} — nothing a browser can check
 *   {id: 'beacon', kind: 'unknown', ok: false}
 */
export function checkBeacon(committed, revealed) {
  const c = committed || {};
  const r = revealed || {};
  if (r.type === 'drand') {
    const round = r.round;
    let problem = null;
    if (c.type !== 'drand' || r.chain !== 'quicknet' || c.chain !== 'quicknet') problem = 'chain';
    else if (c.chain_hash !== QUICKNET.chain_hash) problem = 'chain';
    else if (c.round !== round) problem = 'round';
    else if (!verifyQuicknetRound(round, r.signature)) problem = 'signature';
    return { id: 'beacon', kind: 'drand', ok: problem === null, round, problem };
  }
  if (r.type === 'ceremony' && c.type === 'ceremony') {
    return { id: 'beacon', kind: 'ceremony', ok: null, witnesses: r.witnesses || [], at: r.at || null };
  }
  return { id: 'beacon', kind: 'unknown', ok: false };
}
