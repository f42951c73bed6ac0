// web/verify/cli.js — The node CLI: `node web/verify.js DRAW.json …` and
// `--emit` (see web/verify.js).
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { FairdrawError } from './errors.js';
import { verifyLog, LOG_FILES } from './log.js';
import { directoryStatics, verifyMirror } from './static-log.js';
import { verifyDisclosure } from './disclosure.js';
import { parseTime } from './time.js';
import { computeDraw, formatDifference, stringifyJson, verifyDraw } from './document.js';

const USAGE = `usage:
  node web/verify.js DRAW.json --enterprises E.csv --inspectors I.csv [--conflicts C.csv] --plan P.toml
  node web/verify.js --emit --enterprises E.csv --inspectors I.csv [--conflicts C.csv] --plan P.toml (--seed STRING | --seed-file FILE)
  node web/verify.js log DIR|URL [--checkpoint OLD_CHECKPOINT_FILE] [--vkey KEY_OR_FILE] [--now RFC3339] [--no-replay]
  node web/verify.js disclosure FILE [--vkey KEY_OR_FILE]`;

function parseArgs(argv) {
  const opts = { positional: [] };
  const valued = ['enterprises', 'inspectors', 'conflicts', 'plan', 'seed', 'seed-file', 'vkey', 'now', 'checkpoint'];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--emit') { opts.emit = true; continue; }
    if (a === '--no-replay') { opts.noReplay = true; continue; }
    if (a === '--help' || a === '-h') { opts.help = true; continue; }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (m && valued.includes(m[1])) {
      let v = m[2];
      if (v === undefined) {
        if (k + 1 >= argv.length) throw new FairdrawError(`option --${m[1]} needs a value\n${USAGE}`);
        v = argv[++k];
      }
      if (opts[m[1]] !== undefined) throw new FairdrawError(`option --${m[1]} given twice`);
      opts[m[1]] = v;
      continue;
    }
    if (a.startsWith('--') && a.length > 2) throw new FairdrawError(`unknown option ${a}\n${USAGE}`);
    opts.positional.push(a);
  }
  return opts;
}

/** A node Buffer as a plain Uint8Array over the same memory (a registry of 10^6 firms is 100 MB: not copied). */
function viewOf(buf) { return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength); }

