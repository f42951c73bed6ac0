// web/verify/plan.js — SPEC §3 The plan: §3.1 ratios, the TOML plan, its
// checks and the canonical plan of §3.3; items and history files.
// Part of the independent verifier web/verify.js (written from audit/SPEC.md; see
// the header of web/verify.js for the API and the interpretation notes).

import { parseToml, TomlError, TomlDate, isTable, keyLine } from '../toml.js';
import { throwErrors } from './errors.js';
import { cmpCodePoint, cmpTuple, sortedUnique } from './order.js';
import { CONTROL_RE, DATE_ERROR, ENTERPRISE_FIELDS, EXCLUDE_FIELDS, HISTORY_FIELDS, ITEM_FIELDS, asciiLower, canonicalStatus, cellOf, checkColumns, errAt, headerMatches, normUscc, parseDate, parseSet, readTable, trimCell } from './tables.js';
import { asBytes, byteLocation, byteSample, firstInvalidByte } from './csv.js';
import { usccProblem } from './uscc.js';
import { normalizeValue, rangeKind, readRanges, readStrata } from './ranges.js';
import { METHOD_ERROR, effectiveMethod, itemMethods, methodWord } from './methods.js';

export const SPEC_ALGORITHM = 'fairdraw-v1';
export const CLASSES = ['A', 'B', 'C', 'D'];
/** §6.4: the `class` of the feedback stratum, listed after D. */
export const FEEDBACK_CLASS = 'feedback';
/** §3.2, §6.4: why the log flags a firm, in the order of the rules; and the reasons of a plan that lists none. */
export const FEEDBACK_REASONS = ['problem', 'follow_up', 'woken'];
export const DEFAULT_FEEDBACK_REASONS = ['problem', 'follow_up'];

const RATIO_SYNTAX = 'is not a ratio such as "5%" or "0.05" (digits, optionally a point and decimals, optionally %)';
const RATIO_MAX_SCALE = 18;
const RATIO_MAX_INTEGER_DIGITS = 3;

/**
 * Parse a ratio (string "D" / "D%" or integer) into {p, s, text} with value
 * p / 10^s (BigInt p, Number s) and canonical text; returns {error} on failure.
 * §3.1: the text is trimmed (§1 step 3 characters, also before "%"); D is 1–3
 * digits, optionally "." and 1–18 digits; the lengths are checked before any
 * conversion, and the value as a fraction has at most 18 decimals.
 */
export function parseRatio(v) {
  let whole, frac, percent;
  if (typeof v === 'bigint') {
    if (v < 0n) return { error: RATIO_SYNTAX };
    if (v > 1n) return { error: v > 999n ? 'has more than 3 digits before the decimal point' : 'is more than 100%' };
    whole = v.toString(); frac = ''; percent = false;
  } else if (typeof v === 'string') {
    let body = trimCell(v);
    percent = body.endsWith('%');
    if (percent) body = trimCell(body.slice(0, -1));
    const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(body);
    if (!m) return { error: RATIO_SYNTAX };
    whole = m[1];
    frac = m[2] !== undefined ? m[2] : '';
  } else {
    return { error: 'must be a string such as "5%" (or the integer 0 or 1); floats are not allowed' };
  }
  if (whole.length > RATIO_MAX_INTEGER_DIGITS) return { error: `has more than ${RATIO_MAX_INTEGER_DIGITS} digits before the decimal point` };
  if (frac.length <= RATIO_MAX_SCALE) frac = frac.replace(/0+$/, '');
  let s = frac.length + (percent ? 2 : 0);
  if (s > RATIO_MAX_SCALE) return { error: `has more than ${RATIO_MAX_SCALE} decimals (as a fraction: 5% is 0.05)` };
  let p = BigInt(whole + frac);
  if (p > 10n ** BigInt(s)) return { error: 'is more than 100%' };
  while (s > 0 && p % 10n === 0n) { p /= 10n; s--; }
  const scale = 10n ** BigInt(s);
  const ip = (p / scale).toString();
  const fp = s > 0 ? (p % scale).toString().padStart(s, '0') : '';
  return { p, s, text: fp ? `${ip}.${fp}` : ip };
}
function ratioLE(a, b) { // a <= b
  return a.p * 10n ** BigInt(b.s) <= b.p * 10n ** BigInt(a.s);
}

