// verify.js — independent verifier for fairdraw draws (algorithm `fairdraw-v1`).
//
// Written from audit/SPEC.md alone. An ES module without dependencies (only the
// sibling ./toml.js and the modules under ./verify/); it runs in browsers and
// in node >= 18 (node modules are loaded only under node, with dynamic import). Decoding uses TextDecoder
// (UTF-8 and GB18030, both fatal). One-off hashes (seed, plan digest, random
// stream key) use WebCrypto (globalThis.crypto.subtle); the per-row hashes
// (tickets, Merkle leaves and nodes — millions for a large registry) use the
// synchronous SHA-256 in verify/sha256.js, once it has been checked against WebCrypto
// (if they ever disagreed, WebCrypto would be used for everything). Large
// registries: the enterprise registry is read from its UTF-8 bytes into
// columns of typed arrays (verify/registry.js: no string or object per firm),
// its leaves are written from those bytes into one reused buffer, tickets
// compress the seed_hash block once, and the enterprise snapshot is hashed
// on a second core (a Worker, verify/worker.js) while the draw goes on; where
// memory can be shared, the thread joins in once the draw is done, each
// taking the next piece of work (verify/root-share.js).
//
// ── Library API (stable; used by the web page) ────────────────────────────────
//
//   computeDraw({enterprises, inspectors, conflicts, plan, planFiles, seed, names})
//       -> Promise<draw document>  (SPEC §9, keys in the order given there)
//     enterprises, inspectors, conflicts : Uint8Array file contents
//                                          (conflicts optional: absent = empty list)
//     plan      : plan TOML, string or Uint8Array (UTF-8)
//     planFiles : files the plan names (items_file, exclude_file, history_file),
//                 by the relative name written in the plan. Either a function
//                 name -> Uint8Array (may be async; return null/undefined when
//                 missing), a Map, or a plain object.
//     seed      : the seed string
//     names     : optional labels for error messages,
//                 {enterprises, inspectors, conflicts, plan} (default: those words)
//     sameLeaves: optional {csv: the enterprise file, release()}; `equal` is
//                 set on it: are the enterprise leaves, in USCC order, the
//                 file's records line for line between "[" and "]"
//                 (web/logged.js: a snapshot read back into CSV then has its
//                 root without being hashed again). Asked once the registry
//                 is read; release() is called then, for the caller to let
//                 go of the file before the draw.
//
//   verifyDraw(draw, inputs)
//       -> Promise<{status: 'verified'|'mismatch', differences, summary, computed}>
//     draw   : the published document (object, JSON string or UTF-8 bytes);
//              its `seed` is used to recompute.
//     inputs : as for computeDraw, without `seed`.
//     differences: [{path, expected, actual}] — expected = recomputed value,
//              actual = value in `draw` (undefined when missing on that side).
//
//   compareDocuments(expected, actual) -> [{path, expected, actual}]
//     value-by-value comparison; paths like `strata[3].selected[2]`,
//     `snapshots.enterprises.root`, `plan.scope.where[0][1]`.
//
//   Errors: computeDraw/verifyDraw reject with a FairdrawError (an Error with
//   `.code = 2`) on bad input. `.errors` is a list of
//   {file, line, column, header, value, message} (fields absent when not
//   applicable); `.message` is a human-readable summary naming file, line,
//   column and value. For an infeasible assignment (§8.5) `.kind` is
//   'no-valid-assignment' and the message starts with "no valid assignment:".
//
//   verifyLog(files, {vkey, now, readBlob, replay})   (audit/LOG-FORMAT.md)
//       -> Promise<{code: 0|1, lines, problems, draws: [{id, index, witnessed, line}]}>
//     files : Map or object, name -> bytes, of LOG_FILES ('log.pub',
//             'entries.jsonl', 'checkpoints.jsonl', 'checkpoint',
//             'cosignatures.jsonl'); a missing file is absent or null.
//     vkey  : the pinned log key text (optional); now: POSIX seconds (default: the clock).
//     readBlob : name -> bytes | null (may be async), for `snapshots/<root>.jsonl.gz`
//             and `.salts.gz` (default: look the name up in `files`): a full
//             log's snapshot blobs (check 5, the replay) and a protected log's
//             blinded and auditor ones (LOG-FORMAT "Publication").
//     replay : default true: every DrawResult re-run and compared (check 10;
//             false: --no-replay).
//     leaves, statics : a static mirror's entries and the check of the
//             tile/ and entry/ files (web/verify/static-log.js).
//     lines : what `node web/verify.js log` prints (problem:/note:/draw … lines,
//             then VERIFIED or TAMPERED). Rejects with a FairdrawError when
//             there is no log.pub or vkey is malformed.
//   verifyMirror(url, {vkey, now, fetch, onProgress})  (LOG-FORMAT "Reading a log from a URL")
//       -> Promise<verifyLog's result and size>: fetches a static mirror
//     (log.pub, checkpoint, checkpoints.jsonl, cosignatures.jsonl, entry/<N>,
//     the hash tiles of its size, the blobs the checks need) and verifies it
//     as a directory; lines[0] is `log: URL (static mirror)`. Rejects with a
//     FairdrawError when the mirror cannot be read (HTTP errors but 404).
//   verifyDisclosure(bytes | text | object, {vkey})  (LOG-FORMAT "Disclosures")
//       -> Promise<{code: 0|1, lines, problems, verdict}>
//     checks 1–6 of a `fairdraw-disclosure/1` file; verdict: {uscc, class,
//     stratum (the class, or 'feedback' for a firm the plan's feedback flags:
//     its cutoff is that stratum's, SPEC §6.4),
//     state, ticket, cutoff, selected, reason (out-of-scope | excluded |
//     class-not-drawn | ticket-within-cutoff | ticket-above-cutoff), draw,
//     plan_name, mode} or null when the receipts do not verify. Rejects with
//     a FairdrawError (exit 2) for bad input: not JSON, wrong shape or types.
//   openCheckpoint(note, vkey) -> Promise<{origin, size, root, text, lines}>
//     a C2SP signed checkpoint verified with the log key (text or parsed);
//     other keys' lines (cosignatures) are ignored; rejects with a NoteError.
//   verifyCosignature(vkey, checkpointText, line) -> Promise<null | {time}>
//     one cosignature/v1 line of the witness key vkey over the checkpoint
//     text (no signature lines): null when the line is another key's, {time}
//     when it verifies; rejects with a NoteError when it is this key's and
//     does not verify.
//
//   Also exported (for tests and the page): canonicalJson, merkleRoot, ticket,
//   seedHash, RandomStream, parseRatio, usccValid, FairdrawError,
//   formatDifference, SPEC_ALGORITHM, sha256Sync(bytes) (synchronous SHA-256),
//   and for tests only: ticketFromDigest, ticketFromDigestBig, ticketKey,
//   testHooks ({crossCheckAssignment: true} re-checks every §8.4 pick
//   against a plain scan of the roster).
//
// ── Modules (web/verify/, one per part of audit/SPEC.md) ─────────────────────
//   errors.js          FairdrawError, error lists and their messages
//   order.js           SPEC "Words": code point order, sorting
//   sha256.js          SHA-256 (WebCrypto + a checked synchronous one), UTF-8, hex
//   csv.js             §1 decoding (UTF-8/GB18030), CSV records as byte ranges
//   tables.js          §1 header mapping, the rows of a table, the inspector roster and recusal list
//   registry.js        §1.1 the enterprise registry, in columns
//   uscc.js            §2 USCC check digit
//   plan.js            §3 the plan (§3.1 ratios, §3.3 canonical plan)
//   canonical-json.js  §4 canonical JSON (the only encoder)
//   merkle.js          §5 RFC 6962 Merkle Tree Hash (also of a stream of leaves), inclusion proofs
//   snapshots.js       §5 snapshots: leaves, roots, the scope.where columns
//   worker.js, snapshot-worker.js  a large registry's enterprise snapshot hashed on a second core
//   tickets.js         §7 tickets, §8.1 the random stream
//   selection.js       §6 strata and sample sizes, §7 selection
//   assignment.js      §8.2–§8.5 inspector assignment
//   methods.js         §8.6 off-site methods: method words, the effective method, canonical keys read back
//   document.js        §9 the draw document, §9.1 strict JSON reader, §10 comparison
//   cli.js             the node CLI below
//   log.js             LOG-FORMAT: a log directory (entries, checkpoints, references)
//   jsonl.js, time.js  LOG-FORMAT: canonical JSONL lines, RFC 3339 times
//   note.js            C2SP signed notes, checkpoints, cosignature/v1 (Ed25519)
//   commitments.js     LOG-FORMAT "Abandoned and competing commitments"
//   ledger.js          LOG-FORMAT "The effective plan" (log_exclusions), "The burden ledger and caps"
//   feedback.js        SPEC §6.4, LOG-FORMAT "Feedback from results": log_feedback and the plan's feedback.flagged
//   witness.js         LOG-FORMAT "Witnesses and cosignatures"
//   publication.js     LOG-FORMAT "Publication": modes, sealed draws, DrawPublication
//   protected.js       blinds, blinded snapshots, enterprise states, the public checks 1–6
//   teams.js           LOG-FORMAT "Replacing an inspector": the teams of a draw (Replacements applied)
//   replace.js         LOG-FORMAT "Replacing an inspector": the Replacement body and rules 1–4
//   disclosure.js      LOG-FORMAT "Disclosures (one firm's proof)"
//   receipt.js         LOG-FORMAT "Receipts" (C2SP tlog-proof)
//   tiles.js           LOG-FORMAT "Static publication": C2SP tlog-tiles names, hash tiles, entry bundles
//   static-log.js      the static files of a log directory; a static mirror read over HTTP
//   gzip.js            gzip blobs (DecompressionStream), read whole or line by line as a stream
//
// ── Node CLI ───────────────────────────────────────────────────────────────────
//
//   node web/verify.js DRAW.json --enterprises E.csv --inspectors I.csv
//                      [--conflicts C.csv] --plan P.toml
//       exit 0 "VERIFIED: ..." | exit 1 "MISMATCH" + one line per difference
//   node web/verify.js --emit --enterprises E.csv --inspectors I.csv
//                      [--conflicts C.csv] --plan P.toml (--seed S | --seed-file F)
//       prints the computed document (JSON, 2-space indent)
//   node web/verify.js log DIR|URL [--vkey KEY_OR_FILE] [--now RFC3339] [--no-replay]
//       verifies a log directory, or the static mirror at an http(s) URL
//       (LOG-FORMAT "Reading a log from a URL"; first line `log: URL (static
//       mirror)`), with its tile/ and entry/ files (LOG-FORMAT "Static
//       publication") (LOG-FORMAT checks 1–5, 7, 9, 10 — every draw replayed
//       from the log alone with the page's re-run, web/verify/rebuild.js,
//       unless --no-replay — and "Witnesses and cosignatures"): one line per
//       problem/note/draw (`OK|DIFF|PUBLIC <id> …`), then exit 0 "VERIFIED: ..."
//       | exit 1 "TAMPERED: ..." — a protected log (LOG-FORMAT "Publication"):
//       the public checks 1–6 of every drawn document against the blinded
//       snapshots, and, in an auditor export, the blinded roots recomputed;
//       every Replacement's rules 1–4, its pick recomputed from the
//       commitment's inspector and conflict snapshots where they are there
//       (a full log, an auditor export), log_history from the teams as they stood
//   node web/verify.js disclosure FILE [--vkey KEY_OR_FILE]
//       one firm's disclosure: exit 0 "VERIFIED: <uscc> in draw <id>: selected
//       | not selected, <why> (...)" | exit 1 "TAMPERED: ..." | exit 2 bad input
//   Bad input: "error: ..." lines on stderr, exit 2.
//
// ── Interpretation notes (where SPEC.md is silent or ambiguous) ──────────────
//   * CSV (§1): CR, LF and CRLF each end a line, also for line numbers;
//     `"ab"c` reads as `abc` and `ab"c` as `ab"c`; header cells are not
//     checked for control characters; empty header cells are ignored. Values
//     checked for control characters: every mapped field except the
//     conflicts' `reason` (never hashed or published, like the reference), and
//     the extra columns named by scope.where (all rows). Unused columns and
//     the exclusion list's other columns are not checked.
//   * uscc columns accept the §1.1 aliases in every list (exclude, history,
//     conflicts); history USCCs are normalised and checked like §1.1.
//   * The items file is read only when `items` is non-empty, the history file
//     only when rotation = true (rotation without history_file: history []).
//     Item `method` values are free text.
//   * Plan strings (§3): name, department, inspection_date, items, exclude,
//     statuses, regions, industries, where columns and values, departments,
//     qualifications are trimmed; file paths and team.region are not.
//     `items` listing a name twice (after trimming) is an error.
//   * scope.where: a column empty or repeated after trimming, or naming
//     established/成立日期, is an error; two columns naming the same §1.1
//     field by different spellings (e.g. "region" and "区域代码") are allowed.
//     Columns naming a §1.1 field (by name, case-insensitive, or Chinese
//     alias) use the normalised field value.
//   * scope.regions: 1–6 ASCII digits; industries: any string.
//   * team.departments must be non-empty strings, listed once.
//   * inspection_date: a string with any §1.5 date (or "") or a TOML local
//     date, years 1900–2999; stored as YYYY-MM-DD. Other TOML types (an
//     integer such as 20260301) are refused.
//   * max_draws_per_year: a TOML integer (§3.2 range), or absent (null); only recorded.

