// page-text.mjs — open one page of the site in headless Chromium, wait until
// a selector shows, and print what a reader sees.
//
//   node tests/browser/page-text.mjs URL SELECTOR [--lang zh|en]
//
// Prints one JSON object {text, consoleErrors} (text: the main content's
// innerText) and exits 0 when the selector showed and the page logged no
// console error; 1 otherwise; 2 on bad usage.

import { openBrowser } from './e2e.mjs';

const [url, selector, ...rest] = process.argv.slice(2);
const lang = rest[0] === '--lang' ? rest[1] : 'zh';
if (!url || !selector || !['zh', 'en'].includes(lang)) {
  console.error('usage: node tests/browser/page-text.mjs URL SELECTOR [--lang zh|en]');
  process.exit(2);
}
const { browser, page, consoleErrors } = await openBrowser({ lang });
let code = 1;
try {
  await page.goto(url);
  await page.waitForSelector(selector, { timeout: 60_000 });
  const text = await page.locator('main').innerText();
  console.log(JSON.stringify({ text, consoleErrors }, null, 2));
  code = consoleErrors.length ? 1 : 0;
} catch (e) {
  console.log(JSON.stringify({ text: null, consoleErrors, error: e.message }, null, 2));
} finally {
  await browser.close();
}
process.exit(code);
