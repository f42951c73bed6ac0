// publication.js — the log's publication mode (audit/LOG-FORMAT.md
// "Publication"), read from its first entry (LogCreated, `publication`;
// absent means full), and the notice that says what it means for a visitor.

import { t } from './i18n.js';
import { notice } from './dom.js';
import { getJson } from './api.js';

let mode = null; // a Promise of 'protected' | 'full' | null (unknown), once per page

/** The log's publication mode; null when the first entry cannot be read (nothing is claimed then). */
export function publicationMode() {
  mode = mode || getJson('/api/entries/0').then((e) => {
    if (!e || e.kind !== 'LogCreated' || !e.body) return null;
    if (!Object.hasOwn(e.body, 'publication')) return 'full';
    return e.body.publication === 'protected' || e.body.publication === 'full' ? e.body.publication : null;
  }).catch(() => null);
  return mode;
}

/** The notice for a mode (null: none). */
export function publicationNotice(m) {
  if (m !== 'protected' && m !== 'full') return null;
  const el = notice('info', t(`pub.${m}.title`), t(`pub.${m}.text`));
  el.dataset.publication = m;
  return el;
}
