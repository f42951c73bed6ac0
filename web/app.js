// app.js — the public page of fairdraw (双随机、一公开).
//
// The server returns index.html for every page path; this module picks the
// view from the path, loads its data from the public API and renders it.
// Navigation between views is ordinary links (full page loads): every view
// has a real URL that can be bookmarked, shared and opened with ?verify=1.
// Switching the language re-renders the current view from the data already
// loaded (and keeps a running verification).
// One view needs no server: `#/log` (web/view-log.js) verifies the static
// mirror of the log beside the page, so the page also works on a static host
// (where the API answers 404, the home page goes there).
//
// Views (web/view-*.js) export load(params) -> data, render(data) -> Node,
// title(data) -> string and optionally mounted(data, params).

import { t, lang, setLang, langTag } from './i18n.js';
import { h, clear, notice } from './dom.js';
import { ApiError } from './api.js';
import * as drawsView from './view-draws.js';
import * as drawView from './view-draw.js';
import * as entView from './view-enterprise.js';
import * as resView from './view-results.js';
import * as logView from './view-log.js';
import * as statsView from './view-stats.js';
import * as plansView from './view-plans.js';
import * as reviewView from './view-review.js';

const decode = s => { try { return decodeURIComponent(s); } catch { return s; } };

/** [path pattern, nav key, view, params from match + query] */
const ROUTES = [
  [/^\/(?:index\.html)?$/, 'draws', drawsView, (m, q) => ({
    page: Math.max(1, parseInt(q.get('page') || '1', 10) || 1),
    perPage: Math.min(100, Math.max(1, parseInt(q.get('per_page') || '0', 10) || 0)) || null,
  })],
  [/^\/draws\/([^/]+)\/?$/, 'draws', drawView, m => ({ id: decode(m[1]) })],
  [/^\/enterprises\/?$/, 'enterprises', entView, () => ({ uscc: null })],
  [/^\/enterprises\/([^/]+)\/?$/, 'enterprises', entView, m => ({ uscc: decode(m[1]) })],
  [/^\/results\/?$/, 'results', resView, (m, q) => ({ draw: q.get('draw') || null })],
  [/^\/plans\/?$/, 'plans', plansView, () => ({})],
  [/^\/review\/?$/, 'review', reviewView, () => ({})],
];

const state = { route: null, params: null, data: null, error: null, loading: true };

