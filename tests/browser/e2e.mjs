// e2e.mjs — open a draw page in headless Chromium, press "verify", wait for the outcome.
//
//   node tests/browser/e2e.mjs URL DRAW_ID [--expect verified|partial|mismatch|error]
//        [--screenshot FILE] [--lang zh|en] [--width PX] [--height PX]
//        [--tamper] [--tamper-beacon] [--no-policy] [--query "?verify=1"] [--keyboard] [--timeout SECONDS]
//        [--worker-from N] [--worker-fails] [--warm] [--leave]
//
// Prints one JSON object {status, expected, ok, ranIn, whereText, text, verdict, differences, checks,
// consoleErrors, verifierWorkers, url, ms, screenshot} and exits 0 when the outcome is the expected
// one (default `verified`), the page logged no console errors and, when it
// recomputed the draw, did so in its Web Worker (ranIn); 1 otherwise;
// 2 on bad usage. `verdict` is the page's list of checks: [{check, state, text}]
// with state ok, bad or na.
//
// --tamper   rewrites one leaf of every enterprise snapshot download in flight
//            (and re-gzips it), so a correct page must report `mismatch`;
//            implies --expect mismatch unless --expect is given.
// --tamper-beacon  flips one bit of the drand signature in the draw detail the
//            page loads (the BLS check must fail); implies --expect mismatch.
// --no-policy answers GET /api/draws/{id}/witnesses with a log that has no
//            witness policy (the contract's `"policy": null`), whatever the
//            server would say.
// --query    open the page with this query string instead of clicking the
//            button (e.g. "?verify=1" checks the auto-start).
// --keyboard reach the button with the Tab key alone and press Enter
//            (keyboard-only use), instead of clicking it.
// --worker-from N  the page's verifier takes its second-core paths from N
//            firms instead of 10^5 (localStorage `fairdraw.test.workerFrom`),
//            so a small log reaches them; the result then has `workers`, what
//            the page's Worker says it did ({sharedRoots, linesTrusted}).
// --worker-fails  the verifier Worker's script throws as it loads (a browser
//            that runs no module Worker): the page must recompute the draw
//            itself and say why; the result's `ranIn` is then 'page'.
// --warm     wait, before the click, until the page has started its verifier
//            Worker on its own (web/view-draw.js warms it once idle).
// --leave    wait for that Worker, then go to the log's page (#/log) instead of
//            clicking: the page must stop the unused Worker (status 'left').
//
// verifierWorkers: {started, beforeClick, closedBeforeClick}, the page's
// web/verify-worker.js Workers: how many started in all, how many before the
// click (or before leaving), and how many of those had stopped by then.
//
// Chromium: /usr/bin/chromium (Debian's package) or $CHROMIUM.

import { chromium } from 'playwright-core';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';

const USAGE = 'usage: node tests/browser/e2e.mjs URL DRAW_ID [--expect verified|mismatch|error] [--screenshot FILE] [--lang zh|en] [--width PX] [--height PX] [--tamper] [--tamper-beacon] [--no-policy] [--query Q] [--keyboard] [--timeout S] [--worker-from N] [--worker-fails] [--warm] [--leave]';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function parseArgs(argv) {
  const o = { positional: [], expect: null, lang: 'zh', width: 1280, height: 900, tamper: false, tamperBeacon: false, noPolicy: false, query: '', keyboard: false, timeout: 180, workerFrom: null, workerFails: false, warm: false, leave: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--expect') o.expect = val();
    else if (a === '--screenshot') o.screenshot = val();
    else if (a === '--lang') o.lang = val();
    else if (a === '--width') o.width = Number(val());
    else if (a === '--height') o.height = Number(val());
    else if (a === '--tamper') o.tamper = true;
    else if (a === '--tamper-beacon') o.tamperBeacon = true;
    else if (a === '--no-policy') o.noPolicy = true;
    else if (a === '--keyboard') o.keyboard = true;
    else if (a === '--query') o.query = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--worker-from') o.workerFrom = Number(val());
    else if (a === '--worker-fails') o.workerFails = true;
    else if (a === '--warm') o.warm = true;
    else if (a === '--leave') o.leave = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.positional.push(a);
  }
  if (o.positional.length !== 2) throw new Error('expected URL and DRAW_ID');
  o.expect = o.expect || (o.tamper || o.tamperBeacon ? 'mismatch' : 'verified');
  if (!['verified', 'partial', 'mismatch', 'error'].includes(o.expect)) throw new Error('--expect: verified, partial, mismatch or error');
  if (!['zh', 'en'].includes(o.lang)) throw new Error('--lang: zh or en');
  return o;
}

