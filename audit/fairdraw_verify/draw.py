"""SPEC §9 "The draw document": every input read and checked (§1-§3), then
the document computed from them and the seed (§5-§9)."""

import hashlib
from operator import itemgetter

from .assignment import Assigner, NoAssignment, Stream, suggest
from .canonical import canonical_json
from .plan import ALGORITHM, load_plan
from .registries import read_conflicts, read_enterprises, read_inspectors
from .report import BadInput, Problems
from .selection import strata
from .snapshots import snapshots


def load_inputs(args):
    """Reads and validates every input (§1-§3); raises BadInput with all problems."""
    problems = Problems()
    loaded = load_plan(args.plan, problems)
    plan, ratios = loaded if loaded else (None, None)
    where_columns = [k for k, _ in plan["scope"]["where"]] if plan else []
    n0 = problems.count()
    ents = read_enterprises(args.enterprises, where_columns, problems)
    n1 = problems.count()
    ins = read_inspectors(args.inspectors, problems)
    n2 = problems.count()
    conflicts = set()
    if args.conflicts:                   # §1.3 references are checked against error-free registries only
        usccs = {e[0] for e in ents[0]} if ents is not None and n1 == n0 else None
        ids = {i["id"] for i in ins} if ins is not None and n2 == n1 else None
        conflicts = read_conflicts(args.conflicts, ids, usccs, problems)
    if plan is not None and ins is not None and n2 == n1:
        unknown_to_the_roster(args.plan, plan["team"], args.inspectors, ins, problems)
    problems.check()
    return plan, ratios, ents, ins, conflicts


def unknown_to_the_roster(plan_path, team, roster_path, inspectors, problems):
    """§3.2: every team department and qualification must be held by someone in the roster."""
    known = {"department": sorted({i["department"] for i in inspectors}),
             "qualification": sorted({q for i in inspectors for q in i["qualifications"]})}
    for key, what, verb in (("team.departments", "department", "belongs to"),
                            ("team.qualifications", "qualification", "holds")):
        for name in team[key.split(".")[1]]:
            if name not in known[what]:
                listed = ", ".join(known[what][:30] + (["…"] if len(known[what]) > 30 else [])) or "none"
                problems.add(plan_path, f"{key}: unknown {what}: no one in {roster_path} {verb} it "
                                        f"({what}s there: {listed})", value=name)


def compute_draw(inputs, seed):
    """§5-§9: the draw document as an ordered dict."""
    plan, ratios, (enterprises, resolved), inspectors, conflicts = inputs
    enterprises.sort(key=itemgetter(0))                 # by USCC (§5)
    where_columns = [k for k, _ in plan["scope"]["where"]]
    extra = [j for j, (kind, _) in enumerate(resolved) if kind == "extra"]
    seed_hash = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    strata_out, targets = strata(enterprises, plan, ratios, seed_hash)
    assigner = Assigner(plan, targets, inspectors, conflicts)
    try:
        teams = assigner.run(Stream(seed))
    except NoAssignment as e:
        msg = assigner.explain(*e.args)
        hint = suggest(plan, targets, inspectors, conflicts, seed)
        raise BadInput([f"no valid assignment: {msg}" + (f"; smallest relaxation that works: {hint}" if hint else
                                                        "; no single relaxation makes the plan feasible")])
    size = plan["team"]["size"]
    assignments = [{"uscc": e[0], "name": e[1], "class": e[2], "region": e[3], "ticket": tk,
                    "leader": team[0], "inspectors": team[:size], "experts": team[size:]}
                   for (tk, e), team in zip(targets, teams)]
    return {
        "format": "fairdraw-draw/1",
        "algorithm": ALGORITHM,
        "plan_name": plan["name"],
        "seed": seed,
        "seed_hash": seed_hash,
        "plan_digest": hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest(),
        "snapshots": snapshots(enterprises, extra, [where_columns[j] for j in extra], inspectors, conflicts),
        "strata": strata_out,
        "assignments": assignments,
        "plan": plan,
    }
