// static-log.mjs — the page on a static host (audit/LOG-FORMAT.md "The page
// on a static host"), in headless Chromium: a log made by the real CLI
// ($FAIRDRAW) is published with the page by `fairdraw publish --page web`
// (no entries.jsonl, no private/), and one plain static file server on
// 127.0.0.1 serves it with no API — at the host's root, and under a prefix
// as in a bucket. The page's home must lead to `#/log`, which must read the log
// beside the page and say it verified; a copy with one changed entry must be
// reported as tampered, in red. A page with no log beside it says it cannot
// read one, and its form then reads another host's mirror (CORS) by
// `#/log?url=URL`.
//
//   node tests/browser/static-log.mjs [--lang zh|en] [--screenshot PREFIX]  (PREFIX-<case>.png)
//
// Prints one JSON object {cases: [{name, status, expected, ok, verdict, …}],
// consoleErrors} and exits 0 when every case gives its expected outcome and
// the page logged no console error other than the 404s a static host gives
// for the API and an absent cosignatures.jsonl; 1 otherwise.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './e2e.mjs';
import { serveStatic } from '../verify-js/static-mirror.mjs';
import { FAIRDRAW } from './make-log.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WEB = path.join(ROOT, 'web');
const arg = name => { const i = process.argv.indexOf(name); return i > 1 ? process.argv[i + 1] : undefined; };
const lang = arg('--lang') || 'zh';
const screenshot = arg('--screenshot');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-static-page-'));
const log = path.join(work, 'log');
const run = args => execFileSync(FAIRDRAW, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
run(['init', '--log', log, '--now', '2023-08-01T00:00:00Z']);
const regs = ['--enterprises', 'data/enterprises.csv', '--inspectors', 'data/inspectors.csv', '--conflicts', 'data/conflicts.csv'];
const commitment = run(['commit', '--log', log, '--now', '2024-10-14T17:00:00Z', '--beacon', 'drand:quicknet:12040883', ...regs, '--plan', 'data/plan-single.toml']).trim().split('\n').pop().trim();
run(['reveal', commitment, '--log', log, '--now', '2024-10-14T17:14:00Z', '--drand-json', 'data/drand/round-12040883.json']);
// The mirrors are what `fairdraw publish --page web` writes: the log's static
// files and the page side by side, one of them under a prefix (a bucket).
const publish = to => run(['publish', '--log', log, '--to', to, '--page', WEB]);
const good = path.join(work, 'good');
const bad = path.join(work, 'bad');
const host = path.join(work, 'host');
publish(good);
publish(bad);
publish(path.join(host, 'bucket', 'log'));
const entry3 = path.join(bad, 'entry', '003');
const edited = fs.readFileSync(entry3, 'utf8').replace('"simulated":true', '"simulated":false');
if (edited === fs.readFileSync(entry3, 'utf8')) throw new Error('entry 3 was not changed');
fs.writeFileSync(entry3, edited);

// a static host: 404 for the API and for the log's optional files
const expected404 = url => /\/api\/|\/cosignatures\.jsonl$|^\/log\.pub$/.test(new URL(url).pathname);
const CASES = [
  { name: 'home of a static mirror', root: good, path: '/', expected: 'verified' },
  { name: 'the log beside the page', root: good, path: '/index.html#/log', expected: 'verified' },
  { name: 'a mirror under a prefix', root: host, base: '/bucket/log', path: '/bucket/log/index.html#/log', expected: 'verified' },
  { name: 'a changed entry', root: bad, path: '/index.html#/log', expected: 'tampered' },
  { name: "another host's mirror", root: WEB, other: good, path: '/index.html#/log', expected: 'verified' },
];

const { browser, page, consoleErrors } = await openBrowser({ lang });
const cases = [];
try {
  for (const c of CASES) {
    const server = await serveStatic([c.root]);
    const elsewhere = c.other ? await serveStatic([c.other], { cors: true }) : null;
    try {
      // a blank page first: the next case's server may get the last one's
      // port, and going to the same address with a hash would not reload
      await page.goto('about:blank');
      await page.goto(`${server.url}${c.path}`, { waitUntil: 'load' });
      // the verdict for one address: until the page has started on a new
      // address, the old verdict is still on screen and must not be taken
      const verdictFor = url => `[data-log-url="${url}"]:not([data-log-status="checking"])`;
      let done = '[data-log-status]:not([data-log-status="checking"])';
      await page.waitForSelector(done, { timeout: 120_000 });
      let first = null;
      if (elsewhere) {
        // no log beside this page: it says so; then the form reads the other host's mirror
        first = await page.$eval(done, el => el.dataset.logStatus);
        await page.fill('#log-url', `${elsewhere.url}/`);
        await page.click('#log-url ~ button');
        await page.waitForFunction(() => /^#\/log\?url=/.test(location.hash));
        done = verdictFor(`${elsewhere.url}/`);
        await page.waitForSelector(done, { timeout: 120_000 });
      }
      const got = await page.$eval(done, el => ({
        status: el.dataset.logStatus,
        verdict: (el.querySelector('#log-verdict') || el).textContent.trim(),
        red: !!el.querySelector('.notice-error') || el.classList.contains('notice-error'),
        report: (el.querySelector('#log-report pre') || { textContent: '' }).textContent,
        reportOpen: el.querySelector('#log-report') ? el.querySelector('#log-report').open : null,
      }));
      const hash = await page.evaluate(() => location.hash);
      const title = await page.$eval('h1', el => el.textContent.trim());
      if (screenshot) await page.screenshot({ path: `${screenshot}-${cases.length + 1}.png`, fullPage: true });
      const source = elsewhere ? elsewhere.url : `${server.url}${c.base || ''}`;
      const hashOk = elsewhere ? hash === `#/log?url=${encodeURIComponent(`${source}/`)}` : hash === '#/log';
      const ok = got.status === c.expected && hashOk && got.red === (c.expected !== 'verified')
        && got.report.startsWith(`log: ${source}/ (static mirror)`) && (!elsewhere || first === 'error');
      cases.push({ name: c.name, expected: c.expected, ok, hash, title, first, ...got });
    } finally {
      await server.close();
      if (elsewhere) await elsewhere.close();
    }
  }
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
const unexpected = consoleErrors.filter(e => !(/^HTTP 404 /.test(e) && expected404(e.slice('HTTP 404 '.length)))
  && !/Failed to load resource: the server responded with a status of 404/.test(e));
const report = { cases, consoleErrors: unexpected, ok: cases.length === CASES.length && cases.every(c => c.ok) && unexpected.length === 0 };
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
