//! The log as static C2SP tlog-tiles (audit/LOG-FORMAT.md, "Static
//! publication"): file names, the bytes each file holds, and which files a
//! log of a given size has. Pure: the writer ([`super::store`]), the checker
//! ([`super::audit_tiles`]) and `publish` decide what to do with them.
//!
//! A tile at level `l` holds hashes of perfect subtrees of `256^l` leaves.
//! [`TileHashes`] keeps the hashes of levels 1 and up (one per full tile
//! below, 1/256 of the level below), so a new batch costs a handful of
//! subtree hashes, never a re-hash of the log.

use crate::model::merkle::{self, Hash};

/// Hashes per full tile, entries per full bundle.
pub const WIDTH: u64 = 256;
/// The longest entry a C2SP entry bundle can hold (uint16 length prefix).
pub const MAX_BUNDLED: usize = u16::MAX as usize;

/// One file of the static layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaticFile {
    /// `tile/<level>/<index>[.p/<width>]`; `width` is 1..=256, 256 is full.
    Tile { level: u8, index: u64, width: u16 },
    /// `tile/entries/<index>[.p/<width>]`.
    Bundle { index: u64, width: u16 },
    /// `entry/<index>`: one entry's leaf bytes.
    Entry(u64),
}

/// `1234067` → `x001/x234/067`, `5` → `005` (C2SP tlog-tiles).
pub fn index_path(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    while n >= 1000 {
        n /= 1000;
        parts.push(format!("x{:03}", n % 1000));
    }
    parts.reverse();
    parts.join("/")
}

/// The inverse of [`index_path`]; only the canonical spelling parses.
fn parse_index(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split('/').collect();
    let (last, upper) = parts.split_last()?;
    let mut n: u64 = 0;
    for (k, part) in parts.iter().enumerate() {
        let digits = if k < upper.len() { part.strip_prefix('x')? } else { last };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
    }
    (index_path(n) == text).then_some(n)
}

fn suffix(width: u16) -> String {
    if u64::from(width) == WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

impl StaticFile {
    pub fn path(&self) -> String {
        match *self {
            StaticFile::Tile { level, index, width } => format!("tile/{level}/{}{}", index_path(index), suffix(width)),
            StaticFile::Bundle { index, width } => format!("tile/entries/{}{}", index_path(index), suffix(width)),
            StaticFile::Entry(index) => format!("entry/{}", index_path(index)),
        }
    }

    /// A path of the layout, spelled exactly as [`StaticFile::path`] spells
    /// it; anything else (a leading zero, a width of 0 or 256 after `.p`,
    /// a level above 63) is `None`.
    pub fn parse(path: &str) -> Option<StaticFile> {
        if let Some(rest) = path.strip_prefix("entry/") {
            return parse_index(rest).map(StaticFile::Entry);
        }
        let rest = path.strip_prefix("tile/")?;
        let (head, rest) = rest.split_once('/')?;
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w: u16 = width.parse().ok().filter(|w| (1..WIDTH as u16).contains(w))?;
                (parse_index(index)?, w)
            }
            None => (parse_index(rest)?, WIDTH as u16),
        };
        let file = if head == "entries" {
            StaticFile::Bundle { index, width }
        } else {
            let level: u8 = head.parse().ok().filter(|l| *l < 64)?;
            StaticFile::Tile { level, index, width }
        };
        (file.path() == path).then_some(file)
    }

    /// The entries `first..end` this file covers at level 0 (for a tile at
    /// level `l`, each hash covers `256^l` of them).
    fn span(&self) -> (u128, u128) {
        match *self {
            StaticFile::Tile { level, index, width } => {
                let unit = 256u128.pow(u32::from(level));
                let first = u128::from(index) * 256 * unit;
                (first, first + u128::from(width) * unit)
            }
            StaticFile::Bundle { index, width } => {
                let first = u128::from(index) * 256;
                (first, first + u128::from(width))
            }
            StaticFile::Entry(i) => (u128::from(i), u128::from(i) + 1),
        }
    }

    /// Whether a log of `size` entries whose batches end at `batch_ends`
    /// has this file, leaving aside whether a bundle is encodable
    /// ([`content`] says that). Every size `1..=size` has a checkpoint, so a
    /// partial tile exists as soon as its entries do; a partial bundle only
    /// for a batch end.
    pub fn belongs(&self, size: u64, is_batch_end: impl Fn(u64) -> bool) -> bool {
        let (_, end) = self.span();
        if end > u128::from(size) {
            return false;
        }
        match *self {
            StaticFile::Bundle { width, .. } if u64::from(width) < WIDTH => is_batch_end(end as u64),
            _ => true,
        }
    }
}

/// Hashes of the tiles at levels 1 and up: `upper[l-1][k]` is the Merkle
/// tree hash of leaves `k·256^l .. (k+1)·256^l`.
#[derive(Clone, Default, Debug)]
pub struct TileHashes {
    upper: Vec<Vec<Hash>>,
}

