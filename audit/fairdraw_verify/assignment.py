"""SPEC §8 "Inspector assignment": the random stream (§8.1), slots (§8.2),
who may fill a slot (§8.3), the greedy pass with augmenting repair (§8.4) and
the explanation and smallest relaxation when none exists (§8.5)."""

import hashlib

from .methods import slot_counts


class Stream:
    """§8.1: SHA-256 in counter mode, 64-bit big-endian words, uniform(n) by rejection."""

    def __init__(self, seed, key=None):
        """The draw's stream of `seed`, or (`key` given: 32 bytes) the same
        construction under another key (LOG-FORMAT "Replacing an inspector")."""
        self.key = key or hashlib.sha256(b"fairdraw-v1/assign" + b"\x00" + seed.encode("utf-8")).digest()
        self.counter, self.words = 0, []

    def word(self):
        if not self.words:
            block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
            self.words = [int.from_bytes(block[j:j + 8], "big") for j in (24, 16, 8, 0)]
        return self.words.pop()

    def uniform(self, n):
        limit = 2**64 - 2**64 % n
        while True:
            x = self.word()
            if x < limit:
                return x % n


def slot_departments(plan):
    """§8.2: per inspector slot, the set of departments it requires, or None
    (any department): D reordered with the initiating department first, slot
    j < |D| requires D[j], the others any department of D (any at all when D
    is empty); off site (§8.6) `reviewers` slots."""
    team = plan["team"]
    depts = list(team["departments"])
    if plan["department"] in depts:
        depts.remove(plan["department"])
        depts.insert(0, plan["department"])
    return [{depts[j]} if j < len(depts) else (set(depts) or None) for j in range(slot_counts(plan)[0])]


class NoAssignment(Exception):
    pass


def nth_allowed(r, skip):
    """The position, in a list, of its r-th element (from 0) that is not at one
    of the sorted positions `skip`."""
    for p in skip:
        if p > r:
            break
        r += 1
    return r


