"""LOG-FORMAT "The burden ledger and caps", rule 3: `visits_per_firm_per_year`
counts visits (进一次门、查多项事), not checks. Two draws of two departments on
the same day are one joint visit; a jointly-drawn plan is one visit; a second
visit by a department already there is a visit more; external checks count 1
each; another year's checks do not count. The logs are small lists of entries
written here; the expected counts come from the spec text."""

import types
import unittest

import logfixture  # noqa: F401  (puts audit/ on sys.path)

from fairdraw_verify import ledger

MARKET, TAX, FIRE = "市场监督管理局", "税务局", "消防救援支队"
U1, U2, U3 = "913301271357246856", "91330106MA27XK8E3J", "91330100MA2H3XQ5XB"


def entry(id_, kind, body):
    return types.SimpleNamespace(id=id_, kind=kind, body=body, ok=True)


def draw(n, usccs, department, date="2026-05-10", year=2026, departments=()):
    """A commitment `cN` of one department (or a joint team) inspecting on
    `date`, and its drawn result `rN` with `usccs` as targets."""
    plan = {"department": department, "items": [{"item": "食品"}], "inspection_date": date,
            "team": {"departments": list(departments)}}
    return [entry(f"c{n}", "DrawCommitment", {"year": year, "plan": plan}),
            entry(f"r{n}", "DrawResult", {"commitment": f"c{n}", "outcome": "drawn",
                                           "draw": {"assignments": [{"uscc": u, "inspectors": ["i1"]} for u in usccs]}})]


def external(n, *checks):
    return [entry(f"x{n}", "ExternalChecks", {"source": "x.csv", "checks": [
        {"uscc": u, "department": d, "method": "on_site", "date": date} for u, d, date in checks]})]


def capped(entries, cap, year=2026):
    plan = {"department": MARKET, "items": [], "caps": {"visits_per_firm_per_year": cap}}
    checks = ledger.checks_of_year(entries, year, lambda r: r.body.get("draw"))
    return ledger.cap_exclusions(checks, plan, year, entries)[1]


def visits(entries, year=2026):
    return ledger.visits_per_firm(entries, ledger.checks_of_year(entries, year, lambda r: r.body.get("draw")))


class VisitsCap(unittest.TestCase):
    def test_a_joint_visit_is_one_visit_and_a_second_visit_reaches_the_cap(self):
        joint = draw(1, [U1], MARKET) + draw(2, [U1], TAX)
        self.assertEqual(visits(joint), {U1: 1})
        self.assertEqual(capped(joint, 2), {}, "two departments in one door entry")
        again = joint + draw(3, [U1], MARKET, date="2026-06-01")
        self.assertEqual(visits(again), {U1: 2})
        self.assertEqual(capped(again, 2), {U1: "visited 2 times in 2026 (cap visits_per_firm_per_year 2)"})

    def test_a_department_already_in_the_visit_makes_a_new_one(self):
        same_day = draw(1, [U1], MARKET) + draw(2, [U1], MARKET)
        self.assertEqual(visits(same_day), {U1: 2})

    def test_a_jointly_drawn_plan_is_one_visit_and_others_join_it(self):
        log = draw(1, [U1], MARKET, departments=(MARKET, TAX)) + draw(2, [U1], FIRE)
        self.assertEqual(visits(log), {U1: 1})
        self.assertEqual(capped(log, 2), {})

    def test_each_external_check_is_a_visit(self):
        log = draw(1, [U2], MARKET) + external(1, (U2, TAX, "2026-05-10"), (U2, FIRE, "2026-05-10"))
        self.assertEqual(visits(log), {U2: 3}, "external checks are never merged")
        self.assertEqual(capped(log, 3), {U2: "visited 3 times in 2026 (cap visits_per_firm_per_year 3)"})

    def test_another_years_checks_do_not_count(self):
        log = (draw(1, [U3], MARKET, date="2025-12-01", year=2025) + external(1, (U3, TAX, "2025-12-31"))
               + draw(2, [U3], TAX))
        self.assertEqual(visits(log), {U3: 1})
        self.assertEqual(capped(log, 2), {})
        self.assertEqual(visits(log, year=2025), {U3: 2})


if __name__ == "__main__":
    unittest.main()
