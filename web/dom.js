// dom.js — small helpers to build the page from data.
//
// Everything is created with DOM calls (textContent, setAttribute), never by
// assigning HTML strings: names, reasons and error texts come from registries
// and the server, and must not be able to inject markup.

import { t, lang } from './i18n.js';

/**
 * h('a', {href: '/x', class: 'c'}, 'text', childNode, [more], null)
 * Attributes: strings are set as attributes; `on*` functions become listeners;
 * `dataset` an object; boolean true sets an empty attribute, false/null skip.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A long hex or ticket value: monospace, breaks anywhere on narrow screens. */
export function code(text, extra = {}) {
  return h('code', { class: 'hash', ...extra }, text);
}

/** A definition list from [[term, value], ...]; value may be a node or text. */
export function dl(pairs, cls = 'facts') {
  return h('dl', { class: cls }, pairs.filter(Boolean).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

/**
 * A data table in a keyboard-scrollable region (wide tables scroll sideways on
 * phones instead of squeezing). head: [text, ...]; rows: [[cell, ...], ...];
 * a cell may be {th: true, value} for a row header; a row may be {attrs, cells}.
 */
export function table(caption, head, rows, { cls = '', id, hideCaption = false, stack = true } = {}) {
  const capId = id ? `${id}-caption` : undefined;
  // stack: on narrow screens (style.css) every row becomes a block of
  // "header: value" lines instead of scrolling sideways. CSS display changes
  // can make browsers drop table semantics, so the roles are stated explicitly,
  // and each cell's content sits in one element next to its ::before label.
  const r = role => (stack ? role : null);
  const cell = (tag, attrs, value, label) => (stack
    ? h(tag, { ...attrs, 'data-label': label }, h('div', { class: 'cell' }, value))
    : h(tag, attrs, value));
  // hideCaption: the caption repeats a visible heading; keep it for screen readers only
  const tbl = h('table', { class: `${cls}${stack ? ' stack' : ''}`, id, role: r('table') },
    h('caption', { id: capId, class: hideCaption ? 'sr-only' : null }, caption),
    h('thead', { role: r('rowgroup') }, h('tr', { role: r('row') }, head.map(x => h('th', { scope: 'col', role: r('columnheader') }, x)))),
    h('tbody', { role: r('rowgroup') }, rows.map(row => h('tr', { ...(row.attrs || {}), role: r('row') }, (row.cells || row).map((c, i) =>
      c && c.th ? cell('th', { scope: 'row', role: r('rowheader') }, c.value, head[i]) : cell('td', { role: r('cell') }, c, head[i]))))));
  // tabindex + role + label: keyboard users can scroll the region (WCAG 2.1.1)
  return h('div', { class: `table-wrap${cls.includes('narrow') ? ' table-wrap-narrow' : ''}`, role: 'region', tabindex: '0', 'aria-labelledby': capId || null, 'aria-label': capId ? null : caption }, tbl);
}

/** A section with an h2 and an id (for the in-page contents). */
export function section(id, title, ...children) {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...children);
}

const fmtCache = new Map();
function formatter() {
  // Times are shown in China Standard Time (the regulator's clock), with the
  // UTC value in the datetime attribute and the tooltip.
  if (!fmtCache.has('x')) {
    fmtCache.set('x', new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hour12: false,
    }));
  }
  return fmtCache.get('x');
}

/** <time> for an RFC 3339 timestamp, marked when written under a simulated clock. */
export function time(iso, simulated = false) {
  if (!iso) return t('none');
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : `${formatter().format(d)} ${t('time.zone')}`;
  const el = h('time', { datetime: iso, title: iso }, text);
  return simulated ? h('span', { class: 'nowrap' }, el, ' ', simBadge()) : el;
}

/**
 * Registry and plan data (names, reasons) are Chinese whatever the page
 * language: mark them so screen readers switch voice on the English page.
 */
export function zh(text) {
  return h('span', { lang: 'zh-CN' }, text);
}

export function simBadge() {
  return h('span', { class: 'badge badge-sim', title: t('simulated.title') }, t('simulated'));
}

/** Integer with thousands separators in the page's language. */
export function num(n) {
  return typeof n === 'number' ? n.toLocaleString(lang() === 'en' ? 'en' : 'zh-CN') : String(n ?? '');
}

/** Text for a beacon object (commitment beacon or summary beacon). */
export function beaconText(b) {
  if (!b) return t('none');
  if (b.type === 'drand') return t('beacon.drand', { chain: b.chain || 'quicknet', round: b.round });
  if (b.type === 'ceremony') return t('beacon.ceremony');
  return t('beacon.unknown', { type: b.type || '?' });
}

/** A message box; role=alert for errors so screen readers announce them. */
export function notice(kind, title, text) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : null },
    title ? h('p', { class: 'notice-title' }, title) : null,
    text ? h('p', {}, text) : null);
}
