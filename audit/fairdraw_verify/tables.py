"""SPEC §1 "Reading tabular files": decoding (§1 step 1, GB18030 as the
WHATWG decoder), CSV records (step 2), trimming and control characters
(step 3), headers and their aliases (step 4), row widths (step 5), and the
dates of §1.5."""

import codecs
import csv
import datetime
import functools
import io
import re


def ascii_lower(s):  # English names compare case-insensitively, ASCII letters only
    return s.lower() if s.isascii() else s.translate(_LOWER)   # str.lower is the fast path for ASCII text


def ascii_upper(s):
    return s.upper() if s.isascii() else s.translate(_UPPER)


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}

TRIM = " \t\u3000\ufeff"                       # §1 step 3
CONTROL = re.compile("[\x00-\x1f\x7f]")         # §1 step 3: never reaches a hash
UNREAD = ("reason", "service_address")         # §1.3, §6.3: fields never read, so never checked
CONTROL_BUT_LINE_ENDS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
COMPACT_DATE = re.compile(r"([0-9]{4})()([0-9]{2})([0-9]{2})")
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
        # Can a value hold a control character at all?  Only if the text has
        # one other than CR and LF, or if a quoted value holds a line break,
        # which makes its record span several physical lines (checked_rows).
        self.controls = True
        self.plain = None           # (text, trim) when plain_records reads it: see registries.split_read

    def bad(self, line, cells, field, msg):
        col = self.index[field] if field in self.index else self.extras[field]
        self.problems.add(self.path, msg, line, col + 1, self.headers[col], cells[col])


# §1.6: the verifiers read CSV only; a workbook is named by its extension.
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
WORKBOOK_REFUSED = ("an Excel workbook: the verifiers read CSV only (SPEC §1.6); save its first sheet "
                    "as CSV UTF-8 (另存为 CSV UTF-8) and verify that, or run `fairdraw verify` on the workbook")


def is_workbook(path):
    return str(path).lower().endswith(WORKBOOK_EXTENSIONS)


def read_table(path, columns, problems):
    """§1: columns is a list of (field, aliases, required). Returns a Table whose
    `rows` yields (line, trimmed cells) lazily (1e6-row registries), or None."""
    if is_workbook(path):
        problems.add(path, WORKBOOK_REFUSED)
        return None
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
    table.controls = CONTROL_BUT_LINE_ENDS.search(text) is not None
    trim = any(c in text for c in TRIM)          # no trimmable character anywhere: nothing to trim
    if "\r\n" in text and '"' not in text:
        text = text.replace("\r\n", "\n")      # (plain_records reads only LF)
    if '"' in text or "\x00" in text or "\r" in text:
        records = csv_records(io.StringIO(text, newline=""), path, problems, trim)
    else:
        records = plain_records(text, trim)
        table.plain = (text, trim)
    del text
    for line, _, cells in records:               # the first non-empty record is the header
        header_ok = map_header(table, cells, columns, lookup, line)
        table.header_line = line
        table.checked = {col for field, col in table.index.items() if field not in UNREAD}
        table.rows = checked_rows(table, records)
        if header_ok:
            return table
        for _ in table.rows:                     # still report every bad row
            pass
        return None
    problems.add(path, "file has no header line")
    return None


def csv_records(stream, path, problems, trim=True):
    """§1 steps 2-3: records with their first and last physical line, cells
    trimmed (`trim` False: the text has no character to trim).

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
            yield line, prev, [c.strip(TRIM) for c in cells] if trim else cells


def plain_records(text, trim, start=0, stop=None, n=1):
    """csv_records of a text without a quote, a NUL or a CR, where the csv
    module reads each line as one record and cuts it at every comma: str.split
    does the same about twice as fast (a registry of a million rows).
    Python 3.8-3.10's csv refuses a NUL, hence csv_records for it.  Reads
    text[start:stop], whose first line is line n; a megabyte at a time, as a
    list of every line at once would double the memory the registry takes."""
    stop = len(text) if stop is None else stop
    while start < stop:
        end = text.find("\n", start + (1 << 20), stop)
        end = stop if end < 0 else end
        for n, line in enumerate(text[start:end].split("\n"), n):
            if line:
                yield n, n, [c.strip(TRIM) for c in line.split(",")] if trim else line.split(",")
        start, n = end + 1, n + 1


def checked_rows(table, records):
    """§1 steps 3 and 5: as many cells as the header; no control characters in
    the values that are used (columns in table.checked, see note in §1 step 3)."""
    width = len(table.headers)
    for line, last, cells in records:
        if len(cells) != width:
            table.problems.add(table.path, f"record has {len(cells)} cells, the header has {width}", line)
            continue
        if (table.controls or last != line) and CONTROL.search("".join(cells)):
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


@functools.lru_cache(maxsize=65536)             # a registry repeats its dates: parse each once
def parse_date(s):
    """§1.5: YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYYMMDD -> 'YYYY-MM-DD' or None.
    The year must be 1900-2999 and the date must exist."""
    m = DATE.fullmatch(s) or COMPACT_DATE.fullmatch(s)
    if not m or not 1900 <= int(m[1]) <= 2999:
        return None
    try:
        return datetime.date(int(m[1]), int(m[3]), int(m[4])).isoformat()
    except ValueError:
        return None


def split_set(value):
    """§1.2: split at the separators, trim, drop empty parts, sort, de-duplicate."""
    return sorted({p.strip(TRIM) for p in SEPARATORS.split(value)} - {""})
