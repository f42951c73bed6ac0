// feedback-page.mjs — the draw page of a feedback draw (SPEC §6.4 "Feedback
// from results"), in headless Chromium, in both languages, with the default
// reasons and with reason woken (唤醒后定向检查): the plan's
// feedback in plain words, the feedback stratum in the strata table, the
// firms drawn for their results with why, and the in-browser re-run, whose
// recomputation must match the draw with the log's flagged firms. The log is built in
// node (tests/verify-js/feedback-log.mjs) and served by
// tests/browser/fake-api.mjs, which reads any log directory (its enterprise
// answers carry no results, so the reasons show without their dates).
//
//   node tests/browser/feedback-page.mjs
//
// Prints one JSON object {ok, problems, texts (on failure)} and exits 0 when every
// expected text showed, the re-run's recomputation passed and the page logged
// no console error, 1 otherwise.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowser } from './e2e.mjs';
import { startFakeServer } from './fake-api.mjs';
import { revealedFeedbackLog } from '../verify-js/feedback-log.mjs';

// The default reasons, and a plan listing all three with a woken firm
// (reason woken, LOG-FORMAT "Feedback from results" rule 3).
const VARIANTS = [
  {
    woken: false,
    zh: ['上次检查发现问题或有未办结后续处置的企业 · 抽查比例 100%', '结果反馈（智慧监管）', '上次检查发现问题', '有未办结的后续处置'],
    en: ['Firms whose last inspection found a problem or with an open follow-up · drawn at 100%', 'Feedback from results', 'its last inspection found a problem', 'it has an open follow-up'],
  },
  {
    woken: true,
    zh: ['上次检查发现问题或有未办结后续处置或被唤醒后尚未检查的企业 · 抽查比例 100%', '唤醒后定向检查：被唤醒后尚未检查', '有未办结的后续处置'],
    en: ['Firms whose last inspection found a problem or with an open follow-up or woken and not checked since · drawn at 100%', 'woken, not checked since', 'it has an open follow-up'],
  },
];
// a ceremony without witnesses is at best "partly verified" (the dice cannot be
// checked); what this page must show is the recomputation passing
const recomputed = { zh: '您的浏览器重新计算了抽签：结果与公布的名单完全一致', en: 'Draw recomputed by your browser: the same list as published' };
const problems = [];
const texts = {};
for (const expected of VARIANTS) await checkPage(expected);
console.log(JSON.stringify({ ok: problems.length === 0, problems, ...(problems.length ? { texts } : {}) }, null, 2));
process.exit(problems.length ? 1 : 0);

async function checkPage(expected) {
const { log, rid, flags } = await revealedFeedbackLog(null, { woken: expected.woken });
if (expected.woken && !flags.some(f => f.reason === 'woken')) problems.push('the woken log flags no woken firm');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairdraw-feedback-page-'));
for (const [name, bytes] of log.files) {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), bytes);
}
fs.mkdirSync(path.join(dir, 'receipts'));
fs.writeFileSync(path.join(dir, 'receipts', `${rid}.tlog-proof`), log.receipt(log.lines.length - 1));
const { server, url } = await startFakeServer(dir);
try {
  for (const lang of ['zh', 'en']) {
    const { browser, page, consoleErrors } = await openBrowser({ lang });
    try {
      await page.goto(`${url}/draws/${rid}`);
      try {
        await page.waitForSelector('#feedback-table', { timeout: 60_000 });
      } catch (e) {
        problems.push(`${expected.woken ? 'woken ' : ''}${lang}: ${e.message.split('\n')[0]}; the page shows: ${(await page.locator('main').innerText()).slice(0, 600)}`, ...consoleErrors);
        continue;
      }
      const text = await page.locator('main').innerText();
      texts[`${expected.woken ? 'woken ' : ''}${lang}`] = text;
      for (const want of expected[lang]) if (!text.includes(want)) problems.push(`${expected.woken ? 'woken ' : ''}${lang}: the page does not show ${JSON.stringify(want)}`);
      const rows = await page.locator('#feedback-table [data-feedback]').evaluateAll(trs => trs.map(tr => tr.getAttribute('data-feedback')));
      if (rows.slice().sort().join() !== flags.map(f => f.reason).sort().join()) problems.push(`${expected.woken ? 'woken ' : ''}${lang}: the feedback table lists ${rows.join(', ')}, not ${flags.map(f => f.reason).join(', ')}`);
      const strata = await page.locator('#strata-table').innerText();
      if (!strata.includes(lang === 'zh' ? '结果反馈' : 'Feedback')) problems.push(`${expected.woken ? 'woken ' : ''}${lang}: the strata table has no feedback row`);
      await page.click('#verify-button');
      await page.waitForSelector('[data-verify-status]:not([data-verify-status="pending"])', { timeout: 120_000 });
      const status = await page.getAttribute('[data-verify-status]', 'data-verify-status');
      const said = (await page.textContent('[data-verify-status]')).trim();
      const details = await page.locator('#verify-details').innerText();
      if (!['verified', 'partial'].includes(status) || !details.includes(recomputed[lang])) problems.push(`${expected.woken ? 'woken ' : ''}${lang}: the re-run says ${status}: ${said}; ${details.slice(0, 600)}`);
      problems.push(...consoleErrors.map(e => `${expected.woken ? 'woken ' : ''}${lang}: console error: ${e}`));
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
}
