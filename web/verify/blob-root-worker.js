// web/verify/blob-root-worker.js — the Worker that hashes a snapshot blob's
// own leaves (LOG-FORMAT.md "Snapshots": one leaf per line, RFC 6962 root)
// while the thread that started it rebuilds the registry from the same blob
// and re-runs the draw (./rebuild.js readSnapshot, web/logged.js).
// Part of the independent verifier web/verify.js (see its header).
//
// Message in: the blob's bytes (gzip, or already inflated). Message out:
// {root: lower-case hex}.

import { blobRoot } from './merkle.js';
import { serveJob } from './worker.js';

serveJob(async raw => ({ root: await blobRoot(raw) }));
