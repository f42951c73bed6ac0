// bench-verify.mjs — how long the draw page takes to verify a large draw in
// headless Chromium, and how much memory it needs. A benchmark, not a test:
// it prints figures and asserts nothing about them.
//
//   node tests/browser/bench-verify.mjs --registry DIR [--log DIR] [--runs N] [--lang zh|en] [--web DIR]
//
// --registry DIR  enterprises.csv, inspectors.csv and conflicts.csv (e.g. made by
//                 `fairdraw gen --enterprises 1000000 --inspectors 5000 --conflicts 2000 --out-dir DIR`)
// --log DIR       the log to serve (default DIR/bench-log); made when it does not
//                 exist: `fairdraw init --publish full`, then `commit` of the
//                 registry with data/plan-minimal.toml and a ceremony beacon,
//                 then `reveal` (a simulated clock, so it is reproducible)
// --runs N        measured runs, each in a fresh browser (default 3)
// --web DIR       serve this copy of web/ (e.g. an older one, to compare)
//
// Each run opens the draw page, presses "verify" and waits for the verdict;
// it prints one JSON line {run, status, seconds, cpuSeconds, pageRssMiB, peakRssMiB,
// stages, processes} where seconds runs from the click to the verdict, cpuSeconds is
// the CPU time Chromium's processes used meanwhile, stages are the page's
// progress texts with their times, pageRssMiB the renderer's peak before the
// click (the page alone), and peakRssMiB is the largest
// peak resident set (VmHWM in /proc) of a Chromium renderer process — the page
// and its Web Worker live in one — read just before the browser closes; then
// the medians. The binary is $FAIRDRAW or target/debug/fairdraw; Chromium is
// /usr/bin/chromium or $CHROMIUM (as for e2e.mjs).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAIRDRAW } from './make-log.mjs';
import { startServer } from './server.mjs';
import { openBrowser } from './e2e.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function args(argv) {
  const o = { runs: 3, lang: 'zh' };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--registry') o.registry = argv[++k];
    else if (a === '--log') o.log = argv[++k];
    else if (a === '--runs') o.runs = Number(argv[++k]);
    else if (a === '--lang') o.lang = argv[++k];
    else if (a === '--web') o.web = path.resolve(argv[++k]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.registry) throw new Error('usage: node tests/browser/bench-verify.mjs --registry DIR [--log DIR] [--runs N] [--lang zh|en] [--web DIR]');
  if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs: a positive integer');
  o.log = o.log || path.join(o.registry, 'bench-log');
  return o;
}

