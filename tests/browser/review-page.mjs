// review-page.mjs — the staff's review desk (`/review`, web/view-review.js)
// in headless Chromium against the real server tests/review_page.rs starts:
//
//   FAIRDRAW_URL=http://… REC_TOKEN=… REV_TOKEN=… RESULTS='[body, body]' node tests/browser/review-page.mjs
//
// 1. the recorder records the two RESULTS through the API (POST /api/results);
// 2. signed in on the page as the recorder: both are listed, waiting, with
//    their deadline; records a third with the form (first without codes:
//    refused by the server); "approve" is refused by the server (four eyes) and the
//    page shows the refusal naming the account;
// 3. signed out, then in as the reviewer: the first is returned with a
//    reason (it shows as 退回 with the reason), the second approved (it
//    leaves the list and the page names its log entry);
// 4. the token was kept in sessionStorage only; the English page reads.
// Prints one JSON object {ok, problems, text (on failure)}; exits 0 when ok.

import { openBrowser } from './e2e.mjs';

const url = process.env.FAIRDRAW_URL;
const [recToken, revToken] = [process.env.REC_TOKEN, process.env.REV_TOKEN];
const results = JSON.parse(process.env.RESULTS || '[]');
const REASON = '缺少现场照片';
const problems = [];
const expect = (cond, what) => { if (!cond) problems.push(what); };

async function post(path, token, body) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const ids = [];
for (const body of results) {
  const r = await post('/api/results', recToken, body);
  expect(r.status === 201, `recording answered ${r.status}: ${JSON.stringify(r.json)}`);
  ids.push(r.json.id);
}

async function signIn(page, token) {
  await page.goto(`${url}/review`);
  await page.waitForSelector('#staff-token');
  await page.fill('#staff-token', token);
  await page.click('#staff-signin button[type=submit]');
  await page.waitForSelector('#review-list');
}

const item = (page, id) => page.locator(`.review-item[data-id="${id}"]`);
let text = '';
const { browser, context, page, consoleErrors } = await openBrowser({ lang: 'zh' });
try {
  // The recorder: sees both, with the clock; cannot approve their own.
  await signIn(page, recToken);
  text = await page.locator('main').innerText();
  expect(text.includes('当前账号：lu-rec'), 'the page does not name the signed-in account');
  expect(text.includes('待审核 2 条'), 'the recorder does not see two waiting results');
  for (const id of ids) expect(await item(page, id).count() === 1, `result ${id} is not listed`);
  expect(text.includes('2024-11-06') || /\d{4}-\d{2}-\d{2}/.test(await item(page, ids[0]).locator('.review-deadline').innerText()), 'no deadline shown');
  expect(text.includes('lu-rec'), 'recorded_by is not shown');
  // The recorder's form: a result without codes is refused by the server,
  // with codes it is recorded and listed.
  await page.selectOption('#form-draw', { index: 1 });
  await page.waitForSelector('#form-target');
  await page.selectOption('#form-target', process.env.FORM_TARGET);
  await page.fill('#form-date', '2024-10-10');
  await page.click('#form-submit');
  await page.waitForFunction(() => /HTTP 4\d\d/.test(document.querySelector('#review-message').innerText));
  const fieldsets = page.locator('.result-item');
  const n = await fieldsets.count();
  expect(n === 3, `the form offers ${n} items, not the plan's 3`);
  for (let k = 0; k < n; k++) await fieldsets.nth(k).locator(k === 0 ? 'input[data-code="A"]' : 'input[data-code="1"]').check();
  await fieldsets.nth(0).locator('input[data-code="D"]').check();
  await fieldsets.nth(0).locator('.findings').fill('超范围经营');
  await page.click('#form-submit');
  await page.waitForFunction(() => /已提交，待审核/.test(document.querySelector('#review-message').innerText));
  await page.waitForFunction(() => /待审核 3 条/.test(document.querySelector('main').innerText));
  expect(await page.locator(`.review-item[data-id] >> text=${process.env.FORM_TARGET}`).count() === 1, 'the recorded result is not listed');

  await item(page, ids[0]).locator('[data-action=publish]').click();
  await page.waitForSelector('#review-message .notice-error');
  const refusal = await page.locator('#review-message').innerText();
  expect(refusal.includes('HTTP 403') && refusal.includes('lu-rec'), `the four-eyes refusal is not shown word for word: ${refusal}`);
  const stored = await page.evaluate(() => [sessionStorage.getItem('fairdraw.staff-token'), JSON.stringify(localStorage)]);
  expect(stored[0] === recToken, 'the token is not in sessionStorage');
  expect(!stored[1].includes(recToken.split('.')[1]), 'the token leaked into localStorage');
  await page.click('#staff-signout');
  await page.waitForSelector('#staff-token');

  // The reviewer: a return needs a reason; then return one, approve the other.
  await signIn(page, revToken);
  await item(page, ids[0]).locator('[data-action=return]').click();
  await page.waitForSelector('#review-message .notice-error');
  expect((await page.locator('#review-message').innerText()).includes('请先填写退回原因'), 'a return without reason is not stopped');
  await item(page, ids[0]).locator('input.reason').fill(REASON);
  await item(page, ids[0]).locator('[data-action=return]').click();
  await page.waitForSelector(`.review-item[data-id="${ids[0]}"][data-state="退回"]`);
  expect((await item(page, ids[0]).innerText()).includes(REASON), 'the returned result does not show its reason');
  await item(page, ids[1]).locator('[data-action=publish]').click();
  await page.waitForFunction(() => /已公示/.test(document.querySelector('#review-message').innerText));
  const done = await page.locator('#review-message').innerText();
  expect(/已公示，写入日志条目 [0-9a-f]{64}/.test(done), `publishing does not name the log entry: ${done}`);
  // (the page says so, then lists the results again: a busy machine may take a while)
  const relisted = await page.waitForSelector(`.review-item[data-id="${ids[1]}"]`, { state: 'detached', timeout: 60_000 })
    .then(() => true, () => false);
  expect(relisted && await item(page, ids[1]).count() === 0, 'the published result is still listed after 60 s');
  text = await page.locator('main').innerText();
  expect(text.includes('已退回待修改 1 条'), 'the count of returned results is wrong');

  // English.
  await page.click('#lang-switch');
  await page.waitForFunction(() => /Result review desk/.test(document.querySelector('main').innerText));
  const en = await page.locator('main').innerText();
  for (const want of ['Result review desk', 'Signed in as shen-rev', 'returned for correction', REASON, 'Record an inspection result']) {
    expect(en.includes(want), `the English page lacks ${JSON.stringify(want)}`);
  }
  // The expected refusals: the form sent without codes (422) and the
  // recorder's approval of their own result (403).
  const expectedError = e => /^HTTP 422 .*\/api\/results$/.test(e) || /^HTTP 403 .*\/api\/results\/p-[0-9a-f]+\/amend$/.test(e)
    || /status of (403|422)/.test(e);
  const unexpected = consoleErrors.filter(e => !expectedError(e));
  problems.push(...unexpected.map(e => `console error: ${e}`));
} catch (e) {
  problems.push(`${e.message.split('\n')[0]}; the page shows: ${(await page.locator('main').innerText().catch(() => '')).slice(0, 800)}`);
} finally {
  await browser.close();
}
void context;
console.log(JSON.stringify({ ok: problems.length === 0, problems, ...(problems.length ? { text } : {}) }, null, 2));
process.exit(problems.length ? 1 : 0);
