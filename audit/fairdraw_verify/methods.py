"""SPEC §8.6 "Off-site methods": the method words and their Chinese names,
an item's methods, a plan's effective method and the refusals it brings
(§3.2), the canonical keys `method` and `team.reviewers` (§3.3) read back
strictly from a logged plan, and the slots of a target (§8.2).

    method_word(text)                 the word a plan's `method` names, or None
    item_methods(item)                the words of a canonical item's `method` text
    effective_method(...)             §8.6's choice (`method`, or prefer_offsite)
    offsite_problems(...)             why an off-site plan is refused, [(key, message)]
    stored_method(plan)               (method, reviewers) of a canonical plan; ValueError
    slot_counts(plan)                 (inspector slots, expert slots) of each target
"""

from .tables import split_set

METHODS = ("on_site", "desk", "online", "data")   # spec §8.6, the ledger's and results' method words

OFFSITE = METHODS[1:]                        # desk, online, data: §8.6's order for prefer_offsite
NAMES = {**{w: w for w in METHODS},
         "实地核查": "on_site", "实地检查": "on_site", "现场检查": "on_site",
         "书面核查": "desk", "书面检查": "desk",
         "网络监测": "online",
         "信息共享": "data"}
REFUSED = f"must be one of {', '.join(METHODS)}"


def method_word(text):
    """§8.6: the word a (trimmed) name or word stands for, or None."""
    return NAMES.get(text)


def item_methods(item):
    """§8.6: the methods of a canonical item (§3.3: its `method` is the sorted
    set joined with "、", a §1.2 separator): the words of the elements that
    are a method name or word; the others are ignored."""
    return {NAMES[p] for p in split_set(item["method"]) if p in NAMES}


def effective_method(method, prefer_offsite, items):
    """§8.6: `method` (a word, or None when the plan gives none); with
    prefer_offsite the first off-site word every chosen item allows, else
    on_site (also when no item is chosen)."""
    if method is not None:
        return method
    if prefer_offsite and items:
        allowed = set.intersection(*(item_methods(i) for i in items))
        return next((m for m in OFFSITE if m in allowed), "on_site")
    return "on_site"


def offsite_problems(method, items, experts, reviewers, departments):
    """§3.2, §8.6: (plan key, message) for each reason the off-site effective
    `method` is refused; [] on site."""
    if method == "on_site":
        return []
    out = []
    for i in items:
        allowed = item_methods(i)
        if allowed and method not in allowed:
            out.append(("items", f"item 「{i['item']}」 is checked by {', '.join(sorted(allowed))}: not by {method}"))
    if experts != 0:
        out.append(("team.experts", f"must be 0 with the off-site method {method} (experts join on-site visits only)"))
    if reviewers < len(departments):
        out.append(("team.reviewers", f"{reviewers} is less than the {len(departments)} team.departments: an "
                                      f"off-site check ({method}) needs one reviewer per department"))
    return out


def stored_method(plan):
    """(method, reviewers) of a canonical plan read back from a log (§3.3,
    §8.6): `method` only with an off-site word, `team.reviewers` (1 or 2)
    only together with it; ("on_site", None) when both are absent.  Raises
    ValueError saying what is wrong."""
    team = plan["team"]
    if not isinstance(team, dict):
        raise ValueError("plan.team is not an object")
    if "method" not in plan:
        if "reviewers" in team:
            raise ValueError("plan.team.reviewers is given without an off-site plan.method (spec §8.6)")
        return "on_site", None
    method, reviewers = plan["method"], team.get("reviewers")
    if method not in OFFSITE:
        raise ValueError(f"plan.method {method!r} is not an off-site word ({', '.join(OFFSITE)}); an on-site "
                         "plan has no method key (spec §3.3)")
    if type(reviewers) is not int or reviewers not in (1, 2):
        raise ValueError(f"plan.team.reviewers {reviewers!r} is not 1 or 2, which an off-site plan carries "
                         "(spec §8.6)")
    return method, reviewers


def slot_counts(plan):
    """§8.2, §8.6: (inspector slots, expert slots) of every target: `reviewers`
    and none off site, else `team.size` and `team.experts`."""
    method, reviewers = stored_method(plan)
    if method != "on_site":
        return reviewers, 0
    return plan["team"]["size"], plan["team"]["experts"]
