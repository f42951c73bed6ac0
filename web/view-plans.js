// view-plans.js — `/plans` (also `#/plans`): the annual plans (年度抽查计划)
// logged before their batches, each batch with its window and the draws made
// for it, and the visits: targets of several departments' batches merged
// into one joint visit (进一次门、查多项事; audit/LOG-FORMAT.md "Annual plans
// and batches", "Joint visits").

import { t } from './i18n.js';
import { h, table, code, num, notice, section, time } from './dom.js';
import { api } from './api.js';

export async function load() {
  const [plans, visits] = await Promise.all([api.plans(), api.visits()]);
  return { plans: plans.plans || [], visits };
}

export function title() {
  return t('plans.title');
}

const ratioText = r => ['A', 'B', 'C', 'D'].map(c => `${c} ${r[c]}`).join(' · ');

function statusCell(b) {
  if (!b.commitments.length) return h('span', { class: 'muted' }, t('plans.status.none'));
  return h('ul', { class: 'link-list' }, b.commitments.map(c => h('li', {},
    c.draw ? h('a', { href: `/draws/${encodeURIComponent(c.draw)}`, lang: 'zh-CN' }, c.name) : h('span', { lang: 'zh-CN' }, c.name),
    ' — ', t(`plans.status.${c.status}`))));
}

function planSection(p, i) {
  return section(`plan-${i}`, h('span', { lang: 'zh-CN' }, p.name),
    h('p', {}, t('plans.meta', { year: p.year, batches: num(p.batches.length) }), ' ', t('plans.logged'), ' ', time(p.time),
      p.by ? [' · ', t('plans.by'), t('colon'), p.by] : null),
    h('p', {}, t('plans.departments'), t('colon'), h('span', { lang: 'zh-CN' }, p.departments.join('、'))),
    h('p', {}, t('plans.digest'), t('colon'), code(p.digest)),
    table(t('plans.batches'),
      [t('plans.batch'), t('plans.department'), t('plans.window'), t('plans.items'), t('plans.ratios'), t('plans.draws')],
      p.batches.map(b => ({
        cells: [
          // an off-site batch (LOG-FORMAT "Annual plans and batches": `method`, absent on site)
          { th: true, value: h('span', {}, h('span', { lang: 'zh-CN' }, b.name), b.method ? [h('br'), h('span', { class: 'muted batch-method' }, t(`method.${b.method}`))] : null) },
          h('span', { lang: 'zh-CN' }, b.department),
          h('span', {}, h('time', { datetime: b.start }, b.start), ' – ', h('time', { datetime: b.end }, b.end)),
          h('span', { lang: 'zh-CN' }, b.items.join('、')),
          ratioText(b.ratios),
          statusCell(b),
        ],
      })), { id: `plan-${i}-batches`, cls: 'wide' }));
}

function visitsSection(v) {
  const joint = v.visits.filter(x => x.departments.length >= 2);
  return section('visits', t('plans.visits'),
    h('p', {}, t('plans.visits.rate', { visits: num(v.visits.length), joint: num(v.joint) }), ' ', code(v.rate)),
    joint.length === 0 ? h('p', {}, t('plans.visits.none')) : table(t('plans.visits.joint'),
      [t('plans.visit.firm'), t('plans.window'), t('plans.visit.lead'), t('plans.visit.departments'), t('plans.items'), t('plans.visit.team')],
      joint.map(x => ({
        cells: [
          { th: true, value: h('a', { href: `/enterprises/${encodeURIComponent(x.uscc)}` }, code(x.uscc, { class: 'uscc' })) },
          x.window ? `${x.window[0]} – ${x.window[1]}` : '—',
          h('span', { lang: 'zh-CN' }, x.lead),
          h('span', { lang: 'zh-CN' }, x.departments.join('、')),
          h('span', { lang: 'zh-CN' }, x.items.join('、')),
          x.team.map(id => code(id)),
        ],
      })), { id: 'visits-table', cls: 'wide' }));
}

export function render(data) {
  const parts = [h('h1', {}, t('plans.title')), h('p', { class: 'lead' }, t('plans.intro'))];
  if (data.plans.length === 0) parts.push(notice('info', null, t('plans.none')));
  data.plans.forEach((p, i) => parts.push(planSection(p, i)));
  parts.push(visitsSection(data.visits));
  return h('div', {}, parts);
}
