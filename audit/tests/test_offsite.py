"""Spec §8.6 "Off-site methods" (and its lines in §3, §3.2, §3.3, §8.2):
the plan's `method` and `prefer_offsite`, each refusal, the canonical keys
(absent on site: existing digests unchanged), the slots of an off-site
target checked against a second, tiny implementation of the §8.1 stream
and §8.3/§8.4 written here, the strict reading of a logged plan, the
protected log's check 6, and an annual batch's `method`."""

import hashlib
import json
import os
import shutil
import tempfile
import types
import unittest

from logfixture import AUDIT, DATA, Log, verify_log
from test_protected import CEREMONY, REVEAL, copy_log

from fairdraw_verify import annual
from fairdraw_verify.canonical import canonical_json
from fairdraw_verify.draw import compute_draw, load_inputs
from fairdraw_verify.methods import stored_method
from fairdraw_verify.plan import load_plan
from fairdraw_verify.report import Problems

VECTORS = os.path.join(AUDIT, "..", "tests", "vectors")
ITEMS = """抽查事项,事项类别,检查方式
甲,一般,书面检查、实地核查
乙,一般,网络监测、书面核查
丙,一般,网络监测、实地核查
丁,一般,信息共享
戊,一般,
己,一般,其他方式
庚,一般,信息共享、网络监测
"""
# two departments; A07 is not on duty, E01 an expert: neither may take an inspector slot
ROSTER = """执法证号,姓名,所属部门,区域代码,在岗,角色
A01,甲一,甲局,330106,是,inspector
A02,甲二,甲局,330106,是,inspector
A03,甲三,甲局,330106,是,inspector
A04,甲四,甲局,330106,是,inspector
A05,甲五,甲局,330106,是,inspector
A06,甲六,甲局,330106,是,inspector
A07,甲七,甲局,330106,否,inspector
B01,乙一,乙局,330106,是,inspector
B02,乙二,乙局,330106,是,inspector
B03,乙三,乙局,330106,是,inspector
B04,乙四,乙局,330106,是,inspector
E01,专一,甲局,330106,是,专家
"""
RATIOS = '[ratios]\nA = "50%"\nB = "50%"\nC = "100%"\n'


def write(directory, name, text):
    with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
        f.write(text)


def write_inputs(directory, plan, enterprises=20):
    with open(os.path.join(DATA, "enterprises.csv"), encoding="utf-8-sig") as f:
        rows = f.read().splitlines()
    write(directory, "enterprises.csv", "\n".join(rows[: enterprises + 1]) + "\n")
    write(directory, "inspectors.csv", ROSTER)
    write(directory, "items.csv", ITEMS)
    write(directory, "plan.toml", plan)


# ---------------------------------------------------------------------------
# A second implementation, from the spec text, of what an off-site team is
# ---------------------------------------------------------------------------

class Words:
    """Spec §8.1 as written: SHA-256(key ‖ u64be(i)), four big-endian words a block."""

    def __init__(self, key):
        self.key, self.i, self.buf = key, 0, []

    def uniform(self, n):
        while True:
            if not self.buf:
                block = hashlib.sha256(self.key + self.i.to_bytes(8, "big")).digest()
                self.buf = [int.from_bytes(block[k:k + 8], "big") for k in range(0, 32, 8)]
                self.i += 1
            x = self.buf.pop(0)
            if x < 2**64 - 2**64 % n:
                return x % n


def offsite_teams(seed, usccs, slot_departments, roster_rows, cap=None):
    """§8.2/§8.6 slots (inspector slots only), §8.3 with role/on duty/department
    only, §8.4's greedy pass (the tests' rosters never need the repair)."""
    words = Words(hashlib.sha256(b"fairdraw-v1/assign\x00" + seed.encode()).digest())
    load, teams = {}, []
    for _ in usccs:
        team = []
        for need in slot_departments:
            candidates = sorted(r["id"] for r in roster_rows if r["role"] == "inspector" and r["active"]
                                and (need is None or r["department"] in need) and r["id"] not in team
                                and (cap is None or load.get(r["id"], 0) < cap))
            pick = candidates[words.uniform(len(candidates))]
            team.append(pick)
            load[pick] = load.get(pick, 0) + 1
        teams.append(team)
    return teams


def roster_rows():
    rows = [line.split(",") for line in ROSTER.strip().split("\n")[1:]]
    return [{"id": r[0], "department": r[2], "active": r[4] == "是", "role": "expert" if r[5] == "专家" else "inspector"}
            for r in rows]


