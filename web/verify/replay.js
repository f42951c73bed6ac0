// web/verify/replay.js — audit/LOG-FORMAT.md "What `audit verify` checks":
// the snapshot blobs of check 5 (each RegistrySnapshot's blob exists and
// hashes to its root with its count) and check 10, the replay: every
// DrawResult re-run from the log alone (the committed effective plan, the
// registries from the snapshot leaves, the beacon's seed) with the page's
// own re-run (./rebuild.js) and compared value by value with the logged
// document — a sealed draw's once its DrawPublication is there. One line per
// draw, as verify.py log prints them: `OK <id> …`, `DIFF <id> …`, and in a
// protected log without the auditor export `PUBLIC <id> …` (not a failure).
// Part of the independent verifier web/verify.js (see its header).

import { FairdrawError, formatError } from './errors.js';
import { isPlainObject } from './canonical-json.js';
import { formatDifference } from './document.js';
import { REGISTRIES, readSnapshot, inputsFrom, rerun } from './rebuild.js';

const NOT_REPLAYED = 'not replayed: a protected log without its full snapshots (the auditor export has them)';

/** Why a replay cannot run (the log lacks what it needs): a DIFF line `cannot replay: …`. */
class ReplayError extends Error {}

/** The first line a FairdrawError tells (its first error record, when it lists them). */
function firstLine(e) {
  return e.errors && e.errors.length ? formatError(e.errors[0]) : String(e.message).split('\n')[0];
}

/**
 * The snapshot blobs and the replay of one log verification; `v` is the
 * LogVerifier (problem, note, lines), `readBlob(name)` the bytes of a file of
 * the log (null when absent).
 */
export class Replay {
  constructor(v, readBlob) {
    this.v = v; this.readBlob = readBlob;
    this.snapshots = new Map(); // `${registry} ${root}` -> {entry, columns, read (of readSnapshot) | null (absent), broken}
    this.counts = { replayed: 0, public: 0, sealed: 0, differ: 0 };
  }

  /**
   * Check 5's blobs, for the well-formed RegistrySnapshot entries of `good`.
   * A full log's blob must exist and hash to its root with its count; a
   * protected log publishes none (the auditor export has them as
   * snapshots/<root>.jsonl.gz, the operator's directory under private/:
   * ./publication.js checks those against the commitment). `forReplay`:
   * also rebuild the enterprise CSV (without it only the roots are checked).
   */
  async readSnapshots(good, isProtected, forReplay) {
    for (const e of good.filter(x => x.kind === 'RegistrySnapshot')) {
      const b = e.body;
      const where = `entry ${e.index} (RegistrySnapshot)`;
      const key = `${b.registry} ${b.root}`;
      if (!REGISTRIES.includes(b.registry) || this.snapshots.has(key)) continue;
      const name = `snapshots/${b.root}.jsonl.gz`;
      const snap = { entry: e, columns: b.columns, read: null, broken: null };
      this.snapshots.set(key, snap);
      if (!isProtected && b.blob !== name) { this.v.problem(`${where}: blob ${JSON.stringify(b.blob)} should be ${name}`); snap.broken = 'its blob is misnamed'; continue; }
      const names = isProtected ? [name, `private/${name}`] : [name];
      let raw = null;
      for (const n of names) if (raw === null) raw = await this.readBlob(n);
      if (raw === null) {
        if (!isProtected) { this.v.problem(`${where}: snapshot blob ${name} is missing`); snap.broken = 'its blob is missing'; }
        continue;
      }
      const columns = b.registry !== 'enterprises' ? undefined : forReplay ? b.columns : null; // null: no CSV (./rebuild.js)
      let read;
      try { read = await readSnapshot(b.registry, raw, columns, b.count); } catch (x) {
        if (!isProtected) this.v.problem(`${where}: ${name} is not gzip (${x.message})`);
        snap.broken = 'its blob is not gzip';
        continue;
      }
      if (read.root !== b.root || read.count !== b.count) {
        // a protected log's full blob: ./publication.js reports it against the commitment
        if (!isProtected) this.v.problem(`${where}: snapshot ${b.root} hashes to ${read.root} with ${read.count} leaves, the entry says ${b.count}: it was changed`);
        snap.broken = 'its blob does not hash to its root';
        continue;
      }
      snap.read = read;
    }
  }

