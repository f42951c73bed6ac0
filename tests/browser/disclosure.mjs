// disclosure.mjs — the enterprise lookup page's "核验本企业告知书 / check my
// firm's disclosure" in headless Chromium: disclosure files of a protected
// log built in node (tests/verify-js/protected-log.mjs) are chosen in the
// page's file input and must give the verdict in plain words (selected, not
// selected and why), and a tampered one must be rejected in red. The page
// also shows the log's publication mode.
//
//   node tests/browser/disclosure.mjs [--lang zh|en] [--screenshot PREFIX]  (PREFIX-<case>.png)
//
// The page (web/) is served to Chromium through request interception, with
// the server's Content-Security-Policy, as `http://localhost:8765`; the only
// API answers it needs are the log's first entry and its key. Prints one JSON
// object {cases: [{name, status, expected, ok, text, …}], publication,
// consoleErrors} and exits 0 when every case gives its expected outcome and
// the page logged no console error; 1 otherwise.

import { openBrowser } from './e2e.mjs';
import { buildLog } from '../verify-js/protected-log.mjs';
import { ORIGIN, webRoute } from './serve-web.mjs';

const arg = name => { const i = process.argv.indexOf(name); return i > 1 ? process.argv[i + 1] : undefined; };
const lang = arg('--lang') || 'zh';
const screenshot = arg('--screenshot');
const log = await buildLog({});
const firstEntry = JSON.parse(log.lines[0]);

const SELECTED = '91330106MA2B00000U';
const ABOVE = '91330106MA2B000022';
const flipped = log.disclosure(ABOVE); flipped.verdict.selected = true;
const otherSalt = log.disclosure(SELECTED); otherSalt.salt = '55'.repeat(32);
const CASES = [
  { name: 'selected', bytes: JSON.stringify(log.disclosure(SELECTED), null, 2), expected: 'verified', selected: 'true' },
  { name: 'not selected', bytes: JSON.stringify(log.disclosure(ABOVE)), expected: 'verified', selected: 'false' },
  { name: 'tampered verdict', bytes: JSON.stringify(flipped), expected: 'tampered' },
  { name: 'another salt', bytes: JSON.stringify(otherSalt), expected: 'tampered' },
  { name: 'not a disclosure', bytes: '{"format": "fairdraw-disclosure/1"}', expected: 'invalid' },
];

// the only API answers the page needs: the log's first entry and its key
const serve = webRoute(url => {
  if (url.pathname === '/api/entries/0') return { json: firstEntry };
  if (url.pathname === '/api/log.pub') return { contentType: 'text/plain', body: `${log.log.vkey}\n` };
  return null;
});

const { browser, context, page, consoleErrors } = await openBrowser({ lang });
let report;
try {
  await context.route('**/*', serve);
  await page.goto(`${ORIGIN}/enterprises`, { waitUntil: 'load' });
  await page.waitForSelector('#disclosure-file', { timeout: 30_000 });
  const publication = await page.$$eval('[data-publication]', els => els.map(e => ({ mode: e.dataset.publication, text: e.textContent.trim() })));
  const cases = [];
  for (const c of CASES) {
    // the last case's verdict goes first, so that only this file's can be waited for
    await page.$eval('#disclosure-result', el => el.replaceChildren());
    await page.setInputFiles('#disclosure-file', { name: 'disclosure.json', mimeType: 'application/json', buffer: Buffer.from(c.bytes) });
    const done = '#disclosure-result [data-disclosure-status]:not([data-disclosure-status="checking"])';
    await page.waitForSelector(done, { timeout: 60_000 });
    const got = await page.$eval(done, el => ({
      status: el.dataset.disclosureStatus, selected: el.dataset.selected || null,
      text: el.textContent.trim(), red: el.classList.contains('notice-error'),
      first: (el.querySelector('.notice-title') || el).textContent.trim(),
    }));
    const ok = got.status === c.expected && (c.selected === undefined || got.selected === c.selected) && got.red === (c.expected !== 'verified');
    cases.push({ name: c.name, expected: c.expected, ok, ...got });
    if (screenshot) await page.screenshot({ path: `${screenshot}-${cases.length}.png`, fullPage: true });
    // the next file: reset the input so that choosing it fires `change`
    await page.$eval('#disclosure-file', el => { el.value = ''; });
  }
  report = { cases, publication, consoleErrors, ok: cases.every(c => c.ok) && consoleErrors.length === 0 && publication.length === 1 && publication[0].mode === 'protected' };
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
