"""LOG-FORMAT "What a public verifier checks (protected log, no auditor
data)": checks 1-6 of a drawn document against the commitment's blinded
snapshots, and (with the auditor export) the blinded roots recomputed from
the full snapshots and their salts.

Every problem is one string starting `check N (what): `; auditlog.py prints
each as `problem: entry <index> (<kind>): check N (what): …`, naming the
entry that holds the document (a DrawResult, or the DrawPublication of a
sealed draw) — or, for check 1, the DrawCommitment."""

import hashlib
import json
from collections import Counter

from . import merkle
from .assignment import slot_departments
from .blinding import REGISTRIES, blind, blinded_line_problem, blinded_snapshot, enterprise_state, leaf_length
from .canonical import canonical_json
from .methods import slot_counts
from .ratio import parse_ratio
from .registries import CLASSES
from .selection import sample_size, ticket

ASSIGNMENT_KEYS = {"uscc", "name", "class", "region", "ticket", "leader", "inspectors", "experts"}


class Blinded:
    """The three blinded snapshots of one commitment, as published."""

    def __init__(self, lines):
        self.enterprises = set(lines["enterprises"])
        self.counts = Counter()                       # (class, state) -> lines
        for line in lines["enterprises"]:
            cls, state, _ = canonical_line(line)
            self.counts[(cls, state)] += 1
        self.departments = {}                         # inspector id -> its departments
        for line in lines["inspectors"]:
            iid, _, dept, _ = canonical_line(line)
            self.departments.setdefault(iid, set()).add(dept)


def canonical_line(line):
    """A blinded line already checked by blinded_line_problem."""
    return json.loads(line.decode("utf-8"))


def load_blinded(blinded, read_blob):
    """Check 1: the three blobs named by the commitment's `blinded` exist,
    parse as blinded leaves, are sorted and distinct, and hash to their roots
    with their counts.  `read_blob(root)` gives the lines or a string saying
    what is wrong.  Returns (Blinded or None, problems)."""
    problems, lines = [], {}
    for reg in REGISTRIES:
        root, count = blinded[reg]["root"], blinded[reg]["count"]
        got = read_blob(root)
        where = f"check 1 (blinded snapshots): the blinded {reg} snapshot"
        if isinstance(got, str):
            problems.append(f"{where}: {got}")
            continue
        bad = next(((j, why) for j, x in enumerate(got) if (why := blinded_line_problem(reg, x))), None)
        if bad is not None:
            problems.append(f"{where} {root}, line {bad[0] + 1}: {bad[1]}")
            continue
        if any(got[j] >= got[j + 1] for j in range(len(got) - 1)):
            problems.append(f"{where} {root}: its lines are not sorted by their bytes and distinct")
            continue
        if merkle.mth([merkle.leaf_hash(x) for x in got]).hex() != root:
            problems.append(f"{where} {root} does not hash to its root: it was changed")
            continue
        if len(got) != count:
            problems.append(f"{where} {root} has {len(got)} lines, the commitment says {count}")
            continue
        lines[reg] = got
    return (Blinded(lines) if not problems else None), problems


def recomputed_problems(blinded, full, salts, plan):
    """Auditor export: the three blinded snapshots recomputed from the full
    snapshots `full[reg]` (leaf bytes) and `salts[reg]` (32-byte salts), with
    the states of `plan`, must hash to `blinded` (root and count)."""
    out = []
    for reg in REGISTRIES:
        try:
            lines = blinded_snapshot(reg, full[reg], salts[reg], plan)
        except (ValueError, KeyError, TypeError) as e:
            out.append(f"the blinded {reg} snapshot cannot be recomputed: {e}")
            continue
        root = merkle.mth([merkle.leaf_hash(x) for x in lines]).hex()
        if root != blinded[reg]["root"] or len(lines) != blinded[reg]["count"]:
            out.append(f"the blinded {reg} snapshot recomputed from the full snapshot and its salts has root {root} "
                       f"({len(lines)} lines), the commitment says {blinded[reg]['root']} ({blinded[reg]['count']})")
    return out


def _strings(v, n=None):
    return isinstance(v, list) and all(isinstance(x, str) for x in v) and (n is None or len(v) == n)


def _shape_problem(doc):
    strata, assignments = doc.get("strata"), doc.get("assignments")
    if not isinstance(doc.get("seed"), str):
        return "the document has no seed string"
    if not isinstance(strata, list) or len(strata) != 4 or not all(
            isinstance(s, dict) and s.get("class") == c for s, c in zip(strata, CLASSES)):
        return "strata must be 4 objects for classes A, B, C, D in order"
    if not isinstance(assignments, list) or not all(
            isinstance(a, dict) and set(a) == ASSIGNMENT_KEYS and all(isinstance(a[k], str) for k in
                                                                      ("uscc", "name", "class", "region", "ticket", "leader"))
            and _strings(a["inspectors"]) and _strings(a["experts"]) for a in assignments):
        return "assignments must be objects {uscc, name, class, region, ticket, leader, inspectors, experts}"
    return None


