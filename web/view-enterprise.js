// view-enterprise.js — `/enterprises` (the lookup form) and
// `/enterprises/{uscc}` ("why (not) me": per draw in scope or not, ticket vs
// cutoff, selected or not, and an inclusion proof checked in the browser; in
// a protected log, for a firm not selected: its ticket and each class's
// cutoff), the log's publication mode, and "check my firm's disclosure" (a
// file verified in the browser, web/disclosure-check.js).

import { t } from './i18n.js';
import { h, dl, code, notice, zh } from './dom.js';
import { api, ApiError } from './api.js';
import { verifyInclusion } from './proof.js';
import { publicationMode, publicationNotice } from './publication.js';
import { disclosureSection } from './disclosure-check.js';
import { firmSections } from './view-firm.js';

// Proof check outcomes by draw id (kept across re-renders): 'ok' | 'bad'
let proofState = new Map();

export async function load({ uscc }) {
  proofState = new Map();
  const publication = await publicationMode();
  if (!uscc) return { uscc: null, publication };
  try {
    return { uscc, publication, report: await api.enterprise(uscc) };
  } catch (e) {
    // 400 says why the USCC is invalid: show the server's text next to the form
    if (e instanceof ApiError && e.status === 400) return { uscc, publication, invalid: e.message };
    throw e;
  }
}

export function title(data) {
  return data.uscc ? `${data.uscc} · ${t('ent.title')}` : t('ent.title');
}

function form(data) {
  const errId = data.invalid ? 'uscc-error' : null;
  return h('form', { class: 'lookup', action: '/enterprises', method: 'get', role: 'search', onsubmit: onSubmit },
    h('label', { for: 'uscc-input' }, t('ent.label')),
    h('div', { class: 'field-row' },
      h('input', { id: 'uscc-input', name: 'uscc', type: 'text', inputmode: 'text', autocomplete: 'off', autocapitalize: 'characters',
        spellcheck: 'false', maxlength: '40', value: data.uscc || '', required: true,
        'aria-describedby': ['uscc-hint', errId].filter(Boolean).join(' '), 'aria-invalid': data.invalid ? 'true' : null }),
      h('button', { type: 'submit', class: 'button button-primary' }, t('ent.submit'))),
    h('p', { id: 'uscc-hint', class: 'hint' }, t('ent.hint')),
    data.invalid ? h('div', { id: 'uscc-error', class: 'notice notice-error', role: 'alert' },
      h('p', { class: 'notice-title' }, t('ent.invalid')), h('p', {}, data.invalid)) : null);
}

function onSubmit(ev) {
  ev.preventDefault();
  const v = ev.target.elements.uscc.value.trim().toUpperCase();
  if (v) location.assign(`/enterprises/${encodeURIComponent(v)}`);
}

const yesNo = b => (b ? t('yes') : t('no'));

function comparison(e) {
  if (!e.eligible || !e.ticket) return null;
  if (!e.cutoff) return t('ent.nocutoff');
  // Tickets compare as strings (SPEC §7): byte order equals numeric order.
  return e.ticket <= e.cutoff ? t('ent.le') : t('ent.gt');
}

function proofBlock(e) {
  const p = e.inclusion;
  if (!p) return null;
  const st = proofState.get(e.draw);
  return h('details', { class: 'proof' },
    h('summary', {}, t('ent.proof')),
    h('p', { class: `proof-status ${st === 'ok' ? 'text-ok' : st === 'bad' ? 'text-bad' : 'muted'}`, 'data-proof-status': st || 'pending' },
      st === 'ok' ? t('ent.proof.ok') : st === 'bad' ? t('ent.proof.bad') : t('ent.proof.checking')),
    dl([
      [t('ent.proof.root'), code(p.root)],
      [t('ent.proof.size'), String(p.size)],
      [t('ent.proof.index'), String(p.index)],
      [t('ent.proof.leaf'), code(p.leaf)],
    ]),
    h('p', {}, t('ent.proof.path')),
    p.proof.length ? h('ol', { class: 'proof-path' }, p.proof.map(x => h('li', {}, code(x)))) : h('p', {}, t('none')));
}

