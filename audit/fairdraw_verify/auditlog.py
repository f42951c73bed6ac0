"""`verify.py log DIR` and `verify.py receipt FILE`: the audit log, checked
from audit/LOG-FORMAT.md (normative), RFC 6962 / RFC 9162 and the C2SP
signed-note, tlog-checkpoint and tlog-proof specifications.

    python3 audit/verify.py log DIR|URL [--checkpoint OLD_CHECKPOINT_FILE] [--vkey KEY_OR_FILE] [--now RFC3339]
        every check of LOG-FORMAT "What `audit verify` checks" and of its
        section "Witnesses and cosignatures" (witness.py), then replays every
        DrawResult with this package's draw engine (SPEC.md) from the log
        alone.  Prints one line per problem, per draw whether its commitment
        was witnessed before the beacon, `OK <id>` / `DIFF <id> …` per draw,
        then VERIFIED or TAMPERED.  Exit 0 clean, 1 tampering or a DIFF,
        2 bad input.  Protected logs, sealed draws and DrawPublications:
        published.py (its docstring lists the lines it adds).  The static
        files (tile/, entry/): static.py.  A URL is a static mirror, fetched
        first (fetch.py); the report then starts with `log: URL (static mirror)`.

    python3 audit/verify.py receipt FILE --vkey KEY_OR_FILE
        checks a receipt (C2SP tlog-proof) offline.  Exit 0 VERIFIED,
        1 NOT VERIFIED, 2 bad input.

Not checked here: the BLS signature of a drand round (verify.py would need
pairing arithmetic on BLS12-381).  For drand beacons verify.py checks
randomness = SHA-256(signature), the round's chain and time; the Rust
`fairdraw audit verify` checks the BLS signature itself.
"""

import argparse
import datetime
import gzip
import hashlib
import os
import re
import sys
import tempfile
import time
import zlib

from . import aftercare, annual, commitments, feedback, fetch, ledger, merkle, replacement, wakes, witness
from .methods import stored_method
from .embargo import china_date
from .published import PublicationChecks
from .replacement import ReplacementChecks
from .static import StaticChecks
from .canonical import canonical_json, parse_canonical
from .snapshots import CONFLICT_LEAF, INSPECTOR_LEAF, LEAF_FIELDS
from .report import output
from .tables import TRIM
from .note import Checkpoint, NoteError, VerifierKey, b64decode, open_checkpoint, split_note


class BadInput(Exception):
    """Exit code 2: not a log, an unreadable or malformed argument."""


HEX64 = re.compile("[0-9a-f]{64}")
TIME = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")

