"""Abandoned and competing commitments (LOG-FORMAT "Abandoned and competing
commitments"): tickets an operator could grind with by revealing only the
draw they like."""


def _drand_round(c):
    b = c.body["beacon"]
    r = b.get("round") if isinstance(b, dict) else None
    if b.get("type") == "drand" and isinstance(r, int) and not isinstance(r, bool) and r >= 0:
        return r
    return None


def _is_ceremony(c):
    return isinstance(c.body["beacon"], dict) and c.body["beacon"].get("type") == "ceremony"


def _items(c):
    plan = c.body["plan"]
    items = plan.get("items") if isinstance(plan, dict) else None
    return {i["item"] for i in items or [] if isinstance(i, dict) and isinstance(i.get("item"), str)}


def _scopes_disjoint(a, b):
    """LOG-FORMAT: two scopes select no common firm (statuses, region or
    industry prefixes, or one `where` column with different values)."""
    def strings(scope, key):
        v = scope.get(key) if isinstance(scope, dict) else None
        return [s for s in v or [] if isinstance(s, str)]

    # a waking scope (SPEC §6.3) may select 歇业 firms too
    sa, sb = (strings(x, "statuses") + (["歇业"] if isinstance(x, dict) and "wake" in x else []) for x in (a, b))
    if sa and sb and not set(sa) & set(sb):
        return True
    for key in ("regions", "industries"):
        x, y = strings(a, key), strings(b, key)
        if x and y and not any(p.startswith(q) or q.startswith(p) for p in x for q in y):
            return True

    def pairs(scope):
        v = scope.get("where") if isinstance(scope, dict) else None
        return [(p[0], p[1]) for p in v or [] if isinstance(p, list) and len(p) == 2
                and isinstance(p[0], str) and isinstance(p[1], str)]

    return any(c == col and v != val for col, val in pairs(a) for c, v in pairs(b))


def _scope(c):
    plan = c.body["plan"]
    return plan.get("scope") if isinstance(plan, dict) else None


def suspects(log, now):
    """Lines for the well-formed entries `log` (in order); `now` is the
    verifier's clock in Unix seconds, or None to skip abandonment."""
    from .auditlog import parse_time         # auditlog imports this module
    revealed = {}
    for e in log:
        if e.kind == "BeaconRecord" and isinstance(e.body.get("commitment"), str):
            revealed.setdefault(e.body["commitment"], e.index)
    commitments = [e for e in log if e.kind == "DrawCommitment"]
    out = []
    if now is not None:
        for c in commitments:
            rnd, t = _drand_round(c), c.body["beacon"].get("round_time")
            if c.id in revealed or rnd is None:
                continue
            at = parse_time(t)
            if at is not None and at.timestamp() <= now:
                out.append(f"abandoned commitment {c.id} (entry {c.index}): drand round {rnd} was published at {t} "
                           "but the commitment has no BeaconRecord (a draw not revealed can hide a draw disliked)")

    def compete(x, y):                       # x earlier than y
        ix, iy = _items(x), _items(y)
        if ix and iy and not ix & iy:        # a plan without items covers every item
            return False
        if _scopes_disjoint(_scope(x), _scope(y)):
            return False
        rx, ry = _drand_round(x), _drand_round(y)
        if rx is not None and ry is not None:
            return rx == ry
        return _is_ceremony(x) and _is_ceremony(y) and revealed.get(x.id, float("inf")) > y.index

    group = list(range(len(commitments)))

    def root(k):
        while group[k] != k:
            k = group[k]
        return k

    for a in range(len(commitments)):
        for b in range(a + 1, len(commitments)):
            if compete(commitments[a], commitments[b]):
                group[root(b)] = root(a)
    members = {}
    for k in range(len(commitments)):
        members.setdefault(root(k), []).append(commitments[k])
    for cs in members.values():
        if len(cs) < 2:
            continue
        rnd = _drand_round(cs[0])
        beacon = f"drand round {rnd}" if rnd is not None else "ceremonies open at the same time"
        counts = {}
        for c in cs:
            for item in _items(c):
                counts[item] = counts.get(item, 0) + 1
        shared = sorted(i for i, n in counts.items() if n >= 2)
        overlap = f"share item(s) {', '.join(shared)}" if shared else "overlap (a plan without items covers every item)"
        out.append("competing commitments " + ", ".join(f"{c.id} (entry {c.index})" for c in cs)
                   + f" to {beacon} {overlap}: revealing only one of them chooses the draw")
    return out
