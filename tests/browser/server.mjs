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
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAIRDRAW } from './make-log.mjs';
import { startFakeServer, WEB_DIR } from './fake-api.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
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
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(FAIRDRAW, ['serve', '--log', logDir, '--addr', `127.0.0.1:${port}`, '--web', web],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    try {
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
