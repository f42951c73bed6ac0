"""`verify.py log DIR` for LOG-FORMAT "Replacing an inspector": the
Replacement entry's body, its validity (rules 1-4, recomputed from the log
alone; in a protected log without the auditor export the reduced checks
the section lists), and "the teams of a draw" (its document's assignments
with the valid Replacements so far applied), which the log's other readers
use: log_history (rotation) and joint visits.

Problems, printed by auditlog.py as `problem: entry <index> (Replacement): …`:

    rule 1 (a public drawn result): …
    rule 2 (the inspector holds a slot): …
    rule 3 (at most ⌈n / 10⌉ replacements): …
    rule 4 (the replacements the rule computes): …

Only valid Replacements count ("every earlier valid Replacement"): one that
breaks a rule is reported, and changes no team, bars no one and does not
count for rule 3 (as verify.js reads it)."""

import hashlib
from collections import Counter

from .assignment import Assigner, Stream, slot_departments
from .replay import ReplayError, roster

BODY = {"result": "hex", "inspector": str, "reason": str, "replacements": list}
OPTIONAL = ("by",)
ELEMENT_KEYS = {"uscc", "slot", "inspector"}


def body_problem(body):
    """What is wrong with a well-typed body's `replacements` list (LOG-FORMAT: strict bodies), or None."""
    for k, x in enumerate(body["replacements"]):
        if not isinstance(x, dict) or set(x) != ELEMENT_KEYS or not isinstance(x["uscc"], str) \
                or not isinstance(x["inspector"], str) or type(x["slot"]) is not int or x["slot"] < 0:
            return f'replacements[{k}] is not {{"uscc": string, "slot": integer ≥ 0, "inspector": string}}'
    return None


def replacement_stream(seed, result, old):
    """The spec §8.1 stream under the key SHA-256("fairdraw-v1/replace" ‖ 0x00 ‖
    seed ‖ 0x00 ‖ result ‖ 0x00 ‖ OLD)."""
    key = hashlib.sha256(b"\x00".join(x.encode("utf-8") for x in ("fairdraw-v1/replace", seed, result, old))).digest()
    return Stream(None, key)


def readable(assignments):
    """The document's assignments can carry teams: a list of objects with
    string uscc, region, ticket, name, class and lists of string ids."""
    return isinstance(assignments, list) and all(
        isinstance(a, dict) and all(isinstance(a.get(k), str) for k in ("uscc", "name", "class", "region", "ticket"))
        and all(isinstance(a.get(k), list) and all(isinstance(i, str) for i in a[k]) for k in ("inspectors", "experts"))
        for a in assignments)


class Teams:
    """The teams of one draw: per target its slots (spec §8.2 numbering: the
    inspector slots, then the expert slots), with `bodies` (the draw's
    earlier Replacement bodies, in log order) applied; an element naming no
    target or slot of the draw changes nothing."""

    def __init__(self, assignments, bodies=()):
        self.original = assignments
        self.slots = [list(a["inspectors"]) + list(a["experts"]) for a in assignments]
        self.removed = []                      # OLD of each earlier Replacement, in log order
        for b in bodies:
            self.apply(b["replacements"])
            self.removed.append(b["inspector"])

    def apply(self, replacements):
        position = {a["uscc"]: t for t, a in enumerate(self.original)}
        for x in replacements:
            t = position.get(x["uscc"])
            if t is not None and x["slot"] < len(self.slots[t]):
                self.slots[t][x["slot"]] = x["inspector"]

    def after(self, replacements):
        """A copy of these teams with `replacements` applied."""
        out = Teams(self.original)
        out.slots, out.removed = [list(team) for team in self.slots], list(self.removed)
        out.apply(replacements)
        return out

    def holding(self, old):
        """[(target position, slot)] of the slots `old` holds, in assignments order."""
        return [(t, team.index(old)) for t, team in enumerate(self.slots) if old in team]

    def load(self):
        return Counter(i for team in self.slots for i in set(team))

    def assignments(self):
        """The document's assignments with these teams (`leader` is slot 0)."""
        out = []
        for a, team in zip(self.original, self.slots):
            k = len(a["inspectors"])
            out.append(dict(a, leader=team[0] if k else a.get("leader"), inspectors=team[:k], experts=team[k:]))
        return out


