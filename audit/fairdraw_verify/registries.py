"""SPEC §1.1-§1.4: the enterprise registry, the inspector roster, the
conflicts (recusal) list and the other lists a plan names (items, exclusions,
history), each read through the §1 tables and checked row by row."""

import copy
import functools
import sys
from itertools import islice, repeat

from .child import InChild
from .ranges import normalize
from .ratio import ratio_or_problem, ratio_text
from .snapshots import LEAF_FIELDS
from .report import Problems
from .tables import REGION, ascii_lower, ascii_upper, checked_rows, parse_date, plain_records, read_table, split_set
from .uscc import all_valid, uscc_problem

CLASSES = ("A", "B", "C", "D")                  # §1.1 credit risk classes, also the §6 strata
CLASS = {**{c: c for c in CLASSES}, **{c.lower(): c for c in CLASSES}}   # lower case accepted

STATUS = {"存续": "存续", "在业": "存续", "在营": "存续", "开业": "存续", "active": "存续",
          "歇业": "歇业", "dormant": "歇业", "suspended": "歇业",
          "吊销": "吊销", "revoked": "吊销",
          "注销": "注销", "cancelled": "注销", "canceled": "注销"}
BOOLEAN = {"true": True, "yes": True, "y": True, "1": True, "是": True, "在岗": True,
           "false": False, "no": False, "n": False, "0": False, "否": False, "不在岗": False, "离岗": False}
ROLE = {"inspector": "inspector", "执法人员": "inspector", "检查人员": "inspector", "": "inspector",
        "expert": "expert", "专家": "expert"}

ENTERPRISE_COLUMNS = [
    ("uscc", ("统一社会信用代码", "信用代码"), True),
    ("name", ("企业名称", "名称"), True),
    ("credit_class", ("信用风险分类", "风险分类", "信用分类"), True),
    ("region", ("区域代码", "行政区划代码"), True),
    ("industry", ("行业代码",), True),
    ("status", ("登记状态", "经营状态"), True),
    ("established", ("成立日期",), False),
    ("dormant_from", ("歇业日期",), False),       # §6.3 the dormancy term
    ("dormant_until", ("歇业期限",), False),
    ("service_address", ("送达地址",), False),    # §6.3: never read
]
DORMANCY = ("dormant_from", "dormant_until")    # §5: the leaf's last two columns of a plan with scope.wake
UNFILTERABLE = (*DORMANCY, "service_address")   # §3.2, §6.3: never a `where` or `range` column


ENTERPRISE_LOOKUP = {ascii_lower(n): f for f, al, _ in ENTERPRISE_COLUMNS for n in (f, *al)}


def read_enterprises(path, where_columns, problems, kinds=None, wake=False):
    """§1.1. Returns (list of records, filter-column resolution) where a record is
    (uscc, name, class, region, industry, status, where_values) and where_values
    holds, for each plan filter column (`where` and `range`, sorted), that
    column's value; `kinds` maps a ranged column to "date" or "number" (§6.2),
    whose values are checked and normalised.  A resolution is (kind, x, range
    kind) with kind "field", "extra" (x its position) or "established" (§5).
    With `wake` (§6.3) a record ends with (dormant_from, dormant_until) as well."""
    t = read_table(path, ENTERPRISE_COLUMNS, problems)
    if t is None:
        return None
    lookup, kinds = ENTERPRISE_LOOKUP, kinds or {}
    resolved = []                                # §5/§6: a filter column is a field or an extra column
    for column in where_columns:
        field = lookup.get(ascii_lower(column))
        if field == "established" and field in t.index:     # §5: kept in the leaf as YYYY-MM-DD
            resolved.append(("established", field, None))
        elif field is not None and field in t.index:
            resolved.append(("field", field, None))
        elif field is None and column in t.extras:
            resolved.append(("extra", t.extras[column], kinds.get(column)))
            t.checked.add(t.extras[column])
        else:
            problems.add(path, f"the plan's scope.where or scope.range names column {column!r}, which the registry lacks")
            resolved.append(("field", "uscc", None))    # placeholder; no draw is produced
    ix = t.index
    iu, ina, ic, ir, ii, ist = (ix[f] for f in LEAF_FIELDS)
    ie = ix.get("established")
    dormancy = (ix.get("dormant_from"), ix.get("dormant_until"), wake)
    # A million rows share a few hundred regions: each distinct one is checked once.
    valid_region = functools.lru_cache(maxsize=None)(lambda r: REGION.fullmatch(r) is not None)
    check = ((iu, ina, ic, ir, ii, ist, ie), resolved, valid_region, dormancy)
    records = split_read(t, check)
    if records is not None:
        return records, resolved
    records, seen = [], {}
    rows = iter(t.rows)
    while chunk := list(islice(rows, 50_000)):
        fast = valid_records(chunk, check[0], resolved, seen, valid_region, dormancy)
        if fast is not None:
            records.extend(fast)
        else:
            records.extend(checked_records(t, chunk, *check[:2], seen, *check[2:]))
    return records, resolved