const fairdraw = a => execFileSync(FAIRDRAW, a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
const lastLine = out => out.trim().split('\n').pop().trim();

/** A log with one drawn commitment of the registry (see the header). */
function makeLog(registry, log) {
  const at = h => `2026-11-02T0${h}:00:00Z`;
  fairdraw(['init', '--log', log, '--publish', 'full', '--origin', 'bench.local/verify-log', '--now', at(1)]);
  const regs = ['enterprises', 'inspectors', 'conflicts'].flatMap(r => [`--${r}`, path.join(registry, `${r}.csv`)]);
  const id = lastLine(fairdraw(['commit', '--log', log, ...regs, '--plan', 'data/plan-minimal.toml', '--beacon', 'ceremony', '--now', at(2)]));
  fairdraw(['reveal', '--log', log, id, '--ceremony', '31415926535897932384626', '--witness', '张三', '--witness', 'Li Si', '--now', at(3)]);
}

/** pid -> {ppid, cmdline} of every process. */
function processes() {
  const out = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(d), { ppid, cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

const TICKS = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s

/**
 * This process's Chromium descendants: [{pid, type, peakMiB, cpuSeconds}]
 * (VmHWM: the peak resident set so far; CPU: user + system time so far,
 * which on a shared machine says more than the wall time).
 */
function chromiumPeaks() {
  const all = processes();
  const mine = pid => { for (let p = pid; p > 1; p = all.get(p)?.ppid ?? 0) if (p === process.pid) return true; return false; };
  const out = [];
  for (const [pid, p] of all) {
    if (pid === process.pid || !mine(pid) || !/chrom/.test(p.cmdline)) continue;
    const type = (/--type=([a-z-]+)/.exec(p.cmdline) || [, 'browser'])[1];
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuSeconds = (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime
      if (hwm) out.push({ pid, type, peakMiB: Math.round(Number(hwm[1]) / 1024), cpuSeconds });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

async function oneRun(url, id, lang) {
  const { browser, page } = await openBrowser({ lang });
  try {
    const logs = [];
    page.on('console', m => { if (m.text().startsWith('TMPT')) logs.push(m.text()); });
    page.on('worker', w => w.on('console', m => { if (m.text().startsWith('TMPT')) logs.push('W ' + m.text()); }));
    process.on('exit', () => {});
    globalThis.__logs = logs;
    await page.goto(`${url}/draws/${id}`);
    await page.waitForSelector('#verify-button', { timeout: 600_000 }); // a draw of 10^6 firms lists 44,000 targets
    // the stages the page shows, with the time since the click: where the time goes
    const stages = [];
    let t0 = 0;
    await page.exposeFunction('benchStage', text => stages.push([(Date.now() - t0) / 1000, text]));
    await page.evaluate(() => {
      const el = document.getElementById('verify-stage');
      let last = '';
      new MutationObserver(() => {
        const text = el.textContent.replace(/[\d,，]+/g, '#');
        if (text !== last) { last = text; window.benchStage(el.textContent); }
      }).observe(el, { childList: true, subtree: true, characterData: true });
    });
    const before = chromiumPeaks();
    const cpuBefore = before.reduce((s, p) => s + p.cpuSeconds, 0);
    // the page itself (the draw's 10^4 targets are listed) before anything is verified
    const pageRssMiB = Math.max(0, ...before.filter(p => p.type === 'renderer').map(p => p.peakMiB));
    t0 = Date.now();
    await page.click('#verify-button');
    await page.waitForSelector('[data-verify-status]:not([data-verify-status="pending"])', { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    for (const l of logs) { const m = l.match(/^(.*?)(\d{13})$/); console.error(m ? `${m[1]} ${((Number(m[2]) - t0)/1000).toFixed(3)}` : l); }
    const status = await page.getAttribute('[data-verify-status]', 'data-verify-status');
    const where = await page.textContent('#verify-where').catch(() => null);
    const procs = chromiumPeaks();
    const renderers = procs.filter(p => p.type === 'renderer');
    const cpuSeconds = Math.round(100 * (procs.reduce((s, p) => s + p.cpuSeconds, 0) - cpuBefore)) / 100;
    return { status, seconds, cpuSeconds, pageRssMiB, peakRssMiB: Math.max(0, ...renderers.map(p => p.peakMiB)), where, stages, processes: procs };
  } finally {
    await browser.close();
  }
}

const median = xs => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

async function main() {
  const o = args(process.argv.slice(2));
  if (!fs.existsSync(path.join(o.log, 'log.pub'))) makeLog(o.registry, o.log);
  const srv = await startServer(path.resolve(o.log), o.web ? { web: o.web } : {});
  try {
    const draws = (await (await fetch(`${srv.url}/api/draws`)).json()).draws;
    const id = draws[draws.length - 1].id;
    const runs = [];
    for (let r = 1; r <= o.runs; r++) {
      const res = await oneRun(srv.url, id, o.lang);
      runs.push(res);
      console.log(JSON.stringify({ run: r, ...res }));
    }
    console.log(JSON.stringify({ draw: id, runs: runs.length, statuses: [...new Set(runs.map(r => r.status))],
      medianSeconds: median(runs.map(r => r.seconds)), medianCpuSeconds: median(runs.map(r => r.cpuSeconds)),
      medianPeakRssMiB: median(runs.map(r => r.peakRssMiB)) }));
  } finally {
    await srv.stop();
  }
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(2); });
