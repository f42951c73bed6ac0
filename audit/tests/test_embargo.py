"""`verify.py log DIR` on sealed draws (LOG-FORMAT "Embargo (sealed
draws)"): the `sealed` result, its DrawPublication (one per sealed result,
not before `until` as a China date, matching the seal's digest and counts,
then checked as any drawn document), and InspectionResults naming a sealed
draw.  Tampering is made by the key holder (every checkpoint re-signed)."""

import os
import shutil
import tempfile
import unittest

from logfixture import Log, merkle, verify_log
from test_protected import CEREMONY, CONFLICTS, REVEAL, copy_log, write_inputs

UNTIL = "2026-12-20"
EMBARGO = {"until": UNTIL}
ON_TIME = "2026-12-19T16:00:00Z"         # 2026-12-20 00:00 in China (UTC+8)
EARLY = "2026-12-19T15:59:59Z"           # 2026-12-19 23:59:59 in China


class EmbargoTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inputs = tempfile.mkdtemp(prefix="fairdraw-embargo-inputs-")
        write_inputs(cls.inputs)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.inputs)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-embargo-")
        self.dir = os.path.join(self.tmp, "log")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def sealed_log(self, publication=None, revealed_at="2026-12-02T00:00:00Z", until=UNTIL, embargo=EMBARGO):
        self.log = Log(self.dir, publication=publication)
        self.c, self.result = self.log.draw(self.inputs, CEREMONY, REVEAL, revealed_at=revealed_at,
                                            embargo=embargo, until=until, conflicts=CONFLICTS)
        self.r = len(self.log.lines) - 1
        return self.log

    def edit_result(self, edit):
        """Edits the DrawResult (before anything refers to it) and keeps its document for publish()."""
        entry = self.log.entry(self.r)
        edit(entry["body"])
        self.log.replace(self.r, entry)
        new = merkle.leaf_hash(self.log.lines[self.r]).hex()
        self.log.documents[new] = self.log.documents.pop(self.result)
        self.result = new

    def verify(self, public_mirror=False):
        self.log.write()
        d = copy_log(self.dir, os.path.join(self.tmp, "mirror")) if public_mirror else self.dir
        return verify_log(d)

    def assert_tampered(self, result, *expected):
        code, out = result
        self.assertEqual(code, 1, out)
        for x in expected:
            self.assertIn(x, out)

    # -- what verifies

    def test_a_sealed_draw_says_until_when(self):
        self.sealed_log()
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"note: draw {self.result}: sealed until {UNTIL}\n", out)
        self.assertNotIn(f"OK {self.result}", out)
        self.assertIn("0 draw(s) replayed; 1 draw(s) sealed", out)

    def test_a_sealed_draw_in_a_protected_mirror_still_gets_the_note(self):
        self.sealed_log("protected")
        code, out = self.verify(public_mirror=True)
        self.assertEqual(code, 0, out)
        self.assertIn(f"note: draw {self.result}: sealed until {UNTIL}\n", out)
        self.assertIn("note: protected log: replay, eligibility of unselected firms and team rules that use private "
                      "fields need the auditor export\n", out)
        self.assertNotIn("PUBLIC", out)

    def test_published_on_the_china_date_of_until_it_is_replayed(self):
        self.sealed_log()
        self.log.publish(self.result, ON_TIME)
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result} protected test: 6 targets reproduced", out)
        self.assertNotIn("sealed until", out)

    def test_published_in_a_protected_log_it_gets_the_public_checks(self):
        self.sealed_log("protected")
        self.log.publish(self.result, ON_TIME)
        code, out = self.verify(public_mirror=True)
        self.assertEqual(code, 0, out)
        self.assertIn(f"PUBLIC {self.result} protected test: 6 targets; counts, sample sizes, openings", out)
        code, out = self.verify()                       # the operator's directory: replayed
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result} protected test: 6 targets reproduced", out)

    def test_working_days_seal_until_a_later_date(self):
        self.sealed_log(embargo={"working_days": 10}, until="2026-12-16")
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {self.result}: sealed until 2026-12-16", out)

    # -- tampering

    def test_a_publication_too_early(self):
        self.sealed_log()
        p = len(self.log.lines)
        self.log.publish(self.result, EARLY)
        self.assert_tampered(self.verify(), f"entry {p} (DrawPublication): published on 2026-12-19 (China date), "
                                            f"before the seal's until {UNTIL}")

    def test_a_publication_not_matching_its_seal(self):
        self.sealed_log()
        doc = dict(self.log.documents[self.result][1], plan_name="another plan")
        pub = self.log.publish(self.result, ON_TIME, draw=doc)
        self.assert_tampered(self.verify(), f"publication {pub} does not match the sealed draw {self.result}: "
                                            "canonical_json(draw) hashes to",
                             f"DIFF {self.result}")

    def test_a_seal_whose_counts_differ_from_the_document(self):
        self.sealed_log()
        self.edit_result(lambda b: b["sealed"]["strata"][1].update(eligible=99))
        pub = self.log.publish(self.result, ON_TIME)
        self.assert_tampered(self.verify(), f"publication {pub} does not match the sealed draw {self.result}: "
                                            "strata[1].eligible is 3, the seal says 99")

    def test_a_publication_with_an_edited_opening(self):
        self.sealed_log("protected")
        self.log.documents[self.result][2][0]["salt"] = "00" * 32
        p = len(self.log.lines)
        self.log.publish(self.result, ON_TIME)
        self.assert_tampered(self.verify(public_mirror=True),
                             f"entry {p} (DrawPublication): check 4 (openings): assignments[0]")

    def test_until_is_a_china_date(self):
        """17:00 UTC on 1 December is 2 December in China: until 2026-12-02 is not after it."""
        self.sealed_log(revealed_at="2026-12-01T17:00:00Z", until="2026-12-02")
        self.assert_tampered(self.verify(), f"entry {self.r} (DrawResult): sealed.until 2026-12-02 is not after the "
                                            "China date of the result (2026-12-02)")

    def test_a_malformed_seal(self):
        self.sealed_log()
        self.edit_result(lambda b: b["sealed"]["strata"].pop())
        self.assert_tampered(self.verify(), f"entry {self.r} (DrawResult): sealed.strata must be 4 objects")

    def test_an_embargoed_plan_with_an_open_result(self):
        self.sealed_log()
        doc = self.log.documents[self.result][1]
        self.edit_result(lambda b: (b.pop("sealed"), b.update(draw=doc)))
        self.assert_tampered(self.verify(), f"entry {self.r} (DrawResult): the commitment's plan has an embargo, "
                                            "but the draw is not sealed")

    def test_a_seal_without_an_embargo(self):
        self.sealed_log(embargo=None)
        doc = self.log.documents[self.result][1]
        seal = {"digest": "00" * 32, "until": UNTIL, "strata": [
            {k: s[k] for k in ("class", "population", "excluded", "eligible", "sample_size")} for s in doc["strata"]]}
        self.edit_result(lambda b: (b.pop("draw"), b.update(sealed=seal)))
        self.assert_tampered(self.verify(), f"entry {self.r} (DrawResult): sealed, but the commitment's plan has no "
                                            "embargo")

    def test_two_publications_of_one_seal(self):
        self.sealed_log()
        first = len(self.log.lines)
        self.log.publish(self.result, ON_TIME)
        self.log.publish(self.result, "2026-12-21T00:00:00Z")
        self.assert_tampered(self.verify(), f"entry {first + 1} (DrawPublication): result {self.result} is already "
                                            f"published by entry {first}: at most one publication per sealed result")

    def test_a_publication_of_an_open_result(self):
        self.sealed_log(embargo=None)
        p = len(self.log.lines)
        self.log.publish(self.result, ON_TIME)
        self.assert_tampered(self.verify(), f"entry {p} (DrawPublication): result {self.result} is not sealed")

    # -- InspectionResult naming a sealed draw

    def test_an_inspection_result_of_a_sealed_draw_is_judged_once_published(self):
        self.sealed_log()
        doc = self.log.documents[self.result][1]
        target = doc["assignments"][0]["uscc"]
        stranger = "92330122MAYPNKNF96"                # excluded by the plan: never a target
        self.log.add("InspectionResult", {"draw": self.result, "uscc": target, "result": {"state": "已公示"}})
        i = len(self.log.lines)
        self.log.add("InspectionResult", {"draw": self.result, "uscc": stranger, "result": {"state": "已公示"}})
        code, out = self.verify()
        self.assertEqual(code, 0, out)                 # sealed: a firm's result may come first
        self.log.publish(self.result, ON_TIME)
        self.assert_tampered(self.verify(), f"entry {i} (InspectionResult): {stranger} is not a target of draw "
                                            f"{self.result}")
        self.assertNotIn(f"(InspectionResult): {target}", self.verify()[1])

    # -- the effective plan of a later commitment (LOG-FORMAT "The effective plan")

    def capped_logs(self, published, excluded):
        """A sealed draw under max_draws_per_year = 1, published or not before a second
        commitment whose log_exclusions are the first draw's targets (or none)."""
        inputs = os.path.join(self.tmp, "capped")
        os.makedirs(inputs)
        write_inputs(inputs, plan='name = "capped"\nmax_draws_per_year = 1\n[ratios]\nA = "50%"\nB = "50%"\nC = "100%"\n')
        self.log = Log(self.dir)
        _, first = self.log.draw(inputs, CEREMONY, REVEAL, embargo=EMBARGO, until=UNTIL)
        if published:
            self.log.publish(first, ON_TIME)
        targets = [a["uscc"] for a in self.log.documents[first][1]["assignments"]] if excluded else []
        self.c = len(self.log.lines) + 3
        self.log.draw(inputs, CEREMONY, REVEAL, committed_at="2026-12-21T00:00:00Z",
                      revealed_at="2026-12-22T00:00:00Z", log_exclusions=targets)
        return self.verify()

    def test_a_sealed_draw_counts_for_the_cap_once_published(self):
        code, out = self.capped_logs(published=True, excluded=True)
        self.assertEqual(code, 0, out)
        self.assert_tampered(self.capped_logs_again(published=True, excluded=False),
                             f"entry {self.c} (DrawCommitment): log_exclusions do not match the log's earlier draws",
                             "; missing: ")

    def test_a_sealed_draw_does_not_count_before_its_publication(self):
        code, out = self.capped_logs(published=False, excluded=False)
        self.assertEqual(code, 0, out)
        self.assert_tampered(self.capped_logs_again(published=False, excluded=True),
                             f"entry {self.c} (DrawCommitment): log_exclusions do not match the log's earlier draws; "
                             "not drawn this year for these items nor capped: ")

    def capped_logs_again(self, **kw):
        shutil.rmtree(self.tmp)
        os.makedirs(self.tmp)
        return self.capped_logs(**kw)


if __name__ == "__main__":
    unittest.main()
