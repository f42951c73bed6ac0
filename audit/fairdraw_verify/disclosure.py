"""`verify.py disclosure FILE [--vkey KEY_OR_FILE]`: one firm's proof of its
own (non-)selection, LOG-FORMAT "Disclosures (one firm's proof)".

Exit codes: 0 verified, 1 tampered (any of checks 2-6, or a `--vkey` that is
not the file's key), 2 bad input (unreadable, not JSON, wrong shape or types:
check 1, or a malformed `--vkey`).

Output, stable for cross-checks:

    note: key not pinned: trusted the vkey in the file        (without --vkey)
    commitment receipt: <lines of `verify.py receipt`>
    result receipt: <lines of `verify.py receipt`>
    problem: check <N> (<what>): <what differs>                (each failure)
    why (not checked): <verdict.why>
    VERIFIED: <uscc> class <C>, <state>, ticket <t>, cutoff <c>: selected|not selected (<protected|full> log, draw <result id>)
    NOT VERIFIED: <k> problem(s)
    error: <what is wrong with the file>                       (stderr, exit 2)
"""

import argparse
import hashlib
import re
import sys

from . import merkle
from .auditlog import BadInput, prove_receipt, read_key
from .blinding import blind, enterprise_state, leaf_length
from .canonical import canonical_json
from .document import DocumentError, load_strict_json
from .note import NoteError, VerifierKey
from .report import output
from .selection import ticket

FORMAT = "fairdraw-disclosure/1"
KEYS = {"format", "vkey", "commitment", "result", "leaf", "salt", "proof", "verdict"}
VERDICT = {"uscc": str, "class": str, "state": str, "ticket": str, "cutoff": (str, type(None)),
           "selected": bool, "why": str}
HEX64 = re.compile("[0-9a-f]{64}")


def shape_problems(d):
    """Check 1: exactly these keys and types (bad input when not)."""
    if not isinstance(d, dict) or set(d) != KEYS:
        return [f"the disclosure must be an object with exactly the keys {', '.join(sorted(KEYS))}"]
    out = []
    if d["format"] != FORMAT:
        out.append(f"format is {d['format']!r}, not {FORMAT!r}")
    for k in ("vkey", "commitment", "result"):
        if not isinstance(d[k], str):
            out.append(f"{k} must be a string")
    if not isinstance(d["leaf"], list) or not all(isinstance(x, str) for x in d["leaf"]):
        out.append("leaf must be an array of strings")
    if not isinstance(d["salt"], str) or not (d["salt"] == "" or HEX64.fullmatch(d["salt"])):
        out.append('salt must be 64 lower-case hex digits, or "" (full log)')
    p = d["proof"]
    if not isinstance(p, dict) or set(p) != {"index", "hashes"} or not isinstance(p["index"], int) \
            or isinstance(p["index"], bool) or not isinstance(p["hashes"], list) \
            or not all(isinstance(h, str) and HEX64.fullmatch(h) for h in p["hashes"]):
        out.append('proof must be {"index": integer, "hashes": [64 hex digits, …]}')
    v = d["verdict"]
    if not isinstance(v, dict) or set(v) != set(VERDICT) or not all(
            isinstance(v[k], t) and not (t is str and isinstance(v[k], bool)) for k, t in VERDICT.items()):
        out.append('verdict must be {"uscc","class","state","ticket" (strings), "cutoff" (string or null), '
                   '"selected" (boolean), "why" (string)}')
    return out


