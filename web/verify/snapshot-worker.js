// web/verify/snapshot-worker.js — the Worker that hashes the enterprise
// snapshot (SPEC §5) of a large registry from its columns, while the draw
// goes on in the thread that started it (./snapshots.js, ./worker.js).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// Message in: the columns of leafColumns(). Messages out: see
// shareEnterpriseRoot() in ./snapshots.js.

import { shareEnterpriseRoot } from './snapshots.js';
import { serveJob } from './worker.js';

serveJob(shareEnterpriseRoot);
