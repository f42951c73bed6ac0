// web/verify/teams.js — audit/LOG-FORMAT.md "Replacing an inspector", "the
// teams of a draw": a drawn document's assignments with the draw's
// Replacements applied in log order. Small on purpose: the draw page reads
// the teams with it without loading the verifier (web/replacements.js).
// Part of the independent verifier web/verify.js (written from the spec text).

import { isPlainObject } from './canonical-json.js';

/** The valid Replacement bodies of each DrawResult among `entries` (well-formed, in log order). */
export function replacementsByDraw(entries) {
  const out = new Map();
  for (const e of entries) {
    if (e.kind !== 'Replacement' || !e.ok) continue;
    if (!out.has(e.body.result)) out.set(e.body.result, []);
    out.get(e.body.result).push(e.body);
  }
  return out;
}

/**
 * "The teams of a draw": the document's assignments as
 * [{uscc, inspectors, experts}] (copies) with the Replacement `bodies`
 * applied in order. Slot s is inspectors[s], or experts[s − inspectors.length].
 */
export function teamsOf(doc, bodies = []) {
  const rows = isPlainObject(doc) && Array.isArray(doc.assignments) ? doc.assignments : [];
  const teams = rows.map(a => ({
    uscc: isPlainObject(a) ? a.uscc : undefined,
    inspectors: isPlainObject(a) && Array.isArray(a.inspectors) ? [...a.inspectors] : [],
    experts: isPlainObject(a) && Array.isArray(a.experts) ? [...a.experts] : [],
  }));
  for (const b of bodies) for (const r of b.replacements) setSlot(teams.find(t => t.uscc === r.uscc), r.slot, r.inspector);
  return teams;
}

export function setSlot(team, s, id) {
  if (!team) return;
  if (s < team.inspectors.length) team.inspectors[s] = id;
  else if (s - team.inspectors.length < team.experts.length) team.experts[s - team.inspectors.length] = id;
}
export const members = team => team.inspectors.concat(team.experts);
