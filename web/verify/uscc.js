// web/verify/uscc.js — SPEC §2 USCC check (GB 32100-2015).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
export const USCC_INDEX = new Int32Array(128).fill(-1); // character code -> index in USCC_ALPHABET, or -1
for (let k = 0; k < USCC_ALPHABET.length; k++) USCC_INDEX[USCC_ALPHABET.charCodeAt(k)] = k;

/** null when `u` is a valid USCC, else the reason. */
export function usccProblem(u) {
  if (u.length !== 18) return `must be 18 characters, has ${[...u].length}`;
  let sum = 0;
  for (let k = 0; k < 18; k++) {
    const c = u.charCodeAt(k);
    const v = c < 128 ? USCC_INDEX[c] : -1;
    if (v < 0) return `character ${k + 1} (${JSON.stringify(u[k])}) is not in ${USCC_ALPHABET}`;
    if (k < 17) sum += USCC_WEIGHTS[k] * v;
  }
  const check = (31 - (sum % 31)) % 31;
  if (u[17] !== USCC_ALPHABET[check]) return `check character should be ${USCC_ALPHABET[check]}, not ${u[17]}`;
  return null;
}
export function usccValid(u) { return typeof u === 'string' && usccProblem(u) === null; }