SPLIT_AT = 4 << 20          # characters: below this a registry is read by one process (a fork costs more)
PARENT_SHARE = 0.6          # of the rows: the second core also reads the draw document (cli.py) meanwhile


def split_read(t, check):
    """The records of a large registry whose every row is valid, read by two
    processes (this one and a forked child, each half of the rows), or None:
    then the caller reads it in one process, reporting every problem exactly
    as ever.  Only a text read by plain_records is split: without a quote
    every LF ends a record, so the text can be cut at any LF, and the line
    numbers of the second half are its LFs counted."""
    if t.plain is None or len(t.plain[0]) < SPLIT_AT:
        return None
    text, trim = t.plain
    body = 0
    for _ in range(t.header_line):               # the rows begin after the header's line
        body = text.find("\n", body) + 1
        if body == 0:
            return None
    cut = text.find("\n", body + int((len(text) - body) * PARENT_SHARE))
    if cut < 0:
        return None
    second = t.header_line + 1 + text.count("\n", body, cut + 1)
    with InChild(valid_rows, t, plain_records(text, trim, cut + 1, None, second), check) as child:
        first = valid_rows(t, plain_records(text, trim, body, cut, t.header_line + 1), check)
        rest = child.result()
    if first is None or rest is None:
        return None
    records, seen = first
    if not seen.keys().isdisjoint(r[0] for r in rest[0]):      # a USCC in both halves: reported by the caller
        return None
    records.extend(rest[0])
    # t.rows, never read now, is a generator that refers back to t: a cycle,
    # and the cycle collector is off (cli.py), so it would keep the text.
    t.rows, t.plain = (), None
    return records


def valid_rows(t, records, check):
    """(the enterprise records, {USCC: line}) of `records` (see csv_records)
    when every row is valid, else None."""
    scratch = copy.copy(t)
    scratch.problems = Problems()                # checked_rows reports a bad row here: it means None
    columns, resolved, valid_region, dormancy = check
    out, seen, rows = [], {}, checked_rows(scratch, records)
    while chunk := list(islice(rows, 50_000)):
        fast = valid_records(chunk, columns, resolved, seen, valid_region, dormancy)
        if fast is None:
            return None
        out.extend(fast)
    return None if scratch.problems.count() else (out, seen)


