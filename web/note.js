// note.js — the page's Ed25519 where the browser's WebCrypto has none
// (Chrome < 137, among others). Signed notes, checkpoints and cosignatures
// are read and checked by web/verify/note.js, the independent verifier's
// module; importing this one gives it the vendored @noble/curves Ed25519 as
// its fallback. Only the page does this: web/verify.js stays free of vendored
// code. Loaded only when the visitor presses "verify".

import { ed25519 } from './vendor/noble/curves/ed25519.js';
import { setEd25519Verifier } from './verify/note.js';

/** noble's Ed25519 verification, with web/verify/note.js's argument order. */
export function nobleEd25519Verify(publicKey, message, signature) {
  return ed25519.verify(signature, message, publicKey);
}

setEd25519Verifier(nobleEd25519Verify);