import { parseToml, TomlError, TomlDate, isTable, keyLine } from './toml.js';

export { SPEC_ALGORITHM } from './verify/plan.js';
export { FairdrawError, formatError } from './verify/errors.js';
export { cmpCodePoint } from './verify/order.js';
export { sha256Sync } from './verify/sha256.js';
export { usccValid } from './verify/uscc.js';
export { parseRatio } from './verify/plan.js';
export { parseDate } from './verify/tables.js';
export { canonicalJson } from './verify/canonical-json.js';
export { merkleRoot } from './verify/merkle.js';
export { seedHash, ticket, ticketFromDigest, ticketFromDigestBig, ticketKey, RandomStream } from './verify/tickets.js';
export { testHooks } from './verify/assignment.js';
export { computeDraw, verifyDraw, compareDocuments, formatDifference } from './verify/document.js';
export { verifyLog, LOG_FILES } from './verify/log.js';
export { verifyMirror } from './verify/static-log.js';
export { verifyDisclosure, DISCLOSURE_FORMAT } from './verify/disclosure.js';
export { enterpriseState, blindOf } from './verify/protected.js';
export { openCheckpoint, verifyCosignature, NoteError } from './verify/note.js';

import { runCliIfMain } from './verify/cli.js';

runCliIfMain(import.meta.url).catch((e) => {
  try { process.stderr.write(`error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 2; } catch { /* not node */ }
});
