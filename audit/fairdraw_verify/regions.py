"""SPEC §6.1 "Region strata and floors": with [strata], a stratum per
(class, region), and each region short of its floor topped up with its next
smallest tickets of any class."""

from itertools import repeat

from .ratio import parse_ratio
from .registries import CLASSES
from .selection import in_scope, sample_size, scope_of, strata, ticket


def selection(enterprises, plan, ratios, seed_hash):
    """§6-§7 (or §6.1 with [strata]): (strata, floors or None, targets) where a
    target is (ticket, record), in assignment order (§8.2)."""
    if "strata" not in plan:
        out, targets = strata(enterprises, plan, ratios, seed_hash)
        return out, None, targets
    digits = plan["strata"]["region_digits"]
    scope, exclude = scope_of(plan), set(plan["exclude"])
    groups = {}                                  # (class, region) -> in-scope records
    for e in enterprises:
        if in_scope(e, scope):
            groups.setdefault((e[2], e[3][:digits]), []).append(e)
    order = sorted(groups, key=lambda g: (CLASSES.index(g[0]), g[1]))
    out, targets, regions = [], [], {}
    for c, region in order:
        population = groups[(c, region)]
        eligible = [e for e in population if e[0] not in exclude]
        n = len(eligible)
        k = sample_size(n, ratios[c], plan["min"][c], plan["max"][c])
        usccs = [e[0] for e in eligible]
        ranked = sorted(zip(map(ticket, repeat(seed_hash), usccs), usccs, eligible))   # ties by USCC (§7)
        chosen, rest = ranked[:k], ranked[k:]
        tally = regions.setdefault(region, [0, 0, []])
        tally[0] += n
        tally[1] += k
        tally[2].extend(rest)
        out.append({"class": c, "region": region, "population": len(population), "excluded": len(population) - n,
                    "eligible": n, "ratio": plan["ratios"][c], "sample_size": k,
                    "cutoff": chosen[-1][0] if chosen else None,
                    "selected": [u for _, u, _ in chosen]})
        targets.extend((tk, e) for tk, _, e in chosen)
    floor_ratio = parse_ratio(plan["strata"]["floor"])
    floors = []
    for region in sorted(regions):
        eligible, drawn, rest = regions[region]
        floor = sample_size(eligible, floor_ratio, 0, None)     # ceil(E · f), at most E
        top_up = sorted(rest)[:max(floor - drawn, 0)]
        floors.append({"region": region, "eligible": eligible, "drawn": drawn, "floor": floor,
                       "top_up": [u for _, u, _ in top_up]})
        targets.extend((tk, e) for tk, _, e in top_up)
    return out, floors, targets
