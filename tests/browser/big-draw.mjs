// big-draw.mjs — a draw of 4,401 targets on a 375 px wide phone (issue 14):
// the draw page shows one page of targets at a time, pages through them,
// finds a firm (USCC, also partial and in lower case; name) or an inspector
// (certificate id, name) with its team, says when nothing matched, and keeps
// page and search in the URL (reload, back button).
//
//   node tests/browser/big-draw.mjs [--lang zh|en] [--targets N] [--screenshot PREFIX]
//
// The draw detail is built here (the API's DrawDetail shape, web/openapi.json)
// and the page (web/) is served by request interception (serve-web.mjs), so
// no log of thousands of targets has to be drawn first. Prints one JSON
// object {steps: [{name, ok, …}], consoleErrors, ok} and exits 0 when every
// step is as expected and the page logged no console error; 1 otherwise.

import { openBrowser } from './e2e.mjs';
import { ORIGIN, webRoute } from './serve-web.mjs';

const arg = (name, d) => { const i = process.argv.indexOf(name); return i > 1 ? process.argv[i + 1] : d; };
const lang = arg('--lang', 'zh');
const N = Number(arg('--targets', 4401));
const screenshot = arg('--screenshot');
const PER_PAGE = 50;
const MAX_HEIGHT = 24_000; // px at 375 px: a page of 50 target cards (~12,000), 20 excluded firms and the rest of the draw page (~9,000); all 4,401 were 1.5 million
const ID = 'b'.repeat(64);

// ─── the draw: N targets, teams of a leader and an inspector from 300, an expert for every tenth ──

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'];
const GIVEN = ['建国', '秀英', '志强', '丽娟', '海燕', '晓东', '玉兰', '俊杰', '雪梅', '文斌', '春华', '振宇', '慧敏', '立新', '桂芳'];
const INSPECTORS = Array.from({ length: 300 }, (_, k) => ({
  id: `330102010${String(k).padStart(5, '0')}`, name: SURNAMES[k % 20] + GIVEN[Math.floor(k / 20)], department: '市场监督管理局' }));
const EXPERTS = Array.from({ length: 15 }, (_, k) => ({ id: `330199990${String(k).padStart(5, '0')}`, name: `欧阳${GIVEN[k]}`, department: '质量技术监督检测院' }));
const CLASSES = ['A', 'B', 'C', 'D'];
const hex64 = i => (i.toString(16).padStart(8, '0')).repeat(8);

/** 1-based target number i: a firm whose USCC and name carry i, so a search can find it alone. */
function team(n) {
  const i = n - 1;
  const member = (p, role) => ({ ...p, role });
  return {
    uscc: `91330106MB${String(n).padStart(7, '0')}X`,
    name: `杭州第${n}号测试贸易有限公司`,
    class: CLASSES[i % 4],
    region: i % 2 ? '330105' : '330102',
    ticket: hex64(n),
    members: [member(INSPECTORS[(2 * i) % 300], 'leader'), member(INSPECTORS[(2 * i + 1) % 300], 'inspector'),
      ...(i % 10 === 0 ? [member(EXPERTS[(i / 10) % 15], 'expert')] : [])],
  };
}

export function bigDraw(n) {
  const teams = Array.from({ length: n }, (_, i) => team(i + 1));
  const strata = CLASSES.map(c => {
    const size = teams.filter(t => t.class === c).length;
    return { class: c, population: size * 4, excluded: 0, eligible: size * 4, ratio: '0.25', sample_size: size, cutoff: hex64(1 << 30), selected: [] };
  });
  const plan = {
    name: `大型抽查测试计划（${n} 户）`, department: '市场监督管理局', inspection_date: '2026-12-15', exclude: [], max_draws_per_year: null, items: [],
    ratios: { A: '0.25', B: '0.25', C: '0.25', D: '0.25' }, min: { A: 0, B: 0, C: 0, D: 0 }, max: { A: null, B: null, C: null, D: null },
    scope: { statuses: ['存续'], regions: [], industries: [], where: [] },
    team: { size: 2, departments: ['市场监督管理局'], region: 'any', max_targets_per_inspector: null, qualifications: [], experts: 0, rotation: false },
  };
  // more firms excluded by the log than fit on one page: that list pages too
  const logExclusions = Array.from({ length: 120 }, (_, k) => ({ uscc: `91330106MC${String(k + 1).padStart(7, '0')}Y`, reason: '本年度已就同一事项抽中', entry: hex64(k + 7) }));
  const snapshot = (count, columns) => ({ root: hex64(count), count, columns, url: `/api/snapshots/${hex64(count)}` });
  const beacon = { type: 'ceremony', digits: '31415926535897932384626', witnesses: ['张三', '李四'] };
  return {
    id: ID,
    summary: { id: ID, commitment: 'c'.repeat(64), plan_name: plan.name, outcome: 'drawn', committed_at: '2026-11-01T01:00:00Z', revealed_at: '2026-11-01T02:00:00Z',
      beacon: { type: 'ceremony' }, seed: 'd'.repeat(64), targets: n, simulated: false },
    commitment: { plan, plan_digest: 'e'.repeat(64), year: 2026, beacon: { type: 'ceremony' }, log_exclusions: logExclusions,
      snapshots: { enterprises: { root: hex64(4 * n) }, inspectors: { root: hex64(315) }, conflicts: { root: hex64(0) } } },
    beacon: { beacon, randomness: 'f'.repeat(64), seed: 'd'.repeat(64), commitment: 'c'.repeat(64) },
    draw: { seed_hash: 'a'.repeat(64), strata, assignments: [] },
    failure: null,
    teams,
    items: [],
    snapshots: { enterprises: snapshot(4 * n, ['统一社会信用代码', '企业名称']), inspectors: snapshot(315, ['执法证号', '姓名']), conflicts: snapshot(0, []) },
    checkpoint: 'fairdraw.test/log\n1\nAAAA\n\n— fairdraw.test/log AAAA\n',
    receipt_url: `/api/draws/${ID}/receipt`,
  };
}