class NoCandidate(Exception):
    pass


def computed(plan, teams, inspectors, conflicts, seed, result, old):
    """The rule: the `replacements` list for removing `old` (the slots'
    teams and loads change at once); NoCandidate(uscc, slot) when a slot has none."""
    assignments = teams.original
    targets = [(a["ticket"], (a["uscc"], a["name"], a["class"], a["region"])) for a in assignments]
    assigner = Assigner(plan, targets, inspectors, conflicts)
    barred = {old, *teams.removed}
    cap = plan["team"]["max_targets_per_inspector"]
    cap = float("inf") if cap is None else cap
    slots = [list(team) for team in teams.slots]
    load = teams.load()
    stream = replacement_stream(seed, result, old)
    out = []
    for t, s in teams.holding(old):
        team = slots[t]
        candidates = [i for i in assigner.compatible(t, s) if i not in team and i not in barred and load[i] < cap]
        if not candidates:
            raise NoCandidate(assignments[t]["uscc"], s)
        pick = candidates[stream.uniform(len(candidates))]
        team[s] = pick
        load[pick] += 1
        load[old] -= 1
        out.append({"uscc": assignments[t]["uscc"], "slot": s, "inspector": pick})
    return out


class ReplacementChecks:
    """Mixed into auditlog.LogVerifier (self.problem, earlier, by_id,
    snapshots, protected, blinded, full_snapshots, document_of)."""

    def init_replacements(self):
        self.replacements_of = {}              # DrawResult id -> its valid Replacement bodies so far
        self.rosters = {}                      # commitment id -> (inspectors, conflicts) or a problem string

    def teams_of(self, r):
        """The teams of DrawResult `r` so far: its document's assignments (None
        without a document) with every valid Replacement before this point applied."""
        doc = self.document_of(r)
        if not isinstance(doc, dict):
            return None
        bodies = self.replacements_of.get(r.id)
        if not bodies or not readable(doc.get("assignments")):
            return doc.get("assignments")
        return Teams(doc["assignments"], bodies).assignments()

    def replaced_teams(self):
        """DrawResult id -> its teams, for every draw with a Replacement (joint visits)."""
        draws = (self.by_id.get(k) for k in self.replacements_of)
        return {r.id: self.teams_of(r) for r in draws if r is not None and r.kind == "DrawResult"}

    def ref_Replacement(self, e, b):
        r = self.earlier(e, b["result"], ["DrawResult"], "result")
        if r is None:
            return
        problems = self.replacement_problems(r, b)
        for p in problems:
            self.problem(f"entry {e.index} (Replacement): {p}")
        if not problems:                       # an invalid one changes nothing (LOG-FORMAT: "valid Replacement")
            self.replacements_of.setdefault(r.id, []).append(b)

    def replacement_problems(self, r, b):
        """Rules 1-4 (the reduced checks without the auditor's full snapshots)."""
        rule1 = "rule 1 (a public drawn result)"
        if r.body["outcome"] != "drawn":
            return [f"{rule1}: result {r.id} is an infeasible draw"]
        doc = self.document_of(r)
        if doc is None:
            return [f"{rule1}: result {r.id} is sealed and no DrawPublication before this entry published it"]
        if not isinstance(doc, dict) or not readable(doc.get("assignments")) or not isinstance(doc.get("seed"), str):
            return [f"{rule1}: the document of result {r.id} has no readable seed and teams"]
        teams = Teams(doc["assignments"], self.replacements_of.get(r.id, []))
        old = b["inspector"]
        held = teams.holding(old)
        if not held:
            return [f"rule 2 (the inspector holds a slot): {old} holds no slot of the teams of draw {r.id}"]
        n = len({i for team in Teams(doc["assignments"]).slots for i in team})
        allowed = -(-n // 10)
        if len(teams.removed) >= allowed:
            return [f"rule 3 (at most ⌈n / 10⌉ replacements): draw {r.id} already has {len(teams.removed)} "
                    f"replacement(s), the most ⌈{n} / 10⌉ = {allowed} allows"]
        out = [f"{RULE4}: reason is empty"] if b["reason"] == "" else []
        c = self.by_id[r.body["commitment"]]
        plan = c.body["plan"]
        if self.protected and self.full_snapshots(c.body) is None:
            return out + reduced_problems(plan, teams, held, b, self.blinded.get(c.id))
        inputs = self.roster_of(c)
        if isinstance(inputs, str):
            return out + [f"{RULE4}: cannot be recomputed: {inputs}"]
        try:
            expected = computed(plan, teams, *inputs, doc["seed"], r.id, old)
        except NoCandidate as x:
            return out + [f"{RULE4}: slot {x.args[1]} of target {x.args[0]} has no candidate: the writer refuses "
                          "such a replacement"]
        except (KeyError, TypeError, ValueError, IndexError) as x:
            return out + [f"{RULE4}: cannot be recomputed: the committed plan or the document is malformed "
                          f"({type(x).__name__}: {x})"]
        if b["replacements"] != expected:
            out.append(f"{RULE4}: replacements {compact(b['replacements'])} are not the rule's {compact(expected)}")
        return out

    def roster_of(self, c):
        """(inspectors, conflicts) of commitment `c`'s snapshots, or a string saying why not."""
        if c.id not in self.rosters:
            try:
                leaves = [self.snapshots.get((reg, c.body["snapshots"][reg]["root"])) for reg in ("inspectors", "conflicts")]
                if None in leaves:
                    raise ReplayError("the commitment's inspector or conflict snapshot is missing or broken")
                self.rosters[c.id] = roster(leaves[0][0], leaves[1][0])
            except ReplayError as why:
                self.rosters[c.id] = str(why)
            except (KeyError, TypeError):
                self.rosters[c.id] = "the commitment's snapshots are malformed"
        return self.rosters[c.id]


RULE4 = "rule 4 (the replacements the rule computes)"


def reduced_problems(plan, teams, held, b, blinded):
    """A protected log without the auditor export: `replacements` names the
    slots OLD holds, in order; each new id is in the inspector blinded
    snapshot with the department its slot requires, and not twice in a team."""
    named = [(x["uscc"], x["slot"]) for x in b["replacements"]]
    slots = [(teams.original[t]["uscc"], s) for t, s in held]
    if named != slots:
        return [f"{RULE4}: replacements name the slots {named}, {b['inspector']} holds {slots}"]
    if blinded is None:
        return [f"{RULE4}: the commitment's blinded snapshots are broken: nothing can be checked"]
    try:
        need = slot_departments(plan)
    except (KeyError, TypeError, ValueError) as x:
        return [f"{RULE4}: the committed plan is malformed ({type(x).__name__}: {x})"]
    out, after = [], teams.after(b["replacements"])
    for (t, s), x in zip(held, b["replacements"]):
        new = x["inspector"]
        at = f"{RULE4}: target {x['uscc']}, slot {s}"
        if new not in blinded.departments:
            out.append(f"{at}: {new!r} is not an inspector of the blinded inspector snapshot")
        elif s < len(teams.original[t]["inspectors"]) and s < len(need) and need[s] is not None \
                and not blinded.departments[new] & need[s]:
            out.append(f"{at}: {new} is in {', '.join(sorted(blinded.departments[new]))}, the slot needs "
                       f"{' or '.join(sorted(need[s]))}")
        if after.slots[t].count(new) > 1:
            out.append(f"{at}: {new} would be twice in the team")
    return out


def compact(replacements):
    return ", ".join(f"{x.get('uscc')}#{x.get('slot')}→{x.get('inspector')}" if isinstance(x, dict) else repr(x)
                     for x in replacements) or "(none)"
