"""Joint visits (LOG-FORMAT "Joint visits"): the greedy merge per USCC and
the rate's rounding, on entries built here."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fairdraw_verify import annual  # noqa: E402


class E:
    def __init__(self, id, kind, body):
        self.id, self.kind, self.body = id, kind, body


def batch(name, dept, start, end):
    return {"name": name, "department": dept, "start": start, "end": end, "items": ["x"],
            "ratios": {"A": "0.1", "B": "0", "C": "0", "D": "0"}, "team_size": 2, "regions": [], "industries": []}


ANNUAL = {"year": 2027, "name": "y", "departments": ["甲", "乙"], "items": [],
          "batches": [batch("b1", "甲", "2027-03-01", "2027-03-31"), batch("b2", "乙", "2027-03-15", "2027-04-15"),
                      batch("b3", "乙", "2027-05-01", "2027-05-31")]}


def commitment(id, dept, name):
    return E(id, "DrawCommitment", {"plan": {"department": dept, "team": {"departments": [dept]},
                                             "items": [{"item": dept}], "inspection_date": "",
                                             "annual": {"plan": "a", "batch": name}}})


def result(id, c, usccs):
    return E(id, "DrawResult", {"commitment": c, "outcome": "drawn",
                                "draw": {"assignments": [{"uscc": u, "inspectors": [f"{c}-{u}"]} for u in usccs]}})


class Visits(unittest.TestCase):
    def test_overlapping_windows_merge_and_disjoint_ones_do_not(self):
        log = [E("a", "AnnualPlan", {"annual": ANNUAL, "digest": ""}),
               commitment("c1", "甲", "b1"), result("r1", "c1", ["F1", "F2"]),
               commitment("c2", "乙", "b2"), result("r2", "c2", ["F1"]),
               commitment("c3", "乙", "b3"), result("r3", "c3", ["F2"])]
        v = annual.visits(log)
        self.assertEqual([x["uscc"] for x in v], ["F1", "F2", "F2"])
        self.assertEqual(v[0]["departments"], ["甲", "乙"])
        self.assertEqual(v[0]["window"], ("2027-03-15", "2027-03-31"))
        self.assertEqual(v[0]["team"], ["c1-F1", "c2-F1"])
        self.assertEqual(annual.rate_line(v), "visits: 3, joint: 1 (33.3%)")

    def test_the_rate_rounds_half_up(self):
        one = {"departments": ["a", "b"]}
        none = {"departments": []}
        self.assertEqual(annual.rate_line([one] + [none] * 7), "visits: 8, joint: 1 (12.5%)")
        self.assertEqual(annual.rate_line([]), "visits: 0, joint: 0 (0.0%)")


if __name__ == "__main__":
    unittest.main()
