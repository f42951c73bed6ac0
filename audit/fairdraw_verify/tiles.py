"""LOG-FORMAT "Static publication: tiles (C2SP tlog-tiles)": the names and
bytes of a log's static files, derived from its entries alone (pure: the
only input-output here is listing and reading a directory's files).

    tile/<L>/<N>[.p/<W>]          hash tiles (C2SP tlog-tiles)
    tile/entries/<N>[.p/<W>]      entry bundles (uint16 big-endian length prefix)
    entry/<N>                     one entry's leaf bytes (fairdraw's own copy)

A tile is named here by (level, n, width) with width 256 for a full tile;
a bundle by (n, width); an entry file by its index.
"""

import os
import re

from . import merkle

WIDTH = 256                      # hashes in a full tile, entries in a full bundle
MAX_LEVEL = 63                   # C2SP: <L> is 0-63
MAX_BUNDLED = 0xFFFF             # a bundle's length prefix is a uint16


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------

def index_path(n):
    """C2SP: `n` in zero-padded 3-digit path elements, all but the last
    prefixed with `x` (1234067 -> x001/x234/067, 5 -> 005)."""
    groups = [n % 1000]
    while n >= 1000:
        n //= 1000
        groups.append(n % 1000)
    *high, low = reversed(groups)
    return "".join(f"x{g:03d}/" for g in high) + f"{low:03d}"


def _suffix(width):
    return "" if width == WIDTH else f".p/{width}"


def tile_name(level, n, width=WIDTH):
    return f"tile/{level}/{index_path(n)}{_suffix(width)}"


def bundle_name(n, width=WIDTH):
    return f"tile/entries/{index_path(n)}{_suffix(width)}"


def entry_name(n):
    return f"entry/{index_path(n)}"


_INDEX = r"((?:x[0-9]{3}/)*[0-9]{3})"
_WIDTH = r"(?:\.p/([1-9][0-9]{0,2}))?"
_TILE = re.compile(r"tile/(0|[1-9][0-9]?)/" + _INDEX + _WIDTH)
_BUNDLE = re.compile(r"tile/entries/" + _INDEX + _WIDTH)
_ENTRY = re.compile(r"entry/" + _INDEX)


def parse_name(name):
    """("tile", level, n, width), ("bundle", None, n, width) or ("entry", None,
    n, None) for a well-formed name in its one canonical spelling (no extra
    leading zeros, no `x000/`, level ≤ 63, width 1-255); else None."""
    for kind, pattern in (("bundle", _BUNDLE), ("tile", _TILE), ("entry", _ENTRY)):
        m = pattern.fullmatch(name)
        if m is None:
            continue
        groups = list(m.groups())
        level = int(groups.pop(0)) if kind == "tile" else None
        index, partial = groups[0], groups[1] if kind != "entry" else None
        n = int(index.replace("x", "").replace("/", ""))
        width = None if kind == "entry" else int(partial) if partial else WIDTH
        if level is not None and level > MAX_LEVEL or partial and width >= WIDTH or index_path(n) != index:
            return None
        return kind, level, n, width
    return None


# ---------------------------------------------------------------------------
# hash tiles and entry bundles
# ---------------------------------------------------------------------------

def level_hashes(leaf_hashes):
    """The hashes tiles hold, level by level: level 0 the leaf hashes, level
    l + 1 the Merkle tree hash of each full run of 256 level-l hashes (C2SP:
    MTH(D[i·256^l : (i+1)·256^l]) for every complete range)."""
    levels = [list(leaf_hashes)]
    while len(levels[-1]) >= WIDTH:
        below = levels[-1]
        levels.append([merkle.mth(below, i, i + WIDTH) for i in range(0, len(below) - WIDTH + 1, WIDTH)])
    return levels


def tree_tiles(size):
    """The hash tiles a tree of `size` leaves needs, level by level: its full
    tiles, then its partial tile (C2SP: width floor(size / 256^l) mod 256)."""
    tiles, level = [], 0
    while size >> (8 * level):
        full, width = divmod(size >> (8 * level), WIDTH)
        tiles += [(level, n, WIDTH) for n in range(full)]
        if width:
            tiles.append((level, full, width))
        level += 1
    return tiles


