// verify-progress.js — the verification's progress on the draw page
// (web/view-draw.js): the stage in words and a labelled <progress> bar,
// determinate while snapshot leaves are counted against their published
// count, indeterminate otherwise.

import { t } from './i18n.js';
import { h, num } from './dom.js';

/** The stage text and bar for a progress report {stage, info} (null: nothing reported yet). */
export function progressView(st) {
  const info = (st && st.info) || {};
  const registry = info.registry ? t(`reg.${info.registry}`) : '';
  const known = st && st.stage === 'root' && Number.isFinite(info.total) && info.total > 0 && Number.isFinite(info.count);
  let text = t('verify.pending');
  if (st && known) text = t('verify.stage.root.of', { registry, count: num(info.count), total: num(info.total) });
  else if (st) text = t(`verify.stage.${st.stage}`, { registry, count: num(info.count ?? 0) });
  const bar = known
    ? h('progress', { id: 'verify-progress', max: String(info.total), value: String(Math.min(info.count, info.total)) })
    : h('progress', { id: 'verify-progress' });
  return [
    h('label', { for: 'verify-progress', class: 'verify-progress-label' }, h('span', { class: 'sr-only' }, t('verify.progress.label'), ': '), text),
    ' ',
    bar,
  ];
}

/** Where the recomputation ran: a sentence for the verdict (null when it was not run). */
export function whereText(check) {
  if (!check || !check.ranIn) return null;
  return check.ranIn === 'worker' ? t('verify.where.worker') : t('verify.where.page', { reason: check.pageReason || '' });
}
