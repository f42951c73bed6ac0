// recompute.js — runs the recomputation of a logged draw (web/logged.js) in a
// module Web Worker (web/verify-worker.js) when the browser has one, so the
// page stays responsive while 10^6 snapshot leaves are hashed; otherwise on
// the page itself. Either way the result says where it ran (ranIn: 'worker'
// | 'page', and pageReason when on the page), and the verdict says so: a
// browser without workers is never silently treated like one with them.
//
//   startRecomputeWorker() -> a Worker loading its modules ahead of its work,
//       for recomputeLoggedDraw's `worker` (null when none can start here).
//       web/view-draw.js starts it once the draw's page is idle (or on the
//       click, when that comes first), so that a click finds its modules
//       loaded; release() stops it if it was never used.
//   recomputeLoggedDraw(detail, fetchBytes, {onProgress, openings, signal, worker})
//       -> the verifyLoggedDraw result without `computed`, plus ranIn and
//          pageReason. The page shows the differences, never the recomputed
//          document; for a draw of 44,000 targets that document, copied
//          from the Worker, took about 0.2 s and 100 MB of the page's memory.
//     fetchBytes is used only on the page: the worker downloads with web/api.js.
//     signal (an AbortSignal): aborted, the worker is stopped and the promise
//     rejects with an AbortError (on the page, the work already begun ends first).
//     worker: from startRecomputeWorker (used once; otherwise one is started).
//
// web/logged.js (the whole verifier) is loaded here only when the
// recomputation runs on the page: the Worker loads its own.

const PROGRESS_MS = 250;

/** Why no worker can run here, or null when a module worker may. */
function noWorkerReason() {
  if (typeof Worker !== 'function') return 'no Web Workers';
  if (typeof window === 'undefined') return 'not a browser page';
  return null;
}

export async function recomputeLoggedDraw(detail, fetchBytes, { onProgress, openings, signal, worker } = {}) {
  let reason = noWorkerReason();
  const started = worker ? worker.take() : null;
  if (reason === null) {
    const outcome = await inWorker(detail, openings, onProgress, signal, started);
    if (outcome.result) return { ...outcome.result, ranIn: 'worker' }; // (web/verify-worker.js kept the document)
    reason = outcome.reason;
  }
  if (signal && signal.aborted) throw aborted();
  const { verifyLoggedDraw } = await import('./logged.js');
  const result = await verifyLoggedDraw(detail, fetchBytes, { onProgress, openings });
  if (signal && signal.aborted) throw aborted();
  return { ...withoutDocument(result), ranIn: 'page', pageReason: reason };
}

/** A verifyLoggedDraw result without the recomputed document (see the header). */
export function withoutDocument(result) {
  const { computed: _document, ...rest } = result;
  return rest;
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

export function startRecomputeWorker() {
  if (noWorkerReason() !== null) return null;
  try { return new StartedWorker(); } catch { return null; } // (recomputeLoggedDraw will say why)
}

/**
 * web/verify-worker.js, started: what it says before anyone listens (its
 * 'ready', or the error of a browser without module workers) is kept and
 * handed to the first listener, for an unheard message is lost.
 */
class StartedWorker {
  constructor() {
    this.worker = new Worker(new URL('./verify-worker.js', import.meta.url), { type: 'module' });
    this.heard = []; // [kind, event] before listen()
    this.listener = null;
    this.taken = false;
    const deliver = kind => (ev) => {
      if (kind === 'error') ev.preventDefault(); // (reported by the listener, not the console)
      if (this.listener) this.listener(kind, ev); else this.heard.push([kind, ev]);
    };
    this.worker.onmessage = deliver('message');
    this.worker.onerror = deliver('error');
    this.worker.onmessageerror = deliver('messageerror');
  }

  /** This Worker for one recomputation: itself the first time, then null. */
  take() {
    if (this.taken) return null;
    this.taken = true;
    return this;
  }

  /** f(kind, event) for every event, those already heard first. */
  listen(f) {
    this.listener = f;
    for (const [kind, ev] of this.heard.splice(0)) f(kind, ev);
  }

  /** Stops the Worker if no recomputation took it. */
  release() {
    if (this.take()) this.worker.terminate();
  }
}

/**
 * Resolves to {result} from the worker, or {reason} when the worker could not
 * start (no module workers: it fails before saying 'ready'); rejects with
 * the verification's own error, or an AbortError once `signal` is aborted.
 */
function inWorker(detail, openings, onProgress, signal, started) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) { if (started) started.worker.terminate(); reject(aborted()); return; }
    if (!started) {
      try {
        started = new StartedWorker().take();
      } catch (e) {
        resolve({ reason: `the worker could not start (${e && e.message ? e.message : e})` });
        return;
      }
    }
    const worker = started.worker;
    let ready = false;
    // progress reaches the page at most every PROGRESS_MS (and at each new stage): every
    // report redraws the verify panel, which on a page listing 10^4 targets is not free
    let shownStage = null, shownAt = 0;
    const done = (f) => { worker.terminate(); if (signal) signal.removeEventListener('abort', stopped); f(); };
    const stopped = () => done(() => reject(aborted()));
    if (signal) signal.addEventListener('abort', stopped);
    const failed = (ev) => {
      const message = ev.message || 'error';
      if (!ready) done(() => resolve({ reason: `the worker could not start (${message})` }));
      else done(() => reject(new Error(message)));
    };
    const unreadable = () => done(() => reject(new Error('the worker sent a message that could not be read')));
    const told = ({ data }) => {
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
    started.listen((kind, ev) => (kind === 'message' ? told : kind === 'error' ? failed : unreadable)(ev));
  });
}