/** Each class's cutoff (protected log, firm not selected). */
function cutoffList(cutoffs) {
  return h('ul', { class: 'cutoffs' }, Object.entries(cutoffs).map(([cls, c]) =>
    h('li', {}, cls, t('colon'), c ? code(c, { class: 'hash ticket' }) : t('ent.nocutoff'))));
}

function drawCard(e) {
  const compare = comparison(e);
  return h('li', { class: `card ent-draw ${e.selected ? 'is-selected' : ''}` },
    h('h3', { class: 'card-title' }, h('a', { href: `/draws/${encodeURIComponent(e.draw)}`, lang: 'zh-CN' }, e.plan_name)),
    h('p', { class: 'flags' }, e.selected
      ? h('span', { class: 'badge badge-ok' }, t('ent.selected.yes'))
      : h('span', { class: 'badge badge-neutral' }, t('ent.selected.no'))),
    // A protected log says neither whether an unselected firm was in the
    // snapshot or eligible, nor its class: those rows are left out.
    dl([
      'in_snapshot' in e ? [t('ent.in_snapshot'), yesNo(e.in_snapshot)] : null,
      e.class ? [t('ent.class'), e.class] : null,
      'eligible' in e ? [t('ent.eligible'), yesNo(e.eligible)] : null,
      e.reason ? [t('ent.reason'), e.reason] : null,
      e.ticket ? [t('ent.ticket'), code(e.ticket, { class: 'hash ticket' })] : null,
      e.eligible ? [t('ent.cutoff'), e.cutoff ? code(e.cutoff, { class: 'hash ticket' }) : t('ent.nocutoff')] : null,
      !e.eligible && e.cutoffs ? [t('ent.cutoffs'), cutoffList(e.cutoffs)] : null,
      compare ? [t('ent.compare'), compare] : null,
    ]),
    e.explanation ? h('p', { class: 'explanation' }, h('strong', {}, t('ent.explanation'), t('colon')), e.explanation) : null,
    proofBlock(e));
}

export function render(data) {
  const parts = [h('h1', {}, t('ent.title')), h('p', { class: 'lead' }, t('ent.intro')), publicationNotice(data.publication), form(data)];
  const r = data.report;
  if (r) {
    parts.push(h('section', { class: 'ent-result', 'aria-labelledby': 'ent-result-h' },
      h('h2', { id: 'ent-result-h' }, t('ent.result', { uscc: r.uscc })),
      r.publication === 'protected' ? notice('info', null, t('ent.protected')) : null,
      r.name ? dl([[t('ent.name'), zh(r.name)]]) : null,
      firmSections(r),
      r.draws.length === 0 ? notice('info', null, t('ent.none'))
        : h('ol', { class: 'cards' }, r.draws.map(drawCard))));
  }
  parts.push(disclosureSection());
  return h('div', {}, parts);
}

export function mounted(data) {
  const r = data.report;
  if (!r) return;
  // Check every inclusion proof locally; redraw only the status lines.
  for (const e of r.draws) {
    if (!e.inclusion || proofState.has(e.draw)) continue;
    verifyInclusion(e.inclusion).then(ok => {
      proofState.set(e.draw, ok ? 'ok' : 'bad');
      const cards = document.querySelectorAll('.ent-draw');
      const i = r.draws.indexOf(e);
      const line = cards[i] && cards[i].querySelector('.proof-status');
      if (line) {
        line.textContent = ok ? t('ent.proof.ok') : t('ent.proof.bad');
        line.className = `proof-status ${ok ? 'text-ok' : 'text-bad'}`;
        line.dataset.proofStatus = ok ? 'ok' : 'bad';
      }
    });
  }
}
