"""SPEC §3 "The plan": the TOML plan file, the validation rules of §3.2 and
the canonical plan of §3.3 (the value whose canonical JSON, §4, is hashed
into plan_digest)."""

import datetime
import json
import os
import re
import tomllib

from .methods import REFUSED, effective_method, method_word, offsite_problems
from .ranges import read_ranges, read_strata
from .ratio import ratio_le, ratio_or_problem, ratio_text
from .registries import CLASSES, ENTERPRISE_LOOKUP, STATUS, UNFILTERABLE, read_history, read_items, read_uscc_column
from .tables import CONTROL, TRIM, ascii_lower, ascii_upper, parse_date
from .uscc import uscc_problem

ALGORITHM = "fairdraw-v1"                       # §3.3 the canonical plan's algorithm, §9 the document's

PLAN_KEYS = {"name", "department", "inspection_date", "items_file", "items", "exclude",
             "exclude_file", "max_draws_per_year", "embargo_until", "embargo_working_days",
             "ratios", "min", "max", "scope", "team", "caps", "strata", "method", "prefer_offsite",
             "feedback"}
FEEDBACK_REASONS = ("problem", "follow_up", "woken")   # §3.2, §6.4: in the order of their rules
DEFAULT_FEEDBACK_REASONS = ("problem", "follow_up")   # §3.2: without [feedback] reasons
CAP_KEYS = ("visits_per_firm_per_year", "on_site_per_department_per_year", "same_item_per_year")
SCOPE_KEYS = {"statuses", "regions", "industries", "where", "range", "wake"}
TEAM_KEYS = {"size", "departments", "region", "max_targets_per_inspector", "qualifications",
             "experts", "rotation", "history_file", "reviewers"}


MAX_INTEGER = 2**53 - 1      # §3.2: the largest integer of a plan or a draw document
MAX_TEAM = 100               # §3.2: the largest team.size and team.experts
MAX_EMBARGO_DAYS = 365       # §3.2: the largest embargo_working_days
MAX_REVIEWERS = 2            # §3.2, §8.6: a responsible inspector and a reviewer


class PlanReader:
    """Typed access to the TOML tables with error collection (§3, §3.2)."""

    def __init__(self, path, problems):
        self.path, self.problems = path, problems

    def err(self, key, msg):
        self.problems.add(self.path, f"{key}: {msg}")

    def table(self, doc, key, allowed):
        t = doc.get(key.split(".")[-1], {})
        if not isinstance(t, dict):
            self.err(key, "must be a table"); return {}
        for k in t:
            if allowed is not None and k not in allowed:
                self.err(f"{key}.{k}" if key else k, "unknown key")
        return t

    def get(self, t, key, types, default, what):
        name = key.split(".")[-1]
        if name not in t:
            return default
        v = t[name]
        if isinstance(v, bool) and bool not in types or not isinstance(v, types):
            self.err(key, f"must be {what}"); return default
        return v.strip(TRIM) if isinstance(v, str) and key != "team.region" else v

    def string_list(self, t, key):
        v = self.get(t, key, (list,), [], "an array of strings")
        if not all(isinstance(x, str) for x in v):
            self.err(key, "must be an array of strings"); return []
        return [x.strip(TRIM) for x in v]

    def integer(self, t, key, default, minimum, maximum=None):
        """§3.2: an integer in [minimum, maximum] (default maximum: 2^53 − 1)."""
        maximum = MAX_INTEGER if maximum is None else maximum
        given = t.get(key.split(".")[-1])
        v = self.get(t, key, (int,), default, "an integer")
        if v is given and v is not None and not minimum <= v <= maximum:   # defaults are in range
            self.err(key, f"value {v}: must be an integer from {minimum} to {maximum}"); return default
        return v


