// view-firm.js — the firm's side of `/enterprises/{uscc}` (LOG-FORMAT
// "Follow-ups", "Objections"): one sentence of plain words first, then the
// visits, the published results (v2 codes with their words; v1 as recorded),
// the follow-ups with their due dates (overdue in red) and the objections
// with their answers. Everything comes from GET /api/enterprises/{uscc}
// (src/server/firm.rs); a server without these fields shows nothing here.

import { t } from './i18n.js';
import { h, section, table, code, zh, notice } from './dom.js';

const short = id => (id ? `${id.slice(0, 12)}…` : '');
const link = (href, text) => h('a', { href }, text);

function codes(r) {
  if (!Array.isArray(r.items)) return zh(r.category || t('none'));
  return h('ul', { class: 'plain' }, r.items.map(item => h('li', {},
    zh(`${item.item} · ${item.department}：`),
    item.codes.map((c, i) => h('span', { class: 'nowrap' }, i ? '；' : '', h('strong', {}, c.code), ' ', zh(c.text))))));
}

function results(list) {
  if (!list.length) return notice('info', null, t('firm.results.none'));
  return table(t('firm.results'), [t('firm.result'), t('firm.inspected'), t('firm.published'), t('firm.codes')],
    list.map(r => ({
      attrs: { 'data-problem': String(Boolean(r.problem)) },
      cells: [link(`/results?draw=${encodeURIComponent(r.draw)}`, code(short(r.id))), r.inspection_date || '', r.published_on || '',
        h('div', {}, r.problem ? h('span', { class: 'badge badge-bad' }, t('firm.problem')) : null, codes(r))],
    })), { hideCaption: true, id: 'firm-results-table' });
}

function dueCell(f) {
  if (f.overdue) return h('span', { class: 'badge badge-bad', 'data-overdue': 'true' }, t('firm.overdue', { due: f.due }));
  if (f.open) return h('span', { 'data-overdue': 'false' }, t('firm.due', { due: f.due }));
  return h('span', {}, t('firm.closed', { on: f.closed.on }), f.closed.late ? h('span', { class: 'badge badge-warn' }, t('firm.late')) : null);
}

function followUps(list) {
  if (!list.length) return notice('info', null, t('firm.followups.none'));
  return table(t('firm.followups'), [t('firm.action'), t('firm.opened'), t('firm.due.h'), t('firm.outcome')],
    list.map(f => ({
      attrs: { 'data-follow-up': f.id },
      cells: [zh(f.label || f.action), f.opened_on, dueCell(f), f.closed ? zh(f.closed.outcome) : t('firm.open')],
    })), { hideCaption: true, id: 'firm-followups-table' });
}

function objections(list) {
  if (!list.length) return notice('info', null, t('firm.objections.none'));
  return h('ol', { class: 'cards' }, list.map(o => h('li', { class: 'card', 'data-objection': o.open ? 'open' : 'answered' },
    h('p', {}, h('strong', {}, t('firm.filed', { on: o.filed_on })), ' ', zh(o.text)),
    o.answer
      ? h('p', {}, h('span', { class: `badge ${o.answer.outcome === 'rejected' ? 'badge-neutral' : 'badge-ok'}` }, zh(o.answer.label)), ' ',
        t('firm.answered', { on: o.answer.on }), ' ', zh(o.answer.answer))
      : h('p', { class: 'muted' }, t('firm.awaiting')))));
}

/** The firm's sections, or nothing when the answer has none of them. */
export function firmSections(r) {
  if (!r || typeof r.summary !== 'string') return null;
  return h('div', { class: 'firm-side' },
    h('p', { class: 'lead', id: 'firm-summary' }, zh(r.summary)),
    section('firm-results', t('firm.results'), results(r.results || [])),
    section('firm-followups', t('firm.followups'), followUps(r.follow_ups || [])),
    section('firm-objections', t('firm.objections'), h('p', { class: 'hint' }, t('firm.objections.how')), objections(r.objections || [])));
}
