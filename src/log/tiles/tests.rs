use std::collections::BTreeSet;

use super::*;
use crate::model::merkle::{leaf_hash, RootBuilder};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn tile(level: u8, index: u64, width: u16) -> StaticFile {
    StaticFile::Tile { level, index, width }
}

#[test]
fn paths_are_spelled_as_c2sp_spells_them() {
    assert_eq!(index_path(1234067), "x001/x234/067");
    assert_eq!(index_path(5), "005");
    assert_eq!(index_path(0), "000");
    assert_eq!(index_path(1000), "x001/000");
    assert_eq!(tile(0, 1234067, 256).path(), "tile/0/x001/x234/067");
    assert_eq!(tile(2, 0, 1).path(), "tile/2/000.p/1");
    assert_eq!(StaticFile::Bundle { index: 3, width: 17 }.path(), "tile/entries/003.p/17");
    assert_eq!(StaticFile::Entry(1234).path(), "entry/x001/234");
    for f in
        [tile(0, 1234067, 256), tile(63, 7, 255), StaticFile::Bundle { index: 1000, width: 1 }, StaticFile::Entry(0)]
    {
        assert_eq!(StaticFile::parse(&f.path()), Some(f), "{}", f.path());
    }
}

#[test]
fn only_the_canonical_spelling_parses() {
    for bad in [
        "tile/0/5",
        "tile/0/0005",
        "tile/0/001/234",
        "tile/0/x000/005",
        "tile/00/005",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/entries/000.p/",
        "tile/8/0/000",
        "entry/5",
        "entry/000.p/1",
        "entry/x000/001",
        "tile/0/000/",
        "checkpoint",
    ] {
        assert_eq!(StaticFile::parse(bad), None, "{bad}");
    }
}

fn partial(files: &[StaticFile], level: u8) -> Vec<(u64, u16)> {
    files
        .iter()
        .filter_map(|f| match *f {
            StaticFile::Tile { level: l, index, width } if l == level && width < 256 => Some((index, width)),
            _ => None,
        })
        .collect()
}

fn full(files: &[StaticFile], level: u8) -> usize {
    files.iter().filter(|f| matches!(f, StaticFile::Tile { level: l, width: 256, .. } if *l == level)).count()
}

#[test]
fn the_tiles_of_a_size_are_those_c2sp_lists() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles,
    // one partial level 0 tile of width 112, one full level 1 tile, one
    // partial level 1 tile of width 17, and one partial level 2 tile of
    // width 1."
    let t = tiles_of_size(70_000);
    assert_eq!((full(&t, 0), partial(&t, 0)), (273, vec![(273, 112)]));
    assert_eq!((full(&t, 1), partial(&t, 1)), (1, vec![(1, 17)]));
    assert_eq!((full(&t, 2), partial(&t, 2)), (0, vec![(0, 1)]));
    assert_eq!(t.len(), 273 + 1 + 1 + 1 + 1);
    assert_eq!(tiles_of_size(1), vec![tile(0, 0, 1)]);
    assert_eq!(tiles_of_size(255), vec![tile(0, 0, 255)]);
    // "a tree of size 256 will be represented by a full level 0 tile and a
    // partial level 1 tile of width 1."
    assert_eq!(tiles_of_size(256), vec![tile(0, 0, 256), tile(1, 0, 1)]);
    assert_eq!(tiles_of_size(257), vec![tile(0, 0, 256), tile(0, 1, 1), tile(1, 0, 1)]);
    assert_eq!(tiles_of_size(0), vec![]);
}

#[test]
fn tiles_of_a_size_agree_with_tlog_tiles() {
    use tlog_tiles::tile::Tile;
    for size in [1u64, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 16_777_216, 123_456_789] {
        let ours: BTreeSet<String> = tiles_of_size(size).iter().map(StaticFile::path).collect();
        // Go's sumdb tiles carry the height: tile/8/<L>/<N>[.p/<W>].
        let theirs: BTreeSet<String> =
            Tile::new_tiles(8, 0, size).iter().map(|t| t.path().replacen("tile/8/", "tile/", 1)).collect();
        assert_eq!(ours, theirs, "size {size}");
    }
}

#[test]
fn a_log_of_256_has_one_full_tile_one_full_bundle_and_tile_1_000_p_1() {
    let files = new_files(0, 256, [256]);
    let others: Vec<_> = files.iter().filter(|f| !matches!(f, StaticFile::Entry(_))).collect();
    assert!(others.contains(&&tile(0, 0, 256)));
    assert!(others.contains(&&StaticFile::Bundle { index: 0, width: 256 }));
    assert!(others.contains(&&tile(1, 0, 1)));
    // The partial level-0 tiles of sizes 1..255 (each size has a checkpoint).
    assert_eq!(partial(&files, 0), (1..256).map(|w| (0, w as u16)).collect::<Vec<_>>());
    assert_eq!(others.len(), 255 + 3);
    assert_eq!(files.iter().filter(|f| matches!(f, StaticFile::Entry(_))).count(), 256);
}

