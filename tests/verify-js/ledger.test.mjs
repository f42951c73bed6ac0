// node --test tests/verify-js/ledger.test.mjs — web/verify.js and
// LOG-FORMAT "The burden ledger and caps", rule 3: `visits_per_firm_per_year`
// counts visits (进一次门、查多项事), not checks. Two draws of two departments
// on the same day are one joint visit; a jointly-drawn plan is one visit; a
// second visit by a department already there is a visit more; external checks
// count 1 each; another year's checks do not count. The logs are small lists
// of entries written here; the expected counts come from the spec text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logExclusions, checksOfYear, visitsPerFirm } from '../../web/verify/ledger.js';

const [MARKET, TAX, FIRE] = ['市场监督管理局', '税务局', '消防救援支队'];
const [U1, U2, U3] = ['913301271357246856', '91330106MA27XK8E3J', '91330100MA2H3XQ5XB'];

const entry = (id, kind, body) => ({ id, kind, body, ok: true });

/** A commitment `cN` of one department (or a joint team) inspecting on `date`, and its drawn result `rN`. */
function draw(n, usccs, department, { date = '2026-05-10', year = 2026, departments = [] } = {}) {
  const plan = { department, items: [{ item: '食品' }], inspection_date: date, team: { departments } };
  return [
    entry(`c${n}`, 'DrawCommitment', { year, plan }),
    entry(`r${n}`, 'DrawResult', { commitment: `c${n}`, outcome: 'drawn', draw: { assignments: usccs.map(uscc => ({ uscc, inspectors: ['i1'], experts: [] })) } }),
  ];
}

const external = (n, ...checks) => [entry(`x${n}`, 'ExternalChecks', { source: 'x.csv', checks: checks.map(([uscc, department, date]) => ({ uscc, department, method: 'on_site', date })) })];

const capped = (log, cap, year = 2026) => logExclusions(log, { department: MARKET, items: [], caps: { visits_per_firm_per_year: cap } }, year);
const visits = (log, year = 2026) => Object.fromEntries(visitsPerFirm(log, checksOfYear(log, year)));

test('a joint visit is one visit; a second visit reaches a cap of 2', () => {
  const joint = [...draw(1, [U1], MARKET), ...draw(2, [U1], TAX)];
  assert.deepEqual(visits(joint), { [U1]: 1 });
  assert.deepEqual(capped(joint, 2), [], 'two departments in one door entry');
  const again = [...joint, ...draw(3, [U1], MARKET, { date: '2026-06-01' })];
  assert.deepEqual(visits(again), { [U1]: 2 });
  assert.deepEqual(capped(again, 2), [{ uscc: U1, reason: 'visited 2 times in 2026 (cap visits_per_firm_per_year 2)', entry: '' }]);
});

test('a department already in the visit makes a new one', () => {
  assert.deepEqual(visits([...draw(1, [U1], MARKET), ...draw(2, [U1], MARKET)]), { [U1]: 2 });
});

test('a jointly-drawn plan is one visit and another department joins it', () => {
  const log = [...draw(1, [U1], MARKET, { departments: [MARKET, TAX] }), ...draw(2, [U1], FIRE)];
  assert.deepEqual(visits(log), { [U1]: 1 });
  assert.deepEqual(capped(log, 2), []);
});

test('each external check is a visit of its own', () => {
  const log = [...draw(1, [U2], MARKET), ...external(1, [U2, TAX, '2026-05-10'], [U2, FIRE, '2026-05-10'])];
  assert.deepEqual(visits(log), { [U2]: 3 }, 'external checks are never merged');
  assert.deepEqual(capped(log, 3), [{ uscc: U2, reason: 'visited 3 times in 2026 (cap visits_per_firm_per_year 3)', entry: '' }]);
});

test("another year's checks do not count", () => {
  const log = [...draw(1, [U3], MARKET, { date: '2025-12-01', year: 2025 }), ...external(1, [U3, TAX, '2025-12-31']), ...draw(2, [U3], TAX)];
  assert.deepEqual(visits(log), { [U3]: 1 });
  assert.deepEqual(capped(log, 2), []);
  assert.deepEqual(visits(log, 2025), { [U3]: 2 });
});
