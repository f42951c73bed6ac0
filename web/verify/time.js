// web/verify/time.js — LOG-FORMAT "Entries": times are RFC 3339 UTC, seconds
// precision, ending in `Z` (entry times, drand round times, a ceremony's `at`).
// Part of the independent verifier web/verify.js (see its header).

const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

/** `YYYY-MM-DDTHH:MM:SSZ` -> POSIX seconds, or null (another form, or no such date). */
export function parseTime(s) {
  if (typeof s !== 'string' || !TIME.test(s)) return null;
  const t = Date.parse(s);
  if (Number.isNaN(t) || rfc3339(t / 1000) !== s) return null;
  return t / 1000;
}

/** POSIX seconds -> `YYYY-MM-DDTHH:MM:SSZ`. */
export function rfc3339(t) { return new Date(t * 1000).toISOString().slice(0, 19) + 'Z'; }

/** LOG-FORMAT "Entries": the China date (UTC+8, `YYYY-MM-DD`) of POSIX seconds. */
export function chinaDate(t) { return new Date((t + 8 * 3600) * 1000).toISOString().slice(0, 10); }

/** A calendar date `YYYY-MM-DD` (a sealed draw's `until`)? */
export function isDate(s) {
  return typeof s === 'string' && /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(s) && parseTime(`${s}T00:00:00Z`) !== null;
}
