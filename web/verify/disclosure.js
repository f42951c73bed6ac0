// web/verify/disclosure.js — audit/LOG-FORMAT.md "Disclosures (one firm's
// proof)": `node web/verify.js disclosure FILE [--vkey K]` and the page's
// "check my firm's disclosure". Checks 1–6 of that section; the disclosure
// carries its salt, so no secret is needed.
// Part of the independent verifier web/verify.js (see its header).

import { FairdrawError } from './errors.js';
import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { NoteError, parseVerifierKey } from './note.js';
import { strictUtf8 } from './jsonl.js';
import { fromHex, utf8 } from './sha256.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { verifyReceipt } from './receipt.js';
import { blindOf, enterpriseState } from './protected.js';
import { ticket } from './tickets.js';
import { FEEDBACK_CLASS as FEEDBACK } from './plan.js';

export const DISCLOSURE_FORMAT = 'fairdraw-disclosure/1';
const KEYS = ['format', 'vkey', 'commitment', 'result', 'leaf', 'salt', 'proof', 'verdict'];
const VERDICT_KEYS = ['uscc', 'class', 'state', 'ticket', 'cutoff', 'selected', 'why'];
const HEX64 = /^[0-9a-f]{64}$/;
const isStr = v => typeof v === 'string';
const show = v => (v === undefined ? 'nothing' : canonicalJson(v));

/** Check 1 (shape and types): a list of what is wrong, empty when none. */
function shapeErrors(d) {
  if (!isPlainObject(d)) return ['the disclosure is not a JSON object'];
  const out = [];
  const missing = KEYS.filter(k => !Object.hasOwn(d, k));
  const unknown = Object.keys(d).filter(k => !KEYS.includes(k));
  if (missing.length) out.push(`missing keys: ${missing.join(', ')}`);
  if (unknown.length) out.push(`unknown keys: ${unknown.join(', ')}`);
  if (Object.hasOwn(d, 'format') && d.format !== DISCLOSURE_FORMAT) out.push(`format ${show(d.format)} is not ${JSON.stringify(DISCLOSURE_FORMAT)}`);
  for (const k of ['vkey', 'commitment', 'result', 'salt']) if (Object.hasOwn(d, k) && !isStr(d[k])) out.push(`${k} must be a string`);
  if (Object.hasOwn(d, 'leaf') && !(Array.isArray(d.leaf) && d.leaf.every(isStr))) out.push('leaf must be an array of strings');
  if (Object.hasOwn(d, 'proof')) {
    const p = d.proof;
    if (!isPlainObject(p) || !hasExactKeys(p, ['index', 'hashes']) || !Number.isSafeInteger(p.index) || p.index < 0
      || !Array.isArray(p.hashes) || !p.hashes.every(x => isStr(x) && HEX64.test(x))) {
      out.push('proof must be {"index": a non-negative integer, "hashes": [64 hex digits, …]}');
    }
  }
  if (Object.hasOwn(d, 'verdict')) {
    const v = d.verdict;
    if (!isPlainObject(v) || !hasExactKeys(v, VERDICT_KEYS)) out.push(`verdict must have exactly the keys ${VERDICT_KEYS.join(', ')}`);
    else {
      for (const k of ['uscc', 'class', 'state', 'ticket', 'why']) if (!isStr(v[k])) out.push(`verdict.${k} must be a string`);
      if (!(v.cutoff === null || isStr(v.cutoff))) out.push('verdict.cutoff must be a string or null');
      if (typeof v.selected !== 'boolean') out.push('verdict.selected must be true or false');
    }
  }
  return out;
}

/** Bad input (exit 2): a FairdrawError of kind 'not-a-disclosure' (the page tells it from a browser that cannot check). */
const notADisclosure = message => new FairdrawError(message, [], 'not-a-disclosure');

/** Reads the disclosure (bytes, text or a parsed object); throws a FairdrawError (exit 2) on bad input. */
function readDisclosure(input) {
  let d = input;
  if (input instanceof Uint8Array || input instanceof ArrayBuffer || isStr(input)) {
    let text = input;
    if (!isStr(input)) {
      try { text = strictUtf8.decode(input instanceof ArrayBuffer ? new Uint8Array(input) : input); } catch { throw notADisclosure('the disclosure is not UTF-8 text'); }
    }
    try { d = JSON.parse(text); } catch (e) { throw notADisclosure(`the disclosure is not JSON: ${e.message}`); }
  }
  const errors = shapeErrors(d);
  if (errors.length) throw notADisclosure(`not a disclosure (${DISCLOSURE_FORMAT}):\n${errors.join('\n')}`);
  return d;
}

