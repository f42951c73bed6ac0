"""SPEC §6.1 "Region strata and floors" and §6.2 "Range filters": the plan's
`[strata]` table and `[scope.range]`, and the decimal comparison of §6.2
(strings only: no number is ever converted, so no float is involved)."""

import re

from .ratio import ratio_or_problem, ratio_text
from .tables import TRIM, parse_date

DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")       # §6.2: ASCII digits, optional fraction
REGION_DIGITS = (2, 4, 6)                        # §3.2 strata.region_digits


def decimal_parts(text):
    """The integer part without leading zeros (one digit kept) and the fraction
    without trailing zeros."""
    whole, _, frac = text.partition(".")
    return whole.lstrip("0") or "0", frac.rstrip("0")


def canonical_decimal(text):
    """§6.2: "0100.50" -> "100.5"."""
    whole, frac = decimal_parts(text)
    return f"{whole}.{frac}" if frac else whole


def decimal_key(text):
    """A sort key ordering decimal strings by value (§6.2)."""
    whole, frac = decimal_parts(text)
    return len(whole), whole, frac


def parse_bound(text):
    """§6.2: ("number"|"date", canonical bound) or None."""
    if DECIMAL.fullmatch(text):
        return "number", canonical_decimal(text)
    date = parse_date(text)
    return ("date", date) if date else None


def range_kind(rng):
    """The kind of a canonical `[column, min, max]`: a date bound has a '-'."""
    bound = rng[1] if rng[1] is not None else rng[2]
    return "date" if "-" in bound else "number"


def normalize(kind, value):
    """§6.2: a registry value of a ranged column as the leaf holds it, or None
    when it is not of the column's kind.  Empty stays empty."""
    if value == "":
        return ""
    if kind == "date":
        return parse_date(value)
    return value if DECIMAL.fullmatch(value) else None


def in_range(rng, value):
    """§6.2: inclusive bounds; an empty value is outside every range."""
    if value == "":
        return False
    _, lo, hi = rng
    key = (lambda v: v) if range_kind(rng) == "date" else decimal_key
    return (lo is None or key(lo) <= key(value)) and (hi is None or key(value) <= key(hi))


def read_ranges(pr, scope, where, field_of):
    """§6.2: the canonical `scope.range` list from the plan's [scope.range]."""
    table = pr.table(scope, "scope.range", None)
    out = []
    for column, bounds in table.items():
        name = column.strip(TRIM)
        key = f"scope.range.{name}"
        if not name:
            pr.err("scope.range", "a range needs a column name"); continue
        field = field_of(name)                   # a §1.1 field's key, None for an extra column
        if field == "established":
            name = "established"
        elif field is not None:
            pr.err(key, "ranges apply to 成立日期 (established) and extra columns; "
                        "filter codes with scope.regions or scope.industries"); continue
        if name in [c for c, _ in where] or name in [r[0] for r in out]:
            pr.err(key, "a column may be named once, in scope.where or in scope.range"); continue
        if not isinstance(bounds, dict):
            pr.err(key, "must be a table such as { min = \"2024-01-01\" }"); continue
        unknown = set(bounds) - {"min", "max"}
        if unknown:
            pr.err(key, f"unknown key(s) {', '.join(sorted(unknown))}"); continue
        parsed, ok = {}, True
        for b in ("min", "max"):
            if b not in bounds:
                parsed[b] = None
                continue
            v = bounds[b]
            p = parse_bound(v.strip(TRIM)) if isinstance(v, str) else None
            if p is None:
                ok = False
                pr.err(f"{key}.{b}", f"value {v!r}: is neither a number (digits, optionally with a decimal "
                                     f"fraction) nor a date such as 2024-01-01 (a bound is a string)")
            parsed[b] = p
        if not ok:
            continue
        lo, hi = parsed["min"], parsed["max"]
        if lo is None and hi is None:
            pr.err(key, "a range needs min, max or both"); continue
        if lo is not None and hi is not None and lo[0] != hi[0]:
            pr.err(key, "min and max must both be dates or both be numbers"); continue
        if name == "established" and (lo or hi)[0] != "date":
            pr.err(key, "成立日期 (established) holds dates: its bounds are dates such as 2024-01-01"); continue
        rng = [name, lo and lo[1], hi and hi[1]]
        if lo is not None and hi is not None and not in_range(rng, lo[1]):
            pr.err(f"{key}.max", f"{hi[1]} is below min = {lo[1]}"); continue
        out.append(rng)
    return sorted(out)


def read_strata(pr, doc):
    """§6.1: the canonical `strata` object, or None without a [strata] table."""
    if "strata" not in doc:
        return None
    t = pr.table(doc, "strata", {"region_digits", "floor"})
    digits = t.get("region_digits")
    if type(digits) is not int or digits not in REGION_DIGITS:   # bool and float (2.0) are not TOML integers
        pr.err("strata.region_digits", f"value {digits!r}: must be 2, 4 or 6 (province, city, county)")
        return None
    floor = t.get("floor", "0")
    ratio, problem = ratio_or_problem(floor)
    if ratio is None:
        pr.err("strata.floor", f"value {floor!r}: {problem}")
        return None
    return {"region_digits": digits, "floor": ratio_text(ratio)}
