// fake-api.mjs — a stand-in for `fairdraw serve`, built from a log directory.
//
// Used for work on the page without a built binary (FAIRDRAW_TEST_SERVER=fake;
// the tests never fall back to it on their own): it answers the read-only
// endpoints of web/openapi.json from the files of an audit log
// (audit/LOG-FORMAT.md) and serves web/ the way the server does (index.html
// for every non-/api page path). It is a development and test fixture only:
// its enterprise explanations and result deadlines are simplified (the server
// is authoritative), but every shape follows the OpenAPI schemas so the page
// can be exercised end to end.
//
//   node tests/browser/fake-api.mjs --log DIR [--port 8089] [--web web/]

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ticket, usccValid } from '../../web/verify.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = path.resolve(HERE, '../../web');

const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();
const leafHash = d => sha(Buffer.from([0]), d);
const nodeHash = (l, r) => sha(Buffer.from([1]), l, r);
const largestPow2Below = n => { let k = 1; while (k * 2 < n) k *= 2; return k; };

function mth(leaves) {
  if (leaves.length === 0) return sha(Buffer.alloc(0));
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = largestPow2Below(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
function auditPath(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = largestPow2Below(leaves.length);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** Read a log directory into the indexes the endpoints need. */
export function loadLog(dir) {
  const lines = fs.readFileSync(path.join(dir, 'entries.jsonl'), 'utf8').split('\n').filter(Boolean);
  const entries = lines.map(l => ({ ...JSON.parse(l), id: leafHash(Buffer.from(l, 'utf8')).toString('hex'), leaf: l }));
  const byId = new Map(entries.map(e => [e.id, e]));
  const snapshots = new Map(); // root -> {body, leaves(Buffer[]), rows}
  for (const e of entries.filter(x => x.kind === 'RegistrySnapshot')) {
    const file = path.join(dir, e.body.blob);
    const text = zlib.gunzipSync(fs.readFileSync(file));
    const leaves = [];
    let s = 0;
    for (let i = 0; i < text.length; i++) if (text[i] === 10) { leaves.push(text.subarray(s, i)); s = i + 1; }
    if (s < text.length) leaves.push(text.subarray(s));
    snapshots.set(e.body.root, { body: e.body, file, leaves, rows: leaves.map(b => JSON.parse(b.toString('utf8'))) });
  }
  const draws = entries.filter(e => e.kind === 'DrawResult').map(r => ({
    result: r, commitment: byId.get(r.body.commitment), beacon: byId.get(r.body.beacon),
  })).reverse(); // newest first
  const checkpoint = fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8');
  return { dir, entries, byId, snapshots, draws, checkpoint };
}

function findDraw(st, id) {
  if (!/^[0-9a-f]{8,64}$/.test(id)) return { error: 400, message: 'a draw id is 8 to 64 lowercase hex digits' };
  const d = st.draws.find(x => x.result.id.startsWith(id) || x.commitment.id.startsWith(id));
  return d ? { draw: d } : { error: 404, message: `no draw ${id}` };
}

function summary(d) {
  const body = d.result.body;
  return {
    id: d.result.id,
    commitment: d.commitment.id,
    plan_name: d.commitment.body.plan.name,
    outcome: body.outcome,
    committed_at: d.commitment.time,
    revealed_at: d.result.time,
    beacon: d.commitment.body.beacon,
    seed: d.beacon.body.seed,
    targets: body.draw ? body.draw.assignments.length : 0,
    simulated: d.result.simulated || d.commitment.simulated,
  };
}

function snapshotEntry(st, reg, root) {
  const s = st.snapshots.get(root);
  return { root, count: s ? s.leaves.length : 0, columns: s ? s.body.columns : [], url: `/api/snapshots/${root}` };
}

function detail(st, d) {
  const c = d.commitment.body;
  const draw = d.result.body.draw || null;
  const insp = new Map(st.snapshots.get(c.snapshots.inspectors.root).rows.map(r => [r[0], r]));
  const member = (id, role) => ({ id, name: insp.get(id)?.[1] ?? '', department: insp.get(id)?.[2] ?? '', role });
  const teams = draw ? draw.assignments.map(a => ({
    uscc: a.uscc, name: a.name, class: a.class, region: a.region, ticket: a.ticket,
    members: [member(a.leader, 'leader'), ...a.inspectors.slice(1).map(i => member(i, 'inspector')), ...a.experts.map(i => member(i, 'expert'))],
  })) : [];
  const snaps = {};
  for (const reg of ['enterprises', 'inspectors', 'conflicts']) snaps[reg] = snapshotEntry(st, reg, c.snapshots[reg].root);
  return {
    id: d.result.id,
    summary: summary(d),
    commitment: c,
    beacon: d.beacon.body,
    draw,
    failure: d.result.body.failure ?? null,
    teams,
    items: c.plan.items,
    snapshots: snaps,
    checkpoint: st.checkpoint,
    receipt_url: `/api/draws/${d.result.id}/receipt`,
  };
}

async function enterpriseReport(st, uscc) {
  const out = [];
  let name = null;
  for (const d of st.draws) {
    const c = d.commitment.body;
    const plan = c.plan;
    const snap = st.snapshots.get(c.snapshots.enterprises.root);
    const index = snap.rows.findIndex(r => r[0] === uscc);
    const row = index >= 0 ? snap.rows[index] : null;
    const entry = { draw: d.result.id, plan_name: plan.name, in_snapshot: !!row, eligible: false, reason: null, ticket: null, cutoff: null, selected: false, explanation: '', inclusion: null };
    if (!row) {
      entry.reason = 'not in the registry snapshot';
      entry.explanation = '该企业不在本次抽查的名录库快照中。';
      out.push(entry);
      continue;
    }
    name = row[1];
    entry.class = row[2];
    const cols = snap.body.columns;
    const whereOk = plan.scope.where.every(([col, v]) => {
      const i = cols.indexOf(col);
      return i >= 0 && row[i] === v;
    });
    const inScope = plan.scope.statuses.includes(row[5])
      && (plan.scope.regions.length === 0 || plan.scope.regions.some(p => row[3].startsWith(p)))
      && (plan.scope.industries.length === 0 || plan.scope.industries.some(p => row[4].startsWith(p)))
      && whereOk;
    const excluded = plan.exclude.includes(uscc);
    // SPEC §6.4: a firm the plan's feedback flags is drawn in the feedback stratum
    const flagged = Array.isArray(plan.feedback?.flagged) && plan.feedback.flagged.includes(uscc);
    const stratum = d.result.body.draw?.strata.find(s => s.class === (flagged ? 'feedback' : row[2]));
    entry.eligible = inScope && !excluded;
    entry.reason = !inScope ? 'out of scope (status, region, industry or filter)' : excluded ? 'excluded by the plan (e.g. inspected this year)' : null;
    entry.ticket = await ticket(uscc, d.beacon.body.seed);
    entry.cutoff = stratum ? stratum.cutoff : null;
    entry.selected = !!stratum && stratum.selected.includes(uscc);
    const layer = flagged ? '结果反馈层（上次检查发现问题或有未办结的后续处置）' : `${row[2]} 类`;
    entry.explanation = !entry.eligible ? `未参与抽取：${entry.reason}。`
      : entry.selected ? `被抽中：抽签号 ${entry.ticket} ≤ ${layer}分界值 ${entry.cutoff}。`
        : `未被抽中：抽签号 ${entry.ticket} > ${layer}分界值 ${entry.cutoff ?? '（本层不抽取）'}。`;
    entry.inclusion = {
      root: c.snapshots.enterprises.root, size: snap.leaves.length, index,
      leaf: snap.leaves[index].toString('utf8'),
      proof: auditPath(index, snap.leaves).map(b => b.toString('hex')),
    };
    out.push(entry);
  }
  return { uscc, name, draws: out };
}

function fakeResults(st, d) {
  // Deterministic sample results so the results page has every case to show.
  // Only published (已公示) results are public; one was published late.
  const draw = d.result.body.draw;
  const assignments = draw ? draw.assignments : [];
  const cats = ['未发现问题', '发现问题待后续处理', '发现问题经责令已改正', '通过登记的住所（经营场所）无法联系'];
  const results = assignments.slice(0, 4).map((a, i) => ({
    id: crypto.createHash('sha256').update(d.result.id + a.uscc).digest('hex'),
    draw: d.result.id, uscc: a.uscc, name: a.name, category: cats[i], findings: i === 1 ? '部分台账记录不全' : '',
    inspection_date: '2026-12-15',
    state: '已公示',
    published_on: i === 1 ? '2027-01-19' : '2026-12-30',
    deadline: i === 3 ? null : '2027-01-14',
    deadline_note: i === 3 ? 'the 2027 holiday calendar is not published yet' : null,
    working_days_left: null,
    overdue: i === 1,
    amendments: i === 2 ? [{ reason: '更正检查日期', time: '2026-12-20T02:00:00Z' }] : [],
  }));
  return { draw: d.result.id, results, pending: assignments.slice(4).map(a => ({ uscc: a.uscc, name: a.name })) };
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** Answer one request: {status, type, body}. */
export async function handle(st, method, rawUrl, webDir = WEB_DIR) {
  const url = new URL(rawUrl, 'http://x');
  const p = url.pathname;
  const json = (status, v) => ({ status, type: 'application/json', body: JSON.stringify(v) });
  const err = (status, message) => json(status, { error: message });
  if (method !== 'GET') return err(405, 'method not allowed');
  let m;
  if (p === '/api/draws') {
    const page = Number(url.searchParams.get('page') || 1);
    const per = Number(url.searchParams.get('per_page') || 20);
    if (!(page >= 1) || !(per >= 1 && per <= 100)) return err(400, 'page >= 1, 1 <= per_page <= 100');
    return json(200, { draws: st.draws.slice((page - 1) * per, page * per).map(summary), page, per_page: per, total: st.draws.length });
  }
  if ((m = /^\/api\/draws\/([^/]+)$/.exec(p))) {
    const f = findDraw(st, m[1]);
    return f.error ? err(f.error, f.message) : json(200, detail(st, f.draw));
  }
  if ((m = /^\/api\/draws\/([^/]+)\/receipt$/.exec(p))) {
    const f = findDraw(st, m[1]);
    if (f.error) return err(f.error, f.message);
    const file = path.join(st.dir, 'receipts', `${f.draw.result.id}.tlog-proof`);
    return { status: 200, type: 'text/plain; charset=utf-8', body: fs.readFileSync(file) };
  }
  if (p === '/api/checkpoint') return { status: 200, type: 'text/plain; charset=utf-8', body: st.checkpoint };
  if ((m = /^\/api\/entries\/(0|[1-9][0-9]*)$/.exec(p))) { // the raw entry (the page reads LogCreated's publication mode)
    const e = st.entries[Number(m[1])];
    return e ? { status: 200, type: 'application/json', body: e.leaf } : err(404, 'no such entry');
  }
  if (p === '/api/log.pub') return { status: 200, type: 'text/plain; charset=utf-8', body: fs.readFileSync(path.join(st.dir, 'log.pub')) };
  if ((m = /^\/api\/snapshots\/([^/]+)$/.exec(p))) {
    if (!/^[0-9a-f]{64}$/.test(m[1])) return err(400, 'a snapshot root is 64 lowercase hex digits');
    const s = st.snapshots.get(m[1]);
    return s ? { status: 200, type: 'application/gzip', body: fs.readFileSync(s.file) } : err(404, 'no such snapshot');
  }
  if ((m = /^\/api\/enterprises\/([^/]+)$/.exec(p))) {
    const u = decodeURIComponent(m[1]);
    if (!usccValid(u)) return err(400, `"${u}" is not a valid unified social credit code (18 characters, GB 32100-2015 check character)`);
    return json(200, await enterpriseReport(st, u));
  }
  if (p === '/api/results') {
    const id = url.searchParams.get('draw');
    if (!id) return err(400, 'the draw parameter is required');
    const f = findDraw(st, id);
    return f.error ? err(f.error, f.message) : json(200, fakeResults(st, f.draw));
  }
  if (p === '/api/openapi.json') return { status: 200, type: 'application/json', body: fs.readFileSync(path.join(webDir, 'openapi.json')) };
  if (p.startsWith('/api/')) return err(404, 'no such endpoint');
  // static files by name; every other page path gets index.html
  const name = p.slice(1);
  // like the server: web/ and its module folders (verify/, vendor/); no segment starting with "."
  if (/^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/.test(name) && fs.existsSync(path.join(webDir, name)) && fs.statSync(path.join(webDir, name)).isFile()) {
    return { status: 200, type: TYPES[path.extname(name)] || 'application/octet-stream', body: fs.readFileSync(path.join(webDir, name)) };
  }
  if (p === '/' || /^\/(draws\/[^/]+|enterprises(\/[^/]+)?|results)$/.test(p)) {
    return { status: 200, type: TYPES['.html'], body: fs.readFileSync(path.join(webDir, 'index.html')) };
  }
  return err(404, 'not found');
}

/** Start an HTTP server on 127.0.0.1:port (0 = any); resolves to {server, url}. */
export function startFakeServer(logDir, { port = 0, webDir = WEB_DIR } = {}) {
  const st = loadLog(logDir);
  const server = http.createServer(async (req, res) => {
    try {
      const r = await handle(st, req.method, req.url, webDir);
      res.writeHead(r.status, { 'Content-Type': r.type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
      res.end(r.body);
    } catch (e) {
      console.error(e);
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    }
  });
  return new Promise(resolve => server.listen(port, '127.0.0.1', () => {
    resolve({ server, url: `http://127.0.0.1:${server.address().port}`, state: st });
  }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = k => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const log = opt('--log');
  if (!log) { console.error('usage: node tests/browser/fake-api.mjs --log DIR [--port N] [--web DIR]'); process.exit(2); }
  const { url, state } = await startFakeServer(log, { port: Number(opt('--port') || 8089), webDir: opt('--web') || WEB_DIR });
  console.log(`fake fairdraw API on ${url} (${state.draws.length} draws)`);
  for (const d of state.draws) console.log(`  ${url}/draws/${d.result.id}  ${d.commitment.body.plan.name}`);
}