/** Change the name in the first leaf of a gzip JSONL snapshot (keeps it valid JSON). */
export function tamperSnapshot(gz) {
  const lines = zlib.gunzipSync(gz).toString('utf8').split('\n');
  const leaf = JSON.parse(lines[0]);
  leaf[1] = `${leaf[1]}（篡改）`;
  lines[0] = JSON.stringify(leaf);
  return zlib.gzipSync(Buffer.from(lines.join('\n'), 'utf8'));
}

/** Launch Chromium with a page that records console errors. */
export async function openBrowser({ width = 1280, height = 900, lang = 'zh' } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext({ viewport: { width, height }, locale: lang === 'en' ? 'en-US' : 'zh-CN', deviceScaleFactor: 1 });
  // The page remembers the language in localStorage; set it before any script runs.
  await context.addInitScript(l => { try { localStorage.setItem('fairdraw.lang', l); } catch { /* ignore */ } }, lang);
  const page = await context.newPage();
  const consoleErrors = [];
  // A server without the witness endpoint answers it 404, which the page reads
  // as "witnessing not available" (web/witness-check.js): that one is expected.
  const expected404 = (status, url) => status === 404 && /\/api\/draws\/[^/]+\/witnesses$/.test(new URL(url).pathname);
  page.on('console', m => {
    if (m.type() === 'error' && !(m.location().url && expected404(404, m.location().url) && /404/.test(m.text()))) consoleErrors.push(m.text());
  });
  page.on('pageerror', e => consoleErrors.push(`uncaught: ${e.message}`));
  // Chromium's "Failed to load resource" console message omits the URL: record it.
  page.on('response', r => { if (r.status() >= 400 && !expected404(r.status(), r.url())) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`); });
  return { browser, context, page, consoleErrors };
}

export async function runE2E(o) {
  const [base, id] = o.positional;
  const t0 = Date.now();
  const { browser, context, page, consoleErrors } = await openBrowser(o);
  try {
    let tampered = 0;
    if (o.tamper) {
      // Only the enterprise snapshot: find its URL from the draw detail the page loads.
      const detail = await (await context.request.get(`${base}/api/draws/${encodeURIComponent(id)}`)).json();
      const target = new URL(detail.snapshots.enterprises.url || `/api/snapshots/${detail.snapshots.enterprises.root}`, base).pathname;
      await page.route(u => u.pathname === target, async route => {
        const res = await route.fetch();
        tampered++;
        await route.fulfill({ response: res, body: tamperSnapshot(await res.body()) });
      });
    }
    if (o.tamperBeacon) {
      const target = `/api/draws/${encodeURIComponent(id)}`;
      await page.route(u => u.pathname === target, async route => {
        const res = await route.fetch();
        const detail = await res.json();
        const sig = detail.beacon.beacon.signature;
        if (typeof sig !== 'string') throw new Error('--tamper-beacon: the draw has no drand signature');
        detail.beacon.beacon.signature = (parseInt(sig[0], 16) ^ 1).toString(16) + sig.slice(1);
        tampered++;
        await route.fulfill({ response: res, json: detail });
      });
    }
    if (o.noPolicy) {
      const target = `/api/draws/${encodeURIComponent(id)}/witnesses`;
      await page.route(u => u.pathname === target, async route => {
        const detail = await (await context.request.get(`${base}/api/draws/${encodeURIComponent(id)}`)).json();
        tampered++;
        await route.fulfill({ status: 200, json: { policy: null, commitment: { index: 0, id: detail.beacon.commitment }, deadline: null, before: null, reveal: null } });
      });
    }
    if (o.workerFails) {
      await context.route(u => u.pathname === '/verify-worker.js', async route => {
        tampered++;
        await route.fulfill({ status: 200, contentType: 'text/javascript', body: "throw new Error('no verifier Worker in this browser (test)');" });
      });
    }
    if (o.workerFrom !== null) await context.addInitScript(n => localStorage.setItem('fairdraw.test.workerFrom', String(n)), o.workerFrom);
    // the page's verifier Workers (not the snapshot Worker one of them may start)
    const verifiers = [];
    const firstVerifier = new Promise(resolve => page.on('worker', w => {
      if (!new URL(w.url()).pathname.endsWith('/verify-worker.js')) return;
      const rec = { closed: false };
      verifiers.push(rec);
      w.on('close', () => { rec.closed = true; });
      resolve(w);
    }));
    let clickedWith = null; // what verifiers held when the button was pressed
    const workersNow = () => ({ beforeClick: verifiers.length, closedBeforeClick: verifiers.filter(v => v.closed).length });
    const url = `${base}/draws/${encodeURIComponent(id)}${o.query}`;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#verify-button', { timeout: 30_000 });
    if (o.warm || o.leave) await Promise.race([firstVerifier, new Promise((_, no) => setTimeout(() => no(new Error('the page started no verifier Worker of its own within 20 s')), 20_000))]);
    if (o.leave) {
      const warm = await firstVerifier;
      const closed = new Promise(resolve => warm.on('close', resolve));
      await page.evaluate(() => { location.hash = '#/log'; });
      const stopped = await Promise.race([closed.then(() => true), new Promise(resolve => setTimeout(() => resolve(false), 20_000))]);
      const verifierWorkers = { started: verifiers.length, ...workersNow() };
      const status = stopped ? 'left' : 'still running';
      return { status, expected: 'left', ok: stopped && consoleErrors.length === 0, verifierWorkers, consoleErrors, tampered, url, ms: Date.now() - t0 };
    }
    clickedWith = workersNow();
    let tabs = null;
    if (o.keyboard) {
      // Tab from the top of the page until the verify button has the focus.
      for (tabs = 1; tabs <= 80; tabs++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(() => document.activeElement && document.activeElement.id === 'verify-button')) break;
      }
      if (tabs > 80) throw new Error('the verify button cannot be reached with the Tab key');
      await page.keyboard.press('Enter');
    } else if (!o.query.includes('verify=1')) await page.click('#verify-button');
    const statusSel = '[data-verify-status]:not([data-verify-status="pending"])';
    await page.waitForSelector(statusSel, { timeout: o.timeout * 1000 });
    const status = await page.getAttribute('[data-verify-status]', 'data-verify-status');
    const text = (await page.textContent('[data-verify-status]')).trim();
    const differences = await page.$$eval('#verify-diff tbody tr', rows => rows.map(r => r.querySelector('th').textContent.trim()));
    const checks = await page.$$eval('#verify-details .checks li', lis => lis.map(li => li.textContent.trim()));
    const verdict = await page.$$eval('#verify-verdict li', lis => lis.map(li => ({
      check: li.getAttribute('data-check'), state: li.getAttribute('data-state'), text: li.textContent.trim() })));
    const technical = await page.$$eval('#verify-technical', els => els.map(e => ({ open: e.open, tag: e.tagName.toLowerCase() })));
    if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
    // where the recomputation ran (web/recompute.js): Chromium has module workers, so it
    // must have been the worker whenever the verdict's recompute check was run at all
    const ranIn = await page.$$eval('#verify-where', els => (els.length ? els[0].getAttribute('data-ran-in') : null));
    const workers = await page.$$eval('#verify-where', els => (els.length && els[0].dataset.workers ? JSON.parse(els[0].dataset.workers) : null));
    const whereText = await page.$$eval('#verify-where', els => (els.length ? els[0].textContent.trim() : null));
    const recomputeRan = verdict.some(c => c.check === 'recompute' && c.state !== 'na');
    const ok = status === o.expect && consoleErrors.length === 0 && (!recomputeRan || ranIn === (o.workerFails ? 'page' : 'worker'));
    const verifierWorkers = { started: verifiers.length, ...clickedWith };
    return { status, expected: o.expect, ok, ranIn, whereText, workers, verifierWorkers, text, verdict, technical, differences, checks, consoleErrors, tampered, tabs, url, lang: o.lang, width: o.width, ms: Date.now() - t0, screenshot: o.screenshot || null };
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`${e.message}\n${USAGE}`); process.exit(2); }
  try {
    const r = await runE2E(o);
    console.log(JSON.stringify(r, null, 2));
    process.exit(r.ok ? 0 : 1);
  } catch (e) {
    console.log(JSON.stringify({ status: null, expected: o.expect, ok: false, error: e.message }, null, 2));
    process.exit(1);
  }
}