export async function cliMain(argv, io) {
  const { readFile, path } = io;
  if (argv[0] === 'log') return logMain(argv.slice(1), io);
  if (argv[0] === 'disclosure') return disclosureMain(argv.slice(1), io);
  const opts = parseArgs(argv);
  if (opts.help) { io.out(USAGE); return 0; }
  if (opts.noReplay) throw new FairdrawError(`--no-replay is only for log\n${USAGE}`);
  const read = async (p, what) => {
    try { return viewOf(await readFile(p)); } catch (e) {
      throw new FairdrawError(`${p}: cannot read ${what}: ${e.message}`);
    }
  };
  for (const k of ['enterprises', 'inspectors', 'plan']) if (opts[k] === undefined) throw new FairdrawError(`missing --${k}\n${USAGE}`);
  if (opts.emit) {
    if (opts.positional.length) throw new FairdrawError(`--emit takes no DRAW.json argument\n${USAGE}`);
    if ((opts.seed === undefined) === (opts['seed-file'] === undefined)) throw new FairdrawError(`--emit needs exactly one of --seed or --seed-file\n${USAGE}`);
  } else {
    if (opts.positional.length !== 1) throw new FairdrawError(`expected exactly one DRAW.json argument\n${USAGE}`);
    if (opts.seed !== undefined || opts['seed-file'] !== undefined) throw new FairdrawError('--seed/--seed-file are only for --emit (verification uses the seed in DRAW.json)');
  }
  const planDir = path.dirname(path.resolve(opts.plan));
  const inputs = {
    enterprises: await read(opts.enterprises, 'the enterprise registry'),
    inspectors: await read(opts.inspectors, 'the inspector roster'),
    conflicts: opts.conflicts !== undefined ? await read(opts.conflicts, 'the recusal list') : undefined,
    plan: await read(opts.plan, 'the plan'),
    planFiles: async (name) => {
      const p = path.resolve(planDir, name);
      try { return new Uint8Array(await readFile(p)); } catch (e) {
        throw new Error(`${p}: ${e.code || e.message}`);
      }
    },
    names: { enterprises: opts.enterprises, inspectors: opts.inspectors, conflicts: opts.conflicts, plan: opts.plan },
  };
  if (opts.emit) {
    let seed = opts.seed;
    if (seed === undefined) {
      const b = await read(opts['seed-file'], 'the seed file');
      try { seed = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { throw new FairdrawError(`${opts['seed-file']}: the seed file is not valid UTF-8`); }
    }
    const doc = await computeDraw({ ...inputs, seed });
    io.out(stringifyJson(doc, 2));
    return 0;
  }
  const drawPath = opts.positional[0];
  const drawBytes = await read(drawPath, 'the draw document');
  inputs.names.draw = drawPath;
  const res = await verifyDraw(drawBytes, inputs);
  if (res.status === 'verified') {
    io.out(`VERIFIED: ${res.summary}`);
    return 0;
  }
  const lines = ['MISMATCH'];
  for (const d of res.differences.slice(0, 50)) lines.push(formatDifference(d));
  if (res.differences.length > 50) lines.push(`… and ${res.differences.length - 50} more`);
  io.out(lines.join('\n'));
  return 1;
}

/** Runs the CLI when the node process was started with `entryUrl` (web/verify.js) as its script. */
export async function runCliIfMain(entryUrl) {
  if (typeof process !== 'object' || !process || !process.versions || !process.versions.node) return;
  if (!Array.isArray(process.argv) || !process.argv[1]) return;
  const [{ pathToFileURL }, fs, path] = await Promise.all([import('node:url'), import('node:fs'), import('node:path')]);
  let mainUrl;
  try { mainUrl = pathToFileURL(fs.realpathSync(process.argv[1])).href; } catch { return; }
  if (mainUrl !== entryUrl) return;
  for (const st of [process.stdout, process.stderr]) st.on('error', () => {}); // e.g. EPIPE with `| head`
  const write = (stream, text) => new Promise(res => stream.write(text + '\n', () => res()));
  const pending = [];
  const io = {
    readFile: fs.promises.readFile,
    readdir: fs.promises.readdir,
    path,
    out: (t) => pending.push(write(process.stdout, t)),
  };
  let code;
  // A download or decompression that never settles (a host sending a body
  // its Content-Encoding does not describe, for one) leaves nothing for node
  // to wait on, and node would end with exit 0 and no verdict: the exit code
  // is 2 until a verdict is reached, and the reason is said.
  process.exitCode = 2;
  let said = false;
  process.on('beforeExit', () => {
    if (code !== undefined || said) return;
    said = true;
    process.stderr.write('error: the verification stopped before it finished: a download or its decompression never completed\n');
  });
  try {
    code = await cliMain(process.argv.slice(2), io);
  } catch (e) {
    const msg = e instanceof FairdrawError ? e.message : `internal error: ${e && e.stack ? e.stack : e}`;
    pending.push(write(process.stderr, msg.split('\n').map(l => `error: ${l}`).join('\n')));
    code = 2;
  }
  await Promise.all(pending);
  process.exitCode = code;
}

/** `node web/verify.js log DIR|URL [--vkey KEY_OR_FILE] [--now RFC3339] [--no-replay]`: see ./log.js and ./static-log.js. */
async function logMain(argv, io) {
  const opts = parseArgs(argv);
  if (opts.help) { io.out(USAGE); return 0; }
  for (const k of ['enterprises', 'inspectors', 'conflicts', 'plan', 'seed', 'seed-file']) {
    if (opts[k] !== undefined) throw new FairdrawError(`option --${k} is not for log\n${USAGE}`);
  }
  if (opts.emit || opts.positional.length !== 1) throw new FairdrawError(`log takes exactly one DIR or URL argument\n${USAGE}`);
  const replay = !opts.noReplay; // LOG-FORMAT check 10, as `audit verify --no-replay`
  const dir = opts.positional[0];
  let now;
  if (opts.now !== undefined) {
    now = parseTime(opts.now);
    if (now === null) throw new FairdrawError(`--now ${JSON.stringify(opts.now)} is not RFC 3339 UTC like 2026-11-25T09:00:00Z`);
  }
  const vkey = await readVkey(opts.vkey, io);
  const old = await readSavedCheckpoint(opts.checkpoint, io);
  if (/^https?:\/\//i.test(dir)) {
    const res = await verifyMirror(dir, { vkey, now, replay, old });
    io.out(res.lines.join('\n'));
    return res.code;
  }
  // Listed before any other file is read (LOG-FORMAT "Checking"): a writer adds
  // a batch's static files after its records, so none listed now can look stray.
  const names = [];
  for (const top of ['tile', 'entry']) await listFiles(io, dir, top, names);
  const files = new Map();
  for (const name of LOG_FILES) {
    try { files.set(name, new Uint8Array(await io.readFile(io.path.join(dir, name)))); } catch (e) {
      if (e.code === 'ENOTDIR') throw new FairdrawError(`${dir}: not a directory`);
      if (e.code !== 'ENOENT') throw new FairdrawError(`${io.path.join(dir, name)}: cannot read: ${e.message}`);
    }
  }
  if (!files.has('log.pub')) throw new FairdrawError(`${dir} has no log.pub: not a fairdraw log`);
  // snapshot blobs (blinded, and an auditor export's full ones and salts), read when needed
  const readBlob = async (name) => {
    try { return new Uint8Array(await io.readFile(io.path.join(dir, name))); } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw new FairdrawError(`${io.path.join(dir, name)}: cannot read: ${e.message}`);
    }
  };
  const statics = directoryStatics(names.sort(), readBlob); // sorted: the same report on every file system
  const res = await verifyLog(files, { vkey, now, readBlob, statics, replay, old });
  io.out(res.lines.join('\n'));
  return res.code;
}

