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

    python3 audit/verify.py log DIR|URL [--checkpoint OLD_CHECKPOINT] [--vkey KEY_OR_FILE] [--now RFC3339]
    python3 audit/verify.py receipt FILE --vkey KEY_OR_FILE
        verify an audit log (audit/LOG-FORMAT.md) and replay its draws with this
        verifier's engine (a protected log's public mirror: the public checks
        instead of a replay), or check a receipt offline.  URL: an http:// or
        https:// static mirror of a log (LOG-FORMAT "Reading a log from a URL").

    python3 audit/verify.py disclosure FILE [--vkey KEY_OR_FILE]
        check one firm's disclosure offline (LOG-FORMAT "Disclosures").
        Exit 0 verified, 1 tampered, 2 bad input.

The code is the package audit/fairdraw_verify/, one module per section of
SPEC.md and LOG-FORMAT.md (its __init__.py lists them); this file is only the
entry point.

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
    places, not only the two the spec names (see WHATWG_GB18030 in fairdraw_verify/tables.py);
  * snapshots.enterprises.columns is the full leaf column list.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fairdraw_verify.cli import run  # noqa: E402  (the package sits beside this file)

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
