// view-results.js — `/results?draw=ID`: the published (已公示) inspection
// results with their publication deadline (20 working days) and late flags,
// and the targets whose result is not published yet (results waiting for
// review are never public); without `draw`, a form and the recent draws.

import { t, term } from './i18n.js';
import { h, table, code, num, notice } from './dom.js';
import { api } from './api.js';

export async function load({ draw }) {
  if (!draw) {
    let recent = [];
    try { recent = (await api.draws(1, 10)).draws; } catch { /* the form still works */ }
    return { draw: null, recent };
  }
  // The plan name is a courtesy: results are shown even if the draw detail fails.
  const [list, detail] = await Promise.all([api.results(draw), api.draw(draw).catch(() => null)]);
  return { draw, list, detail };
}

export function title(data) {
  return data.detail ? `${data.detail.summary.plan_name} · ${t('res.title')}` : t('res.title');
}

function pickForm(data) {
  return h('div', {},
    h('form', { class: 'lookup', action: '/results', method: 'get' },
      h('label', { for: 'draw-input' }, t('res.pick.label')),
      h('div', { class: 'field-row' },
        h('input', { id: 'draw-input', name: 'draw', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true, value: data.draw || '' }),
        h('button', { type: 'submit', class: 'button button-primary' }, t('res.pick.submit')))),
    data.recent && data.recent.length ? [
      h('h2', {}, t('res.pick.recent')),
      h('ul', { class: 'link-list' }, data.recent.map(d => h('li', {}, h('a', { href: `/results?draw=${encodeURIComponent(d.id)}`, lang: 'zh-CN' }, d.plan_name)))),
    ] : null);
}

/** The deadline cell: date, or why it cannot be computed (calendar not yet published). */
export function deadlineCell(r) {
  if (r.deadline) return h('time', { datetime: r.deadline }, r.deadline);
  return h('span', { class: 'muted' }, t('res.nodeadline'), r.deadline_note ? [t('colon'), r.deadline_note] : null);
}

/** Working days left; overdue is marked with an icon and words, not colour alone. */
export function leftCell(r) {
  if (r.overdue && r.published_on) return h('strong', { class: 'overdue' }, t('res.late'));
  if (r.overdue) {
    const by = typeof r.working_days_left === 'number' && r.working_days_left < 0 ? -r.working_days_left : null;
    return h('strong', { class: 'overdue' }, by ? t('res.overdue.by', { n: by }) : t('res.overdue'));
  }
  if (r.state === '已公示') return h('span', { class: 'text-ok' }, '✓ ', t('res.ontime'));
  if (typeof r.working_days_left === 'number') return t('res.left.n', { n: r.working_days_left });
  return '—';
}

export function stateCell(r) {
  return h('span', {},
    h('span', { class: `state state-${r.state === '已公示' ? 'published' : 'review'}` }, term(r.state)),
    r.published_on ? [h('br'), h('span', { class: 'muted' }, t('res.published'), ' ', h('time', { datetime: r.published_on }, r.published_on))] : null,
    r.amendments && r.amendments.length ? [h('br'), h('span', { class: 'muted' }, t('res.amended', { n: r.amendments.length }))] : null);
}

/** Spec §12's method words as the official forms write them. */
const METHOD_NAMES = { on_site: '实地核查', desk: '书面核查', online: '网络监测', data: '信息共享' };

/**
 * The outcome cell. A v2 result (LOG-FORMAT "Results v2") lists, per item and
 * department, its codes with their words, marked when a problem was found; a
 * v1 result shows its category and findings as recorded.
 */
export function outcomeCell(r) {
  if (r.format !== 2 || !Array.isArray(r.items)) {
    return h('div', {}, term(r.category), r.findings ? [h('br'), h('span', { class: 'muted' }, t('res.findings'), t('colon'), h('span', { lang: 'zh-CN' }, r.findings))] : null);
  }
  return h('div', { 'data-format': '2' },
    r.found_problem ? h('span', { class: 'badge badge-bad' }, t('firm.problem')) : null,
    r.method ? h('span', { class: 'muted', lang: 'zh-CN' }, ' ', METHOD_NAMES[r.method] || r.method) : null,
    h('ul', { class: 'plain' }, r.items.map(item => h('li', { lang: 'zh-CN' },
      `${item.item} · ${item.department}：`,
      (item.codes || []).map((c, i) => h('span', { class: 'nowrap' }, i ? '；' : '', h('strong', {}, c), ' ', (item.texts || [])[i] || '')),
      item.findings ? [h('br'), h('span', { class: 'muted' }, item.findings)] : null))));
}

export function render(data) {
  const parts = [h('h1', {}, t('res.title')), h('p', { class: 'lead' }, t('res.intro'), ' ', t('res.review.note'))];
  if (!data.draw) {
    parts.push(pickForm(data));
    return h('div', {}, parts);
  }
  const { list, detail } = data;
  const name = detail ? detail.summary.plan_name : data.draw;
  parts.push(h('p', {}, t('res.for'), t('colon'), h('a', { href: `/draws/${encodeURIComponent(list.draw || data.draw)}`, lang: detail ? 'zh-CN' : null }, name)));
  const results = list.results || [];
  const overdue = results.filter(r => r.overdue).length;
  if (results.length === 0) parts.push(notice('info', null, t('res.none')));
  else {
    parts.push(h('p', {}, t('res.summary', { total: num(results.length), overdue: num(overdue) }),
      overdue ? [' ', t('res.overdue.note')] : null, list.today ? [' ', t('res.today', { today: list.today })] : null));
    parts.push(table(t('res.title'),
      [t('res.enterprise'), t('res.category'), t('res.date'), t('res.state'), t('res.deadline'), t('res.left')],
      results.map(r => ({
        attrs: { class: r.overdue ? 'row-overdue' : null },
        cells: [
          { th: true, value: h('div', {}, r.name ? h('a', { href: `/enterprises/${encodeURIComponent(r.uscc)}`, lang: 'zh-CN' }, r.name) : null, r.name ? h('br') : null, code(r.uscc, { class: 'uscc' })) },
          outcomeCell(r),
          h('time', { datetime: r.inspection_date }, r.inspection_date),
          stateCell(r),
          deadlineCell(r),
          leftCell(r),
        ],
      })), { id: 'results-table', cls: 'wide results', hideCaption: true }));
  }
  const pending = list.pending || [];
  parts.push(h('section', { 'aria-labelledby': 'pending-h' },
    h('h2', { id: 'pending-h' }, t('res.pending', { n: num(pending.length) })),
    pending.length === 0 ? h('p', {}, t('res.pending.none')) :
      h('ul', { class: 'pending-list' }, pending.map(p => h('li', {},
        h('a', { href: `/enterprises/${encodeURIComponent(p.uscc)}`, lang: 'zh-CN' }, p.name || p.uscc), ' ', code(p.uscc, { class: 'uscc' }))))));
  return h('div', {}, parts);
}
