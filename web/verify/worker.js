// web/verify/worker.js — a job on a second core: a module Worker, in
// browsers (also inside the page's own verify-worker.js) and in node
// (worker_threads), running the same module either way.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// Used for the enterprise snapshot root of a large registry (./merkle.js),
// hashed while the draw itself goes on. A worker is only a way to use a
// second core: where none can be started, or it fails, its messages are
// null and the caller computes the same thing itself.

/**
 * Starts the module `url` (a URL of a file under web/verify/) as a Worker
 * and posts it `data` (a copy: the caller keeps its own, to do the job
 * itself if need be). Returns {next(): Promise<the worker's next message,
 * or null when there is none (no worker, it failed, or it was stopped)>,
 * stop()}. stop() ends the worker: after its last message, or when its
 * answer is no longer wanted (e.g. the draw failed).
 */
export function runJob(url, data) {
  const queue = [], waiting = [];
  let ended = false, terminate = () => {};
  const deliver = (m) => { if (ended) return; if (waiting.length) waiting.shift()(m); else queue.push(m); };
  const end = () => { ended = true; terminate(); while (waiting.length) waiting.shift()(null); };
  (async () => {
    if (isNode()) {
      const { Worker } = await import('node:worker_threads');
      const w = new Worker(url);
      terminate = () => w.terminate();
      w.on('message', deliver);
      w.once('error', end);
      w.once('exit', end);
      w.postMessage(data);
    } else {
      if (typeof Worker !== 'function') { end(); return; }
      const early = warm.get(String(url));
      warm.delete(String(url));
      const w = early ? early.worker : new Worker(url, { type: 'module' });
      terminate = () => w.terminate();
      if (early && early.failed) { end(); return; }
      w.onmessage = ({ data: m }) => deliver(m);
      w.onerror = (e) => { if (e && e.preventDefault) e.preventDefault(); end(); };
      w.postMessage(data);
    }
    if (ended) terminate(); // (stopped while it was starting)
  })().catch(end);
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()) : ended ? Promise.resolve(null) : new Promise(r => waiting.push(r))),
    stop: end,
  };
}

const isNode = () => typeof process === 'object' && !!process?.versions?.node && typeof globalThis.WorkerGlobalScope === 'undefined';

// Workers started ahead by warmJob, by URL: {worker, failed}.
const warm = new Map();

/**
 * Starts the module Worker `url` now, for the next runJob(url). In a
 * browser a Worker started from a thread that is busy (a Worker drawing
 * 10^6 firms, say) does not load until that thread waits for something:
 * started while the snapshots download, it is ready when the draw wants it.
 * (node starts its threads at once: nothing to do there.)
 */
export function warmJob(url) {
  if (isNode() || typeof Worker !== 'function' || warm.has(String(url))) return;
  try {
    const entry = { worker: new Worker(url, { type: 'module' }), failed: false };
    entry.worker.onerror = (e) => { if (e && e.preventDefault) e.preventDefault(); entry.failed = true; };
    warm.set(String(url), entry);
  } catch { /* runJob starts its own */ }
}

/**
 * In a worker started by runJob: answers its one message with the messages
 * of `answer(data, post)`: each post(message, transfer) (the ArrayBuffers
 * in `transfer` are handed over, not copied), then the value it returns.
 * An exception is answered with null, so that the caller does the job
 * itself.
 */
export async function serveJob(answer) {
  const reply = async (data, post) => {
    let last = null;
    try { last = await answer(data, post); } catch { last = null; }
    post(last, []);
  };
  if (isNode()) {
    const { parentPort } = await import('node:worker_threads');
    parentPort.once('message', data => reply(data, (m, transfer) => parentPort.postMessage(m, transfer)));
  } else {
    self.onmessage = ({ data }) => reply(data, (m, transfer) => self.postMessage(m, transfer));
  }
}
