"""LOG-FORMAT "The burden ledger and caps": the checks of a year (draws'
targets and ExternalChecks entries), the caps' log_exclusions, and the shape
of an ExternalChecks check. Written from the spec text.

    checks_of_year(entries, year, document_of) -> [Check]
    visits_per_firm(entries, checks) -> uscc -> visits of the year (rule 3)
    cap_exclusions(checks, plan, year, entries) -> (same_item, counted): uscc -> reason
    external_checks_problem(body) -> str | None
"""

import datetime
import re

from .annual import visits
from .methods import METHODS
from .uscc import uscc_problem

REQUIRED = ("uscc", "department", "method", "date")
OPTIONAL = ("item", "reference")
CAP_KEYS = ("visits_per_firm_per_year", "on_site_per_department_per_year", "same_item_per_year")


class Check:
    def __init__(self, uscc, department, method, items, entry, external=False):
        self.uscc, self.department, self.method, self.items, self.entry = uscc, department, method, items, entry
        self.external = external   # an ExternalChecks check: never merged into a visit


def checks_of_year(entries, year, document_of):
    """The checks of `year` (None: of every year) among `entries` (the
    well-formed entries before a commitment, in log order);
    `document_of(result)` is the draw document that counts for a DrawResult
    (a sealed one's publication), or None."""
    by_id = {e.id: e for e in entries}
    out = []
    for e in entries:
        if e.kind == "DrawResult" and e.body.get("outcome") == "drawn":
            c = by_id.get(e.body["commitment"])
            doc = document_of(e)
            if c is None or c.kind != "DrawCommitment" or year is not None and c.body.get("year") != year or not isinstance(doc, dict):
                continue
            plan = c.body["plan"]
            try:
                items = [i["item"] for i in plan["items"]]
                department, method = plan["department"], plan.get("method", "on_site")
                targets = [a["uscc"] for a in doc["assignments"]]
            except (KeyError, TypeError):
                continue
            out.extend(Check(u, department, method, items, e.id) for u in targets)
        elif e.kind == "ExternalChecks":
            for c in e.body["checks"]:
                if year is None or c["date"][:4] == f"{year:04d}":
                    out.append(Check(c["uscc"], c["department"], c["method"],
                                     [c["item"]] if "item" in c else [], e.id, external=True))
    return out


def visits_per_firm(entries, checks):
    """Rule 3's count: USCC -> the joint visits of `entries` (the well-formed
    entries before the commitment) holding one of the firm's draw checks
    among `checks` (the ledger of the year), plus its external checks."""
    draws = {(c.uscc, c.entry) for c in checks if not c.external}
    out = {}
    for v in visits(entries):
        if any((v["uscc"], d) in draws for d in v["checks"]):
            out[v["uscc"]] = out.get(v["uscc"], 0) + 1
    for c in checks:
        if c.external:
            out[c.uscc] = out.get(c.uscc, 0) + 1
    return out


def cap_exclusions(checks, plan, year, entries):
    """(same_item, counted): USCC -> reason of rule 1 with same_item_per_year,
    and of rules 3 then 4 (visits_per_firm_per_year, on_site_per_department_per_year);
    `checks` is the ledger of `year` among `entries`."""
    caps = plan.get("caps", {})
    n_visits = visits_per_firm(entries, checks) if "visits_per_firm_per_year" in caps else {}
    per_firm = {}
    for c in checks:
        per_firm.setdefault(c.uscc, []).append(c)
    same_item, counted = {}, {}
    for u, mine in per_firm.items():
        cap = caps.get("same_item_per_year")
        if cap is not None:
            for item in (i["item"] for i in plan["items"]):
                n = sum(1 for c in mine if item in c.items)
                if n >= cap:
                    same_item[u] = f"checked {n} times for 「{item}」 in {year} (cap same_item_per_year {cap})"
                    break
        cap, n = caps.get("visits_per_firm_per_year"), n_visits.get(u, 0)
        if cap is not None and n >= cap:
            counted[u] = f"visited {n} times in {year} (cap visits_per_firm_per_year {cap})"
            continue
        cap, dept = caps.get("on_site_per_department_per_year"), plan["department"]
        n = sum(1 for c in mine if c.method == "on_site" and c.department == dept)
        if cap is not None and n >= cap:
            counted[u] = (f"visited on site {n} times by {dept} in {year} "
                          f"(cap on_site_per_department_per_year {cap})")
    return same_item, counted


def caps_ok(caps):
    """§3.3 `caps`: a non-empty object of known caps, each an integer 1 … 2^53 − 1."""
    return isinstance(caps, dict) and caps and all(
        k in CAP_KEYS and type(v) is int and 1 <= v <= 2**53 - 1 for k, v in caps.items())


def real_date(s):
    """A §1.5 date written YYYY-MM-DD (year 1900-2999)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s) or not 1900 <= int(s[:4]) <= 2999:
        return False
    try:
        datetime.date(int(s[:4]), int(s[5:7]), int(s[8:]))
        return True
    except ValueError:
        return False


def external_checks_problem(body):
    """What is wrong with a well-typed ExternalChecks body, or None."""
    if not body["checks"]:
        return "checks is empty"
    if body["source"] == "":
        return "source is empty"
    for k, c in enumerate(body["checks"]):
        p = check_problem(c)
        if p:
            return f"checks[{k}]: {p}"
    return None


def check_problem(c):
    if not isinstance(c, dict):
        return "not an object"
    for key in REQUIRED:
        if key not in c:
            return f"missing {key}"
    for key in c:
        if key not in REQUIRED + OPTIONAL:
            return f"unknown field {key}"
    for key, v in c.items():
        if not isinstance(v, str):
            return f"{key} is not a string"
    p = uscc_problem(c["uscc"])
    if p:
        return f"uscc {c['uscc']!r}: {p}"
    if c["department"] == "":
        return "department is empty"
    if c["method"] not in METHODS:
        return f"method {c['method']!r} is not one of {', '.join(METHODS)}"
    if not real_date(c["date"]):
        return f"date {c['date']!r} is not a date YYYY-MM-DD"
    for key in OPTIONAL:
        if c.get(key) == "":
            return f"{key} is empty (leave it out)"
    return None
