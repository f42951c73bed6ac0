"""SPEC §9.1 "Reading a draw document" (strictly, so that every verifier
gives the same verdict) and §10 "Verification" (the value-by-value
comparison of a recomputed document with the given one)."""

import codecs
import json
import re

from .plan import MAX_INTEGER

MISSING = object()

# §9.1 Reading a draw document: strictly, so that every verifier gives the
# same verdict. json.loads alone accepts duplicate keys (last wins), NaN,
# floats, -0, a 5000-digit integer (then fails at int()'s 4300-digit limit)
# and lone surrogate escapes; the hooks below refuse each of them.
MAX_DEPTH = 64
NUMBERS = "numbers must be integers from 0 to 9007199254740991, without sign, fraction or exponent"
_CANONICAL_INTEGER = re.compile("0|[1-9][0-9]{0,15}")     # checked before int(): no digit limit reached
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class DocumentError(ValueError):
    """The draw document is not one (exit code 2)."""


def _integer(text):
    if not _CANONICAL_INTEGER.fullmatch(text) or int(text) > MAX_INTEGER:
        raise DocumentError(f"{text[:40]}{'…' if len(text) > 40 else ''}: {NUMBERS}")
    return int(text)


def _not_integer(text):
    raise DocumentError(f"{text[:40]}{'…' if len(text) > 40 else ''} is not an integer: {NUMBERS}")


def _not_json(name):
    raise DocumentError(f"not valid JSON: {name} is not a JSON value")


def _unique_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise DocumentError(f"duplicate key {json.dumps(k, ensure_ascii=False)}")
        obj[k] = v
    return obj


def load_document(data):
    """§9.1: UTF-8 without BOM, strict JSON -> the document (a dict with a seed string)."""
    doc = load_strict_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("seed"), str):
        raise DocumentError('has no "seed" string (the document must be a JSON object with a seed)')
    return doc


def load_strict_json(data):
    """§9.1 rules 1-6 (bytes, grammar, strings, objects, numbers, nesting) for
    any JSON file a verifier reads: the draw document, a disclosure
    (LOG-FORMAT "Disclosures")."""
    if data.startswith(codecs.BOM_UTF8):
        raise DocumentError("starts with a byte order mark (U+FEFF); the file must be UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(f"not valid UTF-8 at byte {e.start}")
    depth = 0                                    # before json.loads, which recurses
    for m in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if m[0] in "[{" else -1
        if depth > MAX_DEPTH:
            raise DocumentError(f"not valid JSON: arrays and objects nested more than {MAX_DEPTH} levels deep")
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_integer,
                         parse_float=_not_integer, parse_constant=_not_json)
    except json.JSONDecodeError as e:
        raise DocumentError(f"not valid JSON: {e}")
    # json.loads keeps "\ud800" as a lone surrogate; the UTF-8 text itself
    # cannot hold one, so without such an escape there is nothing to look for.
    stack = [doc] if _SURROGATE_ESCAPE.search(text) else []
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str) and _SURROGATE.search(v):
            raise DocumentError(f"not valid JSON: a string holds a lone surrogate escape ({v[:40]!r})")
    return doc


def show(v):
    return "(nothing)" if v is MISSING else json.dumps(v, ensure_ascii=False)


def differences(expected, got, path, out):
    """Value-by-value comparison; appends 'PATH: expected X, draw has Y' lines."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for k in list(expected) + [k for k in got if k not in expected]:
            differences(expected.get(k, MISSING), got.get(k, MISSING), f"{path}.{k}" if path else k, out)
    elif isinstance(expected, list) and isinstance(got, list):
        for j in range(max(len(expected), len(got))):
            differences(expected[j] if j < len(expected) else MISSING,
                        got[j] if j < len(got) else MISSING, f"{path}[{j}]", out)
    elif type(expected) is not type(got) or expected != got:
        out.append(f"{path}: expected {show(expected)}, draw has {show(got)}")
