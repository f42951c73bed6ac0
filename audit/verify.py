#!/usr/bin/env python3
"""Independent verifier for fairdraw draws (algorithm `fairdraw-v1`).

Written from audit/SPEC.md alone, with the Python 3.11 standard library only.
Section numbers (§) below refer to that specification.

    python3 audit/verify.py DRAW.json --enterprises E.csv --inspectors I.csv \
            [--conflicts C.csv] --plan P.toml
        recomputes the draw from the inputs and the seed stored in DRAW.json and
        compares it value by value (§10). Exit 0 = VERIFIED, 1 = MISMATCH,
        2 = bad input.

    python3 audit/verify.py --emit --enterprises E.csv --inspectors I.csv \
            [--conflicts C.csv] --plan P.toml --seed STRING
        prints the draw document (§9) computed from the inputs.

    python3 audit/verify.py log DIR [--checkpoint OLD_CHECKPOINT] [--vkey KEY_OR_FILE] [--now RFC3339]
    python3 audit/verify.py receipt FILE --vkey KEY_OR_FILE
        verify an audit log (audit/LOG-FORMAT.md) and replay its draws with this
        file's engine, or check a receipt offline: see audit/fairdraw_verify/.

Where SPEC.md is silent or ambiguous this file reads it as follows (each point
was checked against the reference engine's behaviour on the same inputs):
  * department = "" means "not set"; item methods are free text;
  * a `where` column is resolved through the §1.1 header aliases and compared
    with the normalised field value; otherwise it names an extra column exactly;
    "repeated" where columns (§3.2) compare the trimmed text (`uscc` and
    `统一社会信用代码` are two columns);
  * the recusal reason is not a value the draw reads: it is not checked for
    control characters (§1 step 3);
  * GB18030 (§1 step 1): the WHATWG decoder differs from Python's codec in 22
    places, not only the two the spec names (see WHATWG_GB18030 below);
  * snapshots.enterprises.columns is the full leaf column list.
"""

import argparse
import codecs
import csv
import datetime
import hashlib
import io
import json
import os
import re
import sys
import tomllib

ALGORITHM = "fairdraw-v1"
CLASSES = ("A", "B", "C", "D")


class BadInput(Exception):
    """Inputs cannot produce a draw (exit code 2). Carries the list of problems."""

    def __init__(self, problems):
        super().__init__(problems[0] if problems else "bad input")
        self.problems = problems


class Problems:
    """Collects every error of every input file (§1: all errors reported together)."""

    def __init__(self):
        self.items = []

    def add(self, file, msg, line=None, col=None, header=None, value=None):
        where = str(file)
        if line is not None:
            where += f", line {line}"
        if col is not None:
            where += f", column {col}" + (f" ({header})" if header else "")
        if value is not None:
            where += f", value {json.dumps(value, ensure_ascii=False)}"
        self.items.append((str(file), line or 0, f"{where}: {msg}"))

    def count(self):
        return len(self.items)

    def check(self):
        """Raise with every problem, grouped by file and ordered by line."""
        if self.items:
            files = list(dict.fromkeys(f for f, _, _ in self.items))
            ordered = sorted(self.items, key=lambda p: (files.index(p[0]), p[1]))
            raise BadInput([text for _, _, text in ordered])


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ascii_lower(s):  # English names compare case-insensitively, ASCII letters only
    return s.translate(_LOWER)


def ascii_upper(s):
    return s.translate(_UPPER)


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}


# ---------------------------------------------------------------------------
# §1 Reading tabular files
# ---------------------------------------------------------------------------

TRIM = " \t\u3000\ufeff"                       # §1 step 3
CONTROL = re.compile("[\x00-\x1f\x7f]")         # §1 step 3: never reaches a hash
SEPARATORS = re.compile("[;；,，、|]")          # §1.2 qualifications / §1.4 methods
REGION = re.compile("[0-9]{6}")
csv.field_size_limit(2**31 - 1)