def load_plan(path, problems):
    """§3: returns (canonical plan §3.3, {class: ratio as (p, s)}) or None on errors."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        problems.add(path, f"cannot read file: {e.strerror or e}"); return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as e:  # ValueError: an integer of > 4300 digits
        problems.add(path, f"invalid TOML: {e}"); return None
    base = os.path.dirname(os.path.abspath(path))
    pr = PlanReader(path, problems)
    before = problems.count()
    pr.table({"": doc}, "", PLAN_KEYS)
    name = pr.get(doc, "name", (str,), None, "a string")
    if not name:
        pr.err("name", "required, non-empty string")
    # §3: a TOML string (any §1.5 form) or a bare TOML date; tomllib gives a
    # datetime.date for the latter (datetime.datetime, a subclass, is refused)
    idate = doc.get("inspection_date", "")
    if type(idate) is datetime.date:
        idate = idate.isoformat()
    idate = pr.get({"inspection_date": idate}, "inspection_date", (str,), "", "a date (§1.5) or \"\"")
    if idate and parse_date(idate) is None:
        pr.err("inspection_date", f"not a date (§1.5: year 1900-2999): {idate!r}")
    idate = parse_date(idate) or ""
    max_draws = pr.integer(doc, "max_draws_per_year", None, 0)      # §3.3: int|null
    embargo = read_embargo(pr, doc)
    caps_t = pr.table(doc, "caps", set(CAP_KEYS))     # LOG-FORMAT "The burden ledger and caps"
    caps = {k: pr.integer(caps_t, f"caps.{k}", None, 1) for k in CAP_KEYS}
    caps = {k: v for k, v in caps.items() if v is not None}


    # ratios, min, max (§3.1, §3.2)
    if "ratios" not in doc:
        pr.err("ratios", "required table")
    ratios, mins, maxs = {}, {}, {}
    ratio_t, min_t, max_t = (pr.table(doc, k, CLASSES) for k in ("ratios", "min", "max"))
    for c in CLASSES:
        v = ratio_t.get(c, "0")
        ratios[c], problem = ratio_or_problem(v)
        if ratios[c] is None:
            pr.err(f"ratios.{c}", f"value {json.dumps(v, ensure_ascii=False) if isinstance(v, str) else v!r}: {problem}")
            ratios[c] = (0, 0)
        mins[c] = pr.integer(min_t, f"min.{c}", 0, 0)
        maxs[c] = pr.integer(max_t, f"max.{c}", None, 0)
        if maxs[c] is not None and mins[c] > maxs[c]:
            pr.err(f"min.{c}", f"min ({mins[c]}) is greater than max ({maxs[c]})")

    # scope
    scope = pr.table(doc, "scope", SCOPE_KEYS)
    statuses = []
    for s in pr.string_list(scope, "scope.statuses") if "statuses" in scope else ["存续"]:
        if ascii_lower(s) not in STATUS:
            pr.err("scope.statuses", f"unknown status {s!r}")
        else:
            statuses.append(STATUS[ascii_lower(s)])
    # "sorted strings" (§3.3) is read as sorted sets, like exclude and qualifications
    regions = sorted(set(pr.string_list(scope, "scope.regions")))
    for r in regions:
        if not re.fullmatch("[0-9]{1,6}", r):
            pr.err("scope.regions", f"a region prefix is 1 to 6 digits: {r!r}")
    industries = sorted(set(pr.string_list(scope, "scope.industries")))
    where = pr.table(scope, "scope.where", None)
    for k, v in where.items():
        if not isinstance(v, str):
            pr.err(f"scope.where.{k}", "must be a string")
    where = sorted(where_established(pr, k.strip(TRIM), v.strip(TRIM)) for k, v in where.items() if isinstance(v, str))
    columns = [k for k, _ in where]
    if "" in columns or len(set(columns)) < len(columns):              # §3.2 (trimmed text)
        pr.err("scope.where", "each column may be named once, and not empty")
    for k in columns:                                                  # §3.2, §6.3
        if ENTERPRISE_LOOKUP.get(ascii_lower(k)) in UNFILTERABLE:
            pr.err("scope.where", f"{k!r}: the dormancy dates and the service address cannot be filtered on (§6.3)")
    wake = pr.get(scope, "scope.wake", (bool,), False, "true or false")   # §6.3
    ranges = read_ranges(pr, scope, where, lambda k: ENTERPRISE_LOOKUP.get(ascii_lower(k)))
    region_strata = read_strata(pr, doc)
    feedback = read_feedback(pr, doc)

    # team
    team = pr.table(doc, "team", TEAM_KEYS)
    departments = pr.string_list(team, "team.departments")
    if "" in departments or len(set(departments)) < len(departments):
        pr.err("team.departments", "department names must be non-empty and listed once")
    size = pr.integer(team, "team.size", max(2, len(departments)), 2, MAX_TEAM)
    if size < len(departments):
        pr.err("team.size", f"must be ≥ the number of departments ({len(departments)})")
    department = pr.get(doc, "department", (str,), "", "a string")
    if department == "":                         # "" counts as not set
        department = departments[0] if departments else ""
    elif departments and department not in departments:
        pr.err("department", f"{department!r} is not one of team.departments")
    region = pr.get(team, "team.region", (str,), "any", "a string")
    if region not in ("any", "same", "different"):
        pr.err("team.region", "must be \"any\", \"same\" or \"different\"")
    cap = pr.integer(team, "team.max_targets_per_inspector", None, 1)
    experts = pr.integer(team, "team.experts", 0, 0, MAX_TEAM)
    qualifications = sorted(set(pr.string_list(team, "team.qualifications")) - {""})
    rotation = pr.get(team, "team.rotation", (bool,), False, "true or false")
    history_file = pr.get(team, "team.history_file", (str,), None, "a string")
    reviewers = pr.integer(team, "team.reviewers", 1, 1, MAX_REVIEWERS)     # §8.6: read in every plan
    # §3.2: rotation without history_file is valid (history = [] unless the audit log adds some)

    # items (§1.4, §3.2)
    item_names = pr.string_list(doc, "items")
    items_file = pr.get(doc, "items_file", (str,), None, "a string")
    # §3: items_file is read only when items is not empty
    catalogue = read_items(os.path.join(base, items_file), problems) if items_file and item_names else {}
    items = []
    if catalogue is not None:
        for j, n in enumerate(item_names):
            if n in item_names[:j]:
                pr.err("items", f"{n!r} is listed twice")
                continue
            if n not in catalogue:
                pr.err("items", f"{n!r} is not in the item list")
                continue
            item, ceiling = catalogue[n]
            items.append(item)
            if item["category"] == "general" and ceiling is not None:
                for c in CLASSES:
                    if not ratio_le(ratios[c], ceiling):
                        pr.err(f"ratios.{c}", f"{ratio_text(ratios[c])} exceeds the ceiling {item['ceiling']} of general item {n!r}")

    method = read_method(pr, doc, items, experts, reviewers, departments)

    # exclusions (§3.2)
    exclude = set()
    for u in pr.string_list(doc, "exclude"):
        msg = uscc_problem(ascii_upper(u))
        if msg:
            pr.err("exclude", f"{u!r}: {msg}")
        exclude.add(ascii_upper(u))
    exclude_file = pr.get(doc, "exclude_file", (str,), None, "a string")
    if exclude_file:
        rows = read_uscc_column(os.path.join(base, exclude_file), [("uscc", ("统一社会信用代码",), True)], problems)
        exclude.update(r[3] for r in rows or [])

    history = read_history(os.path.join(base, history_file), problems) if rotation and history_file else []
    if problems.count() > before:
        return None
    plan = {
        "algorithm": ALGORITHM,
        "name": name,
        "department": department,
        "inspection_date": idate,
        "ratios": {c: ratio_text(ratios[c]) for c in CLASSES},
        "min": mins,
        "max": maxs,
        "scope": {"statuses": sorted(set(statuses)),
                  "regions": regions,
                  "industries": industries,
                  "where": where},
        "items": items,
        "exclude": sorted(exclude),
        "max_draws_per_year": max_draws,
        "team": {"size": size, "departments": departments, "region": region,
                 "max_targets_per_inspector": cap,
                 "qualifications": qualifications,
                 "experts": experts, "rotation": rotation},
        "history": history if rotation else [],
    }
    if embargo is not None:                      # §3.3: the key only when the plan sets an embargo
        plan["embargo"] = embargo
    if ranges:                                   # §3.3, §6.2: likewise scope.range
        plan["scope"]["range"] = ranges
    if wake:                                     # §6.3: outside a log, no wake-ups; terms judged on the inspection date
        plan["scope"]["wake"] = {"as_of": idate, "woken": []}
    if caps:                                     # §3.3: only the caps set, the key only when one is
        plan["caps"] = caps
    if region_strata is not None:                # §3.3, §6.1: and strata
        plan["strata"] = region_strata
    if feedback is not None:                     # §3.3, §6.4: flagged only from a log (commit)
        plan["feedback"] = feedback
    if method != "on_site":                      # §3.3, §8.6: on-site plans keep their digest
        plan["method"] = method
        plan["team"]["reviewers"] = reviewers
    for key, v in plan_strings(plan, ""):        # §3.2: no control character in the canonical plan
        if CONTROL.search(v):
            problems.add(path, f"{key}: value {json.dumps(v, ensure_ascii=False)} contains a control character (a TOML escape such as \\t)")
    if problems.count() > before:
        return None
    return plan, ratios


def where_established(pr, column, value):
    """§3.2: a `where` on 成立日期 is stored as ["established", YYYY-MM-DD or ""]."""
    if ENTERPRISE_LOOKUP.get(ascii_lower(column)) != "established":
        return [column, value]
    if value and parse_date(value) is None:
        pr.err("scope.where", f"成立日期 (established) {value!r} is not a date (§1.5)")
    return ["established", parse_date(value) or value if value else ""]


def read_feedback(pr, doc):
    """§3.2, §6.4: the canonical `feedback` object ({"ratio", "flagged": []}),
    or None without a [feedback] table.  A plan file cannot flag firms: the
    log does, at commit (LOG-FORMAT "Feedback from results")."""
    if "feedback" not in doc:
        return None
    t = pr.table(doc, "feedback", {"ratio", "reasons"})
    reasons = read_feedback_reasons(pr, t)
    if "strata" in doc:
        pr.err("feedback", "is not allowed together with [strata] (region strata and floors, §6.1)")
    if "ratio" not in t:
        if isinstance(doc["feedback"], dict):
            pr.err("feedback.ratio", "required: the ratio at which flagged firms are drawn, such as \"50%\"")
        return None
    ratio, problem = ratio_or_problem(t["ratio"])
    if ratio is None:
        v = t["ratio"]
        shown = json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)
        pr.err("feedback.ratio", f"value {shown}: {problem}")
        return None
    if reasons is None:
        return None
    fb = {"ratio": ratio_text(ratio), "flagged": []}
    if reasons != list(DEFAULT_FEEDBACK_REASONS):  # §3.3: the default is written by leaving it out
        fb["reasons"] = reasons
    return fb


def read_feedback_reasons(pr, t):
    """§3.2: [feedback] reasons, a non-empty list of distinct words among
    problem, follow_up, woken; returned in that (rule) order, the default
    when absent; None (reported) when wrong."""
    if "reasons" not in t:
        return list(DEFAULT_FEEDBACK_REASONS)
    v = t["reasons"]
    shown = json.dumps(v, ensure_ascii=False) if isinstance(v, (str, list)) else repr(v)
    if not isinstance(v, list):
        pr.err("feedback.reasons", f"value {shown}: must be a list of words, such as [\"woken\"]")
        return None
    unknown = [w for w in v if w not in FEEDBACK_REASONS]
    twice = sorted({w for w in v if w in FEEDBACK_REASONS and v.count(w) > 1})
    if unknown:
        pr.err("feedback.reasons", f"value {shown}: {', '.join(map(repr, unknown))} is not a reason "
                                    f"(use {', '.join(FEEDBACK_REASONS)})")
    if twice:
        pr.err("feedback.reasons", f"value {shown}: {', '.join(twice)} listed twice")
    if not v:
        pr.err("feedback.reasons", f"value []: empty; list at least one of {', '.join(FEEDBACK_REASONS)} (or leave it out)")
    if unknown or twice or not v:
        return None
    return [w for w in FEEDBACK_REASONS if w in v]


def read_method(pr, doc, items, experts, reviewers, departments):
    """§3.2, §8.6: the plan's effective method; each refusal reported."""
    method = pr.get(doc, "method", (str,), None, "a string")
    if method is not None and method_word(method) is None:
        pr.err("method", f"value {method!r}: {REFUSED}")
        return "on_site"
    prefer = pr.get(doc, "prefer_offsite", (bool,), False, "true or false")
    if prefer and method is not None:
        pr.err("prefer_offsite", "true is not allowed together with method (give one of them)")
        return "on_site"
    chosen = effective_method(method_word(method) if method is not None else None, prefer, items)
    for key, msg in offsite_problems(chosen, items, experts, reviewers, departments):
        pr.err(key, msg)
    return chosen


