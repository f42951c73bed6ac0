// web/verify/snapshot-worker.js — the Worker that hashes the enterprise
// snapshot (SPEC §5) of a large registry from its columns, while the draw
// goes on in the thread that started it (./snapshots.js, ./worker.js).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).
//
// Message in: the columns of leafColumns(), for the split in two halves
// (shareEnterpriseRoot() in ./snapshots.js, messages out there), or
// {columns, memory} for the work in shared memory (./root-share.js).

import { shareEnterpriseRoot } from './snapshots.js';
import { workOnSharedRoot } from './root-share.js';
import { serveJob } from './worker.js';

serveJob((data, post) => (data && data.memory ? workOnSharedRoot(data) : shareEnterpriseRoot(data, post)));