  /** The registry CSV of a snapshot, made once (the rebuilt bytes are shared by every draw that uses it). */
  csvOf(snap, reg) {
    if (snap.csv === undefined) {
      try {
        if (snap.read.jsonError) throw snap.read.jsonError;
        snap.csv = { bytes: snap.read.csv() };
      } catch (e) {
        if (!(e instanceof FairdrawError)) throw e;
        snap.csv = { error: `the ${reg} snapshot: ${firstLine(e)}` };
      }
    }
    if (snap.csv.error) throw new ReplayError(snap.csv.error);
    return snap.csv.bytes;
  }

  /** The rebuilt inputs of commitment entry `c`: ReplayError when the log lacks them; null when only the auditor export has them. */
  inputsOf(c) {
    const csv = {};
    const roots = isPlainObject(c.body.snapshots) ? c.body.snapshots : {};
    for (const reg of REGISTRIES) {
      const root = isPlainObject(roots[reg]) ? roots[reg].root : undefined;
      const snap = this.snapshots.get(`${reg} ${root}`);
      if (!snap || snap.entry.index > c.index) throw new ReplayError(`the ${reg} snapshot ${root} is not logged before the commitment`);
      if (snap.broken) throw new ReplayError(`the ${reg} snapshot is broken: ${snap.broken}`);
      if (snap.read === null) return null;
      csv[reg] = this.csvOf(snap, reg);
    }
    return inputsFrom(csv, c.body.plan);
  }

  /**
   * Check 10 for the well-formed entries `good`: one line per DrawResult
   * (sealed ones once published; ./publication.js notes the others).
   */
  async replayDraws(good, publication) {
    for (const e of good.filter(x => x.kind === 'DrawResult' && x.commitment && x.beaconRecord)) {
      const b = e.body;
      let doc = b.outcome === 'drawn' ? b.draw : null;
      if (b.outcome === 'drawn' && Object.hasOwn(b, 'sealed')) {
        const s = publication.sealed.get(e.id);
        if (!s || s.publication === null) { this.counts.sealed++; continue; }
        doc = s.publication.body.draw;
      }
      const { line, same } = await this.replayOne(e, doc);
      if (same === null) { this.counts.public++; this.v.lines.push(`PUBLIC ${e.id} ${line}`); continue; }
      this.counts.replayed++;
      if (!same) this.counts.differ++;
      this.v.lines.push(`${same ? 'OK' : 'DIFF'} ${e.id} ${line}`);
    }
  }

  /** {line, same}: same is null when the draw cannot be replayed here (a protected log's public mirror). */
  async replayOne(e, doc) {
    let res;
    try {
      const inputs = this.inputsOf(e.commitment);
      if (inputs === null) return { line: NOT_REPLAYED, same: null };
      res = await rerun(doc, inputs, e.beaconRecord.body.seed);
    } catch (x) {
      if (x instanceof ReplayError) return { line: `cannot replay: ${x.message}`, same: false };
      if (x instanceof FairdrawError) return { line: `cannot replay: ${firstLine(x)}`, same: false };
      // the committed plan is not of the shape §3.3 says (the digest check passed on what was logged)
      if (x instanceof TypeError || x instanceof RangeError) return { line: `cannot replay: the committed plan is malformed (${x.name}: ${x.message})`, same: false };
      throw x;
    }
    if (doc === null) {
      return res.infeasible ? { line: '(infeasible, as logged)', same: true }
        : { line: `outcome: logged infeasible, replay draws ${res.computed.assignments.length} targets`, same: false };
    }
    if (res.infeasible) return { line: `outcome: logged drawn, replay finds ${res.message}`, same: false };
    const d = res.differences;
    if (d.length) return { line: `${d.length} difference(s), first: ${formatDifference(d[0])}`, same: false };
    return { line: `${res.computed.plan_name}: ${res.computed.assignments.length} targets reproduced`, same: true };
  }

  /** Words for the VERIFIED line. */
  summary() {
    const { replayed, public: pub, sealed } = this.counts;
    return `${replayed} draw(s) replayed`
      + (pub ? `, ${pub} draw(s) checked without replay (protected log)` : '')
      + (sealed ? `, ${sealed} draw(s) sealed` : '');
  }
}
