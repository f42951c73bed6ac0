"""The command line of audit/verify.py (SPEC §10 "Verification"): verify a
draw document against its inputs, or print the document the inputs give
(--emit); `log` (a directory or a static mirror's URL) and `receipt` are
audit/fairdraw_verify/auditlog.py,
`disclosure` is audit/fairdraw_verify/disclosure.py.

Exit codes (§10): 0 VERIFIED, 1 MISMATCH, 2 bad input."""

import argparse
import gc
import json
import sys

from .document import DocumentError, differences, load_document
from .draw import InChild, compute_draw, load_inputs
from .report import BadInput, output


def main(argv):
    if argv and argv[0] in ("log", "receipt"):
        from . import auditlog                   # only when needed: it loads the Ed25519 tables
        return auditlog.main(argv)
    if argv and argv[0] == "disclosure":
        from . import disclosure
        return disclosure.main(argv[1:])
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
    # A registry of a million rows is millions of objects and no reference
    # cycles: the cycle collector would only re-scan them, again and again
    # as they are created (a third of the run time at 1e6 rows).
    gc.disable()
    try:
        if args.emit:
            seed = args.seed
            seed.encode("utf-8")
            inputs = load_inputs(args)
        else:
            # The document (§9.1) and the inputs (§1-§3) are read at the same
            # time, the document on the second core.  A bad document is the
            # one problem reported, whatever the inputs hold.
            with InChild(read_document, args.draw) as reading:
                try:
                    inputs, trouble = load_inputs(args), None
                except Exception as e:
                    inputs, trouble = None, e
                draw, problem = reading.result()
            if problem:
                raise BadInput([problem])
            if trouble:
                raise trouble
            seed = draw["seed"]
        doc = compute_draw(inputs, seed)
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


def read_document(path):
    """(the draw document, None), or (None, why it cannot be read) (§9.1)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, f"{path}: cannot read file: {e.strerror or e}"
    try:
        return load_document(data), None
    except DocumentError as e:
        return None, f"{path}: {e}"


def run(argv):
    """main(argv) with no traceback ever: an unexpected error is exit 2, said as such."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        return 2
    except Exception as e:                       # last resort: never a traceback
        try:
            print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        except Exception:
            pass
        return 2
