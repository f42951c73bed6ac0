// replacements.js — the Replacement entries of one draw (audit/LOG-FORMAT.md
// "Replacing an inspector") for the draw page, read from the log's public
// entries (GET /api/entries/{index}, the routes the page already uses): from
// the newest checkpoint's size back to the DrawResult itself. Also the teams
// as they now stand ("the teams of a draw", web/verify/teams.js) and the
// names of the new inspectors, from
// the draw's public inspector snapshot (full, or blinded: both start
// [id, name, department, …]). It loads no part of the verifier but
// web/verify/teams.js (and the gzip reader when a new name is needed).
//
//   replacementsOf(detail, {getText}) -> Promise<[{index, time, simulated, body}]>
//   currentTeams(detail, replacements) -> [{uscc, inspectors, experts}]
//   inspectorNames(detail, ids, getBytes) -> Promise<Map(id -> {name, department})>

import { teamsOf } from './verify/teams.js';

const PARALLEL = 8;

/** The log size of the newest checkpoint note (its second line), or null. */
function checkpointSize(note) {
  const m = typeof note === 'string' ? /^[^\n]*\n([0-9]+)\n/.exec(note) : null;
  return m ? Number(m[1]) : null;
}

/** The entry id of a log line: hex(SHA-256(0x00 ‖ line)) (LOG-FORMAT "Entries"). */
async function entryId(line) {
  const bytes = new TextEncoder().encode(line);
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1);
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', buf));
  return Array.from(d, b => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The Replacement entries naming this draw, in log order: the entries from
 * the newest back to the DrawResult itself (a Replacement always comes after
 * it; entry 0 is LogCreated), a few at a time. A draw without a public
 * document (sealed, infeasible) has none (rule 1). Rejects when an entry
 * cannot be read.
 */
export async function replacementsOf(detail, { getText }) {
  if (!detail.draw) return [];
  const size = checkpointSize(detail.checkpoint);
  if (size === null) throw new Error('the checkpoint does not say the size of the log');
  const found = [];
  for (let top = size - 1; top >= 1; top -= PARALLEL) {
    const indexes = Array.from({ length: Math.min(PARALLEL, top) }, (_, k) => top - k);
    const lines = await Promise.all(indexes.map(i => getText(`/api/entries/${i}`)));
    let reached = false;
    for (const [k, line] of lines.entries()) {
      const e = JSON.parse(line);
      if (e && e.kind === 'Replacement' && e.body && e.body.result === detail.id) found.push({ index: indexes[k], time: e.time, simulated: e.simulated === true, body: e.body });
      if (e && e.kind === 'DrawResult' && await entryId(line) === detail.id) reached = true;
    }
    if (reached) break;
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The teams with every Replacement applied, in log order. */
export function currentTeams(detail, replacements) {
  return teamsOf(detail.draw, replacements.map(r => r.body));
}

/**
 * Names and departments of `ids`: those of the draw's teams as the API
 * gives them, the others from the public inspector snapshot (downloaded only
 * when needed).
 */
export async function inspectorNames(detail, ids, getBytes) {
  const names = new Map();
  for (const tm of detail.teams || []) for (const m of tm.members || []) if (m.name) names.set(m.id, { name: m.name, department: m.department });
  const missing = ids.filter(id => !names.has(id));
  const snap = detail.snapshots && detail.snapshots.inspectors;
  if (!missing.length || !snap) return names;
  const { gunzip, blobLines } = await import('./verify/gzip.js'); // only when a new inspector is not in the draw's teams
  const bytes = await getBytes(snap.url || `/api/snapshots/${snap.root}`);
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes) : bytes;
  const text = new TextDecoder();
  for (const line of blobLines(raw)) {
    const row = JSON.parse(text.decode(line));
    if (Array.isArray(row) && missing.includes(row[0])) names.set(row[0], { name: row[1], department: row[2] });
  }
  return names;
}