def valid_records(chunk, columns, resolved, seen, valid_region, dormancy):
    """The records of `chunk` (rows of the enterprise registry) when every
    value in it is valid, else None (checked_records then reports each problem).

    Column by column, so that most checks run once per distinct value (a
    million rows share a few classes, statuses, regions and dates) or inside
    the interpreter's own loops (map, set); only the USCC check runs per row."""
    iu, ina, ic, ir, ii, ist, ie = columns
    lines = [line for line, _ in chunk]
    cols = list(zip(*(cells for _, cells in chunk)))
    usccs = list(map(ascii_upper, cols[iu]))
    if not all_valid(usccs) or len(set(usccs)) != len(usccs) or not seen.keys().isdisjoint(usccs):
        return None
    classes = list(map(CLASS.get, cols[ic]))
    status = {v: STATUS.get(v) or STATUS.get(ascii_lower(v)) for v in set(cols[ist])}
    dates = set(cols[ie]) - {""} if ie is not None else set()
    idf, idu, wake = dormancy
    for j in (idf, idu):
        if j is not None:
            dates |= set(cols[j]) - {""}
    if (not all(cols[ina]) or None in classes or not all(map(valid_region, set(cols[ir])))
            or not all(cols[ii]) or None in status.values() or None in map(parse_date, dates)):
        return None
    fields = {"uscc": usccs, "name": cols[ina], "credit_class": classes, "region": cols[ir],
              "industry": cols[ii], "status": [status[v] for v in cols[ist]]}
    if any(kind == "field" and x not in fields for kind, x, _ in resolved):
        return None
    values = [filter_values(kind, x, rkind, fields, cols, ie) for kind, x, rkind in resolved]
    if any(v is None for v in values):
        return None
    wvals = zip(*values) if resolved else repeat(())
    seen.update(zip(usccs, lines))
    intern = sys.intern
    if wake:
        stored = {"": "", **{d: parse_date(d) for d in dates}}
        terms = zip(*((stored[v] for v in cols[j]) if j is not None else repeat("", len(chunk)) for j in (idf, idu)))
        return list(zip(usccs, fields["name"], classes, map(intern, cols[ir]), map(intern, cols[ii]),
                        fields["status"], wvals, terms))
    return list(zip(usccs, fields["name"], classes, map(intern, cols[ir]), map(intern, cols[ii]), fields["status"], wvals))


def filter_values(kind, x, rkind, fields, cols, ie):
    """A chunk's values of one filter column (§5, §6.2), or None when a ranged
    column holds a value not of its kind (checked_records reports it)."""
    if kind == "field":
        return fields[x]
    if kind == "established":
        return [parse_date(v) if v else "" for v in cols[ie]]     # dates already checked
    if rkind is None:
        return cols[x]
    values = [normalize(rkind, v) for v in cols[x]]
    return None if None in values else values


def checked_records(t, chunk, columns, resolved, seen, valid_region, dormancy):
    """§1.1 row by row: the valid records of `chunk`, each problem reported."""
    iu, ina, ic, ir, ii, ist, ie = columns
    records, intern = [], sys.intern
    for line, cells in chunk:
        ok = True
        uscc = ascii_upper(cells[iu])
        msg = uscc_problem(uscc)
        if msg:
            t.bad(line, cells, "uscc", msg); ok = False
        elif uscc in seen:
            t.bad(line, cells, "uscc", f"duplicate USCC (also on line {seen[uscc]})"); ok = False
        else:
            seen[uscc] = line
        name = cells[ina]
        if not name:
            t.bad(line, cells, "name", "name is empty"); ok = False
        cls = CLASS.get(cells[ic])
        if cls is None:
            t.bad(line, cells, "credit_class", "credit class must be A, B, C or D"); ok = False
        region = cells[ir]
        if not valid_region(region):
            t.bad(line, cells, "region", "region must be exactly 6 ASCII digits"); ok = False
        industry = cells[ii]
        if not industry:
            t.bad(line, cells, "industry", "industry code is empty"); ok = False
        status = STATUS.get(cells[ist]) or STATUS.get(ascii_lower(cells[ist]))   # the exact spelling first
        if status is None:
            t.bad(line, cells, "status", "unknown status (存续/歇业/吊销/注销 or an alias)"); ok = False
        established = ""
        if ie is not None and cells[ie]:
            established = parse_date(cells[ie])
            if established is None:
                t.bad(line, cells, "established", "not a valid date"); ok = False
        term = []
        for field, j in zip(DORMANCY, dormancy[:2]):                # §6.3: checked on every row
            term.append(parse_date(cells[j]) if j is not None and cells[j] else "")
            if term[-1] is None:
                t.bad(line, cells, field, "not a valid date"); ok = False
        wvals = ()
        if resolved:
            norm = {"uscc": uscc, "name": name, "credit_class": cls, "region": region,
                    "industry": industry, "status": status, "established": established}
            wvals = tuple(norm[x] if kind != "extra" else cells[x] if rkind is None else normalize(rkind, cells[x])
                          for kind, x, rkind in resolved)
            for (kind, x, rkind), v in zip(resolved, wvals):
                if kind == "extra" and v is None:
                    ok = False
                    t.problems.add(t.path, f"the plan's scope.range: is not a {rkind}"
                                           + (" (§1.5)" if rkind == "date" else " (digits, optionally with a decimal fraction)"),
                                   line, x + 1, t.headers[x], cells[x])
        if not ok:
            continue
        record = (uscc, name, cls, intern(region), intern(industry), status, wvals)
        records.append((*record, tuple(term)) if dormancy[2] else record)
    return records


