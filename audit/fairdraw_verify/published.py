"""`verify.py log DIR` for LOG-FORMAT "Publication: protected and full logs,
disclosures, embargo": the part of auditlog.LogVerifier that reads a
protected log's blinded snapshots and (auditor export) its full snapshots
and salts, checks sealed results and their DrawPublication, and checks every
drawn document — by replay when the full snapshots are there, else by the
public checks 1-6 (publication.py).

Output lines (besides auditlog's), stable for cross-checks:

    OK <result id> <text>                 replayed and equal (full log, or protected with the auditor export)
    DIFF <result id> <text>               replayed and different (tampering)
    PUBLIC <result id> <plan name>: <n> targets; counts, sample sizes, openings, tickets and teams checked, not replayed
    PUBLIC <result id> infeasible: not replayed
    PUBLIC <result id> <k> problem(s) in the public checks
    note: draw <result id>: sealed until <YYYY-MM-DD>
    note: protected log: replay, eligibility of unselected firms and team rules that use private fields need the auditor export
    problem: entry <index> (<kind>): check <N> (<what>): <what differs>
    problem: entry <index> (DrawCommitment): the blinded <registry> snapshot recomputed from … has root …, the commitment says …
    problem: entry <index> (RegistrySnapshot): <root>.salts.gz …
    problem: publication <id> does not match the sealed draw <result id>: <what differs>
    problem: entry <index> (DrawPublication): published on <date> (China date), before the seal's until <until>
    problem: entry <index> (DrawPublication): result <id> is not sealed: … | is already published by entry <i>: …
    problem: entry <index> (DrawResult): sealed.<field> … | sealed, but the commitment's plan has no embargo
    problem: entry <index> (DrawResult): the commitment's plan has an embargo, but the draw is not sealed
    VERIFIED: … <k> draw(s) replayed[; <p> draw(s) checked without replay (protected log)][; <s> draw(s) sealed][; …]

A published sealed draw is checked under its result's id; problems name
the DrawPublication entry that holds the document."""

import os

from . import replay
from .blinding import HEX64, REGISTRIES
from .embargo import china_date, publication_mismatch, sealed_problems
from .publication import load_blinded, public_problems, recomputed_problems

PROTECTED_NOTE = ("protected log: replay, eligibility of unselected firms and team rules that use private fields "
                  "need the auditor export")
MAX_LINES = 20                         # public-check problems shown per document


