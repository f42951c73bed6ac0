"""SPEC §3.1: ratios (text such as "5%" or "0.05", or the TOML integers 0
and 1) as exact decimals (p, s) meaning p / 10**s, and their canonical text."""

import re

from .tables import TRIM

# §3.1: the ratio's text is trimmed of the §1 step 3 characters, also before
# "%". Lengths are checked before int() is called, so a ratio of thousands
# of digits is refused with a message, never converted.
RATIO = re.compile("([0-9]+)(?:\\.([0-9]+))?")
RATIO_SYNTAX = 'is not a ratio such as "5%" or "0.05" (digits, optionally a point and decimals, optionally %)'
RATIO_MAX_SCALE = 18
RATIO_MAX_INTEGER_DIGITS = 3


def ratio_or_problem(v):
    """§3.1: a string 'D' / 'D%' or a TOML integer -> ((p, s), None) meaning p / 10**s, or (None, message)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        return None, 'must be a string such as "5%" (or the integer 0 or 1); floats are not allowed'
    if isinstance(v, int):
        if v < 0:
            return None, RATIO_SYNTAX
        if v > 1:
            return None, "has more than 3 digits before the decimal point" if v > 999 else "is more than 100%"
        return (v, 0), None
    body = v.strip(TRIM)
    percent = body.endswith("%")
    if percent:
        body = body[:-1].strip(TRIM)
    m = RATIO.fullmatch(body)
    if not m:
        return None, RATIO_SYNTAX
    whole, frac = m[1], m[2] or ""
    if len(whole) > RATIO_MAX_INTEGER_DIGITS:
        return None, f"has more than {RATIO_MAX_INTEGER_DIGITS} digits before the decimal point"
    frac = frac.rstrip("0") if len(frac) <= RATIO_MAX_SCALE else frac
    s = len(frac) + (2 if percent else 0)
    if s > RATIO_MAX_SCALE:
        return None, f"has more than {RATIO_MAX_SCALE} decimals (as a fraction: 5% is 0.05)"
    p = int(whole + frac)
    if p > 10**s:
        return None, "is more than 100%"
    while s > 0 and p % 10 == 0:             # shortest form
        p, s = p // 10, s - 1
    return (p, s), None


def parse_ratio(v):
    """§3.1: (p, s) meaning p / 10**s, or None."""
    return ratio_or_problem(v)[0]


def ratio_text(r):
    """§3.1 canonical form of (p, s)."""
    p, s = r
    if s == 0:
        return str(p)
    digits = str(p).rjust(s + 1, "0")
    return digits[:-s] + "." + digits[-s:]


def ratio_le(a, b):
    return a[0] * 10**b[1] <= b[0] * 10**a[1]
