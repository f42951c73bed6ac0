"""fairdraw_verify/tiles.py against C2SP tlog-tiles and LOG-FORMAT "Static
publication": path encoding, the worked example, tiles folding back to the
RFC 6962 root, entry bundles, and the set of files a log has.  Run with
`python3 -m unittest discover -s audit/tests`.
"""

import unittest

import logfixture  # noqa: F401  (puts the package on sys.path)
from fairdraw_verify import merkle, tiles
from fairdraw_verify.tiles import WIDTH


def leaves(n):
    return [f"entry {i}".encode() for i in range(n)]


def root_from_tiles(files, size):
    """MTH(D[0:size]) the way a tlog client computes it from tiles alone
    (C2SP: a hash of level l covers an aligned run of 256^l leaves); a hash
    that no tile holds raises KeyError."""
    def hash_at(level, i):
        n, j = divmod(i, WIDTH)
        tile = files.get((level, n, WIDTH))
        if tile is None:
            tile = next(t for (lv, tn, w), t in files.items() if lv == level and tn == n and w != WIDTH)
        if 32 * (j + 1) > len(tile):
            raise KeyError((level, i))
        return tile[32 * j:32 * (j + 1)]

    def mth(lo, hi):
        n, level = hi - lo, 0
        while WIDTH ** (level + 1) <= n:
            level += 1
        if n == WIDTH ** level and lo % n == 0:
            return hash_at(level, lo // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return merkle.node_hash(mth(lo, lo + k), mth(lo + k, hi))
    return mth(0, size)


class Names(unittest.TestCase):
    def test_index_paths(self):
        for n, path in [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067"),
                        (1000000, "x001/x000/000")]:
            self.assertEqual(tiles.index_path(n), path)

    def test_file_names(self):
        self.assertEqual(tiles.tile_name(0, 1234067, 8), "tile/0/x001/x234/067.p/8")
        self.assertEqual(tiles.tile_name(2, 0), "tile/2/000")
        self.assertEqual(tiles.bundle_name(3, 255), "tile/entries/003.p/255")
        self.assertEqual(tiles.bundle_name(1000), "tile/entries/x001/000")
        self.assertEqual(tiles.entry_name(1234067), "entry/x001/x234/067")

    def test_names_parse_in_their_one_spelling_only(self):
        for name, parsed in [("tile/0/x001/x234/067.p/8", ("tile", 0, 1234067, 8)),
                             ("tile/63/000", ("tile", 63, 0, WIDTH)),
                             ("tile/entries/003.p/255", ("bundle", None, 3, 255)),
                             ("entry/x001/000", ("entry", None, 1000, None))]:
            self.assertEqual(tiles.parse_name(name), parsed, name)
        for bad in ["tile/00/000", "tile/64/000", "tile/0/x000/001", "tile/0/1", "tile/0/0000", "tile/0/000.p/0",
                    "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/000.p/", "tile/entries/000.p/300", "entry/000.p/1",
                    "entry/x001", "tile/0/000/", "tile/0/００1", "tile/x/000", "tile/entries", "entries/000"]:
            self.assertIsNone(tiles.parse_name(bad), bad)


class Tiles(unittest.TestCase):
    def test_the_c2sp_example_of_size_70000(self):
        """C2SP: 273 full level-0 tiles, a partial level-0 tile of width 112,
        one full level-1 tile, a partial level-1 tile of width 17 and a
        partial level-2 tile of width 1."""
        t = tiles.tree_tiles(70000)
        self.assertEqual(len([x for x in t if x[0] == 0 and x[2] == WIDTH]), 273)
        self.assertEqual([x for x in t if x[0] == 0 and x[2] != WIDTH], [(0, 273, 112)])
        self.assertEqual([x for x in t if x[0] == 1], [(1, 0, WIDTH), (1, 1, 17)])
        self.assertEqual([x for x in t if x[0] == 2], [(2, 0, 1)])
        self.assertEqual(len(t), 273 + 1 + 2 + 1)
        self.assertEqual(tiles.tree_tiles(256), [(0, 0, WIDTH), (1, 0, 1)])   # C2SP's other example
        self.assertEqual(tiles.tree_tiles(0), [])

    def test_tiles_fold_to_the_root(self):
        data = leaves(70000)
        hashes = [merkle.leaf_hash(x) for x in data]
        static = tiles.StaticFiles(data, len(data), [len(data)])
        for size in [1, 2, 255, 256, 257, 511, 512, 600, 65535, 65536, 65537, 70000]:
            files = {t: static.expected(("tile",) + t) for t in tiles.tree_tiles(size)}
            for (level, n, width), b in files.items():
                self.assertEqual(len(b), 32 * width, (size, level, n))
            self.assertEqual(root_from_tiles(files, size), merkle.mth(hashes, 0, size), size)
        # level 1 holds the roots of full level-0 tiles: MTH of 256 leaves
        self.assertEqual(static.expected(("tile", 1, 0, 2))[32:], merkle.mth(hashes, 256, 512))

    def test_a_log_has_the_tiles_of_every_size(self):
        """LOG-FORMAT: the partial tiles of every size 1 … C and every full tile."""
        for size in [1, 255, 256, 600]:
            union = set()
            for s in range(1, size + 1):
                union |= set(tiles.tree_tiles(s))
            self.assertEqual(sorted(tiles.log_tiles(size)), sorted(union), size)
        self.assertEqual(len(list(tiles.log_tiles(70000))), 70000 + 273 + 1)


class Bundles(unittest.TestCase):
    def test_uint16_length_prefixes(self):
        self.assertEqual(tiles.encode_bundle([b"ab", b"", b"c"]), b"\x00\x02ab\x00\x00\x00\x01c")
        self.assertEqual(tiles.decode_bundle(b"\x00\x02ab\x00\x00\x00\x01c"), [b"ab", b"", b"c"])
        big = b"x" * 65535
        self.assertEqual(tiles.encode_bundle([big])[:2], b"\xff\xff")
        self.assertEqual(tiles.decode_bundle(tiles.encode_bundle([big, b"y"])), [big, b"y"])
        self.assertIsNone(tiles.encode_bundle([b"a", b"x" * 65536]))
        for cut in [b"\x00", b"\x00\x03ab", b"\x00\x01a\x00"]:
            with self.assertRaises(ValueError):
                tiles.decode_bundle(cut)


class LogFiles(unittest.TestCase):
    def test_a_small_log(self):
        """Sizes 1 … 3, batch ends 1 and 3: the partial bundle of size 2 is not there."""
        names = tiles.StaticFiles(leaves(3), 3, [1, 3]).names()
        self.assertEqual(sorted(names), ["entry/000", "entry/001", "entry/002", "tile/0/000.p/1", "tile/0/000.p/2",
                                         "tile/0/000.p/3", "tile/entries/000.p/1", "tile/entries/000.p/3"])

    def test_size_256(self):
        """LOG-FORMAT: one full level-0 tile, one full bundle, tile/1/000.p/1."""
        static = tiles.StaticFiles(leaves(300), 256, [256, 300])      # a batch end past the size does not count
        names = set(static.names())
        self.assertTrue({"tile/0/000", "tile/entries/000", "tile/1/000.p/1", "tile/0/000.p/255"} <= names)
        self.assertFalse({"tile/entries/000.p/255", "tile/entries/001.p/44", "tile/0/001.p/1"} & names)
        self.assertEqual(len(names), 256 + 256 + 1 + 1)
        self.assertEqual(static.expected(("bundle", None, 0, WIDTH)), tiles.encode_bundle(leaves(256)))
        self.assertEqual(static.expected(("tile", 1, 0, 1)), merkle.mth([merkle.leaf_hash(x) for x in leaves(256)]))

    def test_no_bundle_for_a_long_entry(self):
        data = leaves(5)
        data[3] = b"x" * 65536
        names = tiles.StaticFiles(data, 5, [2, 5]).names()
        self.assertIn("tile/entries/000.p/2", names)
        self.assertNotIn("tile/entries/000.p/5", names)
        self.assertIn("entry/003", names)

    def test_files_of_missing_entries_are_not_judged(self):
        static = tiles.StaticFiles(leaves(2), 3, [3])
        self.assertIsNone(static.expected(("entry", None, 2, None)))
        self.assertIsNone(static.expected(("tile", 0, 0, 3)))
        self.assertEqual(static.expected(("tile", 0, 0, 2)), b"".join(merkle.leaf_hash(x) for x in leaves(2)))
        self.assertIn("tile/entries/000.p/3", static.names())


if __name__ == "__main__":
    unittest.main()