INSPECTOR_COLUMNS = [
    ("id", ("执法证号", "执法证件号"), True),
    ("name", ("姓名",), True),
    ("department", ("部门", "所属部门"), True),
    ("region", ("区域代码", "行政区划代码"), True),
    ("active", ("在岗",), False),
    ("qualifications", ("资质",), False),
    ("cert_expires", ("证件有效期",), False),
    ("role", ("角色",), False),
]


def read_inspectors(path, problems):
    """§1.2. Returns a list of dicts."""
    t = read_table(path, INSPECTOR_COLUMNS, problems)
    if t is None:
        return None
    out, seen = [], {}
    for line, cells in t.rows:
        ok = True
        get = lambda f: cells[t.index[f]] if f in t.index else ""
        rec = {"id": get("id"), "name": get("name"), "department": get("department"), "region": get("region")}
        if not rec["id"]:
            t.bad(line, cells, "id", "inspector id is empty"); ok = False
        elif rec["id"] in seen:
            t.bad(line, cells, "id", f"duplicate inspector id (also on line {seen[rec['id']]})"); ok = False
        else:
            seen[rec["id"]] = line
        for f in ("name", "department"):
            if not rec[f]:
                t.bad(line, cells, f, f"{f} is empty"); ok = False
        if not REGION.fullmatch(rec["region"]):
            t.bad(line, cells, "region", "region must be exactly 6 ASCII digits"); ok = False
        active = get("active")
        rec["active"] = True if active == "" else BOOLEAN.get(ascii_lower(active))
        if rec["active"] is None:
            t.bad(line, cells, "active", "not a boolean (true/false, 是/否, 在岗/离岗 …)"); ok = False
        rec["role"] = ROLE.get(ascii_lower(get("role")))
        if rec["role"] is None:
            t.bad(line, cells, "role", "role must be inspector/执法人员/检查人员 or expert/专家"); ok = False
        rec["qualifications"] = split_set(get("qualifications"))
        rec["cert_expires"] = ""
        if get("cert_expires"):
            rec["cert_expires"] = parse_date(get("cert_expires"))
            if rec["cert_expires"] is None:
                t.bad(line, cells, "cert_expires", "not a valid date"); ok = False
        if ok:
            out.append(rec)
    return out


CONFLICT_COLUMNS = [
    ("inspector_id", ("执法证号", "执法证件号"), True),
    ("uscc", ("统一社会信用代码", "信用代码"), True),
    ("reason", ("回避原因", "原因"), False),
]