def public_problems(doc, openings, plan, blinded):
    """Checks 2-6 of a drawn document `doc` with its `openings` (a list),
    the commitment's `plan` and its Blinded snapshots."""
    shape = _shape_problem(doc)
    if shape is not None:
        return [f"check 2 (counts): {shape}"]
    out = []
    strata, assignments = doc["strata"], doc["assignments"]
    for s in strata:                                                   # check 2
        c = s["class"]
        eligible, excluded = blinded.counts[(c, "eligible")], blinded.counts[(c, "excluded")]
        for k, want in (("eligible", eligible), ("excluded", excluded), ("population", eligible + excluded)):
            if s.get(k) != want:
                out.append(f"check 2 (counts): strata {c}: {k} is {s.get(k)!r}, the blinded enterprise snapshot "
                           f"has {want}")
    for s in strata:                                                   # check 3
        c = s["class"]
        ratio = parse_ratio(plan["ratios"][c]) if isinstance(plan["ratios"].get(c), str) else None
        if ratio is None:
            out.append(f"check 3 (sample sizes): the plan's ratio {c} {plan['ratios'].get(c)!r} is not a ratio")
            continue
        k = sample_size(blinded.counts[(c, "eligible")], ratio, plan["min"][c], plan["max"][c])
        if s.get("sample_size") != k:
            out.append(f"check 3 (sample sizes): strata {c}: sample_size is {s.get('sample_size')!r}, spec §6 "
                       f"gives {k}")
    out += _opening_problems(assignments, openings, plan, blinded)     # check 4
    out += _ticket_problems(doc["seed"], strata, assignments)          # check 5
    out += _team_problems(assignments, plan, blinded)                  # check 6
    return out


def _opening_problems(assignments, openings, plan, blinded):
    where = "check 4 (openings)"
    if not isinstance(openings, list) or len(openings) != len(assignments):
        n = len(openings) if isinstance(openings, list) else "no"
        return [f"{where}: {n} openings for {len(assignments)} assignments (exactly one each, in order)"]
    out, length = [], leaf_length(plan)
    for j, (a, o) in enumerate(zip(assignments, openings)):
        at = f"{where}: assignments[{j}] ({a['uscc']})"
        if not isinstance(o, dict) or set(o) != {"leaf", "salt"} or not isinstance(o["salt"], str) \
                or len(o["salt"]) != 64 or any(ch not in "0123456789abcdef" for ch in o["salt"]):
            out.append(f"{at}: the opening is not {{\"leaf\": array, \"salt\": 64 hex}}")
            continue
        leaf = o["leaf"]
        if not _strings(leaf, length):
            out.append(f"{at}: the opening's leaf is not an array of {length} strings")
            continue
        for k, pos in (("uscc", 0), ("name", 1), ("class", 2), ("region", 3)):
            if leaf[pos] != a[k]:
                out.append(f"{at}: the opening's leaf has {k} {leaf[pos]!r}, the assignment {a[k]!r}")
        state = enterprise_state(leaf, plan)
        if state != "eligible":
            out.append(f"{at}: the opening's leaf is {state} under the plan, not eligible")
        line = canonical_json([leaf[2], "eligible", blind(bytes.fromhex(o["salt"]),
                                                          canonical_json(leaf).encode("utf-8"))]).encode("utf-8")
        if line not in blinded.enterprises:
            out.append(f"{at}: the blinded leaf {line.decode()} of the opening is not in the blinded enterprise "
                       "snapshot (another leaf or salt than committed)")
    return out


def _ticket_problems(seed, strata, assignments):
    where = "check 5 (tickets and selection)"
    seed_hash = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    out, tickets = [], []
    for j, a in enumerate(assignments):
        t = ticket(seed_hash, a["uscc"])
        tickets.append(t)
        if a["ticket"] != t:
            out.append(f"{where}: assignments[{j}] ({a['uscc']}): ticket {a['ticket']} is not spec §7's {t}")
    for s in strata:
        c = s["class"]
        chosen = sorted((t, a["uscc"]) for t, a in zip(tickets, assignments) if a["class"] == c)
        expected = [u for _, u in chosen]
        if s.get("selected") != expected:
            out.append(f"{where}: strata {c}: selected {s.get('selected')!r} is not the class's assignments in "
                       f"ticket order {expected!r}")
        if len(expected) != s.get("sample_size"):
            out.append(f"{where}: strata {c}: {len(expected)} assignments, sample_size {s.get('sample_size')!r}")
        cutoff = chosen[-1][0] if chosen else None
        if s.get("cutoff", "missing") != cutoff:
            out.append(f"{where}: strata {c}: cutoff {s.get('cutoff', '(missing)')!r} is not the last selected "
                       f"ticket {cutoff!r}")
    return out


def _team_problems(assignments, plan, blinded):
    where = "check 6 (teams)"
    team = plan["team"]
    slots, cap = slot_departments(plan), team["max_targets_per_inspector"]
    size, experts = slot_counts(plan)                                  # §8.6: off site, reviewers and no expert
    out, load = [], Counter()
    for j, a in enumerate(assignments):
        at = f"{where}: assignments[{j}] ({a['uscc']})"
        members = a["inspectors"] + a["experts"]
        if len(a["inspectors"]) != size or len(a["experts"]) != experts:
            out.append(f"{at}: {len(a['inspectors'])} inspectors and {len(a['experts'])} experts, the plan says "
                       f"{size} and {experts}")
        if a["inspectors"][:1] != [a["leader"]]:
            out.append(f"{at}: leader {a['leader']!r} is not inspectors[0]")
        if len(set(members)) != len(members):
            out.append(f"{at}: an inspector appears twice in the team")
        for iid in members:
            if iid not in blinded.departments:
                out.append(f"{at}: {iid!r} is not an inspector of the blinded inspector snapshot")
        for k, (iid, need) in enumerate(zip(a["inspectors"], slots)):
            if need is not None and iid in blinded.departments and not blinded.departments[iid] & need:
                out.append(f"{at}: slot {k} ({iid}) needs department {' or '.join(sorted(need))}, the inspector is "
                           f"in {', '.join(sorted(blinded.departments[iid]))}")
        load.update(set(members))
    if cap is not None:
        for iid, n in sorted(load.items()):
            if n > cap:
                out.append(f"{where}: {iid} is in {n} teams, max_targets_per_inspector is {cap}")
    return out