class Disclosure:
    def __init__(self, d, key, out):
        self.d, self.key, self.out = d, key, out
        self.problems = 0

    def problem(self, msg):
        self.problems += 1
        self.out(f"problem: {msg}")

    def receipt(self, name):
        """Check 2 for one receipt: (the proven entry, its id), or (None, None) (reported)."""
        try:
            said, entry, leaf = prove_receipt(self.d[name], self.key, f"the {name} receipt")
        except BadInput as e:
            self.problem(f"check 2 (receipts): {e}")
            return None, None
        for line in said:
            self.out(f"{name} receipt: {line}")
        if entry is None:
            self.problem(f"check 2 (receipts): the {name} receipt does not verify with {self.key}")
            return None, None
        return entry, leaf.hex()

    def run(self):
        d, v = self.d, self.d["verdict"]
        (c, commitment_id), (r, result_id) = self.receipt("commitment"), self.receipt("result")
        if c is None or r is None:
            return self.verdict()
        cb, rb = c.get("body"), r.get("body")
        if c.get("kind") != "DrawCommitment" or not isinstance(cb, dict) or not isinstance(cb.get("plan"), dict):
            self.problem(f"check 2 (receipts): the commitment receipt proves a {c.get('kind')}, not a DrawCommitment")
            return self.verdict()
        kind = r.get("kind")
        rb = rb if isinstance(rb, dict) else {}
        doc = rb.get("draw")
        if not (kind == "DrawPublication" or kind == "DrawResult" and rb.get("outcome") == "drawn") \
                or not isinstance(doc, dict):
            self.problem(f"check 2 (receipts): the result receipt proves a {kind}, not a drawn DrawResult with its "
                         "draw or a DrawPublication")
            return self.verdict()
        if rb.get("commitment") != commitment_id:
            self.problem(f"check 2 (receipts): the {kind} names commitment {rb.get('commitment')}, the commitment "
                         f"receipt proves {commitment_id}")
            return self.verdict()
        self.draw_id = rb.get("result") if kind == "DrawPublication" else result_id
        try:
            self.firm(cb, doc)
        except (KeyError, TypeError, ValueError, AttributeError) as x:
            self.problem(f"check 3 (the firm's row): the committed plan or the document is malformed "
                         f"({type(x).__name__}: {x})")
        self.out(f"why (not checked): {v['why']}")
        return self.verdict()

    def firm(self, cb, doc):
        """Checks 3-6 with the commitment body `cb` and the drawn document `doc`."""
        d, v, leaf, plan = self.d, self.d["verdict"], self.d["leaf"], cb["plan"]
        if len(leaf) != leaf_length(plan):                                      # check 3
            self.problem(f"check 3 (the firm's row): the leaf has {len(leaf)} columns, the plan's leaf "
                         f"{leaf_length(plan)}")
            return
        state = enterprise_state(leaf, plan)
        for what, got, want in (("uscc", leaf[0], v["uscc"]), ("class", leaf[2], v["class"]), ("state", state, v["state"])):
            if got != want:
                self.problem(f"check 3 (the firm's row): verdict.{what} is {want!r}, the leaf gives {got!r}")
        leaf_bytes = canonical_json(leaf).encode("utf-8")                      # check 4
        if "blinded" in cb:
            self.mode = "protected"
            tree = cb["blinded"]["enterprises"]
            if d["salt"] == "":
                self.problem("check 4 (inclusion): a protected commitment needs the row's salt")
                return
            proven = canonical_json([leaf[2], state, blind(bytes.fromhex(d["salt"]), leaf_bytes)]).encode("utf-8")
            what = "the blinded leaf"
        else:
            self.mode = "full"
            tree = cb["snapshots"]["enterprises"]
            if d["salt"] != "":
                self.problem('check 4 (inclusion): a full log\'s disclosure has salt ""')
            proven, what = leaf_bytes, "the leaf"
        proof = [bytes.fromhex(h) for h in d["proof"]["hashes"]]
        if not merkle.verify_inclusion(d["proof"]["index"], tree["count"], merkle.leaf_hash(proven), proof,
                                       bytes.fromhex(tree["root"])):
            self.problem(f"check 4 (inclusion): {what} {proven.decode()} is not included at index "
                         f"{d['proof']['index']} of the committed enterprise tree {tree['root']} ({tree['count']} leaves)")
        seed = doc["seed"]                                                      # check 5
        t = ticket(hashlib.sha256(seed.encode("utf-8")).hexdigest(), leaf[0])
        # LOG-FORMAT "Disclosures": a firm the plan's feedback flags was drawn in
        # the feedback stratum (SPEC §6.4), not in its class's.
        feedback = plan.get("feedback")
        flagged = isinstance(feedback, dict) and isinstance(feedback.get("flagged"), list) \
            and leaf[0] in feedback["flagged"]
        group = "feedback" if flagged else leaf[2]
        stratum = next((s for s in doc["strata"] if s["class"] == group), None)
        if stratum is None:
            self.problem(f"check 5 (ticket and cutoff): the document has no stratum of class {group!r}")
            return
        if v["ticket"] != t:
            self.problem(f"check 5 (ticket and cutoff): verdict.ticket {v['ticket']} is not the ticket of "
                         f"{leaf[0]} under the document's seed ({t})")
        if v["cutoff"] != stratum["cutoff"]:
            self.problem(f"check 5 (ticket and cutoff): verdict.cutoff {v['cutoff']!r} is not strata[{group}].cutoff "
                         f"{stratum['cutoff']!r}")
        cutoff = stratum["cutoff"]                                              # check 6
        selected = state == "eligible" and cutoff is not None and t <= cutoff
        listed = leaf[0] in stratum["selected"]
        if selected != listed:
            self.problem(f"check 6 (selection): by ticket and cutoff {leaf[0]} is {'' if selected else 'not '}selected, "
                         f"but it is {'' if listed else 'not '}in strata[{group}].selected")
        if v["selected"] != selected:
            self.problem(f"check 6 (selection): verdict.selected is {str(v['selected']).lower()}, the firm is "
                         f"{'' if selected else 'not '}selected")

    def verdict(self):
        v = self.d["verdict"]
        if self.problems:
            self.out(f"NOT VERIFIED: {self.problems} problem(s)")
            return 1
        self.out(f"VERIFIED: {v['uscc']} class {v['class']}, {v['state']}, ticket {v['ticket']}, cutoff {v['cutoff']}: "
                 f"{'selected' if v['selected'] else 'not selected'} ({self.mode} log, draw {self.draw_id})")
        return 0


def check_disclosure(path, vkey_arg, out):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror or e}")
    try:
        d = load_strict_json(data)
    except DocumentError as e:
        raise BadInput(f"{path}: {e}")
    problems = shape_problems(d)                                                # check 1
    if problems:
        raise BadInput(f"{path}: " + "; ".join(problems))
    try:
        key = VerifierKey(d["vkey"])
    except NoteError as e:
        raise BadInput(f"{path}: vkey: {e}")
    if vkey_arg is None:
        out("note: key not pinned: trusted the vkey in the file")
    else:
        pinned = read_key(vkey_arg)
        if pinned.text != d["vkey"]:
            out(f"problem: check 1 (key): the disclosure's vkey {d['vkey']!r} is not the key you pinned ({pinned.text!r})")
            out("NOT VERIFIED: 1 problem(s)")
            return 1
    return Disclosure(d, key, out).run()


def main(argv):
    ap = argparse.ArgumentParser(prog="verify.py disclosure",
                                 description="Check one firm's disclosure offline (audit/LOG-FORMAT.md, Disclosures).")
    ap.add_argument("file", help="the disclosure (JSON)")
    ap.add_argument("--vkey", help="the log's verifier key, or a file holding it (log.pub)")
    args = ap.parse_args(argv)
    try:
        return check_disclosure(args.file, args.vkey, lambda line: output(line, 0))
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
