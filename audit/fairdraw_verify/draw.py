"""SPEC §9 "The draw document": every input read and checked (§1-§3), then
the document computed from them and the seed (§5-§9)."""

import hashlib

from .assignment import Assigner, NoAssignment, Stream, suggest
from .canonical import canonical_json
from .child import InChild  # noqa: F401  (cli.py takes it from here)
from .methods import slot_counts
from .plan import ALGORITHM, filter_columns, load_plan
from .ranges import range_kind
from .registries import read_conflicts, read_enterprises, read_inspectors
from .report import BadInput, Problems
from .regions import selection
from .snapshots import snapshots


def load_inputs(args):
    """Reads and validates every input (§1-§3); raises BadInput with all problems."""
    problems = Problems()
    loaded = load_plan(args.plan, problems)
    plan, ratios = loaded if loaded else (None, None)
    columns = filter_columns(plan) if plan else []
    kinds = {r[0]: range_kind(r) for r in plan["scope"].get("range", [])} if plan else {}
    n0 = problems.count()
    ents = read_enterprises(args.enterprises, columns, problems, kinds, wake=bool(plan and "wake" in plan["scope"]))
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
    columns = filter_columns(plan)
    extra = [j for j, (kind, _, _) in enumerate(resolved) if kind != "field"]   # §5: in the leaf
    seed_hash = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    # The roots (§5) and the selection (§6-§8) are independent: the leaves are
    # sorted and hashed on the second core while this process draws.  The
    # selection does not depend on the registry's order (§7: by ticket, then USCC).
    with InChild(snapshots, enterprises, extra, [columns[j] for j in extra], inspectors, conflicts,
                 "wake" in plan["scope"]) as roots:
        strata_out, floors, targets = selection(enterprises, plan, ratios, seed_hash)
        teams = assign(plan, targets, inspectors, conflicts, seed)
        snapshot_roots = roots.result()
    size = slot_counts(plan)[0]                  # §8.2, §8.6: the inspector slots
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
        "snapshots": snapshot_roots,
        "strata": strata_out,
        **({"floors": floors} if floors is not None else {}),     # §9: only with [strata] (§6.1)
        "assignments": assignments,
        "plan": plan,
    }


def assign(plan, targets, inspectors, conflicts, seed):
    """§8: the teams, or BadInput saying why there is no valid assignment (§8.5)."""
    assigner = Assigner(plan, targets, inspectors, conflicts)
    try:
        return assigner.run(Stream(seed))
    except NoAssignment as e:
        msg = assigner.explain(*e.args)
        hint = suggest(plan, targets, inspectors, conflicts, seed)
        raise BadInput([f"no valid assignment: {msg}" + (f"; smallest relaxation that works: {hint}" if hint else
                                                        "; no single relaxation makes the plan feasible")])
