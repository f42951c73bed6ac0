"""LOG-FORMAT "Replacing an inspector": `verify.py log` recomputes every
Replacement (rules 1-4) and reads the teams of a draw with its Replacements
applied (log_history for rotation, joint visits).  The expected picks are
computed here by a second implementation of the rule, from the section's
text (the tests' plan: one department, no region rule, qualification,
recusal or rotation, so §8.3 is role, on duty and department)."""

import hashlib
import json
import os
import shutil
import tempfile
import types
import unittest
from collections import Counter

from logfixture import AUDIT, CEREMONY_PEOPLE, DATA, DIGITS, Log, utc, verify_log
from test_offsite import Words, write
from test_protected import copy_log

from fairdraw_verify.auditlog import LogVerifier
from fairdraw_verify.draw import load_inputs
from fairdraw_verify.replacement import Teams, computed, replacement_stream

CEREMONY = {"type": "ceremony"}
REVEAL = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE}
# 甲局: 12 on duty (A13 is not); 乙局 can never take a slot of this plan
ROSTER = "执法证号,姓名,所属部门,区域代码,在岗,角色\n" + "".join(
    f"A{k:02d},甲{k},甲局,330106,{'否' if k == 13 else '是'},inspector\n" for k in range(1, 14)) + "".join(
    f"B{k:02d},乙{k},乙局,330106,是,inspector\n" for k in range(1, 4))
ELIGIBLE = [f"A{k:02d}" for k in range(1, 13)]
PLAN = ('name = "替换测试"\n{extra}[ratios]\nA = "40%"\nB = "40%"\nC = "50%"\n'
        '[team]\ndepartments = ["甲局"]\nmax_targets_per_inspector = 2\n{team}')


EXPERTS = [f"X{k:02d}" for k in range(1, 7)]
EXPERT_ROWS = "".join(f"{x},专家{x},甲局,330106,是,专家\n" for x in EXPERTS)


def write_inputs(directory, extra="", team="", roster=ROSTER):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(DATA, "enterprises.csv"), encoding="utf-8-sig") as f:
        rows = f.read().splitlines()
    write(directory, "enterprises.csv", "\n".join(rows[:25]) + "\n")
    write(directory, "inspectors.csv", roster)
    write(directory, "plan.toml", PLAN.format(extra=extra, team=team))


def rule(doc, teams, old, barred, result, cap=2):
    """The replacements for removing `old` from `teams` (lists of slots, changed
    in place): an inspector slot from ELIGIBLE, an expert slot from EXPERTS."""
    words = Words(hashlib.sha256(f"fairdraw-v1/replace\x00{doc['seed']}\x00{result}\x00{old}".encode()).digest())
    load = Counter(i for team in teams for i in set(team))
    out = []
    for a, team in zip(doc["assignments"], teams):
        if old in team:
            s = team.index(old)
            pool = ELIGIBLE if s < len(a["inspectors"]) else EXPERTS
            candidates = [i for i in pool if i not in team and i not in barred and i != old and load[i] < cap]
            team[s] = candidates[words.uniform(len(candidates))]
            load[team[s]] += 1
            load[old] -= 1
            out.append({"uscc": a["uscc"], "slot": s, "inspector": team[s]})
    return out