// ─── what the page must show ───────────────────────────────────────────────

const WORDS = {
  zh: { pageOf: (k, n) => `第 ${k} / ${n} 页`, found: n => `${n} 户与`, none: '没有与' },
  en: { pageOf: (k, n) => `Page ${k} of ${n}`, found: n => `${n} of ${N.toLocaleString('en')} match`, none: 'Nothing matches' },
}[lang];

const detail = bigDraw(N);
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
const pages = Math.ceil(N / PER_PAGE);
const FIRM = Math.min(1234, N);
const INSPECTOR = INSPECTORS[7];
const inspectorTargets = detail.teams.flatMap((tm, i) => (tm.members.some(m => m.id === INSPECTOR.id) ? [String(i + 1)] : []));

const { browser, context, page, consoleErrors } = await openBrowser({ lang, width: 375, height: 800 });
const steps = [];
const TIMEOUT = 15_000;

/** The targets table's rows as the reader sees them: number, USCC, team text. */
const shownRows = () => page.$$eval('#targets tbody tr', trs => trs.map(tr => ({
  n: tr.querySelector('th').textContent.trim(),
  uscc: (tr.querySelector('code.uscc') || {}).textContent,
  team: (tr.querySelector('.team') || {}).textContent || '',
})));

/** Wait until the targets shown are `numbers` (debounced search, re-render), then record the step. */
async function expectRows(name, numbers, extra = () => ({ ok: true })) {
  let rows = [];
  try {
    await page.waitForFunction(want => JSON.stringify([...document.querySelectorAll('#targets tbody tr > th')].map(th => th.textContent.trim())) === want,
      JSON.stringify(numbers), { timeout: TIMEOUT, polling: 100 });
  } catch { /* recorded below with what was shown instead */ }
  rows = await shownRows();
  const same = JSON.stringify(rows.map(r => r.n)) === JSON.stringify(numbers);
  const more = same ? await extra(rows) : { ok: false };
  const shown = rows.length > 6 ? [...rows.slice(0, 3).map(r => r.n), '…', ...rows.slice(-3).map(r => r.n)] : rows.map(r => r.n);
  steps.push({ name, ok: same && more.ok, url: page.url().slice(ORIGIN.length), shown, count: rows.length, expected: numbers.length, ...more });
}

const record = (name, ok, info = {}) => steps.push({ name, ok, ...info });
const status = () => page.$eval('#targets [role="status"]', el => el.textContent.trim()).catch(() => '');
/** Type a query and wait until the page has taken it (debounced): the URL then holds it. */
async function search(q) {
  try {
    await page.fill('#targets input[type="search"]', q, { timeout: TIMEOUT });
    await page.waitForFunction(want => (new URL(location.href).searchParams.get('q') || '') === want, q.trim(), { timeout: TIMEOUT, polling: 100 });
  } catch (e) {
    record(`the search for ${JSON.stringify(q)} is taken`, false, { error: e.message.split('\n')[0] });
  }
}

