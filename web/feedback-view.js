// feedback-view.js — the draw page's part of SPEC §6.4 "Feedback from
// results" (智慧监管): the plan's feedback stratum in plain words, and the
// firms drawn in it with why their log flagged them (a problem found on
// DATE, an open follow-up, or woken and not checked since), from the commitment's `log_feedback`
// (audit/LOG-FORMAT.md "Feedback from results"). The dates come from each
// such firm's GET /api/enterprises/{uscc} (its published results and
// follow-ups by entry id); without them the reason is shown alone.
//
//   feedbackText(plan) -> string | null       "上次检查发现问题… · 抽查比例 50%"
//   flaggedDrawn(detail) -> [{uscc, name, reason, entry}]
//   loadFeedbackDates(detail, enterprise) -> Promise<Map(entry id -> date)>
//   feedbackSection(detail, dates) -> section | null

import { t } from './i18n.js';
import { h, section, table, code } from './dom.js';
import { percent } from './view-draw.js';
import { FEEDBACK_CLASS } from './verify/plan.js';

export { FEEDBACK_CLASS };
// Firms whose dates are looked up (one request each); more are shown without a date.
const MAX_LOOKUPS = 50;
const PARALLEL = 8;

/** The plan's feedback in plain words, or null when the plan has none. */
export function feedbackText(plan) {
  if (!plan || !plan.feedback) return null;
  const ratio = percent(plan.feedback.ratio);
  // SPEC §3.3: `reasons` is stored only when not the default (problem, follow_up)
  if (!Array.isArray(plan.feedback.reasons)) return t('feedback.text', { ratio });
  const reasons = plan.feedback.reasons.map(r => t(`feedback.reason.${r}`)).join(t('feedback.reason.join'));
  return t('feedback.text.reasons', { reasons, ratio });
}

/** The targets drawn in the feedback stratum, each with its log_feedback element. */
export function flaggedDrawn(d) {
  const stratum = d.draw && Array.isArray(d.draw.strata) ? d.draw.strata.find(s => s.class === FEEDBACK_CLASS) : null;
  if (!stratum) return [];
  const why = new Map((d.commitment.log_feedback || []).map(f => [f.uscc, f]));
  const names = new Map((d.draw.assignments || []).map(a => [a.uscc, a.name]));
  return stratum.selected.map(u => ({ uscc: u, name: names.get(u) || '', reason: why.has(u) ? why.get(u).reason : null, entry: why.has(u) ? why.get(u).entry : null }));
}

/**
 * The date of each drawn firm's flagging entry: a result's inspection date,
 * a follow-up's opening day. `enterprise(uscc)` is GET /api/enterprises/{uscc};
 * a firm whose report cannot be read is left out (its reason is still shown).
 */
export async function loadFeedbackDates(d, enterprise) {
  const dates = new Map();
  const list = flaggedDrawn(d).filter(f => f.entry).slice(0, MAX_LOOKUPS);
  for (let i = 0; i < list.length; i += PARALLEL) {
    await Promise.all(list.slice(i, i + PARALLEL).map(async (f) => {
      try {
        const r = await enterprise(f.uscc);
        const result = (r.results || []).find(x => x.id === f.entry);
        const follow = (r.follow_ups || []).find(x => x.id === f.entry);
        const date = result ? result.inspection_date : follow ? follow.opened_on : null;
        if (date) dates.set(f.entry, date);
      } catch { /* the reason is shown without its date */ }
    }));
  }
  return dates;
}

function whyText(f, dates) {
  const date = f.entry ? dates.get(f.entry) : undefined;
  if (f.reason === 'problem') return date ? t('feedback.why.problem.on', { date }) : t('feedback.why.problem');
  if (f.reason === 'follow_up') return date ? t('feedback.why.follow_up.on', { date }) : t('feedback.why.follow_up');
  if (f.reason === 'woken') return t('feedback.why.woken');
  return t('feedback.why.unknown');
}

/** The section listing the firms drawn because of their last results, or null without feedback. */
export function feedbackSection(d, dates = new Map()) {
  const plan = d.commitment.plan;
  if (!d.draw || !plan.feedback) return null;
  const drawn = flaggedDrawn(d);
  const flagged = (d.commitment.log_feedback || []).length;
  return section('feedback', t('feedback.title'),
    h('p', { id: 'feedback-text' }, feedbackText(plan)),
    h('p', { class: 'muted' }, t('feedback.intro', { flagged, drawn: drawn.length })),
    drawn.length === 0 ? h('p', {}, t('feedback.none')) :
      table(t('feedback.title'), [t('targets.enterprise'), t('feedback.why')],
        drawn.map(f => ({
          attrs: { 'data-feedback': f.reason || '' },
          cells: [{ th: true, value: h('div', {}, h('a', { href: `/enterprises/${encodeURIComponent(f.uscc)}`, lang: 'zh-CN' }, f.name), h('br'), code(f.uscc, { class: 'uscc' })) },
            whyText(f, dates)],
        })), { id: 'feedback-table', cls: 'wide', hideCaption: true }));
}