class OffsitePlans(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fairdraw-offsite-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def load(self, text):
        """(canonical plan, None) or (None, the problems' text)."""
        write_inputs(self.dir, 'name = "书面核查"\nitems_file = "items.csv"\n' + text)
        problems = Problems()
        loaded = load_plan(os.path.join(self.dir, "plan.toml"), problems)
        return (loaded[0] if loaded else None), "\n".join(m for _, _, m in problems.items)

    def method_of(self, text):
        plan, problems = self.load(text + RATIOS)
        self.assertIsNotNone(plan, problems)
        return plan.get("method", "on_site")

    def refused(self, text, *fragments):
        plan, problems = self.load(text)
        self.assertIsNone(plan, f"accepted: {text}")
        for fragment in fragments:
            self.assertIn(fragment, problems)

    def test_method_words_and_chinese_names(self):
        for given, word in (("desk", "desk"), ("online", "online"), ("data", "data"), ("on_site", "on_site"),
                            ("书面核查", "desk"), ("书面检查", "desk"), ("网络监测", "online"), ("信息共享", "data"),
                            ("实地核查", "on_site"), ("实地检查", "on_site"), ("现场检查", "on_site"),
                            ("\u3000书面核查 ", "desk")):
            self.assertEqual(self.method_of(f'method = "{given}"\n'), word, given)

    def test_other_method_texts_are_refused(self):
        for given in ('"DESK"', '"onsite"', '"书面"', '""', "1", "true"):
            plan, problems = self.load(f"method = {given}\n" + RATIOS)
            self.assertIsNone(plan, given)
            self.assertIn("method", problems)
        self.refused('method = "offline"\n' + RATIOS, "must be one of on_site, desk, online, data")

    def test_prefer_offsite_takes_the_first_method_every_item_allows(self):
        cases = ((["甲"], "desk"), (["乙", "丙"], "online"), (["甲", "乙"], "desk"), (["丙"], "online"),
                 (["丁"], "data"), (["乙"], "desk"), (["庚"], "online"), (["庚", "丁"], "data"), (["甲", "丁"], "on_site"), (["戊"], "on_site"), (["戊", "甲"], "on_site"),
                 (["己"], "on_site"), ([], "on_site"))
        for items, word in cases:
            self.assertEqual(self.method_of(f"prefer_offsite = true\nitems = {json.dumps(items, ensure_ascii=False)}\n"),
                             word, items)
        self.assertEqual(self.method_of('prefer_offsite = false\nitems = ["甲"]\n'), "on_site")

    def test_refusals(self):
        self.refused('method = "data"\nitems = ["甲"]\n' + RATIOS, "item 「甲」 is checked by desk, on_site: not by data")
        self.refused('method = "desk"\n' + RATIOS + "[team]\nexperts = 1\n", "team.experts")
        self.refused('method = "desk"\n' + RATIOS + '[team]\ndepartments = ["甲局", "乙局"]\n', "team.reviewers")
        self.refused('method = "desk"\nprefer_offsite = true\n' + RATIOS, "prefer_offsite")
        self.refused('prefer_offsite = "yes"\n' + RATIOS, "prefer_offsite")
        # prefer_offsite brings the refusals of the method it chooses, and none when it stays on site
        self.refused('prefer_offsite = true\nitems = ["甲"]\n' + RATIOS + "[team]\nexperts = 1\n", "team.experts")
        self.assertEqual(self.method_of('prefer_offsite = true\nitems = ["丙", "丁"]\n[team]\nexperts = 1\n'), "on_site")
        # team.reviewers is range-checked in every plan (§3.2), on site too
        for bad in ("0", "3", "2.0", '"1"'):
            self.refused(RATIOS + f"[team]\nreviewers = {bad}\n", "team.reviewers")

    def test_what_is_allowed(self):
        self.assertEqual(self.method_of('method = "desk"\nitems = ["戊"]\n'), "desk")       # an item without methods
        self.assertEqual(self.method_of('method = "desk"\nprefer_offsite = false\n'), "desk")
        self.assertEqual(self.method_of('method = "desk"\n[team]\ndepartments = ["甲局", "乙局"]\nreviewers = 2\n'),
                         "desk")

    def test_canonical_keys_only_off_site(self):
        plan, problems = self.load('method = "书面核查"\n' + RATIOS + "[team]\nreviewers = 2\n")
        self.assertEqual((plan["method"], plan["team"]["reviewers"]), ("desk", 2), problems)
        plan, _ = self.load('method = "网络监测"\n' + RATIOS)
        self.assertEqual((plan["method"], plan["team"]["reviewers"]), ("online", 1))
        for text in ("", 'method = "on_site"\n', 'method = "实地核查"\n', "prefer_offsite = true\n"):
            plan, problems = self.load(text + RATIOS + "[team]\nreviewers = 2\n")
            self.assertNotIn("method", plan, text)
            self.assertNotIn("reviewers", plan["team"], text)

    def test_the_digests_of_existing_on_site_vectors_are_unchanged(self):
        """The vectors' plans, with an on-site method and reviewers added, keep the digest their draw.json holds."""
        for name in ("basic", "joint-gbk"):
            src = os.path.join(VECTORS, name)
            with open(os.path.join(src, "draw.json"), encoding="utf-8") as f:
                digest = json.load(f)["plan_digest"]
            vector = os.path.join(self.dir, name)
            shutil.copytree(src, vector)
            with open(os.path.join(vector, "plan.toml"), encoding="utf-8") as f:
                text = f.read()
            head, team, rest = text.partition("[team]\n")
            text = 'method = "实地核查"\n' + head + team + "reviewers = 2\n" + rest if team else \
                'method = "on_site"\n' + text + "\n[team]\nreviewers = 2\n"
            write(vector, "plan.toml", text)
            problems = Problems()
            loaded = load_plan(os.path.join(vector, "plan.toml"), problems)
            self.assertIsNotNone(loaded, problems.items)
            self.assertEqual(hashlib.sha256(canonical_json(loaded[0]).encode()).hexdigest(), digest, name)


class OffsiteTeams(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fairdraw-offsite-teams-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def draw(self, plan, seed="off-site seed"):
        write_inputs(self.dir, plan)
        args = types.SimpleNamespace(plan=os.path.join(self.dir, "plan.toml"), conflicts=None,
                                     enterprises=os.path.join(self.dir, "enterprises.csv"),
                                     inspectors=os.path.join(self.dir, "inspectors.csv"))
        return compute_draw(load_inputs(args), seed)

    def test_a_reviewer_pair_of_a_joint_off_site_plan(self):
        doc = self.draw('name = "联合书面核查"\nmethod = "desk"\ndepartment = "乙局"\n' + RATIOS +
                        '[team]\ndepartments = ["甲局", "乙局"]\nreviewers = 2\nexperts = 0\nsize = 3\n')
        assignments = doc["assignments"]
        self.assertGreater(len(assignments), 3)
        # slot 0 the initiating department (乙局, the responsible inspector), slot 1 the other
        expected = offsite_teams(doc["seed"], [a["uscc"] for a in assignments], [{"乙局"}, {"甲局"}], roster_rows())
        self.assertEqual([a["inspectors"] for a in assignments], expected)
        self.assertTrue(all(a["experts"] == [] and a["leader"] == a["inspectors"][0] for a in assignments))

    def test_one_responsible_inspector_and_no_expert_slot(self):
        doc = self.draw('name = "网络监测"\nmethod = "online"\n' + RATIOS + "[team]\nmax_targets_per_inspector = 2\n")
        assignments = doc["assignments"]
        expected = offsite_teams(doc["seed"], [a["uscc"] for a in assignments], [None], roster_rows(), cap=2)
        self.assertEqual([a["inspectors"] for a in assignments], expected)
        self.assertTrue(all(len(a["inspectors"]) == 1 and a["experts"] == [] for a in assignments))
        on_site = self.draw('name = "网络监测"\n' + RATIOS + "[team]\nmax_targets_per_inspector = 2\n")
        self.assertTrue(all(len(a["inspectors"]) == 2 for a in on_site["assignments"]))


class StoredPlans(unittest.TestCase):
    """§8.6: a verifier reading a canonical plan accepts `method` only with an
    off-site word and `team.reviewers` only together with it."""

    def test_the_strict_reading(self):
        ok = {"team": {"size": 2, "experts": 0}}
        self.assertEqual(stored_method(ok), ("on_site", None))
        self.assertEqual(stored_method({"method": "data", "team": {"reviewers": 2}}), ("data", 2))
        for bad in ({"method": "on_site", "team": {"reviewers": 1}}, {"method": "desk", "team": {}},
                    {"method": "书面核查", "team": {"reviewers": 1}}, {"team": {"reviewers": 1}},
                    {"method": "desk", "team": {"reviewers": 3}}, {"method": "desk", "team": {"reviewers": True}},
                    {"method": None, "team": {"reviewers": 1}}):
            with self.assertRaises(ValueError, msg=bad):
                stored_method(bad)


class OffsiteLogs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-offsite-log-")
        self.inputs = os.path.join(self.tmp, "inputs")
        os.makedirs(self.inputs)
        write_inputs(self.inputs, 'name = "书面核查"\nmethod = "desk"\n' + RATIOS
                     + '[team]\ndepartments = ["甲局", "乙局"]\nreviewers = 2\nsize = 3\n')
        self.dir = os.path.join(self.tmp, "log")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_an_off_site_draw_replays_in_a_full_log(self):
        log = Log(self.dir)
        log.draw(self.inputs, CEREMONY, REVEAL)
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn("targets reproduced", out)

    def test_a_logged_plan_with_an_on_site_method_key_is_not_canonical(self):
        for edit, said in ((lambda p: p.update(method="on_site"), "'on_site' is not an off-site word"),
                           (lambda p: p.pop("method"), "team.reviewers is given without")):
            shutil.rmtree(self.dir, ignore_errors=True)
            log = Log(self.dir)
            log.draw(self.inputs, CEREMONY, REVEAL, committed_plan=edit)
            log.write()
            code, out = verify_log(self.dir)
            self.assertEqual(code, 1, out)
            self.assertIn("the plan is not a canonical plan", out)
            self.assertIn(said, out)

    def test_check_6_of_a_protected_log_counts_reviewers(self):
        log = Log(self.dir, publication="protected")
        _, result = log.draw(self.inputs, CEREMONY, REVEAL)
        log.write()
        mirror = copy_log(self.dir, os.path.join(self.tmp, "mirror"))
        code, out = verify_log(mirror)
        self.assertEqual(code, 0, out)
        self.assertIn("teams checked, not replayed", out)
        # an expert added to an off-site team (re-signed by the key holder)
        r = log.index_of(result)
        entry = log.entry(r)
        entry["body"]["draw"]["assignments"][0]["experts"] = ["E01"]
        log.replace(r, entry)
        log.write()
        code, out = verify_log(copy_log(self.dir, os.path.join(self.tmp, "mirror2")))
        self.assertEqual(code, 1, out)
        self.assertIn("check 6 (teams): assignments[0]", out)
        self.assertIn("2 inspectors and 1 experts, the plan says 2 and 0", out)


def batch(**extra):
    return {"name": "b", "department": "甲局", "start": "2027-03-01", "end": "2027-03-31", "items": ["甲"],
            "ratios": {"A": "0.1", "B": "0", "C": "0", "D": "0"}, "team_size": 1, "regions": [], "industries": [],
            **extra}


def annual_body(*batches):
    a = {"year": 2027, "name": "y", "departments": ["甲局"],
         "items": [{"item": "甲", "ratios": {"A": "0.1", "B": "0", "C": "0", "D": "0"}}], "batches": list(batches)}
    return {"annual": a, "digest": hashlib.sha256(canonical_json(a).encode()).hexdigest()}


class AnnualBatches(unittest.TestCase):
    """LOG-FORMAT "Annual plans and batches": a batch's `method`."""

    def test_the_batch_key_only_with_an_off_site_word(self):
        self.assertEqual(annual.annual_plan_problems(annual_body(batch(method="desk"), batch(name="c"))), [])
        for bad in ("on_site", "书面核查", 1):
            self.assertEqual(len(annual.annual_plan_problems(annual_body(batch(method=bad)))), 1, bad)

    def test_a_batch_plan_has_the_batch_method_and_reviewers(self):
        def plan(**kw):
            p = {"department": "甲局", "items": [{"item": "甲"}], "ratios": {"A": "0.1", "B": "0", "C": "0", "D": "0"},
                 "scope": {"regions": [], "industries": []}, "inspection_date": "", "team": {"size": 2}}
            p.update(kw)
            return p
        off = batch(method="desk", team_size=2)
        self.assertEqual(annual.batch_mismatches(plan(method="desk", team={"size": 3, "reviewers": 2}), off, 2027, 2027),
                         [])
        self.assertEqual(annual.batch_mismatches(plan(method="desk", team={"size": 2, "reviewers": 1}), off, 2027, 2027),
                         ["team.reviewers 1 is not the batch's team_size 2"])
        self.assertEqual(annual.batch_mismatches(plan(), off, 2027, 2027),
                         ["method on_site is not the batch's desk", "team.reviewers None is not the batch's team_size 2"])
        on = batch(team_size=2)
        self.assertEqual(annual.batch_mismatches(plan(), on, 2027, 2027), [])
        self.assertEqual(annual.batch_mismatches(plan(method="online", team={"size": 2, "reviewers": 2}), on, 2027, 2027),
                         ["method online is not the batch's on_site"])


if __name__ == "__main__":
    unittest.main()
