// web/verify/publication.js — audit/LOG-FORMAT.md "Publication: protected
// and full logs, disclosures, embargo", the part `verify.js log` checks: the
// publication mode of LogCreated, the body fields it adds (`blinded`,
// `openings`, `sealed`, the DrawPublication kind), sealed draws and their
// publications, the public checks 1–6 of every drawn document of a protected
// log, and — when the auditor snapshots (full blobs and salts) are there —
// the blinded snapshots recomputed.
// Part of the independent verifier web/verify.js (see its header).

import { canonicalJson, isPlainObject, hasExactKeys } from './canonical-json.js';
import { sha256, hex, utf8 } from './sha256.js';
import { merkleRoot } from './merkle.js';
import { CLASSES, FEEDBACK_CLASS } from './plan.js';
import { chinaDate, isDate } from './time.js';
import { gunzip, blobLines } from './gzip.js';
import { REGISTRIES, checkBlindedSnapshot, publicDocumentChecks, recomputeBlinded } from './protected.js';

const HEX64 = /^[0-9a-f]{64}$/;
const isCount = v => Number.isSafeInteger(v) && v >= 0;
const SEALED_STRATUM = ['class', 'population', 'excluded', 'eligible', 'sample_size'];
// the document's strata: A, B, C, D, and with feedback (SPEC §6.4) a fifth, "feedback"
const SEALED_GROUPS = [...CLASSES, FEEDBACK_CLASS];
export const PROTECTED_NOTE = 'protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export';

/** Body field types of LOG-FORMAT "Kinds and their body fields" added by the publication section. */
export const PUBLICATION_TYPES = {
  publication: v => v === 'protected' || v === 'full',
  // blinded: {"enterprises":{"root","count"},"inspectors":{…},"conflicts":{…}}
  roots: v => isPlainObject(v) && hasExactKeys(v, REGISTRIES) && REGISTRIES.every(r => isPlainObject(v[r])
    && hasExactKeys(v[r], ['root', 'count']) && typeof v[r].root === 'string' && HEX64.test(v[r].root) && isCount(v[r].count)),
  openings: v => Array.isArray(v) && v.every(o => isPlainObject(o) && hasExactKeys(o, ['leaf', 'salt'])
    && Array.isArray(o.leaf) && o.leaf.every(x => typeof x === 'string') && typeof o.salt === 'string' && HEX64.test(o.salt)),
  sealed: v => isPlainObject(v) && hasExactKeys(v, ['digest', 'until', 'strata']) && typeof v.digest === 'string' && HEX64.test(v.digest)
    && isDate(v.until) && Array.isArray(v.strata) && [CLASSES.length, SEALED_GROUPS.length].includes(v.strata.length)
    && v.strata.every((s, i) => isPlainObject(s) && hasExactKeys(s, SEALED_STRATUM) && s.class === SEALED_GROUPS[i]
      && SEALED_STRATUM.slice(1).every(k => isCount(s[k]))),
};

/** The publication checks of one log verification; `v` is the LogVerifier (problem, note, earlier, …). */
export class Publication {
  constructor(v, readBlob) {
    this.v = v; this.readBlob = readBlob;
    this.mode = 'full';
    this.sealed = new Map(); // DrawResult id -> {e, publication: entry|null, waiting: [[InspectionResult entry, body]]}
    this.documents = []; // [{id, doc, openings, commitment}] every drawn document to check
    this.counts = { checked: 0, commitments: 0, audited: 0 };
  }

  get isProtected() { return this.mode === 'protected'; }

  created(body) { this.mode = Object.hasOwn(body, 'publication') ? body.publication : 'full'; }

  /** A drawn DrawResult `e` whose references resolved (commitment `c`). */
  result(e, b, c) {
    const where = `entry ${e.index} (DrawResult)`;
    const embargo = isPlainObject(c.body.plan) && Object.hasOwn(c.body.plan, 'embargo');
    if (!Object.hasOwn(b, 'sealed')) {
      if (embargo) this.v.problem(`${where}: the plan has an embargo, so the drawn outcome must be sealed, yet the draw is published`);
      this.documents.push({ id: e.id, doc: b.draw, openings: b.openings, commitment: c });
      return;
    }
    if (!embargo) this.v.problem(`${where}: sealed, but the commitment's plan has no embargo`);
    if (e.time !== null && !(b.sealed.until > chinaDate(e.time))) {
      this.v.problem(`${where}: sealed until ${b.sealed.until}, which is not after the China date of its time (${chinaDate(e.time)})`);
    }
    this.sealed.set(e.id, { e, publication: null, waiting: [] });
  }

