// view-review.js — `/review`: the staff's review desk (录入 → 审核 → 公示,
// LOG-FORMAT "Accounts and roles"). A recorder or reviewer signs in with the
// token `fairdraw user add` printed; the page lists the results waiting for
// review (待审核) and the returned ones (退回) of the account's department
// with their 20-working-day clock (GET /api/results?pending=true), lets a
// reviewer publish one or return it with a reason
// (POST /api/results/{id}/amend), and a recorder record one
// (review-form.js). The server decides who may do what (four eyes,
// departments): the page shows its refusal word for word.
//
// The token is kept in sessionStorage only — it goes when the tab closes,
// and never reaches localStorage, a cookie or the address.

import { t, term } from './i18n.js';
import { h, clear, code, num, notice } from './dom.js';
import { staffJson, ApiError } from './api.js';
import { outcomeCell, deadlineCell, leftCell } from './view-results.js';
import { recordForm } from './review-form.js';

const TOKEN_KEY = 'fairdraw.staff-token';

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

function errorText(e) {
  if (e instanceof ApiError) return t('rev.error', { status: e.status, message: e.message });
  return String(e && e.message ? e.message : e);
}

async function fetchList(token) {
  try {
    return { list: await staffJson('/api/results?pending=true', token) };
  } catch (e) {
    return { error: e };
  }
}

export async function load() {
  const token = storedToken();
  return token ? { token, ...(await fetchList(token)) } : { token: null };
}

export function title() {
  return t('rev.title');
}

function signInForm() {
  return h('form', {
    class: 'lookup', id: 'staff-signin',
    onsubmit: ev => {
      ev.preventDefault();
      const value = ev.target.querySelector('#staff-token').value.trim();
      if (!value) return;
      try { sessionStorage.setItem(TOKEN_KEY, value); } catch { /* private mode: this visit only */ }
      location.reload();
    },
  },
  h('label', { for: 'staff-token' }, t('rev.token.label')),
  h('div', { class: 'field-row' },
    h('input', { id: 'staff-token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true }),
    h('button', { type: 'submit', class: 'button button-primary' }, t('rev.signin'))));
}

function signOut() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
  location.reload();
}

function stateWithReturns(r) {
  const returned = r.state === '退回';
  return h('div', {},
    h('span', { class: `state state-${returned ? 'returned' : 'review'}` }, term(r.state)),
    (r.returns || []).length ? h('ul', { class: 'plain returns', 'aria-label': t('rev.returns') },
      r.returns.map(x => h('li', { class: 'muted' },
        h('time', { datetime: x.time }, String(x.time).slice(0, 10)), ' ', x.by, t('colon'),
        h('span', { lang: 'zh-CN' }, x.reason)))) : null);
}

/** Publish and return buttons; the server's answer (or refusal) goes to `say`. */
function actions(r, token, say, refresh) {
  const reasonId = `reason-${r.id}`;
  const send = async body => {
    say('info', t('rev.sending'));
    try {
      const done = await staffJson(`/api/results/${encodeURIComponent(r.id)}/amend`, token, body);
      say('ok', body.state === '已公示' ? t('rev.done.published', { id: done.id || '' }) : t('rev.done.returned'));
      await refresh();
    } catch (e) {
      say('error', errorText(e));
    }
  };
  if (r.state !== '待审核') return h('span', { class: 'muted' }, t('rev.awaits.recorder'));
  return h('div', { class: 'review-actions' },
    h('button', { type: 'button', class: 'button button-primary', 'data-action': 'publish',
      onclick: () => send({ state: '已公示', reason: '审核通过' }) }, t('rev.publish')),
    h('label', { for: reasonId }, t('rev.reason.label')),
    h('input', { id: reasonId, type: 'text', class: 'reason', maxlength: '2000' }),
    h('button', { type: 'button', class: 'button', 'data-action': 'return',
      onclick: () => {
        const reason = document.getElementById(reasonId).value.trim();
        if (!reason) { say('error', t('rev.reason.missing')); return; }
        send({ state: '退回', reason });
      } }, t('rev.return')));
}

function listView(data) {
  const box = h('div', { id: 'review-list' });
  const message = h('div', { id: 'review-message', role: 'status', 'aria-live': 'polite' });
  const say = (kind, text) => {
    clear(message).append(notice(kind, null, text));
  };
  const fill = d => {
    clear(box);
    if (d.error) {
      box.append(notice('error', null, errorText(d.error)));
      return;
    }
    const results = d.list.results || [];
    const returned = results.filter(r => r.state === '退回').length;
    if (!results.length) {
      box.append(h('p', {}, t('rev.none')));
      return;
    }
    box.append(
      h('p', {}, t('rev.count', { waiting: num(results.length - returned), returned: num(returned) }),
        d.list.today ? [' ', t('res.today', { today: d.list.today })] : null),
      h('ul', { class: 'review-items plain' }, results.map(r => h('li', {
        class: `review-item${r.overdue ? ' row-overdue' : ''}`, 'data-id': r.id, 'data-state': r.state },
      h('h2', { class: 'review-firm' }, r.name ? h('span', { lang: 'zh-CN' }, r.name) : null, ' ', code(r.uscc, { class: 'uscc' })),
      h('dl', { class: 'facts' },
        h('div', {}, h('dt', {}, t('res.category')), h('dd', {}, outcomeCell(r))),
        h('div', {}, h('dt', {}, t('res.date')), h('dd', {}, h('time', { datetime: r.inspection_date }, r.inspection_date))),
        h('div', {}, h('dt', {}, t('res.state')), h('dd', {}, stateWithReturns(r))),
        h('div', {}, h('dt', {}, t('rev.recorded_by')), h('dd', {}, r.recorded_by || '—')),
        h('div', {}, h('dt', {}, t('res.deadline')), h('dd', { class: 'review-deadline' }, deadlineCell(r), ' · ', leftCell(r)))),
      actions(r, d.token, say, refresh)))));
  };
  // The view's data object is the page's: a language switch re-renders it,
  // so it must hold the list as it now stands.
  const refresh = async () => {
    const fresh = await fetchList(data.token);
    delete data.error;
    delete data.list;
    fill(Object.assign(data, fresh));
  };
  fill(data);
  return h('div', {}, message, box, recordForm(data.token, say, refresh));
}

export function render(data) {
  const parts = [h('h1', {}, t('rev.title')), h('p', { class: 'lead' }, t('rev.intro'))];
  if (!data.token) {
    parts.push(signInForm());
    return h('div', { class: 'review' }, parts);
  }
  const name = data.token.split('.')[0];
  parts.push(h('p', { class: 'signed-in' }, t('rev.as', { name }), ' ',
    h('button', { type: 'button', class: 'button', id: 'staff-signout', onclick: signOut }, t('rev.signout'))));
  parts.push(listView(data));
  return h('div', { class: 'review' }, parts);
}
