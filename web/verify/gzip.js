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

/**
 * Calls onLine(bytes) for each line of a snapshot or salts file given as
 * gzip bytes (or already inflated bytes: no gzip magic), decompressing as a
 * stream: the whole decompressed text (100 MB for 10^6 firms) is never held.
 * Lines as in blobLines; `bytes` views a buffer that is reused, so onLine
 * must copy what it keeps. Resolves to the number of lines.
 */
export async function forEachLine(bytes, onLine) {
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gz) {
    const lines = blobLines(bytes);
    lines.forEach(l => onLine(l));
    return lines.length;
  }
  if (typeof DecompressionStream !== 'function') throw new Error('this platform has no DecompressionStream (gzip)');
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  let carry = new Uint8Array(0); // the unfinished line of the previous chunk
  let count = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = value;
    if (carry.length) { chunk = new Uint8Array(carry.length + value.length); chunk.set(carry); chunk.set(value, carry.length); }
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      onLine(chunk.subarray(start, i));
      count++;
      start = i + 1;
    }
    carry = chunk.slice(start);
  }
  if (carry.length) { onLine(carry); count++; }
  return count;
}