def read_conflicts(path, inspector_ids, usccs, problems):
    """§1.3. Returns a set of (inspector_id, uscc). Reference checks are skipped
    when the registry they refer to could not be read (its errors are reported)."""
    t = read_table(path, CONFLICT_COLUMNS, problems)
    if t is None:
        return None
    pairs, seen = set(), {}
    for line, cells in t.rows:
        iid, uscc = cells[t.index["inspector_id"]], ascii_upper(cells[t.index["uscc"]])
        msg = uscc_problem(uscc)
        if msg:
            t.bad(line, cells, "uscc", msg); continue
        if inspector_ids is not None and iid not in inspector_ids:
            t.bad(line, cells, "inspector_id", "inspector not in the roster"); continue
        if usccs is not None and uscc not in usccs:
            t.bad(line, cells, "uscc", "enterprise not in the registry"); continue
        if (iid, uscc) in seen:
            t.bad(line, cells, "uscc", f"pair listed twice (also on line {seen[(iid, uscc)]})"); continue
        seen[(iid, uscc)] = line
        pairs.add((iid, uscc))
    return pairs


ITEM_COLUMNS = [
    ("item", ("抽查事项",), True),
    ("code", ("事项编号",), False),
    ("basis", ("检查依据", "法律依据"), False),
    ("department", ("实施部门", "部门"), False),
    ("category", ("事项类别",), True),
    ("method", ("检查方式",), False),
    ("ceiling", ("抽查比例上限",), False),
]
CATEGORY = {"general": "general", "一般": "general", "一般检查事项": "general",
            "key": "key", "重点": "key", "重点检查事项": "key"}


def read_items(path, problems):
    """§1.4 item list. Returns {item name: (canonical item dict, ceiling as (p, s) or None)}."""
    t = read_table(path, ITEM_COLUMNS, problems)
    if t is None:
        return None
    items, lines = {}, {}
    for line, cells in t.rows:
        get = lambda f: cells[t.index[f]] if f in t.index else ""
        ok, name = True, get("item")
        if not name:
            t.bad(line, cells, "item", "item name is empty"); ok = False
        elif name in lines:
            t.bad(line, cells, "item", f"duplicate item (also on line {lines[name]})"); ok = False
        category = CATEGORY.get(ascii_lower(get("category")))
        if category is None:
            t.bad(line, cells, "category", "category must be general/一般 or key/重点"); ok = False
        methods = split_set(get("method"))      # usually 书面检查, 实地核查, 网络监测; not enforced
        ceiling, ceiling_text = None, None
        if get("ceiling"):
            ceiling, problem = ratio_or_problem(get("ceiling"))
            if ceiling is None:
                t.bad(line, cells, "ceiling", problem); ok = False
            else:
                ceiling_text = ratio_text(ceiling)
        if ok:
            lines[name] = line
            items[name] = ({"item": name, "code": get("code"), "basis": get("basis"),
                            "department": get("department"), "category": category,
                            "method": "、".join(methods), "ceiling": ceiling_text}, ceiling)
    return items


def read_uscc_column(path, columns, problems):
    """§1.4 exclusion list and history: rows with a checked USCC (§2)."""
    t = read_table(path, columns, problems)
    if t is None:
        return None
    out = []
    for line, cells in t.rows:
        uscc = ascii_upper(cells[t.index["uscc"]])
        msg = uscc_problem(uscc)
        if msg:
            t.bad(line, cells, "uscc", msg)
        else:
            out.append((t, line, cells, uscc))
    return out


HISTORY_COLUMNS = [("uscc", ("统一社会信用代码",), True), ("inspector_id", ("执法证号",), True),
                   ("date", ("检查日期",), True)]


def read_history(path, problems):
    """§1.4 + §3.3: for each USCC the inspectors of its latest date."""
    rows = read_uscc_column(path, HISTORY_COLUMNS, problems)
    if rows is None:
        return None
    latest = {}                                  # uscc -> (date, set of inspector ids)
    for t, line, cells, uscc in rows:
        iid, date = cells[t.index["inspector_id"]], parse_date(cells[t.index["date"]])
        if not iid:
            t.bad(line, cells, "inspector_id", "inspector id is empty"); continue
        if date is None:
            t.bad(line, cells, "date", "not a valid date"); continue
        d, ids = latest.get(uscc, ("", set()))
        if date > d:
            latest[uscc] = (date, {iid})
        elif date == d:
            ids.add(iid)
    return sorted([u, i] for u, (_, ids) in latest.items() for i in ids)
