"""SPEC §6 "Strata and sample sizes" and §7 "Tickets and target selection
(consistent sampling)"."""

import hashlib
import heapq
from collections import Counter
from itertools import repeat

from .plan import filter_columns
from .ranges import in_range
from .ratio import parse_ratio
from .registries import CLASSES


def ticket(seed_hash, uscc):
    """§7: consistent-sampler first_fraction(uscc, seed)."""
    n = int.from_bytes(hashlib.sha256((seed_hash + uscc).encode("utf-8")).digest(), "big")
    return "0." + str(n).rjust(64, "0")[::-1]


def candidates(seed_hash, usccs, k):
    """The positions in usccs of a few tickets that hold the k smallest.

    A ticket (§7) is "0." and the decimal digits of n = SHA-256(...) from the
    last one, so its first two digits are those of n % 100, swapped, and
    tickets whose two first digits differ compare as those digits do.  The
    k smallest are then among the tickets whose first two digits are at most
    the smallest pair reached by k tickets: at 2% of a million firms about
    3% of them, and only those need the full ticket (its digits are the
    costly part of it, a 78-digit conversion)."""
    prefix, sha256 = seed_hash.encode("utf-8"), hashlib.sha256
    firsts = [FIRST_TWO[int.from_bytes(sha256(prefix + u.encode("utf-8")).digest(), "big") % 100] for u in usccs]
    count, reached = Counter(firsts), 0
    for bound in range(100):                     # the smallest bound with k tickets at or below it
        reached += count[bound]
        if reached >= k:
            break
    return [i for i, first in enumerate(firsts) if first <= bound]


FIRST_TWO = [m % 10 * 10 + m // 10 for m in range(100)]    # n % 100 -> the ticket's first two digits


def sample_size(n, ratio, minimum, maximum):
    """§6: k = min(max(ceil(N·p / 10^s), min), N), then min(k, max) when max is set."""
    p, s = ratio
    k = min(max(-(-n * p // 10**s), minimum), n)
    return k if maximum is None else min(k, maximum)


def in_scope(e, scope):
    """§6: status (or woken, §6.3), region prefix, industry prefix, where
    equalities, ranges (§6.2)."""
    statuses, regions, industries, where_values, ranges, wake = scope
    if ranges:
        return ((e[5] in statuses or wake is not None and woken(e, wake))
                and (not regions or e[3].startswith(regions))
                and (not industries or e[4].startswith(industries))
                and all(e[6][p] == v for p, v in where_values)
                and all(in_range(r, e[6][p]) for p, r in ranges))
    return ((e[5] in statuses or wake is not None and woken(e, wake))
            and (not regions or e[3].startswith(regions))
            and (not industries or e[4].startswith(industries))
            and e[6] == where_values)


def limit(start):
    """§6.3: the same month and day three years after `start` (29 February → 28 February)."""
    year, rest = int(start[:4]) + 3, start[4:]
    return f"{year:04d}{'-02-28' if rest == '-02-29' else rest}"


def term_ended(start, until, day):
    """§6.3: the declared term ended before `day`, or `day` is past the three-year limit."""
    return until != "" and until < day or start != "" and day > limit(start)


def is_dormant(status, start, until, day):
    """§6.3 is_dormant(row, d): 歇业 and its term has not ended on `day`."""
    return status == "歇业" and not term_ended(start, until, day)


def woken(e, wake):
    """§6.3: a 歇业 record (with its (dormant_from, dormant_until) last) taken back by scope.wake."""
    as_of, wakes = wake
    if e[5] != "歇业":
        return False
    start, until = e[7]
    if as_of and term_ended(start, until, as_of):
        return True
    return e[0] in wakes and (start == "" or wakes[e[0]] >= start)


def scope_of(plan):
    """The scope test's parameters (statuses, regions, industries, where,
    ranges, wake); e[6] holds the filter columns' values (§5) and, with
    scope.wake, e[7] the dormancy dates (§6.3)."""
    sc = plan["scope"]
    wake = sc.get("wake")
    if wake is not None:
        wake = (wake["as_of"], dict(map(tuple, wake["woken"])))
    ranges = sc.get("range", [])
    head = (set(sc["statuses"]), tuple(sc["regions"]), tuple(sc["industries"]))
    if not ranges:                               # e[6] is exactly the where values
        return (*head, tuple(v for _, v in sc["where"]), (), wake)
    columns = filter_columns(plan)
    return (*head, tuple((columns.index(c), v) for c, v in sc["where"]), tuple((columns.index(r[0]), r) for r in ranges),
            wake)


def strata(enterprises, plan, ratios, seed_hash):
    """§6 + §7: four strata (and, with `feedback`, the feedback stratum of
    §6.4 after them), and the selected enterprises with their tickets."""
    scope = scope_of(plan)
    exclude = set(plan["exclude"])
    statuses, regions, industries, where_values, ranges, wake = scope
    if not (regions or industries or ranges) and wake is None:     # in_scope reduced: no call per firm
        scoped = [e for e in enterprises if e[5] in statuses and e[6] == where_values]
    else:
        scoped = [e for e in enterprises if in_scope(e, scope)]
    flagged = set(plan["feedback"]["flagged"]) if "feedback" in plan else None
    fed = []                                     # §6.4: flagged firms in scope leave their class's stratum
    if flagged:
        population = {c: [] for c in CLASSES}
        for e in scoped:
            (fed if e[0] in flagged else population[e[2]]).append(e)
    else:
        population = {c: [e for e in scoped if e[2] == c] for c in CLASSES}
    out, targets = [], []
    for c in CLASSES:
        s, chosen = stratum(c, population[c], exclude, ratios[c], plan["ratios"][c], plan["min"][c], plan["max"][c],
                            seed_hash)
        out.append(s)
        targets.extend(chosen)
    if flagged is not None:                      # §6.4: listed last, present even when empty; no min or max
        ratio = plan["feedback"]["ratio"]
        s, chosen = stratum("feedback", fed, exclude, parse_ratio(ratio), ratio, 0, None, seed_hash)
        out.append(s)
        targets.extend(chosen)
    return out, targets


def stratum(label, population, exclude, ratio, ratio_text, minimum, maximum, seed_hash):
    """§6, §7: one stratum's object and its selected (ticket, record) in ticket order."""
    eligible = [e for e in population if e[0] not in exclude]
    n = len(eligible)
    k = sample_size(n, ratio, minimum, maximum)
    # §7: the k smallest tickets; equal tickets ordered by USCC.  nsmallest
    # keeps a heap of k and compares each ticket once: no sort of all N.
    usccs = [e[0] for e in eligible]
    near = candidates(seed_hash, usccs, k)
    usccs, eligible = [usccs[i] for i in near], [eligible[i] for i in near]
    chosen = heapq.nsmallest(k, zip(map(ticket, repeat(seed_hash), usccs), usccs, eligible))
    return ({"class": label, "population": len(population), "excluded": len(population) - n,
             "eligible": n, "ratio": ratio_text, "sample_size": k,
             "cutoff": chosen[-1][0] if chosen else None,
             "selected": [u for _, u, _ in chosen]},
            [(tk, e) for tk, _, e in chosen])