let report;
try {
  await context.route('**/*', webRoute(url => (url.pathname === `/api/draws/${ID}` ? { json: detail } : null)));
  await page.goto(`${ORIGIN}/draws/${ID}`, { waitUntil: 'load' });
  await page.waitForSelector('#targets tbody tr', { timeout: 60_000 });

  const size = await page.evaluate(() => ({ height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  record(`page height below ${MAX_HEIGHT} px at 375 px`, size.height < MAX_HEIGHT, size);
  record('no sideways scrolling of the page', size.width <= size.viewport, size);
  await expectRows('page 1 shows targets 1–50', range(1, Math.min(PER_PAGE, N)));
  const pos = await page.$$eval('#targets .pager-pos', els => els.map(e => e.textContent.trim())).catch(() => []);
  record('the pager says which page of how many', pos.length > 0 && pos.every(p => p === WORDS.pageOf(1, pages)), { pos });
  const excl = await page.$$eval('#exclusions tbody tr', trs => trs.length);
  record('the log exclusions show one page too', excl === 20, { rows: excl });
  const a11y = await page.evaluate(() => {
    const input = document.querySelector('#targets input[type="search"]');
    const label = input && document.querySelector(`label[for="${input.id}"]`);
    const live = document.querySelector('#targets [role="status"][aria-live="polite"]');
    return { label: label ? label.textContent.trim() : null, live: live ? live.textContent.trim() : null };
  });
  record('the search box has a label and the count a live region', !!a11y.label && !!a11y.live, a11y);
  if (screenshot) await page.screenshot({ path: `${screenshot}-page1.png`, fullPage: true });

  await page.click('#targets a[rel="next"]', { timeout: TIMEOUT }).catch(e => record('a next-page link', false, { error: e.message }));
  await expectRows('"next" shows targets 51–100', range(51, 100), rows => {
    const want = detail.teams.slice(50, 100).map(t => t.uscc);
    return { ok: JSON.stringify(rows.map(r => r.uscc)) === JSON.stringify(want) && /[?&]page=2(&|$)/.test(page.url()) };
  });
  // the jump box, by keyboard: type the last page's number and press Enter
  const jump = page.locator('#targets input[type="number"]').first();
  await jump.fill(String(pages), { timeout: TIMEOUT }).then(() => jump.press('Enter')).catch(e => record('a page-number box', false, { error: e.message }));
  await expectRows('jumping to the last page', range((pages - 1) * PER_PAGE + 1, N));
  await page.goBack();
  await expectRows('the back button returns to page 2', range(51, 100));
  await page.reload({ waitUntil: 'load' });
  await expectRows('a reload keeps page 2', range(51, 100));

  const firm = detail.teams[FIRM - 1];
  await search(firm.uscc);
  await expectRows('a USCC finds its firm and team', [String(FIRM)], rows => ({
    ok: firm.members.every(m => rows[0].team.includes(m.name) && rows[0].team.includes(m.id)), team: rows[0].team }));
  await search(firm.uscc.slice(-6).toLowerCase());
  await expectRows('part of a USCC, in lower case, finds it too', [String(FIRM)], async () => ({ ok: (await status()).startsWith(WORDS.found(1)), status: await status() }));
  // a Chinese input method types full-width digits and letters
  const fullWidth = firm.uscc.slice(-6).replace(/[0-9A-Z]/g, c => String.fromCharCode(c.charCodeAt(0) + 0xFEE0));
  await search(fullWidth);
  await expectRows(`full-width ${fullWidth} finds it too`, [String(FIRM)]);
  await search(`第${FIRM}号`);
  await expectRows('part of a firm name finds it', [String(FIRM)]);
  await search(INSPECTOR.id);
  await expectRows(`an inspector's certificate id finds their ${inspectorTargets.length} targets`, inspectorTargets, async rows => ({
    ok: rows.every(r => r.team.includes(INSPECTOR.name)) && (await status()).startsWith(WORDS.found(inspectorTargets.length)), status: await status() }));
  await search(INSPECTOR.name);
  await expectRows("an inspector's name finds the same targets", inspectorTargets);
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('#targets', { timeout: 60_000 });
  await expectRows('a reload keeps the search', inspectorTargets, async () => {
    const value = await page.inputValue('#targets input[type="search"]');
    return { ok: value === INSPECTOR.name && new URL(page.url()).searchParams.get('q') === INSPECTOR.name, value };
  });
  const switchLanguage = async () => {
    const before = await page.evaluate(() => document.documentElement.lang);
    await page.click('#lang-switch');
    await page.waitForFunction(was => document.documentElement.lang !== was, before);
  };
  await switchLanguage();
  await expectRows('switching the language keeps the search', inspectorTargets, async () => {
    const value = await page.inputValue('#targets input[type="search"]');
    return { ok: value === INSPECTOR.name, value };
  });
  await switchLanguage(); // back to the language the words below are in
  await search('没有这个企业 zz-404');
  await expectRows('an unknown query shows no target', [], async () => {
    const said = await status();
    return { ok: said.includes(WORDS.none), status: said };
  });
  await search('');
  await expectRows('clearing the search shows page 1 again', range(1, PER_PAGE));
  report = { steps, consoleErrors, ok: steps.every(s => s.ok) && consoleErrors.length === 0 };
} catch (e) {
  report = { steps, consoleErrors, ok: false, error: e.message };
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
