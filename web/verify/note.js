// web/verify/note.js — LOG-FORMAT "Checkpoints" and "Cosignatures": C2SP
// signed notes (c2sp.org/signed-note), verifier keys, tlog-checkpoint text and
// tlog-cosignature `cosignature/v1` lines, all Ed25519.
// Part of the independent verifier web/verify.js (written from
// audit/LOG-FORMAT.md; see the header of web/verify.js for the API).
//
// Ed25519 is verified with WebCrypto ({name: 'Ed25519'}: node >= 18.4,
// current browsers); where WebCrypto lacks it, the verifier given to
// setEd25519Verifier (the web page gives the vendored noble library's, see
// web/note.js; verify.js itself never sets one), else node:crypto (node >= 12).

import { FairdrawError } from './errors.js';
import { sha256, utf8, hex, sameBytes } from './sha256.js';

/** A malformed key, note, checkpoint or cosignature, or a signature that does not verify. */
export class NoteError extends Error {}

/** Signature types of signed-note keys: 0x01 an Ed25519 note signature, 0x04 a cosignature/v1. */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** RFC 4648 §4 standard base64, strictly: padding required, no other characters. */
export function b64decode(s) {
  if (!BASE64.test(s) || s.length % 4) throw new NoteError(`not base64: ${JSON.stringify(s.slice(0, 40))}`);
  let bin;
  try { bin = atob(s); } catch { throw new NoteError(`not base64: ${JSON.stringify(s.slice(0, 40))}`); }
  // a plain loop: a receipt carries a whole DrawResult (megabytes for a large draw)
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}


/** signed-note: key names are non-empty, without Unicode spaces or '+'. */
function validKeyName(name) { return name.length > 0 && !name.includes('+') && !/\s/u.test(name); }

/** signed-note: key id = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]. */
export async function keyId(name, type, publicKey) {
  const n = utf8(name);
  const data = new Uint8Array(n.length + 2 + publicKey.length);
  data.set(n); data[n.length] = 0x0a; data[n.length + 1] = type; data.set(publicKey, n.length + 2);
  return (await sha256(data)).slice(0, 4);
}

/**
 * `<name>+<key id hex>+<base64(type ‖ 32-byte Ed25519 public key)>` -> {text, name, id, publicKey}.
 * `type` is ED25519 for the log's key (log.pub), COSIGNATURE_V1 for a witness.
 */
