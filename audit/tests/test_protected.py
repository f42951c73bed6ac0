"""`verify.py log DIR` on protected logs (LOG-FORMAT "Publication"): the
public mirror (blinded snapshots only: checks 1-6 and the note), the
auditor export and the operator's directory (full snapshots and salts:
replay and the blinded roots recomputed), and tampering of each kind, made
by the key holder (every checkpoint re-signed)."""

import copy
import gzip
import json
import os
import shutil
import tempfile
import unittest

from logfixture import CEREMONY_PEOPLE, DATA, DIGITS, Log, merkle, verify_log

CEREMONY = {"type": "ceremony"}
REVEAL = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE}
NOTE = ("note: protected log: replay, eligibility of unselected firms and team rules that use private fields need "
        "the auditor export")
PLAN = ('name = "protected test"\nexclude = ["92330122MAYPNKNF96"]\n'
        '[ratios]\nA = "50%"\nB = "50%"\nC = "100%"\n')
CONFLICTS = [["33010201000001", "913301271357246856"]]


def write_inputs(directory, plan=PLAN, enterprises=12, inspectors=8):
    """The first rows of the sample registries (A, B, C firms; two 吊销, one excluded) and a plan."""
    for name, n in (("enterprises.csv", enterprises), ("inspectors.csv", inspectors)):
        with open(os.path.join(DATA, name), encoding="utf-8-sig") as f:
            rows = f.read().splitlines()
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("\n".join(rows[: n + 1]) + "\n")
    with open(os.path.join(directory, "plan.toml"), "w", encoding="utf-8") as f:
        f.write(plan)


