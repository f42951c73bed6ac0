// warnings.mjs — open the draw list in headless Chromium and print, as JSON,
// which warnings about the operator's commitments it shows
// (`data-suspicious`: abandoned, competing) and their texts.
//
//   node tests/browser/warnings.mjs URL [--lang zh|en]

import { openBrowser } from './e2e.mjs';

const [base, ...rest] = process.argv.slice(2);
const lang = rest[0] === '--lang' ? rest[1] : 'zh';
const { browser, page, consoleErrors } = await openBrowser({ lang });
try {
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForSelector('.cards, .notice-info', { timeout: 30_000 });
  const warnings = await page.$$eval('[data-suspicious]', els => els.map(e => ({
    kind: e.getAttribute('data-suspicious'),
    text: e.textContent.trim(),
  })));
  console.log(JSON.stringify({ warnings, consoleErrors }));
} finally {
  await browser.close();
}
