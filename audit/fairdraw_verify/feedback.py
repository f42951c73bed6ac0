"""SPEC §6.4 "Feedback from results" and LOG-FORMAT "Feedback from results":
which firms a log flags for a plan with `feedback` (their last published
results found a problem, a follow-up of theirs is still open, or — when the
plan lists `woken` — they were woken and not checked since), re-derived
from the entries before a commitment, and the checks of that commitment's
`log_feedback` and of its plan's `feedback` (SPEC §3.3).  The draw's
feedback stratum itself is selection.strata's.  Written from the spec text.

    log_feedback(earlier, reasons, document_of) -> [{"uscc", "reason", "entry"}], sorted by USCC
    plan_problem(plan) -> str | None           the canonical `feedback` object
    commitment_problems(body, earlier, protected, document_of) -> [str]
"""

from .ledger import checks_of_year
from .plan import DEFAULT_FEEDBACK_REASONS, FEEDBACK_REASONS
from .ratio import parse_ratio, ratio_text

PUBLISHED = "已公示"                             # LOG-FORMAT "Results": the state of a public result
PROBLEM_CODES = ("A", "B", "C", "D", "8")       # SPEC §12 rule 6: an item with one of them found a problem
SHOWN = 5                                       # USCCs named per kind of difference


def published_results(earlier):
    """[(InspectionResult entry, its result with the Amendments among
    `earlier` applied in log order)] of the results whose state is then
    已公示, in log order.  An Amendment replaces the top-level keys its
    `result` gives; one that names anything but an InspectionResult changes
    nothing here."""
    results = {}
    for e in earlier:
        if e.kind == "InspectionResult":
            results[e.id] = (e, dict(e.body["result"]))
        elif e.kind == "Amendment" and e.body["amends"] in results:
            results[e.body["amends"]][1].update(e.body["result"])
    return [(e, r) for e, r in results.values() if r.get("state") == PUBLISHED]


def found_problem(result):
    """SPEC §12 rule 6: a v2 result (`format` 2) one of whose items' codes
    holds A, B, C, D or 8.  A v1 result never found one."""
    if type(result.get("format")) is not int or result["format"] != 2 or not isinstance(result.get("items"), list):
        return False
    return any(isinstance(item, dict) and isinstance(item.get("codes"), list)
               and any(isinstance(c, str) and c in PROBLEM_CODES for c in item["codes"])
               for item in result["items"])


def log_feedback(earlier, reasons, document_of):
    """LOG-FORMAT "Feedback from results": one element per flagged USCC
    among `earlier` (the well-formed entries before the commitment, in log
    order), the first rule among `reasons` that applies giving it:
    1. "problem", the firm's last results (its published results of the
    greatest inspection_date, compared as strings) found one, `entry` the
    lowest-index such result; 2. "follow_up", the first FollowUp of the
    firm that no FollowUpClosed closes; 3. "woken", its latest WakeUp,
    when no check of it (ledger) is logged after that.  A result without a
    string inspection_date has no date to be the last by: it is left out of
    rule 1.  `document_of(result)` is the draw document that counts for a
    DrawResult (ledger.checks_of_year)."""
    flags = {}
    if "problem" in reasons:
        flags.update(problems(earlier))
    if "follow_up" in reasons:
        closed = {e.body["follow_up"] for e in earlier if e.kind == "FollowUpClosed"}
        for e in earlier:
            if e.kind == "FollowUp" and e.id not in closed and e.body["uscc"] not in flags:
                flags[e.body["uscc"]] = ("follow_up", e.id)
    if "woken" in reasons:
        for u, w in woken_unchecked(earlier, document_of).items():
            flags.setdefault(u, ("woken", w))
    return [{"uscc": u, "reason": reason, "entry": entry} for u, (reason, entry) in sorted(flags.items())]


def woken_unchecked(earlier, document_of):
    """Rule 3: USCC -> id of its latest WakeUp, for the firms no check (a
    drawn DrawResult's targets, an ExternalChecks check; any year) logged
    after that WakeUp names."""
    latest = {}
    for e in earlier:
        if e.kind == "WakeUp":
            latest[e.body["uscc"]] = e
    index = {}
    for e in earlier:
        index.setdefault(e.id, e.index)
    for c in checks_of_year(earlier, None, document_of):
        w = latest.get(c.uscc)
        if w is not None and index[c.entry] > w.index:
            del latest[c.uscc]
    return {u: w.id for u, w in latest.items()}


