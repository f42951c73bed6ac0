"""SPEC §6.4 and LOG-FORMAT "Feedback from results": the plan's [feedback]
table and its canonical form, the feedback stratum of a draw, the
`log_feedback` a commitment records (each rule of the section on entries
written here), and `verify.py log` on logs that use them, honest and
tampered: logs written here, and the shared vector tests/vectors/feedback-log
(written by the Rust writer) against the lists of its README.  The expected
lists and strata are written from the spec text and that README."""

import copy
import hashlib
import json
import math
import os
import shutil
import tempfile
import types
import unittest

from logfixture import AUDIT, CEREMONY_PEOPLE, DIGITS, Log, utc, verify_log
from test_offsite import write
from test_replacement import write_inputs
from test_static import Served

from fairdraw_verify.auditlog import Entry, LogVerifier
from fairdraw_verify.canonical import canonical_json
from fairdraw_verify.draw import compute_draw, load_inputs
from fairdraw_verify.feedback import commitment_problems, log_feedback
from fairdraw_verify.plan import DEFAULT_FEEDBACK_REASONS, load_plan
from fairdraw_verify.report import Problems

CEREMONY = {"type": "ceremony"}
REVEAL = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE}
SEED = "42"

# Firms of the first 24 rows of data/enterprises.csv (write_inputs)
F1 = "91330114MAWHGJ696T"      # A: its last result found a problem, and it has an open follow-up
F2 = "91330110MAJXWX1B0H"      # A: a joint visit, two results on its last day, the second found a problem
F3 = "91330110MA9BA8UDXP"      # A: a problem, then a later clean result
F4 = "91330114MA1XWM7M41"      # A: a problem amended away (codes E)
F5 = "91330182MAPBA12P9K"      # B: a v1 result "found a problem" (never counts) and an open follow-up
F6 = "92330182MA453NPU98"      # C: a follow-up, closed
F7 = "91330102MADPNBWRXH"      # B: a problem still waiting for review (待审核)
OUT = "92330114MAM53YHH40"     # B, 吊销: out of the default scope (存续)
NOWHERE = "91110000000000000X"  # in no registry

PLAN = '''name = "{name}"
{top}
[ratios]
A = "{ratio}"
B = "{ratio}"
C = "{ratio}"
D = "{ratio}"
[scope]
statuses = {statuses}
[team]
departments = ["甲局"]
max_targets_per_inspector = 6
{tables}'''


def plan_text(name="反馈检查", top="", ratio="20%", statuses='["存续"]', tables='[feedback]\nratio = "50%"\n'):
    return PLAN.format(name=name, top=top, ratio=ratio, statuses=statuses, tables=tables)


def v2(date, *codes, state="已公示"):
    """A result of LOG-FORMAT "Results v2": one item per list of codes."""
    return {"format": 2, "inspection_date": date, "method": "on_site",
            "items": [{"item": f"事项{k}", "department": "甲局", "codes": list(c), "findings": ""}
                      for k, c in enumerate(codes)],
            "attachments": [], "state": state, "pending": "p-" + "0" * 32}


def v1(date, category="发现问题", state="已公示"):
    return {"name": "某公司", "category": category, "inspection_date": date, "findings": "", "state": state,
            "pending": "p-" + "1" * 32}


def own_document(result):
    """The draw document of a DrawResult of these tests (none is sealed)."""
    return result.body.get("draw")


def ticket(seed, uscc):
    """Spec §7 as written."""
    seed_hash = hashlib.sha256(seed.encode()).hexdigest()
    n = int.from_bytes(hashlib.sha256((seed_hash + uscc).encode()).digest(), "big")
    return "0." + str(n).rjust(64, "0")[::-1]


# ---------------------------------------------------------------------------
# The rules of log_feedback, on entries written here
# ---------------------------------------------------------------------------

class Entries:
    """Well-formed entries in log order, as LogVerifier holds them."""

    def __init__(self):
        self.entries = []

    def add(self, kind, body):
        e = types.SimpleNamespace(kind=kind, body=body, index=len(self.entries),
                                  id=hashlib.sha256(f"{len(self.entries)}".encode()).hexdigest())
        self.entries.append(e)
        return e.id

    def result(self, uscc, result):
        return self.add("InspectionResult", {"draw": "d" * 64, "uscc": uscc, "result": result})

    def follow_up(self, uscc, result):
        return self.add("FollowUp", {"result": result, "uscc": uscc, "action": "case", "due": "2026-12-31"})

    def flags(self):
        return {x["uscc"]: (x["reason"], x["entry"]) for x in log_feedback(self.entries, DEFAULT_FEEDBACK_REASONS, own_document)}