/** A receipt's entry, parsed; a problem (string) when it does not verify or is not JSON. */
async function openEntry(receiptText, key, what) {
  let r;
  try { r = await verifyReceipt(receiptText, key); } catch (e) {
    if (e instanceof NoteError) return { problem: `the ${what} receipt does not verify: ${e.message}` };
    throw e;
  }
  let entry;
  try { entry = JSON.parse(strictUtf8.decode(r.extra)); } catch { return { problem: `the ${what} receipt's entry is not JSON` }; }
  if (!isPlainObject(entry) || !isPlainObject(entry.body) || entry.index !== r.index) return { problem: `the ${what} receipt's entry is not a log entry at index ${r.index}` };
  return { entry, id: r.id };
}

/** Why, in plain words (the page translates the `reason` code). */
function reasonOf(state, cutoff, tk) {
  if (state !== 'eligible') return state === 'out' ? 'out-of-scope' : 'excluded';
  if (cutoff === null) return 'class-not-drawn';
  return tk <= cutoff ? 'ticket-within-cutoff' : 'ticket-above-cutoff';
}
const REASON_WORDS = {
  'out-of-scope': 'not in the plan\'s scope',
  excluded: 'in scope but excluded by the plan',
  'class-not-drawn': 'nobody is drawn in its class',
  'ticket-within-cutoff': 'its ticket is at or below the cutoff',
  'ticket-above-cutoff': 'its ticket is above the cutoff',
};

/**
 * Verifies a disclosure. Resolves to {code: 0 verified | 1 tampered, lines,
 * problems, verdict: {uscc, class, stratum (its class, or 'feedback' for a
 * firm the plan's feedback flags, SPEC §6.4), state, ticket, cutoff,
 * selected, reason, draw, plan_name, mode}} (verdict null when check 2 fails); rejects with a
 * FairdrawError (exit 2, kind 'not-a-disclosure') for bad input: not JSON,
 * wrong shape or types, a malformed key.
 */