def decode_bytes(data, path, problems):
    """§1 step 1: UTF-8 with BOM, else UTF-8, else GB18030 (WHATWG decoder)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as e:
            line = data[: e.start + 3].count(b"\n") + 1
            problems.add(path, f"file starts with a UTF-8 BOM but byte {e.start + 3} is not valid UTF-8", line)
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return decode_gb18030(data)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.add(path, f"neither UTF-8 nor GB18030 (bad byte 0x{data[e.start]:02x} at offset {e.start})", line)
        return None


# §1 step 1: the WHATWG Encoding Standard's gb18030 decoder (browsers, node,
# Rust's encoding_rs) differs from Python's "gb18030" codec in these places.
# The spec names the first two (0x80 and A3A0); an exhaustive comparison of
# every 1-, 2- and 4-byte sequence with node's TextDecoder and with the
# fairdraw binary (encoding_rs 0.8.44) finds 22 in all: the GB18030-2022
# mappings that the WHATWG index adopted for A6D9-A6F3 and FE59-FEA0, and
# A8BC / 8135F437, which the two tables map the other way round.  Python
# produces each of the PUA characters below only from the listed sequence,
# so translating its output is exact; the lone byte 0x80 (an error for
# Python) is handled by an error handler.
WHATWG_GB18030 = str.maketrans({
    "\ue5e5": "\u3000",                                              # A3A0
    "\ue78d": "\ufe10", "\ue78e": "\ufe12", "\ue78f": "\ufe11",        # A6D9-A6DB
    "\ue790": "\ufe13", "\ue791": "\ufe14", "\ue792": "\ufe15",        # A6DC-A6DE
    "\ue793": "\ufe16", "\ue794": "\ufe17", "\ue795": "\ufe18",        # A6DF, A6EC, A6ED
    "\ue796": "\ufe19",                                              # A6F3
    "\ue7c7": "\u1e3f", "\u1e3f": "\ue7c7",                            # A8BC <-> 8135F437
    "\ue81e": "\u9fb4", "\ue826": "\u9fb5", "\ue82b": "\u9fb6",        # FE59, FE61, FE66
    "\ue82c": "\u9fb7", "\ue832": "\u9fb8", "\ue843": "\u9fb9",        # FE67, FE6D, FE7E
    "\ue854": "\u9fba", "\ue864": "\u9fbb",                            # FE90, FEA0
})


def _whatwg_0x80(e):
    """Python stops at a lone 0x80 (in token position); WHATWG reads it as U+20AC."""
    if isinstance(e, UnicodeDecodeError) and e.object[e.start] == 0x80:
        return "\u20ac", e.start + 1
    raise e


codecs.register_error("fairdraw-whatwg-gb18030", _whatwg_0x80)


def decode_gb18030(data):
    """WHATWG gb18030 decode with fatal errors (raises UnicodeDecodeError)."""
    return data.decode("gb18030", "fairdraw-whatwg-gb18030").translate(WHATWG_GB18030)


class Table:
    """A CSV file after §1 steps 1-5: trimmed header, field -> column index, rows."""

    def __init__(self, path, problems):
        self.path, self.problems = path, problems
        self.headers, self.index, self.extras, self.rows = [], {}, {}, []
        self.checked = set()        # columns whose values are used: checked for control characters

    def bad(self, line, cells, field, msg):
        col = self.index[field] if field in self.index else self.extras[field]
        self.problems.add(self.path, msg, line, col + 1, self.headers[col], cells[col])


def read_table(path, columns, problems):
    """§1: columns is a list of (field, aliases, required). Returns a Table whose
    `rows` yields (line, trimmed cells) lazily (1e6-row registries), or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        problems.add(path, f"cannot read file: {e.strerror or e}")
        return None
    text = decode_bytes(data, path, problems)
    del data
    if text is None:
        return None
    lookup = {}                                  # §1 step 4: alias -> field
    for field, aliases, _ in columns:
        for name in (field, *aliases):
            lookup[ascii_lower(name)] = field
    table = Table(path, problems)
    records = csv_records(io.StringIO(text, newline=""), path, problems)
    del text
    for line, cells in records:                  # the first non-empty record is the header
        header_ok = map_header(table, cells, columns, lookup, line)
        table.checked = {col for field, col in table.index.items() if field != "reason"}
        table.rows = checked_rows(table, records)
        if header_ok:
            return table
        for _ in table.rows:                     # still report every bad row
            pass
        return None
    problems.add(path, "file has no header line")
    return None


def csv_records(stream, path, problems):
    """§1 steps 2-3: records with their first physical line, cells trimmed.

    §1 step 2 reads RFC 4180 leniently, "the way Excel and Python's csv module
    read them", so this is simply the csv module (strict=False): text after a
    closing quote is appended to the field, a quote inside an unquoted field
    is ordinary, a quote left open runs to the end of the file.  With
    newline="" CR, LF and CRLF all end a line and reader.line_num counts
    physical lines; completely empty lines come back as [] and are skipped."""
    reader = csv.reader(stream, strict=False)
    prev = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:                   # not expected with strict=False
            problems.add(path, f"CSV syntax error: {e}", prev + 1)
            prev = reader.line_num
            continue
        line, prev = prev + 1, reader.line_num
        if cells:
            yield line, [c.strip(TRIM) for c in cells]


def checked_rows(table, records):
    """§1 steps 3 and 5: as many cells as the header; no control characters in
    the values that are used (columns in table.checked, see note in §1 step 3)."""
    width = len(table.headers)
    for line, cells in records:
        if len(cells) != width:
            table.problems.add(table.path, f"record has {len(cells)} cells, the header has {width}", line)
            continue
        if CONTROL.search("".join(cells)):       # fast path: usually no control character at all
            bad = [col for col in sorted(table.checked) if CONTROL.search(cells[col])]
            for col in bad:
                table.problems.add(table.path, "value contains a control character", line, col + 1, table.headers[col], cells[col])
            if bad:
                continue
        yield line, cells


def map_header(table, cells, columns, lookup, line):
    """§1 step 4: header cells -> fields and extra columns."""
    ok = True
    table.headers = cells
    for col, h in enumerate(cells):
        if h == "":                              # an empty header cell names no column
            continue
        field = lookup.get(ascii_lower(h))
        target, name = (table.index, field) if field else (table.extras, h)
        if name in target:
            table.problems.add(table.path, f"column {name!r} appears twice (columns {target[name] + 1} and {col + 1})", line, col + 1, None, h)
            ok = False
        else:
            target[name] = col
    for field, aliases, required in columns:
        if required and field not in table.index:
            table.problems.add(table.path, f"missing required column {field} ({' / '.join(aliases)})", line)
            ok = False
    return ok


def parse_date(s):
    """§1.5: YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYYMMDD -> 'YYYY-MM-DD' or None.
    The year must be 1900-2999 and the date must exist."""
    m = re.fullmatch(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})", s) or \
        re.fullmatch(r"([0-9]{4})()([0-9]{2})([0-9]{2})", s)
    if not m or not 1900 <= int(m[1]) <= 2999:
        return None
    try:
        return datetime.date(int(m[1]), int(m[3]), int(m[4])).isoformat()
    except ValueError:
        return None


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
]
LEAF_FIELDS = ["uscc", "name", "credit_class", "region", "industry", "status"]
ENTERPRISE_LOOKUP = {ascii_lower(n): f for f, al, _ in ENTERPRISE_COLUMNS for n in (f, *al)}


