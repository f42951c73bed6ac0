// paged-table.js — a long list as a table of one page at a time, with a search box.
//
// A draw of 4,401 targets is 1.5 million pixels tall on a phone when every
// row is in the page (issue 14). Here only one page of rows (50) is built,
// however long the list: 10^5 rows stay in memory, not in the DOM.
// The page number and the search are kept in the URL (?page=3&q=…), so a
// link can be shared, a reload restores the view and the back button returns
// to the page before. Search keys are lower-cased once per list and typing is
// debounced, so filtering 10^5 rows does not freeze the page on every key.

import { t } from './i18n.js';
import { h, table, num } from './dom.js';

const PER_PAGE = 50;
const DEBOUNCE_MS = 200;

/** rows array → its lower-case search keys, computed on the first search and kept across re-renders. */
const keyCache = new WeakMap();
/**
 * The lists on the page, told when the back or forward button changes the URL.
 * A list built while its page is still being put together is not connected
 * yet, so lists left behind by a re-render are dropped here, not when built.
 */
const lists = new Set();

globalThis.addEventListener?.('popstate', () => {
  for (const list of [...lists]) {
    if (list.root.isConnected) list.fromUrl();
    else lists.delete(list);
  }
});

/** NFKC: full-width digits and letters (a Chinese input method's １２３ＡＢＣ) match their ASCII forms. */
const fold = text => text.normalize('NFKC').toLowerCase();

function searchKeys(rows, searchKey) {
  let keys = keyCache.get(rows);
  if (!keys) {
    keys = rows.map(r => fold(searchKey(r)));
    keyCache.set(rows, keys);
  }
  return keys;
}

/**
 * Row indices whose key holds every word of the query (any order, any case);
 * null: no query. `before` {query, found}: an earlier search; a query that
 * extends it (typing on) can only match a subset, so only those rows are tried.
 */
function filter(rows, searchKey, query, before = null) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const keys = searchKeys(rows, searchKey);
  const narrowing = before && before.found && before.query && fold(query).includes(fold(before.query));
  const candidates = narrowing ? before.found : null;
  const found = [];
  const n = candidates ? candidates.length : keys.length;
  for (let c = 0; c < n; c++) {
    const i = candidates ? candidates[c] : c;
    const key = keys[i];
    let all = true;
    for (const w of words) if (!key.includes(w)) { all = false; break; }
    if (all) found.push(i);
  }
  return found;
}

function readUrl(params) {
  const q = new URLSearchParams(location.search);
  return { query: (q.get(params.q) || '').trim(), page: Math.max(1, parseInt(q.get(params.page) || '1', 10) || 1) };
}

function urlFor(params, page, query) {
  const u = new URL(location.href);
  if (page > 1) u.searchParams.set(params.page, String(page)); else u.searchParams.delete(params.page);
  if (query) u.searchParams.set(params.q, query); else u.searchParams.delete(params.q);
  return u.href;
}

const plainClick = e => e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;

/** Previous / "page k of n" / next, and a page-number box; kept in place across pages so the focus stays. */
function pager(id, label, go) {
  const link = (rel, text, step) => h('a', {
    class: 'button button-secondary', rel,
    onclick: e => {
      if (!plainClick(e)) return; // a new tab opens the link itself
      e.preventDefault();
      if (e.currentTarget.getAttribute('aria-disabled') !== 'true') go(step(), id.endsWith('bottom'));
    },
  }, text);
  let current = 1;
  let last = 1;
  const prev = link('prev', `← ${t('page.prev')}`, () => current - 1);
  const next = link('next', `${t('page.next')} →`, () => current + 1);
  const pos = h('span', { class: 'pager-pos', 'aria-current': 'page' });
  const box = h('input', { type: 'number', id: `${id}-jump`, class: 'pager-number', inputmode: 'numeric', min: '1', required: true });
  const jump = h('form', {
    class: 'pager-jump',
    onsubmit: e => {
      e.preventDefault();
      const n = parseInt(box.value, 10);
      if (n >= 1) go(Math.min(n, last), id.endsWith('bottom'));
    },
  }, h('label', { for: `${id}-jump` }, t('page.jump')), box, h('button', { type: 'submit', class: 'button button-secondary' }, t('page.go')));
  const el = h('nav', { class: 'pager', 'aria-label': label }, prev, pos, next, jump);
  return {
    el,
    update(page, pages, hrefOf) {
      current = page;
      last = pages;
      el.hidden = pages <= 1;
      pos.textContent = t('page.of', { page: num(page), pages: num(pages) });
      box.max = String(pages);
      for (const [a, to, off] of [[prev, page - 1, page <= 1], [next, page + 1, page >= pages]]) {
        // a disabled link stays focusable (aria-disabled), so the focus is not lost at the ends
        a.href = hrefOf(off ? page : to);
        a.setAttribute('aria-disabled', off ? 'true' : 'false');
      }
    },
  };
}