export async function verifyDisclosure(input, { vkey } = {}) {
  const d = readDisclosure(input);
  const parseKey = async (text, what) => {
    try { return await parseVerifierKey(text.trim()); } catch (e) {
      if (e instanceof NoteError) throw notADisclosure(`${what}: ${e.message}`);
      throw e;
    }
  };
  const fileKey = await parseKey(d.vkey, 'vkey');
  const lines = [];
  const problems = [];
  const problem = m => { problems.push(m); lines.push(`problem: ${m}`); };
  let key = fileKey;
  if (vkey !== undefined && vkey !== null) {
    key = await parseKey(String(vkey), '--vkey');
    if (key.text !== d.vkey.trim()) problem(`the disclosure's vkey ${show(d.vkey)} is not the key you pinned (${show(key.text)})`);
  } else lines.push('note: key not pinned: trusted the vkey in the file');
  const finish = (verdict) => {
    if (problems.length) lines.push(`TAMPERED: ${problems.length} problem(s): this disclosure does not prove its verdict`);
    else {
      const v = verdict;
      lines.push(`VERIFIED: ${v.uscc} in draw ${v.draw}: ${v.selected ? 'selected' : 'not selected'}, ${REASON_WORDS[v.reason]} `
        + `(class ${v.class}${v.stratum === FEEDBACK ? ', feedback stratum' : ''}, ${v.state}, ticket ${v.ticket}, cutoff ${v.cutoff === null ? 'none' : v.cutoff}; ${v.mode} log)`);
    }
    return { code: problems.length ? 1 : 0, lines, problems, verdict };
  };

  // check 2: both receipts, their kinds, the result's commitment
  const c = await openEntry(d.commitment, key, 'commitment');
  const r = await openEntry(d.result, key, 'result');
  if (c.problem) problem(c.problem);
  if (r.problem) problem(r.problem);
  if (c.problem || r.problem) return finish(null);
  const cb = c.entry.body; const rb = r.entry.body;
  if (c.entry.kind !== 'DrawCommitment' || !isPlainObject(cb.plan)) problem(`the commitment receipt proves a ${show(c.entry.kind)} entry, not a DrawCommitment`);
  const drawn = (r.entry.kind === 'DrawResult' && rb.outcome === 'drawn' && isPlainObject(rb.draw)) || (r.entry.kind === 'DrawPublication' && isPlainObject(rb.draw));
  if (!drawn) problem(`the result receipt proves a ${show(r.entry.kind)} entry, not a drawn DrawResult with its draw or a DrawPublication`);
  if (rb.commitment !== c.id) problem(`the result names commitment ${show(rb.commitment)}, not the disclosed commitment ${c.id}`);
  if (c.entry.kind !== 'DrawCommitment' || !drawn) return finish(null);
  const doc = rb.draw;
  if (doc.plan_digest !== cb.plan_digest) problem(`the draw's plan_digest ${show(doc.plan_digest)} is not the commitment's ${show(cb.plan_digest)}`);
  const drawId = r.entry.kind === 'DrawPublication' ? rb.result : r.id;
  const v = d.verdict;

  // check 3: the leaf is the verdict's firm and class; its state under the commitment's plan
  const [uscc, , cls] = d.leaf;
  if (uscc !== v.uscc) problem(`leaf[0] ${show(uscc)} is not verdict.uscc ${show(v.uscc)}`);
  if (cls !== v.class) problem(`leaf[2] ${show(cls)} is not verdict.class ${show(v.class)}`);
  const columns = isPlainObject(doc.snapshots) && isPlainObject(doc.snapshots.enterprises) ? doc.snapshots.enterprises.columns : undefined;
  let state = null;
  try { state = enterpriseState(d.leaf, cb.plan, columns); } catch (e) { problem(`the state of the leaf cannot be recomputed: ${e.message}`); }
  if (state !== null && state !== v.state) problem(`the leaf is ${state} under the commitment's plan, the verdict says ${show(v.state)}`);

  // check 4: the row is in the committed tree (blinded in a protected log)
  const isProtected = Object.hasOwn(cb, 'blinded');
  const tree = isProtected ? cb.blinded && cb.blinded.enterprises : cb.snapshots && cb.snapshots.enterprises;
  const leafText = canonicalJson(d.leaf);
  let committed = null;
  if (isProtected) {
    if (!HEX64.test(d.salt)) problem('salt is not 64 hex digits (a protected log\'s salt)');
    else if (state !== null) committed = canonicalJson([cls, state, await blindOf(fromHex(d.salt), utf8(leafText))]);
  } else if (d.salt !== '') problem(`salt ${show(d.salt)} is not "" (a full log has no salts)`);
  else committed = leafText;
  if (!isPlainObject(tree) || !isStr(tree.root) || !HEX64.test(tree.root) || !Number.isSafeInteger(tree.count)) problem(`the commitment has no ${isProtected ? 'blinded' : 'snapshots'}.enterprises root and count`);
  else if (committed !== null) {
    const ok = await verifyInclusion(await leafHash(utf8(committed)), d.proof.index, tree.count, d.proof.hashes.map(fromHex), fromHex(tree.root));
    if (!ok) problem(`${isProtected ? 'the blinded leaf' : 'the leaf'} ${committed} is not included at index ${d.proof.index} of the committed ${isProtected ? 'blinded ' : ''}enterprise tree ${tree.root} (${tree.count} leaves)`);
  }

  // check 5: the ticket under the document's seed, the class's cutoff — for a
  // firm the plan's feedback flags, the feedback stratum's (SPEC §6.4: it
  // leaves its class's stratum)
  const fb = isPlainObject(cb.plan.feedback) ? cb.plan.feedback : null;
  const group = fb && Array.isArray(fb.flagged) && fb.flagged.includes(uscc) ? FEEDBACK : cls;
  const stratum = Array.isArray(doc.strata) ? doc.strata.find(s => isPlainObject(s) && s.class === group) : undefined;
  const tk = isStr(doc.seed) && isStr(uscc) ? await ticket(uscc, doc.seed) : null;
  if (v.ticket !== tk) problem(`verdict.ticket ${show(v.ticket)} is not the ticket of ${uscc} under the draw's seed (${show(tk)})`);
  const cutoff = stratum ? stratum.cutoff : undefined;
  const name = group === FEEDBACK ? `feedback stratum's (${uscc} is flagged by the plan's feedback)` : `class ${cls}`;
  if (!stratum) problem(`the draw has no stratum for ${group === FEEDBACK ? 'feedback' : `class ${show(cls)}`}`);
  else if (v.cutoff !== cutoff) problem(`verdict.cutoff ${show(v.cutoff)} is not the ${name} cutoff ${show(cutoff)}`);

  // check 6: selected exactly when eligible and ticket ≤ cutoff, as the document lists it and the verdict says
  if (stratum && state !== null && tk !== null) {
    const selected = state === 'eligible' && cutoff !== null && tk <= cutoff;
    const listed = Array.isArray(stratum.selected) && stratum.selected.includes(uscc);
    if (selected !== listed) problem(`the draw ${listed ? 'lists' : 'does not list'} ${uscc} in stratum ${group}, yet by its state and ticket it is ${selected ? '' : 'not '}selected`);
    if (v.selected !== selected) problem(`verdict.selected is ${v.selected}, but the firm is ${selected ? '' : 'not '}selected`);
    return finish({ uscc, class: cls, stratum: group, state, ticket: tk, cutoff, selected, reason: reasonOf(state, cutoff, tk), draw: drawId, plan_name: doc.plan_name, mode: isProtected ? 'protected' : 'full' });
  }
  return finish(null);
}