def read_enterprises(path, where_columns, problems):
    """§1.1. Returns (list of records, where-column resolution) where a record is
    (uscc, name, class, region, industry, status, where_values) and where_values
    holds, for each plan `where` column (sorted), that column's value."""
    t = read_table(path, ENTERPRISE_COLUMNS, problems)
    if t is None:
        return None
    lookup = ENTERPRISE_LOOKUP
    resolved = []                                # §5/§6: a where column is a field or an extra column
    for column in where_columns:
        field = lookup.get(ascii_lower(column))
        if field is not None and field in t.index:
            resolved.append(("field", field))
        elif field is None and column in t.extras:
            resolved.append(("extra", t.extras[column]))
            t.checked.add(t.extras[column])
        else:
            problems.add(path, f"the plan's scope.where names column {column!r}, which the registry lacks")
            resolved.append(("field", "uscc"))          # placeholder; no draw is produced
    ix = t.index
    iu, ina, ic, ir, ii, ist = (ix[f] for f in LEAF_FIELDS)
    ie = ix.get("established")
    records, seen, intern = [], {}, sys.intern
    for line, cells in t.rows:
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
        cls = ascii_upper(cells[ic])
        if cls not in CLASSES:
            t.bad(line, cells, "credit_class", "credit class must be A, B, C or D"); ok = False
        region = cells[ir]
        if not REGION.fullmatch(region):
            t.bad(line, cells, "region", "region must be exactly 6 ASCII digits"); ok = False
        industry = cells[ii]
        if not industry:
            t.bad(line, cells, "industry", "industry code is empty"); ok = False
        status = STATUS.get(ascii_lower(cells[ist]))
        if status is None:
            t.bad(line, cells, "status", "unknown status (存续/歇业/吊销/注销 or an alias)"); ok = False
        established = ""
        if ie is not None and cells[ie]:
            established = parse_date(cells[ie])
            if established is None:
                t.bad(line, cells, "established", "not a valid date"); ok = False
        if not ok:
            continue
        norm = {"uscc": uscc, "name": name, "credit_class": cls, "region": region,
                "industry": industry, "status": status, "established": established}
        wvals = tuple(norm[x] if kind == "field" else cells[x] for kind, x in resolved)
        records.append((uscc, name, cls, intern(region), intern(industry), status, wvals))
    return records, resolved


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


def split_set(value):
    """§1.2: split at the separators, trim, drop empty parts, sort, de-duplicate."""
    return sorted({p.strip(TRIM) for p in SEPARATORS.split(value)} - {""})


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


# ---------------------------------------------------------------------------
# §2 USCC check (GB 32100-2015)
# ---------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_problem(u):
    """None when u is a valid USCC, else what is wrong with it."""
    if len(u) != 18:
        return f"USCC must have 18 characters, has {len(u)}"
    try:
        total = sum(w * USCC_VALUE[c] for w, c in zip(USCC_WEIGHTS, u))
        last = USCC_VALUE[u[17]]
    except KeyError:
        return "USCC contains a character outside 0-9 A-Y (no I O S V Z)"
    expected = (31 - total % 31) % 31
    if last != expected:
        return f"USCC check character should be {USCC_ALPHABET[expected]}"
    return None


# ---------------------------------------------------------------------------
# §3 The plan
# ---------------------------------------------------------------------------

# §3.1: the ratio's text is trimmed of the §1 step 3 characters, also before
# "%". Lengths are checked before int() is called, so a ratio of thousands
# of digits is refused with a message, never converted.
RATIO = re.compile("([0-9]+)(?:\\.([0-9]+))?")
RATIO_SYNTAX = 'is not a ratio such as "5%" or "0.05" (digits, optionally a point and decimals, optionally %)'
RATIO_MAX_SCALE = 18
RATIO_MAX_INTEGER_DIGITS = 3