impl TileHashes {
    /// Takes in the full tiles `leaves` completes (the leaves seen before
    /// must be a prefix of `leaves`).
    pub fn extend(&mut self, leaves: &[Hash]) {
        let width = WIDTH as usize;
        for level in 0.. {
            let below = if level == 0 { leaves.len() } else { self.upper[level - 1].len() };
            let full = below / width;
            if full == 0 {
                break;
            }
            if self.upper.len() == level {
                self.upper.push(Vec::new());
            }
            for k in self.upper[level].len()..full {
                let hashes = if level == 0 { leaves } else { &self.upper[level - 1] };
                let hash = merkle::root(&hashes[k * width..(k + 1) * width]);
                self.upper[level].push(hash);
            }
        }
    }

    pub fn from_leaves(leaves: &[Hash]) -> TileHashes {
        let mut t = TileHashes::default();
        t.extend(leaves);
        t
    }

    /// The hashes of level `level` (0: the leaves themselves).
    fn level<'a>(&'a self, leaves: &'a [Hash], level: u8) -> &'a [Hash] {
        match level {
            0 => leaves,
            l => self.upper.get(usize::from(l) - 1).map_or(&[], Vec::as_slice),
        }
    }
}

/// The C2SP entry bundle of `lines`: each after its length as a big-endian
/// uint16; `None` when one is longer than [`MAX_BUNDLED`].
pub fn bundle(lines: &[impl AsRef<[u8]>]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for line in lines {
        let line = line.as_ref();
        out.extend_from_slice(&u16::try_from(line.len()).ok()?.to_be_bytes());
        out.extend_from_slice(line);
    }
    Some(out)
}

/// The bytes of `file` for a log whose entries are `lines` (with leaf
/// hashes `leaves` and upper tile hashes `hashes`); `None` when the entries
/// do not reach that far or the bundle cannot be encoded.
pub fn content(file: &StaticFile, lines: &[impl AsRef<[u8]>], leaves: &[Hash], hashes: &TileHashes) -> Option<Vec<u8>> {
    match *file {
        StaticFile::Entry(i) => lines.get(usize::try_from(i).ok()?).map(|l| l.as_ref().to_vec()),
        StaticFile::Bundle { index, width } => {
            let first = usize::try_from(index).ok()?.checked_mul(WIDTH as usize)?;
            bundle(lines.get(first..first + usize::from(width))?)
        }
        StaticFile::Tile { level, index, width } => {
            let first = usize::try_from(index).ok()?.checked_mul(WIDTH as usize)?;
            let hashes = hashes.level(leaves, level).get(first..first + usize::from(width))?;
            Some(hashes.concat())
        }
    }
}

/// The files sizes `from+1 ..= to` add, `to` being a batch end (and the
/// sizes `batch_ends` in between too): the `entry/` files of the new
/// entries, every tile that became full, the partial tiles of every new
/// size, the bundles that became full and the partial bundle of each batch
/// end. [`content`] is `None` for a bundle that cannot be encoded.
pub fn new_files(from: u64, to: u64, batch_ends: impl IntoIterator<Item = u64>) -> Vec<StaticFile> {
    let mut out: Vec<StaticFile> = (from..to).map(StaticFile::Entry).collect();
    let mut level = 0u8;
    while level < 64 && 256u128.pow(u32::from(level)) <= u128::from(to) {
        let unit = 256u64.pow(u32::from(level));
        let (old, new) = (from / unit, to / unit);
        for n in old / WIDTH..new / WIDTH {
            out.push(StaticFile::Tile { level, index: n, width: WIDTH as u16 });
        }
        // Every count of hashes at this level between the two sizes is the
        // partial tile of some size in between.
        for k in old + 1..=new {
            if k % WIDTH != 0 {
                out.push(StaticFile::Tile { level, index: k / WIDTH, width: (k % WIDTH) as u16 });
            }
        }
        level += 1;
    }
    for n in from / WIDTH..to / WIDTH {
        out.push(StaticFile::Bundle { index: n, width: WIDTH as u16 });
    }
    for end in batch_ends.into_iter().filter(|&s| s > from && s <= to && s % WIDTH != 0) {
        out.push(StaticFile::Bundle { index: end / WIDTH, width: (end % WIDTH) as u16 });
    }
    out
}

/// The hash tiles a reader of size `size` needs: at every level, the full
/// tiles and the partial tile of that size.
pub fn tiles_of_size(size: u64) -> Vec<StaticFile> {
    new_files(0, size, [])
        .into_iter()
        .filter(|f| match *f {
            StaticFile::Tile { level, width, index } => {
                let unit = 256u64.pow(u32::from(level));
                u64::from(width) == WIDTH || (index == size / unit / WIDTH && u64::from(width) == size / unit % WIDTH)
            }
            _ => false,
        })
        .collect()
}

#[cfg(test)]
mod tests;
