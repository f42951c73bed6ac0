// protected-log.mjs — tiny fairdraw logs built in node for the tests of
// audit/LOG-FORMAT.md "Publication" (protected and full logs, sealed draws,
// disclosures). The draw document is computed by web/verify.js from
// tests/vectors/basic; everything else (salts, blinds, blinded snapshots,
// entries, signed checkpoints, receipts, disclosures) is made here from the
// spec text with node's crypto and a throwaway Ed25519 key.
//
//   const log = await buildLog({mode, embargo, publish, auditor, edit, plan, inspectors, ...});
//   log.files (Map name -> bytes, for verifyLog), log.disclosure(uscc) -> object

import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { computeDraw, canonicalJson } from '../../web/verify.js';

const BASIC = new URL('../vectors/basic/', import.meta.url);
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();
const b64 = b => Buffer.from(b).toString('base64');
const leafHash = d => sha([0], Buffer.from(d));
const largestPow2Below = n => { let k = 1; while (k * 2 < n) k *= 2; return k; };

/** RFC 6962 MTH over leaf byte strings (or strings). */
/** The log verifies (exit 0) and prints no problem line. */
export function verified(r) {
  assert.equal(r.code, 0, r.lines.join('\n'));
  assert.ok(!r.lines.some(l => l.startsWith('problem:')), r.lines.join('\n'));
}
/** The log is tampered (exit 1) and a problem line matches `re`. */
export function tampered(r, re) {
  assert.equal(r.code, 1, r.lines.join('\n'));
  assert.ok(r.lines.some(l => l.startsWith('problem:') && re.test(l)), `no problem line matches ${re}:\n${r.lines.join('\n')}`);
}

export function mth(leaves) {
  if (leaves.length === 0) return sha([]);
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = largestPow2Below(leaves.length);
  return sha([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
/** RFC 9162 PATH(m, D[n]). */
export function auditPath(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = largestPow2Below(leaves.length);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** SPEC §7 ticket, written out here (BigInt) so the tests do not lean on web/verify/tickets.js. */
export function ticketOf(uscc, seed) {
  const seedHash = sha(seed).toString('hex');
  const n = BigInt('0x' + sha(seedHash + uscc).toString('hex'));
  return '0.' + n.toString(10).padStart(64, '0').split('').reverse().join('');
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** The log's signer: an Ed25519 key from a fixed seed, its C2SP verifier key. */
export function logSigner(name, first = 100) {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(Array.from({ length: 32 }, (_, i) => first + i))]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
  const id = sha(Buffer.from(name), [0x0a, 0x01], pub).subarray(0, 4);
  return { name, vkey: `${name}+${id.toString('hex')}+${b64(Buffer.concat([Buffer.from([1]), pub]))}`, signNote: text => `${text}\n\u2014 ${name} ${b64(Buffer.concat([id, crypto.sign(null, Buffer.from(text), key)]))}\n` };
}

const SECRET = Buffer.alloc(32, 7); // private/blind.key of these logs
const salt = (registry, key) => crypto.createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`fairdraw-v1/salt\0${registry}\0`), Buffer.from(key)])).digest();
const blind = (s, leaf) => sha('fairdraw-v1/blind', [0], s, leaf).toString('hex');

export const PLAN = `name = "保护模式测试"
department = "市场监督管理局"
exclude = ["91330106MA2B00001Y"]
[ratios]
A = "50%"
B = "50%"
C = "50%"
D = "50%"
[scope]
statuses = ["存续"]
[team]
size = 2
`;
const CONFLICTS = 'inspector_id,uscc\nZF001,91330106MA2B00000U\n';
export const ORIGIN = 'fairdraw.example/protected';
export const UNTIL = '2026-12-10';

