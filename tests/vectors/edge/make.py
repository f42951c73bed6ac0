#!/usr/bin/env python3
"""Writes the edge corpus (audit/SPEC.md §3.1, §3.2, §9.1, §10): plans/,
docs/ and cases.json, all derived from tests/vectors/basic/.

    python3 tests/vectors/edge/make.py

Every case is one verifier command line (paths relative to this directory),
the exit code every verifier must give (0 identical, 1 differs, 2 bad input)
and a piece of text every verifier's output must contain. tests/edge_corpus.rs
runs the Rust, Python and JavaScript verifiers on each case.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BASIC = os.path.join(HERE, "..", "basic")
REGISTRIES = ["--enterprises", "../basic/enterprises.csv", "--inspectors", "../basic/inspectors.csv"]
SPEC_NUMBERS = "numbers must be integers from 0 to 9007199254740991"

with open(os.path.join(BASIC, "draw.json"), "rb") as f:
    DRAW = f.read()
with open(os.path.join(BASIC, "plan.toml"), encoding="utf-8") as f:
    PLAN = f.read()
DOC = json.loads(DRAW)
assert PLAN.startswith('name = "基本示例"\n[ratios]\nA = "50%"\n'), "the basic plan changed: update make.py"

cases = []


def write(path, data):
    full = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def case(name, tests, args, exit_code, message):
    assert name not in {c["name"] for c in cases}, name
    cases.append({"name": name, "tests": tests, "args": args, "exit": exit_code, "message": message})


def plan_case(name, tests, plan_text, exit_code, message):
    """The basic draw checked against a changed plan."""
    write(f"plans/{name}.toml", plan_text)
    case(name, tests, ["../basic/draw.json", *REGISTRIES, "--plan", f"plans/{name}.toml"], exit_code, message)


def ratio_case(name, tests, ratio_toml, exit_code, message):
    """The basic plan with class A's ratio (basic: "50%") written as `ratio_toml`."""
    plan_case(name, tests, PLAN.replace('A = "50%"', f"A = {ratio_toml}", 1), exit_code, message)


def doc_case(name, tests, data, exit_code, message):
    """A draw document (bytes or text) checked against the basic inputs."""
    write(f"docs/{name}.json", data)
    case(name, tests, [f"docs/{name}.json", *REGISTRIES, "--plan", "../basic/plan.toml"], exit_code, message)


def pretty(doc):
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def with_extra(raw_value):
    """The basic document with one more top-level key, written as raw JSON text."""
    text = DRAW.decode("utf-8").rstrip()
    assert text.endswith("}")
    return text[:-1].rstrip() + f',\n  "extra": {raw_value}\n}}\n'