class Replacements(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-replace-")
        self.dir = os.path.join(self.tmp, "log")
        self.inputs = os.path.join(self.tmp, "inputs")
        write_inputs(self.inputs)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def start(self, publication=None, **draw):
        self.log = Log(self.dir, publication=publication)
        self.c, self.result = self.log.draw(self.inputs, CEREMONY, REVEAL, **draw)
        self.doc = self.log.documents[self.result][1]
        self.teams = [a["inspectors"] + a["experts"] for a in self.doc["assignments"]]
        self.removed = []
        return self.doc

    def replace(self, old, replacements=None, reason="因病无法参加", time="2026-12-04T00:00:00Z", **extra):
        """A Replacement of `old`; by default the rule's own list (and the teams then change)."""
        if replacements is None:
            replacements = rule(self.doc, self.teams, old, set(self.removed), self.result)
            self.removed.append(old)
        body = {"result": self.result, "inspector": old, "reason": reason, "replacements": replacements, **extra}
        self.log.add("Replacement", body, time)
        return replacements

    def verify(self, directory=None):
        self.log.write()
        return verify_log(directory or self.dir)

    def assert_verified(self, directory=None):
        code, out = self.verify(directory)
        self.assertEqual(code, 0, out)
        self.assertIn("VERIFIED", out)
        return out

    def assert_tampered(self, *said, directory=None):
        code, out = self.verify(directory)
        self.assertEqual(code, 1, out)
        for s in said:
            self.assertIn(s, out)
        return out

    def test_the_rule_s_replacements_are_accepted_and_the_new_inspector_leads(self):
        doc = self.start()
        old = doc["assignments"][0]["leader"]
        done = self.replace(old, by="王科长")
        self.assertEqual((done[0]["uscc"], done[0]["slot"]), (doc["assignments"][0]["uscc"], 0))
        self.assertTrue(all(x["inspector"] in ELIGIBLE and x["inspector"] != old for x in done))
        self.assert_verified()

    def test_an_expert_slot_gets_an_expert(self):
        write_inputs(self.inputs, team="experts = 1\n", roster=ROSTER + EXPERT_ROWS)
        doc = self.start()
        old = doc["assignments"][0]["experts"][0]
        done = self.replace(old)
        self.assertEqual(done[0]["slot"], 2)
        self.assertTrue(all(x["inspector"] in EXPERTS for x in done))
        self.assert_verified()

    def test_an_off_site_draw_s_reviewer_is_replaced(self):
        write_inputs(self.inputs, extra='method = "书面核查"\n', team="reviewers = 2\n")
        doc = self.start()
        self.assertTrue(all(len(a["inspectors"]) == 2 and a["experts"] == [] for a in doc["assignments"]))
        old = doc["assignments"][0]["inspectors"][1]
        self.assertEqual(self.replace(old)[0]["slot"], 1)
        self.assert_verified()

    def test_a_pick_other_than_the_rule_s_is_reported(self):
        doc = self.start()
        old = doc["assignments"][0]["leader"]
        right = rule(doc, [list(t) for t in self.teams], old, set(), self.result)
        other = next(i for i in ELIGIBLE if i != right[0]["inspector"] and i not in self.teams[0])
        self.replace(old, [dict(right[0], inspector=other)] + right[1:])
        self.assert_tampered("(Replacement): rule 4 (the replacements the rule computes)", f"#0→{other}")

    def test_a_removed_inspector_never_returns(self):
        doc = self.start()
        first = doc["assignments"][0]["leader"]
        picked = self.replace(first)[0]["inspector"]
        unbarred = rule(doc, [list(t) for t in self.teams], picked, set(), self.result)
        again = self.replace(picked, time="2026-12-05T00:00:00Z")          # the rule bars `first`
        self.assertNotEqual(again, unbarred, "the fixture should make the bar change the pick")
        self.assertNotIn(first, [x["inspector"] for x in again])
        self.assert_verified()
        shutil.rmtree(self.dir)
        self.start()
        self.replace(first)
        right = rule(doc, [list(t) for t in self.teams], picked, {first}, self.result)
        self.replace(picked, [dict(right[0], inspector=first)] + right[1:], time="2026-12-05T00:00:00Z")
        self.assert_tampered("rule 4", f"→{first}")

    def test_at_most_a_tenth_of_the_draw_s_inspectors_are_replaced(self):
        doc = self.start()
        n = len({i for t in self.teams for i in t})
        allowed = -(-n // 10)
        self.assertGreaterEqual(allowed, 2, "the fixture's draw should allow two replacements")
        for k in range(allowed):
            self.replace(self.teams[k][1], time=f"2026-12-0{4 + k}T00:00:00Z")
        self.assert_verified()
        self.replace(self.teams[allowed][1], [], time="2026-12-09T00:00:00Z")     # rule 3 is judged first
        self.assert_tampered(f"rule 3 (at most ⌈n / 10⌉ replacements): draw {self.result} already has {allowed} "
                             f"replacement(s), the most ⌈{n} / 10⌉ = {allowed} allows")

    def test_the_inspector_must_hold_a_slot_and_the_reason_is_not_empty(self):
        doc = self.start()
        idle = "A13"                              # not on duty: in no team
        self.assertTrue(all(idle not in t for t in self.teams))
        self.log.add("Replacement", {"result": self.result, "inspector": idle, "reason": "x", "replacements": []})
        self.replace(doc["assignments"][0]["leader"], reason="")
        self.assert_tampered(f"rule 2 (the inspector holds a slot): {idle} holds no slot", "rule 4 (the replacements "
                             "the rule computes): reason is empty")

    def test_the_body_is_strict(self):
        self.start()
        old = self.doc["assignments"][0]["leader"]
        right = rule(self.doc, [list(t) for t in self.teams], old, set(), self.result)
        self.replace(old, right, note="x")
        self.replace(old, [dict(right[0], slot="0")] + right[1:])
        self.log.add("Replacement", {"result": self.result, "inspector": old, "replacements": right})
        self.assert_tampered("(Replacement): body fields: unknown note", "replacements[0] is not",
                             "(Replacement): body fields: missing reason")

    def test_a_sealed_draw_is_replaced_only_once_published(self):
        write_inputs(self.inputs, extra='embargo_until = "2026-12-20"\n')
        doc = self.start(embargo={"until": "2026-12-20"}, until="2026-12-20")
        old = doc["assignments"][0]["leader"]
        early = rule(doc, [list(t) for t in self.teams], old, set(), self.result)
        self.replace(old, early, time="2026-12-10T00:00:00Z")
        self.log.publish(self.result, "2026-12-19T16:00:00Z")
        # reported, and it changes nothing: the same replacement is valid once the draw is published
        self.assertEqual(self.replace(old, time="2026-12-21T00:00:00Z"), early)
        out = self.assert_tampered(f"rule 1 (a public drawn result): result {self.result} is sealed and no "
                                   "DrawPublication before this entry published it")
        self.assertEqual(out.count("(Replacement)"), 1, out)     # the one after the publication is valid

    def test_rotation_reads_the_replaced_teams(self):
        doc = self.start()
        old = doc["assignments"][0]["leader"]
        self.replace(old, time="2026-12-02T12:00:00Z")
        second = os.path.join(self.tmp, "second")
        write_inputs(second, team="rotation = true\n")
        replaced = sorted({(a["uscc"], i) for a, t in zip(doc["assignments"], self.teams) for i in t})
        original = sorted({(a["uscc"], i) for a in doc["assignments"] for i in a["inspectors"] + a["experts"]})
        self.assertNotEqual(replaced, original)
        log = self.log
        log.draw(second, CEREMONY, REVEAL, committed_at="2026-12-03T00:00:00Z", revealed_at="2026-12-03T01:00:00Z",
                 log_history=replaced)
        self.assert_verified()
        shutil.rmtree(self.dir)
        self.start()
        self.replace(old, time="2026-12-02T12:00:00Z")
        self.log.draw(second, CEREMONY, REVEAL, committed_at="2026-12-03T00:00:00Z",
                      revealed_at="2026-12-03T01:00:00Z", log_history=original)
        self.assert_tampered("log_history is not the teams of each enterprise's latest logged draw")

    def test_joint_visits_list_the_replaced_leader(self):
        doc = self.start()
        old = doc["assignments"][0]["leader"]
        new = self.replace(old)[0]["inspector"]
        self.log.write()
        lines = []
        verifier = LogVerifier(self.dir, out=lines.append, now=utc("2026-12-03T00:00:00Z"))
        self.assertEqual(verifier.run(), 0, "\n".join(lines))
        visit = next(v for v in verifier.visits if v["uscc"] == doc["assignments"][0]["uscc"])
        self.assertEqual(visit["team"], [new])
        self.assertEqual([v["team"][0] for v in verifier.visits[1:]], [a["leader"] for a in doc["assignments"][1:]])

    def test_a_protected_log_s_public_mirror_checks_what_is_public(self):
        doc = self.start(publication="protected")
        old = doc["assignments"][0]["leader"]
        right = rule(doc, [list(t) for t in self.teams], old, set(), self.result)
        load = Counter(i for t in self.teams for i in t)
        other = next(i for i in ELIGIBLE if i not in (right[0]["inspector"], old) and i not in self.teams[0]
                     and load[i] < 2 - (len(right) > 1 and i == right[1]["inspector"]))
        self.replace(old, [dict(right[0], inspector=other)] + right[1:])
        self.log.write()
        # the public cannot see the pick (the rule reads the private roster) ...
        self.assert_verified(copy_log(self.dir, os.path.join(self.tmp, "mirror")))
        # ... the auditors can
        self.assert_tampered("rule 4", directory=copy_log(self.dir, os.path.join(self.tmp, "auditor"), auditor=True))

    def test_a_protected_log_s_public_mirror_checks_ids_departments_and_slots(self):
        def tampered(k, edit, said):
            self.dir = os.path.join(self.tmp, f"log{k}")
            doc = self.start(publication="protected")
            old = doc["assignments"][0]["leader"]
            right = rule(doc, [list(t) for t in self.teams], old, set(), self.result)
            self.replace(old, edit(right, self.teams[0][1]))
            self.log.write()
            out = self.assert_tampered(*said, directory=copy_log(self.dir, os.path.join(self.tmp, f"mirror{k}")))
            self.assertEqual(out.count("(Replacement)"), 1, out)

        tampered(1, lambda right, _: [dict(right[0], inspector="B01")] + right[1:],      # 乙局: slot 0 needs 甲局
                 ["rule 4", "B01 is in 乙局, the slot needs 甲局"])
        tampered(2, lambda right, _: [dict(right[0], inspector="Z99")] + right[1:],      # not in the roster
                 ["'Z99' is not an inspector of the blinded inspector snapshot"])
        tampered(3, lambda right, slot1: [dict(right[0], inspector=slot1)] + right[1:],  # twice in the team
                 ["would be twice in the team"])
        tampered(4, lambda right, _: [dict(x, slot=1 - x["slot"]) for x in right],       # other slots
                 ["replacements name the slots"])

class ReplacementVector(unittest.TestCase):
    """tests/vectors/replace.json (written by the Rust reference, h-replace
    985454d): the replacement stream's first words, and two replacements in a
    row on the draw of tests/vectors/basic."""

    def test_the_vector(self):
        vectors = os.path.join(AUDIT, "..", "tests", "vectors")
        with open(os.path.join(vectors, "replace.json"), encoding="utf-8") as f:
            v = json.load(f)
        for s in v["streams"]:
            stream = replacement_stream(s["seed"], s["result"], s["inspector"])
            self.assertEqual([f"{stream.word():016x}" for _ in s["words"]], s["words"], s)
        basic = os.path.join(vectors, "basic")
        with open(os.path.join(basic, "draw.json"), encoding="utf-8") as f:
            doc = json.load(f)
        args = types.SimpleNamespace(plan=os.path.join(basic, "plan.toml"), conflicts=None,
                                     enterprises=os.path.join(basic, "enterprises.csv"),
                                     inspectors=os.path.join(basic, "inspectors.csv"))
        _, _, _, inspectors, conflicts = load_inputs(args)
        bodies = []
        self.assertEqual(len(v["replacements"]), 2)
        for r in v["replacements"]:
            got = computed(doc["plan"], Teams(doc["assignments"], bodies), inspectors, conflicts, doc["seed"],
                           v["result"], r["inspector"])
            self.assertEqual(got, r["replacements"], r["inspector"])
            bodies.append({"inspector": r["inspector"], "replacements": got})


if __name__ == "__main__":
    unittest.main()
