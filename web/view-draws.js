// view-draws.js — `/`: the logged draws, newest first, paginated.

import { t } from './i18n.js';
import { h, dl, time, num, beaconText, simBadge, zh } from './dom.js';
import { api } from './api.js';
import { publicationMode, publicationNotice } from './publication.js';

const PER_PAGE = 20;

export async function load({ page, perPage }) {
  // Commitments whose randomness is out but whose draw was never revealed,
  // or that share one beacon: the ways an operator could have chosen among
  // outcomes (LOG-FORMAT.md, "Abandoned and competing commitments").
  const [data, abandoned, competing, publication] = await Promise.all([
    api.draws(page, perPage || PER_PAGE),
    api.commitments('abandoned').catch(() => null),
    api.commitments('competing').catch(() => null),
    publicationMode(),
  ]);
  return { ...data, abandoned: abandoned && abandoned.commitments, competing: competing && competing.commitments, publication };
}

export function title() {
  return t('draws.title');
}

/** The words LOG-FORMAT "Embargo" gives for a sealed draw, in both languages. */
export function sealedText(sealed) {
  return `封存至 ${sealed.until} / sealed until ${sealed.until}`;
}

export function outcomeBadge(outcome, sealed) {
  if (sealed) return h('span', { class: 'badge badge-warn' }, '🔒 ', sealedText(sealed));
  return outcome === 'infeasible'
    ? h('span', { class: 'badge badge-warn' }, '⚠ ', t('outcome.infeasible'))
    : h('span', { class: 'badge badge-ok' }, '✓ ', t('outcome.drawn'));
}

function card(d) {
  return h('li', { class: 'card draw-card' },
    h('h2', { class: 'card-title' }, h('a', { href: `/draws/${encodeURIComponent(d.id)}`, lang: 'zh-CN' }, d.plan_name)),
    d.simulated ? h('p', { class: 'card-flags' }, simBadge()) : null,
    dl([
      [t('draws.committed'), time(d.committed_at)],
      [t('draws.revealed'), time(d.revealed_at)],
      [t('draws.beacon'), beaconText(d.beacon)],
      [t('draws.targets'), t('draws.targets.n', { n: num(d.targets) })],
      [t('draws.outcome'), outcomeBadge(d.outcome, d.sealed)],
    ]));
}

function pager(data) {
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  if (pages <= 1 && data.page <= 1) return null;
  const per = data.per_page === PER_PAGE ? '' : `&per_page=${data.per_page}`;
  const link = (p, label, rel) => h('a', { class: 'button button-secondary', href: `/?page=${p}${per}`, rel }, label);
  return h('nav', { class: 'pager', 'aria-label': t('page.nav') },
    // past the last page (an old link): "previous" leads back to the last one
    data.page > 1 ? link(Math.min(data.page - 1, pages), `← ${t('page.prev')}`, 'prev') : null,
    h('span', { class: 'pager-pos', 'aria-current': 'page' }, t('page.of', { page: data.page, pages })),
    data.page < pages ? link(data.page + 1, `${t('page.next')} →`, 'next') : null);
}

function suspicious(list, key) {
  if (!list || list.length === 0) return null;
  return h('div', { class: 'notice notice-warn', role: 'alert', 'data-suspicious': key },
    h('p', {}, h('strong', {}, '⚠ ', t(`draws.${key}`, { n: num(list.length) }))),
    h('p', {}, t(`draws.${key}.why`)),
    h('ul', {}, list.map(c => h('li', {},
      h('span', { lang: 'zh-CN' }, c.plan_name), ' — ', beaconText(c.beacon), ' — ',
      h('code', {}, c.id.slice(0, 16)), '…'))));
}

export function render(data) {
  return h('div', {},
    h('h1', {}, t('draws.title')),
    h('p', { class: 'lead' }, t('draws.intro')),
    publicationNotice(data.publication),
    suspicious(data.abandoned, 'abandoned'),
    suspicious(data.competing, 'competing'),
    data.total === 0
      ? h('p', { class: 'notice notice-info' }, t('draws.none'))
      : [
        h('p', { class: 'muted' }, t('draws.total', { total: num(data.total) })),
        h('ol', { class: 'cards', start: (data.page - 1) * data.per_page + 1 }, data.draws.map(card)),
        pager(data),
      ]);
}