def copy_log(src, dst, auditor=False):
    """The public files of `src` at `dst` (a mirror); with `auditor`, also the
    full snapshots and salts under snapshots/ (`fairdraw audit export --for-auditor`)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("private"))
    if auditor:
        private = os.path.join(src, "private", "snapshots")
        for name in os.listdir(private):
            shutil.copy(os.path.join(private, name), os.path.join(dst, "snapshots", name))
    return dst


class ProtectedLogTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inputs = tempfile.mkdtemp(prefix="fairdraw-protected-inputs-")
        write_inputs(cls.inputs)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.inputs)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-protected-")
        self.dir = os.path.join(self.tmp, "log")
        self.log = Log(self.dir, publication="protected")
        self.c, self.result = self.log.draw(self.inputs, CEREMONY, REVEAL, conflicts=CONFLICTS)
        self.r = len(self.log.lines) - 1
        self.log.write()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def mirror(self, name="mirror", auditor=False):
        return copy_log(self.dir, os.path.join(self.tmp, name), auditor)

    def tamper(self, edit, i=None):
        """Edits entry i (default: the DrawResult) with edit(entry), re-signs, returns the public mirror's verdict."""
        i = self.r if i is None else i
        entry = self.log.entry(i)
        edit(entry)
        self.log.replace(i, entry)
        self.log.write()
        return verify_log(self.mirror())

    def assert_tampered(self, result, *expected):
        code, out = result
        self.assertEqual(code, 1, out)
        for x in expected:
            self.assertIn(x, out)

    # -- what verifies

    def test_the_public_mirror_gets_the_public_checks_and_the_note(self):
        code, out = verify_log(self.mirror())
        self.assertEqual(code, 0, out)
        self.assertIn(f"PUBLIC {self.result} protected test: 6 targets; counts, sample sizes, openings, tickets and "
                      "teams checked, not replayed\n", out)
        self.assertEqual(out.count(NOTE + "\n"), 1, out)
        self.assertNotIn(f"OK {self.result}", out)
        self.assertIn("0 draw(s) replayed; 1 draw(s) checked without replay (protected log)", out)

    def test_the_auditor_export_replays_and_recomputes_the_blinded_roots(self):
        code, out = verify_log(self.mirror(auditor=True))
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result} protected test: 6 targets reproduced", out)
        self.assertNotIn("protected log: replay", out)
        self.assertNotIn("PUBLIC", out)

    def test_the_operators_directory_reads_private_snapshots(self):
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result} protected test: 6 targets reproduced", out)

    def test_a_full_log_and_a_log_without_publication_replay(self):
        for publication in ("full", None):
            with self.subTest(publication):
                d = os.path.join(self.tmp, f"full-{publication}")
                log = Log(d, publication=publication)
                _, result = log.draw(self.inputs, CEREMONY, REVEAL)
                log.write()
                code, out = verify_log(d)
                self.assertEqual(code, 0, out)
                self.assertIn(f"OK {result} protected test: 6 targets reproduced", out)
                self.assertNotIn("protected log", out)

    def test_an_empty_registry_needs_no_salts(self):
        """No conflicts: the blinded and the full snapshot are both the empty tree, one public file."""
        d = os.path.join(self.tmp, "no-conflicts")
        log = Log(d, publication="protected")
        _, result = log.draw(self.inputs, CEREMONY, REVEAL)
        log.write()
        code, out = verify_log(copy_log(d, os.path.join(self.tmp, "no-conflicts-mirror")))
        self.assertEqual(code, 0, out)
        self.assertIn(f"PUBLIC {result} protected test: 6 targets", out)
        code, out = verify_log(copy_log(d, os.path.join(self.tmp, "no-conflicts-export"), auditor=True))
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {result} protected test: 6 targets reproduced", out)

    # -- body rules

    def test_openings_in_a_full_log_are_an_unknown_field(self):
        d = os.path.join(self.tmp, "full")
        log = Log(d, publication="full")
        log.draw(self.inputs, CEREMONY, REVEAL)
        entry = log.entry(len(log.lines) - 1)
        entry["body"]["openings"] = []
        log.replace(len(log.lines) - 1, entry)
        log.write()
        self.assert_tampered(verify_log(d), f"entry {len(log.lines) - 1} (DrawResult): body fields: unknown openings")

    def test_a_drawn_result_needs_openings(self):
        self.assert_tampered(self.tamper(lambda e: e["body"].pop("openings")),
                             f"entry {self.r} (DrawResult): body fields: missing openings")

    def test_a_protected_commitment_needs_blinded(self):
        self.assert_tampered(self.tamper(lambda e: e["body"].pop("blinded"), self.c),
                             f"entry {self.c} (DrawCommitment): body fields: missing blinded")

    def test_a_committed_inspection_date_that_is_no_date(self):
        """Was an internal error (int() of the year) before: now a problem naming the commitment."""
        for value in ("x", 5):
            with self.subTest(value):
                self.assert_tampered(self.tamper(lambda e: e["body"]["plan"].update(inspection_date=value), self.c),
                                     f"entry {self.c} (DrawCommitment): the plan is not a canonical plan")
                shutil.rmtree(os.path.join(self.tmp, "mirror"))

    def test_a_full_log_commitment_has_no_blinded(self):
        d = os.path.join(self.tmp, "full")
        log = Log(d)
        log.draw(self.inputs, CEREMONY, REVEAL)
        c = next(i for i in range(len(log.lines)) if log.entry(i)["kind"] == "DrawCommitment")
        entry = log.entry(c)
        entry["body"]["blinded"] = self.log.entry(self.c)["body"]["blinded"]
        log.replace(c, entry)
        log.write()
        self.assert_tampered(verify_log(d), f"entry {c} (DrawCommitment): body fields: unknown blinded")

    def test_an_unknown_publication_mode(self):
        self.assert_tampered(self.tamper(lambda e: e["body"].update(publication="secret"), 0),
                             'entry 0 (LogCreated): publication \'secret\' is not "protected" or "full"')

    # -- tampering the public checks catch (each names the entry and what differs)

    def edit_opening(self, j, **changes):
        def edit(e):
            o = e["body"]["openings"][j]
            for k, v in changes.items():
                if k == "salt":
                    o["salt"] = v
                else:
                    o["leaf"][{"uscc": 0, "name": 1, "class": 2, "region": 3}[k]] = v
        return edit

    def test_an_opening_with_another_salt(self):
        self.assert_tampered(self.tamper(self.edit_opening(1, salt="00" * 32)),
                             f"entry {self.r} (DrawResult): check 4 (openings): assignments[1]",
                             "is not in the blinded enterprise snapshot (another leaf or salt than committed)")

    def test_an_opening_with_another_class(self):
        doc = self.log.entry(self.r)["body"]["draw"]
        other = "B" if doc["assignments"][0]["class"] == "A" else "A"

        def edit(e):
            self.edit_opening(0, **{"class": other})(e)
            e["body"]["draw"]["assignments"][0]["class"] = other
        self.assert_tampered(self.tamper(edit), f"entry {self.r} (DrawResult): check 4 (openings): assignments[0]",
                             "is not in the blinded enterprise snapshot")

    def test_an_edited_opening(self):
        self.assert_tampered(self.tamper(self.edit_opening(2, name="另一家公司")),
                             f"entry {self.r} (DrawResult): check 4 (openings): assignments[2]",
                             "the opening's leaf has name '另一家公司'")

    def test_a_missing_opening(self):
        self.assert_tampered(self.tamper(lambda e: e["body"]["openings"].pop()),
                             "check 4 (openings): 5 openings for 6 assignments")

    def test_another_ticket(self):
        def edit(e):
            a = e["body"]["draw"]["assignments"][3]
            a["ticket"] = "0." + "0" * 64
        self.assert_tampered(self.tamper(edit), f"entry {self.r} (DrawResult): check 5 (tickets and selection): "
                                                "assignments[3]")

    def test_a_changed_selection(self):
        def edit(e):
            s = e["body"]["draw"]["strata"][0]
            s["selected"] = list(reversed(s["selected"]))
        self.assert_tampered(self.tamper(edit), "check 5 (tickets and selection): strata A: selected")

    def test_changed_counts_and_sample_size(self):
        def edit(e):
            e["body"]["draw"]["strata"][1]["eligible"] += 1
            e["body"]["draw"]["strata"][2]["sample_size"] = 0
        self.assert_tampered(self.tamper(edit), "check 2 (counts): strata B: eligible is 4, the blinded enterprise "
                                                "snapshot has 3",
                             "check 3 (sample sizes): strata C: sample_size is 0, spec §6 gives 1")

    def test_teams(self):
        def edit(e):
            a = e["body"]["draw"]["assignments"]
            a[0]["leader"] = a[0]["inspectors"][1]
            a[1]["inspectors"][1] = "33019999999999"
            a[2]["inspectors"][1] = a[2]["inspectors"][0]
        self.assert_tampered(self.tamper(edit), "check 6 (teams): assignments[0]", "is not inspectors[0]",
                             "'33019999999999' is not an inspector of the blinded inspector snapshot",
                             "assignments[2] (", "an inspector appears twice in the team")

    def test_a_changed_blinded_blob(self):
        root = self.log.entry(self.c)["body"]["blinded"]["enterprises"]["root"]
        path = os.path.join(self.dir, "snapshots", f"{root}.jsonl.gz")
        with open(path, "rb") as f:
            lines = gzip.decompress(f.read()).split(b"\n")[:-1]
        lines[0] = lines[0].replace(b'"eligible"', b'"excluded"').replace(b'"out"', b'"excluded"')
        with open(path, "wb") as f:
            f.write(gzip.compress(b"".join(x + b"\n" for x in sorted(lines))))
        self.assert_tampered(verify_log(self.mirror()),
                             f"entry {self.c} (DrawCommitment): check 1 (blinded snapshots): the blinded enterprises "
                             f"snapshot {root} does not hash to its root",
                             f"entry {self.r} (DrawResult): check 1 (blinded snapshots)")

    def test_a_missing_blinded_blob(self):
        root = self.log.entry(self.c)["body"]["blinded"]["conflicts"]["root"]
        os.remove(os.path.join(self.dir, "snapshots", f"{root}.jsonl.gz"))
        self.assert_tampered(verify_log(self.mirror()), f"snapshot blob snapshots/{root}.jsonl.gz is missing")

    # -- the auditor's part

    def salts_path(self, registry="enterprises"):
        root = self.log.entry(self.c)["body"]["snapshots"][registry]["root"]
        return os.path.join(self.dir, "private", "snapshots", f"{root}.salts.gz")

    def test_another_salt_in_the_salts_file_changes_the_recomputed_root(self):
        with open(self.salts_path("inspectors"), "rb") as f:
            salts = gzip.decompress(f.read()).split(b"\n")[:-1]
        salts[0] = b"00" * 32
        with open(self.salts_path("inspectors"), "wb") as f:
            f.write(gzip.compress(b"".join(x + b"\n" for x in salts)))
        self.assert_tampered(verify_log(self.mirror(auditor=True)),
                             f"entry {self.c} (DrawCommitment): the blinded inspectors snapshot recomputed from the "
                             "full snapshot and its salts has root")

    def test_a_salts_file_of_the_wrong_length(self):
        with open(self.salts_path(), "rb") as f:
            salts = gzip.decompress(f.read())
        with open(self.salts_path(), "wb") as f:
            f.write(gzip.compress(salts + b"00" * 32 + b"\n"))
        self.assert_tampered(verify_log(self.mirror(auditor=True)), ".salts.gz has 13 lines for 12 leaves")

    def test_the_auditor_export_still_checks_the_openings(self):
        """A replay does not read the openings; the export checks them as the public does."""
        self.log.replace(self.r, self.edit_and_get(self.edit_opening(0, salt="11" * 32)))
        self.log.write()
        code, out = verify_log(self.mirror(auditor=True))
        self.assertEqual(code, 1, out)
        self.assertIn("protected test: 6 targets reproduced", out)     # the replay alone passes
        self.assertIn("check 4 (openings): assignments[0]", out)

    def test_a_replayed_difference_in_the_auditor_export(self):
        def edit(e):
            e["body"]["draw"]["plan_name"] = "another"
        self.log.replace(self.r, self.edit_and_get(edit))
        self.log.write()
        code, out = verify_log(self.mirror(auditor=True))
        self.assertEqual(code, 1, out)
        self.assertIn("DIFF ", out)

    def edit_and_get(self, edit):
        entry = copy.deepcopy(self.log.entry(self.r))
        edit(entry)
        return entry


