// app.js — the public page of fairdraw (双随机、一公开).
//
// The server returns index.html for every page path; this module picks the
// view from the path, loads its data from the public API and renders it.
// Navigation between views is ordinary links (full page loads): every view
// has a real URL that can be bookmarked, shared and opened with ?verify=1.
// Switching the language re-renders the current view from the data already
// loaded (and keeps a running verification).
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

const decode = s => { try { return decodeURIComponent(s); } catch { return s; } };

/** [path pattern, nav key, view, params from match + query] */
const ROUTES = [
  [/^\/$/, 'draws', drawsView, (m, q) => ({
    page: Math.max(1, parseInt(q.get('page') || '1', 10) || 1),
    perPage: Math.min(100, Math.max(1, parseInt(q.get('per_page') || '0', 10) || 0)) || null,
  })],
  [/^\/draws\/([^/]+)\/?$/, 'draws', drawView, m => ({ id: decode(m[1]) })],
  [/^\/enterprises\/?$/, 'enterprises', entView, () => ({ uscc: null })],
  [/^\/enterprises\/([^/]+)\/?$/, 'enterprises', entView, m => ({ uscc: decode(m[1]) })],
  [/^\/results\/?$/, 'results', resView, (m, q) => ({ draw: q.get('draw') || null })],
];

const state = { route: null, params: null, data: null, error: null, loading: true };

function match() {
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
      h('li', {}, h('a', { href: '/api/log.pub' }, t('footer.key')))),
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
    main.append(h('h1', {}, t('error.title')), notice('error', null, text), h('p', {}, h('a', { href: '/' }, t('back.home'))));
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

async function start() {
  state.route = match();
  renderShell();
  document.getElementById('lang-switch').addEventListener('click', switchLanguage);
  renderMain();
  const r = state.route;
  if (r.view) {
    try {
      state.data = await r.view.load(r.params);
    } catch (e) {
      state.error = e;
    }
  }
  state.loading = false;
  renderMain();
  if (r.view && !state.error && r.view.mounted) r.view.mounted(state.data, { ...r.params, query: r.query });
}

start();