/** The files under `dir`/`rel`, as `/`-separated names relative to `dir`, into `out` (none when `rel` does not exist). */
async function listFiles(io, dir, rel, out) {
  let items;
  try { items = await io.readdir(io.path.join(dir, ...rel.split('/')), { withFileTypes: true }); } catch (e) {
    if (e.code === 'ENOENT') return;
    if (e.code === 'ENOTDIR') { out.push(rel); return; }
    throw new FairdrawError(`${io.path.join(dir, rel)}: cannot list: ${e.message}`);
  }
  for (const item of items) {
    const name = `${rel}/${item.name}`;
    if (item.isDirectory()) await listFiles(io, dir, name, out);
    else out.push(name);
  }
}

/** --checkpoint: the text of a checkpoint the user saved (checked by verifyLog), or undefined. */
async function readSavedCheckpoint(arg, io) {
  if (arg === undefined) return undefined;
  let bytes;
  try { bytes = await io.readFile(arg); } catch (e) { throw new FairdrawError(`--checkpoint ${arg}: cannot read: ${e.message}`); }
  try { return { name: arg, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }; } catch {
    throw new FairdrawError(`--checkpoint ${arg}: not UTF-8 text`);
  }
}

/** --vkey: a key, or a file whose first line is one. */
async function readVkey(arg, io) {
  if (arg === undefined) return undefined;
  let bytes = null;
  try { bytes = await io.readFile(arg); } catch { /* not a file: the key itself */ }
  if (bytes === null) return arg;
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n')[0].trim(); } catch {
    throw new FairdrawError(`--vkey ${arg}: not UTF-8 text`);
  }
}

/** `node web/verify.js disclosure FILE [--vkey KEY_OR_FILE]`: see ./disclosure.js; exit 0 verified, 1 tampered, 2 bad input. */
async function disclosureMain(argv, io) {
  const opts = parseArgs(argv);
  if (opts.help) { io.out(USAGE); return 0; }
  if (opts.noReplay) throw new FairdrawError(`--no-replay is only for log\n${USAGE}`);
  for (const k of ['enterprises', 'inspectors', 'conflicts', 'plan', 'seed', 'seed-file', 'now']) {
    if (opts[k] !== undefined) throw new FairdrawError(`option --${k} is not for disclosure\n${USAGE}`);
  }
  if (opts.emit || opts.positional.length !== 1) throw new FairdrawError(`disclosure takes exactly one FILE argument\n${USAGE}`);
  const file = opts.positional[0];
  let bytes;
  try { bytes = new Uint8Array(await io.readFile(file)); } catch (e) { throw new FairdrawError(`${file}: cannot read the disclosure: ${e.message}`); }
  let res;
  try { res = await verifyDisclosure(bytes, { vkey: await readVkey(opts.vkey, io) }); } catch (e) {
    if (e instanceof FairdrawError) throw new FairdrawError(`${file}: ${e.message}`);
    throw e;
  }
  io.out(res.lines.join('\n'));
  return res.code;
}
