"""LOG-FORMAT "Reading a log from a URL": `verify.py log URL` fetches a
static mirror (any http:// or https:// prefix, with or without a trailing
slash) into a directory laid out like a log directory, and auditlog's
checks then run on it (static.py adds the mirror's own lines).

Fetched, in this order (a reader reads in the reverse of publishing order):
1. log.pub, checkpoint, checkpoints.jsonl, cosignatures.jsonl (404: absent,
   as a missing file in a directory; a missing log.pub is not a log);
2. entry/<N> for N in 0 … C-1, C the size of the last batch-end record
   (404: the mirror is incomplete; the entries before the first missing one
   are the log's entries as far as the mirror has them);
3. the hash tiles of size C (404: missing, a note);
4. the files the entries name: each RegistrySnapshot's blob, a protected
   log's blinded blobs, each DrawResult's receipt (404: absent), and beside
   a protected log's full blob its salts (an auditor export on a static
   host).
Any other HTTP failure is FetchError (exit 2) naming the URL.  Standard
library only: urllib, a small thread pool.
"""

import concurrent.futures
import gzip
import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import zlib

from . import merkle, tiles
from .canonical import parse_canonical

TIMEOUT = 30                     # seconds per request
WORKERS = 8                      # parallel requests
HEX64 = re.compile("[0-9a-f]{64}")
RECORD_KEYS = {"batch_end", "checkpoint", "size"}


class FetchError(Exception):
    """Exit code 2: the mirror cannot be read (an HTTP failure other than 404 or 403)."""


def is_url(arg):
    return arg.lower().startswith(("http://", "https://"))


def mirror_url_problem(url):
    """Why `url` cannot be a mirror's prefix (a query or fragment: the files'
    names would land inside it), or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return f"{url}: a mirror's URL is a prefix: it takes no ?query or #fragment"
    return None


class Mirror:
    """What was fetched besides the files written to the directory."""

    def __init__(self, url):
        self.url = url
        self.prefix = url if url.endswith("/") else url + "/"
        self.size = 0                # C: the size of the last batch-end record
        self.leaves = []             # entries 0 … up to the first missing one
        self.missing_entries = []    # indices whose entry/<N> is 404

    def get(self, name):
        """The bytes at prefix + name, or None on HTTP 404 or 403 (absent)."""
        url = self.prefix + name
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, identity",
                                                       "User-Agent": "fairdraw audit/verify.py"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
                data = r.read()
                encoding = (r.headers.get("Content-Encoding") or "identity").strip().lower()
                page = (r.headers.get("Content-Type") or "").split(";")[0].strip().lower() == "text/html"
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (404, 403):    # 403: a bucket the public may not list answers it for a missing key
                return None
            raise FetchError(f"{url}: HTTP {e.code} {e.reason}")
        except urllib.error.URLError as e:
            raise FetchError(f"{url}: cannot fetch: {e.reason}")
        except (OSError, http.client.HTTPException) as e:       # timeouts, resets, bad responses
            raise FetchError(f"{url}: cannot fetch: {e or type(e).__name__}")
        if page:        # a host's web page answering every path (no log file is HTML): absent
            return None
        if encoding in ("gzip", "x-gzip"):                       # C2SP lets a host compress without asking
            try:
                return gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as e:
                raise FetchError(f"{url}: Content-Encoding gzip, but the body is not gzip: {e}")
        if encoding != "identity":
            raise FetchError(f"{url}: Content-Encoding {encoding} is not supported (gzip or identity)")
        return data


def committed_size(records):
    """C: the size of the last batch-end record of checkpoints.jsonl, read as
    auditlog reads it (a record is canonical JSON with exactly its three
    keys; record k is for size k + 1, which also bounds a forged size)."""
    size = 0
    for i, line in enumerate(records.split(b"\n")[:-1]):
        v, err = parse_canonical(line)
        if err is None and isinstance(v, dict) and set(v) == RECORD_KEYS and v["batch_end"] is True \
                and isinstance(v["checkpoint"], str) and isinstance(v["size"], int) and not isinstance(v["size"], bool):
            size = i + 1
    return size


def named_files(leaves):
    """Step 4: the public files the entries name, each once in log order, and
    {full blob: its salts file} for a protected log's RegistrySnapshots."""
    names, salts, protected = [], {}, False
    for i, leaf in enumerate(leaves):
        try:
            v = json.loads(leaf)
        except (ValueError, RecursionError):
            continue                                             # auditlog reports it
        if not isinstance(v, dict) or not isinstance(v.get("body"), dict):
            continue
        kind, body = v.get("kind"), v["body"]
        if i == 0 and kind == "LogCreated":
            protected = body.get("publication") == "protected"
        elif kind == "RegistrySnapshot":
            for r in roots([body]):
                names.append(f"snapshots/{r}.jsonl.gz")
                if protected:
                    salts[f"snapshots/{r}.jsonl.gz"] = f"snapshots/{r}.salts.gz"
        elif kind == "DrawCommitment" and protected and isinstance(body.get("blinded"), dict):
            names += [f"snapshots/{r}.jsonl.gz" for r in roots(body["blinded"].values())]
        elif kind == "DrawResult":
            names.append(f"receipts/{merkle.leaf_hash(leaf).hex()}.tlog-proof")
    return list(dict.fromkeys(names)), salts


def roots(objects):
    """The well-formed `root` fields of `objects` (only these become file names)."""
    return [o["root"] for o in objects if isinstance(o, dict) and isinstance(o.get("root"), str)
            and HEX64.fullmatch(o["root"])]


def fetch(url, directory):
    """Fetches the mirror at `url` into `directory`; returns the Mirror."""
    problem = mirror_url_problem(url)
    if problem:
        raise FetchError(problem)
    mirror = Mirror(url)

    def save(names):
        """Fetches `names` in parallel, writes those found; returns the names found."""
        found = []
        for name, data in zip(names, pool.map(mirror.get, names)):
            if data is not None:
                path = os.path.join(directory, *name.split("/"))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                found.append(name)
        return found

    pool = concurrent.futures.ThreadPoolExecutor(WORKERS)
    try:
        for name in ("log.pub", "checkpoint", "checkpoints.jsonl", "cosignatures.jsonl"):   # one by one, in order
            if not save([name]) and name == "log.pub":
                raise FetchError(f"{mirror.prefix}log.pub: HTTP 404: not a fairdraw log")
        try:
            with open(os.path.join(directory, "checkpoints.jsonl"), "rb") as f:
                mirror.size = committed_size(f.read())
        except FileNotFoundError:
            mirror.size = 0
        entries = list(pool.map(mirror.get, [tiles.entry_name(i) for i in range(mirror.size)]))
        mirror.missing_entries = [i for i, data in enumerate(entries) if data is None]
        mirror.leaves = entries[:mirror.missing_entries[0]] if mirror.missing_entries else entries
        save([tiles.tile_name(*t) for t in tiles.tree_tiles(mirror.size)])
        names, salts = named_files(mirror.leaves)
        found = save(names)
        save([salts[name] for name in found if name in salts])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)            # after a failure: no more requests
    return mirror