// ═════════════════════════════════════════════════════════════════════════════
// §3 The plan  (TOML -> validated, canonical plan §3.3)
// ═════════════════════════════════════════════════════════════════════════════

const PLAN_KEYS = ['name', 'department', 'inspection_date', 'items_file', 'items', 'exclude', 'exclude_file', 'max_draws_per_year', 'embargo_until', 'embargo_working_days', 'ratios', 'min', 'max', 'scope', 'team', 'caps', 'strata', 'method', 'prefer_offsite', 'feedback'];
const CAP_KEYS = ['visits_per_firm_per_year', 'on_site_per_department_per_year', 'same_item_per_year'];
const SCOPE_KEYS = ['statuses', 'regions', 'industries', 'where', 'range', 'wake'];
const MAX_TEAM = 100; // §3.2: the largest team.size and team.experts
const MAX_EMBARGO_DAYS = 365; // §3.2: the largest embargo_working_days
const MAX_REVIEWERS = 2; // §3.2, §8.6: one responsible inspector or a reviewer pair
const TEAM_KEYS = ['size', 'departments', 'region', 'max_targets_per_inspector', 'qualifications', 'experts', 'rotation', 'history_file', 'reviewers'];

function decodeUtf8Text(x, file) {
  if (typeof x === 'string') return x;
  const bytes = asBytes(x, file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes, 'utf-8');
    throwErrors([{ file, ...byteLocation(bytes, at), value: byteSample(bytes, at), message: 'not valid UTF-8 (TOML files must be UTF-8)' }]);
  }
}

async function getPlanFile(planFiles, name) {
  if (!planFiles) return undefined;
  if (typeof planFiles === 'function') return await planFiles(name);
  if (planFiles instanceof Map) return planFiles.get(name);
  if (typeof planFiles === 'object') return Object.prototype.hasOwnProperty.call(planFiles, name) ? planFiles[name] : undefined;
  return undefined;
}