def log_tiles(size):
    """Every hash tile of the sizes 1 … `size` (LOG-FORMAT: the partial tiles
    of every size and every full tile): at level l, one tile per count
    v = 1 … floor(size / 256^l) of level-l hashes."""
    level = 0
    while size >> (8 * level):
        for v in range(1, (size >> (8 * level)) + 1):
            n, width = divmod(v, WIDTH)
            yield (level, n - 1, WIDTH) if width == 0 else (level, n, width)
        level += 1


def encode_bundle(leaves):
    """A C2SP entry bundle: each leaf after its length as a big-endian uint16;
    None when a leaf is longer than 65,535 bytes (no bundle can hold it)."""
    if any(len(x) > MAX_BUNDLED for x in leaves):
        return None
    return b"".join(len(x).to_bytes(2, "big") + x for x in leaves)


def decode_bundle(data):
    """The leaves of an entry bundle; ValueError when it is cut short."""
    leaves, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError(f"a length prefix is cut off at byte {i}")
        n = int.from_bytes(data[i:i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError(f"entry {len(leaves)} needs {n} bytes, {len(data) - i - 2} are left")
        leaves.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return leaves


# ---------------------------------------------------------------------------
# the static files of a log
# ---------------------------------------------------------------------------

class StaticFiles:
    """The static files of a log whose checkpoint records have the sizes
    1 … `size` and whose batch-end records have the sizes `batch_ends`, with
    their bytes derived from `leaves` (its first entries; fewer than `size`
    when entries are missing: a file needing the others is then not judged)."""

    def __init__(self, leaves, size, batch_ends):
        self.leaves, self.size = leaves, size
        self.batch_ends = sorted({s for s in batch_ends if 0 < s <= size})
        self.levels = level_hashes(merkle.leaf_hash(x) for x in leaves)

    def names(self):
        """Every file name this log has, each once."""
        names = [entry_name(i) for i in range(self.size)]
        names += [tile_name(*t) for t in log_tiles(self.size)]
        bundles = [(n, WIDTH) for n in range(self.size // WIDTH)]
        bundles += [divmod(s, WIDTH) for s in self.batch_ends if s % WIDTH]
        names += [bundle_name(n, w) for n, w in bundles if self.encodable(n, w) is not False]
        return names

    def mirror_names(self):
        """The files a reader of a static mirror checks: the hash tiles of the size."""
        return [tile_name(*t) for t in tree_tiles(self.size)]

    def encodable(self, n, width):
        """Whether the bundle can exist (all its entries ≤ 65,535 bytes); None
        when its entries are not at hand."""
        leaves = self.leaves[n * WIDTH:n * WIDTH + width]
        if len(leaves) < width:
            return None
        return all(len(x) <= MAX_BUNDLED for x in leaves)

    def expected(self, parsed):
        """The bytes of one of this log's files, or None when its entries are not at hand."""
        kind, level, n, width = parsed
        if kind == "entry":
            return self.leaves[n] if n < len(self.leaves) else None
        if kind == "bundle":
            if n * WIDTH + width > len(self.leaves):
                return None
            return encode_bundle(self.leaves[n * WIDTH:n * WIDTH + width])
        hashes = self.levels[level] if level < len(self.levels) else []
        if n * WIDTH + width > len(hashes):
            return None
        return b"".join(hashes[n * WIDTH:n * WIDTH + width])


def list_files(directory):
    """The files under `directory`'s tile/ and entry/, as names like
    "tile/0/000.p/3"; files and directories whose names begin with "." (a
    writer's temporary files) are skipped."""
    found = []
    for top in ("tile", "entry"):
        for here, dirs, files in os.walk(os.path.join(directory, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(here, directory).replace(os.sep, "/")
            found += [f"{rel}/{f}" for f in files if not f.startswith(".")]
    return sorted(found)


def compare(read, present, wanted, static):
    """The files `present` (names), read with `read(name)`, checked against
    `static` (StaticFiles) when their names are among `wanted`: (changed,
    unknown, missing), each a sorted list of names."""
    wanted = set(wanted)
    changed, unknown = [], []
    for name in present:
        parsed = parse_name(name) if name in wanted else None
        if parsed is None:
            unknown.append(name)
            continue
        expected = static.expected(parsed)
        if expected is None:                 # its entries are missing: reported there
            continue
        if read(name) != expected:
            changed.append(name)
    missing = sorted(wanted - set(present))
    return sorted(changed), sorted(unknown), missing