# drand quicknet (LOG-FORMAT "Commitment beacons"; data/drand/quicknet.json):
# chain hash, genesis time and period are public constants of the chain.
QUICKNET = {"chain_hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            "genesis_time": 1692803367, "period": 3}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_hex64(v):
    return isinstance(v, str) and HEX64.fullmatch(v) is not None


def entry_id(leaf):
    """LOG-FORMAT: id = hex(SHA-256(0x00 ‖ leaf)), the RFC 6962 leaf hash."""
    return merkle.leaf_hash(leaf).hex()


def split_lines(data):
    """LF-terminated lines of a JSONL file, and the bytes after the last LF (a torn write)."""
    parts = data.split(b"\n")
    return parts[:-1], parts[-1]


def read_key(arg):
    """--vkey: a verifier key, or a file whose first line is one."""
    text = arg
    if os.path.isfile(arg):
        try:
            with open(arg, "rb") as f:
                text = f.read().decode("utf-8").split("\n")[0].strip()
        except (OSError, UnicodeDecodeError) as e:
            raise BadInput(f"--vkey {arg}: cannot read: {e}")
    try:
        return VerifierKey(text.strip())
    except NoteError as e:
        raise BadInput(f"--vkey: {e}")


def read_text(path, what):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")
    except OSError as e:
        raise BadInput(f"{what} {path}: cannot read: {e.strerror or e}")
    except UnicodeDecodeError:
        raise BadInput(f"{what} {path}: not UTF-8 text")


# Entry kinds and their body fields (LOG-FORMAT "Kinds and their body fields").
# The fields that depend on the outcome or the publication mode (LogCreated's
# optional `publication`, DrawCommitment's `blinded`, DrawResult's `draw`,
# `failure`, `openings`, `sealed`, DrawPublication's `openings`) are added by
# LogVerifier.body_fields.
BODY = {
    "LogCreated": {"origin": str, "vkey": str},
    "RegistrySnapshot": {"registry": str, "root": "hex", "count": int, "columns": list, "blob": str},
    "DrawCommitment": {"algorithm": str, "plan": dict, "plan_digest": "hex", "snapshots": dict,
                       "beacon": dict, "year": int, "log_exclusions": list, "log_history": list},
    "BeaconRecord": {"commitment": "hex", "beacon": dict, "randomness": "hex", "seed": "hex"},
    "DrawResult": {"commitment": "hex", "beacon": "hex", "outcome": str},
    "DrawPublication": {"result": "hex", "commitment": "hex", "draw": dict},
    "InspectionResult": {"draw": "hex", "uscc": str, "result": dict},
    "Amendment": {"amends": "hex", "reason": str, "result": dict},
    "WitnessPolicy": {"witnesses": list, "quorum": int},
    "Note": {"text": str},
    "WakeUp": {"uscc": str, "reason": str},          # LOG-FORMAT "Wake-ups"; optional note, by
    "ExternalChecks": {"checks": list, "source": str},
    **aftercare.BODY,
    "AnnualPlan": {"annual": dict, "digest": "hex"},      # optional `by`: body_fields
    "Replacement": replacement.BODY,                     # LOG-FORMAT "Replacing an inspector"; optional `by`
}
# Kinds whose body may name the account that wrote it (optional `by`).
BY_KINDS = {"DrawCommitment", "BeaconRecord", "DrawPublication", "InspectionResult", "Amendment"}
ENTRY_KEYS = {"body", "index", "kind", "simulated", "time", "v"}
RECORD_KEYS = {"batch_end", "checkpoint", "size"}


def type_ok(v, t):
    if t == "hex":
        return is_hex64(v)
    if t is int:
        return is_int(v)
    return isinstance(v, t)


def parse_time(s):
    if not isinstance(s, str) or not TIME.fullmatch(s):
        return None
    try:
        return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Entry:
    def __init__(self, index, leaf):
        self.index, self.leaf, self.id = index, leaf, entry_id(leaf)
        self.kind = self.body = self.time = None
        self.simulated = False
        self.ok = False                      # well-formed (LOG-FORMAT check 4)


# ---------------------------------------------------------------------------
# `verify.py log DIR`
# ---------------------------------------------------------------------------

class LogVerifier(PublicationChecks, StaticChecks, ReplacementChecks):
    def __init__(self, directory, vkey=None, old_checkpoint=None, out=print, now=None, mirror=None):
        """`mirror`: a static mirror fetched into `directory` (fetch.Mirror): its
        entries replace entries.jsonl."""
        self.dir, self.out, self.mirror = directory, out, mirror
        self.now = now                       # the verifier's clock, Unix seconds (check 9)
        self.vkey_arg, self.old_arg = vkey, old_checkpoint
        self.problems = 0
        self.diffs = 0
        self.snapshots = {}                  # (registry, root) -> leaves (list of bytes) or None
        self.by_id = {}                      # entry id -> Entry (of the log)
        self.beacon_of = {}                  # commitment id -> BeaconRecord entry
        self.policies = []                   # witness.Policy of each WitnessPolicy entry, in log order
        self.checkpoint_cosigned = None      # witness.Cosigned: cosignature lines of the `checkpoint` file
        self.protected = False               # LogCreated.publication == "protected"
        self.init_publication()              # published.PublicationChecks
        self.init_replacements()             # replacement.ReplacementChecks
        self.aftercare = aftercare.References(self)  # follow-ups and objections

    # -- output
    def problem(self, msg):
        self.problems += 1
        self.out(f"problem: {msg}")

    def note(self, msg):
        self.out(f"note: {msg}")

    # -- files
    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name, missing=None):
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return missing
        except OSError as e:
            raise BadInput(f"{self.path(name)}: cannot read: {e.strerror or e}")

    def run(self):
        if not os.path.isdir(self.dir):
            raise BadInput(f"{self.dir}: not a directory")
        self.list_static()                                  # first: see static.py
        pub = self.read("log.pub")
        if pub is None:
            raise BadInput(f"{self.dir} has no log.pub: not a fairdraw log")
        pinned = read_key(self.vkey_arg) if self.vkey_arg is not None else None
        old_note = read_text(self.old_arg, "--checkpoint") if self.old_arg is not None else None
        if old_note is not None:                          # syntax only here: the signature is check 6
            cut = old_note.rfind("\n\n")
            try:
                if cut < 0:
                    raise NoteError("no blank line before a signature")
                Checkpoint(old_note[: cut + 1])
            except NoteError as e:
                raise BadInput(f"--checkpoint {self.old_arg}: not a signed checkpoint: {e}")

        self.key = self.check_key(pub, pinned)                          # check 1
        if self.mirror is None:
            lines, torn = split_lines(self.read("entries.jsonl", b""))
        else:                                       # a static mirror: its entry/<N> files (fetch.py)
            lines, torn = self.mirror.leaves, b""
        records_raw = self.read("checkpoints.jsonl", b"")
        self.entries = [Entry(i, line) for i, line in enumerate(lines)]
        self.hashes = [bytes.fromhex(e.id) for e in self.entries]
        self.roots = merkle.prefix_roots(self.hashes)
        size, newest = self.check_checkpoints(records_raw, len(lines), torn)   # checks 2, 3
        self.size = size
        log = self.entries[:size]
        for e in log:                                                   # check 4
            self.check_entry(e)
        self.check_references(log)                                      # check 5
        self.check_receipts(log)                                        # check 8
        self.check_static()                                             # "Static publication"
        for line in commitments.suspects([e for e in log if e.ok], self.now):   # check 9
            self.problem(line)
        anchored = self.check_witnesses(log)                            # "Witnesses and cosignatures"
        if old_note is not None:                                        # check 6
            self.check_old(old_note, newest)
        if pinned is None:                                              # check 11
            self.note("key not pinned: trusted log.pub as found")
        if old_note is None and not anchored:
            self.note("no saved checkpoint or witness: a rewritten history would not be detected")
        simulated = sum(1 for e in log if e.simulated)                  # check 7
        if simulated:
            self.note(f"{simulated} of {len(log)} entries were written under a simulated clock (--now): "
                      "their times are not real")
        drand = any(e.ok and e.kind == "BeaconRecord" and e.body["beacon"].get("type") == "drand" for e in log)
        if drand:
            self.note("drand rounds: randomness = SHA-256(signature), chain and round time checked; the BLS "
                      "signature itself is NOT checked by verify.py (the Rust `fairdraw audit verify` checks it)")
        draws = [e for e in log if e.ok and e.kind == "DrawResult"]
        counted = self.check_draws(draws)                               # `audit replay`, or the public checks
        # LOG-FORMAT "Joint visits", with the teams of each draw ("Replacing an inspector")
        self.visits = annual.visits([e for e in log if e.ok], self.replaced_teams())
        self.out(annual.rate_line(self.visits))
        if self.problems or self.diffs:
            self.out(f"TAMPERED: {self.problems} problem(s), {self.diffs} of {len(draws)} draw(s) differ")
            return 1
        self.out(f"VERIFIED: {len(log)} entries, {size} checkpoints (signatures, roots), snapshots, beacons "
                 f"and seeds checked; {counted['replayed']} draw(s) replayed"
                 + (f"; {counted['public']} draw(s) checked without replay (protected log)" if counted["public"] else "")
                 + (f"; {counted['sealed']} draw(s) sealed" if counted["sealed"] else "")
                 + ("; drand BLS signatures not checked by verify.py" if drand else ""))
        return 0

    # -- check 1: the key
    def check_key(self, pub, pinned):
        try:
            text = pub.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        line = text.strip() if text is not None else None     # "one line" (surrounding whitespace ignored)
        self.pub_line = line
        key = None
        if line is None or "\n" in line:
            self.problem("log.pub is not one line of text")
        else:
            try:
                key = VerifierKey(line)
            except NoteError as e:
                self.problem(f"log.pub: {e}")
        if pinned is not None:
            if line != pinned.text:
                self.problem(f"log.pub ({line!r}) is not the verifier key you pinned ({pinned.text!r}): "
                             "the log's key was replaced")
            return pinned
        return key                                    # check 11 notes that it was trusted as found

    # -- checks 2 and 3: checkpoint records and `checkpoint`
    def check_checkpoints(self, raw, n_entries, torn):
        lines, rec_torn = split_lines(raw)
        records = []
        for line in lines:
            v, err = parse_canonical(line)
            if err is None:
                if not isinstance(v, dict) or set(v) != RECORD_KEYS:
                    err = "keys must be exactly batch_end, checkpoint, size"
                elif not isinstance(v["batch_end"], bool) or not isinstance(v["checkpoint"], str) or not is_int(v["size"]):
                    err = "batch_end must be a boolean, checkpoint a string, size an integer"
            records.append((v, err))
        # LOG-FORMAT "Writing, crashes, repair": the log is what the last record
        # with batch_end: true covers; anything after it is not part of the log.
        last = max((i for i, (v, err) in enumerate(records) if err is None and v["batch_end"]), default=-1)
        tail = len(records) - 1 - last
        if tail or rec_torn:
            self.note(f"checkpoints.jsonl ends with {tail} record(s) of an unfinished batch"
                      + (f" and {len(rec_torn)} torn bytes" if rec_torn else "") + ": not part of the log")
        size = records[last][0]["size"] if last >= 0 else 0
        self.batch_ends = [i + 1 for i in range(last + 1) if records[i][1] is None and records[i][0]["batch_end"]]
        if last < 0:
            self.problem("checkpoints.jsonl has no committed checkpoint record (batch_end: true): "
                         "the log is empty, yet a fairdraw log always starts with LogCreated")
        for i in range(last + 1, len(records)):           # a crash tears a line, it writes no bad ones
            if records[i][1] is not None:
                self.problem(f"checkpoints.jsonl line {i + 1}: {records[i][1]}")
            elif records[i][0]["size"] != i + 1 or (records[i][0]["size"] > n_entries and self.mirror is None):
                # (a mirror's entries are fetched up to the last batch end only)
                self.problem(f"checkpoints.jsonl line {i + 1}: an unfinished record for size {records[i][0]['size']}, "
                             f"but an interrupted write leaves record {i + 1} for size {i + 1}, of an entry already written")
        bad_sig, first_diff, later_diff = [], None, 0
        newest = None
        for i in range(last + 1):
            v, err = records[i]
            if err is not None:
                self.problem(f"checkpoints.jsonl line {i + 1}: {err}")
                continue
            if v["size"] != i + 1:
                self.problem(f"checkpoints.jsonl line {i + 1}: size {v['size']}, but record {i + 1} must have "
                             f"size {i + 1} (one record per tree size, in order)")
                continue
            if self.key is None:
                bad_sig.append((v["size"], "no usable verifier key"))
                continue
            try:
                cp = open_checkpoint(v["checkpoint"], self.key)
            except NoteError as e:
                bad_sig.append((v["size"], str(e)))
                continue
            if cp.size != v["size"]:
                self.problem(f"the checkpoint of record {i + 1} is signed for size {cp.size}, the record says {v['size']}")
                continue
            if i == last:
                newest = cp
            if cp.size <= n_entries and cp.root != self.roots[cp.size - 1]:
                if first_diff is None:
                    first_diff = cp.size
                else:
                    later_diff += 1
        for s, why in bad_sig[:5]:
            self.problem(f"the checkpoint for size {s} does not verify: {why}")
        if len(bad_sig) > 5:
            self.problem(f"… and {len(bad_sig) - 5} more checkpoints do not verify (sizes {bad_sig[5][0]}…{bad_sig[-1][0]})")
        if n_entries < size and self.mirror is None:          # a mirror names its missing entry files
            self.problem(f"the signed checkpoints cover {size} entries but entries.jsonl holds {n_entries}: "
                         "entries were deleted")
        if first_diff is not None:
            e = self.entries[first_diff - 1]
            self.problem(f"entry {first_diff - 1} (now id {e.id}) does not match the signed checkpoint of size "
                         f"{first_diff}: it was changed, inserted, moved or removed after it was logged"
                         + (f" ({later_diff} later checkpoints do not match either)" if later_diff else ""))
        extra = n_entries - size
        if extra > 0 or torn:
            self.note(f"entries.jsonl has {max(extra, 0)} entr(y/ies) and {len(torn)} torn bytes past the last "
                      "committed checkpoint: an unfinished write, never acknowledged, not part of the log")
        # check 3: `checkpoint` is a copy of the newest record's note
        current = self.read("checkpoint")
        if last >= 0:
            notes = [v["checkpoint"] if err is None else None for v, err in records[: last + 1]]
            ends = [i for i in range(last) if records[i][1] is None and records[i][0]["batch_end"]]
            text = self.without_cosignatures(current.decode("utf-8", "replace")) if current is not None else None
            if current is None:
                self.note("checkpoint is missing (an interrupted write; the next write recreates it)")
            elif text == notes[last]:
                pass
            elif ends and text == notes[ends[-1]]:
                self.note(f"checkpoint is the previous batch's checkpoint (size {ends[-1] + 1}): a write was "
                          "interrupted after its commit point; the next write refreshes it")
            elif text in notes:
                self.problem(f"checkpoint is the old checkpoint of size {notes.index(text) + 1}, not the newest "
                             f"(size {size}); an interrupted write leaves it at most one batch behind")
            else:
                self.problem("checkpoint is not any of the signed checkpoints of checkpoints.jsonl")
        elif current is not None:
            self.problem("checkpoint exists but checkpoints.jsonl has no committed record")
        return size, newest

    # -- check 4: every entry
    def check_entry(self, e):
        v, err = parse_canonical(e.leaf)
        where = f"entry {e.index}"
        if err is not None:
            self.problem(f"{where}: {err}")
            if not isinstance(v, dict):
                return
        if not isinstance(v, dict) or set(v) != ENTRY_KEYS:
            self.problem(f"{where}: keys must be exactly {', '.join(sorted(ENTRY_KEYS))}")
            return
        ok = err is None
        if v["v"] != 1 or not is_int(v["v"]):
            self.problem(f"{where}: v is {v['v']!r}, only version 1 is known"); ok = False
        if v["index"] != e.index or not is_int(v["index"]):
            self.problem(f"{where}: says it is entry {v['index']!r} but stands at position {e.index} "
                         "(deleted, duplicated or reordered entries)"); ok = False
        if not isinstance(v["simulated"], bool):
            self.problem(f"{where}: simulated must be true or false"); ok = False
        e.simulated = v["simulated"] is True
        e.time = parse_time(v["time"])
        if e.time is None:
            self.problem(f"{where}: time {v['time']!r} is not RFC 3339 UTC with seconds (YYYY-MM-DDTHH:MM:SSZ)"); ok = False
        kind, body = v["kind"], v["body"]
        if not isinstance(kind, str) or kind not in BODY:
            self.problem(f"{where}: unknown kind {kind!r}")
            return
        if not isinstance(body, dict):
            self.problem(f"{where} ({kind}): body must be an object")
            return
        fields = self.body_fields(kind, body)
        if kind == "DrawResult" and body.get("outcome") not in ("drawn", "infeasible"):
            self.problem(f"{where} (DrawResult): outcome must be \"drawn\" or \"infeasible\""); ok = False
        optional = {"LogCreated": {"publication"}, "WakeUp": set(wakes.OPTIONAL), "AnnualPlan": {"by"},
                    "DrawCommitment": {"log_wakes", "log_feedback"}, "ExternalChecks": {"by"},
                    "Replacement": set(replacement.OPTIONAL)}.get(kind, aftercare.OPTIONAL.get(kind, set()))
        missing = [f for f in fields if f not in body and f not in optional]
        unknown = [f for f in body if f not in fields]
        wrong = [f for f in fields if f in body and not type_ok(body[f], fields[f])]
        if missing or unknown or wrong:
            self.problem(f"{where} ({kind}): body fields: "
                         + "; ".join(x for x in (missing and f"missing {', '.join(missing)}",
                                                  unknown and f"unknown {', '.join(unknown)}",
                                                  wrong and f"wrong type or format: {', '.join(wrong)}") if x))
            ok = False
        elif kind == "WakeUp" and wakes.body_problem(body):
            self.problem(f"{where} (WakeUp): {wakes.body_problem(body)}"); ok = False
        elif kind == "ExternalChecks" and ledger.external_checks_problem(body):   # LOG-FORMAT "The burden ledger and caps"
            self.problem(f"{where} (ExternalChecks): {ledger.external_checks_problem(body)}")
            ok = False
        elif kind == "Replacement" and replacement.body_problem(body):
            self.problem(f"{where} (Replacement): {replacement.body_problem(body)}"); ok = False
        if ok and kind in aftercare.BODY:
            for p in aftercare.body_problems(kind, body):
                self.problem(f"{where} ({kind}): {p}")
                ok = False
        e.kind, e.body, e.ok = kind, body, ok
        if e.index == 0 and kind == "LogCreated":        # the mode every later body depends on
            self.protected = body.get("publication") == "protected"

    def body_fields(self, kind, body):
        """The body fields of an entry: BODY, and those of its outcome and the log's
        publication mode (LOG-FORMAT "Publication")."""
        fields = dict(BODY[kind])
        if kind == "LogCreated":
            fields["publication"] = str
        elif kind == "WakeUp":
            fields.update(dict.fromkeys(wakes.OPTIONAL, str))
        elif kind in ("ExternalChecks", "AnnualPlan", "Replacement"):
            fields["by"] = str
        if kind == "DrawCommitment":
            fields["log_wakes"] = list                 # LOG-FORMAT "Wake-ups": optional
            fields["log_feedback"] = list              # "Feedback from results": with the plan's feedback
        if kind == "DrawCommitment" and self.protected:
            fields["blinded"] = dict
        elif kind == "DrawResult" and body.get("outcome") == "infeasible":
            fields["failure"] = str
        elif kind == "DrawResult" and body.get("outcome") == "drawn":
            if "sealed" in body and "draw" not in body:
                fields["sealed"] = dict
            else:
                fields["draw"] = dict
                if self.protected:
                    fields["openings"] = list
        elif kind == "DrawPublication" and self.protected:
            fields["openings"] = list
        if kind in BY_KINDS and "by" in body:           # LOG-FORMAT "Accounts and roles"
            fields["by"] = str
        return fields

    # -- check 5: references
    def earlier(self, e, ref, kinds, what):
        """The entry `ref` points at: an earlier entry of one of `kinds`, else None (reported)."""
        target = self.by_id.get(ref)
        if target is None:
            self.problem(f"entry {e.index} ({e.kind}): {what} {ref} is not an earlier entry of the log")
            return None
        if target.kind not in kinds:
            self.problem(f"entry {e.index} ({e.kind}): {what} {ref} is entry {target.index}, a {target.kind}, "
                         f"not a {' or '.join(kinds)}")
            return None
        if not target.ok:
            self.problem(f"entry {e.index} ({e.kind}): {what} points at the malformed entry {target.index}")
            return None
        return target

    def check_references(self, log):
        if log and not (log[0].ok and log[0].kind == "LogCreated"):
            self.problem("entry 0 is not a well-formed LogCreated entry")
        for e in log:
            if e.kind == "WitnessPolicy" and not e.ok:       # malformed, yet in force: it witnesses nothing
                self.policies.append(witness.Policy(e.index, [], 1))
            if e.ok:
                if e.kind == "LogCreated" and e.index != 0:
                    self.problem(f"entry {e.index}: LogCreated is allowed only at index 0")
                check = getattr(self, "ref_" + e.kind, None)
                if check is not None:
                    check(e, e.body)
            self.by_id.setdefault(e.id, e)
        self.check_sealed_inspections()

    def ref_LogCreated(self, e, b):
        if self.pub_line is not None and b["vkey"] != self.pub_line:
            self.problem(f"entry {e.index} (LogCreated): vkey {b['vkey']!r} is not log.pub ({self.pub_line!r})")
        if self.key is not None and b["origin"] != self.key.name:
            self.problem(f"entry {e.index} (LogCreated): origin {b['origin']!r} is not the key's name {self.key.name!r}")
        if b.get("publication", "full") not in ("protected", "full"):
            self.problem(f"entry {e.index} (LogCreated): publication {b['publication']!r} is not \"protected\" or \"full\"")

    def ref_RegistrySnapshot(self, e, b):
        where = f"entry {e.index} (RegistrySnapshot)"
        reg, root, columns = b["registry"], b["root"], b["columns"]
        expected = {"inspectors": INSPECTOR_LEAF, "conflicts": CONFLICT_LEAF}.get(reg)
        if reg not in ("enterprises", "inspectors", "conflicts"):
            self.problem(f"{where}: registry {reg!r} is not enterprises, inspectors or conflicts")
            return
        if not all(isinstance(c, str) for c in columns) or (
                columns != expected if expected else
                columns[:6] != LEAF_FIELDS or len(set(columns)) != len(columns)):
            self.problem(f"{where}: columns {columns!r} are not the spec §5 leaf columns of {reg}")
        if b["blob"] != f"snapshots/{root}.jsonl.gz":
            self.problem(f"{where}: blob {b['blob']!r} should be snapshots/{root}.jsonl.gz")
            return
        leaves = self.load_full_blob(root, where) if self.protected else self.load_blob(root)
        if leaves is None:                                  # a protected log's public mirror
            self.snapshots[(reg, root)] = None
            return
        if isinstance(leaves, str):
            self.problem(f"{where}: {leaves}")
            self.snapshots[(reg, root)] = None
            return
        if merkle.mth([merkle.leaf_hash(x) for x in leaves]).hex() != root:
            self.problem(f"{where}: snapshot {root} does not hash to its root: it was changed")
            self.snapshots[(reg, root)] = None
            return
        if len(leaves) != b["count"]:
            self.problem(f"{where}: snapshot {root} has {len(leaves)} leaves, the entry says {b['count']}")
        self.snapshots.setdefault((reg, root), (leaves, columns, e))

    def load_blob(self, root, name=None):
        """LOG-FORMAT "Snapshots": gzip of the leaves, one per line. Returns the
        lines or a string saying what is wrong; `name` is another gzip file of
        lines (a salts file)."""
        name = name or f"snapshots/{root}.jsonl.gz"
        data = self.read(name)
        if data is None:
            return f"snapshot blob {name} is missing"
        try:
            text = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            return f"{name} is not gzip: {e}"
        lines, rest = split_lines(text)
        if rest:
            return f"{name}: the last line has no newline"
        return lines

    def ref_AnnualPlan(self, e, b):
        for m in annual.annual_plan_problems(b):
            self.problem(f"entry {e.index} (AnnualPlan): {m}")

    def ref_DrawCommitment(self, e, b):
        where = f"entry {e.index} (DrawCommitment)"
        if b["algorithm"] != "fairdraw-v1":
            self.problem(f"{where}: algorithm {b['algorithm']!r} is not fairdraw-v1")
        try:
            digest = hashlib.sha256(canonical_json(b["plan"]).encode("utf-8")).hexdigest()
        except (TypeError, ValueError):
            digest = None
        if digest != b["plan_digest"]:
            self.problem(f"{where}: plan_digest {b['plan_digest']} is not SHA-256 of the canonical plan ({digest})")
        snaps = b["snapshots"]
        if set(snaps) != {"enterprises", "inspectors", "conflicts"}:
            self.problem(f"{where}: snapshots must name enterprises, inspectors and conflicts")
        else:
            for reg, s in snaps.items():
                if not isinstance(s, dict) or set(s) != {"root", "count"} or not is_hex64(s["root"]) or not is_int(s["count"]):
                    self.problem(f"{where}: snapshots.{reg} must be {{\"root\", \"count\"}}")
                    continue
                found = self.snapshots.get((reg, s["root"]))
                if (reg, s["root"]) not in self.snapshots:
                    self.problem(f"{where}: the {reg} snapshot {s['root']} is not logged before the commitment")
                elif found is not None and len(found[0]) != s["count"]:
                    self.problem(f"{where}: the {reg} snapshot has {len(found[0])} leaves, the commitment says {s['count']}")
        if self.protected:
            self.check_blinded(e, b)
        beacon = b["beacon"]
        if beacon.get("type") == "drand":
            self.check_drand_commitment(e, beacon)
        elif beacon != {"type": "ceremony"}:
            self.problem(f"{where}: beacon {canonical_json(beacon)} is neither drand nor {{\"type\":\"ceremony\"}}")
        try:
            stored_method(b["plan"])                  # spec §8.6: method and team.reviewers, strictly
        except ValueError as why:
            self.problem(f"{where}: the plan is not a canonical plan: {why}")
        except (KeyError, TypeError):
            pass                                      # reported by check_effective_plan
        self.check_effective_plan(e, b)
        earlier = sorted((x for x in self.by_id.values() if x.ok and x.index < e.index), key=lambda x: x.index)
        for msg in wakes.commitment_problems(e, b, earlier):
            self.problem(f"{where}: {msg}")
        for msg in feedback.commitment_problems(b, earlier, self.protected, self.document_of):   # LOG-FORMAT "Feedback from results"
            self.problem(f"{where}: {msg}")
        for m in annual.reference_problems(b, {k: x for k, x in self.by_id.items() if x.ok}):
            self.problem(f"{where}: {m}")

    def check_drand_commitment(self, e, beacon):
        where = f"entry {e.index} (DrawCommitment)"
        if set(beacon) != {"type", "chain", "chain_hash", "round", "round_time"}:
            self.problem(f"{where}: a drand beacon has exactly type, chain, chain_hash, round, round_time")
            return
        if beacon["chain"] != "quicknet" or beacon["chain_hash"] != QUICKNET["chain_hash"]:
            self.problem(f"{where}: drand chain {beacon['chain']!r} / {beacon['chain_hash']!r} is not quicknet")
            return
        rnd = beacon["round"]
        if not is_int(rnd) or rnd < 1:
            self.problem(f"{where}: drand round {rnd!r} is not a positive integer")
            return
        t = QUICKNET["genesis_time"] + (rnd - 1) * QUICKNET["period"]
        if beacon["round_time"] != rfc3339(t):
            self.problem(f"{where}: round_time {beacon['round_time']!r} is not the time of round {rnd} ({rfc3339(t)})")
        if e.time is not None and not t > e.time.timestamp():
            self.problem(f"{where}: drand round {rnd} ({rfc3339(t)}) was not in the future at commit time {rfc3339(e.time.timestamp())}")

    def check_effective_plan(self, e, b):
        """LOG-FORMAT "The effective plan": year, log_exclusions and log_history,
        re-derived from the draws logged before the commitment."""
        where = f"entry {e.index} (DrawCommitment)"
        plan = b["plan"]
        try:
            idate, items = plan["inspection_date"], {i["item"] for i in plan["items"]}
            exclude, history = set(plan["exclude"]), {tuple(h) for h in plan["history"]}
            rotation, cap = plan["team"]["rotation"], plan.get("max_draws_per_year")
            if not isinstance(idate, str) or idate and not re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", idate):
                raise TypeError("inspection_date")
            if "caps" in plan and not ledger.caps_ok(plan["caps"]):
                raise TypeError("caps")
        except (KeyError, TypeError):
            self.problem(f"{where}: the plan is not a canonical plan (spec §3.3)")
            return
        # "this year" is a China date (LOG-FORMAT "Entries"): 31 December
        # 16:00 UTC is already 1 January in China.
        year = int(idate[:4]) if idate else (int(china_date(e.time)[:4]) if e.time else None)
        if b["year"] != year:
            self.problem(f"{where}: year {b['year']} should be {year} (inspection_date's year, else the commit time's)")
        # draws logged before this commitment, in log order
        drawn, counts, latest = {}, {}, {}
        for r in (x for x in self.by_id.values() if x.ok and x.kind == "DrawResult" and x.body["outcome"] == "drawn"):
            c = self.by_id.get(r.body["commitment"])
            teams = self.teams_of(r)       # a sealed draw counts once published; Replacements so far applied
            if c is None or not c.ok or c.kind != "DrawCommitment" or not isinstance(teams, list):
                continue
            try:
                c_items = {i["item"] for i in c.body["plan"]["items"]}
                targets = [(a["uscc"], a["inspectors"] + a["experts"]) for a in teams]
            except (KeyError, TypeError):
                continue
            for u, team in targets:
                if c.body["year"] == b["year"]:
                    counts[u] = counts.get(u, 0) + 1
                    if c_items & items:
                        drawn.setdefault(u, set()).add(r.id)
                latest[u] = team
        # LOG-FORMAT "The burden ledger and caps": same_item_per_year replaces the
        # item rule; the caps' elements come after it and max_draws_per_year.
        earlier = [x for x in self.by_id.values() if x.ok]
        same_item, counted = ledger.cap_exclusions(
            ledger.checks_of_year(earlier, b["year"], self.document_of), plan, b["year"], earlier)
        if "same_item_per_year" in plan.get("caps", {}):
            drawn = {}
        capped = {u for u, n in counts.items() if n >= cap} if is_int(cap) else set()
        from_caps = dict(same_item)
        for u, reason in counted.items():
            if u not in drawn and u not in capped and u not in from_caps:
                from_caps[u] = reason
        exclusions = b["log_exclusions"]
        ok_shape = all(isinstance(x, dict) and set(x) == {"uscc", "reason", "entry"} and isinstance(x["uscc"], str)
                       and isinstance(x["reason"], str) and isinstance(x["entry"], str) for x in exclusions)
        if not ok_shape:
            self.problem(f"{where}: log_exclusions must be [{{\"uscc\",\"reason\",\"entry\"}}…]")
        else:
            usccs = [x["uscc"] for x in exclusions]
            if usccs != sorted(usccs):
                self.problem(f"{where}: log_exclusions are not sorted by USCC")
            expected = set(drawn) | capped | set(from_caps)
            if set(usccs) != expected:
                more, less = sorted(set(usccs) - expected), sorted(expected - set(usccs))
                self.problem(f"{where}: log_exclusions do not match the log's earlier draws"
                             + (f"; not drawn this year for these items nor capped: {', '.join(more[:5])}" if more else "")
                             + (f"; missing: {', '.join(less[:5])}" if less else ""))
            for x in exclusions:
                if x["entry"] and x["uscc"] not in drawn or x["entry"] and x["entry"] not in drawn.get(x["uscc"], ()):
                    self.problem(f"{where}: log exclusion {x['uscc']} names entry {x['entry']!r}, not an earlier draw "
                                 "of this year for one of the plan's items that selected it")
                if x["uscc"] not in exclude:
                    self.problem(f"{where}: log exclusion {x['uscc']} is not in the plan's exclude")
                if x["uscc"] in from_caps and (x["reason"], x["entry"]) != (from_caps[x["uscc"]], ""):
                    self.problem(f"{where}: log exclusion {x['uscc']} should say {from_caps[x['uscc']]!r} "
                                 "with entry \"\" (LOG-FORMAT \"The burden ledger and caps\")")
        hist = b["log_history"]
        if not all(isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in hist):
            self.problem(f"{where}: log_history must be [[uscc, inspector_id]…]")
            return
        expected = {(u, i) for u, team in latest.items() for i in team} if rotation else set()
        if {tuple(h) for h in hist} != expected:
            self.problem(f"{where}: log_history is not the teams of each enterprise's latest logged draw"
                         + ("" if rotation else " (it must be empty without rotation)"))
        for h in hist:
            if tuple(h) not in history:
                self.problem(f"{where}: log_history pair {h} is not in the plan's history")
                break

    def ref_BeaconRecord(self, e, b):
        where = f"entry {e.index} (BeaconRecord)"
        c = self.earlier(e, b["commitment"], ["DrawCommitment"], "commitment")
        if c is None:
            return
        if b["commitment"] in self.beacon_of:
            self.problem(f"{where}: commitment {b['commitment']} already has a beacon "
                         f"(entry {self.beacon_of[b['commitment']].index}); one beacon per commitment")
            return
        self.beacon_of[b["commitment"]] = e
        beacon, committed = b["beacon"], c.body["beacon"]
        if beacon.get("type") != committed.get("type"):
            self.problem(f"{where}: beacon type {beacon.get('type')!r} is not the committed {committed.get('type')!r}")
            return
        if beacon.get("type") == "drand":
            if set(beacon) != {"type", "chain", "round", "signature"} or not isinstance(beacon["signature"], str) \
                    or not re.fullmatch("(?:[0-9a-f]{2})+", beacon["signature"]):
                self.problem(f"{where}: a drand beacon is {{\"type\",\"chain\",\"round\",\"signature\" (hex)}}")
                return
            if beacon["chain"] != committed.get("chain") or beacon["round"] != committed.get("round"):
                self.problem(f"{where}: drand {beacon['chain']} round {beacon['round']} is not the committed "
                             f"round {committed.get('round')}")
            randomness = hashlib.sha256(bytes.fromhex(beacon["signature"])).hexdigest()
            if e.time is not None and is_int(beacon["round"]):
                t = QUICKNET["genesis_time"] + (beacon["round"] - 1) * QUICKNET["period"]
                if e.time.timestamp() < t:
                    self.problem(f"{where}: logged at {rfc3339(e.time.timestamp())}, before its round existed ({rfc3339(t)})")
        elif beacon.get("type") == "ceremony":
            digits, witnesses = beacon.get("digits"), beacon.get("witnesses")
            if set(beacon) - {"at"} != {"type", "digits", "witnesses"} or not isinstance(digits, str) \
                    or not isinstance(witnesses, list) or not all(isinstance(w, str) for w in witnesses):
                self.problem(f"{where}: a ceremony beacon is {{\"type\",\"digits\",\"witnesses\"}} and, "
                             "optionally, \"at\"")
                return
            self.check_ceremony_time(e, c, beacon)
            if not re.fullmatch("[0-9]{20,}", digits):
                self.problem(f"{where}: ceremony digits must be at least 20 ASCII digits")
            trim = TRIM
            if len(witnesses) < 2 or len(set(witnesses)) != len(witnesses) or any(not w or w != w.strip(trim) for w in witnesses):
                self.problem(f"{where}: a ceremony needs at least 2 distinct, trimmed, non-empty witness names")
            data = b"fairdraw-v1/ceremony\x00" + digits.encode("utf-8")
            for w in witnesses:
                data += b"\x00" + w.encode("utf-8")
            randomness = hashlib.sha256(data).hexdigest()
        else:
            self.problem(f"{where}: unknown beacon type {beacon.get('type')!r}")
            return
        if b["randomness"] != randomness:
            self.problem(f"{where}: randomness {b['randomness']} is not re-derived from the beacon ({randomness})")
        seed = hashlib.sha256(b"fairdraw-v1/seed\x00" + bytes.fromhex(c.id) + bytes.fromhex(b["randomness"])).hexdigest()
        if b["seed"] != seed:
            self.problem(f"{where}: seed {b['seed']} is not SHA-256(\"fairdraw-v1/seed\" ‖ 0x00 ‖ commitment id ‖ "
                         f"randomness) = {seed}")

    def ref_DrawResult(self, e, b):
        where = f"entry {e.index} (DrawResult)"
        c = self.earlier(e, b["commitment"], ["DrawCommitment"], "commitment")
        r = self.earlier(e, b["beacon"], ["BeaconRecord"], "beacon")
        if c is None or r is None:
            e.ok = False
            return
        if r.body["commitment"] != c.id:
            self.problem(f"{where}: beacon {r.id} belongs to commitment {r.body['commitment']}, not {c.id}")
            e.ok = False
            return
        self.check_embargo(e, b, c)
        if b["outcome"] == "drawn" and "draw" in b:
            self.check_seed_and_digest(where, b["draw"], r, c)

    def check_seed_and_digest(self, where, d, r, c):
        """LOG-FORMAT check 5: a drawn document carries its beacon's seed and its commitment's plan digest."""
        if d.get("seed") != r.body["seed"]:
            self.problem(f"{where}: the draw's seed {d.get('seed')!r} is not the beacon's seed {r.body['seed']}")
        if d.get("plan_digest") != c.body["plan_digest"]:
            self.problem(f"{where}: the draw's plan_digest {d.get('plan_digest')!r} is not the commitment's "
                         f"{c.body['plan_digest']}")

    def ref_InspectionResult(self, e, b):
        r = self.earlier(e, b["draw"], ["DrawResult"], "draw")
        if r is not None and r.body["outcome"] == "drawn":
            if "sealed" in r.body:                   # LOG-FORMAT "Embargo": judged once published
                self.inspections_of_sealed.append((e, r))
            else:
                self.check_target(e, r.body["draw"], r)

    def check_target(self, e, doc, r):
        targets = [a.get("uscc") for a in doc.get("assignments", []) if isinstance(a, dict)]
        if e.body["uscc"] not in targets:
            self.problem(f"entry {e.index} (InspectionResult): {e.body['uscc']} is not a target of draw {r.id}")

    def ref_Amendment(self, e, b):
        self.earlier(e, b["amends"], list(BODY), "amends")

    # -- LOG-FORMAT "Follow-ups" and "Objections"
    def ref_FollowUp(self, e, b):
        self.aftercare.check(e, b)

    ref_FollowUpClosed = ref_Objection = ref_ObjectionAnswer = ref_FollowUp

    # -- LOG-FORMAT "Witnesses and cosignatures"
    def ref_WitnessPolicy(self, e, b):
        policy, problems = witness.read_policy(e.index, b)
        for p in problems:
            self.problem(f"entry {e.index} (WitnessPolicy): {p}")
        self.policies.append(policy)

    def check_ceremony_time(self, e, c, beacon):
        """A ceremony's `at` (the deadline of its commitment): RFC 3339 UTC, never
        after the reveal's clock, required while a policy is in force at the commitment."""
        where = f"entry {e.index} (BeaconRecord)"
        policy = witness.in_force(self.policies, c.index)
        if "at" not in beacon:
            if policy is not None and policy.witnessed:
                self.problem(f'{where}: a ceremony beacon needs "at" (the ceremony\'s time, RFC 3339 UTC) while a '
                             f"witness policy is in force (entry {policy.index})")
            return
        at = parse_time(beacon["at"])
        if at is None:
            self.problem(f"{where}: at {beacon['at']!r} is not RFC 3339 UTC with seconds (YYYY-MM-DDTHH:MM:SSZ)")
        elif e.time is not None and at > e.time:
            self.problem(f"{where}: the ceremony's time {beacon['at']} is after the reveal's {rfc3339(e.time.timestamp())}")

    def without_cosignatures(self, note):
        """`note` with only the log's own signature lines (the `checkpoint` file may
        carry cosignatures after them); the cosigned checkpoint is kept for
        check_witnesses."""
        if self.key is None:
            return note
        try:
            text, signatures = split_note(note)
        except NoteError:
            return note                                  # reported as not a signed checkpoint
        own = [line for name, _, line in signatures if name == self.key.name]
        if len(own) == len(signatures):
            return note
        try:
            self.checkpoint_cosigned = witness.Cosigned(Checkpoint(text).size, text, signatures)
        except NoteError:
            pass
        return text + "\n" + "".join(line + "\n" for line in own)

    def read_cosignatures(self):
        """The records of cosignatures.jsonl that are checkpoints of this log
        (checked like checkpoint records; every other one is reported)."""
        lines, torn = split_lines(self.read("cosignatures.jsonl", b""))
        if torn:
            self.note(f"cosignatures.jsonl ends with {len(torn)} torn bytes (an interrupted append): ignored")
        records, previous = [], 0
        for i, line in enumerate(lines):
            where = f"cosignatures.jsonl line {i + 1}"
            v, err = parse_canonical(line)
            if err is None and (not isinstance(v, dict) or set(v) != {"checkpoint", "size"}
                                or not isinstance(v["checkpoint"], str) or not is_int(v["size"])):
                err = "must be {\"checkpoint\": a signed checkpoint, \"size\": an integer}"
            if err is not None:
                self.problem(f"{where}: {err}")
                continue
            if self.key is None:
                self.problem(f"{where}: cannot be checked without a verifier key")
                continue
            try:
                cp = open_checkpoint(v["checkpoint"], self.key)
                text, signatures = split_note(v["checkpoint"])
            except NoteError as e:
                self.problem(f"{where}: the checkpoint does not verify: {e}")
                continue
            if cp.size != v["size"]:
                self.problem(f"{where}: the checkpoint is signed for size {cp.size}, the record says {v['size']}")
            elif cp.size > self.size:
                self.problem(f"{where}: size {cp.size} is beyond the log's {self.size} entries")
            elif cp.root != (self.roots[cp.size - 1] if cp.size else merkle.mth([])):
                self.problem(f"{where}: the checkpoint of size {cp.size} is signed but is not a checkpoint of "
                             "this log: another history was cosigned")
            elif cp.size < previous:
                self.problem(f"{where}: size {cp.size} after size {previous} (sizes never decrease)")
            else:
                previous = cp.size
                records.append(witness.Cosigned(cp.size, text, signatures))
        return records

    def check_witnesses(self, log):
        """Per draw: witnessed before the beacon, and the reveal witnessed.  Returns
        whether a quorum of the current policy cosigned the history (an anchor)."""
        records = self.read_cosignatures()
        known = witness.known_keys(self.policies)
        for r in records + ([self.checkpoint_cosigned] if self.checkpoint_cosigned else []):
            for name in r.check(known):
                self.problem(f"cosignature of {name} on size {r.size} does not verify")
        for e in log:
            if e.ok and e.kind == "DrawResult" and e.body["commitment"] in self.by_id:
                self.check_witnessed(e, self.by_id[e.body["commitment"]], records)
        current = witness.in_force(self.policies, self.size)
        return current is not None and current.witnessed and witness.best(records, current, 0) >= current.quorum

    def check_witnessed(self, e, c, records):
        policy = witness.in_force(self.policies, c.index)
        if policy is None or not policy.witnessed:
            self.note(f"draw {e.id}: unwitnessed: the operator could have re-rolled this draw")
            return
        beacon = c.body["beacon"]
        if beacon.get("type") == "ceremony":
            revealed = self.beacon_of.get(c.id)
            beacon = revealed.body["beacon"] if revealed is not None else {}
            deadline = parse_time(beacon.get("at"))
        else:
            deadline = parse_time(beacon.get("round_time"))
        k = witness.best(records, policy, c.index, deadline.timestamp()) if deadline is not None else 0
        if k >= policy.quorum:
            self.out(f"draw {e.id}: commitment witnessed by {k} of {len(policy.keys)} before "
                     f"{rfc3339(deadline.timestamp())}")
        else:
            self.problem(f"draw {e.id}: commitment not witnessed before the beacon ({k} of {policy.quorum})")
        seen = witness.best(records, policy, e.index)
        if seen < policy.quorum:
            self.note(f"draw {e.id}: the reveal is not witnessed yet ({seen} of {policy.quorum}): until it is, "
                      "a rollback and a second reveal would go unnoticed (`fairdraw cosign --log L` asks again)")

    # -- check 8: every file under receipts/
    def check_receipts(self, log):
        draws = {e.id: e for e in log if e.kind == "DrawResult"}
        try:
            names = sorted(os.listdir(self.path("receipts")))
        except FileNotFoundError:
            names = []
        except OSError as e:
            self.problem(f"receipts/ cannot be read: {e.strerror or e}")
            return
        for name in names:
            where = f"receipts/{name}"
            e = draws.get(name[: -len(".tlog-proof")]) if name.endswith(".tlog-proof") else None
            if e is None:
                self.problem(f"{where}: names no DrawResult of this log (a receipt is <draw id>.tlog-proof): "
                             "renamed, or left over from another history")
                continue
            why = self.receipt_problem(self.read(os.path.join("receipts", name), b""), e, where)
            if why:
                self.problem(f"{where}: {why}")
        missing = sum(1 for i in draws if f"{i}.tlog-proof" not in names)
        if missing:
            self.note(f"{missing} draw(s) have no receipt under receipts/ (a receipt is written after its draw)")

    def receipt_problem(self, raw, e, where):
        try:
            extra, index, proof, note = parse_receipt(raw.decode("utf-8"), where)
        except UnicodeDecodeError:
            return "is not UTF-8 text"
        except BadInput as x:
            return f"is not a receipt: {x}"
        if index != e.index or extra != e.leaf:
            return f"proves entry {index}, not the logged bytes of entry {e.index} its name says"
        if self.key is None:
            return "cannot be checked without a verifier key"
        try:
            cp = open_checkpoint(note, self.key)
        except NoteError as x:
            return f"its checkpoint does not verify: {x}"
        if not merkle.verify_inclusion(index, cp.size, merkle.leaf_hash(extra), proof, cp.root):
            return f"entry {index} is not included in the checkpoint of size {cp.size}"
        if cp.size > self.size or cp.root != self.roots[cp.size - 1]:
            return (f"its checkpoint of size {cp.size} is signed but is not a checkpoint of this log: "
                    "another history was signed")
        return None

    # -- check 6: the consistency of an old checkpoint
    def check_old(self, old_note, newest):
        if self.key is None:
            self.problem("--checkpoint: cannot be checked without a verifier key")
            return
        try:
            old = open_checkpoint(old_note, self.key)
        except NoteError as e:
            self.problem(f"your checkpoint ({self.old_arg}) does not verify with the key {self.key}: {e} "
                         "(the log's key was replaced, or the checkpoint belongs to another log)")
            return
        if old.size > self.size:
            self.problem(f"your checkpoint has size {old.size}, beyond the log's {self.size} entries: "
                         "the log was truncated")
            return
        if self.size > len(self.entries) or self.size == 0:
            self.problem("--checkpoint: the log's entries are incomplete; no consistency proof can be built")
            return
        # RFC 6962 §2.1.2 PROOF(m, D[n]) from the entries, verified as RFC 9162 §2.1.4.2
        # against your root and the log's newest signed root
        current = newest.root if newest is not None else self.roots[self.size - 1]
        proof = merkle.consistency_proof(self.hashes[: self.size], old.size) if old.size else []
        if merkle.verify_consistency(old.size, self.size, old.root, current, proof):
            self.note(f"consistent with your checkpoint of size {old.size} (RFC 9162 consistency proof checked)")
        else:
            self.problem(f"NOT consistent with your checkpoint of size {old.size}: the history you saw was "
                         "rewritten (RFC 9162 consistency proof fails)")


