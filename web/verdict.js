// verdict.js — everything the page checks about one logged draw, and the
// verdict it may claim (issue 9: "the page verifies what it claims").
//
// Four checks, each ok (✓), failed (✗) or not applicable / not available (—):
//   recompute — your browser re-did the draw (web/logged.js, in a Web Worker where the
//               browser has one: web/recompute.js; ranIn says where) and got the published list;
//               in a protected log: the public checks against the blinded snapshots
//   beacon    — drand: the BLS signature verifies against the pinned quicknet key
//               (web/beacon-check.js); ceremony: "—", a browser cannot check dice
//   witnessed — the commitment was cosigned by K of N witnesses before the beacon
//               existed (web/witness-check.js); "—" without a policy or endpoint
//   inclusion — the draw is the DrawResult in the log's signed tree (web/inclusion-check.js)
// status: 'verified' only when all four are ✓; 'mismatch' when any is ✗;
// otherwise 'partial' — the page then names what was not checked.
//
// Loaded on demand with the vendored @noble libraries: only when the visitor
// presses "verify".

import { recomputeLoggedDraw } from './recompute.js';
import { canonicalJson } from './verify.js';
import { checkBeacon } from './beacon-check.js';
import { checkWitnesses, fetchWitnessMaterial } from './witness-check.js';
import { checkInclusion, receiptEntry } from './inclusion-check.js';

export const CHECK_ORDER = ['recompute', 'beacon', 'witnessed', 'inclusion'];

/**
 * The DrawResult body the receipt carries: a protected log's `openings` and
 * an embargoed draw's `sealed` (LOG-FORMAT.md "Publication") are there;
 * checkInclusion then proves that entry is in the log and is this draw. Null
 * when the receipt is unreadable.
 */
function loggedBody(receiptText) {
  try { return receiptEntry(receiptText).body || null; } catch { return null; }
}

const stateOf = ok => (ok === true ? 'ok' : ok === false ? 'bad' : 'na');

/**
 * io: {getBytes(url) -> Uint8Array, getText(url) -> string, getJson(url) -> object
 *      (rejecting with .status on HTTP errors)}.
 * worker: optional, from web/recompute.js startRecomputeWorker(): the Worker
 *      to recompute in, already loading; stopped at the end if unused.
 * Resolves to {status, checks: [{id, state, ...}], recomputed (the logged.js result)}.
 *
 * A full log's drawn draw needs nothing from its receipt to be recomputed:
 * the recomputation (a Web Worker) starts at once, while this thread
 * downloads the receipt (1.2 s for a draw of 10^6 firms, whose receipt
 * carries its 13 MB entry). The receipt is read and the signatures checked
 * after the Worker is done, as before: doing that meanwhile as well saves
 * 0.9 s more but holds the entry, parsed, beside the Worker's memory (230
 * MB more at the peak). A protected log's draw needs the receipt's
 * openings, and a sealed one is not recomputed: those wait for the receipt.
 */
export async function verifyDrawVerdict(detail, io, { onProgress, worker } = {}) {
  const stop = new AbortController();
  const receiptUrl = detail.receipt_url || `/api/draws/${encodeURIComponent(detail.id)}/receipt`;
  let receiptText = null;
  const fetchReceipt = () => {
    if (receiptText) return receiptText;
    receiptText = io.getText(receiptUrl);
    receiptText.catch(() => stop.abort()); // no receipt, no verdict: the recomputation is no longer wanted
    return receiptText;
  };
  // (the receipt is fetched once the Worker has downloaded the snapshots and
  // recomputes: two downloads at once slow the snapshots', and decoding 18 MB
  // of text here before would hold up handing the Worker the detail)
  const early = !(detail.commitment && detail.commitment.blinded) && detail.draw && !detail.sealed
    ? recomputeLoggedDraw(detail, io.getBytes, { onProgress: (stage, info) => { if (stage === 'recompute') fetchReceipt(); if (onProgress) onProgress(stage, info); }, signal: stop.signal, worker })
    : null;
  try {
    // both settled, then judged in the order of a recomputation started after the receipt
    const [earlyGot] = await Promise.allSettled([early]);
    const [receiptGot] = await Promise.allSettled([fetchReceipt()]);
    if (receiptGot.status === 'rejected') throw receiptGot.reason;
    const receipt = receiptGot.value;
    let logged = loggedBody(receipt);
    // a sealed draw once published: the document and its openings are in the
    // DrawPublication entry, proved by its own receipt
    const publicationReceipt = logged && logged.sealed && detail.publication_receipt_url
      ? await io.getText(detail.publication_receipt_url) : null;
    if (publicationReceipt) logged = loggedBody(publicationReceipt);
    // a sealed draw (LOG-FORMAT.md "Embargo"): no document to check until its publication
    let recomputed;
    if (logged && logged.sealed) {
      recomputed = { status: 'unchecked', sealed: logged.sealed, infeasible: false, differences: [], checks: [], problems: [] };
    } else if (early) {
      if (earlyGot.status === 'rejected') throw earlyGot.reason;
      recomputed = earlyGot.value;
    } else {
      recomputed = await recomputeLoggedDraw(detail, io.getBytes, { onProgress, openings: logged ? logged.openings : undefined, worker });
    }
    if (onProgress) onProgress('signatures', {});
    const { beacon, witnessed, inclusion } = await checkSignatures(detail, io, receipt, publicationReceipt);

    const checks = [
      { id: 'recompute', state: recomputed.status === 'unchecked' ? 'na' : stateOf(recomputed.status === 'verified'), infeasible: recomputed.infeasible, protected: recomputed.protected === true, sealed: recomputed.sealed || null,
        ranIn: recomputed.ranIn || null, pageReason: recomputed.pageReason || null, workers: recomputed.workers || null },
      { ...beacon, state: stateOf(beacon.ok) },
      { ...witnessed, witness: witnessed.state, state: stateOf(witnessed.ok), kind: beacon.kind },
      { ...inclusion, state: stateOf(inclusion.ok) },
    ];
    const status = checks.some(c => c.state === 'bad') ? 'mismatch' : checks.every(c => c.state === 'ok') ? 'verified' : 'partial';
    return { status, checks, recomputed, beaconKind: beacon.kind };
  } catch (e) {
    stop.abort(); // the verdict fails: the recomputation is no longer wanted
    throw e;
  } finally {
    if (worker) worker.release(); // (a sealed draw is not recomputed)
  }
}

/** The beacon's signature, the witnesses' cosignatures and the inclusion proof (no recomputation needed). */
async function checkSignatures(detail, io, receipt, publicationReceipt) {
  const logVkey = (await io.getText('/api/log.pub')).trim();
  const beacon = checkBeacon(detail.commitment && detail.commitment.beacon, detail.beacon && detail.beacon.beacon);
  const material = await fetchWitnessMaterial(detail.id, io.getJson);
  const witnessed = await checkWitnesses(detail, material, logVkey);
  const inclusion = await checkInclusion(detail, receipt, logVkey, canonicalJson, publicationReceipt);
  return { beacon, witnessed, inclusion };
}