class Assigner:
    """§8.2-§8.4: slots, compatibility, greedy pass with augmenting-path repair.

    The greedy pass never builds a target's candidate list (§8.4 step 1) by
    testing every inspector: that is inspectors x slots x targets tests, minutes
    at 1e6 enterprises.  The candidates of slot s of target t are the
    inspectors that pass the target-independent rules (`static`, sorted by id)
    and the region rule for t's region (`base`, computed once per region),
    minus a few barred ones: t's recusals and rotation, t's team so far and
    the inspectors at the workload cap.  `nth_allowed` picks
    candidates[uniform(len)] from that base list and the barred positions."""

    def __init__(self, plan, targets, inspectors, conflicts):
        team = plan["team"]
        self.plan, self.targets, self.conflicts = plan, targets, conflicts
        self.size, self.experts = slot_counts(plan)      # §8.2, §8.6
        self.region_rule, self.cap = team["region"], team["max_targets_per_inspector"]
        self.history = {tuple(h) for h in plan["history"]} if team["rotation"] else set()
        self.by_id = {i["id"]: i for i in inspectors}
        self.ids = sorted(self.by_id)
        self.slots = [("inspector", d) for d in slot_departments(plan)]     # (kind, allowed departments or None)
        self.slots += [("expert", None)] * self.experts
        self.static = [[i for i in self.ids if self.static_ok(s, self.by_id[i])] for s in range(len(self.slots))]
        self.barred = {}                                 # uscc -> inspectors recused or rotated out (§8.3)
        for iid, uscc in conflicts:
            self.barred.setdefault(uscc, set()).add(iid)
        for uscc, iid in self.history:
            self.barred.setdefault(uscc, set()).add(iid)
        self._base = {}

    def static_ok(self, s, i):
        """§8.3 rules that do not depend on the target."""
        kind, depts = self.slots[s]
        date = self.plan["inspection_date"]
        if i["role"] != kind or not i["active"] or (i["cert_expires"] and date and i["cert_expires"] < date):
            return False
        if kind == "inspector":
            if not set(self.plan["team"]["qualifications"]) <= set(i["qualifications"]):
                return False
            if depts is not None and i["department"] not in depts:
                return False
        return True

    def base(self, t, s):
        """(ids, id -> position): static[s] narrowed by the §8.3 region rule
        for target t's region (inspector slots only), sorted by id."""
        region = self.targets[t][1][3] if self.slots[s][0] == "inspector" and self.region_rule != "any" else None
        key = (s, region)
        if key not in self._base:
            same = self.region_rule == "same"
            ids = [i for i in self.static[s] if region is None or (self.by_id[i]["region"] == region) == same]
            self._base[key] = (ids, {i: p for p, i in enumerate(ids)})
        return self._base[key]

    def compatible(self, t, s):
        """§8.3: every inspector compatible with slot s of target t, sorted by id."""
        barred = self.barred.get(self.targets[t][1][0], ())
        return [i for i in self.base(t, s)[0] if i not in barred]

    def run(self, stream):
        n = len(self.targets)
        self.team = [[None] * len(self.slots) for _ in range(n)]
        self.holders = {i: set() for i in self.ids}      # inspector -> targets holding it
        cap = self.cap if self.cap is not None else float("inf")
        self.full = set()                                # inspectors whose load reached the cap
        for t in range(n):
            team = self.team[t]
            barred_here = self.barred.get(self.targets[t][1][0], set())
            for s in range(len(self.slots)):
                ids, position = self.base(t, s)
                # §8.4 step 1: candidates are ids without the recused, rotated,
                # already in the team, or at the cap
                skip = sorted({position[i] for i in (*barred_here, *team, *self.full) if i in position})
                if len(ids) > len(skip):                 # §8.4 step 2
                    pick = ids[nth_allowed(stream.uniform(len(ids) - len(skip)), skip)]
                    team[s] = pick
                    self.holders[pick].add(t)
                    if len(self.holders[pick]) >= cap:
                        self.full.add(pick)
                elif self.repair(t, s, cap):             # §8.4 step 3
                    self.full = {i for i, held in self.holders.items() if len(held) >= cap}
                else:
                    raise NoAssignment(t, s)
        return self.team

    def repair(self, t0, s0, cap):
        """§8.4: one BFS for an augmenting path; nodes ('S',t,s), ('P',t,i), ('I',i)."""
        start = ("S", t0, s0)
        parent, queue, head = {start: None}, [start], 0
        found = None
        while head < len(queue) and found is None:
            node = queue[head]
            head += 1
            if node[0] == "S":
                _, t, s = node
                nbrs = [("P", t, i) for i in self.compatible(t, s) if self.team[t][s] != i]
            elif node[0] == "P":
                _, t, i = node
                team = self.team[t]
                nbrs = [("I", i)] if i not in team else [("S", t, team.index(i))]
            else:
                i = node[1]
                nbrs = [("P", u, i) for u in sorted(self.holders[i])]
            for nb in nbrs:
                if nb in parent:
                    continue
                parent[nb] = node
                queue.append(nb)
                if nb[0] == "I" and len(self.holders[nb[1]]) < cap:
                    found = nb
                    break
        if found is None:
            return False
        path = []
        while found is not None:
            path.append(found)
            found = parent[found]
        path.reverse()
        touched = set()
        for a, b in zip(path, path[1:]):                 # apply S(t,x)->P(t,i) moves in path order
            if a[0] == "S" and b[0] == "P":
                self.team[a[1]][a[2]] = b[2]
                touched.add(a[1])
        for i in self.holders:                           # recount load from the teams
            self.holders[i] -= touched
        for t in touched:
            for i in self.team[t]:
                if i is not None:
                    self.holders[i].add(t)
        return True

    def explain(self, t, s):
        """§8.5: the first rule that leaves no candidate for slot s of target t."""
        kind, depts = self.slots[s]
        e = self.targets[t][1]
        date = self.plan["inspection_date"]
        need = "expert" if kind == "expert" else "inspector" + (f" of {'/'.join(sorted(depts))}" if depts else "")
        cand = list(self.by_id.values())
        quals = set(self.plan["team"]["qualifications"])
        rules = [("role/active/certificate", lambda i: i["role"] == kind and i["active"] and not (i["cert_expires"] and date and i["cert_expires"] < date))]
        if kind == "inspector":
            rules += [("qualifications", lambda i: quals <= set(i["qualifications"])),
                      ("department", lambda i: depts is None or i["department"] in depts),
                      (f"region rule ({self.region_rule})", lambda i: self.region_rule == "any" or (i["region"] == e[3]) == (self.region_rule == "same"))]
        rules += [("recusal", lambda i: (i["id"], e[0]) not in self.conflicts),
                  ("rotation", lambda i: (e[0], i["id"]) not in self.history)]
        for rule, ok in rules:
            cand = [i for i in cand if ok(i)]
            if not cand:
                return f"target {e[0]} ({e[1]}), slot {s} ({need}): no candidate left after rule: {rule}"
        if all(i["id"] in self.team[t] for i in cand):
            return (f"target {e[0]} ({e[1]}), slot {s} ({need}): only {len(cand)} compatible inspector(s), "
                    f"all already in this team")
        return (f"target {e[0]} ({e[1]}), slot {s} ({need}): no candidate left after rule: workload cap "
                f"({len(cand)} compatible inspectors, all needed elsewhere or at the cap)")


def feasible(plan, targets, inspectors, conflicts, seed):
    try:
        Assigner(plan, targets, inspectors, conflicts).run(Stream(seed))
        return True
    except NoAssignment:
        return False


def suggest(plan, targets, inspectors, conflicts, seed):
    """§8.5 (not normative): the smallest single relaxation that makes the plan feasible."""
    team = plan["team"]

    def with_team(**kw):
        return dict(plan, team=dict(team, **kw))
    if team["max_targets_per_inspector"] is not None and feasible(with_team(max_targets_per_inspector=None), targets, inspectors, conflicts, seed):
        lo, hi = team["max_targets_per_inspector"] + 1, max(len(targets), 1)
        while lo < hi:                                   # feasibility is monotone in the cap
            mid = (lo + hi) // 2
            if feasible(with_team(max_targets_per_inspector=mid), targets, inspectors, conflicts, seed):
                hi = mid
            else:
                lo = mid + 1
        return f"max_targets_per_inspector = {lo}"
    if team["rotation"] and feasible(dict(with_team(rotation=False), history=[]), targets, inspectors, conflicts, seed):
        return "rotation = false"
    if team["region"] != "any" and feasible(with_team(region="any"), targets, inspectors, conflicts, seed):
        return 'region = "any"'
    if team["qualifications"] and feasible(with_team(qualifications=[]), targets, inspectors, conflicts, seed):
        return "qualifications = []"
    for x in range(team["experts"] - 1, -1, -1):
        if feasible(with_team(experts=x), targets, inspectors, conflicts, seed):
            return f"experts = {x}"
    return None
