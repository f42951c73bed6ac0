// verify-worker.js — the recomputation of a logged draw (web/logged.js) in a
// module Web Worker, so that hashing 10^6 snapshot leaves and re-running the
// draw leave the page responsive. Started by web/recompute.js.
//
// Messages in:  {detail, openings}  (as for verifyLoggedDraw), and workerFrom
//               (tests: see web/recompute.js workerFromForTests)
// Messages out: {type: 'ready'} once loaded (so the page can tell a browser
//               without module workers from a failing verification),
//               {type: 'progress', stage, info}, then {type: 'result', result}
//               (the verifyLoggedDraw result without `computed`)
//               or {type: 'error', name, message}.

import { verifyLoggedDraw, linesTrustedForTests } from './logged.js';
import { withoutDocument } from './recompute.js';
import { getBytes } from './api.js';
import { rootsSharedForTests, workerFromForTests } from './verify/snapshots.js';

self.onmessage = async ({ data }) => {
  const { detail, openings, workerFrom } = data;
  try {
    if (workerFrom) workerFromForTests(workerFrom); // (tests: the second-core paths for a small log)
    // (the recomputed document stays here: copying it to the page costs time and memory, and the page never shows it)
    const result = withoutDocument(await verifyLoggedDraw(detail, getBytes, {
      openings,
      onProgress: (stage, info) => self.postMessage({ type: 'progress', stage, info: plain(info) }),
    }));
    // what this Worker did (tests: that the second-core paths ran)
    if (workerFrom) result.workers = { sharedRoots: rootsSharedForTests(), linesTrusted: linesTrustedForTests() };
    self.postMessage({ type: 'result', result });
  } catch (e) {
    self.postMessage({ type: 'error', name: e && e.name ? e.name : 'Error', message: e && e.message ? e.message : String(e) });
  }
};

/** Progress details as plain data (they may be posted while the worker keeps going). */
function plain(info) {
  const out = {};
  for (const [k, v] of Object.entries(info || {})) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

self.postMessage({ type: 'ready' });
