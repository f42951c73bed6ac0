// view-draw.js — `/draws/{id}`: everything published about one draw, and the
// "verify in my browser" button and its verdict (web/verdict.js).

import { t, term } from './i18n.js';
import { h, dl, table, section, code, time, num, beaconText, notice, zh } from './dom.js';
import { api, getBytes, getJson, getText } from './api.js';
import { outcomeBadge, sealedText } from './view-draws.js';
import { pagedTable, scrollToListInUrl } from './paged-table.js';
import { progressView, whereText } from './verify-progress.js';
import { startRecomputeWorker } from './recompute.js';
import { replacementsOf, currentTeams, inspectorNames } from './replacements.js';
import { FEEDBACK_CLASS, feedbackSection, feedbackText, loadFeedbackDates } from './feedback-view.js';

const REGISTRIES = ['enterprises', 'inspectors', 'conflicts'];
const MAX_LISTED_DIFFERENCES = 50;

// Verification state survives re-rendering (language switch) of the page.
let verifyState = { status: null };
let detailRef = null;
// The draw's Replacement entries (LOG-FORMAT "Replacing an inspector"), read from the log's entries:
// {entries, teams (as they now stand), names: Map(id -> {name, department})} or {error}.
let replaced = null;
// SPEC §6.4: the date of each feedback-drawn firm's flagging entry (entry id -> date).
let feedbackDates = new Map();

export async function load({ id }) {
  verifyState = { status: null };
  detailRef = await api.draw(id);
  replaced = await readReplacements(detailRef);
  feedbackDates = await loadFeedbackDates(detailRef, api.enterprise);
  return detailRef;
}

async function readReplacements(d) {
  try {
    const entries = await replacementsOf(d, { getText });
    const ids = [...new Set(entries.flatMap(r => [r.body.inspector, ...r.body.replacements.map(x => x.inspector)]))];
    const teams = currentTeams(d, entries);
    for (const tm of teams) ids.push(...tm.inspectors, ...tm.experts);
    return { entries, teams, names: entries.length ? await inspectorNames(d, [...new Set(ids)], getBytes) : new Map() };
  } catch (e) {
    return { error: e && e.message ? e.message : String(e) };
  }
}

export function title(d) {
  return `${d.summary.plan_name} · ${t('draw.title')}`;
}

/** "0.125" -> "12.5%": canonical ratio strings are exact decimals, shift the point by text. */
export function percent(ratio) {
  if (typeof ratio !== 'string' || !/^\d+(\.\d+)?$/.test(ratio)) return String(ratio);
  const [ip, fp = ''] = ratio.split('.');
  const scale = Math.max(0, fp.length - 2); // decimals left after multiplying by 100
  const digits = (ip + fp.padEnd(2, '0')).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${whole}${frac ? '.' + frac : ''}%`;
}

const list = xs => (xs && xs.length ? xs.join('、') : t('scope.all'));
const offsite = plan => Object.hasOwn(plan, 'method'); // SPEC §8.6: only off-site plans carry `method`

/** The plan's inspection method in plain words: "书面核查 · 一名负责人", "实地核查 · 每户检查组 2 人". */
export function methodText(plan) {
  return offsite(plan)
    ? `${t(`method.${plan.method}`)} · ${t(`method.reviewers.${plan.team.reviewers}`)}`
    : `${t('method.on_site')} · ${t('method.team', { n: plan.team.size })}`;
}

// ─── sections ───────────────────────────────────────────────────────────────

function header(d) {
  const s = d.summary;
  return h('header', { class: 'page-head' },
    h('p', { class: 'eyebrow' }, t('draw.title')),
    h('h1', { lang: 'zh-CN' }, s.plan_name),
    h('p', { class: 'flags' }, outcomeBadge(s.outcome, s.sealed)),
    dl([
      [t('draw.id'), code(d.id)],
      [t('draws.revealed'), time(s.revealed_at, s.simulated)],
    ]),
    h('p', {}, h('a', { href: `/results?draw=${encodeURIComponent(d.id)}` }, t('draw.results.link'), ' →')));
}

function contents(d) {
  const all = [['verify', 'verify.title'], ['plan', 'plan.title'], ['commitment', 'commit.title'], ['snapshots', 'snap.title'],
    ['strata', 'strata.title'], ['feedback', 'feedback.title'], ['targets', 'targets.title'], ['exclusions', 'excl.title'], ['checkpoint', 'cp.title']];
  if (replacementsShown()) all.splice(all.findIndex(([id]) => id === 'targets') + 1, 0, ['replacements', 'repl.title']);
  // an infeasible draw has no strata or targets sections
  const ids = all.filter(([id]) => (d.draw || (id !== 'strata' && id !== 'targets' && id !== 'feedback'))
    && (id !== 'feedback' || Boolean(d.commitment.plan.feedback)));
  return h('nav', { class: 'toc', 'aria-label': t('draw.sections') },
    h('ul', {}, ids.map(([id, key]) => h('li', {}, h('a', { href: `#${id}` }, t(key))))));
}