def replace_once(old, new):
    text = DRAW.decode("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- §3.1 ratios -----------------------------------------------------------
ZEROS = "0" * 4999
ratio_case("ratio-equivalent-decimal", '"0.5" is the same ratio as "50%"', '"0.5"', 0, "VERIFIED")
ratio_case("ratio-18-decimals", "18 decimals (trailing zeros) are allowed", '"0.500000000000000000"', 0, "VERIFIED")
ratio_case("ratio-19-decimals", "19 decimals are refused", '"0.5000000000000000001"', 2, "more than 18 decimals")
ratio_case("ratio-19-zero-decimals", "19 decimals are refused even when they are zeros",
           '"0.5000000000000000000"', 2, "more than 18 decimals")
ratio_case("ratio-percent-19-decimals-as-fraction", '"50.00000000000000001%" is 0.5000000000000000001: 19 decimals',
           '"50.00000000000000001%"', 2, "more than 18 decimals")
ratio_case("ratio-leading-zeros-3-digits", '"050%": three integer digits are allowed', '"050%"', 0, "VERIFIED")
ratio_case("ratio-leading-zeros-4999", "4,999 leading zeros: refused by length, never converted",
           f'"{ZEROS}50%"', 2, "more than 3 digits before the decimal point")
ratio_case("ratio-decimal-zeros-4999", "0. and 4,999 zeros then a digit", f'"0.{ZEROS}5"', 2, "more than 18 decimals")
ratio_case("ratio-above-one", '"1.01" is more than 1', '"1.01"', 2, "is more than 100%")
ratio_case("ratio-above-100-percent", '"100.5%" is more than 1', '"100.5%"', 2, "is more than 100%")
ratio_case("ratio-negative", "a sign is not allowed", '"-50%"', 2, "is not a ratio")
ratio_case("ratio-plus-sign", "a sign is not allowed", '"+50%"', 2, "is not a ratio")
ratio_case("ratio-exponent", "no exponent", '"5e-1"', 2, "is not a ratio")
ratio_case("ratio-empty", "an empty string is not a ratio", '""', 2, "is not a ratio")
ratio_case("ratio-only-spaces", "spaces alone are not a ratio", '"   "', 2, "is not a ratio")
ratio_case("ratio-spaces-allowed", 'spaces around the number and before "%" are trimmed', '" 50 % "', 0, "VERIFIED")
ratio_case("ratio-ideographic-space-allowed", "U+3000 is one of the §1 step 3 trim characters",
           '"\u300050%\u3000"', 0, "VERIFIED")
ratio_case("ratio-inner-space", "no space inside the number", '"5 0%"', 2, "is not a ratio")
ratio_case("ratio-newline", "a newline is not a trim character", '"50%\\n"', 2, "is not a ratio")
ratio_case("ratio-no-integer-part", '".5" needs a 0 before the point', '".5"', 2, "is not a ratio")
ratio_case("ratio-no-decimals", '"50.%" needs digits after the point', '"50.%"', 2, "is not a ratio")
ratio_case("ratio-double-percent", "one % at most", '"50%%"', 2, "is not a ratio")
ratio_case("ratio-fullwidth-digits", "only ASCII digits", '"５０%"', 2, "is not a ratio")
ratio_case("ratio-toml-float", "a TOML float is refused", "0.5", 2, "floats are not allowed")
ratio_case("ratio-toml-integer-one", "the TOML integer 1 is the ratio 1 (a valid plan, another draw)", "1", 1, "MISMATCH")
ratio_case("ratio-toml-integer-two", "the TOML integer 2 is more than 1", "2", 2, "is more than 100%")

# --- §3.2 integer ranges ---------------------------------------------------
plan_case("min-20-digits", "min.A = 99999999999999999999 (beyond every range, beyond TOML's 64 bits)",
          PLAN + "[min]\nA = 99999999999999999999\n", 2, "99999999999999999999")
plan_case("min-5000-digits", "min.A of 5,000 digits (Python's int() stops at 4,300): a TOML error, not a crash",
          PLAN + "[min]\nA = " + "9" * 5000 + "\n", 2, "invalid TOML")
plan_case("min-2-pow-53", "min.A = 2^53 is one more than the largest integer",
          PLAN + "[min]\nA = 9007199254740992\n", 2, "must be an integer from 0 to 9007199254740991")
plan_case("min-negative", "min.A = -1", PLAN + "[min]\nA = -1\n", 2, "must be an integer from 0 to 9007199254740991")
plan_case("max-2-pow-53-minus-1", "max.A = 2^53 − 1 is allowed (a valid plan, another plan digest)",
          PLAN + "[max]\nA = 9007199254740991\n", 1, "MISMATCH")
plan_case("max-draws-negative", "max_draws_per_year = -1",
          PLAN.replace("[ratios]", "max_draws_per_year = -1\n[ratios]", 1), 2,
          "must be an integer from 0 to 9007199254740991")
plan_case("team-size-1", "team.size below 2", PLAN + "[team]\nsize = 1\n", 2, "must be an integer from 2 to 100")
plan_case("team-size-101", "team.size above 100", PLAN + "[team]\nsize = 101\n", 2, "must be an integer from 2 to 100")
plan_case("team-experts-101", "team.experts above 100", PLAN + "[team]\nexperts = 101\n", 2,
          "must be an integer from 0 to 100")
plan_case("team-cap-0", "max_targets_per_inspector = 0", PLAN + "[team]\nmax_targets_per_inspector = 0\n", 2,
          "must be an integer from 1 to 9007199254740991")

# --- §6.1 region strata, §6.2 range filters ---------------------------------
def range_case(name, tests, table, exit_code, message):
    """The basic plan with a [scope.range] (or other) table appended."""
    plan_case(name, tests, PLAN + table, exit_code, message)


NOT_A_BOUND = "is neither a number"
range_case("range-bound-sign", "a bound has no sign", '[scope.range]\n"注册资本" = { min = "-5" }\n', 2, NOT_A_BOUND)
range_case("range-bound-exponent", "a bound has no exponent", '[scope.range]\n"注册资本" = { max = "1e3" }\n', 2,
           NOT_A_BOUND)
range_case("range-bound-comma", "no thousands separator", '[scope.range]\n"注册资本" = { min = "1,000" }\n', 2,
           NOT_A_BOUND)
range_case("range-bound-half-number", '"5." is neither a decimal nor a date', '[scope.range]\n"注册资本" = { min = "5." }\n',
           2, NOT_A_BOUND)
range_case("range-bound-not-a-real-date", "2024-02-30 does not exist", '[scope.range]\n"成立日期" = { min = "2024-02-30" }\n',
           2, NOT_A_BOUND)
range_case("range-bound-toml-integer", "a bound is a TOML string, not an integer",
           '[scope.range]\n"注册资本" = { min = 100 }\n', 2, "a bound is a string")
range_case("range-bound-toml-date", "a bound is a TOML string, not a bare TOML date",
           '[scope.range]\n"成立日期" = { min = 2024-01-01 }\n', 2, "a bound is a string")
range_case("range-mixed-kinds", "a date and a number in one range", '[scope.range]\n"成立日期" = { min = "2024-01-01", max = "100" }\n',
           2, "both be dates or both be numbers")
range_case("range-min-above-max", "min 200 > max 100.0", '[scope.range]\n"注册资本" = { min = "200", max = "100.0" }\n', 2,
           "is below min")
range_case("range-established-number", "20240101 is a number, and 成立日期 holds dates",
           '[scope.range]\n"成立日期" = { min = "20240101" }\n', 2, "holds dates")
range_case("range-no-bounds", "a range without min or max", '[scope.range]\n"注册资本" = {}\n', 2,
           "a range needs min, max or both")
range_case("range-unknown-key", "only min and max", '[scope.range]\n"注册资本" = { low = "1" }\n', 2, "low")
range_case("range-on-region-code", "codes are filtered by prefix (scope.regions), not by range",
           '[scope.range]\n"区域代码" = { min = "330100" }\n', 2, "ranges apply to 成立日期")
range_case("range-and-where", "a column in both where and range",
           '[scope.where]\n"注册资本" = "1"\n[scope.range]\n"注册资本" = { min = "1" }\n', 2, "a column may be named once")
range_case("range-column-missing", "the basic registry has no 成立日期 column",
           '[scope.range]\n"成立日期" = { min = "2024-01-01" }\n', 2, "which the registry lacks")
range_case("where-established-not-a-date", "a where on 成立日期 must be a date",
           '[scope.where]\n"成立日期" = "2024-13-01"\n', 2, "is not a date")
range_case("strata-digits-3", "region_digits is 2, 4 or 6", "[strata]\nregion_digits = 3\n", 2, "must be 2, 4 or 6")
range_case("strata-digits-missing", "[strata] needs region_digits", '[strata]\nfloor = "3%"\n', 2, "must be 2, 4 or 6")
range_case("strata-floor-float", "the floor is a §3.1 ratio, never a float", "[strata]\nregion_digits = 6\nfloor = 0.03\n", 2,
           "floats are not allowed")
range_case("strata-floor-above-one", "the floor is at most 100%", '[strata]\nregion_digits = 6\nfloor = "101%"\n', 2,
           "is more than 100%")
range_case("strata-unknown-key", "[strata] has two keys", "[strata]\nregion_digits = 6\ndepth = 2\n", 2, "depth")
range_case("strata-digits-float", "region_digits is a TOML integer: 2.0 is a float", "[strata]\nregion_digits = 2.0\n", 2,
           "2.0")
range_case("strata-floor-integer", "the floor is a §3.1 ratio: the TOML integer 1 is one (100%)",
           "[strata]\nregion_digits = 6\nfloor = 1\n", 1, "MISMATCH")
range_case("strata-valid-other-draw", "a valid [strata] table: another plan, another document",
           '[strata]\nregion_digits = 4\nfloor = "50%"\n', 1, "MISMATCH")

# --- §9.1 the draw document's JSON ------------------------------------------
case("doc-valid", "the golden basic document", ["../basic/draw.json", *REGISTRIES, "--plan", "../basic/plan.toml"],
     0, "VERIFIED")
doc_case("doc-compact-reordered", "any key order, no whitespace: values are compared, not bytes",
         json.dumps(dict(reversed(list(DOC.items()))), ensure_ascii=False, separators=(",", ":")), 0, "VERIFIED")
doc_case("doc-escaped-ascii", "every non-ASCII character as a \\u escape", json.dumps(DOC, indent=1), 0, "VERIFIED")
doc_case("doc-crlf", "CRLF line ends are JSON whitespace", DRAW.replace(b"\n", b"\r\n"), 0, "VERIFIED")
changed = json.loads(DRAW)
changed["strata"][0]["selected"][0] = DOC["strata"][1]["selected"][0]
doc_case("doc-selection-changed", "one selected enterprise replaced by another", pretty(changed), 1, "MISMATCH")
changed = json.loads(DRAW)
changed["strata"][0]["sample_size"] = "2"
doc_case("doc-number-as-string", 'a count written as the string "2" differs from 2', pretty(changed), 1, "MISMATCH")
doc_case("doc-extra-key", "an extra top-level key differs", with_extra("true"), 1, "MISMATCH")
changed = json.loads(DRAW)
del changed["plan"]
doc_case("doc-missing-key", "a missing key differs", pretty(changed), 1, "MISMATCH")
doc_case("doc-float", "12.0 is not an integer", replace_once('"count": 12,', '"count": 12.0,'), 2,
         SPEC_NUMBERS)
doc_case("doc-minus-zero", "-0 is not canonical", replace_once('"excluded": 0,\n      "eligible": 3,\n      "ratio": "0.25"',
         '"excluded": -0,\n      "eligible": 3,\n      "ratio": "0.25"'), 2, SPEC_NUMBERS)
doc_case("doc-exponent", "1.2e1 is not an integer", replace_once('"count": 12,', '"count": 1.2e1,'), 2, SPEC_NUMBERS)
doc_case("doc-exponent-integer", "12e0 is not canonical", replace_once('"count": 12,', '"count": 12e0,'), 2, SPEC_NUMBERS)
doc_case("doc-negative", "-1 is below the range", with_extra("-1"), 2, SPEC_NUMBERS)
doc_case("doc-2-pow-53", "2^53 is above the range", with_extra("9007199254740992"), 2, SPEC_NUMBERS)
doc_case("doc-2-pow-53-minus-1", "2^53 − 1 is in range (the extra key differs)", with_extra("9007199254740991"), 1,
         "MISMATCH")
doc_case("doc-20-digits", "99999999999999999999", with_extra("99999999999999999999"), 2, SPEC_NUMBERS)
doc_case("doc-5000-digits", "an integer of 5,000 digits (Python's int() stops at 4,300)", with_extra("9" * 5000), 2,
         SPEC_NUMBERS)
doc_case("doc-leading-zero", "012 is not JSON", with_extra("012"), 2, "not valid JSON")
doc_case("doc-bom", "a UTF-8 byte order mark", b"\xef\xbb\xbf" + DRAW, 2, "byte order mark")
doc_case("doc-duplicate-top-key", 'two "seed" keys, the last one right',
         replace_once('"seed": "basic-vector-seed",', '"seed": "other",\n  "seed": "basic-vector-seed",'), 2,
         "duplicate key")
doc_case("doc-duplicate-nested-key", 'two "count" keys in snapshots.enterprises, both equal',
         replace_once('"count": 12,', '"count": 12,\n      "count": 12,'), 2, "duplicate key")
doc_case("doc-duplicate-key-escaped", '"seed" and "se\\u0065d" are the same key once escapes are decoded',
         replace_once('"seed": "basic-vector-seed",', '"seed": "basic-vector-seed",\n  "se\\u0065d": "basic-vector-seed",'),
         2, "duplicate key")
doc_case("doc-nan", "NaN is not JSON", replace_once('"count": 12,', '"count": NaN,'), 2, "not valid JSON")
doc_case("doc-infinity", "Infinity is not JSON", replace_once('"count": 12,', '"count": Infinity,'), 2, "not valid JSON")
doc_case("doc-minus-infinity", "-Infinity is not JSON", replace_once('"count": 12,', '"count": -Infinity,'), 2,
         "not valid JSON")
doc_case("doc-trailing-garbage", "text after the document", DRAW + b"x\n", 2, "not valid JSON")
doc_case("doc-two-documents", "a second document after the first", DRAW + DRAW, 2, "not valid JSON")
doc_case("doc-truncated", "the document cut in half", DRAW[: len(DRAW) // 2], 2, "not valid JSON")
doc_case("doc-empty", "an empty file", b"", 2, "not valid JSON")
doc_case("doc-trailing-comma", "a comma before }", replace_once('"count": 4\n', '"count": 4,\n'), 2, "not valid JSON")
doc_case("doc-single-quotes", "'single quotes'", replace_once('"format"', "'format'"), 2, "not valid JSON")
doc_case("doc-comment", "a // comment", replace_once('{\n  "format"', '{\n  // comment\n  "format"'), 2,
         "not valid JSON")
doc_case("doc-raw-tab-in-string", "a raw TAB inside a string", replace_once('"基本示例",\n  "seed"', '"基本\t示例",\n  "seed"'),
         2, "not valid JSON")
doc_case("doc-not-utf8", "plan_name in GBK bytes",
         DRAW.replace('"plan_name": "基本示例"'.encode(), '"plan_name": "'.encode() + "基本示例".encode("gbk") + b'"', 1),
         2, "not valid UTF-8")
doc_case("doc-lone-high-surrogate", 'a lone surrogate escape "\\ud800"', with_extra('"\\ud800"'), 2, "lone surrogate")
doc_case("doc-lone-low-surrogate", 'a lone surrogate escape "\\udc00"', with_extra('"\\udc00"'), 2, "lone surrogate")
doc_case("doc-high-surrogate-then-letter", 'a high surrogate escape followed by "\\u0041", not by a low one',
         with_extra('"\\ud800\\u0041"'), 2, "lone surrogate")
doc_case("doc-surrogate-pair", 'a surrogate pair "\\ud83d\\ude00" is one character (the extra key differs)',
         with_extra('"\\ud83d\\ude00"'), 1, "MISMATCH")
doc_case("doc-nesting-64", "64 levels of nesting are allowed (the extra key differs)",
         with_extra("[" * 63 + "]" * 63), 1, "MISMATCH")
doc_case("doc-nesting-65", "65 levels of nesting are refused", with_extra("[" * 64 + "]" * 64), 2,
         "nested more than 64 levels")
doc_case("doc-nesting-100000", "100,000 levels of nesting (a stack overflow for a recursive parser)",
         with_extra("[" * 100000 + "]" * 100000), 2, "nested more than 64 levels")
doc_case("doc-top-level-array", "the document is an array", b"[]\n", 2, 'has no "seed" string')
doc_case("doc-seed-number", "the seed is a number", replace_once('"seed": "basic-vector-seed"', '"seed": 1'), 2,
         'has no "seed" string')

with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
    json.dump({"about": "Edge inputs and the verdict every verifier must give; written by make.py, "
                        "run by tests/edge_corpus.rs. Paths are relative to this directory. "
                        "exit: 0 identical, 1 the document differs, 2 bad input (audit/SPEC.md §10); "
                        "message: text every verifier's output must contain.",
               "cases": cases}, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"{len(cases)} cases")