/** `#/log[?url=URL]`: the log view works on any static host, whatever the path (LOG-FORMAT "The page on a static host"). */
function matchHash() {
  const stats = /^#\/stats\/?(?:\?(.*))?$/s.exec(location.hash);
  if (stats) {
    const q = new URLSearchParams(stats[1] || '');
    return { nav: 'stats', view: statsView, params: { year: q.get('year') || null }, query: q };
  }
  if (/^#\/plans\/?$/.test(location.hash)) return { nav: 'plans', view: plansView, params: {}, query: new URLSearchParams() };
  const m = /^#\/log\/?(?:\?(.*))?$/s.exec(location.hash);
  if (!m) return null;
  const q = new URLSearchParams(m[1] || '');
  return { nav: 'log', view: logView, params: { url: q.get('url') || null }, query: q };
}

/** An API that is not there: a static host answers 404 (or 403, object stores) or its page instead of JSON. */
function noApi(e) {
  return (e instanceof ApiError && (e.status === 404 || e.status === 403)) || e instanceof SyntaxError;
}

/** The log view's address: this document when it is the page's root, else the site's root. */
function logHref() {
  return /\/(?:index\.html)?$/.test(location.pathname) ? '#/log' : '/#/log';
}

function match() {
  const byHash = matchHash();
  if (byHash) return byHash;
  const q = new URLSearchParams(location.search);
  // The lookup form's no-script fallback submits /enterprises?uscc=…
  if (location.pathname.replace(/\/$/, '') === '/enterprises' && q.get('uscc')) {
    return { nav: 'enterprises', view: entView, params: { uscc: q.get('uscc').trim().toUpperCase() }, query: q };
  }
  for (const [re, nav, view, params] of ROUTES) {
    const m = re.exec(location.pathname);
    if (m) return { nav, view, params: params(m, q), query: q };
  }
  return { nav: null, view: null, params: {}, query: q };
}

// ─── the shell: header, navigation, language switch, footer ─────────────────

function renderShell() {
  document.documentElement.lang = langTag();
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('brand-link').textContent = t('site.title');
  const nav = document.getElementById('site-nav');
  nav.setAttribute('aria-label', t('nav.label'));
  for (const a of nav.querySelectorAll('a[data-nav]')) {
    a.textContent = t(`nav.${a.dataset.nav}`);
    if (state.route && state.route.nav === a.dataset.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const sw = document.getElementById('lang-switch');
  sw.textContent = t('lang.switch');
  sw.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN'); // the label is in the *other* language
  sw.setAttribute('aria-label', t('lang.switch.label'));
  const footer = clear(document.getElementById('footer'));
  footer.append(
    h('p', {}, t('site.tagline'), lang() === 'zh' ? '。' : '.'),
    h('ul', { class: 'footer-links' },
      h('li', {}, h('a', { href: '/api/openapi.json' }, t('footer.api'))),
      h('li', {}, h('a', { href: '/api/checkpoint' }, t('footer.checkpoint'))),
      h('li', {}, h('a', { href: '/api/log.pub' }, t('footer.key'))),
      h('li', {}, h('a', { href: '/review' }, t('footer.staff'))),
      h('li', {}, h('a', { href: logHref() }, t('log.nav')))),
    h('p', { class: 'muted' }, t('footer.offline')));
}

function renderMain() {
  const main = clear(document.getElementById('main'));
  const r = state.route;
  if (state.loading) {
    main.append(h('p', { class: 'loading', role: 'status' }, t('loading')));
    document.title = t('site.title');
    return;
  }
  if (!r.view) {
    main.append(h('h1', {}, t('notfound.title')), h('p', {}, t('notfound.text')), h('p', {}, h('a', { href: '/' }, t('back.home'))));
    document.title = `${t('notfound.title')} · ${t('site.title')}`;
    return;
  }
  if (state.error) {
    const e = state.error;
    const text = e instanceof ApiError
      ? (e.status === 0 ? t('error.network', { message: e.message }) : t('error.http', { status: e.status, message: e.message }))
      : String(e && e.message ? e.message : e);
    main.append(h('h1', {}, t('error.title')), notice('error', null, text),
      noApi(e) ? h('p', {}, t('log.offer'), ' ', h('a', { href: logHref() }, t('log.title'))) : null,
      h('p', {}, h('a', { href: '/' }, t('back.home'))));
    document.title = `${t('error.title')} · ${t('site.title')}`;
    return;
  }
  main.append(r.view.render(state.data, r.params));
  document.title = `${r.view.title(state.data, r.params)} · ${t('site.title')}`;
}

function switchLanguage() {
  setLang(lang() === 'zh' ? 'en' : 'zh');
  renderShell();
  renderMain();
  if (state.route && state.route.view && !state.loading && !state.error && state.route.view.mounted) {
    state.route.view.mounted(state.data, { ...state.route.params, query: state.route.query });
  }
}

async function route() {
  const before = state.route;
  if (before && before.view && before.view.left) before.view.left(); // (what the view started for its page stops)
  Object.assign(state, { route: match(), data: null, error: null, loading: true });
  renderShell();
  renderMain();
  const r = state.route;
  if (r.view) {
    try {
      state.data = await r.view.load(r.params);
    } catch (e) {
      state.error = e;
    }
  }
  if (state.route !== r) return; // the address changed meanwhile
  // The home page of a static mirror (no API): the published log is what it offers.
  if (r.view === drawsView && noApi(state.error)) {
    history.replaceState(null, '', '#/log');
    return route();
  }
  state.loading = false;
  renderMain();
  if (r.view && !state.error && r.view.mounted) r.view.mounted(state.data, { ...r.params, query: r.query });
}

function start() {
  document.getElementById('lang-switch').addEventListener('click', switchLanguage);
  // Only the hash routes re-route: other hashes are anchors in the view (the skip link, contents).
  window.addEventListener('hashchange', () => {
    const wasLog = state.route && state.route.view === logView;
    if (matchHash() || (wasLog && !location.hash)) route();
  });
  return route();
}

start();
