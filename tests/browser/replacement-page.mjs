// replacement-page.mjs — the draw page of an off-site draw with a logged
// Replacement (audit/LOG-FORMAT.md "Replacing an inspector", SPEC §8.6), in
// headless Chromium, in both languages: the plan's method in plain words,
// each replacement (target, slot, old → new inspector, reason, by) and the
// team as it now stands. The log is built in node (tests/verify-js/
// protected-log.mjs, the pick by tests/verify-js/replace-rule.mjs) and served
// by tests/browser/fake-api.mjs, which reads any log directory.
//
//   node tests/browser/replacement-page.mjs
//
// Prints one JSON object {ok, problems, texts (on failure)} and exits 0 when every
// expected text showed and the page logged no console error, 1 otherwise.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowser } from './e2e.mjs';
import { startFakeServer } from './fake-api.mjs';
import { buildLog } from '../verify-js/protected-log.mjs';
import { DESK_PLAN, INSPECTORS, rule, teams } from '../verify-js/replace-rule.mjs';

const REASON = '因病住院，无法参加';
let replaced = null;
const log = await buildLog({
  mode: 'full', plan: DESK_PLAN, inspectors: INSPECTORS,
  edit: (bodies, { doc, rid }) => {
    const old = doc.assignments[0].inspectors[0];
    replaced = { old, list: rule(doc, rid, old) };
    bodies.push(['Replacement', { result: rid, inspector: old, reason: REASON, replacements: replaced.list, by: '王科长' }]);
  },
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-replacement-page-'));
for (const [name, bytes] of log.files) {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), bytes);
}
fs.mkdirSync(path.join(dir, 'receipts'));
fs.writeFileSync(path.join(dir, 'receipts', `${log.ids.result}.tlog-proof`), log.receipt(6));

const now = teams(log.doc, [replaced.list])[0].ids;
const name = id => `检查员${Number(id.slice(2))}（${id}）`;
const expected = {
  zh: ['书面核查 · 负责人与复核人各一名', '人员替换', REASON, '王科长', `${name(replaced.old)} → ${name(replaced.list[0].inspector)}`, '负责人 · 第 1 位', '替换后的检查组'],
  en: ['desk review (书面核查) · a reviewer pair (responsible inspector and reviewer)', 'Replaced inspectors', REASON, `${name(replaced.old)} → ${name(replaced.list[0].inspector)}`, 'responsible · slot 1', 'Teams as they now stand'],
};
const { server, url } = await startFakeServer(dir);
const problems = [];
const texts = {};
try {
  for (const lang of ['zh', 'en']) {
    const { browser, page, consoleErrors } = await openBrowser({ lang });
    try {
      await page.goto(`${url}/draws/${log.ids.result}`);
      try {
        await page.waitForSelector('#replaced-teams-table', { timeout: 60_000 });
      } catch (e) {
        problems.push(`${lang}: ${e.message.split('\n')[0]}; the page shows: ${(await page.locator('main').innerText()).slice(0, 600)}`, ...consoleErrors);
        continue;
      }
      const text = await page.locator('main').innerText();
      const team = await page.locator('#replaced-teams-table').innerText();
      texts[lang] = text;
      for (const want of expected[lang]) if (!text.includes(want)) problems.push(`${lang}: the page does not show ${JSON.stringify(want)}`);
      for (const id of now) if (!team.includes(id)) problems.push(`${lang}: the team as it now stands lacks ${id}`);
      if (team.includes(`（${replaced.old}）`)) problems.push(`${lang}: the team as it now stands still holds ${replaced.old}`);
      if (await page.locator('#plan-method').getAttribute('data-method') !== 'desk') problems.push(`${lang}: #plan-method is not desk`);
      problems.push(...consoleErrors.map(e => `${lang}: console error: ${e}`));
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ ok: problems.length === 0, problems, ...(problems.length ? { texts } : {}) }, null, 2));
process.exit(problems.length ? 1 : 0);
