// page-text.mjs — open a page of the site in headless Chromium, wait until
// the selector appears, and print, as JSON, the page's visible text and the
// console errors.
//
//   node tests/browser/page-text.mjs URL PATH SELECTOR [--lang zh|en]

import { openBrowser } from './e2e.mjs';

const [base, path, selector, ...rest] = process.argv.slice(2);
const lang = rest[0] === '--lang' ? rest[1] : 'zh';
const { browser, page, consoleErrors } = await openBrowser({ lang });
try {
  await page.goto(`${base}${path}`, { waitUntil: 'load' });
  await page.waitForSelector(selector, { timeout: 30_000 });
  const text = await page.evaluate(() => document.body.innerText);
  console.log(JSON.stringify({ text, consoleErrors }));
} finally {
  await browser.close();
}