  /** A DrawPublication entry: LOG-FORMAT "Embargo (sealed draws)". */
  async refPublication(e, b) {
    const v = this.v;
    const where = `entry ${e.index} (DrawPublication)`;
    const r = v.earlier(e, b.result, ['DrawResult'], 'result');
    if (r === null || !r.commitment) { e.ok = false; return; }
    const s = this.sealed.get(r.id);
    if (!s) { v.problem(`${where}: result ${r.id} is not a sealed draw: only a sealed result is published later`); e.ok = false; return; }
    if (s.publication !== null) { v.problem(`${where}: the sealed draw ${r.id} was already published by entry ${s.publication.index}; at most one publication per sealed draw`); e.ok = false; return; }
    s.publication = e;
    if (b.commitment !== r.body.commitment) v.problem(`${where}: commitment ${b.commitment} is not the sealed draw's commitment ${r.body.commitment}`);
    const { until, digest, strata } = r.body.sealed;
    if (e.time !== null && chinaDate(e.time) < until) v.problem(`${where}: published on ${chinaDate(e.time)} (China date), before the end of the embargo, ${until}`);
    if (!await this.matchesSeal(b.draw, digest, strata)) v.problem(`publication ${e.id} does not match the sealed draw ${r.id}`);
    v.checkDrawnDocument(where, b.draw, r.commitment, r.beaconRecord);
    for (const [ie, ib] of s.waiting) v.checkTarget(ie, ib, r, b.draw);
    this.documents.push({ id: r.id, doc: b.draw, openings: b.openings, commitment: r.commitment });
  }

  /** The document hashes to the seal's digest and has its strata counts. */
  async matchesSeal(doc, digest, strata) {
    const counts = Array.isArray(doc.strata) && doc.strata.length === strata.length
      && strata.every((s, i) => isPlainObject(doc.strata[i]) && SEALED_STRATUM.every(k => doc.strata[i][k] === s[k]));
    let text;
    try { text = canonicalJson(doc); } catch { return false; }
    return counts && hex(await sha256(utf8(text))) === digest;
  }

  /**
   * The public document of the drawn DrawResult `r` so far (references are
   * checked in log order): its own, or a sealed one's once published; null
   * while sealed.
   */
  publicDocument(r) {
    const s = this.sealed.get(r.id);
    if (!s) return Object.hasOwn(r.body, 'draw') ? r.body.draw : null;
    return s.publication !== null ? s.publication.body.draw : null;
  }

  /** An InspectionResult naming the drawn DrawResult `r`: its USCC is a target of the (published) document. */
  inspectionResult(e, b, r) {
    const s = this.sealed.get(r.id);
    if (!s) { this.v.checkTarget(e, b, r, r.body.draw); return; }
    if (s.publication !== null) this.v.checkTarget(e, b, r, s.publication.body.draw);
    else s.waiting.push([e, b]); // a firm's result may name a sealed draw; checked once published
  }

  /** After the reference checks: digests, sealed notes, and the public and auditor checks of a protected log. */
  async checkDocuments(good) {
    const v = this.v;
    for (const [id, s] of this.sealed) if (s.publication === null && s.e.ok) v.note(`draw ${id}: sealed until ${s.e.body.sealed.until}`);
    if (!this.isProtected) return;
    const commitments = good.filter(e => e.kind === 'DrawCommitment');
    const blinded = new Map(); // commitment id -> {enterprises, inspectors, conflicts} from checkBlindedSnapshot
    for (const c of commitments) {
      const snap = {};
      for (const reg of REGISTRIES) {
        const committed = c.body.blinded[reg];
        const r = await checkBlindedSnapshot(reg, await this.lines(`snapshots/${committed.root}.jsonl.gz`), committed);
        for (const p of r.problems) v.problem(`commitment ${c.id}: ${p}`);
        snap[reg] = r;
      }
      blinded.set(c.id, snap);
      if (await this.audit(c, good)) this.counts.audited++;
    }
    this.counts.commitments = commitments.length;
    for (const d of this.documents) {
      const snap = blinded.get(d.commitment.id);
      if (!snap || !isPlainObject(d.doc)) continue;
      for (const p of await publicDocumentChecks(d.doc, d.openings, d.commitment.body.plan, snap)) v.problem(`draw ${d.id}: ${p}`);
      this.counts.checked++;
    }
    if (commitments.length === 0 || this.counts.audited < commitments.length) v.note(PROTECTED_NOTE);
  }