def filter_columns(plan):
    """§5: the columns the plan filters on (where and range), sorted."""
    scope = plan["scope"]
    return sorted({c for c, _ in scope["where"]} | {r[0] for r in scope.get("range", [])})


def read_embargo(pr, doc):
    """§3, §3.2: embargo_until (a §1.5 date, string or bare TOML date) or
    embargo_working_days (1 … 365), not both; returns the §3.3 `embargo`
    object or None."""
    if "embargo_until" in doc and "embargo_working_days" in doc:
        pr.err("embargo_working_days", "give embargo_until or embargo_working_days, not both")
        return None
    if "embargo_until" in doc:
        until = doc["embargo_until"]
        if type(until) is datetime.date:
            until = until.isoformat()
        until = pr.get({"embargo_until": until}, "embargo_until", (str,), None, "a date (§1.5)")
        if until is None:
            return None
        if parse_date(until) is None:
            pr.err("embargo_until", f"not a date (§1.5: year 1900-2999): {until!r}")
            return None
        return {"until": parse_date(until)}
    days = pr.integer(doc, "embargo_working_days", None, 1, MAX_EMBARGO_DAYS)
    return None if days is None else {"working_days": days}


def plan_strings(v, key):
    """Every string of the canonical plan with its key path (object keys included)."""
    if isinstance(v, str):
        yield key, v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from plan_strings(k, key)
            yield from plan_strings(x, f"{key}.{k}" if key else k)
    elif isinstance(v, list):
        for x in v:
            yield from plan_strings(x, key)
