"""The test logs of audit/tests/: a test-only Ed25519 signer (RFC 8032
§5.1.6, on the package's curve arithmetic) and a writer of small fairdraw
log directories from LOG-FORMAT.md, whose draws the package's own draw
engine computes (verify.py replays them).  Not a test module itself (the
name does not start with `test`)."""

import base64
import datetime
import gzip
import hashlib
import hmac
import json
import os
import subprocess
import sys
import types

AUDIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, AUDIT)

from fairdraw_verify import ed25519, merkle  # noqa: E402
from fairdraw_verify.canonical import canonical_json  # noqa: E402
from fairdraw_verify.draw import compute_draw, load_inputs  # noqa: E402
from fairdraw_verify.snapshots import CONFLICT_LEAF, INSPECTOR_LEAF, LEAF_FIELDS  # noqa: E402

ORIGIN = "fairdraw.example/test"


# ---------------------------------------------------------------------------
# A test-only Ed25519 signer (RFC 8032 §5.1.5, §5.1.6)
# ---------------------------------------------------------------------------

def _encode(point):
    x, y, z, _ = point
    zi = pow(z, ed25519.P - 2, ed25519.P)
    x, y = x * zi % ed25519.P, y * zi % ed25519.P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _expand(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a = (a & ~7 & ((1 << 254) - 1)) | (1 << 254)
    return a, h[32:]


def public_key(seed):
    return _encode(ed25519._mul_base(_expand(seed)[0] % ed25519.L))      # B has order L


def sign(seed, message):
    a, prefix = _expand(seed)
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % ed25519.L
    big_r = _encode(ed25519._mul_base(r))
    k = int.from_bytes(hashlib.sha512(big_r + public_key(seed) + message).digest(), "little") % ed25519.L
    return big_r + ((r + k * a) % ed25519.L).to_bytes(32, "little")


def b64(b):
    return base64.b64encode(b).decode()


def key_id(name, algorithm, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + pub).digest()[:4]


def checkpoint_text(origin, size, root):
    return f"{origin}\n{size}\n{b64(root)}\n"


def utc(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())


# ---------------------------------------------------------------------------
# A small log written by the test, from LOG-FORMAT
# ---------------------------------------------------------------------------

DATA = os.path.join(AUDIT, "..", "data")
DIGITS = "31415926535897932384626433"
CEREMONY_PEOPLE = ["张三", "李四"]
QUICKNET = {"chain": "quicknet", "chain_hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            "genesis_time": 1692803367, "period": 3}


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Log:
    """Writes a fairdraw log directory: entries, one checkpoint per size, blobs."""

    def __init__(self, directory, seed=bytes(range(101, 133)), publication=None):
        """`publication`: "protected", "full", or None (the field left out: a full log)."""
        self.dir, self.seed = directory, seed
        self.pub = public_key(seed)
        self.id = key_id(ORIGIN, 0x01, self.pub)
        self.vkey = f"{ORIGIN}+{self.id.hex()}+{b64(bytes([0x01]) + self.pub)}"
        self.lines, self.cosigned = [], []
        self.protected = publication == "protected"
        self.sealed = {}                  # sealed result id -> (commitment id, document, openings)
        os.makedirs(os.path.join(directory, "snapshots"))
        body = {"origin": ORIGIN, "vkey": self.vkey}
        if publication is not None:
            body["publication"] = publication
        self.add("LogCreated", body)

    def add(self, kind, body, time="2026-12-01T00:00:00Z"):
        entry = {"body": body, "index": len(self.lines), "kind": kind, "simulated": False, "time": time, "v": 1}
        self.lines.append(canonical_json(entry).encode())
        return merkle.leaf_hash(self.lines[-1]).hex()

    def root(self, size):
        return merkle.mth([merkle.leaf_hash(x) for x in self.lines[:size]])

    def text(self, size):
        return checkpoint_text(ORIGIN, size, self.root(size))

    def note(self, size, cosignatures=()):
        text = self.text(size)
        own = f"\u2014 {ORIGIN} {b64(self.id + sign(self.seed, text.encode()))}"
        return text + "\n" + "".join(x + "\n" for x in (own, *cosignatures))

    def cosign(self, size, lines):
        """A record of cosignatures.jsonl: the log's checkpoint of `size` and the given lines."""
        self.cosigned.append(canonical_json({"checkpoint": self.note(size, lines), "size": size}))

    def blob(self, folder, name, lines):
        os.makedirs(os.path.join(self.dir, folder), exist_ok=True)
        with open(os.path.join(self.dir, folder, name), "wb") as f:
            f.write(gzip.compress(b"".join(x + b"\n" for x in lines)))

    def snapshot(self, registry, leaves, columns):
        """A RegistrySnapshot; in a protected log its blob and salts go to private/snapshots/."""
        root = merkle.mth([merkle.leaf_hash(x) for x in leaves]).hex()
        if self.protected:
            self.blob("private/snapshots", f"{root}.jsonl.gz", leaves)
            self.blob("private/snapshots", f"{root}.salts.gz", [salt_of(registry, x).hex().encode() for x in leaves])
        else:
            self.blob("snapshots", f"{root}.jsonl.gz", leaves)
        self.add("RegistrySnapshot", {"registry": registry, "root": root, "count": len(leaves),
                                      "columns": columns, "blob": f"snapshots/{root}.jsonl.gz"})
        return {"root": root, "count": len(leaves)}

    def draw(self, inputs_dir, beacon, reveal, committed_at="2026-12-01T00:00:00Z", revealed_at="2026-12-02T00:00:00Z",
             embargo=None, until=None, conflicts=None, log_exclusions=(), log_history=(), committed_plan=None,
             log_feedback=(), flagged=None):
        """Snapshots, a commitment, its BeaconRecord and DrawResult; returns
        (commitment index, result id).  `beacon` is the committed beacon,
        `reveal` the BeaconRecord's.  `embargo` (spec §3.3) seals the result
        until `until`; `conflicts` is a list of [inspector_id, uscc];
        `log_exclusions` are USCCs the log excludes (LOG-FORMAT "The effective
        plan": the annual cap, entry ""); `log_history` are [uscc, inspector_id]
        pairs the log adds to a rotating plan's history; `committed_plan(plan)`
        edits the plan the commitment holds (its digest recomputed), not the
        one the draw is computed from.  With a plan that has [feedback],
        `log_feedback` is the commitment's list (LOG-FORMAT "Feedback from
        results") and `flagged` the plan's `feedback.flagged` (default: the
        list's USCCs); the draw is computed with that plan."""
        args = types.SimpleNamespace(plan=os.path.join(inputs_dir, "plan.toml"),
                                     enterprises=os.path.join(inputs_dir, "enterprises.csv"),
                                     inspectors=os.path.join(inputs_dir, "inspectors.csv"), conflicts=None)
        plan, ratios, (enterprises, resolved), inspectors, _ = load_inputs(args)
        conflicts = {tuple(x) for x in conflicts or []}
        if embargo is not None:
            plan["embargo"] = embargo
        plan["exclude"] = sorted(set(plan["exclude"]) | set(log_exclusions))
        log_history = sorted({tuple(h) for h in log_history})
        plan["history"] = sorted({tuple(h) for h in plan["history"]} | set(log_history))
        plan["history"] = [list(h) for h in plan["history"]]
        if "feedback" in plan:
            plan["feedback"]["flagged"] = list(flagged if flagged is not None else [x["uscc"] for x in log_feedback])
        committed = json.loads(json.dumps(plan))
        if committed_plan is not None:
            committed_plan(committed)
        # spec §5: the extra columns `where` names, in its (sorted) order, after the six fields
        extra = [j for j, (kind, _, _) in enumerate(resolved) if kind != "field"]
        where_columns = [k for k, _ in plan["scope"]["where"]]
        states = {e[0]: record_state(e, plan) for e in enterprises}
        full = {
            "enterprises": sorted(canonical_json([*e[:6], *(e[6][j] for j in extra)]).encode() for e in enterprises),
            "inspectors": [canonical_json([i[c] for c in INSPECTOR_LEAF]).encode()
                           for i in sorted(inspectors, key=lambda i: i["id"])],
            "conflicts": [canonical_json(list(x)).encode() for x in sorted(conflicts)],
        }
        columns = {"enterprises": LEAF_FIELDS + [where_columns[j] for j in extra], "inspectors": INSPECTOR_LEAF,
                   "conflicts": CONFLICT_LEAF}
        snaps = {reg: self.snapshot(reg, full[reg], columns[reg]) for reg in full}
        body = {"algorithm": "fairdraw-v1", "plan": committed,
                "plan_digest": hashlib.sha256(canonical_json(committed).encode()).hexdigest(),
                "snapshots": snaps, "beacon": beacon, "year": int(committed_at[:4]),
                "log_exclusions": [{"uscc": u, "reason": "max_draws_per_year", "entry": ""}
                                   for u in sorted(log_exclusions)], "log_history": [list(h) for h in log_history]}
        if "feedback" in plan:
            body["log_feedback"] = [dict(x) for x in log_feedback]
        if self.protected:
            body["blinded"] = {}
            for reg in full:
                lines = blinded_snapshot(reg, full[reg], plan, states)
                root = merkle.mth([merkle.leaf_hash(x) for x in lines]).hex()
                self.blob("snapshots", f"{root}.jsonl.gz", lines)
                body["blinded"][reg] = {"root": root, "count": len(lines)}
        commitment_index = len(self.lines)
        commitment = self.add("DrawCommitment", body, committed_at)
        self.states = getattr(self, "states", {})
        self.states[commitment] = states
        if reveal["type"] == "ceremony":
            data = b"fairdraw-v1/ceremony\x00" + reveal["digits"].encode()
            for w in reveal["witnesses"]:
                data += b"\x00" + w.encode()
            randomness = hashlib.sha256(data).digest()
        else:
            randomness = hashlib.sha256(bytes.fromhex(reveal["signature"])).digest()
        seed = hashlib.sha256(b"fairdraw-v1/seed\x00" + bytes.fromhex(commitment) + randomness).hexdigest()
        record = self.add("BeaconRecord", {"commitment": commitment, "beacon": reveal,
                                           "randomness": randomness.hex(), "seed": seed}, revealed_at)
        doc = json.loads(json.dumps(compute_draw((plan, ratios, (enterprises, resolved), inspectors, conflicts), seed)))
        by_uscc = {json.loads(x)[0]: x for x in full["enterprises"]}
        openings = [{"leaf": json.loads(by_uscc[a["uscc"]]), "salt": salt_of("enterprises", by_uscc[a["uscc"]]).hex()}
                    for a in doc["assignments"]] if self.protected else None
        result = {"commitment": commitment, "beacon": record, "outcome": "drawn"}
        if embargo is None:
            result["draw"] = doc
            if self.protected:
                result["openings"] = openings
        else:
            result["sealed"] = {"digest": hashlib.sha256(canonical_json(doc).encode()).hexdigest(), "until": until,
                                "strata": [{k: s[k] for k in ("class", "population", "excluded", "eligible",
                                                              "sample_size")} for s in doc["strata"]]}
        result_id = self.add("DrawResult", result, revealed_at)
        self.documents = getattr(self, "documents", {})
        self.documents[result_id] = (commitment, doc, openings)
        return commitment_index, result_id

    def publish(self, result_id, time, draw=None):
        """The DrawPublication of a sealed result (its own document unless `draw` is given)."""
        commitment, doc, openings = self.documents[result_id]
        body = {"result": result_id, "commitment": commitment, "draw": draw if draw is not None else doc}
        if self.protected:
            body["openings"] = openings
        return self.add("DrawPublication", body, time)

    def index_of(self, entry_id):
        return next(i for i, x in enumerate(self.lines) if merkle.leaf_hash(x).hex() == entry_id)

    def entry(self, i):
        return json.loads(self.lines[i])

    def replace(self, i, entry):
        """Rewrites entry i (the checkpoints are re-signed when written: tampering by the key holder)."""
        self.lines[i] = canonical_json(entry).encode()

    def receipt(self, i, size=None):
        """LOG-FORMAT "Receipts": a C2SP tlog-proof of entry i in the checkpoint of `size` (default: all)."""
        size = size or len(self.lines)
        hashes = [merkle.leaf_hash(x) for x in self.lines[:size]]
        proof = merkle.inclusion_proof(hashes, i)
        return ("c2sp.org/tlog-proof@v1\n" + f"extra {b64(self.lines[i])}\nindex {i}\n"
                + "".join(b64(h) + "\n" for h in proof) + "\n" + self.note(size))

    def write(self, checkpoint=None):
        """Writes the files; `checkpoint` replaces the `checkpoint` file's text."""
        def put(name, data):
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
        put("log.pub", self.vkey.encode() + b"\n")
        put("entries.jsonl", b"".join(x + b"\n" for x in self.lines))
        put("checkpoints.jsonl", "".join(canonical_json({"batch_end": True, "checkpoint": self.note(n), "size": n}) + "\n"
                                         for n in range(1, len(self.lines) + 1)).encode())
        put("checkpoint", (checkpoint or self.note(len(self.lines))).encode())
        if self.cosigned:
            put("cosignatures.jsonl", "".join(x + "\n" for x in self.cosigned).encode())


# ---------------------------------------------------------------------------
# Protected logs (LOG-FORMAT "Salts and blinded leaves"), from the spec text
# alone: the package's blinding.py is checked against this and the vector
# ---------------------------------------------------------------------------

SECRET = bytes(range(32))                   # the test logs' private/blind.key


def row_key(registry, leaf):
    v = json.loads(leaf)
    return (v[0] + "\x00" + v[1] if registry == "conflicts" else v[0]).encode()


def salt_of(registry, leaf):
    msg = b"fairdraw-v1/salt\x00" + registry.encode() + b"\x00" + row_key(registry, leaf)
    return hmac.new(SECRET, msg, hashlib.sha256).digest()


def blind_of(registry, leaf):
    return hashlib.sha256(b"fairdraw-v1/blind\x00" + salt_of(registry, leaf) + leaf).hexdigest()


def record_state(e, plan):
    """Spec §6 for a registry record (uscc, name, class, region, industry, status, where values)."""
    sc = plan["scope"]
    if e[5] not in sc["statuses"] or sc["regions"] and not e[3].startswith(tuple(sc["regions"])) \
            or sc["industries"] and not e[4].startswith(tuple(sc["industries"])) \
            or list(e[6]) != [v for _, v in sc["where"]]:
        return "out"
    return "excluded" if e[0] in plan["exclude"] else "eligible"


def state_of(v, plan):
    """Spec §6 for a leaf of a plan without `where` (statuses, regions, industries)."""
    sc = plan["scope"]
    if v[5] not in sc["statuses"] or sc["regions"] and not v[3].startswith(tuple(sc["regions"])) \
            or sc["industries"] and not v[4].startswith(tuple(sc["industries"])):
        return "out"
    return "excluded" if v[0] in plan["exclude"] else "eligible"


def blinded_line(registry, leaf, plan, states=None):
    v, b = json.loads(leaf), blind_of(registry, leaf)
    state = (states[v[0]] if states else state_of(v, plan)) if registry == "enterprises" else None
    row = [v[2], state, b] if registry == "enterprises" else v[:3] + [b] if registry == "inspectors" else [b]
    return canonical_json(row).encode()


def blinded_snapshot(registry, leaves, plan, states=None):
    """`states`: USCC -> state (default: state_of each leaf)."""
    return sorted(blinded_line(registry, x, plan, states) for x in leaves)


def disclosure(log, commitment_index, result_index, uscc):
    """LOG-FORMAT "Disclosures": the file `fairdraw audit disclose` writes, built from the spec."""
    c, r = log.entry(commitment_index)["body"], log.entry(result_index)["body"]
    doc = r["draw"]
    leaves = None
    for name in os.listdir(os.path.join(log.dir, "private", "snapshots")) if log.protected else []:
        if name == f"{c['snapshots']['enterprises']['root']}.jsonl.gz":
            with open(os.path.join(log.dir, "private", "snapshots", name), "rb") as f:
                leaves = gzip.decompress(f.read()).split(b"\n")[:-1]
    if leaves is None:
        with open(os.path.join(log.dir, "snapshots", f"{c['snapshots']['enterprises']['root']}.jsonl.gz"), "rb") as f:
            leaves = gzip.decompress(f.read()).split(b"\n")[:-1]
    leaf = next(x for x in leaves if json.loads(x)[0] == uscc)
    v = json.loads(leaf)
    states = log.states[merkle.leaf_hash(log.lines[commitment_index]).hex()]
    if log.protected:
        tree = blinded_snapshot("enterprises", leaves, c["plan"], states)
        mine = blinded_line("enterprises", leaf, c["plan"], states)
    else:
        tree, mine = leaves, leaf
    hashes = [merkle.leaf_hash(x) for x in tree]
    i = tree.index(mine)
    seed_hash = hashlib.sha256(doc["seed"].encode()).hexdigest()
    n = int.from_bytes(hashlib.sha256((seed_hash + uscc).encode()).digest(), "big")
    ticket = "0." + str(n).rjust(64, "0")[::-1]
    stratum = next(s for s in doc["strata"] if s["class"] == v[2])
    state = states[uscc]
    selected = state == "eligible" and stratum["cutoff"] is not None and ticket <= stratum["cutoff"]
    return {"format": "fairdraw-disclosure/1", "vkey": log.vkey,
            "commitment": log.receipt(commitment_index), "result": log.receipt(result_index),
            "leaf": v, "salt": salt_of("enterprises", leaf).hex() if log.protected else "",
            "proof": {"index": i, "hashes": [h.hex() for h in merkle.inclusion_proof(hashes, i)]},
            "verdict": {"uscc": uscc, "class": v[2], "state": state, "ticket": ticket, "cutoff": stratum["cutoff"],
                        "selected": selected, "why": "for people"}}


def verify_log(directory, *extra):
    run = subprocess.run([sys.executable, os.path.join(AUDIT, "verify.py"), "log", directory,
                          "--now", "2026-12-03T00:00:00Z", *extra], capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr
