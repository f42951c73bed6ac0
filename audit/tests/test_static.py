"""`verify.py log DIR` and `verify.py log URL` against LOG-FORMAT "Static
publication: tiles (C2SP tlog-tiles)" and "Reading a log from a URL".

The log is written here (logfixture.Log: a ceremony draw, batch ends at
sizes 1, 5 and 7 as the writer makes them), and its tile/, tile/entries/ and
entry/ files with the package's tiles.py (whose names and bytes
test_tiles.py checks against C2SP).  The URL tests serve the log's public
files, without entries.jsonl, from http.server on 127.0.0.1.  Run with
`python3 -m unittest discover -s audit/tests`.
"""

import gzip
import http.server
import os
import shutil
import tempfile
import threading
import unittest

from logfixture import CEREMONY_PEOPLE, DATA, DIGITS, Log, canonical_json, verify_log
from fairdraw_verify import tiles
from test_protected import CEREMONY, CONFLICTS, NOTE, REVEAL, copy_log, write_inputs

BATCH_ENDS = [1, 5, 7]        # init; snapshots and commitment; beacon and result


def write_log(directory, inputs):
    """A 7-entry log with one ceremony draw, its receipt and its static files."""
    log = Log(directory)
    reveal = {"type": "ceremony", "digits": DIGITS, "witnesses": CEREMONY_PEOPLE}
    _, result = log.draw(inputs, {"type": "ceremony"}, reveal)
    log.write()
    records = "".join(canonical_json({"batch_end": n in BATCH_ENDS, "checkpoint": log.note(n), "size": n}) + "\n"
                      for n in range(1, len(log.lines) + 1))
    put(directory, "checkpoints.jsonl", records.encode())
    put(directory, f"receipts/{result}.tlog-proof", log.receipt(log.index_of(result)).encode())
    write_static(directory, log.lines, BATCH_ENDS)
    return log, result


def write_static(directory, lines, batch_ends):
    static = tiles.StaticFiles(lines, len(lines), batch_ends)
    for name in static.names():
        put(directory, name, static.expected(tiles.parse_name(name)))


def put(directory, name, data):
    path = os.path.join(directory, *name.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def flip(directory, name):
    """Changes the last byte of a file."""
    path = os.path.join(directory, *name.split("/"))
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-1] + bytes([data[-1] ^ 1]))


class StaticTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inputs = tempfile.mkdtemp(prefix="fairdraw-static-inputs-")
        with open(os.path.join(DATA, "enterprises.csv"), encoding="utf-8-sig") as f:
            rows = f.read().splitlines()
        with open(os.path.join(cls.inputs, "enterprises.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows[:7]) + "\n")
        with open(os.path.join(DATA, "inspectors.csv"), encoding="utf-8-sig") as f:
            rows = f.read().splitlines()
        with open(os.path.join(cls.inputs, "inspectors.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows[:6]) + "\n")
        with open(os.path.join(cls.inputs, "plan.toml"), "w", encoding="utf-8") as f:
            f.write('name = "static test"\n[ratios]\nA = "50%"\nB = "50%"\nC = "50%"\nD = "50%"\n')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.inputs)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-static-")
        self.dir = os.path.join(self.tmp, "log")
        self.log, self.result = write_log(self.dir, self.inputs)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def lines(self, out, prefix):
        return [x for x in out.splitlines() if x.startswith(prefix)]


class Directory(StaticTests):
    def test_a_log_with_all_its_static_files_verifies(self):
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertIn("VERIFIED", out)
        self.assertNotIn("tile/", out)
        self.assertNotIn("entry/", out)
        # the fixture has what the contract lists: a partial bundle at batch ends only
        self.assertTrue(os.path.exists(os.path.join(self.dir, "tile", "entries", "000.p", "5")))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "tile", "entries", "000.p", "6")))

    def test_a_missing_file_is_a_note(self):
        os.remove(os.path.join(self.dir, "tile", "0", "000.p", "3"))
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertEqual(self.lines(out, "note: tile/"), ["note: tile/0/000.p/3: missing"])

    def test_a_log_without_static_files_verifies_with_a_note(self):
        """A log written before tiles existed: 7 entry files, 7 tiles, 3 bundles missing."""
        shutil.rmtree(os.path.join(self.dir, "tile"))
        shutil.rmtree(os.path.join(self.dir, "entry"))
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertEqual(self.lines(out, "note: entry/"), [f"note: entry/00{i}: missing" for i in range(5)])
        self.assertIn("note: … and 12 more static files missing (tile/, entry/: a log written before them, "
                      "or an incomplete copy)", out)

    def test_a_changed_tile_is_tampering(self):
        flip(self.dir, "tile/0/000.p/6")
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertEqual(self.lines(out, "problem:"), [
            "problem: tile/0/000.p/6: differs from the bytes derived from the log's entries "
            "(changed, or from another history)"])

    def test_a_changed_entry_file_is_tampering(self):
        flip(self.dir, "entry/004")
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn("problem: entry/004: differs from the bytes derived from the log's entries", out)

    def test_a_changed_entry_bundle_is_tampering(self):
        flip(self.dir, "tile/entries/000.p/5")
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertIn("problem: tile/entries/000.p/5: differs from the bytes derived from the log's entries", out)

    def test_a_file_no_size_calls_for_is_tampering(self):
        """A tile beyond the size (with the right hashes of a longer history),
        a partial bundle at a size that is not a batch end, an entry beyond the
        size, a name that is no static file."""
        static = tiles.StaticFiles(self.log.lines + [b"{}"], 8, [8])
        put(self.dir, "tile/0/000.p/8", static.expected(("tile", 0, 0, 8)))
        put(self.dir, "tile/entries/000.p/6", static.expected(("bundle", None, 0, 6)))
        put(self.dir, "entry/007", b"{}")
        put(self.dir, "tile/0/x000/001", b"")
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        self.assertEqual(self.lines(out, "problem:"), [
            f"problem: {name}: not a file of this log of 7 entries (no checkpoint size calls for it)"
            for name in ["entry/007", "tile/0/000.p/8", "tile/0/x000/001", "tile/entries/000.p/6"]])

    def test_temporary_files_are_ignored(self):
        put(self.dir, "tile/0/.000.p/8.tmp", b"half a tile")
        put(self.dir, "tile/.tmp/0/000", b"")
        put(self.dir, "entry/.007", b"")
        code, out = verify_log(self.dir)
        self.assertEqual(code, 0, out)
        self.assertNotIn("tile/", out)

    def test_the_tiles_of_a_rewritten_history_are_tampering(self):
        """The key holder rewrites entry 6 and re-signs: the old tiles and files no longer match."""
        self.log.replace(6, {**self.log.entry(6), "time": "2026-12-02T00:00:01Z"})
        self.log.write()
        records = "".join(canonical_json({"batch_end": n in BATCH_ENDS, "checkpoint": self.log.note(n), "size": n})
                          + "\n" for n in range(1, 8))
        put(self.dir, "checkpoints.jsonl", records.encode())
        code, out = verify_log(self.dir)
        self.assertEqual(code, 1, out)
        for name in ["entry/006", "tile/0/000.p/7", "tile/entries/000.p/7"]:
            self.assertIn(f"problem: {name}: differs from the bytes derived from the log's entries", out)