/**
 * A table of `rows` shown PER_PAGE at a time.
 *   id       prefix of the element ids (`${id}-search`, `${id}-status`, …)
 *   caption, head, cells(row, index) -> cells of dom.js table(); tableOptions: its options
 *   searchKey(row) -> text to search in (fields joined by "\n"); words: i18n key prefix
 *     of the box's label and hint (`${words}.search`, `${words}.search.hint`)
 *   params   the URL's query parameters {page, q}; perPage: rows on one page
 *   search   false: no search box; a list of one page without one is a plain table
 */
export function pagedTable({ id, caption, head, rows, cells, tableOptions, searchKey, words, search = true, perPage = PER_PAGE, params = { page: 'page', q: 'q' } }) {
  if (!search && rows.length <= perPage) return table(caption, head, rows.map(cells), tableOptions);
  const state = { ...readUrl(params), found: null };
  state.found = search ? filter(rows, searchKey, state.query) : null;
  // the keys of 10^5 rows take a moment: make them now, not on the first key pressed
  if (search) (globalThis.requestIdleCallback || setTimeout)(() => searchKeys(rows, searchKey));

  const input = h('input', {
    type: 'search', id: `${id}-search`, class: 'list-search-input', value: state.query, autocomplete: 'off', spellcheck: 'false',
    enterkeyhint: 'search', 'aria-describedby': `${id}-search-hint`, 'aria-controls': `${id}-rows`,
  });
  let timer = null;
  const searchNow = () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query === state.query || !root.isConnected) return;
    state.found = filter(rows, searchKey, query, state);
    state.query = query;
    state.page = 1;
    history.replaceState(history.state, '', urlFor(params, 1, query)); // typing is one step of history, not one per key
    show();
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(searchNow, DEBOUNCE_MS); });
  const form = search ? h('form', { class: 'list-search', role: 'search', onsubmit: e => { e.preventDefault(); searchNow(); } },
    h('label', { for: `${id}-search` }, t(`${words}.search`)),
    input,
    h('p', { class: 'hint', id: `${id}-search-hint` }, t(`${words}.search.hint`))) : null;

  const status = h('p', { id: `${id}-status`, class: 'list-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const slot = h('div', { id: `${id}-rows` });
  const go = (page, fromBottom) => {
    if (page === state.page) return;
    state.page = page;
    history.pushState(history.state, '', urlFor(params, page, state.query));
    show();
    if (fromBottom) { // continue reading at the top of the new page
      root.scrollIntoView({ block: 'start' });
      slot.querySelector('.table-wrap')?.focus({ preventScroll: true });
    }
  };
  const pagerLabel = t('page.nav.of', { list: caption });
  const top = pager(`${id}-top`, pagerLabel, go);
  const bottom = pager(`${id}-bottom`, pagerLabel, go);
  const root = h('div', { class: 'paged', id: `${id}-list` }, form, status, top.el, slot, bottom.el);

  function show() {
    const shown = state.found || null;
    const count = shown ? shown.length : rows.length;
    const pages = Math.max(1, Math.ceil(count / perPage));
    const page = Math.min(state.page, pages); // an old link past the end shows the last page
    const from = (page - 1) * perPage;
    const indices = [];
    for (let k = from; k < Math.min(from + perPage, count); k++) indices.push(shown ? shown[k] : k);
    status.textContent = shown
      ? (count === 0 ? t('list.none', { q: state.query }) : t('list.found', { n: num(count), total: num(rows.length), q: state.query }))
      : t('list.count', { total: num(rows.length), from: num(from + 1), to: num(from + indices.length) });
    for (const p of [top, bottom]) p.update(page, pages, n => urlFor(params, n, state.query));
    slot.replaceChildren(...(indices.length ? [table(caption, head, indices.map(i => cells(rows[i], i)), tableOptions)] : []));
  }

  lists.add({
    root,
    fromUrl() {
      const now = readUrl(params);
      if (search && now.query !== state.query) {
        state.query = now.query;
        input.value = now.query;
        state.found = filter(rows, searchKey, now.query);
      }
      state.page = now.page;
      show();
    },
  });
  show();
  return root;
}

/** Once per page load: a link or reload that names a list's page or search scrolls to that list. */
let scrolled = false;
export function scrollToListInUrl(sections) {
  if (scrolled) return;
  scrolled = true;
  const q = new URLSearchParams(location.search);
  const target = sections.find(([, params]) => q.has(params.page) || q.has(params.q));
  if (target && !location.hash) document.getElementById(target[0])?.scrollIntoView({ block: 'start' });
}
