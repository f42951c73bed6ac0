// web/verify/methods.js — SPEC §8.6 "Off-site methods": the method words and
// their Chinese names, an item's methods, the effective method of a plan, and
// the canonical plan's `method` / `team.reviewers` read back strictly.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md).

import { isPlainObject } from './canonical-json.js';

/** The four method words, on-site first (the order of SPEC §8.6). */
export const METHODS = ['on_site', 'desk', 'online', 'data'];
/** The off-site words, in the order `prefer_offsite` tries them. */
export const OFFSITE = ['desk', 'online', 'data'];
const NAMES = {
  on_site: 'on_site', 实地核查: 'on_site', 实地检查: 'on_site', 现场检查: 'on_site',
  desk: 'desk', 书面核查: 'desk', 书面检查: 'desk',
  online: 'online', 网络监测: 'online',
  data: 'data', 信息共享: 'data',
};
export const METHOD_ERROR = 'must be one of on_site, desk, online, data';

/** The word of a method name or word (already trimmed), or null. */
export function methodWord(name) {
  return Object.hasOwn(NAMES, name) ? NAMES[name] : null;
}

/**
 * An item's methods: the words of the elements of its `method` set that are
 * method names or words (others ignored). `method` is the canonical item's
 * text, the set joined with "、" (no element contains a separator).
 */
export function itemMethods(method) {
  if (typeof method !== 'string' || method === '') return [];
  const out = [];
  for (const part of method.split('、')) {
    const w = methodWord(part);
    if (w !== null && !out.includes(w)) out.push(w);
  }
  return out;
}

/**
 * The effective method (§8.6): `method` when set (a word); else with
 * `preferOffsite` the first off-site word among the methods of every chosen
 * item (none, or no item: on_site).
 */
export function effectiveMethod(method, preferOffsite, items) {
  if (method !== null) return method;
  if (!preferOffsite || items.length === 0) return 'on_site';
  const sets = items.map(it => itemMethods(it.method));
  return OFFSITE.find(m => sets.every(s => s.includes(m))) || 'on_site';
}

/** A canonical plan's method: its `method` key, on_site when absent. */
export function planMethod(plan) {
  return isPlainObject(plan) && Object.hasOwn(plan, 'method') ? plan.method : 'on_site';
}

/**
 * §8.6 "A verifier reading a canonical plan accepts `method` only with an
 * off-site word and `team.reviewers` only together with it": null when the
 * plan's two keys are well-formed, else a sentence.
 */
export function canonicalMethodProblem(plan) {
  if (!isPlainObject(plan) || !isPlainObject(plan.team)) return null; // other checks report an unreadable plan
  const has = Object.hasOwn(plan, 'method');
  const hasReviewers = Object.hasOwn(plan.team, 'reviewers');
  if (has && !OFFSITE.includes(plan.method)) return `plan.method ${JSON.stringify(plan.method)} is not an off-site method (desk, online, data); an on-site plan has no method key`;
  if (has && !hasReviewers) return 'plan.method is off-site but plan.team has no reviewers';
  if (!has && hasReviewers) return 'plan.team.reviewers is only allowed together with an off-site plan.method';
  if (has && plan.team.reviewers !== 1 && plan.team.reviewers !== 2) return `plan.team.reviewers ${JSON.stringify(plan.team.reviewers)} must be 1 or 2`;
  return null;
}

/**
 * The slots of a target under a canonical plan (§8.2, §8.6): {inspectors,
 * experts} — `reviewers` inspector slots and no expert off-site, else
 * team.size and team.experts.
 */
export function slotCounts(plan) {
  if (planMethod(plan) !== 'on_site') return { inspectors: plan.team.reviewers, experts: 0 };
  return { inspectors: plan.team.size, experts: plan.team.experts };
}
