"""LOG-FORMAT "Wake-ups" and SPEC §6.3: the WakeUp entry's body, and the
`log_wakes` of a commitment whose plan has `scope.wake`, re-derived from the
WakeUp entries before it."""


from .embargo import china_date
from .uscc import uscc_problem

REASONS = ("resumed", "complaint", "risk_signal", "term_ended")
OPTIONAL = ("note", "by")                        # strings when present (never null)


def body_problem(body):
    """None when a WakeUp body's values are valid (the field names and types are checked by the caller)."""
    msg = uscc_problem(body["uscc"])
    if msg:
        return f"uscc {body['uscc']!r}: {msg}"
    if body["reason"] not in REASONS:
        return f"reason {body['reason']!r} is not one of {', '.join(REASONS)}"
    return None


def log_wakes(earlier):
    """Per USCC its latest WakeUp among `earlier` (well-formed entries in log order), sorted by USCC."""
    latest = {}
    for w in earlier:
        if w.kind == "WakeUp":
            latest[w.body["uscc"]] = w
    return [{"uscc": u, "reason": w.body["reason"], "entry": w.id, "date": china_date(w.time)}
            for u, w in sorted(latest.items())]


def commitment_problems(e, b, earlier):
    """What is wrong with a commitment's `log_wakes` and its plan's `scope.wake` (a list of texts)."""
    wake = b["plan"].get("scope", {}).get("wake") if isinstance(b["plan"].get("scope"), dict) else None
    if wake is None:
        return ["log_wakes is present but the plan has no scope.wake"] if "log_wakes" in b else []
    wakes = log_wakes(earlier)
    out = []
    if b.get("log_wakes") != (wakes or None):
        out.append("log_wakes differ from the WakeUp entries before the commitment (a wake-up was added or dropped)")
    if not isinstance(wake, dict) or wake.get("woken") != [[w["uscc"], w["date"]] for w in wakes]:
        out.append("scope.wake.woken is not the log's wake-ups")
    idate = b["plan"].get("inspection_date")
    as_of = idate if idate else (china_date(e.time) if e.time else None)
    if not isinstance(wake, dict) or wake.get("as_of") != as_of:
        out.append("scope.wake.as_of is not the inspection date or the commitment's China date")
    return out