#[test]
fn tile_hashes_are_subtree_hashes_and_fold_to_the_root() {
    let all = leaves(70_000);
    let mut hashes = TileHashes::default();
    // Grown in uneven batches, as a log grows.
    let mut at = 0;
    for step in [1usize, 300, 5_000, 255, 1, 64_443] {
        at += step;
        hashes.extend(&all[..at]);
    }
    assert_eq!(at, 70_000);
    assert_eq!(hashes.upper.len(), 2, "levels 1 and 2");
    for size in [1u64, 255, 256, 257, 65_536, 70_000] {
        let leaves = &all[..size as usize];
        let mut fold = RootBuilder::default();
        let mut tiles = tiles_of_size(size);
        tiles.sort_by_key(|f| match *f {
            StaticFile::Tile { level, .. } => std::cmp::Reverse(level),
            _ => unreachable!(),
        });
        for f in &tiles {
            let StaticFile::Tile { level, index, width } = *f else { unreachable!() };
            let bytes = content(f, &[b""; 0], leaves, &hashes).unwrap();
            assert_eq!(bytes.len(), 32 * usize::from(width));
            let unit = 256usize.pow(u32::from(level));
            for (i, h) in bytes.chunks(32).enumerate() {
                let first = (index as usize * 256 + i) * unit;
                assert_eq!(h, merkle::root(&leaves[first..first + unit]), "{} hash {i}", f.path());
            }
            if usize::from(width) < 256 {
                bytes.chunks(32).for_each(|h| fold.push_subtree(unit as u64, h.try_into().unwrap()));
            }
        }
        assert_eq!(fold.size(), size);
        assert_eq!(fold.root(), merkle::root(leaves), "size {size}");
    }
}

#[test]
fn tile_contents_agree_with_tlog_tiles() {
    use tlog_tiles::tile::Tile;
    use tlog_tiles::tlog;
    struct Store(Vec<tlog::Hash>);
    impl tlog::HashReader for Store {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
            Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
        }
    }
    let all = leaves(66_000);
    let mut store = Store(Vec::new());
    for (i, h) in all.iter().enumerate() {
        let new = tlog::stored_hashes_for_record_hash(i as u64, tlog::Hash(*h), &store).unwrap();
        store.0.extend(new);
    }
    let hashes = TileHashes::from_leaves(&all);
    for size in [3u64, 256, 65_536, 65_999] {
        for t in Tile::new_tiles(8, 0, size) {
            let ours = tile(t.level(), t.level_index(), t.width() as u16);
            assert_eq!(content(&ours, &[b""; 0], &all, &hashes), Some(t.read_data(&store).unwrap()), "{}", t.path());
        }
    }
}

#[test]
fn bundles_are_uint16_length_prefixed_and_refuse_long_entries() {
    assert_eq!(bundle(&[b"a".as_slice(), b"bc"]), Some(vec![0, 1, b'a', 0, 2, b'b', b'c']));
    let longest = vec![b'x'; MAX_BUNDLED];
    assert_eq!(bundle(&[&longest]).map(|b| b[..2].to_vec()), Some(vec![0xff, 0xff]));
    assert_eq!(bundle(&[vec![b'x'; MAX_BUNDLED + 1]]), None);
    let lines: Vec<Vec<u8>> = (0..300).map(|i| format!("entry {i}").into_bytes()).collect();
    let lh: Vec<Hash> = lines.iter().map(|l| leaf_hash(l)).collect();
    let h = TileHashes::from_leaves(&lh);
    let b = content(&StaticFile::Bundle { index: 1, width: 2 }, &lines, &lh, &h).unwrap();
    assert_eq!(b, [&[0u8, 9][..], b"entry 256", &[0, 9], b"entry 257"].concat());
    assert_eq!(content(&StaticFile::Entry(299), &lines, &lh, &h), Some(b"entry 299".to_vec()));
    assert_eq!(content(&StaticFile::Entry(300), &lines, &lh, &h), None);
    assert_eq!(content(&StaticFile::Bundle { index: 1, width: 45 }, &lines, &lh, &h), None, "beyond the entries");
}

#[test]
fn the_files_of_batches_add_up_to_the_files_of_the_log_and_belong_to_it() {
    let ends = [1u64, 3, 4, 200, 256, 300, 513, 600];
    let mut grown = BTreeSet::new();
    let mut from = 0;
    for &end in &ends {
        let new = new_files(from, end, [end]);
        let unique: BTreeSet<_> = new.iter().copied().collect();
        assert_eq!(unique.len(), new.len(), "no file twice in {from}..{end}");
        assert!(grown.is_disjoint(&unique), "a batch only adds files ({from}..{end})");
        grown.extend(unique);
        from = end;
    }
    let whole: BTreeSet<_> = new_files(0, 600, ends).into_iter().collect();
    assert_eq!(grown, whole);
    // Every name that could be a file, judged by `belongs`.
    let is_end = |s: u64| ends.contains(&s);
    let mut candidates = Vec::new();
    for index in 0..4 {
        for width in 1..=256u16 {
            candidates.push(StaticFile::Bundle { index, width });
            for level in 0..3 {
                candidates.push(tile(level, index, width));
            }
        }
    }
    candidates.extend((0..700).map(StaticFile::Entry));
    let belonging: BTreeSet<_> = candidates.into_iter().filter(|f| f.belongs(600, is_end)).collect();
    assert_eq!(belonging, whole);
}
