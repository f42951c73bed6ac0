"""SPEC §4 "Canonical JSON" and LOG-FORMAT "Entries": the one canonical JSON
encoder of this package, for everything that is hashed (plan digests,
snapshot leaves) and for the log's entries and checkpoint records.

Sorted keys (code point order), no whitespace, UTF-8, integers only, `"` and
`\\` escaped as `\\"` and `\\\\`, characters below U+0020 as `\\u00xx` with
lower-case hex (LOG-FORMAT "Entries"; the writer's form), everything else,
U+007F included, as itself.  SPEC §4 inputs never hold control characters
(§1 step 3, §3.2), so for them this is exactly Python's
`json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`.
"""

import json
import re
from json.encoder import encode_basestring


class _Fraction:
    """A JSON number with a fraction or an exponent, as parse_canonical reads
    it: never canonical (integers only), refused by the encoder."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _refuse(v):
    what = "a number with a fraction or exponent" if isinstance(v, _Fraction) else type(v).__name__
    raise ValueError(f"{what} is not allowed (integers only)")


# json's C encoder does the work; it writes \b \t \n \f \r in their short
# forms, which _long_escape turns into \u00xx.  Every backslash of its output
# starts an escape, so scanning `\` + one character left to right never
# splits one.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                            allow_nan=False, default=_refuse)
_ESCAPE = re.compile(r"\\(.)")
_SHORT = {"b": "\\u0008", "t": "\\u0009", "n": "\\u000a", "f": "\\u000c", "r": "\\u000d"}


def _long_escape(m):
    return _SHORT.get(m[1], m[0])


def canonical_json(v):
    """The canonical JSON text of `v` (str); ValueError for a value JSON cannot hold.

    Integers only: no reader of this package yields a Python float (the plan,
    §3.2, and the draw document, §9.1, refuse fractions; parse_canonical reads
    one as a _Fraction, which the encoder refuses).  A float given directly is
    refused; json's C encoder cannot be asked to refuse a nested one."""
    if isinstance(v, float):
        _refuse(v)
    text = _ENCODER.encode(v)
    return _ESCAPE.sub(_long_escape, text) if "\\" in text else text


def canonical_strings(values):
    """canonical_json(list(values)) for a sequence of strings, as the snapshot
    leaves (SPEC §5) are: a million of them are encoded per draw, and json's C
    string encoder, called directly, is three times faster than the whole
    encoder.  It writes control characters in short forms (\\n), so a leaf
    that needs any escape is left to canonical_json."""
    text = "[" + ",".join(map(encode_basestring, values)) + "]"
    return canonical_json(list(values)) if "\\" in text else text


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_canonical(line):
    """bytes -> (value, None) when `line` is canonical JSON, else (value or None, what is wrong)."""
    try:
        v = json.loads(line.decode("utf-8"), parse_constant=_no_constant, parse_float=_Fraction)
    except (UnicodeDecodeError, ValueError) as e:
        return None, f"not JSON ({e})"
    try:
        same = canonical_json(v).encode("utf-8") == line
    except (ValueError, UnicodeEncodeError) as e:
        return v, f"not canonical JSON ({e})"
    return v, None if same else "not in canonical form (key order, spacing or escapes differ)"