class Rules(unittest.TestCase):
    def setUp(self):
        self.log = Entries()

    def test_a_published_v2_result_with_a_problem_code_flags_the_firm(self):
        for code, uscc in zip("ABCD8", (F1, F2, F3, F4, F5)):
            self.log.result(uscc, v2("2026-12-01", ["1"] if code == "8" else [], [code]))
        clean = self.log.result(F6, v2("2026-12-01", ["E"], ["F"], ["6", "7"]))
        flags = self.log.flags()
        self.assertEqual(sorted(flags), sorted([F1, F2, F3, F4, F5]))
        self.assertTrue(all(reason == "problem" for reason, _ in flags.values()))
        self.assertNotIn(F6, flags, clean)

    def test_a_joint_visit_counts_every_result_of_the_last_day_and_names_the_first_problem(self):
        self.log.result(F1, v2("2026-12-05", ["1"]))
        first = self.log.result(F1, v2("2026-12-06", ["1"]))
        problem = self.log.result(F1, v2("2026-12-06", ["A", "B"]))
        self.log.result(F1, v2("2026-12-06", ["8"]))
        self.assertNotEqual(first, problem)
        self.assertEqual(self.log.flags(), {F1: ("problem", problem)})

    def test_only_the_last_results_count(self):
        self.log.result(F3, v2("2026-12-02", ["A"]))
        self.log.result(F3, v2("2026-12-08", ["1"]))
        later_problem = self.log.result(F4, v2("2026-12-09", ["D"]))
        self.log.result(F4, v2("2026-12-03", ["1"]))         # logged later, inspected earlier
        self.assertEqual(self.log.flags(), {F4: ("problem", later_problem)})

    def test_an_amendment_can_correct_a_problem_away_or_make_one(self):
        away = self.log.result(F4, v2("2026-12-01", ["A", "C"]))
        self.log.add("Amendment", {"amends": away, "reason": "已改正", "result": {"items": v2("", ["E"])["items"]}})
        made = self.log.result(F1, v2("2026-12-01", ["1"]))
        self.log.add("Amendment", {"amends": made, "reason": "复核", "result": {"items": v2("", ["8"])["items"]}})
        self.assertEqual(self.log.flags(), {F1: ("problem", made)})

    def test_a_v1_result_never_found_a_problem(self):
        self.log.result(F5, v1("2026-12-01"))
        self.log.result(F5, {**v2("2026-12-01", ["A"]), "format": 1})
        self.assertEqual(self.log.flags(), {})

    def test_a_result_waiting_for_review_does_not_count_until_an_amendment_publishes_it(self):
        waiting = self.log.result(F7, v2("2026-12-01", ["A"], state="待审核"))
        self.assertEqual(self.log.flags(), {})
        self.log.add("Amendment", {"amends": waiting, "reason": "审核通过", "result": {"state": "已公示"}})
        self.assertEqual(self.log.flags(), {F7: ("problem", waiting)})

    def test_an_open_follow_up_flags_the_firm_and_a_closed_one_does_not(self):
        r5 = self.log.result(F5, v1("2026-12-01"))
        first = self.log.follow_up(F5, r5)
        self.log.follow_up(F5, r5)
        r6 = self.log.result(F6, v2("2026-12-01", ["1"]))
        closed = self.log.follow_up(F6, r6)
        self.log.add("FollowUpClosed", {"follow_up": closed, "outcome": "已立案"})
        self.assertEqual(self.log.flags(), {F5: ("follow_up", first)})
        self.log.add("FollowUpClosed", {"follow_up": first, "outcome": "已改正"})
        self.assertEqual(self.log.flags(), {F5: ("follow_up", self.log.entries[2].id)})

    def test_a_problem_beats_a_follow_up(self):
        problem = self.log.result(F1, v2("2026-12-01", ["A"]))
        self.log.follow_up(F1, problem)
        self.assertEqual(self.log.flags(), {F1: ("problem", problem)})

    def test_the_list_is_sorted_by_uscc(self):
        for u in (F6, F1, F5):
            self.log.follow_up(u, "e" * 64)
        self.assertEqual([x["uscc"] for x in log_feedback(self.log.entries, DEFAULT_FEEDBACK_REASONS, own_document)], sorted([F6, F1, F5]))


# ---------------------------------------------------------------------------
# The plan (spec §3.2, §3.3) and the draw (§6.4)
# ---------------------------------------------------------------------------

class Inputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-feedback-")
        write_inputs(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def plan(self, text):
        write(self.tmp, "plan.toml", text)
        problems = Problems()
        loaded = load_plan(os.path.join(self.tmp, "plan.toml"), problems)
        return loaded[0] if loaded else None, [msg for _, _, msg in problems.items]

    def draw(self, text, flagged):
        write(self.tmp, "plan.toml", text)
        args = types.SimpleNamespace(plan=os.path.join(self.tmp, "plan.toml"),
                                     enterprises=os.path.join(self.tmp, "enterprises.csv"),
                                     inspectors=os.path.join(self.tmp, "inspectors.csv"), conflicts=None)
        plan, *rest = load_inputs(args)
        if flagged is not None:
            plan["feedback"]["flagged"] = sorted(flagged)
        return compute_draw((plan, *rest), SEED)


class Plan(Inputs):
    def test_the_canonical_plan_has_feedback_only_with_the_table(self):
        plan, problems = self.plan(plan_text(tables=""))
        self.assertEqual(problems, [])
        self.assertNotIn("feedback", plan)
        plan, problems = self.plan(plan_text())
        self.assertEqual(problems, [])
        self.assertEqual(plan["feedback"], {"ratio": "0.5", "flagged": []})
        plan, _ = self.plan(plan_text(tables='[feedback]\nratio = "100%"\n'))
        self.assertEqual(plan["feedback"], {"ratio": "1", "flagged": []})

    def test_the_refusals_are_reported_together_naming_the_key(self):
        for tables, said in (
                ('[feedback]\n', 'feedback.ratio: required'),
                ('[feedback]\nratio = "150%"\n', 'feedback.ratio: value "150%": is more than 100%'),
                ('[feedback]\nratio = 0.5\n', "feedback.ratio: value 0.5: must be a string"),
                ('[feedback]\nratio = "50%"\nflagged = ["91330114MAWHGJ696T"]\n', "feedback.flagged: unknown key"),
                ('[feedback]\nratio = "50%"\n[strata]\nregion_digits = 4\n', "feedback: is not allowed together with [strata]")):
            plan, problems = self.plan(plan_text(top='items = ["没有"]', tables=tables))
            self.assertIsNone(plan, tables)
            self.assertTrue(any(said in p for p in problems), (tables, problems))
            self.assertTrue(any("items" in p for p in problems), problems)     # all problems at once
        plan, problems = self.plan(plan_text(top='feedback = "50%"', tables=""))
        self.assertIsNone(plan)
        self.assertTrue(any("feedback: must be a table" in p for p in problems), problems)

    def test_verify_py_exits_2_on_a_refused_plan(self):
        import subprocess
        import sys
        write(self.tmp, "plan.toml", plan_text(tables='[feedback]\nratio = "5"\n'))
        run = subprocess.run([sys.executable, os.path.join(AUDIT, "verify.py"), "--emit", "--seed", SEED,
                              "--plan", os.path.join(self.tmp, "plan.toml"),
                              "--enterprises", os.path.join(self.tmp, "enterprises.csv"),
                              "--inspectors", os.path.join(self.tmp, "inspectors.csv")], capture_output=True, text=True)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("feedback.ratio", run.stderr)
        self.assertEqual(run.stdout, "")


class Draw(Inputs):
    def test_flagged_firms_in_scope_form_a_fifth_stratum(self):
        plain = self.draw(plan_text(tables=""), None)
        doc = self.draw(plan_text(top=f'exclude = ["{F5}"]'), [F1, F2, F5, F6, OUT, NOWHERE])
        self.assertEqual([s["class"] for s in doc["strata"]], ["A", "B", "C", "D", "feedback"])
        fed = doc["strata"][4]
        in_scope = [F1, F2, F5, F6]                  # OUT is 吊销, NOWHERE in no registry: nothing changes for them
        self.assertEqual((fed["population"], fed["excluded"], fed["eligible"], fed["ratio"]), (4, 1, 3, "0.5"))
        self.assertEqual(fed["sample_size"], math.ceil(3 * 0.5))
        eligible = sorted((ticket(SEED, u), u) for u in in_scope if u != F5)
        self.assertEqual(fed["selected"], [u for _, u in eligible[:2]])
        self.assertEqual(fed["cutoff"], eligible[1][0])
        # the class strata: the flagged firms left them, nothing else changed
        for s, p in zip(doc["strata"][:4], plain["strata"]):
            moved = {"A": 2, "B": 1, "C": 1, "D": 0}[s["class"]]
            self.assertEqual(s["population"], p["population"] - moved, s["class"])
            self.assertTrue(set(s["selected"]).isdisjoint(in_scope))
            self.assertEqual(s["excluded"], 0)
        # targets: A, B, C, D, then the feedback stratum; each firm keeps its class
        order = [u for s in doc["strata"] for u in s["selected"]]
        self.assertEqual([a["uscc"] for a in doc["assignments"]], order)
        classes = {a["uscc"]: a["class"] for a in doc["assignments"]}
        self.assertEqual([classes[u] for u in fed["selected"]], ["A" if u in (F1, F2) else "C" for u in fed["selected"]])

    def test_a_hundred_percent_checks_every_flagged_firm_in_scope_and_min_max_do_not_apply(self):
        doc = self.draw(plan_text(top=f'exclude = ["{F5}"]', tables='[feedback]\nratio = "100%"\n[max]\nA = 0\n'),
                        [F1, F2, F5, OUT])
        fed = doc["strata"][4]
        self.assertEqual((fed["ratio"], fed["eligible"], fed["sample_size"]), ("1", 2, 2))
        self.assertEqual(sorted(fed["selected"]), sorted([F1, F2]))
        self.assertEqual(doc["strata"][0]["sample_size"], 0)         # max.A applies to stratum A only

    def test_an_empty_feedback_stratum_is_listed_and_an_out_of_scope_flag_changes_nothing(self):
        plain = self.draw(plan_text(tables=""), None)
        doc = self.draw(plan_text(), [OUT, NOWHERE])
        self.assertEqual(doc["strata"][4], {"class": "feedback", "population": 0, "excluded": 0, "eligible": 0,
                                            "ratio": "0.5", "sample_size": 0, "cutoff": None, "selected": []})
        self.assertEqual(doc["strata"][:4], plain["strata"])
        self.assertEqual(doc["assignments"], plain["assignments"])


# ---------------------------------------------------------------------------
# verify.py log
# ---------------------------------------------------------------------------

class Logs(unittest.TestCase):
    """A first draw checks every firm (its results and follow-ups follow),
    then feedback draws are committed."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-feedback-log-")
        self.dir = os.path.join(self.tmp, "log")
        self.inputs = os.path.join(self.tmp, "inputs")
        write_inputs(self.inputs)
        self.log = Log(self.dir)
        self.commit_plan(plan_text(name="全面检查", ratio="100%", statuses='["存续", "吊销"]', tables=""))
        _, self.first = self.log.draw(self.inputs, CEREMONY, REVEAL)
        add = self.result
        self.r1 = add(F1, v2("2026-12-05", ["A", "B"]))
        add(F2, v2("2026-12-06", ["1"]))
        self.r2 = add(F2, v2("2026-12-06", ["E"], ["8"]))
        add(F3, v2("2026-12-02", ["A"]))
        add(F3, v2("2026-12-08", ["1"]))
        self.r4 = add(F4, v2("2026-12-03", ["A", "C"]))
        self.r5 = add(F5, v1("2026-12-03"))
        self.r6 = add(F6, v2("2026-12-03", ["A"]))
        self.r7 = add(F7, v2("2026-12-03", ["A"], state="待审核"))
        self.rout = add(OUT, v2("2026-12-04", ["8"]))
        self.log.add("Amendment", {"amends": self.r4, "reason": "已改正", "result": {"items": v2("", ["E"])["items"]},
                                   "by": "审核员"})
        self.log.add("Amendment", {"amends": self.r6, "reason": "已改正", "result": {"items": v2("", ["1"])["items"]}})
        self.f1 = self.follow_up(F1, self.r1)
        self.f5 = self.follow_up(F5, self.r5)
        f6 = self.follow_up(F6, self.r6)
        self.log.add("FollowUpClosed", {"follow_up": f6, "outcome": "已立案"})
        self.expected = [{"uscc": F1, "reason": "problem", "entry": self.r1},
                         {"uscc": F2, "reason": "problem", "entry": self.r2},
                         {"uscc": F5, "reason": "follow_up", "entry": self.f5},
                         {"uscc": OUT, "reason": "problem", "entry": self.rout}]
        self.expected.sort(key=lambda x: x["uscc"])

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def commit_plan(self, text):
        write(self.inputs, "plan.toml", text)

    def result(self, uscc, result):
        return self.log.add("InspectionResult", {"draw": self.first, "uscc": uscc, "result": result})

    def follow_up(self, uscc, result):
        return self.log.add("FollowUp", {"result": result, "uscc": uscc, "action": "case", "due": "2026-12-31"})

    def feedback_draw(self, log_feedback=None, tables='[feedback]\nratio = "50%"\n', **draw):
        self.commit_plan(plan_text(top=f'exclude = ["{F5}"]', tables=tables))
        lf = self.expected if log_feedback is None else log_feedback
        index, self.result_id = self.log.draw(self.inputs, CEREMONY, REVEAL, log_feedback=lf, **draw)
        return index, self.log.documents[self.result_id][1]

    def verify(self):
        self.log.write()
        return verify_log(self.dir)

    def test_a_feedback_draw_verifies_and_draws_the_flagged_firms_in_their_stratum(self):
        _, doc = self.feedback_draw()
        fed = doc["strata"][4]
        self.assertEqual((fed["population"], fed["excluded"], fed["eligible"], fed["sample_size"]), (3, 1, 2, 1))
        # then F2's problem is amended away and F5's follow-up closed: a 100% draw checks F1 alone
        self.log.add("Amendment", {"amends": self.r2, "reason": "已改正", "result": {"items": v2("", ["E"])["items"]}})
        self.log.add("FollowUpClosed", {"follow_up": self.f5, "outcome": "已改正"})
        self.expected = [x for x in self.expected if x["uscc"] in (F1, OUT)]
        _, doc = self.feedback_draw(tables='[feedback]\nratio = "100%"\n')
        self.assertEqual(doc["strata"][4]["selected"], [F1])
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn("VERIFIED", out)
        self.assertEqual(out.count("targets reproduced"), 3, out)

    def assert_tampered(self, index, *said, unsaid=()):
        code, out = self.verify()
        self.assertEqual(code, 1, out)
        lines = [x for x in out.splitlines() if x.startswith(f"problem: entry {index} (DrawCommitment): ")]
        for s in said:
            self.assertTrue(any(s in x for x in lines), (s, out))
        for s in unsaid:
            self.assertNotIn(s, out)
        return out

    def test_a_log_feedback_that_drops_a_firm_is_tampering(self):
        dropped = [x for x in self.expected if x["uscc"] != F2]
        index, _ = self.feedback_draw(dropped)
        self.assert_tampered(index, f"log_feedback differs from the published results and follow-ups before the "
                                    f"commitment: missing: {F2}",
                             f"the plan's feedback.flagged is not the USCCs the log flags; missing: {F2}")

    def test_a_log_feedback_that_adds_a_firm_is_tampering(self):
        added = sorted(self.expected + [{"uscc": F7, "reason": "problem", "entry": self.r7}], key=lambda x: x["uscc"])
        index, _ = self.feedback_draw(added)
        self.assert_tampered(index, f"log_feedback differs from the published results and follow-ups before the "
                                    f"commitment: not flagged: {F7}")

    def test_another_reason_or_entry_is_tampering(self):
        changed = [dict(x, reason="follow_up", entry=self.f1) if x["uscc"] == F1 else x for x in self.expected]
        index, _ = self.feedback_draw(changed)
        self.assert_tampered(index, f"another reason or entry: {F1}", unsaid=("feedback.flagged",))

    def test_a_plan_whose_flagged_differs_from_log_feedback_is_tampering(self):
        index, _ = self.feedback_draw(flagged=[x["uscc"] for x in self.expected if x["uscc"] != F1])
        self.assert_tampered(index, f"the plan's feedback.flagged is not the USCCs the log flags; missing: {F1}",
                             unsaid=("log_feedback differs",))

    def test_log_feedback_without_feedback_in_the_plan_is_tampering(self):
        index, _ = self.feedback_draw(committed_plan=lambda p: p.pop("feedback"))
        self.assert_tampered(index, "log_feedback is present but the plan has no feedback")

    def test_feedback_in_the_plan_without_log_feedback_is_tampering(self):
        self.commit_plan(plan_text(tables=""))
        index, _ = self.log.draw(self.inputs, CEREMONY, REVEAL,
                                 committed_plan=lambda p: p.update(feedback={"ratio": "0.5", "flagged": []}))
        self.assert_tampered(index, "the plan has feedback but the commitment has no log_feedback")

    def test_a_sealed_feedback_draw_shows_five_strata_and_its_publication_verifies(self):
        self.feedback_draw(embargo={"until": "2026-12-20"}, until="2026-12-20")
        sealed = self.log.entry(self.log.index_of(self.result_id))["body"]["sealed"]
        self.assertEqual([s["class"] for s in sealed["strata"]], ["A", "B", "C", "D", "feedback"])
        self.assertEqual(sealed["strata"][4]["excluded"], 1)
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {self.result_id}: sealed until 2026-12-20", out)
        self.log.publish(self.result_id, "2026-12-20T02:00:00Z")
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result_id} 反馈检查", out)


class Protected(unittest.TestCase):
    def test_a_protected_log_does_not_commit_a_plan_with_feedback(self):
        tmp = tempfile.mkdtemp(prefix="fairdraw-feedback-protected-")
        self.addCleanup(shutil.rmtree, tmp)
        write_inputs(os.path.join(tmp, "inputs"))
        write(os.path.join(tmp, "inputs"), "plan.toml", plan_text())
        log = Log(os.path.join(tmp, "log"), publication="protected")
        index, _ = log.draw(os.path.join(tmp, "inputs"), CEREMONY, REVEAL)
        log.write()
        code, out = verify_log(log.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"problem: entry {index} (DrawCommitment): a protected log does not commit a plan with feedback",
                      out)


# ---------------------------------------------------------------------------
# The shared vector tests/vectors/feedback-log (written by the Rust writer),
# against the lists its README gives
# ---------------------------------------------------------------------------

VECTOR = os.path.join(AUDIT, "..", "tests", "vectors", "feedback-log")
# commitment index -> [(firm n, reason, index of the entry)] (README "Expected `log_feedback`")
VECTOR_FEEDBACK = {
    4: [],
    29: [(1, "problem", 7), (3, "problem", 11), (4, "problem", 12), (7, "problem", 15), (8, "follow_up", 23),
         (10, "problem", 20), (12, "problem", 21)],
    36: [(1, "problem", 7), (3, "problem", 11), (7, "problem", 15), (8, "follow_up", 23), (10, "problem", 20),
         (12, "problem", 21)],
}
# DrawResult index -> the feedback stratum (README "Expected feedback strata")
VECTOR_STRATA = {6: (0, 0, 0, "1", 0, []), 31: (7, 1, 6, "1", 6, [1, 3, 4, 7, 8, 12]), 38: (2, 0, 2, "0.5", 1, [12])}


class Vector(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(VECTOR, "enterprises.csv"), encoding="utf-8") as f:
            rows = [line.split(",") for line in f.read().splitlines()[1:]]
        cls.firm = {int(r[1][len("测试企业"):-len("有限公司")]): r[0] for r in rows}
        said = []
        v = LogVerifier(os.path.join(VECTOR, "log"), out=said.append, now=utc("2026-12-03T00:00:00Z"))
        assert v.run() == 0, "\n".join(said)
        cls.entries = v.entries

    def expected(self, commitment):
        out = [{"uscc": self.firm[n], "reason": reason, "entry": self.entries[i].id}
               for n, reason, i in VECTOR_FEEDBACK[commitment]]
        return sorted(out, key=lambda x: x["uscc"])

    def test_verify_py_accepts_the_vector_and_replays_its_three_draws(self):
        code, out = verify_log(os.path.join(VECTOR, "log"))
        self.assertEqual(code, 0, out)
        self.assertIn("VERIFIED: 39 entries", out)
        for name in ("反馈一号: 24", "反馈二号: 10", "反馈三号: 5"):
            self.assertIn(f"{name} targets reproduced", out)

    def test_the_recomputed_log_feedback_is_the_readme_s(self):
        for i in VECTOR_FEEDBACK:
            e = self.entries[i]
            self.assertEqual(e.kind, "DrawCommitment")
            expected = self.expected(i)
            self.assertEqual(log_feedback([x for x in self.entries[:i] if x.ok], DEFAULT_FEEDBACK_REASONS, own_document), expected, i)
            self.assertEqual(e.body["log_feedback"], expected, i)
            self.assertEqual(e.body["plan"]["feedback"]["flagged"], [x["uscc"] for x in expected], i)

    def test_the_feedback_strata_are_the_readme_s(self):
        for i, (population, excluded, eligible, ratio, k, firms) in VECTOR_STRATA.items():
            doc = self.entries[i].body["draw"]
            fed = doc["strata"][-1]
            self.assertEqual((fed["class"], fed["population"], fed["excluded"], fed["eligible"], fed["ratio"],
                              fed["sample_size"]), ("feedback", population, excluded, eligible, ratio, k), i)
            self.assertEqual(sorted(fed["selected"]), sorted(self.firm[n] for n in firms), i)
            self.assertEqual(fed["selected"], sorted(fed["selected"], key=lambda u: ticket(doc["seed"], u)), i)
            self.assertEqual([a["uscc"] for a in doc["assignments"]][len(doc["assignments"]) - k:], fed["selected"])

    def test_a_commitment_whose_log_feedback_and_plan_drop_a_firm_is_named(self):
        body = copy.deepcopy(self.entries[29].body)
        dropped = self.firm[3]
        body["log_feedback"] = [x for x in body["log_feedback"] if x["uscc"] != dropped]
        body["plan"]["feedback"]["flagged"].remove(dropped)
        earlier = [x for x in self.entries[:29] if x.ok]
        self.assertEqual(commitment_problems(self.entries[29].body, earlier, False, own_document), [])
        self.assertEqual(commitment_problems(body, earlier, False, own_document), [
            "log_feedback differs from the published results and follow-ups before the commitment: "
            f"missing: {dropped}",
            f"the plan's feedback.flagged is not the USCCs the log flags; missing: {dropped}"])
        # the whole log, edited without the log's key (the vector ships none): the signatures
        # fail too, and verify.py names the commitment whose list is wrong
        tmp = tempfile.mkdtemp(prefix="fairdraw-feedback-vector-")
        self.addCleanup(shutil.rmtree, tmp)
        copy_of = shutil.copytree(os.path.join(VECTOR, "log"), os.path.join(tmp, "log"))
        body["plan_digest"] = hashlib.sha256(canonical_json(body["plan"]).encode()).hexdigest()
        with open(os.path.join(copy_of, "entries.jsonl"), "rb") as f:
            lines = f.read().split(b"\n")
        entry = json.loads(lines[29])
        entry["body"] = body
        lines[29] = canonical_json(entry).encode()
        with open(os.path.join(copy_of, "entries.jsonl"), "wb") as f:
            f.write(b"\n".join(lines))
        code, out = verify_log(copy_of)
        self.assertEqual(code, 1, out)
        self.assertIn(f"problem: entry 29 (DrawCommitment): log_feedback differs from the published results and "
                      f"follow-ups before the commitment: missing: {dropped}", out)

    def test_the_static_mirror_of_the_vector_verifies(self):
        tmp = tempfile.mkdtemp(prefix="fairdraw-feedback-mirror-")
        self.addCleanup(shutil.rmtree, tmp)
        mirror = shutil.copytree(os.path.join(VECTOR, "log"), os.path.join(tmp, "log"))
        os.remove(os.path.join(mirror, "entries.jsonl"))
        with Served(mirror) as url:
            code, out = verify_log(url)
        self.assertEqual(code, 0, out)
        self.assertIn(f"log: {url} (static mirror)", out)
        self.assertEqual(out.count("targets reproduced"), 3, out)


# ---------------------------------------------------------------------------
# `by` on the kinds LOG-FORMAT's table now gives it (strict bodies)
# ---------------------------------------------------------------------------

class By(unittest.TestCase):
    BODIES = {
        "DrawCommitment": {"algorithm": "fairdraw-v1", "plan": {}, "plan_digest": "0" * 64, "snapshots": {},
                           "beacon": CEREMONY, "year": 2026, "log_exclusions": [], "log_history": []},
        "BeaconRecord": {"commitment": "0" * 64, "beacon": REVEAL, "randomness": "0" * 64, "seed": "0" * 64},
        "DrawPublication": {"result": "0" * 64, "commitment": "0" * 64, "draw": {}},
    }

    def check(self, kind, body):
        said = []
        v = LogVerifier("unused", out=said.append)
        leaf = canonical_json({"body": body, "index": 0, "kind": kind, "simulated": False,
                               "time": "2026-12-01T00:00:00Z", "v": 1}).encode()
        e = Entry(0, leaf)
        v.check_entry(e)
        return e.ok, said

    def test_by_is_an_optional_string_and_nothing_else(self):
        for kind, body in self.BODIES.items():
            self.assertEqual(self.check(kind, body), (True, []), kind)
            self.assertEqual(self.check(kind, {**body, "by": "王科长"}), (True, []), kind)
            ok, said = self.check(kind, {**body, "by": 7})
            self.assertFalse(ok, kind)
            self.assertEqual(said, [f"problem: entry 0 ({kind}): body fields: wrong type or format: by"], kind)
            ok, said = self.check(kind, {**body, "who": "王科长"})
            self.assertEqual(said, [f"problem: entry 0 ({kind}): body fields: unknown who"], kind)

    def test_log_feedback_is_a_list(self):
        ok, said = self.check("DrawCommitment", {**self.BODIES["DrawCommitment"], "log_feedback": {}})
        self.assertEqual(said, ["problem: entry 0 (DrawCommitment): body fields: wrong type or format: log_feedback"])



# ---------------------------------------------------------------------------
# Reason `woken` (LOG-FORMAT "Feedback from results" rule 3): a woken firm
# not checked since its latest wake-up
# ---------------------------------------------------------------------------

WOKEN = ["woken"]


class WokenRule(unittest.TestCase):
    def setUp(self):
        self.log = Entries()
        self.commitment = self.log.add("DrawCommitment", {"year": 2026, "plan": {"department": "甲局", "items": []}})

    def wake(self, uscc):
        return self.log.add("WakeUp", {"uscc": uscc, "reason": "complaint"})

    def external(self, uscc):
        check = {"uscc": uscc, "department": "税务局", "method": "desk", "date": "2024-05-01"}
        return self.log.add("ExternalChecks", {"checks": [check], "source": "税务.csv"})

    def drawn(self, uscc, outcome="drawn"):
        return self.log.add("DrawResult", {"commitment": self.commitment, "outcome": outcome,
                                           "draw": {"assignments": [{"uscc": uscc}]}})

    def flags(self, reasons=WOKEN):
        return {x["uscc"]: (x["reason"], x["entry"]) for x in log_feedback(self.log.entries, reasons, own_document)}

    def test_the_latest_wake_up_flags_until_a_check_after_it(self):
        self.external(F1)                       # before the wake-up: does not count
        self.drawn(F1)
        self.wake(F1)
        w1 = self.wake(F1)
        w2 = self.wake(F2)
        self.wake(F3)
        self.external(F3)                       # another year, after the wake-up: clears it
        self.assertEqual(self.flags(), {F1: ("woken", w1), F2: ("woken", w2)})
        self.drawn(F2, outcome="failed")        # not drawn: no check
        self.assertEqual(self.flags(), {F1: ("woken", w1), F2: ("woken", w2)})
        self.drawn(F2)
        self.assertEqual(self.flags(), {F1: ("woken", w1)})
        w3 = self.wake(F2)                      # a new wake-up: one more directed check
        self.assertEqual(self.flags(), {F1: ("woken", w1), F2: ("woken", w3)})

    def test_only_plans_listing_woken_flag_woken_firms_and_earlier_rules_come_first(self):
        w = self.wake(F1)
        r = self.log.result(F1, v2("2026-03-01", "A"))
        self.assertEqual(self.flags(DEFAULT_FEEDBACK_REASONS), {F1: ("problem", r)})
        self.assertEqual(self.flags(["problem", "woken"]), {F1: ("problem", r)})
        self.assertEqual(self.flags(WOKEN), {F1: ("woken", w)})
        self.assertEqual(self.flags(["follow_up"]), {})

    def test_a_sealed_draw_checks_from_its_publication_on(self):
        w = self.wake(F1)
        result = self.log.add("DrawResult", {"commitment": self.commitment, "outcome": "drawn", "sealed": {}})
        published = {}
        document_of = lambda r: r.body.get("draw", published.get(r.id))   # noqa: E731 (as LogVerifier.document_of)
        flags = lambda: log_feedback(self.log.entries, WOKEN, document_of)   # noqa: E731
        self.assertEqual(flags(), [{"uscc": F1, "reason": "woken", "entry": w}])
        published[result] = {"assignments": [{"uscc": F1}]}
        self.assertEqual(flags(), [])


class WokenPlan(Inputs):
    def test_reasons_are_stored_in_rule_order_and_only_when_not_the_default(self):
        plan, problems = self.plan(plan_text(tables='[feedback]\nratio = "100%"\nreasons = ["woken", "problem"]\n'))
        self.assertEqual(problems, [])
        self.assertEqual(plan["feedback"], {"ratio": "1", "flagged": [], "reasons": ["problem", "woken"]})
        plan, _ = self.plan(plan_text(tables='[feedback]\nratio = "100%"\nreasons = ["follow_up", "problem"]\n'))
        self.assertEqual(plan["feedback"], {"ratio": "1", "flagged": []})

    def test_bad_reasons_are_refused_with_every_other_problem(self):
        for reasons, said in (('["woken", "asleep"]', "'asleep' is not a reason"),
                              ('["woken", "woken"]', "woken listed twice"),
                              ('[]', "empty"),
                              ('"woken"', "must be a list")):
            tables = f'[feedback]\nratio = "150%"\nreasons = {reasons}\n'
            plan, problems = self.plan(plan_text(tables=tables))
            self.assertIsNone(plan, reasons)
            self.assertTrue(any("feedback.reasons" in p and said in p for p in problems), (reasons, problems))
            self.assertTrue(any("feedback.ratio" in p for p in problems), problems)   # all problems at once

    def test_the_stored_reasons_are_checked_strictly(self):
        from fairdraw_verify.feedback import plan_problem
        good = {"feedback": {"ratio": "1", "flagged": [], "reasons": ["follow_up", "woken"]}}
        self.assertIsNone(plan_problem(good))
        for bad in (["problem", "follow_up"], ["woken", "problem"], [], ["woken", "woken"], ["sleepy"], "woken"):
            plan = {"feedback": {"ratio": "1", "flagged": [], "reasons": bad}}
            self.assertIn("feedback.reasons", plan_problem(plan) or "", bad)


if __name__ == "__main__":
    unittest.main()