function intToJs(b) { // BigInt -> Number when exact, else keep BigInt
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/**
 * §3: parse and validate the plan; read the files it names.
 * Returns {plan (canonical §3.3 object), meta} where meta holds parsed values
 * the draw needs (ratios as {p,s}, min/max as BigInt, sets, ...).
 */
export async function readPlan(planInput, planFiles, file, ents, insps) {
  const text = decodeUtf8Text(planInput, file);
  let root;
  try {
    root = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throwErrors([{ file, line: e.line, column: e.column, message: `invalid TOML: ${e.reason}` }]);
    throw e;
  }
  const errors = [];
  const err = (table, key, message, value) => errors.push({ file, line: table ? keyLine(table, key) : undefined, header: undefined, value: value === undefined ? undefined : displayTomlValue(value), message: `${message}` });
  const unknown = (table, allowed, prefix) => {
    for (const k of Object.keys(table)) if (!allowed.includes(k)) err(table, k, `unknown key ${prefix}${k}`);
  };

  // type helpers: each returns the value or `undefined` (+ error) when the type is wrong.
  // §3: every string the plan gives is trimmed as in §1 step 3 (getStr/getStrArray
  // trim; file paths and team.region are read untrimmed with getRawStr).
  const getRawStr = (t, k, label) => {
    if (!(k in t)) return undefined;
    if (typeof t[k] !== 'string') { err(t, k, `${label} must be a string`, t[k]); return undefined; }
    return t[k];
  };
  const getStr = (t, k, label) => {
    const v = getRawStr(t, k, label);
    return v === undefined ? undefined : trimCell(v);
  };
  const getStrArray = (t, k, label) => {
    if (!(k in t)) return undefined;
    const v = t[k];
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) { err(t, k, `${label} must be an array of strings`, v); return undefined; }
    return v.map(trimCell);
  };
  // §3.2: integers lie in [min, max]; max defaults to 2^53 − 1
  const getInt = (t, k, label, min, max = Number.MAX_SAFE_INTEGER) => {
    if (!(k in t)) return undefined;
    const v = t[k];
    if (typeof v !== 'bigint') { err(t, k, `${label} must be an integer`, v); return undefined; }
    if (v < BigInt(min) || v > BigInt(max)) { err(t, k, `${label} must be an integer from ${min} to ${max}`, v); return undefined; }
    return v;
  };
  const getTable = (t, k, label) => {
    if (!(k in t)) return undefined;
    if (!isTable(t[k])) { err(t, k, `${label} must be a table`, t[k]); return undefined; }
    return t[k];
  };

  unknown(root, PLAN_KEYS, '');

  // name (required)
  let name = getStr(root, 'name', 'name');
  if (!('name' in root)) errors.push({ file, message: 'missing required key name' });
  else if (name === '') err(root, 'name', 'name must not be empty', '');
  name = name || '';

  // inspection_date: a TOML string (any §1.5 form, "" = not set) or a bare TOML date
  let inspectionDate = '';
  if ('inspection_date' in root) {
    const v = root.inspection_date;
    const raw = v instanceof TomlDate ? v.text : typeof v === 'string' ? trimCell(v) : null;
    if (raw === null) err(root, 'inspection_date', 'inspection_date must be a date (a string or a TOML date)', v);
    else if (raw !== '') {
      const d = parseDate(raw);
      if (d === null) err(root, 'inspection_date', `inspection_date must be a date (YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYYMMDD, year 1900–2999) or ""`, raw);
      else inspectionDate = d;
    }
  }

  // max_draws_per_year: a non-negative integer (enforced from the audit log at commit; here only recorded)
  const maxDraws = getInt(root, 'max_draws_per_year', 'max_draws_per_year', 0) ?? null;

  // caps (LOG-FORMAT "The burden ledger and caps"): integers 1 … 2^53 − 1; §3.3 `caps` holds only those set
  const caps = {};
  const capsT = getTable(root, 'caps', '[caps]');
  if (capsT !== undefined) {
    unknown(capsT, CAP_KEYS, 'caps.');
    for (const k of CAP_KEYS) {
      const v = getInt(capsT, k, `caps.${k}`, 1);
      if (v !== undefined) caps[k] = intToJs(v);
    }
  }

  // embargo (§3, §3.2): embargo_until (a §1.5 date, string or bare TOML date)
  // or embargo_working_days (1 … 365), not both; §3.3 `embargo` only when set
  let embargo = null;
  if ('embargo_until' in root && 'embargo_working_days' in root) {
    err(root, 'embargo_working_days', 'give embargo_until or embargo_working_days, not both', root.embargo_working_days);
  } else if ('embargo_until' in root) {
    const v = root.embargo_until;
    const raw = v instanceof TomlDate ? v.text : typeof v === 'string' ? trimCell(v) : null;
    const d = raw === null ? null : parseDate(raw);
    if (d === null) err(root, 'embargo_until', 'embargo_until must be a date (YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYYMMDD, year 1900–2999)', v);
    else embargo = { until: d };
  } else {
    const days = getInt(root, 'embargo_working_days', 'embargo_working_days', 1, MAX_EMBARGO_DAYS);
    if (days !== undefined) embargo = { working_days: intToJs(days) };
  }

  // ratios (required), min, max
  const ratios = {}; const ratioVals = {};
  const ratiosT = getTable(root, 'ratios', '[ratios]');
  if (!('ratios' in root)) errors.push({ file, message: 'missing required table [ratios]' });
  if (ratiosT) unknown(ratiosT, CLASSES, 'ratios.');
  for (const c of CLASSES) {
    let r = parseRatio('0');
    if (ratiosT && c in ratiosT) {
      const v = ratiosT[c];
      const pr = parseRatio(v);
      if (pr.error) err(ratiosT, c, `ratios.${c}: ${pr.error}`, v);
      else r = pr;
    }
    ratios[c] = r.text; ratioVals[c] = r;
  }
  const minT = getTable(root, 'min', '[min]');
  const maxT = getTable(root, 'max', '[max]');
  if (minT) unknown(minT, CLASSES, 'min.');
  if (maxT) unknown(maxT, CLASSES, 'max.');
  const minV = {}, maxV = {};
  for (const c of CLASSES) {
    minV[c] = (minT && getInt(minT, c, `min.${c}`, 0)) ?? 0n;
    maxV[c] = (maxT && getInt(maxT, c, `max.${c}`, 0)) ?? null;
    if (maxV[c] !== null && minV[c] > maxV[c]) err(maxT, c, `max.${c} (${maxV[c]}) is less than min.${c} (${minV[c]})`);
  }

  // scope
  const scopeT = getTable(root, 'scope', '[scope]');
  let statuses = ['存续'], regions = [], industries = [], wake = false;
  const where = [];
  let ranges = [];
  if (scopeT) {
    unknown(scopeT, SCOPE_KEYS, 'scope.');
    const st = getStrArray(scopeT, 'statuses', 'scope.statuses');
    if (st) {
      statuses = [];
      for (const s of st) {
        const c = canonicalStatus(s);
        if (c === null) err(scopeT, 'statuses', `scope.statuses: unknown status ${JSON.stringify(s)}`, s);
        else statuses.push(c);
      }
    }
    regions = getStrArray(scopeT, 'regions', 'scope.regions') || [];
    for (const r of regions) {
      if (!/^[0-9]{1,6}$/.test(r)) err(scopeT, 'regions', `scope.regions: ${JSON.stringify(r)} is not a region prefix (1–6 ASCII digits)`, r);
    }
    industries = getStrArray(scopeT, 'industries', 'scope.industries') || [];
    if ('wake' in scopeT) { // §6.3
      if (typeof scopeT.wake !== 'boolean') err(scopeT, 'wake', 'scope.wake must be true or false', scopeT.wake);
      else wake = scopeT.wake;
    }
    const wt = getTable(scopeT, 'where', '[scope.where]');
    if (wt) {
      const seenCols = new Set();
      for (const k of Object.keys(wt)) {
        const col = trimCell(k);
        if (typeof wt[k] !== 'string') { err(wt, k, `scope.where.${JSON.stringify(k)} must be a string`, wt[k]); continue; }
        if (col === '') { err(wt, k, 'scope.where: a column name must not be empty', k); continue; }
        if (seenCols.has(col)) { err(wt, k, `scope.where: column ${JSON.stringify(col)} is named twice`, k); continue; }
        seenCols.add(col);
        const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
        if (f && f.name === 'established') { // §3.2: stored as ["established", YYYY-MM-DD or ""]
          const v = trimCell(wt[k]);
          if (v !== '' && parseDate(v) === null) err(wt, k, `scope.where: 成立日期 (established) ${JSON.stringify(v)} is not a date (§1.5)`, v);
          where.push(['established', v === '' ? '' : parseDate(v) ?? v, k]);
          continue;
        }
        if (f && ['dormant_from', 'dormant_until', 'service_address'].includes(f.name)) {
          err(wt, k, `scope.where cannot filter on ${JSON.stringify(col)}: the dormancy dates and the service address are not filter columns (§6.3)`, k);
          continue;
        }
        where.push([col, trimCell(wt[k]), k]);
      }
    }
    const rt = getTable(scopeT, 'range', '[scope.range]');
    if (rt) ranges = readRanges(rt, col => ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd))?.name, where.map(w => w[0]), err);
  }
  const strataT = getTable(root, 'strata', '[strata]');
  const regionStrata = strataT ? readStrata(strataT, parseRatio, err) : null;
  // §6.4 [feedback]: ratio (a §3.1 ratio) and reasons (optional); refused with [strata]
  let feedbackRatio = null;
  let feedbackReasons = DEFAULT_FEEDBACK_REASONS;
  const feedbackT = getTable(root, 'feedback', '[feedback]');
  if (feedbackT) {
    unknown(feedbackT, ['ratio', 'reasons'], 'feedback.');
    if ('reasons' in feedbackT) {
      const v = feedbackT.reasons;
      if (!Array.isArray(v)) err(feedbackT, 'reasons', 'feedback.reasons must be a list of words, e.g. ["woken"]', v);
      else {
        const unknownWords = v.filter(w => !FEEDBACK_REASONS.includes(w));
        const twice = FEEDBACK_REASONS.filter(w => v.filter(x => x === w).length > 1);
        if (unknownWords.length) err(feedbackT, 'reasons', `feedback.reasons: ${unknownWords.map(w => (typeof w === 'bigint' ? String(w) : JSON.stringify(w))).join(', ')} is not a reason (use ${FEEDBACK_REASONS.join(', ')})`, v);
        if (twice.length) err(feedbackT, 'reasons', `feedback.reasons: ${twice.join(', ')} listed twice`, v);
        if (!v.length) err(feedbackT, 'reasons', `feedback.reasons is empty: list at least one of ${FEEDBACK_REASONS.join(', ')} (or leave it out)`, v);
        // §3.3: stored in rule order
        feedbackReasons = FEEDBACK_REASONS.filter(w => v.includes(w));
      }
    }
    if (!('ratio' in feedbackT)) err(root, 'feedback', 'missing required key feedback.ratio (the ratio at which flagged firms are drawn, e.g. "50%")');
    else {
      const r = parseRatio(feedbackT.ratio);
      if (r.error) err(feedbackT, 'ratio', `feedback.ratio: ${r.error}`, feedbackT.ratio);
      else feedbackRatio = r;
    }
    if (strataT) err(root, 'feedback', '[feedback] cannot be given together with [strata] (region strata and floors): SPEC §6.4');
  }
  // §3.3: statuses, regions and industries sorted and de-duplicated; where sorted by column
  statuses = sortedUnique(statuses);
  regions = sortedUnique(regions);
  industries = sortedUnique(industries);
  where.sort((a, b) => cmpCodePoint(a[0], b[0]));

  // team
  const teamT = getTable(root, 'team', '[team]') || null;
  if (teamT) unknown(teamT, TEAM_KEYS, 'team.');
  const T = teamT || Object.create(null);
  const departments = getStrArray(T, 'departments', 'team.departments') || [];
  if (departments.some(d => d === '') || new Set(departments).size !== departments.length) {
    err(T, 'departments', 'team.departments: departments must be non-empty and listed once');
  }
  let size = getInt(T, 'size', 'team.size', 2, MAX_TEAM);
  if (size === undefined) size = BigInt(Math.max(2, departments.length));
  else if (size < BigInt(departments.length)) err(T, 'size', `team.size (${size}) is less than the number of team.departments (${departments.length})`, size);
  const region = getRawStr(T, 'region', 'team.region') ?? 'any';
  if (!['any', 'same', 'different'].includes(region)) err(T, 'region', 'team.region must be "any", "same" or "different"', region);
  const cap = getInt(T, 'max_targets_per_inspector', 'team.max_targets_per_inspector', 1) ?? null;
  const qualifications = sortedUnique((getStrArray(T, 'qualifications', 'team.qualifications') || []).filter(q => q !== ''));
  const experts = getInt(T, 'experts', 'team.experts', 0, MAX_TEAM) ?? 0n;
  // §8.6: read and range-checked in every plan, used only off-site
  const reviewers = getInt(T, 'reviewers', 'team.reviewers', 1, MAX_REVIEWERS) ?? 1n;
  let rotation = false;
  if ('rotation' in T) {
    if (typeof T.rotation !== 'boolean') err(T, 'rotation', 'team.rotation must be true or false', T.rotation);
    else rotation = T.rotation;
  }
  // §3.2: rotation = true without history_file is valid (history = [])
  const historyFile = getRawStr(T, 'history_file', 'team.history_file');

  // department (§3 default: first of team.departments, else "")
  let department = getStr(root, 'department', 'department');
  if (department === undefined) department = departments.length ? departments[0] : '';
  else if (departments.length && !departments.includes(department)) err(root, 'department', 'department must be one of team.departments', department);

  // items: names from items_file, each listed once
  const itemsFile = getRawStr(root, 'items_file', 'items_file');
  const itemNames = getStrArray(root, 'items', 'items') || [];
  const items = [];
  const seenItems = new Set();
  for (const nm of itemNames) {
    if (seenItems.has(nm)) err(root, 'items', `item ${JSON.stringify(nm)} is listed twice`, nm);
    seenItems.add(nm);
  }
  if (itemsFile !== undefined && itemNames.length) {
    const itemMap = await readItems(await loadPlanFile(planFiles, itemsFile, root, 'items_file', file), itemsFile, errors);
    if (itemMap) {
      const done = new Set();
      for (const nm of itemNames) {
        if (done.has(nm)) continue;
        done.add(nm);
        const it = itemMap.get(nm);
        if (!it) { err(root, 'items', `item ${JSON.stringify(nm)} is not in ${itemsFile}`, nm); continue; }
        items.push(it.canonical);
        if (it.canonical.category === 'general' && it.ceilingVal) {
          for (const c of CLASSES) {
            if (!ratioLE(ratioVals[c], it.ceilingVal)) {
              err(ratiosT || root, ratiosT && c in ratiosT ? c : 'ratios', `ratios.${c} = ${ratios[c]} exceeds the ceiling ${it.ceilingVal.text} of general item ${JSON.stringify(nm)} (${itemsFile} line ${it.line})`);
            }
          }
        }
      }
    }
  } else if (itemNames.length) {
    err(root, 'items', 'items are listed but the plan has no items_file');
  }

  // §8.6 the inspection method: `method`, or `prefer_offsite` from the items' methods
  let methodSet = null;
  if ('method' in root) {
    const raw = getStr(root, 'method', 'method');
    if (raw !== undefined) {
      methodSet = methodWord(raw);
      if (methodSet === null) err(root, 'method', `method ${METHOD_ERROR}`, raw);
    }
  }
  let preferOffsite = false;
  if ('prefer_offsite' in root) {
    if (typeof root.prefer_offsite !== 'boolean') err(root, 'prefer_offsite', 'prefer_offsite must be true or false', root.prefer_offsite);
    else preferOffsite = root.prefer_offsite;
    if (preferOffsite && 'method' in root) err(root, 'prefer_offsite', 'prefer_offsite = true cannot be given together with method', true);
  }
  const method = effectiveMethod(methodSet, preferOffsite && !('method' in root), items);
  if (method !== 'on_site') {
    for (const it of items) {
      const ms = itemMethods(it.method);
      if (ms.length && !ms.includes(method)) err(root, 'items', `item 「${it.item}」 is checked by ${ms.join(', ')}: not by ${method}`, it.item);
    }
    if (experts !== 0n) err(T, 'experts', `team.experts must be 0 with the off-site method ${method} (experts join on-site visits only)`, experts);
    if (reviewers < BigInt(departments.length)) err(T, 'reviewers', `team.reviewers (${reviewers}) is less than the number of team.departments (${departments.length}): a joint off-site check needs one reviewer per department`, reviewers);
  }

  // exclude
  const exclude = [];
  for (const u of getStrArray(root, 'exclude', 'exclude') || []) {
    const n = normUscc(u);
    const why = usccProblem(n);
    if (why) err(root, 'exclude', `exclude: ${JSON.stringify(u)} is not a valid USCC: ${why}`, u);
    else exclude.push(n);
  }
  const excludeFile = getRawStr(root, 'exclude_file', 'exclude_file');
  if (excludeFile !== undefined) {
    const bytes = await loadPlanFile(planFiles, excludeFile, root, 'exclude_file', file);
    const t = readTable(bytes, excludeFile, EXCLUDE_FIELDS, errors);
    if (t && t.headerOk) {
      for (const row of t.rows) {
        if (row.bad) continue;
        const n = normUscc(cellOf(t, row, 'uscc'));
        const why = usccProblem(n);
        if (why) errors.push(errAt(excludeFile, t, row, 'uscc', `not a valid unified social credit code: ${why}`));
        else exclude.push(n);
      }
    }
  }

  // history: read only when rotation = true (§3); [] unless rotation
  let history = [];
  if (rotation && historyFile !== undefined) {
    const bytes = await loadPlanFile(planFiles, historyFile, T, 'history_file', file);
    history = readHistory(bytes, historyFile, errors) || [];
  }

  // where columns must exist in the registry (§6); the extra columns read are
  // checked for control characters (§1 step 3)
  if (ents) {
    const readExtras = [];
    for (const [col, , key] of where) {
      const f = ENTERPRISE_FIELDS.find(fd => headerMatches(col, fd));
      if (f ? !ents.table.fieldCol.has(f.name) : !ents.table.extras.has(col)) {
        err(scopeT.where, key, `scope.where names column ${JSON.stringify(col)}, which the enterprise registry does not have`);
      } else if (!f) readExtras.push(ents.table.extras.get(col));
    }
    for (const range of ranges) { // §6.2: ranged columns exist, and hold values of their kind
      const col = range[0];
      const c = col === 'established' ? ents.table.fieldCol.get('established') : ents.table.extras.get(col);
      if (c === undefined) { err(scopeT.range, col, `scope.range names column ${JSON.stringify(col)}, which the registry lacks`); continue; }
      if (col === 'established') continue; // validated as a §1.5 date when read
      readExtras.push(c);
      const kind = rangeKind(range);
      ents.table.forEachRow((row) => {
        if (normalizeValue(kind, row.cells[c]) === null) {
          errors.push({ file: ents.file, line: row.line, column: c + 1, header: ents.table.header[c], value: row.cells[c], message: `the plan's scope.range: is not a ${kind}` });
        }
      }, [c]);
    }
    checkColumns(ents.table, readExtras, ents.file, errors);
  }

  const plan = {
    algorithm: SPEC_ALGORITHM,
    name,
    department,
    inspection_date: inspectionDate,
    ratios,
    min: Object.fromEntries(CLASSES.map(c => [c, intToJs(minV[c])])),
    max: Object.fromEntries(CLASSES.map(c => [c, maxV[c] === null ? null : intToJs(maxV[c])])),
    scope: { statuses, regions, industries, where: where.map(([c, v]) => [c, v]), ...(ranges.length ? { range: ranges } : {}) },
    items,
    exclude: sortedUnique(exclude),
    max_draws_per_year: maxDraws === null ? null : intToJs(maxDraws),
    team: {
      size: intToJs(size),
      departments,
      region,
      max_targets_per_inspector: cap === null ? null : intToJs(cap),
      qualifications,
      experts: intToJs(experts),
      rotation,
    },
    history,
  };
  if (embargo !== null) plan.embargo = embargo;
  // §6.3: outside a log no wake-ups, and terms are judged on the inspection date
  if (wake) plan.scope.wake = { as_of: inspectionDate, woken: [] };
  if (Object.keys(caps).length) plan.caps = caps;
  if (regionStrata !== null) plan.strata = regionStrata; // §3.3, §6.1: only with [strata]
  // §3.3, §6.4: only with [feedback]; `flagged` is written at commit from the log, [] outside a log
  if (feedbackRatio !== null) {
    plan.feedback = { ratio: feedbackRatio.text, flagged: [] };
    // §3.3: reasons only when not the default, so such plans keep their digest
    if (feedbackReasons.join() !== DEFAULT_FEEDBACK_REASONS.join()) plan.feedback.reasons = feedbackReasons;
  }
  if (method !== 'on_site') { // §3.3, §8.6: only off-site plans carry the keys (on-site digests unchanged)
    plan.method = method;
    plan.team.reviewers = intToJs(reviewers);
  }

  // §3.2: no string of the canonical plan may contain a control character
  // (values from the CSV files were already checked when they were read)
  walkStrings(plan, '', (s, path) => {
    if (!CONTROL_RE.test(s)) return;
    const [top, sub] = path.split(/[.[]/);
    const inner = top === 'scope' ? scopeT : top === 'team' ? teamT : null;
    const line = (inner && sub ? keyLine(inner, sub) : undefined) ?? keyLine(root, top);
    errors.push({ file, line, value: s, message: `${path} contains a control character (strings of the plan must not; §3.2)` });
  });

  if (errors.length) throwErrors(errors);

  return {
    plan,
    // §8.2, §8.6: an off-site target has `reviewers` inspector slots and no expert slot
    meta: { ratioVals, minV, maxV, size: method === 'on_site' ? size : reviewers, experts: method === 'on_site' ? experts : 0n, cap, method, feedbackRatio },
  };
}

