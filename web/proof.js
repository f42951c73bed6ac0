// proof.js — check an RFC 9162 inclusion proof in the browser (WebCrypto).
//
// The enterprise lookup returns, per draw, the firm's snapshot leaf and an
// audit path to the snapshot's Merkle root. Checking it here means the
// visitor need not trust the server's claim that the firm was (or was not
// changed) in the committed registry.

const enc = new TextEncoder();

function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function sha256(prefix, ...parts) {
  const n = 1 + parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(n);
  buf[0] = prefix;
  let o = 1;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * RFC 9162 §2.1.3.2: does `proof` (hex hashes) prove that `leaf` (string, the
 * canonical JSON array) is leaf number `index` of a tree of `size` leaves with
 * root `root` (hex)? Resolves to true/false; malformed input is false.
 */
export async function verifyInclusion({ leaf, index, size, proof, root }) {
  return verifyInclusionOfHash({ leafHash: await sha256(0x00, enc.encode(leaf)), index, size, proof, root });
}

/** The same for a leaf known by its hash (an entry id: hex or 32 bytes). */
export async function verifyInclusionOfHash({ leafHash, index, size, proof, root }) {
  try {
    if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size || !Array.isArray(proof)) return false;
    let fn = index;
    let sn = size - 1;
    let r = typeof leafHash === 'string' ? unhex(leafHash) : leafHash;
    if (r.length !== 32) return false;
    for (const p of proof) {
      const ph = unhex(p);
      if (ph.length !== 32 || sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(0x01, ph, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(0x01, r, ph);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, unhex(root));
  } catch {
    return false;
  }
}
