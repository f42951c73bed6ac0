// review-form.js — the recorder's form on the review desk (view-review.js):
// one result in the official model (audit/SPEC.md §12, LOG-FORMAT "Results
// v2"), per item of the draw's plan and per department, with one or more
// codes, findings, the method and the inspection date, sent as
// POST /api/results. The page offers the draw's own targets, items and
// departments; the server checks every rule (code combinations, dates,
// roles) and its refusal is shown word for word.

import { t } from './i18n.js';
import { h, append } from './dom.js';
import { getJson, staffJson, ApiError } from './api.js';

/** SPEC §12's codes in table order, with the official words. */
export const CODES = [
  ['1', '未发现问题'], ['A', '发现问题待后续处理'], ['B', '未按规定公示应当公示的信息'],
  ['C', '公示信息隐瞒真实情况、弄虚作假'], ['D', '违反其他法律法规规定'], ['G', '发现问题移送其他部门处理'],
  ['E', '发现问题经责令已改正'], ['F', '未发现开展本次抽查涉及的经营活动'], ['6', '通过登记的住所（经营场所）无法联系'],
  ['7', '已关闭停业或正在组织清算'], ['8', '不配合检查情节严重'], ['9', '注销'], ['10', '吊销'], ['11', '撤销'], ['12', '迁出'],
];
const METHODS = ['on_site', 'desk', 'online', 'data'];

/** The draw's items and departments from its committed plan. */
function planParts(detail) {
  const plan = (detail.commitment && detail.commitment.plan) || {};
  const items = (plan.items || []).map(i => i.item).filter(Boolean);
  const team = (plan.team && plan.team.departments) || [];
  const departments = team.length ? team : plan.department ? [plan.department] : [];
  return { items: items.length ? items : ['双随机抽查'], departments, method: plan.method || 'on_site' };
}

function itemFieldset(item, k, departments) {
  return h('fieldset', { class: 'result-item', 'data-item': item },
    h('legend', { lang: 'zh-CN' }, item),
    h('label', { for: `dept-${k}` }, t('form.department')),
    h('select', { id: `dept-${k}`, class: 'department' }, departments.map(d => h('option', { value: d }, d))),
    h('div', { class: 'codes', role: 'group', 'aria-label': t('form.codes') },
      CODES.map(([c, words]) => h('label', { class: 'code-choice' },
        h('input', { type: 'checkbox', value: c, 'data-code': c }), ' ', h('strong', {}, c), ' ', h('span', { lang: 'zh-CN' }, words)))),
    h('label', { for: `findings-${k}` }, t('form.findings')),
    h('textarea', { id: `findings-${k}`, class: 'findings', rows: '2', maxlength: '2000' }));
}

/** The body of POST /api/results from the filled form. */
function bodyOf(form, draw) {
  return {
    draw,
    uscc: form.querySelector('#form-target').value,
    format: 2,
    inspection_date: form.querySelector('#form-date').value,
    method: form.querySelector('#form-method').value,
    items: [...form.querySelectorAll('.result-item')].map(f => {
      return {
        item: f.dataset.item,
        department: f.querySelector('.department').value,
        codes: [...f.querySelectorAll('input[data-code]:checked')].map(x => x.value),
        findings: f.querySelector('.findings').value.trim(),
      };
    }),
  };
}

/** The form; `say(kind, text)` reports, `done()` reloads the list after a recording. */
export function recordForm(token, say, done) {
  const body = h('div', { id: 'form-body' });
  const pick = h('select', { id: 'form-draw' }, h('option', { value: '' }, t('form.draw.pick')));
  getJson('/api/draws?page=1&per_page=100').then(list => {
    for (const d of list.draws || []) if (d.outcome === 'drawn') pick.append(h('option', { value: d.id, lang: 'zh-CN' }, d.plan_name));
  }).catch(e => say('error', e.message));
  pick.addEventListener('change', async () => {
    body.replaceChildren();
    if (!pick.value) return;
    let detail;
    try { detail = await getJson(`/api/draws/${encodeURIComponent(pick.value)}`); } catch (e) { say('error', e.message); return; }
    const { items, departments, method } = planParts(detail);
    append(body, [
      h('label', { for: 'form-target' }, t('form.target')),
      h('select', { id: 'form-target' }, (detail.teams || []).map(tm => h('option', { value: tm.uscc }, `${tm.name}（${tm.uscc}）`))),
      h('label', { for: 'form-date' }, t('res.date')),
      h('input', { id: 'form-date', type: 'date', required: true }),
      h('label', { for: 'form-method' }, t('form.method')),
      h('select', { id: 'form-method' }, METHODS.map(m => h('option', { value: m, selected: m === method }, t(`form.method.${m}`)))),
      items.map((item, k) => itemFieldset(item, k, departments.length ? departments : [''])),
      h('button', { type: 'submit', class: 'button button-primary', id: 'form-submit' }, t('form.submit'))]);
  });
  return h('form', {
    id: 'record-form', class: 'record-form',
    onsubmit: async ev => {
      ev.preventDefault();
      if (!pick.value) return;
      say('info', t('rev.sending'));
      try {
        const r = await staffJson('/api/results', token, bodyOf(ev.target, pick.value));
        say('ok', t('form.done', { id: r.id }));
        pick.value = '';
        body.replaceChildren();
        await done();
      } catch (e) {
        say('error', e instanceof ApiError ? t('rev.error', { status: e.status, message: e.message }) : String(e));
      }
    },
  },
  h('h2', {}, t('form.title')),
  h('p', { class: 'muted' }, t('form.intro')),
  h('label', { for: 'form-draw' }, t('form.draw')),
  pick, body);
}
