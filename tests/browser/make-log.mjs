// make-log.mjs — build a test audit log with every kind of draw the page shows.
//
//   1. `fairdraw demo`: drand beacon, rotation + history, exclusions, items
//   2. data/plan-joint.toml with a ceremony: joint departments, experts, and
//      log exclusions (the demo already drew some firms for the same item)
//   3. data/plan-cross.toml with a ceremony: scope.where on an extra column
//      (the enterprise snapshot then has a column beyond the six base ones)
//   4. an infeasible plan (workload cap 1 with region "same"; no items, so the
//      log excludes nobody): outcome infeasible
//
//   node tests/browser/make-log.mjs OUT_DIR      (prints the log directory)
// The binary is $FAIRDRAW or target/debug/fairdraw (build it first).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FAIRDRAW = process.env.FAIRDRAW || path.join(ROOT, 'target/debug/fairdraw');

const INFEASIBLE_PLAN = `name = "不可行的测试计划（每名执法人员至多 1 户）"
department = "市场监督管理局"
inspection_date = "2026-12-15"
[ratios]
A = "100%"
B = "100%"
C = "100%"
D = "100%"
[scope]
regions = ["330102", "330105"]
[scope.where]
"列入经营异常名录" = "是"
[team]
size = 2
departments = ["市场监督管理局"]
region = "same"
max_targets_per_inspector = 1
`;

function run(args, { infeasibleOk = false } = {}) {
  try {
    return execFileSync(FAIRDRAW, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // An infeasible reveal exits 2 but logs the outcome (a DrawResult with outcome "infeasible").
    if (infeasibleOk && /outcome is logged as entry/.test(`${e.stdout}${e.stderr}`)) return `${e.stdout}${e.stderr}`;
    throw e;
  }
}
const lastLine = out => out.trim().split('\n').pop().trim();

/** Create OUT_DIR/demo-log with four draws; returns the log directory. */
export function makeLog(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  // A full log: the page's checks of public snapshots are tested here.
  run(['demo', '--out-dir', outDir, '--publish', 'full']);
  const log = path.join(outDir, 'demo-log');
  const regs = ['--enterprises', 'data/enterprises.csv', '--inspectors', 'data/inspectors.csv', '--conflicts', 'data/conflicts.csv'];
  const planDir = path.join(outDir, 'infeasible-plan');
  fs.mkdirSync(planDir);
  fs.writeFileSync(path.join(planDir, 'plan.toml'), INFEASIBLE_PLAN);
  const plans = [
    ['data/plan-joint.toml', '31415926535897932384626', ['张三', 'Li Si'], false],
    ['data/plan-cross.toml', '16180339887498948482045', ['钱七', '孙八'], false],
    [path.join(planDir, 'plan.toml'), '27182818284590452353602', ['王五', '赵六'], true],
  ];
  let hour = 1;
  for (const [plan, digits, witnesses, infeasibleOk] of plans) {
    const now = h => `2024-10-15T${String(h).padStart(2, '0')}:00:00Z`;
    const id = lastLine(run(['commit', '--log', log, ...regs, '--plan', plan, '--beacon', 'ceremony', '--now', now(hour++)]));
    run(['reveal', '--log', log, id, '--ceremony', digits, ...witnesses.flatMap(w => ['--witness', w]), '--now', now(hour++)], { infeasibleOk });
  }
  return log;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) { console.error('usage: node tests/browser/make-log.mjs OUT_DIR'); process.exit(2); }
  console.log(makeLog(path.resolve(out)));
}
