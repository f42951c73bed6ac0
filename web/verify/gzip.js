// web/verify/gzip.js — LOG-FORMAT "Snapshots": snapshot blobs and salts files
// are gzip. Decompressed with the platform's DecompressionStream (browsers,
// node >= 18), so verify.js stays free of vendored code.
// Part of the independent verifier web/verify.js (see its header).

/** gzip bytes -> the decompressed bytes; rejects when they are not gzip. */
export async function gunzip(bytes) {
  if (typeof DecompressionStream !== 'function') throw new Error('this platform has no DecompressionStream (gzip)');
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The lines of a decompressed snapshot or salts file (one per line, LF after
 * each; a missing LF after the last line is tolerated). Empty file: no lines.
 */
export function blobLines(bytes) {
  const lines = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) { lines.push(bytes.subarray(start, i)); start = i + 1; }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}
