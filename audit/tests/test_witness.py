"""`verify.py log DIR` against LOG-FORMAT "Witnesses and cosignatures".

The Rust writer cannot write witnessed logs yet, so these tests build small
logs here: a test-only Ed25519 signer (RFC 8032 §5.1.6, on the package's
curve arithmetic) signs the log's checkpoints and the witnesses'
cosignature/v1 lines, and the package's own draw engine computes the draw
that the log records (verify.py replays it).  Run with
`python3 -m unittest discover -s audit/tests`.
"""

import base64
import json
import os
import shutil
import tempfile
import unittest

from logfixture import (AUDIT, CEREMONY_PEOPLE, DATA, DIGITS, QUICKNET, Log, b64, checkpoint_text, ed25519, key_id,
                        merkle, public_key, rfc3339, sign, utc, verify_log)
from fairdraw_verify.canonical import canonical_json  # noqa: E402


class Witness:
    def __init__(self, name, seed, url=None):
        self.name, self.seed = name, seed
        self.pub = public_key(seed)
        self.id = key_id(name, 0x04, self.pub)
        self.vkey = f"{name}+{self.id.hex()}+{b64(bytes([0x04]) + self.pub)}"
        self.url = url or f"https://{name}"

    def policy_entry(self):
        return {"name": self.name, "url": self.url, "vkey": self.vkey}

    def line(self, checkpoint_text, t, signature=None):
        """The cosignature/v1 line (LOG-FORMAT "Cosignatures") of this witness at time t."""
        message = f"cosignature/v1\ntime {t}\n".encode() + checkpoint_text.encode()
        sig = signature if signature is not None else sign(self.seed, message)
        return f"\u2014 {self.name} {b64(self.id + t.to_bytes(8, 'big') + sig)}"


W1 = Witness("witness.example/w1", bytes(range(1, 33)))
W2 = Witness("witness.example/w2", bytes(range(33, 65)))
W3 = Witness("witness.example/w3", bytes(range(65, 97)))          # named by no policy
AT = "2026-12-01T12:00:00Z"                                        # the ceremony's time: the deadline T
T = utc(AT)


class WitnessTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inputs = tempfile.mkdtemp(prefix="fairdraw-witness-inputs-")
        with open(os.path.join(DATA, "enterprises.csv"), encoding="utf-8-sig") as f:
            rows = f.read().splitlines()
        with open(os.path.join(cls.inputs, "enterprises.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows[:7]) + "\n")
        with open(os.path.join(DATA, "inspectors.csv"), encoding="utf-8-sig") as f:
            rows = f.read().splitlines()
        with open(os.path.join(cls.inputs, "inspectors.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows[:6]) + "\n")
        with open(os.path.join(cls.inputs, "plan.toml"), "w", encoding="utf-8") as f:
            f.write('name = "witness test"\n[ratios]\nA = "50%"\nB = "50%"\nC = "50%"\nD = "50%"\n')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.inputs)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-witness-")
        self.dir = os.path.join(self.tmp, "log")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def ceremony_log(self, policy=(W1, W2), quorum=2, at=AT):
        """LogCreated, WitnessPolicy (unless policy is None), a ceremony draw."""
        log = Log(self.dir)
        if policy is not None:
            log.add("WitnessPolicy", {"witnesses": [w.policy_entry() for w in policy], "quorum": quorum})
        reveal = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE}
        if at is not None:
            reveal["at"] = at
        c, result = log.draw(self.inputs, {"type": "ceremony"}, reveal)
        return log, c, result

    def test_signer_matches_rfc8032_test_1(self):
        seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        self.assertEqual(public_key(seed).hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        self.assertEqual(sign(seed, b"").hex(),
                         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

    def test_golden_vector(self):
        """LOG-FORMAT "Cosignatures" vector: witness.example/w1 with seed bytes
        1..32 cosigns fairdraw.example/vector at size 5, t = 1764547200.  The
        root is the RFC 6962 root of the five leaves b"0" … b"4"."""
        root = merkle.mth([merkle.leaf_hash(str(i).encode()) for i in range(5)])
        text = checkpoint_text("fairdraw.example/vector", 5, root)
        line = W1.line(text, 1764547200)
        self.assertEqual(W1.vkey, "witness.example/w1+" + GOLDEN_KEY_ID + "+" + GOLDEN_KEY)
        self.assertEqual(line, GOLDEN_LINE)
        raw = base64.b64decode(line.split(" ")[2])
        message = b"cosignature/v1\ntime 1764547200\n" + text.encode()
        self.assertTrue(ed25519.verify(W1.pub, message, raw[12:]))

    def test_the_shared_vector_verifies_with_the_package(self):
        """tests/vectors/witness/cosignature-v1.json (made with OpenSSL, shared
        with the Rust and JS tests): the package's own vkey parser, message and
        signature check accept it, and reject it with one bit flipped."""
        from fairdraw_verify import witness
        from fairdraw_verify.note import VerifierKey
        path = os.path.join(AUDIT, "..", "tests", "vectors", "witness", "cosignature-v1.json")
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
        key = VerifierKey(v["vkey"], 0x04)
        self.assertEqual(key.public_key.hex(), v["public_key_hex"])
        self.assertEqual(witness.cosigned_message(v["checkpoint_text"], v["time"]), v["signed_message"].encode())
        name, sig = v["cosignature_line"].rstrip("\n").split(" ")[1:]
        self.assertEqual(name, v["witness_name"])
        raw = base64.b64decode(sig)
        self.assertEqual(raw[:4].hex(), v["key_id_hex"])
        self.assertEqual(witness.cosignature_time(key, v["checkpoint_text"], raw), v["time"])
        bad = raw[:-1] + bytes([raw[-1] ^ 1])
        self.assertIsNone(witness.cosignature_time(key, v["checkpoint_text"], bad))
        self.assertEqual(W1.line(v["checkpoint_text"], v["time"]), v["cosignature_line"].rstrip("\n"))

    def test_no_policy_every_draw_is_unwitnessed(self):
        log, _, result = self.ceremony_log(policy=None, at=None)
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"note: draw {result}: unwitnessed: the operator could have re-rolled this draw", out)
        self.assertIn("no saved checkpoint or witness: a rewritten history would not be detected", out)

    def test_quorum_zero_is_unwitnessed(self):
        log, _, result = self.ceremony_log(policy=(), quorum=0, at=None)
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: unwitnessed: the operator could have re-rolled this draw", out)

    def test_witnessed_before_the_ceremony(self):
        log, c, result = self.ceremony_log()
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60), W2.line(log.text(c + 1), T - 1)])
        size = len(log.lines)
        cosigned = [W1.line(log.text(size), T + 90000), W2.line(log.text(size), T + 90001)]
        log.cosign(size, cosigned)
        log.write(checkpoint=log.note(size, cosigned))           # the served checkpoint carries them
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: commitment witnessed by 2 of 2 before {AT}\n", out)
        self.assertNotIn("unwitnessed", out)
        self.assertNotIn("reveal is not witnessed", out)
        self.assertNotIn("no saved checkpoint or witness", out)  # a quorum anchors the history
        self.assertNotIn("checkpoint is not", out)

    def test_cosignature_at_the_deadline_does_not_count(self):
        log, c, result = self.ceremony_log()
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60), W2.line(log.text(c + 1), T)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"problem: draw {result}: commitment not witnessed before the beacon (1 of 2)", out)

    def test_a_checkpoint_without_the_commitment_does_not_count(self):
        log, c, result = self.ceremony_log()
        log.cosign(c, [W1.line(log.text(c), T - 60), W2.line(log.text(c), T - 60)])   # size c: entries 0…c-1
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"draw {result}: commitment not witnessed before the beacon (0 of 2)", out)
        self.assertIn(f"note: draw {result}: the reveal is not witnessed yet (0 of 2)", out)
        self.assertNotIn("no saved checkpoint or witness", out)    # size c is cosigned by the quorum

    def test_the_quorum_is_on_one_record(self):
        log, c, result = self.ceremony_log()
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60)])
        log.cosign(c + 2, [W2.line(log.text(c + 2), T - 60)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"draw {result}: commitment not witnessed before the beacon (1 of 2)", out)
        self.assertIn("no saved checkpoint or witness", out)       # no record holds the quorum

    def test_reveal_not_witnessed_is_a_note(self):
        log, c, result = self.ceremony_log(quorum=1)
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: commitment witnessed by 1 of 2 before {AT}", out)
        self.assertIn(f"note: draw {result}: the reveal is not witnessed yet (0 of 1)", out)

    def test_a_bad_cosignature_of_a_known_witness_is_tampering(self):
        log, c, result = self.ceremony_log()
        good = W2.line(log.text(c + 1), T - 60)
        forged = W1.line(log.text(c + 1), T - 60, signature=bytes(64))
        log.cosign(c + 1, [forged, good])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"problem: cosignature of witness.example/w1 on size {c + 1} does not verify", out)
        self.assertIn(f"draw {result}: commitment not witnessed before the beacon (1 of 2)", out)

    def test_a_cosignature_of_another_checkpoint_is_tampering(self):
        log, c, _ = self.ceremony_log()
        log.cosign(c + 1, [W1.line(log.text(c + 2), T - 60), W2.line(log.text(c + 1), T - 60)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"cosignature of witness.example/w1 on size {c + 1} does not verify", out)

    def test_unknown_keys_are_ignored(self):
        log, c, result = self.ceremony_log()
        text = log.text(c + 1)
        log.cosign(c + 1, [W3.line(text, T - 60, signature=bytes(64)), W1.line(text, T - 60), W2.line(text, T - 60)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: commitment witnessed by 2 of 2 before {AT}", out)

    def test_a_cosigned_checkpoint_file_with_a_bad_cosignature(self):
        log, c, _ = self.ceremony_log()
        size = len(log.lines)
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60), W2.line(log.text(c + 1), T - 60)])
        log.write(checkpoint=log.note(size, [W1.line(log.text(size), T + 90000, signature=bytes(64))]))
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"cosignature of witness.example/w1 on size {size} does not verify", out)
        self.assertNotIn("checkpoint is not", out)

    def test_a_record_of_another_history(self):
        log, c, _ = self.ceremony_log()
        other = Log(os.path.join(self.tmp, "other"))
        other.lines = log.lines[: c] + [log.lines[c].replace(b'"simulated":false', b'"simulated":true')]
        log.cosigned.append(canonical_json({"checkpoint": other.note(c + 1, [W1.line(other.text(c + 1), T - 60)]),
                                            "size": c + 1}))
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn("cosignatures.jsonl line 1: the checkpoint of size", out)
        self.assertIn("another history was cosigned", out)

    def test_drand_deadline_is_the_round_time(self):
        log = Log(self.dir)
        log.add("WitnessPolicy", {"witnesses": [W1.policy_entry()], "quorum": 1})
        rnd = (utc("2026-12-01T12:00:00Z") - QUICKNET["genesis_time"]) // QUICKNET["period"] + 1
        round_time = QUICKNET["genesis_time"] + (rnd - 1) * QUICKNET["period"]
        beacon = {"type": "drand", "chain": "quicknet", "chain_hash": QUICKNET["chain_hash"], "round": rnd,
                  "round_time": rfc3339(round_time)}
        reveal = {"type": "drand", "chain": "quicknet", "round": rnd, "signature": "ab" * 48}
        c, result = log.draw(self.inputs, beacon, reveal)
        log.cosign(c + 1, [W1.line(log.text(c + 1), round_time - 1)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: commitment witnessed by 1 of 1 before {rfc3339(round_time)}", out)

        log.cosigned = []
        log.cosign(c + 1, [W1.line(log.text(c + 1), round_time)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"draw {result}: commitment not witnessed before the beacon (0 of 1)", out)

    def test_a_ceremony_needs_at_while_a_policy_is_in_force(self):
        log, c, _ = self.ceremony_log(at=None)
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f'entry {c + 1} (BeaconRecord): a ceremony beacon needs "at"', out)

    def test_at_after_the_reveal_is_refused(self):
        log, c, _ = self.ceremony_log(at="2026-12-02T00:00:01Z")
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn(f"entry {c + 1} (BeaconRecord): the ceremony's time 2026-12-02T00:00:01Z is after the reveal's", out)

    def test_policy_body_rules(self):
        alg1 = Witness("witness.example/w1", W1.seed)
        alg1.vkey = f"{W1.name}+{key_id(W1.name, 0x01, W1.pub).hex()}+{b64(bytes([0x01]) + W1.pub)}"
        wrong_id = dict(W1.policy_entry(), vkey=f"{W1.name}+00000000+{b64(bytes([0x04]) + W1.pub)}")
        cases = [
            ("duplicate names", [W1.policy_entry(), W1.policy_entry()], 1, "appears twice"),
            ("algorithm 0x01", [alg1.policy_entry()], 1, "not an Ed25519 key (0x04"),
            ("key id", [wrong_id], 1, "key id 00000000 is not SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)"),
            ("name", [dict(W1.policy_entry(), name="witness.example/other")], 1, "is the key of 'witness.example/w1'"),
            ("url scheme", [dict(W1.policy_entry(), url="ftp://w1")], 1, "must start with http:// or https://"),
            ("url space", [dict(W1.policy_entry(), url="https://w 1")], 1, "hold no whitespace"),
            ("url length", [dict(W1.policy_entry(), url="https://" + "a" * 1993)], 1, "at most 2000 bytes"),
            ("extra key", [dict(W1.policy_entry(), note="x")], 1, '"name","url","vkey"'),
            ("quorum 0 with witnesses", [W1.policy_entry()], 0, "quorum 0 must be from 1 to"),
            ("quorum above", [W1.policy_entry()], 2, "quorum 2 must be from 1 to the number of witnesses (1)"),
            ("17 witnesses", [Witness(f"w{i}.example", bytes([i]) * 32).policy_entry() for i in range(17)], 1,
             "17 witnesses; at most 16"),
        ]
        ok_url = [dict(W1.policy_entry(), url="http://" + "a" * 1993)]      # exactly 2000 bytes
        for name, witnesses, quorum, message in cases + [("fine", ok_url, 1, None)]:
            with self.subTest(name):
                shutil.rmtree(self.dir, ignore_errors=True)
                log = Log(self.dir)
                log.add("WitnessPolicy", {"witnesses": witnesses, "quorum": quorum})
                log.write()
                code, out = verify_log(self.dir)
                if message is None:
                    self.assertEqual(code, 0, out)
                else:
                    self.assertEqual(code, 1, out)
                    self.assertIn("entry 1 (WitnessPolicy): ", out)
                    self.assertIn(message, out)

    def test_policy_body_is_strict(self):
        log = Log(self.dir)
        log.add("WitnessPolicy", {"witnesses": [], "quorum": 0, "since": 1})
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn("entry 1 (WitnessPolicy): body fields: unknown since", out)

    def test_the_policy_in_force_is_the_one_before_the_commitment(self):
        log = Log(self.dir)
        log.add("WitnessPolicy", {"witnesses": [W1.policy_entry(), W2.policy_entry()], "quorum": 2})
        log.add("WitnessPolicy", {"witnesses": [W1.policy_entry()], "quorum": 1})
        reveal = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE, "at": AT}
        c, result = log.draw(self.inputs, {"type": "ceremony"}, reveal)
        log.add("WitnessPolicy", {"witnesses": [], "quorum": 0})         # after the commitment: not its policy
        log.cosign(c + 1, [W1.line(log.text(c + 1), T - 60)])
        log.write()
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn(f"draw {result}: commitment witnessed by 1 of 1 before {AT}", out)
        self.assertIn("no saved checkpoint or witness", out)             # the current policy has no witnesses


# The golden vector (LOG-FORMAT "Cosignatures"; see test_golden_vector).
GOLDEN_KEY_ID = "468d99bb"
GOLDEN_KEY = "BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"
GOLDEN_LINE = ("\u2014 witness.example/w1 Ro2ZuwAAAABpLNqAys2oZrm+bKl6DbhugFVCpZB7A0di7gbqyl2m1jmO/nex2Z7EphA+ftB9V7LoKU2Xaw74e6TI/tc1OniwePvCCQ==")


if __name__ == "__main__":
    unittest.main()
