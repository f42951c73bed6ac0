// web/verify/jsonl.js — LOG-FORMAT "Entries": JSONL files of canonical JSON
// lines (spec §4), LF-terminated; bytes after the last LF are a torn write.
// Part of the independent verifier web/verify.js (see its header).

import { canonicalJson } from './canonical-json.js';

export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A line of a JSONL file -> {value, error}: error is null when the line is canonical JSON (spec §4). */
export function parseCanonical(bytes) {
  let text, value;
  try { text = strictUtf8.decode(bytes); value = JSON.parse(text); } catch (e) { return { value: null, error: `not JSON (${e.message})` }; }
  let same;
  try { same = canonicalJson(value) === text; } catch (e) { return { value, error: `not canonical JSON (${e.message})` }; }
  return { value, error: same ? null : 'not in canonical form (key order, spacing or escapes differ)' };
}

/** LF-terminated lines of a JSONL file, and the bytes after the last LF (a torn write). */
export function splitLines(bytes) {
  const lines = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) { lines.push(bytes.subarray(start, i)); start = i + 1; }
  return { lines, torn: bytes.subarray(start) };
}

