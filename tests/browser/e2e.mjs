// e2e.mjs — open a draw page in headless Chromium, press "verify", wait for the outcome.
//
//   node tests/browser/e2e.mjs URL DRAW_ID [--expect verified|mismatch|error]
//        [--screenshot FILE] [--lang zh|en] [--width PX] [--height PX]
//        [--tamper] [--query "?verify=1"] [--keyboard] [--timeout SECONDS]
//
// Prints one JSON object {status, expected, ok, text, differences, consoleErrors,
// url, ms, screenshot} and exits 0 when the outcome is the expected one (default
// `verified`) and the page logged no console errors; 1 otherwise; 2 on bad usage.
//
// --tamper   rewrites one leaf of every enterprise snapshot download in flight
//            (and re-gzips it), so a correct page must report `mismatch`;
//            implies --expect mismatch unless --expect is given.
// --query    open the page with this query string instead of clicking the
//            button (e.g. "?verify=1" checks the auto-start).
// --keyboard reach the button with the Tab key alone and press Enter
//            (keyboard-only use), instead of clicking it.
//
// Chromium: /usr/bin/chromium (Debian's package) or $CHROMIUM.

import { chromium } from 'playwright-core';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';

const USAGE = 'usage: node tests/browser/e2e.mjs URL DRAW_ID [--expect verified|mismatch|error] [--screenshot FILE] [--lang zh|en] [--width PX] [--height PX] [--tamper] [--query Q] [--keyboard] [--timeout S]';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function parseArgs(argv) {
  const o = { positional: [], expect: null, lang: 'zh', width: 1280, height: 900, tamper: false, query: '', keyboard: false, timeout: 180 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--expect') o.expect = val();
    else if (a === '--screenshot') o.screenshot = val();
    else if (a === '--lang') o.lang = val();
    else if (a === '--width') o.width = Number(val());
    else if (a === '--height') o.height = Number(val());
    else if (a === '--tamper') o.tamper = true;
    else if (a === '--keyboard') o.keyboard = true;
    else if (a === '--query') o.query = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.positional.push(a);
  }
  if (o.positional.length !== 2) throw new Error('expected URL and DRAW_ID');
  o.expect = o.expect || (o.tamper ? 'mismatch' : 'verified');
  if (!['verified', 'mismatch', 'error'].includes(o.expect)) throw new Error('--expect: verified, mismatch or error');
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
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => consoleErrors.push(`uncaught: ${e.message}`));
  // Chromium's "Failed to load resource" console message omits the URL: record it.
  page.on('response', r => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`); });
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
    const url = `${base}/draws/${encodeURIComponent(id)}${o.query}`;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#verify-button', { timeout: 30_000 });
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
    if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
    const ok = status === o.expect && consoleErrors.length === 0;
    return { status, expected: o.expect, ok, text, differences, checks, consoleErrors, tampered, tabs, url, lang: o.lang, width: o.width, ms: Date.now() - t0, screenshot: o.screenshot || null };
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
