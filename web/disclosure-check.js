// disclosure-check.js — "核验本企业告知书 / check my firm's disclosure" on the
// enterprise lookup view: a disclosure file (audit/LOG-FORMAT.md
// "Disclosures") chosen by the visitor is verified in the browser by
// web/verify/disclosure.js — nothing is uploaded — and the verdict is said
// in plain words first: selected or not, and why; red when it does not verify.
// The signatures are checked with this site's log key when it can be fetched.

import { t } from './i18n.js';
import { h, dl, code, clear } from './dom.js';
import { getText } from './api.js';
import { FEEDBACK_CLASS } from './verify/plan.js';

let result = null; // the last check: {status: 'checking' | 'verified' | 'tampered' | 'invalid', …}

/**
 * Verifies a disclosure's bytes. `logKey()` resolves to the site's log key
 * (rejecting when unavailable). Resolves to {status, verdict, problems,
 * pinned} or {status: 'invalid', message}; rejects when this browser cannot
 * check (no WebCrypto: a page not served over https or from localhost).
 */
export async function checkDisclosure(bytes, { logKey = () => getText('/api/log.pub') } = {}) {
  await import('./note.js'); // Ed25519 by noble where WebCrypto has none
  const [{ verifyDisclosure }, { FairdrawError }] = await Promise.all([import('./verify/disclosure.js'), import('./verify/errors.js')]);
  let vkey;
  try { vkey = (await logKey()).trim() || undefined; } catch { vkey = undefined; }
  try {
    const r = await verifyDisclosure(bytes, { vkey });
    return { status: r.code === 0 ? 'verified' : 'tampered', verdict: r.verdict, problems: r.problems, pinned: vkey !== undefined };
  } catch (e) {
    if (e instanceof FairdrawError && e.kind === 'not-a-disclosure') return { status: 'invalid', message: e.message };
    throw e; // this browser cannot check (no WebCrypto, no Ed25519): not the file's fault
  }
}

function show(r) {
  result = r;
  const box = document.getElementById('disclosure-result');
  if (box) clear(box).append(...resultView());
}

async function onFile(ev) {
  const file = ev.target.files && ev.target.files[0];
  if (!file) return;
  show({ status: 'checking' });
  try {
    show(await checkDisclosure(new Uint8Array(await file.arrayBuffer())));
  } catch (e) {
    show({ status: 'error', message: String(e && e.message ? e.message : e) });
  }
}

function verdictView(r) {
  const v = r.verdict;
  return h('div', { class: `notice ${v.selected ? 'notice-ok' : 'notice-info'}`, role: 'status', 'data-disclosure-status': 'verified', 'data-selected': String(v.selected) },
    h('p', { class: 'notice-title disclosure-verdict' }, t(v.selected ? 'disc.selected' : 'disc.not_selected', { uscc: v.uscc, plan: v.plan_name })),
    h('p', { class: 'disclosure-why' }, t(`disc.why.${v.reason}`)),
    v.stratum === FEEDBACK_CLASS ? h('p', { class: 'disclosure-feedback' }, t('disc.feedback')) : null,
    dl([
      [t('disc.draw'), h('a', { href: `/draws/${encodeURIComponent(v.draw)}` }, code(v.draw))],
      [t('ent.class'), v.class],
      [t('disc.state'), t(`disc.state.${v.state}`)],
      [t('ent.ticket'), code(v.ticket, { class: 'hash ticket' })],
      [t('ent.cutoff'), v.cutoff === null ? t('ent.nocutoff') : code(v.cutoff, { class: 'hash ticket' })],
      [t('disc.log'), t(`disc.mode.${v.mode}`)],
    ]),
    h('p', { class: 'muted' }, t(r.pinned ? 'disc.key.pinned' : 'disc.key.file')));
}

function resultView() {
  const r = result;
  if (!r) return [];
  if (r.status === 'checking') return [h('p', { class: 'muted', role: 'status', 'data-disclosure-status': 'checking' }, t('disc.checking'))];
  if (r.status === 'verified') return [verdictView(r)];
  const tampered = r.status === 'tampered';
  return [h('div', { class: 'notice notice-error', role: 'alert', 'data-disclosure-status': r.status },
    h('p', { class: 'notice-title' }, t(tampered ? 'disc.tampered' : r.status === 'invalid' ? 'disc.invalid' : 'disc.error')),
    tampered ? [h('p', {}, t('disc.problems'), t('colon')), h('ul', { class: 'disclosure-problems' }, r.problems.map(p => h('li', {}, p)))]
      : h('p', {}, r.message))];
}

/** The section of the enterprise lookup view. */
export function disclosureSection() {
  return h('section', { class: 'disclosure', id: 'disclosure', 'aria-labelledby': 'disclosure-h' },
    h('h2', { id: 'disclosure-h' }, t('disc.title')),
    h('p', {}, t('disc.intro')),
    h('label', { for: 'disclosure-file', class: 'file-label' }, t('disc.label')),
    h('input', { id: 'disclosure-file', type: 'file', accept: '.json,application/json', onchange: onFile }),
    h('div', { id: 'disclosure-result', 'aria-live': 'polite' }, resultView()));
}