function csvRows(text) {
  const [head, ...rows] = text.trim().split('\n').map(l => l.split(','));
  return rows.map(r => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

/**
 * Options: mode 'protected' | 'full' | 'legacy' (a full log without the
 * `publication` key); embargo (the plan seals until UNTIL); publish (append a
 * DrawPublication at `pubTime`); auditor (add the full blobs and salts, as
 * `fairdraw audit export --for-auditor`); edit(bodies) changes the entry
 * bodies before they are signed (an operator re-signing a changed log);
 * commit(commitment body, {blinded}) changes the commitment before its id
 * and the seed are derived from it (the draw follows its plan and digest);
 * files(map) changes the files afterwards; plan (TOML text) and inspectors
 * (CSV text, the columns id,name,department,region) replace the defaults.
 */
export async function buildLog({ mode = 'protected', embargo = false, publish = false, pubTime = '2026-12-10T02:00:00Z', auditor = false, commit = null, edit = null, files: editFiles = null, plan: planText = PLAN, inspectors: inspectorsCsv = null } = {}) {
  const isProtected = mode === 'protected';
  const read = f => new Uint8Array(fs.readFileSync(new URL(f, BASIC)));
  const inspectorsText = inspectorsCsv || fs.readFileSync(new URL('inspectors.csv', BASIC), 'utf8');
  const inputs = { enterprises: read('enterprises.csv'), inspectors: Buffer.from(inspectorsText), conflicts: Buffer.from(CONFLICTS), plan: planText };
  const first = await computeDraw({ ...inputs, seed: 'plan only' });
  const plan = embargo ? { ...first.plan, embargo: { until: UNTIL } } : first.plan;
  const planDigest = sha(canonicalJson(plan)).toString('hex');

  // SPEC §5 leaves, and the blinded ones (LOG-FORMAT "Salts and blinded leaves")
  const ents = csvRows(fs.readFileSync(new URL('enterprises.csv', BASIC), 'utf8')).sort((a, b) => (a.uscc < b.uscc ? -1 : 1));
  const insps = csvRows(inspectorsText).sort((a, b) => (a.id < b.id ? -1 : 1));
  const confs = csvRows(CONFLICTS);
  const stateOf = e => (!plan.scope.statuses.includes(e.status) ? 'out' : plan.exclude.includes(e.uscc) ? 'excluded' : 'eligible');
  const rows = {
    enterprises: ents.map(e => ({ leaf: [e.uscc, e.name, e.credit_class, e.region, e.industry, e.status], key: e.uscc, row: e })),
    inspectors: insps.map(i => ({ leaf: [i.id, i.name, i.department, i.region, true, 'inspector', [], ''], key: i.id })),
    conflicts: confs.map(c => ({ leaf: [c.inspector_id, c.uscc], key: `${c.inspector_id}\0${c.uscc}` })),
  };
  const full = {}; const blinded = {};
  for (const [reg, list] of Object.entries(rows)) {
    for (const r of list) {
      r.text = canonicalJson(r.leaf); r.salt = salt(reg, r.key); r.blind = blind(r.salt, Buffer.from(r.text));
      r.blinded = canonicalJson(reg === 'enterprises' ? [r.leaf[2], stateOf(r.row), r.blind] : reg === 'inspectors' ? [...r.leaf.slice(0, 3), r.blind] : [r.blind]);
    }
    full[reg] = { lines: list.map(r => r.text), root: mth(list.map(r => r.text)).toString('hex'), count: list.length };
    const sorted = list.map(r => r.blinded).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    blinded[reg] = { lines: sorted, root: mth(sorted).toString('hex'), count: sorted.length };
    if (full[reg].root !== first.snapshots[reg].root) throw new Error(`fixture: the ${reg} leaves are not verify.js's (${full[reg].root})`);
  }

  const log = logSigner(ORIGIN);
  const roots = which => Object.fromEntries(Object.entries(which).map(([r, s]) => [r, { root: s.root, count: s.count }]));
  const bodies = [
    ['LogCreated', { origin: ORIGIN, vkey: log.vkey, ...(mode === 'legacy' ? {} : { publication: mode }) }],
    ...Object.keys(full).map(reg => ['RegistrySnapshot', { registry: reg, root: full[reg].root, count: full[reg].count, columns: reg === 'enterprises' ? first.snapshots.enterprises.columns : [], blob: `snapshots/${full[reg].root}.jsonl.gz` }]),
    ['DrawCommitment', { algorithm: 'fairdraw-v1', plan, plan_digest: planDigest, snapshots: roots(full), beacon: { type: 'ceremony' }, year: 2026, log_exclusions: [], log_history: [], ...(isProtected ? { blinded: roots(blinded) } : {}) }],
  ];
  const times = ['2026-12-01T01:00:00Z', '2026-12-01T01:00:01Z', '2026-12-01T01:00:02Z', '2026-12-01T01:00:03Z', '2026-12-01T01:00:04Z', '2026-12-01T03:00:00Z', '2026-12-01T03:00:01Z', pubTime];
  const line = (i, kind, body) => canonicalJson({ body, index: i, kind, simulated: true, time: times[i] || pubTime, v: 1 });
  if (commit) commit(bodies[4][1], { blinded });
  const cid = leafHash(line(4, ...bodies[4])).toString('hex');
  const digits = '31415926535897932384626433';
  const randomness = sha('fairdraw-v1/ceremony', [0], digits, [0], 'Alice', [0], 'Bob');
  const seed = sha('fairdraw-v1/seed', [0], Buffer.from(cid, 'hex'), randomness).toString('hex');
  const doc = await computeDraw({ ...inputs, seed });
  doc.plan = bodies[4][1].plan; doc.plan_digest = bodies[4][1].plan_digest;
  const byUscc = new Map(rows.enterprises.map(r => [r.key, r]));
  const openings = doc.assignments.map(a => ({ leaf: byUscc.get(a.uscc).leaf, salt: byUscc.get(a.uscc).salt.toString('hex') }));
  bodies.push(['BeaconRecord', { commitment: cid, beacon: { type: 'ceremony', digits, witnesses: ['Alice', 'Bob'] }, randomness: randomness.toString('hex'), seed }]);
  const bid = leafHash(line(5, ...bodies[5])).toString('hex');
  const sealed = { digest: sha(canonicalJson(doc)).toString('hex'), until: UNTIL, strata: doc.strata.map(s => ({ class: s.class, population: s.population, excluded: s.excluded, eligible: s.eligible, sample_size: s.sample_size })) };
  bodies.push(['DrawResult', { commitment: cid, beacon: bid, outcome: 'drawn', ...(embargo ? { sealed } : { draw: doc }), ...(isProtected && !embargo ? { openings } : {}) }]);
  const rid = leafHash(line(6, ...bodies[6])).toString('hex');
  if (publish) bodies.push(['DrawPublication', { result: rid, commitment: cid, draw: doc, ...(isProtected ? { openings } : {}) }]);
  if (edit) edit(bodies, { doc, openings, rows, blinded, full, rid });

  const lines = bodies.map(([kind, body], i) => line(i, kind, body));
  const notes = lines.map((_, k) => log.signNote(`${ORIGIN}\n${k + 1}\n${b64(mth(lines.slice(0, k + 1)))}\n`));
  const files = new Map([
    ['log.pub', Buffer.from(log.vkey + '\n')],
    ['entries.jsonl', Buffer.from(lines.map(l => l + '\n').join(''))],
    ['checkpoints.jsonl', Buffer.from(notes.map((n, k) => canonicalJson({ batch_end: true, checkpoint: n, size: k + 1 }) + '\n').join(''))],
    ['checkpoint', Buffer.from(notes[notes.length - 1])],
  ]);
  const gz = ls => zlib.gzipSync(Buffer.from(ls.map(l => l + '\n').join('')));
  if (isProtected) for (const s of Object.values(blinded)) files.set(`snapshots/${s.root}.jsonl.gz`, gz(s.lines));
  if (!isProtected || auditor) {
    for (const [reg, s] of Object.entries(full)) {
      files.set(`snapshots/${s.root}.jsonl.gz`, gz(s.lines));
      if (auditor) files.set(`snapshots/${s.root}.salts.gz`, gz(rows[reg].map(r => r.salt.toString('hex'))));
    }
  }
  if (editFiles) editFiles(files, { blinded, full, rows });

  /** A receipt of entry `i` against the newest checkpoint. */
  const receipt = i => ['c2sp.org/tlog-proof@v1', `extra ${b64(lines[i])}`, `index ${i}`, ...auditPath(i, lines).map(b64), '', notes[notes.length - 1]].join('\n');
  /** LOG-FORMAT "Disclosures": the bureau's file for one firm (of the DrawResult, or of the DrawPublication when there is one). */
  const disclosure = (uscc) => {
    const r = byUscc.get(uscc);
    const state = stateOf(r.row);
    const tk = ticketOf(uscc, seed);
    const stratum = doc.strata.find(s => s.class === r.leaf[2]);
    const selected = state === 'eligible' && stratum.cutoff !== null && tk <= stratum.cutoff;
    const tree = isProtected ? blinded.enterprises.lines : full.enterprises.lines;
    const index = tree.indexOf(isProtected ? r.blinded : r.text);
    return {
      format: 'fairdraw-disclosure/1', vkey: log.vkey, commitment: receipt(4), result: receipt(publish ? 7 : 6),
      leaf: r.leaf, salt: isProtected ? r.salt.toString('hex') : '',
      proof: { index, hashes: auditPath(index, tree).map(h => h.toString('hex')) },
      verdict: { uscc, class: r.leaf[2], state, ticket: tk, cutoff: stratum.cutoff, selected, why: selected ? '抽中' : '未抽中' },
    };
  };
  return { files, log, lines, doc, openings, seed, ids: { commitment: cid, beacon: bid, result: rid, publication: publish ? leafHash(lines[7]).toString('hex') : null }, rows, blinded, full, disclosure, receipt };
}
