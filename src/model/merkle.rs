//! RFC 6962 / RFC 9162 §2.1 Merkle Tree Hash, computed without keeping the
//! tree: leaves are folded into a stack of perfect subtrees ("peaks").

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Accumulates leaf hashes left to right; memory is O(log n).
#[derive(Default, Clone)]
pub struct RootBuilder {
    /// Perfect subtrees, largest first, with their leaf counts.
    peaks: Vec<(u64, Hash)>,
    size: u64,
}

impl RootBuilder {
    pub fn push(&mut self, leaf: Hash) {
        self.push_subtree(1, leaf);
    }

    /// Appends a perfect subtree of `count` (a power of two) leaves. Its
    /// position must be a multiple of `count`, as when pushing whole aligned
    /// chunks hashed elsewhere.
    pub fn push_subtree(&mut self, count: u64, root: Hash) {
        debug_assert!(count.is_power_of_two() && self.size.is_multiple_of(count));
        let mut node = (count, root);
        while let Some(&(c, h)) = self.peaks.last() {
            if c != node.0 {
                break;
            }
            self.peaks.pop();
            node = (c * 2, node_hash(&h, &node.1));
        }
        self.peaks.push(node);
        self.size += count;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// RFC 6962's split rule makes the root the right-to-left fold of the
    /// peaks.
    pub fn root(&self) -> Hash {
        let mut iter = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, h) in iter {
            acc = node_hash(h, &acc);
        }
        acc
    }
}

/// Root of the tree over `leaves` (leaf hashes), folded in order.
pub fn root(leaves: &[Hash]) -> Hash {
    let mut b = RootBuilder::default();
    leaves.iter().for_each(|h| b.push(*h));
    b.root()
}

/// Leaves per parallel piece of [`root_parallel`]: a perfect subtree.
pub const PIECE: usize = 1 << 14;

/// Root of the tree of `count` leaves, computed on all cores: the leaves are
/// cut into aligned perfect subtrees (whole [`PIECE`]s, then the binary digits
/// of the rest), `subtree_root(range)` returns the root of each, and they are
/// folded with a [`RootBuilder`]; memory stays O(log n) beyond what
/// `subtree_root` uses. The caller chooses how a perfect subtree is hashed
/// (e.g. [`root`] of its leaf hashes, or batched SHA-256 as snapshots do).
pub fn root_parallel(count: usize, subtree_root: impl Fn(std::ops::Range<usize>) -> Hash + Sync) -> Hash {
    use rayon::prelude::*;
    let mut pieces: Vec<(usize, usize)> = (0..count / PIECE).map(|p| (p * PIECE, PIECE)).collect();
    let mut at = count / PIECE * PIECE;
    for bit in (0..PIECE.trailing_zeros()).rev() {
        if (count - at) >> bit & 1 == 1 {
            pieces.push((at, 1 << bit));
            at += 1 << bit;
        }
    }
    let roots: Vec<Hash> = pieces.par_iter().map(|&(start, len)| subtree_root(start..start + len)).collect();
    let mut b = RootBuilder::default();
    for ((_, len), r) in pieces.iter().zip(roots) {
        b.push_subtree(*len as u64, r);
    }
    b.root()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition in RFC 6962 §2.1, recursively: a deliberately
    /// independent oracle for the peak-folding [`RootBuilder`].
    fn mth(leaves: &[&[u8]]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(leaves[0]),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn builder_matches_recursive_definition() {
        let data: Vec<Vec<u8>> = (0..70u32).map(|i| i.to_be_bytes().to_vec()).collect();
        for n in 0..data.len() {
            let refs: Vec<&[u8]> = data[..n].iter().map(|d| d.as_slice()).collect();
            let mut b = RootBuilder::default();
            refs.iter().for_each(|d| b.push(leaf_hash(d)));
            assert_eq!(b.root(), mth(&refs), "n = {n}");
        }
    }

    #[test]
    fn parallel_root_matches_builder() {
        let leaves: Vec<Hash> = (0..(2 * PIECE + 4097) as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in (0..70).chain([PIECE - 1, PIECE, PIECE + 1, leaves.len()]) {
            assert_eq!(root_parallel(n, |r| root(&leaves[r])), root(&leaves[..n]), "n = {n}");
        }
    }
}
