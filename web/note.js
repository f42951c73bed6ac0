// note.js — C2SP signed notes in the browser: the log's checkpoints
// (Ed25519 note signatures) and witness cosignatures (cosignature/v1),
// as audit/LOG-FORMAT.md "Checkpoints" and "Witnesses and cosignatures"
// describe them. Ed25519 comes from the vendored @noble/curves (not every
// browser has Ed25519 in WebCrypto); this module is loaded only when the
// visitor presses "verify".

import { ed25519 } from './vendor/noble/curves/ed25519.js';
import { sha256 } from './vendor/noble/hashes/sha2.js';

const enc = new TextEncoder();
const SIG_PREFIX = '\u2014 '; // "— "
export const KEY_TYPE_ED25519 = 0x01;
export const KEY_TYPE_COSIGNATURE = 0x04;

export function hex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function fromBase64(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error(`not base64: ${s}`);
  return Uint8Array.from(atob(s), c => c.charCodeAt(0));
}

export function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Key id: the first 4 bytes of SHA-256(name ‖ LF ‖ type ‖ public key). */
export function keyId(name, type, publicKey) {
  return sha256(concat(enc.encode(name), new Uint8Array([0x0a, type]), publicKey)).slice(0, 4);
}

/** `<name>+<key id, 8 hex>+<base64(type ‖ key)>` -> {name, id, key}; throws on anything else. */
export function parseVkey(vkey, type) {
  // The base64 key may itself contain '+': only the first two are separators.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(String(vkey).trim());
  if (!m) throw new Error(`not a verifier key: ${vkey}`);
  const parts = m.slice(1);
  const raw = fromBase64(parts[2]);
  if (raw.length !== 33 || raw[0] !== type) throw new Error(`verifier key ${parts[0]}: not of type 0x0${type}`);
  const key = raw.slice(1);
  const id = keyId(parts[0], type, key);
  if (hex(id) !== parts[1]) throw new Error(`verifier key ${parts[0]}: key id ${parts[1]} does not match the key`);
  return { name: parts[0], id, key };
}

/** A signed note -> {text, signatures: [{name, bytes}]}; throws when it is not one. */
export function parseNote(note) {
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) throw new Error('not a signed note (no blank line before the signatures)');
  const text = note.slice(0, cut + 1);
  const signatures = note.slice(cut + 2, -1).split('\n').map(line => {
    if (!line.startsWith(SIG_PREFIX)) throw new Error(`not a signature line: ${line}`);
    const [name, b64, extra] = line.slice(SIG_PREFIX.length).split(' ');
    if (!name || !b64 || extra !== undefined) throw new Error(`not a signature line: ${line}`);
    return { name, bytes: fromBase64(b64) };
  });
  return { text, signatures };
}

/** Checkpoint text "origin\nsize\nbase64 root\n" -> {origin, size, root (hex)}. */
export function parseCheckpointText(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('a checkpoint needs origin, size and root lines');
  if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error(`tree size ${JSON.stringify(lines[1])} is not a number`);
  const root = fromBase64(lines[2]);
  if (root.length !== 32) throw new Error('the root hash is not 32 bytes');
  return { origin: lines[0], size: Number(lines[1]), root: hex(root) };
}

/**
 * Verify a checkpoint note with the log's verifier key. Resolves to
 * {origin, size, root, text, signatures} or throws saying what is wrong.
 */
export function openCheckpoint(note, logVkey) {
  const key = parseVkey(logVkey, KEY_TYPE_ED25519);
  const parsed = parseNote(note);
  const mine = parsed.signatures.filter(s => s.name === key.name && s.bytes.length === 68 && equal(s.bytes.slice(0, 4), key.id));
  if (mine.length === 0) throw new Error(`no signature by the log's key ${key.name}`);
  const message = enc.encode(parsed.text);
  if (!mine.every(s => ed25519.verify(s.bytes.slice(4), message, key.key))) throw new Error("the log's signature does not verify");
  const cp = parseCheckpointText(parsed.text);
  if (cp.origin !== key.name) throw new Error(`checkpoint origin ${cp.origin} is not the log's name ${key.name}`);
  return { ...cp, text: parsed.text, signatures: parsed.signatures };
}

/** The message a witness signs: "cosignature/v1\ntime <t>\n" + the checkpoint text. */
export function cosignedMessage(checkpointText, time) {
  return enc.encode(`cosignature/v1\ntime ${time}\n${checkpointText}`);
}

/**
 * The cosignatures of `checkpoint` ({text, signatures}) by the witnesses
 * `[{name, vkey}]`: one result per signature line whose name and key id are a
 * witness's, {name, time, ok}. Lines of unknown keys are left out.
 */
export function cosignatures(checkpoint, witnesses) {
  const keys = witnesses.map(w => ({ ...parseVkey(w.vkey, KEY_TYPE_COSIGNATURE), declared: w.name }));
  const out = [];
  for (const s of checkpoint.signatures) {
    const k = keys.find(k => k.name === s.name && k.declared === s.name && s.bytes.length === 76 && equal(s.bytes.slice(0, 4), k.id));
    if (!k) continue;
    const time = new DataView(s.bytes.buffer, s.bytes.byteOffset + 4, 8).getBigUint64(0);
    const ok = ed25519.verify(s.bytes.slice(12), cosignedMessage(checkpoint.text, time), k.key);
    out.push({ name: s.name, time: Number(time), ok });
  }
  return out;
}

/** A cosignature line for tests and vectors: `— name base64(key id ‖ t ‖ signature)`. */
export function cosignatureLine(name, seed, checkpointText, time) {
  const key = ed25519.getPublicKey(seed);
  const sig = ed25519.sign(cosignedMessage(checkpointText, time), seed);
  const t = new Uint8Array(8);
  new DataView(t.buffer).setBigUint64(0, BigInt(time));
  return `${SIG_PREFIX}${name} ${toBase64(concat(keyId(name, KEY_TYPE_COSIGNATURE, key), t, sig))}`;
}

/** The cosignature verifier key of a witness with this Ed25519 seed. */
export function cosignatureVkey(name, seed) {
  const key = ed25519.getPublicKey(seed);
  return `${name}+${hex(keyId(name, KEY_TYPE_COSIGNATURE, key))}+${toBase64(concat(new Uint8Array([KEY_TYPE_COSIGNATURE]), key))}`;
}

/**
 * A C2SP tlog-proof receipt (LOG-FORMAT.md "Receipts") ->
 * {leaf (string), index, proof: [hex], note}; throws when it is not one.
 */
export function parseReceipt(text) {
  const cut = text.indexOf('\n\n');
  if (cut < 0) throw new Error('not a receipt (no blank line before the checkpoint)');
  const lines = text.slice(0, cut).split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') throw new Error('not a c2sp.org/tlog-proof@v1 receipt');
  const extra = /^extra (\S+)$/.exec(lines[1] || '');
  const index = /^index (0|[1-9][0-9]*)$/.exec(lines[2] || '');
  if (!extra || !index) throw new Error('the receipt lacks its extra or index line');
  const leaf = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64(extra[1]));
  return { leaf, index: Number(index[1]), proof: lines.slice(3).map(l => hex(fromBase64(l))), note: text.slice(cut + 2) };
}