def ratio_or_problem(v):
    """§3.1: a string 'D' / 'D%' or a TOML integer -> ((p, s), None) meaning p / 10**s, or (None, message)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        return None, 'must be a string such as "5%" (or the integer 0 or 1); floats are not allowed'
    if isinstance(v, int):
        if v < 0:
            return None, RATIO_SYNTAX
        if v > 1:
            return None, "has more than 3 digits before the decimal point" if v > 999 else "is more than 100%"
        return (v, 0), None
    body = v.strip(TRIM)
    percent = body.endswith("%")
    if percent:
        body = body[:-1].strip(TRIM)
    m = RATIO.fullmatch(body)
    if not m:
        return None, RATIO_SYNTAX
    whole, frac = m[1], m[2] or ""
    if len(whole) > RATIO_MAX_INTEGER_DIGITS:
        return None, f"has more than {RATIO_MAX_INTEGER_DIGITS} digits before the decimal point"
    frac = frac.rstrip("0") if len(frac) <= RATIO_MAX_SCALE else frac
    s = len(frac) + (2 if percent else 0)
    if s > RATIO_MAX_SCALE:
        return None, f"has more than {RATIO_MAX_SCALE} decimals (as a fraction: 5% is 0.05)"
    p = int(whole + frac)
    if p > 10**s:
        return None, "is more than 100%"
    while s > 0 and p % 10 == 0:             # shortest form
        p, s = p // 10, s - 1
    return (p, s), None


def parse_ratio(v):
    """§3.1: (p, s) meaning p / 10**s, or None."""
    return ratio_or_problem(v)[0]


def ratio_text(r):
    """§3.1 canonical form of (p, s)."""
    p, s = r
    if s == 0:
        return str(p)
    digits = str(p).rjust(s + 1, "0")
    return digits[:-s] + "." + digits[-s:]


def ratio_le(a, b):
    return a[0] * 10**b[1] <= b[0] * 10**a[1]


PLAN_KEYS = {"name", "department", "inspection_date", "items_file", "items", "exclude",
             "exclude_file", "max_draws_per_year", "ratios", "min", "max", "scope", "team"}
SCOPE_KEYS = {"statuses", "regions", "industries", "where"}
TEAM_KEYS = {"size", "departments", "region", "max_targets_per_inspector", "qualifications",
             "experts", "rotation", "history_file"}


MAX_INTEGER = 2**53 - 1      # §3.2: the largest integer of a plan or a draw document
MAX_TEAM = 100               # §3.2: the largest team.size and team.experts


class PlanReader:
    """Typed access to the TOML tables with error collection (§3, §3.2)."""

    def __init__(self, path, problems):
        self.path, self.problems = path, problems

    def err(self, key, msg):
        self.problems.add(self.path, f"{key}: {msg}")

    def table(self, doc, key, allowed):
        t = doc.get(key.split(".")[-1], {})
        if not isinstance(t, dict):
            self.err(key, "must be a table"); return {}
        for k in t:
            if allowed is not None and k not in allowed:
                self.err(f"{key}.{k}" if key else k, "unknown key")
        return t

    def get(self, t, key, types, default, what):
        name = key.split(".")[-1]
        if name not in t:
            return default
        v = t[name]
        if isinstance(v, bool) and bool not in types or not isinstance(v, types):
            self.err(key, f"must be {what}"); return default
        return v.strip(TRIM) if isinstance(v, str) and key != "team.region" else v

    def string_list(self, t, key):
        v = self.get(t, key, (list,), [], "an array of strings")
        if not all(isinstance(x, str) for x in v):
            self.err(key, "must be an array of strings"); return []
        return [x.strip(TRIM) for x in v]

    def integer(self, t, key, default, minimum, maximum=None):
        """§3.2: an integer in [minimum, maximum] (default maximum: 2^53 − 1)."""
        maximum = MAX_INTEGER if maximum is None else maximum
        given = t.get(key.split(".")[-1])
        v = self.get(t, key, (int,), default, "an integer")
        if v is given and v is not None and not minimum <= v <= maximum:   # defaults are in range
            self.err(key, f"value {v}: must be an integer from {minimum} to {maximum}"); return default
        return v


def load_plan(path, problems):
    """§3: returns (canonical plan §3.3, {class: ratio as (p, s)}) or None on errors."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        problems.add(path, f"cannot read file: {e.strerror or e}"); return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as e:  # ValueError: an integer of > 4300 digits
        problems.add(path, f"invalid TOML: {e}"); return None
    base = os.path.dirname(os.path.abspath(path))
    pr = PlanReader(path, problems)
    before = problems.count()
    pr.table({"": doc}, "", PLAN_KEYS)
    name = pr.get(doc, "name", (str,), None, "a string")
    if not name:
        pr.err("name", "required, non-empty string")
    # §3: a TOML string (any §1.5 form) or a bare TOML date; tomllib gives a
    # datetime.date for the latter (datetime.datetime, a subclass, is refused)
    idate = doc.get("inspection_date", "")
    if type(idate) is datetime.date:
        idate = idate.isoformat()
    idate = pr.get({"inspection_date": idate}, "inspection_date", (str,), "", "a date (§1.5) or \"\"")
    if idate and parse_date(idate) is None:
        pr.err("inspection_date", f"not a date (§1.5: year 1900-2999): {idate!r}")
    idate = parse_date(idate) or ""
    max_draws = pr.integer(doc, "max_draws_per_year", None, 0)      # §3.3: int|null

    # ratios, min, max (§3.1, §3.2)
    if "ratios" not in doc:
        pr.err("ratios", "required table")
    ratios, mins, maxs = {}, {}, {}
    ratio_t, min_t, max_t = (pr.table(doc, k, CLASSES) for k in ("ratios", "min", "max"))
    for c in CLASSES:
        v = ratio_t.get(c, "0")
        ratios[c], problem = ratio_or_problem(v)
        if ratios[c] is None:
            pr.err(f"ratios.{c}", f"value {json.dumps(v, ensure_ascii=False) if isinstance(v, str) else v!r}: {problem}")
            ratios[c] = (0, 0)
        mins[c] = pr.integer(min_t, f"min.{c}", 0, 0)
        maxs[c] = pr.integer(max_t, f"max.{c}", None, 0)
        if maxs[c] is not None and mins[c] > maxs[c]:
            pr.err(f"min.{c}", f"min ({mins[c]}) is greater than max ({maxs[c]})")

    # scope
    scope = pr.table(doc, "scope", SCOPE_KEYS)
    statuses = []
    for s in pr.string_list(scope, "scope.statuses") if "statuses" in scope else ["存续"]:
        if ascii_lower(s) not in STATUS:
            pr.err("scope.statuses", f"unknown status {s!r}")
        else:
            statuses.append(STATUS[ascii_lower(s)])
    # "sorted strings" (§3.3) is read as sorted sets, like exclude and qualifications
    regions = sorted(set(pr.string_list(scope, "scope.regions")))
    for r in regions:
        if not re.fullmatch("[0-9]{1,6}", r):
            pr.err("scope.regions", f"a region prefix is 1 to 6 digits: {r!r}")
    industries = sorted(set(pr.string_list(scope, "scope.industries")))
    where = pr.table(scope, "scope.where", None)
    for k, v in where.items():
        if not isinstance(v, str):
            pr.err(f"scope.where.{k}", "must be a string")
    where = sorted([k.strip(TRIM), v.strip(TRIM)] for k, v in where.items() if isinstance(v, str))
    columns = [k for k, _ in where]
    if "" in columns or len(set(columns)) < len(columns):              # §3.2 (trimmed text)
        pr.err("scope.where", "each column may be named once, and not empty")
    for k in columns:                                                  # §3.2: dates are not in the snapshot
        if ENTERPRISE_LOOKUP.get(ascii_lower(k)) == "established":
            pr.err("scope.where", f"{k!r}: 成立日期 (established) is not part of the snapshot and cannot be filtered on")

    # team
    team = pr.table(doc, "team", TEAM_KEYS)
    departments = pr.string_list(team, "team.departments")
    if "" in departments or len(set(departments)) < len(departments):
        pr.err("team.departments", "department names must be non-empty and listed once")
    size = pr.integer(team, "team.size", max(2, len(departments)), 2, MAX_TEAM)
    if size < len(departments):
        pr.err("team.size", f"must be ≥ the number of departments ({len(departments)})")
    department = pr.get(doc, "department", (str,), "", "a string")
    if department == "":                         # "" counts as not set
        department = departments[0] if departments else ""
    elif departments and department not in departments:
        pr.err("department", f"{department!r} is not one of team.departments")
    region = pr.get(team, "team.region", (str,), "any", "a string")
    if region not in ("any", "same", "different"):
        pr.err("team.region", "must be \"any\", \"same\" or \"different\"")
    cap = pr.integer(team, "team.max_targets_per_inspector", None, 1)
    experts = pr.integer(team, "team.experts", 0, 0, MAX_TEAM)
    qualifications = sorted(set(pr.string_list(team, "team.qualifications")) - {""})
    rotation = pr.get(team, "team.rotation", (bool,), False, "true or false")
    history_file = pr.get(team, "team.history_file", (str,), None, "a string")
    # §3.2: rotation without history_file is valid (history = [] unless the audit log adds some)

    # items (§1.4, §3.2)
    item_names = pr.string_list(doc, "items")
    items_file = pr.get(doc, "items_file", (str,), None, "a string")
    # §3: items_file is read only when items is not empty
    catalogue = read_items(os.path.join(base, items_file), problems) if items_file and item_names else {}
    items = []
    if catalogue is not None:
        for j, n in enumerate(item_names):
            if n in item_names[:j]:
                pr.err("items", f"{n!r} is listed twice")
                continue
            if n not in catalogue:
                pr.err("items", f"{n!r} is not in the item list")
                continue
            item, ceiling = catalogue[n]
            items.append(item)
            if item["category"] == "general" and ceiling is not None:
                for c in CLASSES:
                    if not ratio_le(ratios[c], ceiling):
                        pr.err(f"ratios.{c}", f"{ratio_text(ratios[c])} exceeds the ceiling {item['ceiling']} of general item {n!r}")

    # exclusions (§3.2)
    exclude = set()
    for u in pr.string_list(doc, "exclude"):
        msg = uscc_problem(ascii_upper(u))
        if msg:
            pr.err("exclude", f"{u!r}: {msg}")
        exclude.add(ascii_upper(u))
    exclude_file = pr.get(doc, "exclude_file", (str,), None, "a string")
    if exclude_file:
        rows = read_uscc_column(os.path.join(base, exclude_file), [("uscc", ("统一社会信用代码",), True)], problems)
        exclude.update(r[3] for r in rows or [])

    history = read_history(os.path.join(base, history_file), problems) if rotation and history_file else []
    if problems.count() > before:
        return None
    plan = {
        "algorithm": ALGORITHM,
        "name": name,
        "department": department,
        "inspection_date": idate,
        "ratios": {c: ratio_text(ratios[c]) for c in CLASSES},
        "min": mins,
        "max": maxs,
        "scope": {"statuses": sorted(set(statuses)),
                  "regions": regions,
                  "industries": industries,
                  "where": where},
        "items": items,
        "exclude": sorted(exclude),
        "max_draws_per_year": max_draws,
        "team": {"size": size, "departments": departments, "region": region,
                 "max_targets_per_inspector": cap,
                 "qualifications": qualifications,
                 "experts": experts, "rotation": rotation},
        "history": history if rotation else [],
    }
    for key, v in plan_strings(plan, ""):        # §3.2: no control character in the canonical plan
        if CONTROL.search(v):
            problems.add(path, f"{key}: value {json.dumps(v, ensure_ascii=False)} contains a control character (a TOML escape such as \\t)")
    if problems.count() > before:
        return None
    return plan, ratios


