// web/verify/errors.js — Errors: FairdrawError and how bad input is reported
// (SPEC "Errors": file, line, column, value; all problems at once).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

const MAX_LISTED_ERRORS = 50;

export class FairdrawError extends Error {
  constructor(message, errors = [], kind = 'bad-input') {
    super(message);
    this.name = 'FairdrawError';
    this.code = 2;
    this.errors = errors;
    this.kind = kind;
  }
}

function fmtValue(v) {
  return JSON.stringify(v).replace(/\u007f/g, '\\u007f');
}

/** One error record -> one line of text: "file, line L, column C (header), value "v": message". */
export function formatError(e) {
  let s = e.file || 'input';
  if (e.line !== undefined) s += `, line ${e.line}`;
  if (e.byte !== undefined) s += `, byte ${e.byte}`;
  if (e.column !== undefined) s += `, column ${e.column}${e.header !== undefined ? ` (${e.header})` : ''}`;
  else if (e.header !== undefined) s += `, column ${e.header}`;
  if (e.value !== undefined) s += `, value ${fmtValue(e.value)}`;
  return `${s}: ${e.message}`;
}

export function throwErrors(errors) {
  // group by file (first appearance), then by line; stable otherwise
  const fileRank = new Map();
  errors.forEach(e => { if (!fileRank.has(e.file)) fileRank.set(e.file, fileRank.size); });
  errors = errors.map((e, k) => [e, k]).sort((a, b) =>
    (fileRank.get(a[0].file) - fileRank.get(b[0].file)) || ((a[0].line ?? 0) - (b[0].line ?? 0)) || (a[1] - b[1])).map(x => x[0]);
  const lines = errors.slice(0, MAX_LISTED_ERRORS).map(formatError);
  if (errors.length > MAX_LISTED_ERRORS) lines.push(`… and ${errors.length - MAX_LISTED_ERRORS} more (${errors.length} errors in total)`);
  const files = [...new Set(errors.map(e => e.file))].join(', ');
  throw new FairdrawError(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${files}:\n` + lines.join('\n'), errors);
}
