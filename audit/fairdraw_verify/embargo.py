"""LOG-FORMAT "Embargo (sealed draws)": the `sealed` object of a DrawResult
and whether a DrawPublication matches it.  Dates derived from entry times
are China dates (UTC+8, LOG-FORMAT "Entries")."""

import datetime
import hashlib
import re

from .canonical import canonical_json
from .registries import CLASSES

SEALED_KEYS = {"digest", "until", "strata"}
STRATUM_KEYS = ("class", "population", "excluded", "eligible", "sample_size")
DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def china_date(t):
    """The China date (UTC+8) of an aware datetime, as YYYY-MM-DD."""
    return t.astimezone(CHINA).date().isoformat()


def parse_date(s):
    """A YYYY-MM-DD calendar date, or None."""
    if not isinstance(s, str) or not DATE.fullmatch(s):
        return None
    try:
        return datetime.date.fromisoformat(s)
    except ValueError:
        return None


def _count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def sealed_problems(sealed, time, feedback=False):
    """What is wrong with a DrawResult's `sealed` object, logged at `time`
    (an aware datetime, or None when the entry's time is unreadable);
    `feedback`: the plan has `feedback`, so a fifth stratum, the feedback
    stratum (SPEC §6.4), follows A, B, C, D."""
    if set(sealed) != SEALED_KEYS:
        return ["sealed must have exactly digest, until, strata"]
    out = []
    if not isinstance(sealed["digest"], str) or not re.fullmatch("[0-9a-f]{64}", sealed["digest"]):
        out.append("sealed.digest is not 64 lower-case hex digits")
    until = parse_date(sealed["until"])
    if until is None:
        out.append(f"sealed.until {sealed['until']!r} is not a date YYYY-MM-DD")
    elif time is not None and not until.isoformat() > china_date(time):
        out.append(f"sealed.until {sealed['until']} is not after the China date of the result ({china_date(time)})")
    strata = sealed["strata"]
    classes = CLASSES + ("feedback",) if feedback else CLASSES
    if not isinstance(strata, list) or len(strata) != len(classes) or not all(
            isinstance(s, dict) and set(s) == set(STRATUM_KEYS) and s["class"] == c
            and all(_count(s[k]) for k in STRATUM_KEYS[1:]) for s, c in zip(strata, classes)):
        out.append(f'sealed.strata must be {len(classes)} objects {{"class","population","excluded","eligible",'
                   f'"sample_size"}} for classes {", ".join(classes)} in order, with integer counts')
    return out


def publication_mismatch(sealed, draw):
    """Why the published document `draw` is not the sealed one (its digest and
    strata counts), or None."""
    digest = hashlib.sha256(canonical_json(draw).encode("utf-8")).hexdigest()
    if digest != sealed["digest"]:
        return f"canonical_json(draw) hashes to {digest}, the seal says {sealed['digest']}"
    strata = draw.get("strata")
    for j, s in enumerate(sealed["strata"]):
        got = strata[j] if isinstance(strata, list) and j < len(strata) and isinstance(strata[j], dict) else {}
        for k in STRATUM_KEYS:
            if got.get(k) != s[k]:
                return f"strata[{j}].{k} is {got.get(k)!r}, the seal says {s[k]!r}"
    return None
