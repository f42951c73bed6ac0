// screens.mjs — screenshots of every view for a visual check (development aid).
//
//   node tests/browser/screens.mjs URL OUT_DIR [--width 1280|375] [--lang zh|en]
//
// Writes viewport-sized PNGs (full pages are too tall to look at): the list,
// the top of a draw page after verification, each section of it, the
// enterprise lookup (selected, not selected, invalid) and the results page.
// Also prints console errors per page (a 400 for the invalid lookup is expected).

import fs from 'node:fs';
import path from 'node:path';
import { openBrowser } from './e2e.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const [base, out] = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!base || !out) { console.error('usage: node tests/browser/screens.mjs URL OUT_DIR [--width PX] [--lang zh|en]'); process.exit(2); }
const width = Number(opt('--width', 1280));
const lang = opt('--lang', 'zh');
fs.mkdirSync(out, { recursive: true });
const tag = `${lang}-${width}`;

const { browser, page, consoleErrors, context } = await openBrowser({ width, height: width < 600 ? 800 : 900, lang });
const shot = async (name, el) => {
  const file = path.join(out, `${tag}-${name}.png`);
  if (el) {
    // element screenshots are clipped to 1000 px of height (tall tables are unreadable when scaled down)
    const loc = page.locator(el).first();
    await loc.scrollIntoViewIfNeeded();
    const box = await loc.boundingBox();
    const scroll = await page.evaluate(() => window.scrollY);
    await page.screenshot({ path: file, fullPage: true, clip: { x: box.x, y: box.y + scroll, width: box.width, height: Math.min(box.height, 1000) } });
  }
  else await page.screenshot({ path: file });
  console.log(file, consoleErrors.length ? `console errors: ${consoleErrors.splice(0).join(' | ')}` : '');
};

const draws = (await (await context.request.get(`${base}/api/draws`)).json()).draws;
const drawn = draws.find(d => d.outcome === 'drawn' && /第四季度/.test(d.plan_name)) || draws.find(d => d.outcome === 'drawn');
const infeasible = draws.find(d => d.outcome === 'infeasible');

await page.goto(`${base}/`); await page.waitForSelector('.cards'); await shot('list');
await page.goto(`${base}/draws/${drawn.id}?verify=1`);
await page.waitForSelector('[data-verify-status]:not([data-verify-status="pending"])', { timeout: 120000 });
await shot('draw-top');
for (const s of ['verify', 'plan', 'commitment', 'snapshots', 'strata', 'targets', 'exclusions', 'checkpoint']) await shot(`draw-${s}`, `#${s}`);
if (infeasible) {
  await page.goto(`${base}/draws/${infeasible.id}?verify=1`);
  await page.waitForSelector('[data-verify-status]:not([data-verify-status="pending"])', { timeout: 120000 });
  await shot('infeasible-top');
}
const detail = await (await context.request.get(`${base}/api/draws/${drawn.id}`)).json();
const picked = detail.draw.assignments[0].uscc;
await page.goto(`${base}/enterprises/${picked}`); await page.waitForSelector('.ent-result'); await page.waitForSelector('[data-proof-status="ok"], [data-proof-status="bad"]', { state: 'attached' }).catch(() => {});
await page.locator('details.proof').first().evaluate(d => { d.open = true; });
await shot('enterprise-selected');
await page.goto(`${base}/enterprises/91330106MA9ERT3N91`); await page.waitForSelector('h1'); await shot('enterprise-invalid');
await page.goto(`${base}/results?draw=${drawn.id}`); await page.waitForSelector('table, .notice'); await shot('results');
await page.goto(`${base}/results`); await page.waitForSelector('form'); await shot('results-pick');
await browser.close();
