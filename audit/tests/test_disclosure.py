"""`verify.py disclosure FILE [--vkey K]` (LOG-FORMAT "Disclosures (one
firm's proof)"): disclosures of protected and full logs built here from the
spec (logfixture.disclosure), each kind of tampering (exit 1) and bad input
(exit 2)."""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from logfixture import AUDIT, Log, disclosure
from test_protected import CEREMONY, CONFLICTS, REVEAL, write_inputs

EXCLUDED = "92330122MAYPNKNF96"          # in the plan's exclude
OUT = "92330114MAM53YHH40"               # 吊销: out of scope


def run(path, *extra):
    r = subprocess.run([sys.executable, os.path.join(AUDIT, "verify.py"), "disclosure", path, *extra],
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


class DisclosureTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fairdraw-disclosure-")
        write_inputs(cls.tmp)
        cls.logs = {}
        for mode in ("protected", "full"):
            log = Log(os.path.join(cls.tmp, mode), publication=mode)
            c, _ = log.draw(cls.tmp, CEREMONY, REVEAL, conflicts=CONFLICTS)
            log.write()
            cls.logs[mode] = (log, c, len(log.lines) - 1)
        sealed = Log(os.path.join(cls.tmp, "sealed"), publication="protected")
        c, result = sealed.draw(cls.tmp, CEREMONY, REVEAL, embargo={"until": "2026-12-20"}, until="2026-12-20")
        sealed.publish(result, "2026-12-20T00:00:00Z")
        sealed.write()
        cls.logs["sealed"] = (sealed, c, len(sealed.lines) - 1)
        cls.other = Log(os.path.join(cls.tmp, "other-key"), seed=bytes(32))      # another log's key

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def make(self, mode="protected", uscc=None):
        """A disclosure of `uscc` (default: the first target) in the log of `mode`."""
        log, c, r = self.logs[mode]
        if uscc is None:
            uscc = log.entry(r)["body"]["draw"]["assignments"][0]["uscc"]
        return disclosure(log, c, r, uscc)

    def check(self, d, *extra):
        path = os.path.join(self.tmp, "disclosure.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(d if isinstance(d, str) else json.dumps(d, ensure_ascii=False, indent=1))
        return run(path, *extra)

    def assert_tampered(self, d, *expected):
        code, out = self.check(d)
        self.assertEqual(code, 1, out)
        self.assertIn("NOT VERIFIED", out)
        for x in expected:
            self.assertIn(x, out)

    # -- what verifies

    def test_a_selected_firm_of_a_protected_log(self):
        d = self.make()
        code, out = self.check(d)
        self.assertEqual(code, 0, out)
        self.assertIn("note: key not pinned: trusted the vkey in the file\n", out)
        self.assertIn(f"VERIFIED: {d['verdict']['uscc']} class {d['verdict']['class']}, eligible, ticket "
                      f"{d['verdict']['ticket']}, cutoff {d['verdict']['cutoff']}: selected (protected log, draw ", out)
        self.assertIn("why (not checked): for people", out)

    def test_unselected_excluded_and_out_of_scope_firms(self):
        log, _, r = self.logs["protected"]
        doc = log.entry(r)["body"]["draw"]
        targets = {a["uscc"] for a in doc["assignments"]}
        unselected = next(u for u in ("913301271357246856", "91330114MAWHGJ696T", "91330110MAJXWX1B0H",
                                      "91330110MA9BA8UDXP", "91330114MA1XWM7M41", "91330182MAPBA12P9K",
                                      "91330102MADPNBWRXH") if u not in targets)
        for uscc, state in ((unselected, "eligible"), (EXCLUDED, "excluded"), (OUT, "out")):
            with self.subTest(state):
                d = self.make(uscc=uscc)
                self.assertEqual(d["verdict"]["state"], state)
                self.assertFalse(d["verdict"]["selected"])
                code, out = self.check(d)
                self.assertEqual(code, 0, out)
                self.assertIn(f"VERIFIED: {uscc} class {d['verdict']['class']}, {state}, ", out)
                self.assertIn(": not selected (protected log, draw ", out)

    def test_a_full_log(self):
        d = self.make("full")
        self.assertEqual(d["salt"], "")
        code, out = self.check(d)
        self.assertEqual(code, 0, out)
        self.assertIn(": selected (full log, draw ", out)

    def test_a_published_sealed_draw(self):
        log, _, r = self.logs["sealed"]
        d = self.make("sealed")
        code, out = self.check(d)
        self.assertEqual(code, 0, out)
        self.assertIn("(DrawPublication, index", out)
        self.assertIn(f"draw {log.entry(r)['body']['result']})", out)

    def test_the_pinned_key(self):
        d = self.make()
        code, out = self.check(d, "--vkey", d["vkey"])
        self.assertEqual(code, 0, out)
        self.assertNotIn("key not pinned", out)
        code, out = self.check(d, "--vkey", self.other.vkey)
        self.assertEqual(code, 1, out)
        self.assertIn("problem: check 1 (key): the disclosure's vkey", out)

    # -- tampering (exit 1)

    def test_another_class(self):
        d = self.make()
        d["leaf"][2] = d["verdict"]["class"] = "D" if d["leaf"][2] != "D" else "C"
        self.assert_tampered(d, "problem: check 4 (inclusion): the blinded leaf")

    def test_another_class_in_a_full_log(self):
        d = self.make("full")
        d["leaf"][2] = d["verdict"]["class"] = "D" if d["leaf"][2] != "D" else "C"
        self.assert_tampered(d, "problem: check 4 (inclusion): the leaf")

    def test_another_salt(self):
        d = self.make()
        d["salt"] = "00" * 32
        self.assert_tampered(d, "problem: check 4 (inclusion)")

    def test_another_ticket(self):
        d = self.make()
        d["verdict"]["ticket"] = "0." + "0" * 64
        self.assert_tampered(d, "problem: check 5 (ticket and cutoff): verdict.ticket")

    def test_another_cutoff(self):
        d = self.make()
        d["verdict"]["cutoff"] = None
        self.assert_tampered(d, "problem: check 5 (ticket and cutoff): verdict.cutoff")

    def test_a_wrong_proof(self):
        for name, edit in (("hash", lambda p: p["hashes"].__setitem__(0, "00" * 32)),
                           ("index", lambda p: p.update(index=p["index"] ^ 1)),
                           ("short", lambda p: p["hashes"].pop())):
            with self.subTest(name):
                d = self.make()
                edit(d["proof"])
                self.assert_tampered(d, "problem: check 4 (inclusion)", "is not included at index")

    def test_another_state_or_uscc_in_the_verdict(self):
        d = self.make(uscc=EXCLUDED)
        d["verdict"]["state"] = "eligible"
        self.assert_tampered(d, "check 3 (the firm's row): verdict.state is 'eligible', the leaf gives 'excluded'")
        d = self.make()
        d["verdict"]["uscc"] = EXCLUDED
        self.assert_tampered(d, "check 3 (the firm's row): verdict.uscc")

    def test_a_flipped_verdict(self):
        d = self.make()
        d["verdict"]["selected"] = False
        self.assert_tampered(d, "check 6 (selection): verdict.selected is false, the firm is selected")

    def test_a_result_of_another_commitment(self):
        d = self.make()
        d["result"] = self.make("full")["result"]       # another log under the same key
        self.assert_tampered(d, "check 2 (receipts): the DrawResult names commitment")
        d = self.make()
        d["result"] = self.other.receipt(0)
        self.assert_tampered(d, "check 2 (receipts): the result receipt does not verify")
        log, c, r = self.logs["protected"]
        d = self.make()
        d["commitment"] = log.receipt(1)                # a RegistrySnapshot
        self.assert_tampered(d, "check 2 (receipts): the commitment receipt proves a RegistrySnapshot")

    def test_the_sealed_result_itself_proves_no_document(self):
        log, _, publication = self.logs["sealed"]
        d = self.make("sealed")
        d["result"] = log.receipt(publication - 1)     # the DrawResult with `sealed`
        self.assert_tampered(d, "check 2 (receipts): the result receipt proves a DrawResult, not a drawn DrawResult "
                                "with its draw or a DrawPublication")

    def test_the_pinned_key_from_a_file(self):
        log, _, _ = self.logs["protected"]
        code, out = self.check(self.make(), "--vkey", os.path.join(log.dir, "log.pub"))
        self.assertEqual(code, 0, out)
        self.assertNotIn("key not pinned", out)

    def test_a_forged_receipt(self):
        d = self.make()
        d["result"] = d["result"].replace("index ", "index 1", 1)
        self.assert_tampered(d, "check 2 (receipts)")

    # -- bad input (exit 2)

    def test_bad_input(self):
        good = self.make()
        cases = {"not JSON": "{", "an array": [], "a missing key": {k: v for k, v in good.items() if k != "salt"},
                 "an extra key": dict(good, extra=1), "a number as string": dict(good, proof={"index": "1", "hashes": []}),
                 "a float": json.dumps(good)[:-1] + ',"x":1.5}', "another format": dict(good, format="x"),
                 "a bad salt": dict(good, salt="XYZ"), "a verdict key": dict(good, verdict={}),
                 "a bad vkey": dict(good, vkey="nokey")}
        for name, d in cases.items():
            with self.subTest(name):
                code, out = self.check(copy.deepcopy(d))
                self.assertEqual(code, 2, out)
                self.assertIn("error: ", out)
        code, out = run(os.path.join(self.tmp, "no-such-file.json"))
        self.assertEqual(code, 2, out)

    def test_every_value_replaced_by_another_type_is_refused(self):
        """In process (no subprocess per case): each value of the disclosure, at every
        depth, replaced by null, a string, {}, [], 5 or true is bad input or
        tampering, never accepted (only `why` is free) and never an internal error."""
        from fairdraw_verify.auditlog import BadInput
        from fairdraw_verify.disclosure import check_disclosure
        good = self.make()

        def paths(v, p=()):
            yield p
            children = v.items() if isinstance(v, dict) else enumerate(v[:2]) if isinstance(v, list) else ()
            for k, x in children:
                yield from paths(x, p + (k,))
        path = os.path.join(self.tmp, "fuzzed.json")
        for p in list(paths(good))[1:]:
            for value in (None, "x", {}, [], 5, True):
                d = copy.deepcopy(good)
                parent = d
                for k in p[:-1]:
                    parent = parent[k]
                if parent[p[-1]] == value and type(parent[p[-1]]) is type(value) or p == ("verdict", "why"):
                    continue
                parent[p[-1]] = value
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(d, f)
                with self.subTest(path=p, value=value):
                    try:
                        code = check_disclosure(path, None, lambda line: None)
                    except BadInput:
                        code = 2
                    self.assertIn(code, (1, 2))


if __name__ == "__main__":
    unittest.main()
