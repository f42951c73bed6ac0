"""The registry read's fast paths give what the plain one gives: records,
problems and their messages (issue 14: verify.py at 1e6 firms).

  * plain_records (str.split) = csv_records (the csv module) on quote-free text;
  * uscc.all_valid = every uscc_problem is None;
  * selection.candidates keeps the k smallest tickets;
  * registries.split_read (two processes) = the one-process read, and bad
    input (a bad row in either half, a USCC in both halves) falls back to it."""

import heapq
import io
import os
import random
import sys
import tempfile
import unittest
from itertools import repeat

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fairdraw_verify import registries  # noqa: E402
from fairdraw_verify.report import Problems  # noqa: E402
from fairdraw_verify.selection import candidates, ticket  # noqa: E402
from fairdraw_verify.tables import csv_records, plain_records  # noqa: E402
from fairdraw_verify.uscc import USCC_ALPHABET, USCC_VALUE, USCC_WEIGHTS, all_valid, uscc_problem  # noqa: E402


def valid_uscc(rng):
    body = "91" + "".join(rng.choice(USCC_ALPHABET) for _ in range(15))
    total = sum(w * USCC_VALUE[c] for w, c in zip(USCC_WEIGHTS, body))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


HEADER = "统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期,备注\n"


def registry(rng, n):
    """n valid rows: (USCC, line text)."""
    rows = []
    for i in range(n):
        u = valid_uscc(rng)
        rows.append(f"{u},企业{i},{rng.choice('ABCDabcd')},3301{rng.randrange(10, 99)},F{rng.randrange(1000, 9999)},"
                    f"{rng.choice(['存续', '歇业', 'active', 'Revoked'])},{rng.choice(['', '2012-05-17', '2019/1/2'])},x\n")
    return rows


class FastPaths(unittest.TestCase):
    def setUp(self):
        self.rng = random.Random(14)
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.saved = registries.SPLIT_AT
        self.addCleanup(setattr, registries, "SPLIT_AT", self.saved)

    def read(self, text, split, where=(), wake=False):
        """(records, resolution, problem lines) of one registry text."""
        path = os.path.join(self.dir.name, "e.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        registries.SPLIT_AT = 0 if split else 1 << 40
        problems = Problems()
        out = registries.read_enterprises(path, list(where), problems, wake=wake)
        return out, [m for _, _, m in problems.items]

    def same_both_ways(self, text, **kw):
        split, serial = self.read(text, True, **kw), self.read(text, False, **kw)
        self.assertEqual(split, serial)
        return split

    def test_plain_records_are_csv_records(self):
        pieces = ["a", "b,c", "", " x ", ",", "\n", "\r\n", "\n\n", "中,文", "\u3000y", "\x01"]
        for _ in range(3000):
            text = "".join(self.rng.choice(pieces) for _ in range(self.rng.randint(0, 30)))
            text = text.replace("\r\n", "\n")    # read_table turns CRLF into LF for plain_records
            for trim in (True, False):
                self.assertEqual(list(plain_records(text, trim)),
                                 list(csv_records(io.StringIO(text, newline=""), "p", None, trim)), repr(text))
        text = "x,y\n" * 600_000 + "\n\nz"          # read a megabyte at a time: lines across the cuts
        self.assertEqual(list(plain_records(text, False)), list(csv_records(io.StringIO(text, newline=""), "p", None)))

    def test_all_valid_is_every_uscc_valid(self):
        alphabet = USCC_ALPHABET + "IOSVZ_+ -a٣"
        for _ in range(20000):
            usccs = []
            for _ in range(self.rng.randint(0, 3)):
                u = valid_uscc(self.rng)
                if self.rng.random() < 0.3:
                    i = self.rng.randrange(18)
                    u = u[:i] + self.rng.choice(alphabet) + u[i + 1:]
                if self.rng.random() < 0.05:
                    u = u[:self.rng.randrange(20)]
                usccs.append(u)
            self.assertEqual(all_valid(usccs), all(uscc_problem(u) is None for u in usccs), usccs)

    def test_candidates_hold_the_k_smallest_tickets(self):
        for _ in range(200):
            n = self.rng.choice([0, 1, 2, 5, 50, 300, 2000])
            usccs = [valid_uscc(self.rng) for _ in range(n)]
            k, seed_hash = self.rng.randint(0, n), "%064x" % self.rng.getrandbits(256)
            near = [usccs[i] for i in candidates(seed_hash, usccs, k)]
            self.assertEqual(heapq.nsmallest(k, zip(map(ticket, repeat(seed_hash), near), near)),
                             heapq.nsmallest(k, zip(map(ticket, repeat(seed_hash), usccs), usccs)))

    def test_split_read_gives_the_same_records(self):
        rows = registry(self.rng, 3000)
        text = HEADER + "".join(rows)
        (records, _), problems = self.same_both_ways(text)
        self.assertEqual((len(records), problems), (3000, []))
        self.same_both_ways("\n\n" + text.replace("\n", "\r\n"))             # header on line 3, CRLF
        self.same_both_ways(text.replace(",x\n", ", x \n"))                    # cells to trim
        self.same_both_ways(text, where=["备注", "credit_class"], wake=True)  # filter columns, dormancy dates

    def test_split_read_is_used(self):
        # a child process reads the second half: records from both halves, in file order
        text = HEADER + "".join(registry(self.rng, 3000))
        (split, _), _ = self.read(text, True)
        self.assertEqual([r[0] for r in split], [line[:18] for line in text.splitlines()[1:]])
        path = os.path.join(self.dir.name, "e.csv")
        t = registries.read_table(path, registries.ENTERPRISE_COLUMNS, Problems())
        check = ((0, 1, 2, 3, 4, 5, 6), [], lambda r: True, (None, None, False))
        registries.SPLIT_AT = 0
        self.assertIsNotNone(registries.split_read(t, check))

    def test_bad_rows_in_either_half_are_reported_as_ever(self):
        rows = registry(self.rng, 3000)
        for bad in (5, 2900):                  # first half, second half
            for wrong in (lambda r: r[:17] + ("0" if r[17] != "0" else "1") + r[18:],   # check character
                          lambda r: r.replace(",存续,", ",停业,").replace(",歇业,", ",停业,")
                          .replace(",active,", ",停业,").replace(",Revoked,", ",停业,"),
                          lambda r: r.replace(",x\n", ",x,y\n"),                         # one cell too many
                          lambda r: r.replace(",企业", ",\x01企业")):                       # control character
                text = HEADER + "".join(rows[:bad] + [wrong(rows[bad])] + rows[bad + 1:])
                (records, _), problems = self.same_both_ways(text)
                self.assertEqual((len(records), len(problems)), (2999, 1), problems)

    def test_a_uscc_in_both_halves_is_a_duplicate(self):
        rows = registry(self.rng, 3000)
        for first, again in ((10, 2990), (2990, 2995), (1, 2)):
            copy = rows[again].replace(rows[again][:18], rows[first][:18])
            text = HEADER + "".join(rows[:again] + [copy] + rows[again + 1:])
            (records, _), problems = self.same_both_ways(text)
            self.assertEqual(len(records), 2999)
            self.assertEqual(len(problems), 1)
            self.assertIn(f"duplicate USCC (also on line {first + 2})", problems[0])


if __name__ == "__main__":
    unittest.main()
