"""Follow-ups (后续处置) and objections (异议): the four entry kinds of
LOG-FORMAT "Follow-ups" and "Objections" — their bodies (beyond the field
types of auditlog.BODY) and their references to earlier entries."""

import re
from datetime import date

# Fields and types, as in auditlog.BODY; OPTIONAL lists those that may be absent.
BODY = {
    "FollowUp": {"result": "hex", "uscc": str, "action": str, "due": str, "by": str},
    "FollowUpClosed": {"follow_up": "hex", "outcome": str, "by": str},
    "Objection": {"uscc": str, "result": "hex", "draw": "hex", "text": str, "by": str},
    "ObjectionAnswer": {"objection": "hex", "answer": str, "outcome": str, "by": str},
}
OPTIONAL = {
    "FollowUp": {"by"},
    "FollowUpClosed": {"by"},
    "Objection": {"result", "draw", "by"},
    "ObjectionAnswer": {"by"},
}
ACTIONS = ("abnormal_list", "case", "referral", "correction")
OUTCOMES = ("upheld", "rejected", "partly")
TEXT_MAX = 2000
SHORT_MAX = 64
# Bounded text: 1..max characters, none a control character (U+0000-U+001F, U+007F-U+009F).
CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def text_problem(field, value, limit):
    n = len(value)
    if n == 0 or n > limit:
        return f"{field} must be 1 to {limit} characters, is {n}"
    m = CONTROL.search(value)
    if m:
        return f"{field} holds the control character U+{ord(m.group()):04X}"
    return None


def due_problem(value):
    if DATE.match(value):
        try:
            d = date(int(value[:4]), int(value[5:7]), int(value[8:]))
            if 1900 <= d.year <= 2999:
                return None
        except ValueError:
            pass
    return f"due {value!r} is not a date YYYY-MM-DD"


def body_problems(kind, body):
    """What is wrong with a well-typed body of one of the four kinds."""
    out = []
    texts = {"FollowUp": [("uscc", SHORT_MAX)], "FollowUpClosed": [("outcome", TEXT_MAX)],
             "Objection": [("uscc", SHORT_MAX), ("text", TEXT_MAX)], "ObjectionAnswer": [("answer", TEXT_MAX)]}[kind]
    for field, limit in texts + [("by", SHORT_MAX)]:
        if field in body:
            p = text_problem(field, body[field], limit)
            if p:
                out.append(p)
    if kind == "FollowUp":
        if body["action"] not in ACTIONS:
            out.append(f"action {body['action']!r} is not one of {', '.join(ACTIONS)}")
        p = due_problem(body["due"])
        if p:
            out.append(p)
    if kind == "ObjectionAnswer" and body["outcome"] not in OUTCOMES:
        out.append(f"outcome {body['outcome']!r} is not one of {', '.join(OUTCOMES)}")
    return out


class References:
    """The reference checks, run in log order by the LogVerifier `v`."""

    def __init__(self, v):
        self.v = v
        self.closed = set()

    def check(self, e, b):
        v = self.v
        if e.kind in ("FollowUp", "Objection") and "result" in b:
            r = v.earlier(e, b["result"], ["InspectionResult"], "result")
            if r is not None and r.body["uscc"] != b["uscc"]:
                v.problem(f"entry {e.index} ({e.kind}): uscc {b['uscc']} is not the result's uscc {r.body['uscc']}")
        if e.kind == "Objection" and "draw" in b:
            v.earlier(e, b["draw"], ["DrawResult"], "draw")
        for kind, field, named, what in (("FollowUpClosed", "follow_up", "FollowUp", "closed"),
                                         ("ObjectionAnswer", "objection", "Objection", "answered")):
            if e.kind == kind:
                target = v.earlier(e, b[field], [named], field)
                if target is not None:
                    if b[field] in self.closed:
                        v.problem(f"entry {e.index} ({e.kind}): {field} {b[field]} is {what} already")
                    self.closed.add(b[field])