# ---------------------------------------------------------------------------
# `verify.py receipt FILE` (LOG-FORMAT "Receipts", C2SP tlog-proof)
# ---------------------------------------------------------------------------

def parse_receipt(text, path):
    """(extra or None, index, proof hashes, checkpoint note) of a receipt; BadInput if malformed."""
    head, sep, note = text.partition("\n\n")       # proof lines end at the first empty line
    lines = head.split("\n")
    if not sep or lines[0] != "c2sp.org/tlog-proof@v1":
        raise BadInput(f"{path}: not a c2sp.org/tlog-proof@v1 receipt")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        try:
            extra = b64decode(rest[0][6:])
        except NoteError as e:
            raise BadInput(f"{path}: extra: {e}")
        rest = rest[1:]
    if not rest or not re.fullmatch("index (0|[1-9][0-9]*)", rest[0]):
        raise BadInput(f"{path}: no `index N` line")
    index = int(rest[0][6:])
    try:
        proof = [b64decode(x) for x in rest[1:]]
    except NoteError as e:
        raise BadInput(f"{path}: inclusion proof: {e}")
    return extra, index, proof, note


def check_receipt(path, vkey, out=print):
    key = read_key(vkey)
    said, entry, leaf = prove_receipt(read_text(path, "receipt"), key, path)
    stem = os.path.basename(path)
    stem = stem[: -len(".tlog-proof")] if stem.endswith(".tlog-proof") else stem
    if leaf is not None and re.fullmatch("[0-9a-f]{64}", stem) and stem != leaf.hex():   # a swapped file
        said, entry = [f"{path} is named after entry {stem} but proves entry {leaf.hex()}"], None
    for line in said:
        out(line)
    out("VERIFIED" if entry is not None else "NOT VERIFIED")
    return 0 if entry is not None else 1