class SamplePlanTests(unittest.TestCase):
    """The sample registries (5,000 firms) and plans of data/: scope by region,
    industry and a `where` extra column (plan-cross), joint departments with
    experts (plan-joint), exclusions, items and rotation history (plan-single)."""

    def test_every_sample_plan_in_a_protected_log(self):
        from logfixture import disclosure
        from test_disclosure import run
        for plan in ("plan-single.toml", "plan-joint.toml", "plan-cross.toml"):
            with self.subTest(plan):
                tmp = tempfile.mkdtemp(prefix="fairdraw-sample-")
                self.addCleanup(shutil.rmtree, tmp)
                for name in os.listdir(DATA):
                    if os.path.isfile(os.path.join(DATA, name)):
                        shutil.copy(os.path.join(DATA, name), tmp)
                shutil.copy(os.path.join(DATA, plan), os.path.join(tmp, "plan.toml"))
                log = Log(os.path.join(tmp, "log"), publication="protected")
                c, result = log.draw(tmp, CEREMONY, REVEAL)
                log.write()
                code, out = verify_log(copy_log(log.dir, os.path.join(tmp, "mirror")))
                self.assertEqual(code, 0, out)
                self.assertIn(f"PUBLIC {result} ", out)
                code, out = verify_log(copy_log(log.dir, os.path.join(tmp, "export"), auditor=True))
                self.assertEqual(code, 0, out)
                self.assertIn(f"OK {result} ", out)
                doc = log.documents[result][1]
                targets = {a["uscc"] for a in doc["assignments"]}
                states = sorted(log.states[merkle.leaf_hash(log.lines[c]).hex()].items())
                firms = [doc["assignments"][-1]["uscc"]] + [
                    next(u for u, st in states if st == want and u not in targets)
                    for want in ("eligible", "excluded", "out")
                    if any(st == want and u not in targets for u, st in states)]
                self.assertGreaterEqual(len(firms), 2)             # a target, and firms of other states
                for uscc in firms:
                    d = disclosure(log, c, len(log.lines) - 1, uscc)
                    path = os.path.join(tmp, f"{uscc}.json")
                    with open(path, "w", encoding="utf-8") as f:
                        json.dump(d, f, ensure_ascii=False)
                    code, out = run(path)
                    self.assertEqual(code, 0, out)
                    self.assertIn(": selected (" if uscc in targets else ": not selected (", out)


if __name__ == "__main__":
    unittest.main()