  /** Decompressed lines of a blob, null when missing; a blob that is not gzip is a problem (and null). */
  async lines(name) {
    const bytes = await this.readBlob(name);
    if (bytes === null || bytes === undefined) return null;
    try { return blobLines(await gunzip(bytes)); } catch (e) {
      this.v.problem(`${name} is not gzip (${e.message})`);
      return null;
    }
  }

  /** The auditor snapshots of a commitment: snapshots/ (an auditor export) or private/snapshots/ (the operator's own directory). */
  async auditorLines(root, ext) {
    for (const dir of ['snapshots', 'private/snapshots']) {
      const l = await this.lines(`${dir}/${root}.${ext}`);
      if (l !== null) return { name: `${dir}/${root}.${ext}`, lines: l };
    }
    return null;
  }

  /**
   * LOG-FORMAT "The auditor export": with every full blob and salts file of
   * commitment `c`, checks the full blobs against their roots and recomputes
   * the blinded snapshots. Resolves to whether it did.
   */
  async audit(c, good) {
    const v = this.v;
    const snaps = c.body.snapshots;
    const roots = REGISTRIES.map(r => (isPlainObject(snaps) && isPlainObject(snaps[r]) && typeof snaps[r].root === 'string' && HEX64.test(snaps[r].root) ? snaps[r] : null));
    if (roots.some(r => r === null)) return false;
    const full = {}; const salts = {};
    for (let i = 0; i < REGISTRIES.length; i++) {
      const reg = REGISTRIES[i];
      const f = await this.auditorLines(roots[i].root, 'jsonl.gz');
      if (f === null) return false;
      const s = await this.auditorLines(roots[i].root, 'salts.gz');
      if (s === null) { v.note(`commitment ${c.id}: ${f.name} has no salts file beside it: its blinded snapshots were not recomputed`); return false; }
      const root = await merkleRoot(f.lines);
      if (root !== roots[i].root || f.lines.length !== roots[i].count) {
        v.problem(`commitment ${c.id}: the full ${reg} snapshot ${f.name} hashes to ${root} with ${f.lines.length} leaves, the commitment says ${roots[i].root} with ${roots[i].count}`);
        return true;
      }
      full[reg] = f.lines; salts[reg] = s.lines;
    }
    const snapshot = good.filter(e => e.kind === 'RegistrySnapshot' && e.index < c.index && e.body.registry === 'enterprises' && e.body.root === roots[0].root).pop();
    const columns = snapshot ? snapshot.body.columns : undefined;
    const { problems, roots: made } = await recomputeBlinded(full, salts, c.body.plan, columns);
    for (const p of problems) v.problem(`commitment ${c.id}: ${p}`);
    for (const reg of REGISTRIES) {
      const m = made[reg]; const want = c.body.blinded[reg];
      if (m && (m.root !== want.root || m.count !== want.count)) {
        v.problem(`commitment ${c.id}: the blinded ${reg} snapshot recomputed from the auditor snapshots is ${m.root} with ${m.count} leaves, the commitment says ${want.root} with ${want.count}`);
      }
    }
    return true;
  }

  /** Words for the VERIFIED line (empty for a full log without sealed draws). */
  summary() {
    const parts = [];
    if (this.sealed.size) parts.push(`${this.sealed.size} sealed draw(s), ${[...this.sealed.values()].filter(s => s.publication).length} published`);
    if (this.isProtected) parts.push(`protected publication: ${this.counts.checked} drawn document(s) checked against the blinded snapshots, ${this.counts.audited} of ${this.counts.commitments} commitment(s) re-blinded from the auditor snapshots`);
    return parts.map(p => `, ${p}`).join('');
  }
}
