// replacements.js — the Replacement entries of one draw (audit/LOG-FORMAT.md
// "Replacing an inspector") for the draw page, read from the log's public
// entries (GET /api/entries/{index}, the routes the page already uses): every
// entry after the DrawResult (its index is in the draw's receipt) up to the
// newest checkpoint's size. Also the teams as they now stand ("the teams of a
// draw", web/verify/replace.js) and the names of the new inspectors, from
// the draw's public inspector snapshot (full, or blinded: both start
// [id, name, department, …]). It loads no part of the verifier but
// web/verify/teams.js (and the gzip reader when a new name is needed).
//
//   replacementsOf(detail, {getText, getJson}) -> Promise<[{index, time, simulated, body}]>
//   currentTeams(detail, replacements) -> [{uscc, inspectors, experts}]
//   inspectorNames(detail, ids, getBytes) -> Promise<Map(id -> {name, department})>

import { teamsOf } from './verify/teams.js';

const PARALLEL = 8;

/** The log size of the newest checkpoint note (its second line), or null. */
function checkpointSize(note) {
  const m = typeof note === 'string' ? /^[^\n]*\n([0-9]+)\n/.exec(note) : null;
  return m ? Number(m[1]) : null;
}

/** The entry index a receipt proves (its `index N` line), or null. */
function receiptIndex(text) {
  const m = /^index ([0-9]+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The Replacement entries naming this draw, in log order. A draw without a
 * public document (sealed, infeasible) has none (rule 1). Rejects when the
 * receipt or an entry cannot be read.
 */
export async function replacementsOf(detail, { getText, getJson }) {
  if (!detail.draw) return [];
  const size = checkpointSize(detail.checkpoint);
  if (size === null) throw new Error('the checkpoint does not say the size of the log');
  // the receipt names the draw's index; a draw without one yet (it is written after the draw) is looked for from the start
  let from = null;
  try { from = receiptIndex(await getText(detail.receipt_url || `/api/draws/${encodeURIComponent(detail.id)}/receipt`)); } catch { /* no receipt yet */ }
  if (from === null) from = 0;
  const found = [];
  let next = from + 1;
  const worker = async () => {
    while (next < size) {
      const index = next++;
      const e = await getJson(`/api/entries/${index}`);
      if (e && e.kind === 'Replacement' && e.body && e.body.result === detail.id) found.push({ index, time: e.time, simulated: e.simulated === true, body: e.body });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
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
