"""SPEC §5 "Snapshots and their roots": the leaves of the three registries
and their RFC 6962 Merkle roots (computed with merkle.py, as the log's)."""

import hashlib
import re
from operator import itemgetter

from . import merkle
from .canonical import canonical_json, canonical_strings

LEAF_FIELDS = ["uscc", "name", "credit_class", "region", "industry", "status"]     # §5 enterprise leaf
INSPECTOR_LEAF = ["id", "name", "department", "region", "active", "role", "qualifications", "cert_expires"]
CONFLICT_LEAF = ["inspector_id", "uscc"]


def merkle_root(leaves):
    """§5: MTH of the leaf byte strings, hex."""
    return merkle.mth([merkle.leaf_hash(d) for d in leaves]).hex()


# The canonical JSON of a list of strings none of which holds a quote, a
# backslash or a control character is the strings in quotes, comma-joined,
# in brackets: json's encoder called a million times is the slow part of
# the leaves.  A block of leaves is checked at once, and a block where any
# string needs an escape is left to canonical_strings.
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\\\\]')


def leaf_hashes(rows):
    """merkle.leaf_hash of each row's leaf, canonical_strings(row) (§5)."""
    out, sha256 = [], hashlib.sha256
    for start in range(0, len(rows), 1 << 16):
        block = rows[start:start + (1 << 16)]
        texts = ['["' + '","'.join(row) + '"]' for row in block]
        joined = "".join(texts)
        if _NEEDS_ESCAPE.search(joined) or joined.count('"') != 2 * sum(map(len, block)):
            texts = list(map(canonical_strings, block))
        out.extend([sha256(b"\x00" + t.encode("utf-8")).digest() for t in texts])
    return out


def leaf(values):
    return canonical_json(values).encode("utf-8")


def snapshots(enterprises, extra_positions, extra_columns, inspectors, conflicts, wake=False):
    """§5: the three roots, of the leaves sorted by USCC, id, and pair."""
    enterprises = sorted(enterprises, key=itemgetter(0))
    if wake:                                      # scope.wake: the dormancy dates last (§5, §6.3)
        extra_columns = [*extra_columns, "dormant_from", "dormant_until"]
        ent = [(*e[:6], *(e[6][j] for j in extra_positions), *e[7]) for e in enterprises]
    elif extra_positions:
        ent = [(*e[:6], *(e[6][j] for j in extra_positions)) for e in enterprises]
    else:
        ent = [e[:6] for e in enterprises]
    ins = [leaf([i["id"], i["name"], i["department"], i["region"], i["active"], i["role"],
                 i["qualifications"], i["cert_expires"]]) for i in sorted(inspectors, key=lambda i: i["id"])]
    con = [leaf(list(p)) for p in sorted(conflicts)]
    return {
        "enterprises": {"root": merkle.mth(leaf_hashes(ent)).hex(), "count": len(ent),
                        "columns": LEAF_FIELDS + extra_columns},
        "inspectors": {"root": merkle_root(ins), "count": len(ins)},
        "conflicts": {"root": merkle_root(con), "count": len(con)},
    }
