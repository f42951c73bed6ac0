"""LOG-FORMAT "Salts and blinded leaves (protected)": salts, blinds, the
enterprise states of spec §6, the blinded leaves and the blinded snapshots.

    salt  = HMAC-SHA256(K, "fairdraw-v1/salt" ‖ 0x00 ‖ registry ‖ 0x00 ‖ row key)
    blind = hex(SHA-256("fairdraw-v1/blind" ‖ 0x00 ‖ salt ‖ leaf))

A verifier never holds K: it reads the salts (the auditor export's
`.salts.gz`, an opening, a disclosure).  `salt` is here for the vector
tests/vectors/protected/blinding.json."""

import hashlib
import hmac
import re

from .canonical import canonical_json, parse_canonical
from .registries import CLASSES, ENTERPRISE_LOOKUP
from .plan import filter_columns
from .selection import in_scope, scope_of
from .snapshots import LEAF_FIELDS
from .tables import ascii_lower

REGISTRIES = ("enterprises", "inspectors", "conflicts")
STATES = ("eligible", "excluded", "out")
HEX64 = re.compile("[0-9a-f]{64}")


def salt(secret, registry, row_key):
    """The row's salt (32 bytes); `row_key` as bytes (conflicts: inspector_id ‖ 0x00 ‖ uscc)."""
    return hmac.new(secret, b"fairdraw-v1/salt\x00" + registry.encode("utf-8") + b"\x00" + row_key,
                    hashlib.sha256).digest()


def blind(salt_bytes, leaf):
    """hex(SHA-256("fairdraw-v1/blind" ‖ 0x00 ‖ salt ‖ leaf)), `leaf` the §5 leaf bytes."""
    return hashlib.sha256(b"fairdraw-v1/blind\x00" + salt_bytes + leaf).hexdigest()


def where_positions(plan):
    """Spec §5/§6: the leaf position of each `scope.where` column — a §1.1
    field by its place, any other column as the next extra (6, 7, …, in the
    sorted column order of `where`) — and the number of extras."""
    positions, extras = [], 0
    for column in filter_columns(plan):          # where's and range's columns (§5)
        field = ENTERPRISE_LOOKUP.get(ascii_lower(column))
        if field in LEAF_FIELDS:
            positions.append(LEAF_FIELDS.index(field))
        else:
            positions.append(6 + extras)
            extras += 1
    return positions, extras


def leaf_length(plan):
    """6 + the number of extra columns the plan's `where` names (+ 2 dormancy dates with scope.wake, §5)."""
    return 6 + where_positions(plan)[1] + (2 if "wake" in plan["scope"] else 0)


def enterprise_state(leaf, plan):
    """"eligible" (in the plan's scope, spec §6, and not in its exclude),
    "excluded" (in scope and excluded) or "out", for a §5 leaf given as a
    list of strings of length leaf_length(plan)."""
    positions, _ = where_positions(plan)
    if not in_scope((*leaf[:6], tuple(leaf[p] for p in positions), tuple(leaf[-2:])), scope_of(plan)):
        return "out"
    return "excluded" if leaf[0] in plan["exclude"] else "eligible"


def blinded_leaf(registry, values, blind_hex, state=None):
    """The blinded leaf bytes of a row whose §5 leaf is `values` (a list)."""
    if registry == "enterprises":
        return canonical_json([values[2], state, blind_hex]).encode("utf-8")
    if registry == "inspectors":
        return canonical_json([values[0], values[1], values[2], blind_hex]).encode("utf-8")
    return canonical_json([blind_hex]).encode("utf-8")


def blinded_snapshot(registry, leaves, salts, plan):
    """The blinded snapshot (sorted lines) of the full snapshot `leaves` (bytes,
    in order) with their `salts` (32-byte each); `plan` gives the enterprise
    states.  ValueError when a leaf is not a §5 leaf."""
    out = []
    for line, s in zip(leaves, salts):
        values, err = parse_canonical(line)
        if err is not None or not isinstance(values, list):
            raise ValueError(f"leaf {line[:80]!r} is not a canonical JSON array")
        if registry == "enterprises":
            if len(values) != leaf_length(plan) or not all(isinstance(x, str) for x in values):
                raise ValueError(f"leaf {line[:80]!r} does not have the {leaf_length(plan)} string columns")
            out.append(blinded_leaf(registry, values, blind(s, line), enterprise_state(values, plan)))
        else:
            if len(values) < 3 and registry == "inspectors":
                raise ValueError(f"leaf {line[:80]!r} is not an inspector leaf")
            out.append(blinded_leaf(registry, values, blind(s, line)))
    return sorted(out)


def blinded_line_problem(registry, line):
    """Why `line` is not a blinded leaf of `registry` (LOG-FORMAT table), or None."""
    v, err = parse_canonical(line)
    if err is not None:
        return err
    shapes = {"enterprises": 3, "inspectors": 4, "conflicts": 1}
    if not isinstance(v, list) or len(v) != shapes[registry] or not all(isinstance(x, str) for x in v):
        return f"not an array of {shapes[registry]} string(s)"
    if not HEX64.fullmatch(v[-1]):
        return "its blind is not 64 lower-case hex digits"
    if registry == "enterprises" and (v[0] not in CLASSES or v[1] not in STATES):
        return f"class {v[0]!r} or state {v[1]!r} is not one of A-D and eligible/excluded/out"
    return None
