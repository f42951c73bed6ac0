"""`audit replay` (LOG-FORMAT "What `audit verify` checks", check 10): every
DrawResult re-run from the log alone — the committed effective plan, the
registries rebuilt from the snapshot leaves (SPEC §5) and the beacon's seed —
with this package's draw engine (SPEC §5-§9), and compared value by value
with the logged document (SPEC §10)."""

import json

from . import feedback
from .document import differences
from .draw import compute_draw
from .methods import stored_method
from .plan import filter_columns
from .ratio import parse_ratio
from .registries import CLASSES, ENTERPRISE_LOOKUP
from .report import BadInput
from .snapshots import INSPECTOR_LEAF, LEAF_FIELDS
from .tables import ascii_lower


def replay(outcome, document, commitment, seed, snapshots):
    """(text, same) for a DrawResult's `outcome` and drawn `document` (its
    `draw`, or a sealed draw's published one; None when infeasible);
    `snapshots` maps (registry, root) to (leaves, columns, entry) or None (a
    broken or absent blob)."""
    try:
        doc = compute_draw(replay_inputs(commitment, snapshots), seed)
    except ReplayError as why:
        return f"cannot replay: {why}", False
    except BadInput as x:
        if outcome == "infeasible":
            return "(infeasible, as logged)", True
        return f"outcome: logged drawn, replay finds {x.problems[0]}", False
    except (KeyError, TypeError, ValueError, AttributeError) as x:
        return f"cannot replay: the committed plan is malformed ({type(x).__name__}: {x})", False
    if outcome != "drawn":
        return f"outcome: logged infeasible, replay draws {len(doc['assignments'])} targets", False
    diffs = []
    differences(doc, document, "draw", diffs)
    if diffs:
        return f"{len(diffs)} difference(s), first: {diffs[0]}", False
    return f"{doc['plan_name']}: {len(doc['assignments'])} targets reproduced", True


def replay_inputs(c, snapshots):
    """Registries from the snapshot leaves (spec §5), plan from the commitment body `c`."""
    plan = c["plan"]
    leaves = {}
    for reg in ("enterprises", "inspectors", "conflicts"):
        s = snapshots.get((reg, c["snapshots"][reg]["root"]))
        if s is None:
            raise ReplayError(f"the {reg} snapshot is missing or broken")
        leaves[reg] = s
    try:
        stored_method(plan)                      # spec §8.6: method and team.reviewers read strictly
    except ValueError as why:
        raise ReplayError(str(why))
    ratios = {}
    for cls in CLASSES:
        ratios[cls] = parse_ratio(plan["ratios"][cls])
        if ratios[cls] is None:
            raise ReplayError(f"plan ratio {cls} {plan['ratios'][cls]!r} is not a ratio")
    feedback_problem = feedback.plan_problem(plan)  # spec §6.4: the feedback stratum's ratio and flagged firms
    if feedback_problem:
        raise ReplayError(feedback_problem)
    lines, columns, _ = leaves["enterprises"]
    extras = columns[6:]
    wake = "wake" in plan["scope"]
    if wake and columns[-2:] != ["dormant_from", "dormant_until"]:
        raise ReplayError("the plan wakes dormant firms but the enterprise snapshot lacks their dormancy dates")
    resolved = []
    for col in filter_columns(plan):
        field = ENTERPRISE_LOOKUP.get(ascii_lower(col))
        if field in LEAF_FIELDS:
            resolved.append(("field", field, None))
        elif col in extras:                      # values in the leaf are already normalised (§5, §6.2)
            resolved.append(("extra", 6 + extras.index(col), None))
        else:
            raise ReplayError(f"the plan filters on column {col!r}, which the enterprise snapshot lacks")
    enterprises = []
    for line in lines:
        v = leaf_json(line, "enterprise")
        if len(v) != len(columns) or not all(isinstance(x, str) for x in v):
            raise ReplayError(f"enterprise leaf {line[:80]!r} does not have the {len(columns)} string columns")
        norm = dict(zip(LEAF_FIELDS, v))
        wvals = tuple(norm[x] if kind == "field" else v[x] for kind, x, _ in resolved)
        if wake:                                 # §5, §6.3: the dormancy dates are the last two columns
            enterprises.append((*v[:6], wvals, (v[-2], v[-1])))
        else:
            enterprises.append((*v[:6], wvals))
    inspectors, conflicts = roster(leaves["inspectors"][0], leaves["conflicts"][0])
    return plan, ratios, (enterprises, resolved), inspectors, conflicts


def roster(inspector_leaves, conflict_leaves):
    """(inspectors as dicts, conflicts as a set of (inspector_id, uscc)) from
    the snapshot leaves (spec §5); ReplayError when a leaf is not one."""
    inspectors = []
    for line in inspector_leaves:
        v = leaf_json(line, "inspector")
        types = [str, str, str, str, bool, str, list, str]
        if len(v) != 8 or not all(isinstance(x, t) for x, t in zip(v, types)) \
                or not all(isinstance(q, str) for q in v[6]):
            raise ReplayError(f"inspector leaf {line[:80]!r} is not [id,name,department,region,active,role,qualifications,cert_expires]")
        inspectors.append(dict(zip(INSPECTOR_LEAF, v)))
    conflicts = set()
    for line in conflict_leaves:
        v = leaf_json(line, "conflict")
        if len(v) != 2 or not all(isinstance(x, str) for x in v):
            raise ReplayError(f"conflict leaf {line[:80]!r} is not [inspector_id, uscc]")
        conflicts.add(tuple(v))
    return inspectors, conflicts


class ReplayError(Exception):
    """The log does not hold what a replay needs (a DIFF naming why)."""


def leaf_json(line, what):
    try:
        v = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ReplayError(f"{what} leaf {line[:80]!r} is not JSON")
    if not isinstance(v, list):
        raise ReplayError(f"{what} leaf {line[:80]!r} is not a JSON array")
    return v