class Served:
    """Serves `directory` on 127.0.0.1 for a `with` block; the URL is its value."""

    def __init__(self, directory):
        self.server = Server(directory)

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Server(http.server.ThreadingHTTPServer):
    """The log's public files on 127.0.0.1: `fail` maps a path to an HTTP
    status to answer instead; `gzip` sends every body with Content-Encoding: gzip."""

    def __init__(self, directory):
        self.fail, self.gzip = {}, False
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

            def send_head(self):
                status = server.fail.get(self.path)
                if status is not None:
                    self.send_error(status)
                    return None
                return super().send_head()

            def do_GET(self):
                if not server.gzip or self.path in server.fail:
                    return super().do_GET()
                path = self.translate_path(self.path)
                if not os.path.isfile(path):
                    return self.send_error(404)
                with open(path, "rb") as f:
                    body = gzip.compress(f.read())
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class Url(StaticTests):
    def setUp(self):
        super().setUp()
        os.remove(os.path.join(self.dir, "entries.jsonl"))      # a mirror has none (LOG-FORMAT "fairdraw publish")
        self.served = Served(self.dir)
        self.server = self.served.server
        self.url = self.served.__enter__()

    def tearDown(self):
        self.served.__exit__()
        super().tearDown()

    def test_a_mirror_verifies(self):
        for url in (self.url, self.url + "/"):
            code, out = verify_log(url)
            self.assertEqual(code, 0, out)
            self.assertEqual(out.splitlines()[0], f"log: {url} (static mirror)")
            self.assertIn(f"OK {self.result}", out)
            self.assertIn("VERIFIED: 7 entries", out)
            self.assertNotIn("problem", out)
            self.assertNotIn("receipt", out)                      # the DrawResult's receipt was fetched

    def test_a_mirror_served_gzip_encoded_verifies(self):
        self.server.gzip = True
        code, out = verify_log(self.url)
        self.assertEqual(code, 0, out)
        self.assertIn("VERIFIED: 7 entries", out)

    def test_a_changed_entry_is_tampering(self):
        flip(self.dir, "entry/004")
        code, out = verify_log(self.url)
        self.assertEqual(code, 1, out)
        self.assertIn("problem: entry 4 (now id", out)
        self.assertIn("TAMPERED", out)

    def test_a_missing_entry_is_tampering(self):
        os.remove(os.path.join(self.dir, "entry", "004"))
        code, out = verify_log(self.url)
        self.assertEqual(code, 1, out)
        self.assertIn("problem: entry/004: missing on the mirror (HTTP 404): the mirror is incomplete", out)

    def test_a_changed_tile_is_tampering_and_a_missing_one_a_note(self):
        flip(self.dir, "tile/0/000.p/7")
        code, out = verify_log(self.url)
        self.assertEqual(code, 1, out)
        self.assertEqual(self.lines(out, "problem:"), [
            "problem: tile/0/000.p/7: differs from the bytes derived from the log's entries "
            "(changed, or from another history)"])
        os.remove(os.path.join(self.dir, "tile", "0", "000.p", "7"))
        code, out = verify_log(self.url)
        self.assertEqual(code, 0, out)
        self.assertEqual(self.lines(out, "note: tile/"), ["note: tile/0/000.p/7: missing"])

    def test_only_the_tiles_of_the_size_are_read(self):
        """Step 3: the tiles of size C; a stray or changed tile of a smaller size is not fetched."""
        flip(self.dir, "tile/0/000.p/3")
        put(self.dir, "tile/0/000.p/9", b"stray")
        code, out = verify_log(self.url)
        self.assertEqual(code, 0, out)
        self.assertEqual([x for x in out.splitlines() if "tile/" in x], [])

    def test_the_size_is_the_last_batch_end(self):
        """Records of an unfinished batch (sizes 8 and 9, batch_end false) on the
        mirror: no entry/007 is needed, the tail is reported as in a directory."""
        self.log.add("Note", {"text": "unfinished"})
        self.log.add("Note", {"text": "unfinished too"})
        with open(os.path.join(self.dir, "checkpoints.jsonl"), "ab") as f:
            for n in (8, 9):
                record = {"batch_end": False, "checkpoint": self.log.note(n), "size": n}
                f.write(canonical_json(record).encode() + b"\n")
        code, out = verify_log(self.url)
        self.assertEqual(code, 0, out)
        self.assertIn("note: checkpoints.jsonl ends with 2 record(s) of an unfinished batch: not part of the log", out)
        self.assertIn("VERIFIED: 7 entries", out)

    def test_a_server_error_is_exit_2_naming_the_url(self):
        for path in ("/checkpoint", "/entry/003", "/tile/0/000.p/7", f"/receipts/{self.result}.tlog-proof"):
            self.server.fail = {path: 500}
            code, out = verify_log(self.url)
            self.assertEqual(code, 2, out)
            self.assertIn(f"error: {self.url}{path}: HTTP 500", out)

    def test_no_log_pub_is_not_a_log(self):
        self.server.fail = {"/log.pub": 404}
        code, out = verify_log(self.url + "/")
        self.assertEqual(code, 2, out)
        self.assertIn(f"error: {self.url}/log.pub: HTTP 404: not a fairdraw log", out)

    def test_a_missing_receipt_is_a_note_as_in_a_directory(self):
        self.server.fail = {f"/receipts/{self.result}.tlog-proof": 404}
        code, out = verify_log(self.url)
        self.assertEqual(code, 0, out)
        self.assertIn("note: 1 draw(s) have no receipt under receipts/", out)


class ProtectedUrl(unittest.TestCase):
    """Step 4 on a protected log: the blinded blobs of the commitment; on an
    auditor export served statically, the full blobs and their salts."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-static-protected-")
        write_inputs(self.tmp)
        self.dir = os.path.join(self.tmp, "log")
        log = Log(self.dir, publication="protected")
        _, self.result = log.draw(self.tmp, CEREMONY, REVEAL, conflicts=CONFLICTS)
        log.write()
        write_static(self.dir, log.lines, range(1, len(log.lines) + 1))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def served(self, auditor):
        mirror = copy_log(self.dir, os.path.join(self.tmp, "mirror"), auditor)
        os.remove(os.path.join(mirror, "entries.jsonl"))
        return Served(mirror)

    def test_the_public_mirror(self):
        with self.served(auditor=False) as url:
            code, out = verify_log(url)
        self.assertEqual(code, 0, out)
        self.assertIn(f"PUBLIC {self.result} protected test", out)
        self.assertIn(NOTE, out)
        self.assertNotIn("tile/", out)

    def test_an_auditor_export_on_a_static_host(self):
        with self.served(auditor=True) as url:
            code, out = verify_log(url)
        self.assertEqual(code, 0, out)
        self.assertIn(f"OK {self.result}", out)
        self.assertNotIn(NOTE, out)


if __name__ == "__main__":
    unittest.main()
