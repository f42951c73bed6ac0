// verify-worker.js — the recomputation of a logged draw (web/logged.js) in a
// module Web Worker, so that hashing 10^6 snapshot leaves and re-running the
// draw leave the page responsive. Started by web/recompute.js.
//
// Messages in:  {detail, openings}  (as for verifyLoggedDraw)
// Messages out: {type: 'ready'} once loaded (so the page can tell a browser
//               without module workers from a failing verification),
//               {type: 'progress', stage, info}, then {type: 'result', result}
//               or {type: 'error', name, message}.

import { verifyLoggedDraw } from './logged.js';
import { getBytes } from './api.js';

self.onmessage = async ({ data }) => {
  const { detail, openings } = data;
  try {
    const result = await verifyLoggedDraw(detail, getBytes, {
      openings,
      onProgress: (stage, info) => self.postMessage({ type: 'progress', stage, info: plain(info) }),
    });
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