def problems(earlier):
    """Rule 1: USCC -> ("problem", id of the first result of its last day that found one)."""
    per_firm = {}
    for e, r in published_results(earlier):
        if isinstance(r.get("inspection_date"), str):
            per_firm.setdefault(e.body["uscc"], []).append((e, r))
    flags = {}
    for uscc, results in per_firm.items():
        last = max(r["inspection_date"] for _, r in results)
        found = [e for e, r in results if r["inspection_date"] == last and found_problem(r)]
        if found:                                # `results` is in log order: the first is the lowest index
            flags[uscc] = ("problem", found[0].id)
    return flags


def plan_reasons(plan):
    """The reasons of a canonical plan's feedback (SPEC §3.3: absent = the default)."""
    return plan["feedback"].get("reasons", list(DEFAULT_FEEDBACK_REASONS))


def plan_problem(plan):
    """What is wrong with a canonical plan's `feedback` (SPEC §3.3, §6.4), or
    None (also when the plan has none)."""
    if "feedback" not in plan:
        return None
    fb = plan["feedback"]
    if not isinstance(fb, dict) or set(fb) - {"reasons"} != {"ratio", "flagged"}:
        return 'feedback must be {"ratio", "flagged"} and optionally "reasons" (spec §3.3)'
    if "reasons" in fb:
        reasons = fb["reasons"]
        words = isinstance(reasons, list) and all(isinstance(w, str) and w in FEEDBACK_REASONS for w in reasons)
        if not words or not reasons or reasons != [w for w in FEEDBACK_REASONS if w in reasons] \
                or reasons == list(DEFAULT_FEEDBACK_REASONS):
            return (f"feedback.reasons {reasons!r} must be distinct words among {', '.join(FEEDBACK_REASONS)} "
                    "in that order, not empty and not the default (problem, follow_up), which is left out (spec §3.3)")
    ratio = parse_ratio(fb["ratio"]) if isinstance(fb["ratio"], str) else None
    if ratio is None or ratio_text(ratio) != fb["ratio"]:
        return f"feedback.ratio {fb['ratio']!r} is not a canonical ratio (spec §3.1)"
    flagged = fb["flagged"]
    if not isinstance(flagged, list) or not all(isinstance(u, str) for u in flagged) \
            or flagged != sorted(set(flagged)):
        return "feedback.flagged must be a sorted list of distinct USCCs (spec §3.3)"
    if "strata" in plan:
        return "feedback is not allowed together with strata (spec §6.4)"
    return None


def commitment_problems(body, earlier, protected, document_of):
    """What is wrong with a DrawCommitment `body` (well-typed) as to feedback:
    `log_feedback` present exactly when the plan has `feedback`, equal to
    the list re-derived from `earlier`, and the plan's `feedback.flagged`
    its USCCs (a list of texts)."""
    plan = body["plan"]
    if "feedback" not in plan:
        return ["log_feedback is present but the plan has no feedback"] if "log_feedback" in body else []
    out = []
    if protected:
        out.append('a protected log does not commit a plan with feedback (LOG-FORMAT "Feedback from results")')
    shape = plan_problem(plan)
    if shape:
        out.append(f"the plan is not a canonical plan: {shape}")
    reasons = plan_reasons(plan) if shape is None else list(FEEDBACK_REASONS)
    expected = log_feedback(earlier, reasons, document_of)
    if "log_feedback" not in body:
        out.append("the plan has feedback but the commitment has no log_feedback")
    elif body["log_feedback"] != expected:
        out.append("log_feedback differs from the published results and follow-ups before the commitment: "
                   + differences(body["log_feedback"], expected))
    if shape is None and plan["feedback"]["flagged"] != [x["uscc"] for x in expected]:
        flagged = plan["feedback"]["flagged"]
        want = [x["uscc"] for x in expected]
        out.append("the plan's feedback.flagged is not the USCCs the log flags"
                   + named("; not flagged", [u for u in flagged if u not in want])
                   + named("; missing", [u for u in want if u not in flagged]))
    return out


def differences(given, expected):
    """What differs between a logged `log_feedback` and the recomputed one, in words."""
    shape = isinstance(given, list) and all(
        isinstance(x, dict) and set(x) == {"uscc", "reason", "entry"} and all(isinstance(v, str) for v in x.values())
        for x in given)
    if not shape:
        return 'it must be [{"uscc","reason","entry"}…] (strings)'
    mine = {x["uscc"]: x for x in expected}
    theirs = {x["uscc"]: x for x in given}
    said = (named("not flagged", [u for u in theirs if u not in mine])
            + named("; missing", [u for u in mine if u not in theirs])
            + named("; another reason or entry", [u for u in theirs if u in mine and theirs[u] != mine[u]]))
    if said.startswith("; "):
        said = said[2:]
    return said or "the same firms, but not once each in USCC order"


def named(what, usccs):
    if not usccs:
        return ""
    return f"{what}: {', '.join(usccs[:SHOWN])}" + (f" and {len(usccs) - SHOWN} more" if len(usccs) > SHOWN else "")