export async function parseVerifierKey(text, type = ED25519) {
  const parts = text.split('+');
  if (parts.length < 3) throw new NoteError('malformed verifier key: expected <name>+<key id>+<key>');
  const [name, kid] = parts;
  const key = parts.slice(2).join('+'); // base64 may contain '+', names may not
  if (!validKeyName(name)) throw new NoteError(`malformed verifier key: bad key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(kid)) throw new NoteError(`malformed verifier key: key id ${JSON.stringify(kid)} is not 8 hex digits`);
  const raw = b64decode(key);
  const what = type === ED25519 ? 'an Ed25519 key (0x01 ‖ 32 bytes)' : 'a cosignature/v1 key (0x04 ‖ 32 bytes)';
  if (raw.length !== 33 || raw[0] !== type) throw new NoteError(`malformed verifier key: not ${what}`);
  const publicKey = raw.slice(1);
  const id = await keyId(name, type, publicKey);
  if (hex(id) !== kid) {
    throw new NoteError(`malformed verifier key: key id ${kid} is not SHA-256(name ‖ 0x0A ‖ 0x0${type} ‖ key)[:4] = ${hex(id)}`);
  }
  return { text, name, id, publicKey, type, toString: () => `${name}+${kid}` };
}

let nodeCrypto = null; // a Promise of node:crypto, when WebCrypto has no Ed25519
const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

let fallbackVerifier = null;
/**
 * The Ed25519 verifier to use where WebCrypto has no Ed25519 (Chrome < 137,
 * among others): fn(publicKey (32 bytes), message, signature (64 bytes)) ->
 * boolean or a Promise of one; null for none. Without one, node uses
 * node:crypto and a browser gets an error. It serves every caller of this
 * module. Returns the verifier it replaces (so that a test can put it back).
 */
export function setEd25519Verifier(fn) {
  const previous = fallbackVerifier;
  fallbackVerifier = fn;
  return previous;
}

/** Ed25519 (RFC 8032) verification of `signature` (64 bytes) over `message` with a 32-byte public key. */
export async function ed25519Verify(publicKey, message, signature) {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (subtle && nodeCrypto === null) {
    let key = null;
    try { key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']); } catch (e) {
      if (!(e && (e.name === 'NotSupportedError' || e.name === 'TypeError' || e.name === 'SyntaxError'))) return false; // a bad point
    }
    if (key) return subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }
  if (fallbackVerifier) return (await fallbackVerifier(publicKey, message, signature)) === true;
  if (typeof process !== 'object' || !process || !process.versions || !process.versions.node) {
    throw new FairdrawError('this browser has no Ed25519 in WebCrypto: signatures cannot be checked here');
  }
  nodeCrypto = nodeCrypto || import('node:crypto');
  const c = await nodeCrypto;
  let key;
  try {
    const der = new Uint8Array(SPKI_ED25519.length + 32); der.set(SPKI_ED25519); der.set(publicKey, SPKI_ED25519.length);
    key = c.createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch { return false; }
  return c.verify(null, message, key, signature);
}

const MAX_SIGNATURES = 100;
const SIGNATURE_LINE = /^\u2014 (\S+) (\S+)$/;

/**
 * signed-note: text ending in LF, a blank line, then lines
 * `— <key name> <base64(4-byte key id ‖ signature)>`. Returns {text, lines}
 * (the note text, final LF included, and the signature lines), or throws.
 */
export function splitNote(note) {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('malformed note: control character');
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) throw new NoteError('malformed note: no blank line before the signatures, or no final newline');
  const text = note.slice(0, cut + 1);
  const sigs = note.slice(cut + 2);
  if (!sigs) throw new NoteError('malformed note: no signature lines');
  const lines = sigs.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('too many signatures');
  for (const line of lines) {
    const m = SIGNATURE_LINE.exec(line);
    if (!m || !validKeyName(m[1])) throw new NoteError(`malformed note: bad signature line ${JSON.stringify(line.slice(0, 60))}`);
  }
  return { text, lines };
}

/** Name and raw bytes of a well-formed signature line. */
function signatureOf(line) {
  const m = SIGNATURE_LINE.exec(line);
  if (!m || !validKeyName(m[1])) throw new NoteError(`malformed signature line ${JSON.stringify(line.slice(0, 60))}`);
  const raw = b64decode(m[2]);
  if (raw.length < 5) throw new NoteError('malformed note: signature too short');
  return { name: m[1], raw };
}

/**
 * Verifies a signed note with `key` (a parsed Ed25519 verifier key). Signatures
 * of other keys are ignored; one of `key` (same name and id) must verify.
 * Returns {text, lines}.
 */
export async function openNote(note, key) {
  const { text, lines } = splitNote(note);
  let verified = false;
  for (const line of lines) {
    const { name, raw } = signatureOf(line);
    if (name !== key.name || !sameBytes(raw.slice(0, 4), key.id)) continue;
    if (raw.length !== 68 || !(await ed25519Verify(key.publicKey, utf8(text), raw.slice(4)))) {
      throw new NoteError(`invalid signature for key ${key}`);
    }
    verified = true;
  }
  if (!verified) throw new NoteError(`no signature by the key ${key}`);
  return { text, lines };
}

/** c2sp.org/tlog-checkpoint text: origin, tree size, base64 root hash, optional extension lines. */
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '' || lines.slice(0, -1).some(x => x === '')) {
    throw new NoteError('malformed checkpoint: expected origin, size and root lines');
  }
  const [origin, size, root] = lines;
  if (!/^(?:0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new NoteError(`malformed checkpoint: tree size ${JSON.stringify(size)}`);
  }
  const rootBytes = b64decode(root);
  if (rootBytes.length !== 32) throw new NoteError('malformed checkpoint: the root hash is not 32 bytes');
  return { origin, size: Number(size), root: rootBytes, text };
}

async function asKey(vkey, type) { return typeof vkey === 'string' ? parseVerifierKey(vkey.trim(), type) : vkey; }

/**
 * A signed checkpoint note verified with the log's key `vkey` (the log.pub
 * line, or a parsed key); its origin must be the key's name. Returns
 * {origin, size, root (32 bytes), text, lines (signature lines)}; throws a NoteError.
 */
export async function openCheckpoint(note, vkey) {
  const key = await asKey(vkey, ED25519);
  const { text, lines } = await openNote(note, key);
  const cp = parseCheckpoint(text);
  if (cp.origin !== key.name) throw new NoteError(`checkpoint origin ${JSON.stringify(cp.origin)} is not the key's name ${JSON.stringify(key.name)}`);
  return { ...cp, lines };
}

/**
 * LOG-FORMAT "Cosignatures": checks one cosignature line
 * `— <name> <base64(key id ‖ t u64 BE ‖ Ed25519 signature)>` of the witness
 * key `vkey` (its text or a parsed cosignature/v1 key) over `checkpointText`
 * (origin, size, root lines with the final LF, no signatures). Returns null
 * when the line is another key's (name or key id differ), {time} (POSIX
 * seconds, a Number) when it verifies; throws a NoteError when it is this
 * key's line but malformed or its signature does not verify.
 */
export async function verifyCosignature(vkey, checkpointText, line) {
  const key = await asKey(vkey, COSIGNATURE_V1);
  const { name, raw } = signatureOf(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (name !== key.name || !sameBytes(raw.slice(0, 4), key.id)) return null;
  if (raw.length !== 4 + 8 + 64) throw new NoteError(`cosignature of ${name}: ${raw.length} bytes, a cosignature/v1 has 76`);
  const t = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError(`cosignature of ${name}: time ${t} is out of range`);
  const message = utf8(`cosignature/v1\ntime ${t}\n${checkpointText}`);
  if (!(await ed25519Verify(key.publicKey, message, raw.slice(12)))) {
    throw new NoteError(`cosignature of ${name} does not verify`);
  }
  return { time: Number(t) };
}