class PublicationChecks:
    """Mixed into auditlog.LogVerifier (self.problem, note, out, read, load_blob,
    snapshots, by_id, earlier, check_seed_and_digest, check_target)."""

    def init_publication(self):
        self.salts = {}                   # full snapshot root -> its salts (32-byte each), when read
        self.blinded = {}                 # commitment id -> publication.Blinded, or None when broken
        self.sealed_ok = set()            # ids of DrawResults whose `sealed` is well-formed
        self.publication_of = {}          # sealed DrawResult id -> its DrawPublication entry
        self.inspections_of_sealed = []   # (InspectionResult, sealed DrawResult), judged once published
        self.public_only = False          # a commitment whose full snapshots are not here (a public mirror)

    # -- the full snapshots of a protected log (auditor export or the operator's private/)
    def load_full_blob(self, root, where):
        """The leaves of full snapshot `root` from snapshots/ (auditor export)
        or private/snapshots/ (the operator's directory), None when neither has
        it (a public mirror), or a string saying what is wrong.  Reads its
        salts beside it."""
        for folder in ("snapshots", os.path.join("private", "snapshots")):
            name = f"{folder}/{root}.jsonl.gz"
            if not os.path.exists(self.path(name)):
                continue
            leaves = self.load_blob(root, name)
            if isinstance(leaves, str):
                return leaves
            if not leaves:                  # an empty registry: its blinded blob has the same root and name
                self.salts[root] = []
                return leaves
            salts = self.load_blob(root, f"{folder}/{root}.salts.gz")
            if isinstance(salts, str):
                self.problem(f"{where}: {salts}: the blinded snapshots cannot be recomputed")
            elif len(salts) != len(leaves) or not all(HEX64.fullmatch(x.decode("ascii", "replace")) for x in salts):
                self.problem(f"{where}: {folder}/{root}.salts.gz has {len(salts)} lines for {len(leaves)} leaves, or a "
                             "line that is not a 64-hex-digit salt")
            else:
                self.salts[root] = [bytes.fromhex(x.decode("ascii")) for x in salts]
            return leaves
        return None

    # -- DrawCommitment.blinded: check 1, and the auditor's recomputation
    def check_blinded(self, e, b):
        where = f"entry {e.index} (DrawCommitment)"
        bl = b["blinded"]
        if set(bl) != set(REGISTRIES) or not all(
                isinstance(s, dict) and set(s) == {"root", "count"} and isinstance(s["root"], str)
                and HEX64.fullmatch(s["root"]) and isinstance(s["count"], int) and not isinstance(s["count"], bool)
                for s in bl.values()):
            self.problem(f"{where}: blinded must be {{\"enterprises\",\"inspectors\",\"conflicts\"}}, each "
                         "{\"root\", \"count\"}")
            self.blinded[e.id] = None
            return
        blinded, problems = load_blinded(bl, self.load_blob)
        for p in problems:
            self.problem(f"{where}: {p}")
        self.blinded[e.id] = blinded
        full = self.full_snapshots(b)
        if full is None:
            self.public_only = True
            return
        roots = {reg: b["snapshots"][reg]["root"] for reg in REGISTRIES}
        if not all(roots[reg] in self.salts for reg in REGISTRIES):
            return                                          # reported at the RegistrySnapshot
        for p in recomputed_problems(bl, {reg: full[reg][0] for reg in REGISTRIES},
                                     {reg: self.salts[roots[reg]] for reg in REGISTRIES}, b["plan"]):
            self.problem(f"{where}: {p}")

    def full_snapshots(self, commitment_body):
        """{registry: (leaves, columns, entry)} when all three full snapshots were read, else None."""
        try:
            full = {reg: self.snapshots.get((reg, commitment_body["snapshots"][reg]["root"])) for reg in REGISTRIES}
        except (KeyError, TypeError):
            return None
        return full if all(v is not None for v in full.values()) else None

    # -- DrawResult: sealed or not, as the plan says
    def check_embargo(self, e, b, c):
        where = f"entry {e.index} (DrawResult)"
        if b["outcome"] != "drawn":
            return
        plan = c.body["plan"]
        embargo = isinstance(plan, dict) and "embargo" in plan
        if "sealed" not in b:
            if embargo:
                self.problem(f"{where}: the commitment's plan has an embargo, but the draw is not sealed")
            return
        problems = sealed_problems(b["sealed"], e.time, isinstance(plan, dict) and "feedback" in plan)
        if not embargo:
            problems.insert(0, "sealed, but the commitment's plan has no embargo")
        for p in problems:
            self.problem(f"{where}: {p}")
        if not problems:
            self.sealed_ok.add(e.id)

    def document_of(self, r):
        """The drawn document of DrawResult `r`: its `draw`, or its publication's
        when it is sealed and published (so far); None otherwise."""
        if "draw" in r.body:
            return r.body["draw"]
        pub = self.publication_of.get(r.id)
        return pub.body["draw"] if pub is not None else None

    # -- DrawPublication
    def ref_DrawPublication(self, e, b):
        where = f"entry {e.index} (DrawPublication)"
        r = self.earlier(e, b["result"], ["DrawResult"], "result")
        if r is None:
            e.ok = False
            return
        if "sealed" not in r.body:
            self.problem(f"{where}: result {r.id} is not sealed: only a sealed draw is published by a DrawPublication")
            e.ok = False
            return
        if r.id in self.publication_of:
            self.problem(f"{where}: result {r.id} is already published by entry {self.publication_of[r.id].index}: "
                         "at most one publication per sealed result")
            e.ok = False
            return
        if b["commitment"] != r.body["commitment"]:
            self.problem(f"{where}: commitment {b['commitment']} is not the result's commitment {r.body['commitment']}")
            e.ok = False
            return
        self.publication_of[r.id] = e
        if r.id in self.sealed_ok:
            sealed = r.body["sealed"]
            if e.time is not None and china_date(e.time) < sealed["until"]:
                self.problem(f"{where}: published on {china_date(e.time)} (China date), before the seal's until "
                             f"{sealed['until']}")
            why = publication_mismatch(sealed, b["draw"])
            if why is not None:
                self.problem(f"publication {e.id} does not match the sealed draw {r.id}: {why}")
        self.check_seed_and_digest(where, b["draw"], self.by_id[r.body["beacon"]], self.by_id[r.body["commitment"]])

    def check_sealed_inspections(self):
        """LOG-FORMAT "Embargo": once published, an InspectionResult's USCC is a target of the document."""
        for e, r in self.inspections_of_sealed:
            pub = self.publication_of.get(r.id)
            if pub is not None:
                self.check_target(e, pub.body["draw"], r)

    # -- every drawn document: replay, or the public checks
    def check_draws(self, draws):
        counted = {"replayed": 0, "public": 0, "sealed": 0}
        for e in draws:
            b = e.body
            c = self.by_id[b["commitment"]]
            holder, doc, openings = e, b.get("draw"), b.get("openings")
            if "sealed" in b:
                pub = self.publication_of.get(e.id)
                if pub is None:
                    self.note(f"draw {e.id}: sealed until {b['sealed'].get('until')}")
                    counted["sealed"] += 1
                    continue
                holder, doc, openings = pub, pub.body["draw"], pub.body.get("openings")
            full = self.full_snapshots(c.body) is not None
            if not self.protected or full:
                line, same = replay.replay(b["outcome"], doc, c.body, self.by_id[b["beacon"]].body["seed"],
                                           self.snapshots)
                if not same:
                    self.diffs += 1
                self.out(f"{'OK' if same else 'DIFF'} {e.id} {line}")
                counted["replayed"] += 1
            else:
                counted["public"] += 1
            if not self.protected:
                continue
            if b["outcome"] != "drawn":
                if not full:
                    self.out(f"PUBLIC {e.id} infeasible: not replayed")
                continue
            self.public_checks(e, holder, c, doc, openings, full)
        if self.public_only:                  # once per protected log without the auditor's data
            self.note(PROTECTED_NOTE)
        return counted

    def public_checks(self, e, holder, c, doc, openings, replayed):
        """Checks 2-6 (check 1 is the commitment's); with the auditor export
        they still check the openings, which a replay does not read."""
        where = f"entry {holder.index} ({holder.kind})"
        blinded = self.blinded.get(c.id)
        if blinded is None:
            problems = [f"check 1 (blinded snapshots): the commitment's blinded snapshots are broken "
                        f"(entry {c.index}): nothing can be checked"]
        else:
            try:
                problems = public_problems(doc, openings, c.body["plan"], blinded)
            except (KeyError, TypeError, ValueError, AttributeError) as x:
                problems = [f"check 2 (counts): the committed plan is malformed ({type(x).__name__}: {x})"]
        for p in problems[:MAX_LINES]:
            self.problem(f"{where}: {p}")
        if len(problems) > MAX_LINES:
            self.problem(f"{where}: … and {len(problems) - MAX_LINES} more public-check problems")
        if replayed:
            return
        if problems:
            self.out(f"PUBLIC {e.id} {len(problems)} problem(s) in the public checks")
        else:
            self.out(f"PUBLIC {e.id} {doc.get('plan_name')}: {len(doc['assignments'])} targets; counts, sample sizes, "
                     "openings, tickets and teams checked, not replayed")
