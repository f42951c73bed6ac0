"""LOG-FORMAT "Salts and blinded leaves": the package's blinding.py against
the shared vector tests/vectors/protected/blinding.json (made by make.py
beside it, from the spec text), and against the test logs' own writer."""

import json
import os
import unittest

from logfixture import AUDIT, blinded_snapshot as fixture_blinded
from fairdraw_verify import blinding, merkle

VECTOR = os.path.join(AUDIT, "..", "tests", "vectors", "protected", "blinding.json")


def plan_of(scope):
    """The canonical plan fields §6 reads, for the vector's scope."""
    return {"scope": {"statuses": scope["statuses"], "regions": [], "industries": [], "where": []},
            "exclude": scope["exclude"]}


class BlindingVector(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(VECTOR, encoding="utf-8") as f:
            cls.v = json.load(f)
        cls.secret = bytes.fromhex(cls.v["secret"])
        cls.plan = plan_of(cls.v["plan_scope"])

    def test_every_row_salt_blind_and_blinded_leaf(self):
        self.assertEqual(len(self.v["rows"]), 7)
        for row in self.v["rows"]:
            with self.subTest(row=row["leaf"]):
                leaf = row["leaf"].encode()
                salt = blinding.salt(self.secret, row["registry"], bytes.fromhex(row["key_hex"]))
                self.assertEqual(salt.hex(), row["salt"])
                self.assertEqual(blinding.blind(salt, leaf), row["blind"])
                values = json.loads(leaf)
                state = blinding.enterprise_state(values, self.plan) if row["registry"] == "enterprises" else None
                self.assertEqual(blinding.blinded_leaf(row["registry"], values, row["blind"], state).decode(),
                                 row["blinded_leaf"])

    def test_the_states_cover_all_three(self):
        states = [json.loads(r["blinded_leaf"])[1] for r in self.v["rows"] if r["registry"] == "enterprises"]
        self.assertEqual(sorted(set(states)), ["eligible", "excluded", "out"])

    def test_blinded_snapshots_and_roots(self):
        for reg in blinding.REGISTRIES:
            with self.subTest(reg):
                rows = [r for r in self.v["rows"] if r["registry"] == reg]
                leaves = [r["leaf"].encode() for r in rows]
                salts = [bytes.fromhex(r["salt"]) for r in rows]
                lines = blinding.blinded_snapshot(reg, leaves, salts, self.plan)
                want = self.v["blinded"][reg]
                self.assertEqual([x.decode() for x in lines], want["leaves"])
                self.assertEqual(merkle.mth([merkle.leaf_hash(x) for x in lines]).hex(), want["root"])
                self.assertEqual(len(lines), want["count"])
                for line in lines:
                    self.assertIsNone(blinding.blinded_line_problem(reg, line))

    def test_the_fixture_writer_agrees_with_the_vector(self):
        """The test logs' independent writer (logfixture) uses bytes(range(32)) as K, like the vector."""
        self.assertEqual(self.secret, bytes(range(32)))
        for reg in blinding.REGISTRIES:
            leaves = [r["leaf"].encode() for r in self.v["rows"] if r["registry"] == reg]
            self.assertEqual([x.decode() for x in fixture_blinded(reg, leaves, self.plan)],
                             self.v["blinded"][reg]["leaves"])

    def test_malformed_blinded_lines(self):
        b = "ab" * 32
        cases = [("enterprises", f'["E","eligible","{b}"]', "class"),
                 ("enterprises", f'["A","selected","{b}"]', "state"),
                 ("enterprises", '["A","eligible","AB"]', "blind"),
                 ("enterprises", f'["A", "eligible","{b}"]', "canonical"),
                 ("inspectors", f'["1","n","{b}"]', "array of 4"),
                 ("conflicts", '["x"]', "blind")]
        for reg, line, why in cases:
            with self.subTest(line):
                self.assertIn(why, blinding.blinded_line_problem(reg, line.encode()))

    def test_where_columns_move_to_their_leaf_positions(self):
        """Spec §5: a §1.1 field named by `where` uses that field; another column is the next extra."""
        plan = {"scope": {"statuses": ["存续"], "regions": [], "industries": [],
                          "where": [["列入经营异常名录", "是"], ["区域代码", "330102"]]}, "exclude": []}
        self.assertEqual(blinding.where_positions(plan), ([6, 3], 1))
        leaf = ["u", "n", "A", "330102", "F1", "存续", "是"]
        self.assertEqual(blinding.enterprise_state(leaf, plan), "eligible")
        self.assertEqual(blinding.enterprise_state(leaf[:6] + ["否"], plan), "out")


if __name__ == "__main__":
    unittest.main()
