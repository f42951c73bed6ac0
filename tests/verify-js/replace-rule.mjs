// replace-rule.mjs — a fixture for the tests of audit/LOG-FORMAT.md
// "Replacing an inspector" (tests/verify-js/replace.test.mjs,
// tests/browser/replacement-page.mjs): a roster of 13 market inspectors and
// one of another department, a plan whose every slot wants a market
// inspector, and the replacement rule written out from the spec text with
// node's crypto (not with web/verify's modules).

import crypto from 'node:crypto';

export const MARKET = '市场监督管理局';
// 13 inspectors of the market bureau and one of another department (never compatible: the plan's departments)
export const INSPECTORS = 'id,name,department,region\n'
  + Array.from({ length: 13 }, (_, k) => `ZF${String(k + 1).padStart(3, '0')},检查员${k + 1},${MARKET},330106`).join('\n')
  + '\nZF014,卫健员,卫生健康委员会,330106\n';
export const PLAN = `name = "替换测试"
department = "${MARKET}"
[ratios]
A = "50%"
B = "50%"
C = "50%"
D = "50%"
[scope]
statuses = ["存续"]
[team]
size = 4
departments = ["${MARKET}"]
`;
export const CONFLICT = ['ZF001', '91330106MA2B00000U']; // protected-log.mjs's conflicts list
export const COMPATIBLE = Array.from({ length: 13 }, (_, k) => `ZF${String(k + 1).padStart(3, '0')}`); // sorted by id

export const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();

/** SPEC §8.1 uniform(n) over the stream of `key`, written out here. */
export function stream(key) {
  let block = 0; let words = [];
  const word = () => {
    if (!words.length) {
      const ctr = Buffer.alloc(8); ctr.writeBigUInt64BE(BigInt(block++));
      const d = sha(key, ctr);
      words = [0, 8, 16, 24].map(o => d.readBigUInt64BE(o));
    }
    return words.shift();
  };
  return (n) => {
    const N = BigInt(n); const limit = (1n << 64n) - ((1n << 64n) % N);
    for (;;) { const x = word(); if (x < limit) return Number(x % N); }
  };
}

/** The teams of a document with replacement lists applied (the spec's "teams of a draw"). */
export function teams(doc, lists = []) {
  const t = doc.assignments.map(a => ({ uscc: a.uscc, ids: [...a.inspectors, ...a.experts] }));
  for (const list of lists) for (const r of list) t.find(x => x.uscc === r.uscc).ids[r.slot] = r.inspector;
  return t;
}

/**
 * LOG-FORMAT "The rule" for this plan (every slot wants a market inspector,
 * no cap, no rotation): the list a Replacement of `old` must carry.
 * `earlier`: the earlier Replacement bodies of the draw; `bar`: false to
 * forget the earlier ones' inspectors (the tampered variant).
 */
export function rule(doc, rid, old, earlier = [], bar = true) {
  const now = teams(doc, earlier.map(b => b.replacements));
  const barred = new Set([old, ...(bar ? earlier.map(b => b.inspector) : [])]);
  const uniform = stream(sha('fairdraw-v1/replace', [0], doc.seed, [0], rid, [0], old));
  const out = [];
  for (const t of now) {
    t.ids.forEach((id, s) => {
      if (id !== old) return;
      const cands = COMPATIBLE.filter(i => !(i === CONFLICT[0] && t.uscc === CONFLICT[1]) && !t.ids.includes(i) && !barred.has(i));
      const pick = cands[uniform(cands.length)];
      t.ids[s] = pick;
      out.push({ uscc: t.uscc, slot: s, inspector: pick });
    });
  }
  return out;
}
/** The same plan off site (SPEC §8.6): a desk review by a reviewer pair. */
export const DESK_PLAN = PLAN.replace('[ratios]', 'method = "desk"\n[ratios]') + 'reviewers = 2\n';
