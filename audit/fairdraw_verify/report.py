"""What the user sees: every problem of every input at once (SPEC §1, "all
errors reported together"), and results printed so that a closed pipe does
not change the exit code (SPEC §10: 0 verified, 1 mismatch, 2 bad input)."""

import json
import os
import sys


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


def output(text, code):
    """Print the result; a closed pipe (e.g. `| head`) does not change the exit code."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code