def prove_receipt(text, key, path):
    """A receipt (LOG-FORMAT "Receipts") checked with `key`: (lines saying what
    was found, the proven entry as a value — None when it does not verify —,
    the leaf hash or None).  BadInput when it is not a receipt at all."""
    extra, index, proof, note = parse_receipt(text, path)
    if extra is None:                               # valid C2SP, but fairdraw's statement needs the leaf
        return ["the receipt has no `extra` line: without the entry's leaf there is nothing to prove"], None, None
    try:
        cp = open_checkpoint(note, key)
    except NoteError as e:
        return [f"the receipt's checkpoint does not verify with {key}: {e}"], None, None
    leaf = merkle.leaf_hash(extra)
    entry, err = parse_canonical(extra)
    what = f"entry {leaf.hex()}"
    if isinstance(entry, dict) and {"index", "kind"} <= set(entry):
        what += f" ({entry.get('kind')}, index {entry.get('index')})"
    said = [f"{what}: checkpoint of {cp.origin} at size {cp.size}, signed by {key}"]
    if not merkle.verify_inclusion(index, cp.size, leaf, proof, cp.root):
        said.append(f"the RFC 9162 inclusion proof of the entry at index {index} does not lead to the checkpoint's root")
        return said, None, leaf
    if err is not None or not isinstance(entry, dict) or entry.get("index") != index:
        said.append(f"the proven leaf is not a log entry at index {index} ({err or 'its index field differs'})")
        return said, None, leaf
    said.append(f"included at index {index} (RFC 9162 inclusion proof checked)")
    return said, entry, leaf


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def main(argv):
    """argv starts with "log" or "receipt"."""
    if argv[0] == "log":
        ap = argparse.ArgumentParser(prog="verify.py log", description="Verify a fairdraw audit log (audit/LOG-FORMAT.md) and replay its draws.")
        ap.add_argument("dir", help="the log directory, or the http:// or https:// URL of a static mirror of it")
        ap.add_argument("--checkpoint", help="a checkpoint you saved earlier: the log must extend it")
        ap.add_argument("--vkey", help="the log's verifier key as you saved it, or a file holding it (default: the log's log.pub)")
        ap.add_argument("--now", help="the verifier's clock, RFC 3339 (e.g. 2026-11-25T09:00:00Z) for tests: "
                                      "judges which drand rounds are public (default: the real clock)")
    else:
        ap = argparse.ArgumentParser(prog="verify.py receipt", description="Check a receipt (C2SP tlog-proof) offline.")
        ap.add_argument("file", help="the receipt (.tlog-proof)")
        ap.add_argument("--vkey", required=True, help="the log's verifier key, or a file holding it (log.pub)")
    args = ap.parse_args(argv[1:])
    try:
        if argv[0] == "log":
            now = int(time.time())
            if args.now is not None:
                t = parse_time(args.now)
                if t is None:
                    raise BadInput(f"--now {args.now!r} is not RFC 3339 UTC like 2026-11-25T09:00:00Z")
                now = int(t.timestamp())
            if fetch.is_url(args.dir):                # LOG-FORMAT "Reading a log from a URL"
                with tempfile.TemporaryDirectory(prefix="fairdraw-mirror-") as copy:
                    mirror = fetch.fetch(args.dir, copy)
                    printed(f"log: {args.dir} (static mirror)")
                    return LogVerifier(copy, args.vkey, args.checkpoint, printed, now, mirror).run()
            return LogVerifier(args.dir, args.vkey, args.checkpoint, printed, now).run()
        return check_receipt(args.file, args.vkey, printed)
    except (BadInput, fetch.FetchError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def printed(line):
    """A result line on stdout (report.output: a closed pipe keeps the exit code)."""
    output(line, 0)
