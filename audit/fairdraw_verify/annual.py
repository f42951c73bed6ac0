"""Annual plans and joint visits, from audit/LOG-FORMAT.md (normative),
sections "Annual plans and batches" and "Joint visits":

    annual_plan_problems(body)        an AnnualPlan body: digest and shape
    reference_problems(body, earlier) a DrawCommitment's `plan.annual`
    visits(entries)                   the visits of the log, in creation order
    rate_line(visits)                 `visits: V, joint: J (P%)`
"""

import hashlib
import re

from .canonical import canonical_json
from .methods import OFFSITE

DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
BATCH_KEYS = {"name", "department", "start", "end", "items", "ratios", "team_size", "regions", "industries"}
# and "method" (an off-site word) for an off-site batch


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _strings(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _ratios(v):
    return isinstance(v, dict) and set(v) == {"A", "B", "C", "D"} and all(isinstance(x, str) for x in v.values())


def _date(v):
    return isinstance(v, str) and DATE.fullmatch(v) is not None


def _shape_ok(a):
    if not isinstance(a, dict) or set(a) != {"year", "name", "departments", "items", "batches"}:
        return False
    items, batches = a["items"], a["batches"]
    return (_int(a["year"]) and isinstance(a["name"], str) and _strings(a["departments"])
            and isinstance(items, list) and isinstance(batches, list)
            and all(isinstance(i, dict) and set(i) == {"item", "ratios"} and isinstance(i["item"], str)
                    and _ratios(i["ratios"]) for i in items)
            and all(isinstance(b, dict) and set(b) - {"method"} == BATCH_KEYS and isinstance(b["name"], str)
                    and b.get("method", "desk") in OFFSITE          # the key only for an off-site batch (spec §8.6)
                    and isinstance(b["department"], str) and _date(b["start"]) and _date(b["end"])
                    and _strings(b["items"]) and _ratios(b["ratios"]) and _int(b["team_size"])
                    and _strings(b["regions"]) and _strings(b["industries"]) for b in batches))


def annual_plan_problems(body):
    out = []
    digest = hashlib.sha256(canonical_json(body["annual"]).encode("utf-8")).hexdigest()
    if body["digest"] != digest:
        out.append(f"digest {body['digest']} is not SHA-256 of the canonical annual plan ({digest})")
    if not _shape_ok(body["annual"]):
        out.append("annual is not a canonical annual plan (keys year, name, departments, items, batches)")
    return out


def batch_of(annual, name):
    for b in annual.get("batches", []) if isinstance(annual, dict) else []:
        if isinstance(b, dict) and b.get("name") == name:
            return b
    return None


def _get(v, *path):
    for k in path:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def batch_mismatches(plan, batch, annual_year, year):
    out = []
    if plan.get("department") != batch["department"]:
        out.append(f"department {plan.get('department')!r} is not the batch's {batch['department']!r}")
    items = plan.get("items")
    names = sorted(i.get("item") for i in items if isinstance(i, dict) and isinstance(i.get("item"), str)) \
        if isinstance(items, list) else []
    if names != sorted(batch["items"]):
        out.append(f"items {names} are not the batch's {sorted(batch['items'])}")
    if plan.get("ratios") != batch["ratios"]:
        out.append(f"ratios {plan.get('ratios')} are not the batch's {batch['ratios']}")
    for key in ("regions", "industries"):
        if _get(plan, "scope", key) != batch[key]:
            out.append(f"scope.{key} {_get(plan, 'scope', key)} is not the batch's {batch[key]}")
    method = batch.get("method", "on_site")
    if plan.get("method", "on_site") != method:
        out.append(f"method {plan.get('method', 'on_site')} is not the batch's {method}")
    key = "size" if method == "on_site" else "reviewers"     # an off-site batch's team_size is its reviewers
    size = _get(plan, "team", key)
    if not (_int(size) and size == batch["team_size"]):
        out.append(f"team.{key} {size} is not the batch's team_size {batch['team_size']}")
    if annual_year != year:
        out.append(f"year {year} is not the annual plan's year {annual_year}")
    date = plan.get("inspection_date")
    if isinstance(date, str) and date and not (batch["start"] <= date <= batch["end"]):
        out.append(f"inspection_date {date} is outside the batch's window {batch['start']} … {batch['end']}")
    return out


def reference_problems(body, earlier):
    """`earlier`: id -> entry of the well-formed entries before the commitment."""
    plan = body["plan"]
    ref = plan.get("annual")
    if ref is None:
        return []
    if not isinstance(ref, dict) or set(ref) != {"plan", "batch"} or not isinstance(ref["plan"], str) \
            or not isinstance(ref["batch"], str):
        return ['plan.annual is not {"plan": entry id, "batch": name}']
    target = earlier.get(ref["plan"])
    if target is None:
        return [f"plan.annual.plan {ref['plan']} is not an earlier entry"]
    if target.kind != "AnnualPlan":
        return [f"plan.annual.plan {ref['plan']} is a {target.kind}, not an AnnualPlan"]
    batch = batch_of(target.body["annual"], ref["batch"])
    if batch is None:
        return [f"the annual plan {ref['plan']} has no batch {ref['batch']!r}"]
    return [f"batch {ref['batch']!r} of annual plan {ref['plan'][:16]}: {m}"
            for m in batch_mismatches(plan, batch, target.body["annual"].get("year"), body["year"])]


def _checks(entries, teams):
    """The checks of the log: (uscc, draw, departments, items, leader, window),
    in log order of the entries holding the documents; `teams`: draw id ->
    its assignments with its Replacements applied (LOG-FORMAT "Replacing an
    inspector": the teams of a draw)."""
    by_id = {e.id: e for e in entries}
    for e in entries:
        b = e.body
        if e.kind == "DrawResult" and b.get("outcome") == "drawn" and "draw" in b:
            draw, doc = e.id, b["draw"]
        elif e.kind == "DrawPublication":
            draw, doc = b["result"], b["draw"]
        else:
            continue
        c = by_id.get(b["commitment"])
        if c is None or c.kind != "DrawCommitment":
            continue
        plan = c.body["plan"]
        departments = [d for d in (_get(plan, "team", "departments") or []) if isinstance(d, str)]
        if not departments and isinstance(plan.get("department"), str) and plan["department"]:
            departments = [plan["department"]]
        items = [i["item"] for i in plan.get("items") or [] if isinstance(i, dict) and isinstance(i.get("item"), str)]
        window = None
        ref = plan.get("annual")
        if ref is not None:
            a = by_id.get(_get(ref, "plan")) if isinstance(_get(ref, "plan"), str) else None
            batch = batch_of(a.body["annual"], _get(ref, "batch")) if a is not None and a.kind == "AnnualPlan" else None
            if batch is not None and isinstance(batch.get("start"), str) and isinstance(batch.get("end"), str):
                window = (batch["start"], batch["end"])
        elif isinstance(plan.get("inspection_date"), str) and plan["inspection_date"]:
            window = (plan["inspection_date"], plan["inspection_date"])
        assignments = teams.get(draw) or (doc.get("assignments") if isinstance(doc, dict) else None)
        for a in assignments if isinstance(assignments, list) else []:
            if not isinstance(a, dict) or not isinstance(a.get("uscc"), str):
                continue
            team = a.get("inspectors")
            leader = team[0] if isinstance(team, list) and team and isinstance(team[0], str) else ""
            yield a["uscc"], draw, departments, items, leader, window


def visits(entries, teams=None):
    """The visits of the well-formed `entries` (log order), as dicts; `teams`:
    draw id -> its replaced assignments (the draws without Replacement left out)."""
    out = []
    for uscc, draw, departments, items, leader, window in _checks(entries, teams or {}):
        joinable = window is not None and bool(departments)
        target = None
        if joinable:
            for v in out:
                if v["uscc"] == uscc and not v["closed"] and v["window"] is not None \
                        and max(window[0], v["window"][0]) <= min(window[1], v["window"][1]) \
                        and not any(d in v["departments"] for d in departments):
                    target = v
                    break
        if target is not None:
            target["window"] = (max(window[0], target["window"][0]), min(window[1], target["window"][1]))
            target["departments"] += departments
            target["checks"].append(draw)
            target["items"] += [i for i in items if i not in target["items"]]
            target["team"].append(leader)
        else:
            unique = []
            for i in items:
                if i not in unique:
                    unique.append(i)
            out.append({"uscc": uscc, "window": window, "lead": departments[0] if departments else "",
                        "departments": list(departments), "checks": [draw], "items": unique,
                        "team": [leader], "closed": not joinable})
    return out


def rate_line(vs):
    v = len(vs)
    j = sum(1 for x in vs if len(x["departments"]) >= 2)
    tenths = 0 if v == 0 else (2000 * j + v) // (2 * v)
    return f"visits: {v}, joint: {j} ({tenths // 10}.{tenths % 10}%)"
