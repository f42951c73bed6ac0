"""SPEC §5 "Snapshots and their roots": the leaves of the three registries
and their RFC 6962 Merkle roots (computed with merkle.py, as the log's)."""

from operator import itemgetter

from . import merkle
from .canonical import canonical_json, canonical_strings

LEAF_FIELDS = ["uscc", "name", "credit_class", "region", "industry", "status"]     # §5 enterprise leaf
INSPECTOR_LEAF = ["id", "name", "department", "region", "active", "role", "qualifications", "cert_expires"]
CONFLICT_LEAF = ["inspector_id", "uscc"]


def merkle_root(leaves):
    """§5: MTH of the leaf byte strings, hex."""
    return merkle.mth([merkle.leaf_hash(d) for d in leaves]).hex()


def leaf(values):
    return canonical_json(values).encode("utf-8")


def snapshots(enterprises, extra_positions, extra_columns, inspectors, conflicts, wake=False):
    """§5: the three roots, of the leaves sorted by USCC, id, and pair."""
    enterprises = sorted(enterprises, key=itemgetter(0))
    if wake:                                      # scope.wake: the dormancy dates last (§5, §6.3)
        extra_columns = [*extra_columns, "dormant_from", "dormant_until"]
        ent = [canonical_strings((*e[:6], *(e[6][j] for j in extra_positions), *e[7])).encode("utf-8")
               for e in enterprises]
    elif extra_positions:
        ent = [canonical_strings((*e[:6], *(e[6][j] for j in extra_positions))).encode("utf-8") for e in enterprises]
    else:
        ent = [canonical_strings(e[:6]).encode("utf-8") for e in enterprises]
    ins = [leaf([i["id"], i["name"], i["department"], i["region"], i["active"], i["role"],
                 i["qualifications"], i["cert_expires"]]) for i in sorted(inspectors, key=lambda i: i["id"])]
    con = [leaf(list(p)) for p in sorted(conflicts)]
    return {
        "enterprises": {"root": merkle_root(ent), "count": len(ent), "columns": LEAF_FIELDS + extra_columns},
        "inspectors": {"root": merkle_root(ins), "count": len(ins)},
        "conflicts": {"root": merkle_root(con), "count": len(con)},
    }