/** Call fn(string, path) for every string (values and object keys) in a JSON value. */
function walkStrings(v, path, fn) {
  if (typeof v === 'string') fn(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, `${path}[${i}]`, fn));
  else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      fn(k, p);
      walkStrings(v[k], p, fn);
    }
  }
}

function displayTomlValue(v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof TomlDate) return v.text;
  if (isTable(v)) return '{…}';
  if (Array.isArray(v)) return '[…]';
  return v;
}

async function loadPlanFile(planFiles, name, table, key, planFile) {
  let data;
  try {
    data = await getPlanFile(planFiles, name);
  } catch (e) {
    throwErrors([{ file: name, message: `cannot read the file named by ${key} (${planFile} line ${keyLine(table, key)}): ${e && e.message ? e.message : e}` }]);
  }
  if (data === undefined || data === null) {
    throwErrors([{ file: planFile, line: keyLine(table, key), value: name, message: `${key} names a file that was not provided` }]);
  }
  return data;
}

// §1.4 item list: category and method values.
const CATEGORY = { general: 'general', '一般': 'general', '一般检查事项': 'general', key: 'key', '重点': 'key', '重点检查事项': 'key' };

/** §1.4 Item list -> Map(item -> {canonical, ceilingVal, line}). */
function readItems(bytes, file, errors) {
  const t = readTable(bytes, file, ITEM_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const map = new Map();
  for (const row of t.rows) {
    if (row.bad) continue; // a control character, already reported
    let ok = true;
    const bad = (field, msg) => { errors.push(errAt(file, t, row, field, msg)); ok = false; };
    const item = cellOf(t, row, 'item');
    if (item === '') bad('item', 'item name (抽查事项) is empty');
    else if (map.has(item)) bad('item', `duplicate item (also on line ${map.get(item).line})`);
    const catRaw = cellOf(t, row, 'category');
    const category = CATEGORY[asciiLower(catRaw)] || CATEGORY[catRaw];
    if (!category) bad('category', 'category must be general/一般/一般检查事项 or key/重点/重点检查事项');
    // §1.4 names the usual methods (书面检查, 实地核查, 网络监测) but other values are accepted
    const methods = parseSet(cellOf(t, row, 'method'));
    let ceiling = null, ceilingVal = null;
    const cr = cellOf(t, row, 'ceiling');
    if (cr !== '') {
      const r = parseRatio(cr);
      if (r.error) bad('ceiling', r.error);
      else { ceiling = r.text; ceilingVal = r; }
    }
    if (ok) {
      map.set(item, {
        line: row.line,
        ceilingVal,
        canonical: {
          item,
          code: cellOf(t, row, 'code'),
          basis: cellOf(t, row, 'basis'),
          department: cellOf(t, row, 'department'),
          category,
          method: methods.join('、'),
          ceiling,
        },
      });
    } else if (item !== '' && !map.has(item)) {
      map.set(item, { line: row.line, bad: true });
    }
  }
  for (const [k, v] of map) if (v.bad) map.delete(k);
  return map;
}

/** §1.4 + §3.3 history: for each USCC the inspectors of its latest date; sorted, de-duplicated pairs. */
function readHistory(bytes, file, errors) {
  const t = readTable(bytes, file, HISTORY_FIELDS, errors);
  if (!t || !t.headerOk) return null;
  const latest = new Map(); // uscc -> {date, ids:Set}
  for (const row of t.rows) {
    if (row.bad) continue; // a control character, already reported
    let ok = true;
    const bad = (field, msg) => { errors.push(errAt(file, t, row, field, msg)); ok = false; };
    const uscc = normUscc(cellOf(t, row, 'uscc'));
    const why = usccProblem(uscc);
    if (why) bad('uscc', `not a valid unified social credit code: ${why}`);
    const iid = cellOf(t, row, 'inspector_id');
    if (iid === '') bad('inspector_id', 'inspector id is empty');
    const date = parseDate(cellOf(t, row, 'date'));
    if (date === null) bad('date', DATE_ERROR);
    if (!ok) continue;
    const cur = latest.get(uscc);
    if (!cur || date > cur.date) latest.set(uscc, { date, ids: new Set([iid]) });
    else if (date === cur.date) cur.ids.add(iid);
  }
  const pairs = [];
  for (const [u, { ids }] of latest) for (const i of ids) pairs.push([u, i]);
  pairs.sort(cmpTuple);
  return pairs;
}