function verifyPanel() {
  return section('verify', t('verify.title'),
    h('p', {}, t('verify.intro')),
    h('button', { type: 'button', id: 'verify-button', class: 'button button-primary', onclick: () => startVerify() }, t('verify.button')),
    // The live region holds only the outcome sentence, so screen readers
    // announce the result once, not every progress step or difference.
    h('div', { id: 'verify-status', class: 'verify-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }),
    h('p', { id: 'verify-stage', class: 'verify-stage muted' }),
    h('div', { id: 'verify-details' }));
}

function planSection(d) {
  const plan = d.commitment.plan;
  const items = d.items || plan.items || [];
  const cat = c => (c === 'general' || c === 'key' ? t(`category.${c}`) : c);
  const team = plan.team;
  return section('plan', t('plan.title'),
    dl([
      [t('plan.name'), zh(plan.name)],
      [t('plan.department'), plan.department || t('none')],
      [t('plan.date'), plan.inspection_date || t('plan.date.none')],
      [t('plan.method'), h('span', { id: 'plan-method', 'data-method': plan.method || 'on_site' }, methodText(plan))],
      [t('plan.exclude'), t('plan.exclude.n', { n: num(plan.exclude.length) })],
      plan.feedback ? [t('plan.feedback'), h('span', { id: 'plan-feedback' }, feedbackText(plan))] : null,
      plan.max_draws_per_year !== null && plan.max_draws_per_year !== undefined ? [t('plan.maxdraws'), num(plan.max_draws_per_year)] : null,
    ]),
    h('h3', {}, t('plan.items')),
    items.length
      ? table(t('plan.items'), [t('item.item'), t('item.code'), t('item.basis'), t('item.department'), t('item.category'), t('item.method'), t('item.ceiling')],
        items.map(it => [{ th: true, value: it.item }, it.code || '—', it.basis || '—', it.department || '—', cat(it.category), it.method || '—',
          it.ceiling === null || it.ceiling === undefined ? '—' : percent(it.ceiling)]), { id: 'items-table', cls: 'wide', hideCaption: true })
      : h('p', { class: 'muted' }, t('plan.items.none')),
    h('h3', {}, t('plan.ratios')),
    table(t('plan.ratios'), [t('ratio.class'), t('ratio.ratio'), t('ratio.min'), t('ratio.max')],
      ['A', 'B', 'C', 'D'].map(c => [{ th: true, value: c }, percent(plan.ratios[c]), num(plan.min[c]),
        plan.max[c] === null ? t('ratio.nomax') : num(plan.max[c])]), { id: 'ratios-table', cls: 'narrow', hideCaption: true }),
    h('h3', {}, t('plan.scope')),
    dl([
      [t('scope.statuses'), plan.scope.statuses.map(term).join('、')],
      [t('scope.regions'), list(plan.scope.regions)],
      [t('scope.industries'), list(plan.scope.industries)],
      [t('scope.where'), plan.scope.where.length ? plan.scope.where.map(([c, v]) => `${c} = ${v}`).join('；') : t('none')],
    ]),
    h('h3', {}, t('plan.team')),
    dl([
      offsite(plan) ? [t('team.reviewers'), t(`method.reviewers.${team.reviewers}`)] : [t('team.size'), t('team.size.n', { n: team.size })],
      [t('team.departments'), list(team.departments)],
      [t('team.region'), t(`region.${team.region}`)],
      [t('team.cap'), team.max_targets_per_inspector === null ? t('ratio.nomax') : num(team.max_targets_per_inspector)],
      [t('team.qualifications'), team.qualifications.length ? team.qualifications.join('、') : t('none')],
      offsite(plan) ? null : [t('team.experts'), num(team.experts)],
      [t('team.rotation'), team.rotation ? t('yes') : t('no')],
    ]));
}

function commitmentSection(d) {
  const c = d.commitment;
  const b = d.beacon.beacon || {};
  const cb = c.beacon || {};
  const s = d.summary;
  return section('commitment', t('commit.title'),
    dl([
      [t('commit.id'), code(s.commitment || d.beacon.commitment || '')],
      [t('commit.time'), time(s.committed_at, s.simulated)],
      [t('commit.digest'), code(c.plan_digest)],
      [t('commit.year'), String(c.year ?? '')],
    ]),
    h('h3', {}, t('beacon.title')),
    dl([
      [t('draws.beacon'), beaconText(cb)],
      cb.type === 'drand' ? [t('beacon.round'), num(cb.round)] : null,
      cb.round_time ? [t('beacon.roundtime'), time(cb.round_time)] : null,
      b.type === 'ceremony' ? [t('beacon.digits'), code(b.digits)] : null,
      b.type === 'ceremony' ? [t('beacon.witnesses'), (b.witnesses || []).join('、')] : null,
      [t('beacon.randomness'), code(d.beacon.randomness)],
      [t('beacon.seed'), code(d.beacon.seed)],
      d.draw ? [t('beacon.seedhash'), code(d.draw.seed_hash)] : null,
      [t('beacon.revealed'), time(s.revealed_at, s.simulated)],
    ]));
}

function snapshotsSection(d) {
  return section('snapshots', t('snap.title'),
    h('p', { class: 'muted' }, t('snap.intro')),
    table(t('snap.title'), [t('snap.registry'), t('snap.count'), t('snap.root'), t('snap.columns'), t('snap.download')],
      REGISTRIES.map(reg => {
        const s = d.snapshots[reg] || {};
        const url = s.url || `/api/snapshots/${s.root}`;
        return [{ th: true, value: t(`reg.${reg}`) }, num(s.count), code(s.root || ''), (s.columns || []).join(', ') || '—',
          h('a', { class: 'button button-small', href: url, download: `${reg}-${(s.root || '').slice(0, 16)}.jsonl.gz`,
            'aria-label': t('snap.download.label', { registry: t(`reg.${reg}`) }) }, t('snap.download'), ' ↓')];
      }), { id: 'snapshots-table', cls: 'wide', hideCaption: true }));
}

function strataSection(d) {
  if (!d.draw) return null;
  return section('strata', t('strata.title'),
    h('p', { class: 'muted' }, t('strata.intro')),
    table(t('strata.title'), [t('strata.class'), t('strata.population'), t('strata.excluded'), t('strata.eligible'), t('strata.ratio'), t('strata.sample'), t('strata.cutoff')],
      d.draw.strata.map(s => [{ th: true, value: s.class === FEEDBACK_CLASS ? t('strata.feedback') : s.class }, num(s.population), num(s.excluded), num(s.eligible), percent(s.ratio), num(s.sample_size),
        s.cutoff ? code(s.cutoff, { class: 'hash ticket' }) : t('strata.nocutoff')]), { id: 'strata-table', cls: 'wide', hideCaption: true }));
}

const ROLE_ORDER = { leader: 0, responsible: 0, inspector: 1, reviewer: 1, expert: 2 };

function teamList(members) {
  // Leader first, then inspectors, then experts (stable within a role).
  const sorted = [...members].sort((a, b) => (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3));
  return h('ul', { class: 'team' }, sorted.map(m => h('li', { class: `member member-${m.role}` },
    h('span', { class: `role role-${m.role}` }, t(`role.${m.role}`)), ' ',
    h('span', { class: 'member-name', lang: 'zh-CN' }, m.name), ' ',
    h('span', { class: 'member-meta' }, m.department ? `${m.department} · ` : '', h('span', { class: 'nowrap' }, t('member.cert', { id: m.id }))))));
}

// The URL's query parameters of the two long lists (paged-table.js).
const TARGET_PARAMS = { page: 'page', q: 'q' };
const EXCLUSION_PARAMS = { page: 'excl_page', q: 'excl_q' };
// The log exclusions are an audit detail below the targets: shorter pages keep the page's length for them.
const EXCLUSIONS_PER_PAGE = 20;

/** What a visitor may search a target by: the firm, and the certificate ids and names of its team. */
const targetKey = tm => [tm.uscc, tm.name, ...(tm.members || []).flatMap(m => [m.id, m.name])].join('\n');

function targetsSection(d) {
  if (!d.draw) return null;
  const teams = d.teams || [];
  // off-site (SPEC §8.6): slot 0 is the responsible inspector, slot 1 the reviewer
  const roles = offsite(d.commitment.plan) ? { leader: 'responsible', inspector: 'reviewer' } : {};
  const members = tm => (tm.members || []).map(m => ({ ...m, role: roles[m.role] || m.role }));
  return section('targets', t('targets.title'),
    teams.length === 0 ? h('p', {}, t('targets.none')) :
      pagedTable({
        id: 'targets', caption: t('targets.title'), rows: teams, searchKey: targetKey, words: 'targets', params: TARGET_PARAMS,
        head: [t('targets.n'), t('targets.enterprise'), t('targets.class'), t('targets.region'), t('targets.ticket'), t('targets.team')],
        cells: (tm, i) => [{ th: true, value: String(i + 1) },
          h('div', {}, h('a', { href: `/enterprises/${encodeURIComponent(tm.uscc)}`, lang: 'zh-CN' }, tm.name), h('br'), code(tm.uscc, { class: 'uscc' })),
          tm.class, tm.region || '—', tm.ticket ? code(tm.ticket, { class: 'hash ticket' }) : '—', teamList(members(tm))],
        tableOptions: { id: 'targets-table', cls: 'wide targets', hideCaption: true },
      }));
}

const replacementsShown = () => replaced !== null && (replaced.error !== undefined || replaced.entries.length > 0);

/** The role of slot s of a team (SPEC §8.2; off-site §8.6: the responsible inspector and the reviewer). */
function slotRole(plan, s, inspectors) {
  if (offsite(plan)) return s === 0 ? 'responsible' : 'reviewer';
  return s === 0 ? 'leader' : s < inspectors ? 'inspector' : 'expert';
}

function person(id) {
  const p = replaced.names.get(id);
  return h('span', { class: 'member-name', lang: 'zh-CN' }, p ? `${p.name}（${id}）` : id);
}

/** LOG-FORMAT "Replacing an inspector": every Replacement of the draw, and the teams it changed as they now stand. */
function replacementsSection(d) {
  if (!replacementsShown()) return null;
  if (replaced.error !== undefined) return section('replacements', t('repl.title'), notice('warn', null, t('repl.error', { message: replaced.error })));
  const plan = d.commitment.plan;
  const names = new Map(d.draw.assignments.map(a => [a.uscc, a.name]));
  const sizeOf = uscc => (d.draw.assignments.find(a => a.uscc === uscc) || { inspectors: [] }).inspectors.length;
  const rows = replaced.entries.flatMap(r => r.body.replacements.map(x => [
    time(r.time, r.simulated),
    h('div', {}, h('span', { lang: 'zh-CN' }, names.get(x.uscc) || ''), h('br'), code(x.uscc, { class: 'uscc' })),
    `${t(`role.${slotRole(plan, x.slot, sizeOf(x.uscc))}`)} · ${t('repl.slot.n', { n: x.slot + 1 })}`,
    h('span', {}, person(r.body.inspector), ' → ', person(x.inspector)),
    h('span', { lang: 'zh-CN' }, r.body.reason),
    r.body.by || '—',
  ]));
  const changed = new Set(replaced.entries.flatMap(r => r.body.replacements.map(x => x.uscc)));
  const teams = replaced.teams.filter(tm => changed.has(tm.uscc));
  const member = (id, role) => {
    const p = replaced.names.get(id);
    return { id, role, name: p ? p.name : id, department: p ? p.department : '' };
  };
  return section('replacements', t('repl.title'),
    h('p', { class: 'muted' }, t('repl.intro')),
    table(t('repl.title'), [t('repl.time'), t('repl.target'), t('repl.slot'), t('repl.change'), t('repl.reason'), t('repl.by')], rows,
      { id: 'replacements-table', cls: 'wide', hideCaption: true }),
    h('h3', {}, t('repl.teams')),
    table(t('repl.teams'), [t('targets.enterprise'), t('targets.team')],
      teams.map(tm => [{ th: true, value: h('div', {}, h('span', { lang: 'zh-CN' }, names.get(tm.uscc) || ''), h('br'), code(tm.uscc, { class: 'uscc' })) },
        teamList(tm.inspectors.concat(tm.experts).map((id, s) => member(id, slotRole(plan, s, tm.inspectors.length))))]),
      { id: 'replaced-teams-table', cls: 'wide', hideCaption: true }));
}

function exclusionsSection(d) {
  const ex = d.commitment.log_exclusions || [];
  return section('exclusions', t('excl.title'),
    h('p', { class: 'muted' }, t('excl.intro')),
    ex.length === 0 ? h('p', {}, t('excl.none')) :
      pagedTable({
        id: 'exclusions', caption: t('excl.title'), rows: ex, searchKey: e => `${e.uscc}\n${e.reason}`, words: 'excl', params: EXCLUSION_PARAMS,
        perPage: EXCLUSIONS_PER_PAGE, search: ex.length > EXCLUSIONS_PER_PAGE, // a short list needs no search box
        head: [t('excl.uscc'), t('excl.reason'), t('excl.entry')],
        cells: e => [{ th: true, value: h('a', { href: `/enterprises/${encodeURIComponent(e.uscc)}` }, code(e.uscc, { class: 'uscc' })) },
          e.reason, e.entry ? h('a', { href: `/draws/${encodeURIComponent(e.entry)}` }, code(e.entry.slice(0, 16) + '…', { title: e.entry })) : t('excl.cap')],
        tableOptions: { id: 'exclusions-table', cls: 'wide', hideCaption: true },
      }));
}

function checkpointSection(d) {
  const receipt = d.receipt_url || `/api/draws/${encodeURIComponent(d.id)}/receipt`;
  return section('checkpoint', t('cp.title'),
    h('p', { class: 'muted' }, t('cp.intro')),
    h('pre', { class: 'note', tabindex: '0', 'aria-label': t('cp.title') }, d.checkpoint || ''),
    h('ul', { class: 'links' },
      h('li', {}, h('a', { class: 'button button-secondary', href: receipt, download: `${d.id.slice(0, 16)}.tlog-proof` }, t('cp.receipt'), ' ↓')),
      h('li', {}, h('a', { class: 'button button-secondary', href: '/api/log.pub' }, t('cp.key')))));
}

// A sealed (embargoed) draw: the list and teams stay unpublished until its
// date; the log shows only the document's digest and each class's counts.
function sealedNotice(sealed) {
  const rows = (sealed.strata || []).map(s => [s.class === FEEDBACK_CLASS ? t('strata.feedback') : s.class, num(s.population), num(s.excluded), num(s.eligible), num(s.sample_size)]);
  return h('div', { class: 'sealed' },
    notice('info', sealedText(sealed), null),
    table(t('strata.title'), [t('strata.class'), t('strata.population'), t('strata.excluded'), t('strata.eligible'), t('strata.sample')], rows, { id: 'sealed-strata' }),
    h('p', { class: 'muted' }, 'SHA-256: ', code(sealed.digest)));
}

export function render(d) {
  return h('article', { class: 'draw' },
    header(d),
    contents(d),
    d.sealed ? sealedNotice(d.sealed) : d.draw ? null : notice('warn', t('draw.failure'), d.failure || ''),
    d.sealed ? null : verifyPanel(),
    planSection(d),
    commitmentSection(d),
    snapshotsSection(d),
    strataSection(d),
    feedbackSection(d, feedbackDates),
    targetsSection(d),
    replacementsSection(d),
    exclusionsSection(d),
    checkpointSection(d));
}

export function mounted(d, { query }) {
  scrollToListInUrl([['targets', TARGET_PARAMS], ['exclusions', EXCLUSION_PARAMS]]);
  updateVerifyPanel();
  if (d.draw && !d.sealed && verifyState.status === null) warmVerifier(d);
  if (query.get('verify') === '1' && verifyState.status === null) startVerify();
}

// ─── verification ───────────────────────────────────────────────────────────

// The verifier, made ready while the visitor reads the page: once the page
// is idle, its Worker loads its 50 modules and this page loads
// web/verdict.js with the BLS and Ed25519 libraries. Started on the click,
// they took 0.45–0.5 s (side by side) before the first download could
// begin, whatever the draw's size; now a click finds them loaded. What it
// costs a visitor who never clicks: about 0.5 MB of modules fetched, and an
// idle Worker (the page's memory before the click, at 10^6 firms: 262 MiB
// before, 261–265 after).
let warmed = null; // {id, worker} for the draw on the page

function warmVerifier(d) {
  if (warmed && warmed.id === d.id) return; // (mounted again: the language changed)
  left();
  const w = warmed = { id: d.id, worker: null };
  whenIdle(() => {
    if (warmed !== w) return; // the visitor left, or pressed the button first
    w.worker = startRecomputeWorker();
    import('./verdict.js').catch(() => {}); // (a failure is the click's to report: it imports it again)
  });
}

/** The warmed Worker for this draw, taken (null when there is none yet). */
function takeWarmed(d) {
  const w = warmed && warmed.id === d.id ? warmed : null;
  warmed = null;
  return w ? w.worker : null;
}

/** web/app.js calls this when the page shows something else: the unused Worker is stopped. */
export function left() {
  if (warmed && warmed.worker) warmed.worker.release();
  warmed = null;
}

const whenIdle = f => (typeof requestIdleCallback === 'function' ? requestIdleCallback(f, { timeout: 1000 }) : setTimeout(f, 100));

async function startVerify() {
  if (verifyState.status === 'pending' || !detailRef) return;
  verifyState = { status: 'pending', stage: null };
  updateVerifyPanel();
  const detail = detailRef;
  // the recomputation's Worker: warmed already, or loading its modules meanwhile
  const worker = takeWarmed(detail) || startRecomputeWorker();
  try {
    // (loaded already when the page was idle: see warmVerifier)
    const { verifyDrawVerdict } = await import('./verdict.js');
    const result = await verifyDrawVerdict(detail, { getBytes, getJson, getText }, {
      onProgress: (stage, info) => { verifyState.stage = { stage, info }; updateVerifyPanel(); },
      worker,
    });
    if (detail !== detailRef) return; // the page changed meanwhile
    verifyState = { status: result.status, result, detail };
  } catch (e) {
    verifyState = { status: 'error', message: e && e.message ? e.message : String(e) };
    console.warn('verification failed:', e); // details for developers; the page shows the message
  } finally {
    if (worker) worker.release(); // (verdict.js could not load)
  }
  updateVerifyPanel();
}

/** One line of the "details" list: the recomputation's own checks (web/logged.js). */
function detailCheckText(c) {
  const registry = c.registry ? t(`reg.${c.registry}`) : '';
  if (c.id === 'snapshot') return c.ok ? t('check.snapshot', { registry, count: num(c.count) }) : t('check.snapshot.bad', { registry, root: c.root });
  if (c.id === 'blinded') return c.ok ? t('check.blinded', { registry, count: num(c.count) }) : t('check.blinded.bad', { registry, root: c.root });
  if (c.id === 'randomness') return t(`check.randomness.${c.kind}`) + (c.ok ? '' : t('check.failed'));
  return t(`check.${c.id}`) + (c.ok ? '' : t('check.failed'));
}

function showValue(v) {
  if (v === undefined) return '—';
  const s = JSON.stringify(v);
  return s.length > 160 ? s.slice(0, 157) + '…' : s;
}

const names = xs => xs.join('、');
const utc = secs => new Date(secs * 1000).toISOString().replace('.000Z', 'Z');

/** The sentence of one verdict check, in plain words. */
function verdictText(c, r) {
  if (c.id === 'recompute' && c.sealed) return t('verdict.sealed', { until: c.sealed.until });
  if (c.id === 'recompute' && c.protected) {
    if (c.state === 'na') return t('verdict.public.infeasible');
    if (c.state === 'ok') return t('verdict.public.ok');
    const problems = r.recomputed.problems.concat(r.recomputed.differences.map(x => `${x.path}: ${showValue(x.actual)} ≠ ${showValue(x.expected)}`));
    return t('verdict.public.bad', { n: num(problems.length), problem: problems.slice(0, 3).join('; ') });
  }
  if (c.id === 'recompute') {
    if (c.state === 'ok') return t(c.infeasible ? 'verdict.recompute.ok.infeasible' : 'verdict.recompute.ok');
    if (r.recomputed.checks.some(x => x.id === 'snapshot' && !x.ok)) return t('verdict.recompute.snapshot');
    return t('verdict.recompute.bad', { n: num(r.recomputed.differences.length) });
  }
  if (c.id === 'beacon') {
    if (c.kind === 'ceremony') return t('verdict.beacon.ceremony', { names: names(c.witnesses) });
    if (c.kind === 'drand') return t(c.state === 'ok' ? 'verdict.beacon.ok' : `verdict.beacon.bad.${c.problem}`, { round: num(c.round) });
    return t('verdict.beacon.unknown');
  }
  if (c.id === 'witnessed') {
    const when = t(c.kind === 'ceremony' ? 'verdict.when.ceremony' : 'verdict.when.drand');
    const params = { k: num(c.cosigners.length), quorum: num(c.quorum), n: num(c.witnesses.length), names: names(c.cosigners.map(x => x.name)), when };
    if (c.state === 'ok') return t('verdict.witnessed.ok', params);
    if (c.state === 'bad' && c.problems.length) return t('verdict.witnessed.invalid', { problem: c.problems.join('; ') });
    return t(`verdict.witnessed.${c.witness}`, params); // short, unwitnessed, unavailable
  }
  if (c.id === 'inclusion') {
    return c.state === 'ok' ? t('verdict.inclusion.ok', { index: num(c.index), size: num(c.size) }) : t('verdict.inclusion.bad', { problem: c.problem });
  }
  return c.id;
}

const MARK = { ok: '✓', bad: '✗', na: '—' };

/** The plain-words summary that comes first. */
function summaryText(r) {
  const by = Object.fromEntries(r.checks.map(c => [c.id, c]));
  if (r.status === 'mismatch') {
    const failed = r.checks.filter(c => c.state === 'bad').map(c => t(`verdict.name.${c.id}`));
    return t('verdict.summary.bad', { failed: failed.join(t('verdict.and')) });
  }
  const infeasible = by.recompute.infeasible ? '.infeasible' : '';
  const base = by.beacon.kind === 'ceremony'
    ? t(`verdict.summary.ceremony${infeasible}`, { names: names(by.beacon.witnesses) })
    : t(`verdict.summary.drand${infeasible}`, { round: num(by.beacon.round) });
  if (r.status === 'verified') return t('verdict.summary.verified', { base });
  const missing = r.checks.filter(c => c.state === 'na').map(c => t(`verdict.missing.${c.id}`));
  return t('verdict.summary.partial', { base, missing: missing.join(t('verdict.and')) });
}

/** Tickets, roots, signatures: behind a <details> toggle. */
function technicalDetails(r, d) {
  const by = Object.fromEntries(r.checks.map(c => [c.id, c]));
  const b = (d.beacon && d.beacon.beacon) || {};
  const w = by.witnessed;
  return h('details', { class: 'verify-more', id: 'verify-technical' },
    h('summary', {}, t('verdict.details')),
    dl([
      [t('commit.id'), code(d.beacon.commitment || '')],
      b.type === 'drand' ? [t('verdict.d.signature'), code(b.signature || '')] : null,
      b.type === 'ceremony' ? [t('beacon.digits'), code(b.digits || '')] : null,
      [t('beacon.randomness'), code(d.beacon.randomness || '')],
      [t('beacon.seed'), code(d.beacon.seed || '')],
      by.inclusion.state === 'ok' ? [t('verdict.d.inclusion'), t('verdict.d.inclusion.v', { index: num(by.inclusion.index), size: num(by.inclusion.size) })] : null,
      w.cosigners.length ? [t('verdict.d.cosigners'), w.cosigners.map(x => `${x.name} (${utc(x.time)})`).join('、')] : null,
      w.reveal ? [t('verdict.d.reveal'), w.reveal.ok ? t('verdict.d.reveal.ok', { names: names(w.reveal.cosigners) }) : t('verdict.d.reveal.no')] : null,
    ]),
    h('h3', {}, t('verify.checks')),
    h('ul', { class: 'checks' }, r.recomputed.checks.map(c => h('li', { class: c.ok ? 'check-ok' : 'check-bad' }, c.ok ? '✓ ' : '✗ ', detailCheckText(c)))));
}

/** Redraw the verification outcome from verifyState (called on every change). */
function updateVerifyPanel() {
  const status = document.getElementById('verify-status');
  const stage = document.getElementById('verify-stage');
  const details = document.getElementById('verify-details');
  const button = document.getElementById('verify-button');
  if (!status) return;
  const v = verifyState;
  if (v.status === null) {
    status.removeAttribute('data-verify-status');
    return;
  }
  status.setAttribute('data-verify-status', v.status);
  button.setAttribute('aria-disabled', v.status === 'pending' ? 'true' : 'false');
  details.replaceChildren();
  stage.textContent = '';
  if (v.status === 'pending') {
    status.replaceChildren(h('p', { class: 'verify-text' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('verify.pending')));
    stage.replaceChildren(...progressView(v.stage));
    return;
  }
  if (v.status === 'error') {
    status.replaceChildren(h('p', { class: 'verify-text' }, t('verify.error', { message: v.message })));
    return;
  }
  const r = v.result;
  status.replaceChildren(h('p', { class: 'verify-text' }, summaryText(r)));
  details.append(h('ul', { class: 'verdict', id: 'verify-verdict' }, r.checks.map(c =>
    h('li', { class: `verdict-${c.state}`, 'data-check': c.id, 'data-state': c.state },
      h('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, MARK[c.state]), ' ',
      h('span', { class: 'sr-only' }, t(`verdict.state.${c.state}`)),
      verdictText(c, r)))));
  const recompute = r.checks.find(c => c.id === 'recompute');
  const where = whereText(recompute);
  if (where) {
    const attrs = { id: 'verify-where', class: 'muted', 'data-ran-in': recompute.ranIn };
    if (recompute.workers) attrs['data-workers'] = JSON.stringify(recompute.workers); // (tests: what the Worker did)
    details.append(h('p', attrs, where));
  }
  const diffs = r.recomputed.differences;
  if (diffs.length) {
    const shown = diffs.slice(0, MAX_LISTED_DIFFERENCES);
    details.append(table(t('verify.diff.head'), [t('verify.diff.path'), t('verify.diff.expected'), t('verify.diff.actual')],
      shown.map(x => [{ th: true, value: code(x.path, { class: 'diff-path' }) }, code(showValue(x.expected)), code(showValue(x.actual))]),
      { id: 'verify-diff', cls: 'wide diff' }));
    if (diffs.length > shown.length) details.append(h('p', {}, t('verify.more', { n: diffs.length - shown.length })));
  }
  details.append(technicalDetails(r, v.detail));
}
