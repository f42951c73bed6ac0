// recompute.js — runs the recomputation of a logged draw (web/logged.js) in a
// module Web Worker (web/verify-worker.js) when the browser has one, so the
// page stays responsive while 10^6 snapshot leaves are hashed; otherwise on
// the page itself. Either way the result says where it ran (ranIn: 'worker'
// | 'page', and pageReason when on the page), and the verdict says so: a
// browser without workers is never silently treated like one with them.
//
//   recomputeLoggedDraw(detail, fetchBytes, {onProgress, openings, signal})
//       -> the verifyLoggedDraw result, plus ranIn and pageReason.
//     fetchBytes is used only on the page: the worker downloads with web/api.js.
//     signal (an AbortSignal): aborted, the worker is stopped and the promise
//     rejects with an AbortError (on the page, the work already begun ends first).

import { verifyLoggedDraw } from './logged.js';

const PROGRESS_MS = 250;

/** Why no worker can run here, or null when a module worker may. */
function noWorkerReason() {
  if (typeof Worker !== 'function') return 'no Web Workers';
  if (typeof window === 'undefined') return 'not a browser page';
  return null;
}

export async function recomputeLoggedDraw(detail, fetchBytes, { onProgress, openings, signal } = {}) {
  let reason = noWorkerReason();
  if (reason === null) {
    const outcome = await inWorker(detail, openings, onProgress, signal);
    if (outcome.result) return { ...outcome.result, ranIn: 'worker' };
    reason = outcome.reason;
  }
  if (signal && signal.aborted) throw aborted();
  const result = await verifyLoggedDraw(detail, fetchBytes, { onProgress, openings });
  if (signal && signal.aborted) throw aborted();
  return { ...result, ranIn: 'page', pageReason: reason };
}

/**
 * What web/logged.js reads of the draw detail: the rest (the teams, 15 MB of
 * JSON for a draw of 44,000 targets, rebuilt from the document for the page)
 * is not copied into the Worker.
 */
function needed(detail) {
  const { id, summary, commitment, beacon, draw, snapshots } = detail;
  return { id, summary, commitment, beacon, draw, snapshots };
}

/**
 * Tests (tests/browser/e2e.mjs --worker-from): localStorage
 * `fairdraw.test.workerFrom`, the registry size from which the verifier takes
 * its second-core paths (web/verify/snapshots.js workerFromForTests), so that
 * a small log reaches them in a browser; null when unset.
 */
function workerFromForTests() {
  try {
    const n = Number(globalThis.localStorage && globalThis.localStorage.getItem('fairdraw.test.workerFrom'));
    return Number.isSafeInteger(n) && n >= 2 ? n : null;
  } catch { return null; }
}

const aborted = () => new DOMException('the recomputation is no longer wanted', 'AbortError');

/**
 * Resolves to {result} from the worker, or {reason} when the worker could not
 * start (no module workers: it fails before saying 'ready'); rejects with
 * the verification's own error, or an AbortError once `signal` is aborted.
 */
function inWorker(detail, openings, onProgress, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) { reject(aborted()); return; }
    let worker;
    try {
      worker = new Worker(new URL('./verify-worker.js', import.meta.url), { type: 'module' });
    } catch (e) {
      resolve({ reason: `the worker could not start (${e && e.message ? e.message : e})` });
      return;
    }
    let ready = false;
    // progress reaches the page at most every PROGRESS_MS (and at each new stage): every
    // report redraws the verify panel, which on a page listing 10^4 targets is not free
    let shownStage = null, shownAt = 0;
    const done = (f) => { worker.terminate(); if (signal) signal.removeEventListener('abort', stopped); f(); };
    const stopped = () => done(() => reject(aborted()));
    if (signal) signal.addEventListener('abort', stopped);
    worker.onerror = (ev) => {
      ev.preventDefault();
      const message = ev.message || 'error';
      if (!ready) done(() => resolve({ reason: `the worker could not start (${message})` }));
      else done(() => reject(new Error(message)));
    };
    worker.onmessageerror = () => done(() => reject(new Error('the worker sent a message that could not be read')));
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') {
        ready = true;
        worker.postMessage({ detail: needed(detail), openings, workerFrom: workerFromForTests() });
      } else if (data.type === 'progress') {
        const now = Date.now();
        if (onProgress && (data.stage !== shownStage || now - shownAt >= PROGRESS_MS)) {
          shownStage = data.stage;
          shownAt = now;
          onProgress(data.stage, data.info);
        }
      } else if (data.type === 'result') {
        done(() => resolve({ result: data.result }));
      } else if (data.type === 'error') {
        const e = new Error(data.message);
        e.name = data.name;
        done(() => reject(e));
      }
    };
  });
}