def plan_strings(v, key):
    """Every string of the canonical plan with its key path (object keys included)."""
    if isinstance(v, str):
        yield key, v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from plan_strings(k, key)
            yield from plan_strings(x, f"{key}.{k}" if key else k)
    elif isinstance(v, list):
        for x in v:
            yield from plan_strings(x, key)


# ---------------------------------------------------------------------------
# §4 Canonical JSON and §5 Merkle roots
# ---------------------------------------------------------------------------

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(v):
    """§4: same as json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))."""
    return _CANONICAL.encode(v)


def merkle_root(leaves):
    """§5: RFC 6962 Merkle Tree Hash. Bottom-up pairing, carrying an unpaired last
    node up unchanged, gives the same tree as the recursive split at the largest
    power of two < n."""
    if not leaves:
        return sha256(b"").hex()
    level = [sha256(b"\x00" + d) for d in leaves]
    while len(level) > 1:
        nxt = [sha256(b"\x01" + level[j] + level[j + 1]) for j in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def leaf(values):
    return canonical_json(values).encode("utf-8")


def snapshots(enterprises, extra_positions, extra_columns, inspectors, conflicts):
    """§5: the three roots. Enterprise records are already sorted by USCC."""
    ent = [leaf([*e[:6], *(e[6][j] for j in extra_positions)]) for e in enterprises]
    ins = [leaf([i["id"], i["name"], i["department"], i["region"], i["active"], i["role"],
                 i["qualifications"], i["cert_expires"]]) for i in sorted(inspectors, key=lambda i: i["id"])]
    con = [leaf(list(p)) for p in sorted(conflicts)]
    return {
        "enterprises": {"root": merkle_root(ent), "count": len(ent), "columns": LEAF_FIELDS + extra_columns},
        "inspectors": {"root": merkle_root(ins), "count": len(ins)},
        "conflicts": {"root": merkle_root(con), "count": len(con)},
    }


# ---------------------------------------------------------------------------
# §6 Strata and §7 tickets
# ---------------------------------------------------------------------------

def ticket(seed_hash, uscc):
    """§7: consistent-sampler first_fraction(uscc, seed)."""
    n = int.from_bytes(sha256((seed_hash + uscc).encode("utf-8")), "big")
    return "0." + str(n).rjust(64, "0")[::-1]


def in_scope(e, scope):
    """§6: status, region prefix, industry prefix, where equalities."""
    statuses, regions, industries, where_values = scope
    return (e[5] in statuses
            and (not regions or e[3].startswith(regions))
            and (not industries or e[4].startswith(industries))
            and e[6] == where_values)


def strata(enterprises, plan, ratios, seed_hash):
    """§6 + §7: four strata, and the selected enterprises with their tickets."""
    sc = plan["scope"]
    scope = (set(sc["statuses"]), tuple(sc["regions"]), tuple(sc["industries"]), tuple(v for _, v in sc["where"]))
    exclude = set(plan["exclude"])
    population = {c: [] for c in CLASSES}
    for e in enterprises:
        if in_scope(e, scope):
            population[e[2]].append(e)
    out, targets = [], []
    for c in CLASSES:
        eligible = [e for e in population[c] if e[0] not in exclude]
        n = len(eligible)
        p, s = ratios[c]
        k = min(max(-(-n * p // 10**s), plan["min"][c]), n)      # k0 = ceil(N*p / 10^s)
        if plan["max"][c] is not None:
            k = min(k, plan["max"][c])
        # §7: the k smallest tickets; equal tickets ordered by USCC
        chosen = sorted((ticket(seed_hash, e[0]), e[0], e) for e in eligible)[:k]
        out.append({"class": c, "population": len(population[c]), "excluded": len(population[c]) - n,
                    "eligible": n, "ratio": plan["ratios"][c], "sample_size": k,
                    "cutoff": chosen[-1][0] if chosen else None,
                    "selected": [u for _, u, _ in chosen]})
        targets.extend((tk, e) for tk, _, e in chosen)
    return out, targets


# ---------------------------------------------------------------------------
# §8 Inspector assignment
# ---------------------------------------------------------------------------

class Stream:
    """§8.1: SHA-256 in counter mode, 64-bit big-endian words, uniform(n) by rejection."""

    def __init__(self, seed):
        self.key = sha256(b"fairdraw-v1/assign" + b"\x00" + seed.encode("utf-8"))
        self.counter, self.words = 0, []

    def word(self):
        if not self.words:
            block = sha256(self.key + self.counter.to_bytes(8, "big"))
            self.counter += 1
            self.words = [int.from_bytes(block[j:j + 8], "big") for j in (24, 16, 8, 0)]
        return self.words.pop()

    def uniform(self, n):
        limit = 2**64 - 2**64 % n
        while True:
            x = self.word()
            if x < limit:
                return x % n


class NoAssignment(Exception):
    pass


class Assigner:
    """§8.2-§8.4: slots, compatibility, greedy pass with augmenting-path repair."""

    def __init__(self, plan, targets, inspectors, conflicts):
        team = plan["team"]
        self.plan, self.targets, self.conflicts = plan, targets, conflicts
        self.size, self.experts = team["size"], team["experts"]
        self.region_rule, self.cap = team["region"], team["max_targets_per_inspector"]
        self.history = {tuple(h) for h in plan["history"]} if team["rotation"] else set()
        self.by_id = {i["id"]: i for i in inspectors}
        self.ids = sorted(self.by_id)
        # §8.2: departments with the initiating one first
        depts = list(team["departments"])
        if plan["department"] in depts:
            depts.remove(plan["department"])
            depts.insert(0, plan["department"])
        self.slots = []                          # (kind, allowed departments or None)
        for j in range(self.size):
            self.slots.append(("inspector", {depts[j]} if j < len(depts) else (set(depts) or None)))
        self.slots += [("expert", None)] * self.experts
        self.static = [[i for i in self.ids if self.static_ok(s, self.by_id[i])] for s in range(len(self.slots))]

    def static_ok(self, s, i):
        """§8.3 rules that do not depend on the target."""
        kind, depts = self.slots[s]
        date = self.plan["inspection_date"]
        if i["role"] != kind or not i["active"] or (i["cert_expires"] and date and i["cert_expires"] < date):
            return False
        if kind == "inspector":
            if not set(self.plan["team"]["qualifications"]) <= set(i["qualifications"]):
                return False
            if depts is not None and i["department"] not in depts:
                return False
        return True

    def target_ok(self, t, s, iid):
        """§8.3 rules that depend on the target: region, recusal, rotation."""
        e = self.targets[t][1]
        if self.slots[s][0] == "inspector":
            r = self.by_id[iid]["region"]
            if self.region_rule == "same" and r != e[3] or self.region_rule == "different" and r == e[3]:
                return False
        return (iid, e[0]) not in self.conflicts and (e[0], iid) not in self.history

    def compatible(self, t, s):
        return [i for i in self.static[s] if self.target_ok(t, s, i)]

    def run(self, stream):
        n = len(self.targets)
        self.team = [[None] * len(self.slots) for _ in range(n)]
        self.holders = {i: set() for i in self.ids}      # inspector -> targets holding it
        cap = self.cap if self.cap is not None else float("inf")
        for t in range(n):
            for s in range(len(self.slots)):
                team = self.team[t]
                cands = [i for i in self.compatible(t, s) if i not in team and len(self.holders[i]) < cap]
                if cands:                                # §8.4 step 2
                    pick = cands[stream.uniform(len(cands))]
                    team[s] = pick
                    self.holders[pick].add(t)
                elif not self.repair(t, s, cap):         # §8.4 step 3
                    raise NoAssignment(t, s)
        return self.team

    def repair(self, t0, s0, cap):
        """§8.4: one BFS for an augmenting path; nodes ('S',t,s), ('P',t,i), ('I',i)."""
        start = ("S", t0, s0)
        parent, queue, head = {start: None}, [start], 0
        found = None
        while head < len(queue) and found is None:
            node = queue[head]
            head += 1
            if node[0] == "S":
                _, t, s = node
                nbrs = [("P", t, i) for i in self.compatible(t, s) if self.team[t][s] != i]
            elif node[0] == "P":
                _, t, i = node
                team = self.team[t]
                nbrs = [("I", i)] if i not in team else [("S", t, team.index(i))]
            else:
                i = node[1]
                nbrs = [("P", u, i) for u in sorted(self.holders[i])]
            for nb in nbrs:
                if nb in parent:
                    continue
                parent[nb] = node
                queue.append(nb)
                if nb[0] == "I" and len(self.holders[nb[1]]) < cap:
                    found = nb
                    break
        if found is None:
            return False
        path = []
        while found is not None:
            path.append(found)
            found = parent[found]
        path.reverse()
        touched = set()
        for a, b in zip(path, path[1:]):                 # apply S(t,x)->P(t,i) moves in path order
            if a[0] == "S" and b[0] == "P":
                self.team[a[1]][a[2]] = b[2]
                touched.add(a[1])
        for i in self.holders:                           # recount load from the teams
            self.holders[i] -= touched
        for t in touched:
            for i in self.team[t]:
                if i is not None:
                    self.holders[i].add(t)
        return True

    def explain(self, t, s):
        """§8.5: the first rule that leaves no candidate for slot s of target t."""
        kind, depts = self.slots[s]
        e = self.targets[t][1]
        date = self.plan["inspection_date"]
        need = "expert" if kind == "expert" else "inspector" + (f" of {'/'.join(sorted(depts))}" if depts else "")
        cand = list(self.by_id.values())
        quals = set(self.plan["team"]["qualifications"])
        rules = [("role/active/certificate", lambda i: i["role"] == kind and i["active"] and not (i["cert_expires"] and date and i["cert_expires"] < date))]
        if kind == "inspector":
            rules += [("qualifications", lambda i: quals <= set(i["qualifications"])),
                      ("department", lambda i: depts is None or i["department"] in depts),
                      (f"region rule ({self.region_rule})", lambda i: self.region_rule == "any" or (i["region"] == e[3]) == (self.region_rule == "same"))]
        rules += [("recusal", lambda i: (i["id"], e[0]) not in self.conflicts),
                  ("rotation", lambda i: (e[0], i["id"]) not in self.history)]
        for rule, ok in rules:
            cand = [i for i in cand if ok(i)]
            if not cand:
                return f"target {e[0]} ({e[1]}), slot {s} ({need}): no candidate left after rule: {rule}"
        if all(i["id"] in self.team[t] for i in cand):
            return (f"target {e[0]} ({e[1]}), slot {s} ({need}): only {len(cand)} compatible inspector(s), "
                    f"all already in this team")
        return (f"target {e[0]} ({e[1]}), slot {s} ({need}): no candidate left after rule: workload cap "
                f"({len(cand)} compatible inspectors, all needed elsewhere or at the cap)")


def feasible(plan, targets, inspectors, conflicts, seed):
    try:
        Assigner(plan, targets, inspectors, conflicts).run(Stream(seed))
        return True
    except NoAssignment:
        return False


def suggest(plan, targets, inspectors, conflicts, seed):
    """§8.5 (not normative): the smallest single relaxation that makes the plan feasible."""
    team = plan["team"]

    def with_team(**kw):
        return dict(plan, team=dict(team, **kw))
    if team["max_targets_per_inspector"] is not None and feasible(with_team(max_targets_per_inspector=None), targets, inspectors, conflicts, seed):
        lo, hi = team["max_targets_per_inspector"] + 1, max(len(targets), 1)
        while lo < hi:                                   # feasibility is monotone in the cap
            mid = (lo + hi) // 2
            if feasible(with_team(max_targets_per_inspector=mid), targets, inspectors, conflicts, seed):
                hi = mid
            else:
                lo = mid + 1
        return f"max_targets_per_inspector = {lo}"
    if team["rotation"] and feasible(dict(with_team(rotation=False), history=[]), targets, inspectors, conflicts, seed):
        return "rotation = false"
    if team["region"] != "any" and feasible(with_team(region="any"), targets, inspectors, conflicts, seed):
        return 'region = "any"'
    if team["qualifications"] and feasible(with_team(qualifications=[]), targets, inspectors, conflicts, seed):
        return "qualifications = []"
    for x in range(team["experts"] - 1, -1, -1):
        if feasible(with_team(experts=x), targets, inspectors, conflicts, seed):
            return f"experts = {x}"
    return None


# ---------------------------------------------------------------------------
# §9 The draw document
# ---------------------------------------------------------------------------

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
    enterprises.sort(key=lambda e: e[0])
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


# ---------------------------------------------------------------------------
# §10 Verification
# ---------------------------------------------------------------------------

MISSING = object()

# §9.1 Reading a draw document: strictly, so that every verifier gives the
# same verdict. json.loads alone accepts duplicate keys (last wins), NaN,
# floats, -0, a 5000-digit integer (then fails at int()'s 4300-digit limit)
# and lone surrogate escapes; the hooks below refuse each of them.
MAX_DEPTH = 64
NUMBERS = "numbers must be integers from 0 to 9007199254740991, without sign, fraction or exponent"
_CANONICAL_INTEGER = re.compile("0|[1-9][0-9]{0,15}")     # checked before int(): no digit limit reached
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class DocumentError(ValueError):
    """The draw document is not one (exit code 2)."""


def _integer(text):
    if not _CANONICAL_INTEGER.fullmatch(text) or int(text) > MAX_INTEGER:
        raise DocumentError(f"{text[:40]}{'…' if len(text) > 40 else ''}: {NUMBERS}")
    return int(text)


def _not_integer(text):
    raise DocumentError(f"{text[:40]}{'…' if len(text) > 40 else ''} is not an integer: {NUMBERS}")


def _not_json(name):
    raise DocumentError(f"not valid JSON: {name} is not a JSON value")


def _unique_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise DocumentError(f"duplicate key {json.dumps(k, ensure_ascii=False)}")
        obj[k] = v
    return obj


def load_document(data):
    """§9.1: UTF-8 without BOM, strict JSON -> the document (a dict with a seed string)."""
    if data.startswith(codecs.BOM_UTF8):
        raise DocumentError("starts with a byte order mark (U+FEFF); a draw document is UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(f"not valid UTF-8 at byte {e.start}")
    depth = 0                                    # before json.loads, which recurses
    for m in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if m[0] in "[{" else -1
        if depth > MAX_DEPTH:
            raise DocumentError(f"not valid JSON: arrays and objects nested more than {MAX_DEPTH} levels deep")
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_integer,
                         parse_float=_not_integer, parse_constant=_not_json)
    except json.JSONDecodeError as e:
        raise DocumentError(f"not valid JSON: {e}")
    stack = [doc]
    while stack:                                 # json.loads keeps "\ud800" as a lone surrogate
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str) and _SURROGATE.search(v):
            raise DocumentError(f"not valid JSON: a string holds a lone surrogate escape ({v[:40]!r})")
    if not isinstance(doc, dict) or not isinstance(doc.get("seed"), str):
        raise DocumentError('has no "seed" string (the document must be a JSON object with a seed)')
    return doc


def show(v):
    return "(nothing)" if v is MISSING else json.dumps(v, ensure_ascii=False)


def differences(expected, got, path, out):
    """Value-by-value comparison; appends 'PATH: expected X, draw has Y' lines."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for k in list(expected) + [k for k in got if k not in expected]:
            differences(expected.get(k, MISSING), got.get(k, MISSING), f"{path}.{k}" if path else k, out)
    elif isinstance(expected, list) and isinstance(got, list):
        for j in range(max(len(expected), len(got))):
            differences(expected[j] if j < len(expected) else MISSING,
                        got[j] if j < len(got) else MISSING, f"{path}[{j}]", out)
    elif type(expected) is not type(got) or expected != got:
        out.append(f"{path}: expected {show(expected)}, draw has {show(got)}")


def main(argv):
    if argv and argv[0] in ("log", "receipt"):  # the audit log: audit/fairdraw_verify/auditlog.py
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from fairdraw_verify import auditlog
        return auditlog.main(argv, sys.modules[__name__])
    ap = argparse.ArgumentParser(description="Independent verifier for fairdraw-v1 draws (see audit/SPEC.md).")
    ap.add_argument("draw", nargs="?", help="the draw document (draw.json) to verify")
    ap.add_argument("--emit", action="store_true", help="print the draw computed from the inputs and --seed")
    ap.add_argument("--enterprises", required=True)
    ap.add_argument("--inspectors", required=True)
    ap.add_argument("--conflicts")
    ap.add_argument("--plan", required=True)
    ap.add_argument("--seed")
    args = ap.parse_args(argv)
    if args.emit == (args.draw is not None) or args.emit != (args.seed is not None):
        ap.error("give either DRAW.json, or --emit with --seed")
    try:
        if args.emit:
            seed = args.seed
            seed.encode("utf-8")
        else:
            try:
                with open(args.draw, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise BadInput([f"{args.draw}: cannot read file: {e.strerror or e}"])
            try:
                draw = load_document(data)
            except DocumentError as e:
                raise BadInput([f"{args.draw}: {e}"])
            seed = draw["seed"]
        doc = compute_draw(load_inputs(args), seed)
    except BadInput as e:
        items = e.problems
        if len(items) > 1:
            print(f"error: {len(items)} problems in the inputs:", file=sys.stderr)
        for line in items[:50]:
            print(f"error: {line}", file=sys.stderr)
        if len(items) > 50:
            print(f"error: … and {len(items) - 50} more ({len(items)} in total)", file=sys.stderr)
        return 2
    except Exception as e:                       # never a traceback, but a bug: say so
        print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if args.emit:
        return output(json.dumps(doc, indent=2, ensure_ascii=False), 0)
    diffs = []
    differences(doc, draw, "", diffs)
    if not diffs:
        return output(f"VERIFIED: {len(doc['strata'])} strata, {len(doc['assignments'])} targets, "
                      f"plan digest {doc['plan_digest'][:16]}…, enterprises root {doc['snapshots']['enterprises']['root'][:16]}…", 0)
    more = [f"… and {len(diffs) - 50} more"] if len(diffs) > 50 else []
    return output("\n".join(["MISMATCH", *diffs[:50], *more]), 1)


def output(text, code):
    """Print the result; a closed pipe (e.g. `| head`) does not change the exit code."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except KeyboardInterrupt:
        code = 2
    except Exception as e:                       # last resort: never a traceback
        try:
            print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        except Exception:
            pass
        code = 2
    sys.exit(code)
