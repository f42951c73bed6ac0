// static-mirror.mjs — the static publication of a log directory
// (audit/LOG-FORMAT.md "Static publication" and "`fairdraw publish`"), built
// in node for the tests of `verify.js log URL` and the page's `#/log` view:
// the public files of the log, and its `entry/`, hash tile and entry bundle
// files made with web/verify/tiles.js (the Rust writer that writes them is
// tested on its own; here they only need to be a faithful mirror).
//
//   writeMirror(LOG_DIR, OUT_DIR, {entriesJsonl: false}) -> {size, files: [names]}
//   serveStatic(ROOT_DIRS, {onRequest, cors}) -> {url, close()}: a static HTTP server on 127.0.0.1:0
//   node tests/verify-js/static-mirror.mjs LOG_DIR OUT_DIR

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { derivedBytes, hashLevels, staticFiles } from '../../web/verify/tiles.js';

const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();
export const leafHash = leaf => new Uint8Array(sha([0], leaf));
export const nodeHash = (l, r) => new Uint8Array(sha([1], l, r));

/** The LF-terminated lines of a file (its bytes without the LFs). */
function lines(bytes) {
  const out = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) { out.push(bytes.subarray(start, i)); start = i + 1; }
  return out;
}

/**
 * Writes the static mirror of the log at `logDir` into `outDir`: log.pub,
 * checkpoint, checkpoints.jsonl, cosignatures.jsonl (when present), the
 * public snapshots and receipts, `entry/…`, `tile/…` — never entries.jsonl
 * or private/ (unless `entriesJsonl`, for a directory to check in place).
 */
export async function writeMirror(logDir, outDir, { entriesJsonl = false } = {}) {
  const read = name => fs.readFileSync(path.join(logDir, name));
  const records = lines(read('checkpoints.jsonl')).map(l => JSON.parse(Buffer.from(l).toString('utf8')));
  const size = records.filter(r => r.batch_end).at(-1).size;
  const batchEnds = records.filter(r => r.batch_end).map(r => r.size);
  const leaves = lines(read('entries.jsonl')).slice(0, size).map(l => new Uint8Array(l));
  const levels = await hashLevels(leaves.map(leafHash), nodeHash);
  const expected = staticFiles(size, batchEnds, i => leaves[i].length);
  const write = (name, bytes) => {
    const p = path.join(outDir, ...name.split('/'));
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, bytes);
  };
  for (const [name, desc] of expected) write(name, derivedBytes(desc, leaves, levels));
  const copied = ['log.pub', 'checkpoints.jsonl', 'cosignatures.jsonl', 'checkpoint', ...(entriesJsonl ? ['entries.jsonl'] : [])];
  for (const dir of ['snapshots', 'receipts']) {
    if (fs.existsSync(path.join(logDir, dir))) for (const f of fs.readdirSync(path.join(logDir, dir))) copied.push(`${dir}/${f}`);
  }
  for (const name of copied) if (fs.existsSync(path.join(logDir, name))) write(name, read(name));
  return { size, files: [...expected.keys()] };
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json' };

/**
 * A plain static file server on 127.0.0.1 (port 0), like an object store or
 * CDN: GET a file under one of `roots` (the first that has it), else 404;
 * `onRequest(pathname)` may return {status} to answer instead (a failing host);
 * `cors`: allow every origin to read (a mirror read by a page elsewhere).
 */
export function serveStatic(roots, { onRequest = () => null, cors = false } = {}) {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (cors) res.setHeader('access-control-allow-origin', '*');
    const special = onRequest(pathname);
    if (special) { res.writeHead(special.status, { 'content-type': 'text/plain' }); res.end(`${special.status}\n`); return; }
    const rel = pathname.endsWith('/') ? `${pathname}index.html` : pathname;
    for (const root of roots) {
      const file = path.join(root, path.normalize(rel));
      if (!file.startsWith(root + path.sep)) break;
      if (fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
        res.end(fs.readFileSync(file));
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise(r => { server.closeAllConnections(); server.close(r); }),
    }));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [logDir, outDir] = process.argv.slice(2);
  if (!logDir || !outDir) { console.error('usage: node tests/verify-js/static-mirror.mjs LOG_DIR OUT_DIR'); process.exit(2); }
  const { size, files } = await writeMirror(path.resolve(logDir), path.resolve(outDir));
  console.log(`${outDir}: a mirror of ${size} entries, ${files.length} static files`);
}
