// server.mjs — start the server the browser tests talk to: `fairdraw serve`.
//
//   const srv = await startServer(logDir);   // {url, kind: 'fairdraw'|'fake', stop()}
//   startServer(logDir, {web: DIR}) serves another copy of web/ (the real server only)
//
// Only FAIRDRAW_TEST_SERVER=fake swaps in the stand-in tests/browser/fake-api.mjs
// (for work on the page without a built binary); otherwise a binary that
// cannot serve is an error, never a silent switch to the stand-in, which
// would let the tests pass without the real server.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAIRDRAW } from './make-log.mjs';
import { startFakeServer, WEB_DIR } from './fake-api.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The address `fairdraw serve --addr 127.0.0.1:0` prints on its first stderr
 * line. The server picks its own free port: a port found free here and bound
 * later could meanwhile be taken by another test's server.
 */
function announcedUrl(child, seconds = 30) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`fairdraw serve printed no address within ${seconds} s`)), seconds * 1000);
    const onData = d => {
      seen += d;
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(seen);
      if (m) done(null, m[0]);
      else if (seen.includes('\n')) done(new Error(`no address in fairdraw serve's first line: ${seen}`));
    };
    const onExit = code => done(new Error(`fairdraw serve exited with ${code}`));
    function done(err, url) {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err); else resolve(url);
    }
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitUntilUp(url, child, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fairdraw serve exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/api/draws`);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`fairdraw serve did not answer on ${url} within ${seconds} s`);
}

export async function startServer(logDir, { web = WEB_DIR } = {}) {
  const want = process.env.FAIRDRAW_TEST_SERVER || 'fairdraw';
  if (want !== 'fake' && want !== 'fairdraw') throw new Error(`FAIRDRAW_TEST_SERVER=${want}: use fairdraw or fake`);
  if (want === 'fairdraw') {
    const child = spawn(FAIRDRAW, ['serve', '--log', logDir, '--addr', '127.0.0.1:0', '--web', web],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    let url;
    try {
      url = await announcedUrl(child);
      await waitUntilUp(url, child);
    } catch (e) {
      child.kill();
      throw new Error(`${e.message}\n${stderr}`);
    }
    return {
      url, kind: 'fairdraw', stderr: () => stderr,
      stop: () => new Promise(resolve => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    };
  }
  const { server, url } = await startFakeServer(logDir);
  return { url, kind: 'fake', stderr: () => '', stop: () => new Promise(resolve => server.close(() => resolve())) };
}
