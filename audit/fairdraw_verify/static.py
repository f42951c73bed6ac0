"""LOG-FORMAT "Static publication: tiles (C2SP tlog-tiles)", "Checking":
the static files of `verify.py log DIR`, and the hash tiles and entry files
of a static mirror in `verify.py log URL` (fetch.py fetched it into a
directory laid out like a log).  Mixed into auditlog.LogVerifier.

Lines it adds, at most SHOWN of each kind followed by a count (names as
under the log directory or URL prefix, sorted by their bytes):

    problem: <name>: differs from the bytes derived from the log's entries (changed, or from another history)
    problem: … and <k> more files differ from the bytes derived from the log's entries
    problem: <name>: not a file of this log of <C> entries (no checkpoint size calls for it)
    problem: … and <k> more files under tile/ and entry/ are not files of this log
    note: <name>: missing
    note: … and <k> more static files missing (tile/, entry/: a log written before them, or an incomplete copy)
    problem: entry/<N>: missing on the mirror (HTTP 404): the mirror is incomplete
    problem: … and <k> more entry files missing on the mirror (HTTP 404)
"""

from . import tiles

SHOWN = 5


class StaticChecks:
    """Mixed into auditlog.LogVerifier (self.dir, problem, note, read,
    entries, batch_ends, mirror)."""

    def list_static(self):
        """Run before any other file of the log is read: a writer writes a
        batch's static files after its checkpoint records, so every file
        listed now belongs to a size that the records read later cover (a
        concurrent writer cannot make a file look stray)."""
        self.static_present = tiles.list_files(self.dir)

    def check_static(self):
        size = self.batch_ends[-1] if self.batch_ends else 0
        static = tiles.StaticFiles([e.leaf for e in self.entries[:size]], size, self.batch_ends)
        if self.mirror is not None:
            self.listed(self.problem, [tiles.entry_name(i) for i in self.mirror.missing_entries],
                        "missing on the mirror (HTTP 404): the mirror is incomplete",
                        "entry files missing on the mirror (HTTP 404)")
            wanted = static.mirror_names()            # LOG-FORMAT "Reading a log from a URL", step 3
        else:
            wanted = static.names()
        changed, unknown, missing = tiles.compare(self.read, self.static_present, wanted, static)
        self.listed(self.problem, changed,
                    "differs from the bytes derived from the log's entries (changed, or from another history)",
                    "files differ from the bytes derived from the log's entries")
        self.listed(self.problem, unknown,
                    f"not a file of this log of {size} entries (no checkpoint size calls for it)",
                    "files under tile/ and entry/ are not files of this log")
        self.listed(self.note, missing, "missing",
                    "static files missing (tile/, entry/: a log written before them, or an incomplete copy)")

    @staticmethod
    def listed(say, names, what, more):
        for name in names[:SHOWN]:                      # a name that is not UTF-8 is shown escaped
            say(f"{name.encode('utf-8', 'backslashreplace').decode('utf-8')}: {what}")
        if len(names) > SHOWN:
            say(f"… and {len(names) - SHOWN} more {more}")
