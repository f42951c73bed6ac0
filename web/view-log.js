// view-log.js — `#/log` and `#/log?url=URL`: "核验公开日志 / verify a
// published log" (audit/LOG-FORMAT.md "The page on a static host"). Reads a
// static mirror of the log — by default the one beside this page, so a
// mirror published with the page is a complete site with no server — with
// web/verify/static-log.js, the same code as `node web/verify.js log URL`,
// shows progress, then the verdict in plain words and every report line.

import { t } from './i18n.js';
import { h, clear, num, code } from './dom.js';

let run = null; // the verification of one URL: {url, status: 'checking' | 'verified' | 'tampered' | 'error', progress, result, message}

/** The log this view reads: `?url=` of the hash, else the page's own directory. */
function target(params) {
  return params.url || new URL('.', location.href).href;
}

export async function load(params) {
  return { url: target(params) };
}

export function title() {
  return t('log.title');
}

function paint() {
  const box = document.getElementById('log-result');
  if (box) clear(box).append(resultView());
}

async function start(url) {
  run = { url, status: 'checking', progress: null };
  paint();
  const mine = run;
  try {
    await import('./note.js'); // Ed25519 by noble where WebCrypto has none
    const { verifyMirror } = await import('./verify/static-log.js');
    const result = await verifyMirror(url, {
      fetch: u => fetch(u, { cache: 'no-cache' }),
      onProgress: (p) => { mine.progress = p; if (run === mine) paint(); },
    });
    Object.assign(mine, { status: result.code === 0 ? 'verified' : 'tampered', result });
  } catch (e) {
    Object.assign(mine, { status: 'error', message: String(e && e.message ? e.message : e) });
  }
  if (run === mine) paint();
}

export function mounted(data) {
  if (!run || run.url !== data.url) start(data.url);
  else paint(); // a language switch: the same run, drawn again
}

function progressView(p) {
  if (!p) return h('p', { class: 'muted' }, t('log.checking'));
  const what = t(`log.progress.${p.phase}`, { done: num(p.done), total: num(p.total) });
  return h('div', {},
    h('label', { for: 'log-progress' }, what),
    h('progress', { id: 'log-progress', max: String(Math.max(p.total, 1)), value: String(p.done) }));
}

function reportView(lines, open) {
  return h('details', { class: 'proof', id: 'log-report', open },
    h('summary', {}, t('log.report', { n: num(lines.length) })),
    h('pre', { class: 'note' }, lines.join('\n')));
}

function resultView() {
  const r = run;
  if (!r) return [];
  // data-log-url says which address this verdict is for: a new address
  // replaces the old verdict only once its own run has started.
  if (r.status === 'checking') return h('div', { 'data-log-status': 'checking', 'data-log-url': r.url, role: 'status' }, t('log.checking.url'), ' ', code(r.url), progressView(r.progress));
  if (r.status === 'error') {
    return h('div', { class: 'notice notice-error', role: 'alert', 'data-log-status': 'error', 'data-log-url': r.url },
      h('p', { class: 'notice-title' }, t('log.error')), h('p', {}, r.message), h('p', {}, t('log.error.hint')));
  }
  const res = r.result;
  const notes = res.lines.filter(l => l.startsWith('note: ')).length;
  if (r.status === 'verified') {
    return h('div', { 'data-log-status': 'verified', 'data-log-url': r.url },
      h('div', { class: 'notice notice-ok', role: 'status' },
        h('p', { class: 'notice-title', id: 'log-verdict' }, t('log.verified', { entries: num(res.size), draws: num(res.draws.length) })),
        h('p', {}, t('log.verified.text')),
        notes ? h('p', {}, t('log.notes', { n: num(notes) })) : null),
      reportView(res.lines, false));
  }
  // problem lines, and the draws whose replay differs (LOG-FORMAT check 10: `DIFF <id> …`)
  const problems = res.lines.filter(l => l.startsWith('problem: ') || l.startsWith('DIFF '))
    .map(l => (l.startsWith('problem: ') ? l.slice('problem: '.length) : l));
  return h('div', { 'data-log-status': 'tampered', 'data-log-url': r.url },
    h('div', { class: 'notice notice-error', role: 'alert' },
      h('p', { class: 'notice-title', id: 'log-verdict' }, t('log.tampered', { n: num(res.problems) })),
      h('p', {}, t('log.tampered.text')),
      h('ul', { class: 'log-problems' }, problems.slice(0, 20).map(p => h('li', {}, p))),
      problems.length > 20 ? h('p', {}, t('log.more', { n: num(problems.length - 20) })) : null),
    reportView(res.lines, true));
}

function onSubmit(ev) {
  ev.preventDefault();
  const value = ev.target.elements['log-url'].value.trim();
  if (!value) return;
  const hash = `#/log?url=${encodeURIComponent(value)}`;
  if (location.hash === hash) start(value); // the same address again: check again
  else location.hash = hash; // app.js routes the new address
}

export function render(data) {
  return h('div', {},
    h('h1', {}, t('log.title')),
    h('p', { class: 'lead' }, t('log.intro')),
    h('form', { class: 'lookup', onsubmit: onSubmit },
      h('label', { for: 'log-url' }, t('log.url.label')),
      h('div', { class: 'field-row' },
        h('input', { id: 'log-url', name: 'log-url', type: 'url', autocomplete: 'off', spellcheck: 'false', required: true, value: data.url }),
        h('button', { type: 'submit', class: 'button button-primary' }, t('log.url.submit')))),
    h('div', { id: 'log-result', 'aria-live': 'polite' }, resultView()));
}
