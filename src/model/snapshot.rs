//! Canonical snapshots of the registries and their Merkle roots (spec §5).
//!
//! A leaf is the canonical JSON array of the columns the draw uses, so
//! unrelated columns, row order and file encoding cannot change a root.
//!
//! Roots are the RFC 6962 Merkle Tree Hash of [`crate::model::merkle`], computed
//! here without building the tree: the leaves are cut into aligned perfect
//! subtrees of at most 2^14 leaves, which are hashed on all cores, level by
//! level, four SHA-256 messages at a time, and folded by
//! [`merkle::root_parallel`]. A subtree's leaf bytes are gathered before any
//! is hashed, so the scattered reads of names overlap.

use crate::model::canonical::write_str;
use crate::model::merkle::{self, Hash};
use crate::model::registry::{Enterprise, Enterprises, Inspector};
use crate::model::ticket::sha256::{self, Block};

/// Columns of an enterprise leaf, before the kept extras.
pub const ENTERPRISE_COLUMNS: [&str; 6] = ["uscc", "name", "credit_class", "region", "industry", "status"];

/// The published column list of an enterprise snapshot.
pub fn enterprise_columns(reg: &Enterprises) -> Vec<String> {
    ENTERPRISE_COLUMNS.iter().map(|c| c.to_string()).chain(reg.extra_columns.iter().cloned()).collect()
}

/// Appends the leaf bytes of one enterprise to `out`.
pub fn enterprise_leaf(reg: &Enterprises, e: &Enterprise, out: &mut Vec<u8>) {
    let fields = [e.uscc(), reg.name(e), e.class.letter(), e.region(), reg.industry(e), e.status.label()];
    write_enterprise_leaf(fields, (0..reg.extra_columns.len()).map(|j| reg.extra(e, j)), out);
}

/// An enterprise leaf from its values: the columns of
/// [`ENTERPRISE_COLUMNS`], then the kept extras in column order.
pub(crate) fn write_enterprise_leaf<'a>(
    fields: [&'a str; 6],
    extras: impl IntoIterator<Item = &'a str>,
    out: &mut Vec<u8>,
) {
    out.push(b'[');
    for (k, v) in fields.into_iter().chain(extras).enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_str(v, out);
    }
    out.push(b']');
}

pub fn inspector_leaf(i: &Inspector) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_inspector_leaf(i, &mut out);
    out
}

fn write_inspector_leaf(i: &Inspector, out: &mut Vec<u8>) {
    out.push(b'[');
    for v in [&i.id, &i.name, &i.department, &i.region] {
        write_str(v, out);
        out.push(b',');
    }
    out.extend_from_slice(if i.active { b"true," } else { b"false," });
    write_str(i.role.label(), out);
    out.extend_from_slice(b",[");
    for (k, q) in i.qualifications.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_str(q, out);
    }
    out.extend_from_slice(b"],");
    write_str(&i.cert_expires.map(|d| d.to_string()).unwrap_or_default(), out);
    out.push(b']');
}

pub fn conflict_leaf(inspector_id: &str, uscc: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    write_conflict_leaf(inspector_id, uscc, &mut out);
    out
}

fn write_conflict_leaf(inspector_id: &str, uscc: &str, out: &mut Vec<u8>) {
    out.push(b'[');
    write_str(inspector_id, out);
    out.push(b',');
    write_str(uscc, out);
    out.push(b']');
}

/// The root of an enterprise snapshot. A registry from
/// [`crate::input::registry::read_enterprises`] carries it, computed once
/// the file was read; otherwise it is computed from the rows.
pub fn enterprises_root(reg: &Enterprises) -> Hash {
    match reg.read_root() {
        Some(root) => root,
        None => enterprises_root_from_rows(reg),
    }
}

/// The root of an enterprise snapshot computed from the rows, ignoring the
/// one carried from reading (the two are equal).
pub fn enterprises_root_from_rows(reg: &Enterprises) -> Hash {
    // Rows are in USCC order and names in file order: ask for a name well
    // before its leaf is built, so that the cache misses overlap.
    let ahead = |i: usize| {
        if let Some(e) = reg.rows.get(i + 16) {
            reg.prefetch_name(e);
        }
    };
    root_with(reg.rows.len(), |i, out| enterprise_leaf(reg, &reg.rows[i], out), ahead)
}

pub fn inspectors_root(inspectors: &[Inspector]) -> Hash {
    root(inspectors.len(), |i, out| write_inspector_leaf(&inspectors[i], out))
}

pub fn conflicts_root(pairs: &[(u32, u32)], inspectors: &[Inspector], reg: &Enterprises) -> Hash {
    root(pairs.len(), |k, out| {
        let (i, e) = pairs[k];
        write_conflict_leaf(&inspectors[i as usize].id, reg.rows[e as usize].uscc(), out)
    })
}

/// The Merkle Tree Hash of `count` leaves, leaf `i` being the bytes
/// `leaf(i, out)` appends; equal to [`merkle::root`] of their
/// [`merkle::leaf_hash`]es.
fn root(count: usize, leaf: impl Fn(usize, &mut Vec<u8>) + Sync) -> Hash {
    root_with(count, leaf, |_| {})
}

/// [`root`], calling `ahead(i)` just before leaf `i` is built.
fn root_with(count: usize, leaf: impl Fn(usize, &mut Vec<u8>) + Sync, ahead: impl Fn(usize) + Sync) -> Hash {
    merkle::root_parallel(count, |range| perfect_subtree_root(leaf_hashes(range, &leaf, &ahead)))
}

/// The root of a perfect subtree (a power of two of leaf hashes), hashed
/// level by level four nodes at a time: how snapshots hash each piece of
/// [`merkle::root_parallel`].
pub(crate) fn perfect_subtree_root(mut level: Vec<Hash>) -> Hash {
    debug_assert!(level.len().is_power_of_two());
    while level.len() > 1 {
        level = node_hashes(&level);
    }
    level[0]
}

/// `SHA-256(0x00 || leaf)` for each leaf of `range`.
fn leaf_hashes(
    range: std::ops::Range<usize>,
    leaf: &impl Fn(usize, &mut Vec<u8>),
    ahead: &impl Fn(usize),
) -> Vec<Hash> {
    let n = range.len();
    // Gather every padded message first; then hash messages of equal block
    // counts four at a time.
    let mut blocks: Vec<Block> = Vec::with_capacity(n * 2);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(n);
    let mut msg = Vec::with_capacity(256);
    for i in range {
        ahead(i);
        msg.clear();
        msg.push(0u8);
        leaf(i, &mut msg);
        let first = blocks.len();
        spans.push((first, sha256::pad_into(&msg, &mut blocks)));
    }
    hash_messages(&blocks, &spans)
}

/// SHA-256 of padded messages: message `i` is `blocks[spans[i].0..][..spans[i].1]`.
pub(crate) fn hash_messages(blocks: &[Block], spans: &[(usize, usize)]) -> Vec<Hash> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i].1);
    let mut out = vec![[0u8; 32]; spans.len()];
    for group in order.chunk_by(|&a, &b| spans[a].1 == spans[b].1) {
        hash_group(group, blocks, spans, &mut out);
    }
    out
}

/// Hashes the messages `group` (all of one length) into `out`.
fn hash_group(group: &[usize], blocks: &[Block], spans: &[(usize, usize)], out: &mut [Hash]) {
    let msg = |i: usize| &blocks[spans[i].0..spans[i].0 + spans[i].1];
    let mut quads = group.chunks_exact(4);
    for q in &mut quads {
        let mut states = [sha256::IV; 4];
        sha256::compress4(&mut states, [msg(q[0]), msg(q[1]), msg(q[2]), msg(q[3])]);
        for (&i, s) in q.iter().zip(&states) {
            out[i] = sha256::to_bytes(s);
        }
    }
    for &i in quads.remainder() {
        let mut state = sha256::IV;
        sha256::compress(&mut state, msg(i));
        out[i] = sha256::to_bytes(&state);
    }
}

/// `SHA-256(0x01 || left || right)` for each pair of `level`.
fn node_hashes(level: &[Hash]) -> Vec<Hash> {
    // 65 bytes: two blocks, the second holding the last byte, the padding
    // and the bit length 520.
    let node = |pair: &[Hash]| -> [Block; 2] {
        let mut b = [[0u8; 64]; 2];
        b[0][0] = 1;
        b[0][1..33].copy_from_slice(&pair[0]);
        b[0][33..].copy_from_slice(&pair[1][..31]);
        b[1][0] = pair[1][31];
        b[1][1] = 0x80;
        b[1][62..].copy_from_slice(&520u16.to_be_bytes());
        b
    };
    let pairs: Vec<&[Hash]> = level.chunks_exact(2).collect();
    let mut out = Vec::with_capacity(pairs.len());
    let mut quads = pairs.chunks_exact(4);
    for q in &mut quads {
        let b = [node(q[0]), node(q[1]), node(q[2]), node(q[3])];
        let mut states = [sha256::IV; 4];
        sha256::compress4(&mut states, [&b[0], &b[1], &b[2], &b[3]]);
        out.extend(states.iter().map(sha256::to_bytes));
    }
    for p in quads.remainder() {
        let mut state = sha256::IV;
        sha256::compress(&mut state, &node(p));
        out.push(sha256::to_bytes(&state));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::merkle::{RootBuilder, PIECE};

    fn slow_root(count: usize, leaf: impl Fn(usize, &mut Vec<u8>)) -> Hash {
        let mut b = RootBuilder::default();
        for i in 0..count {
            let mut bytes = Vec::new();
            leaf(i, &mut bytes);
            b.push(merkle::leaf_hash(&bytes));
        }
        b.root()
    }

    #[test]
    fn batched_root_matches_the_builder() {
        // Leaves of 0 to 200 bytes: one to four blocks, mixed.
        let leaf = |i: usize, out: &mut Vec<u8>| out.extend((0..(i * 37) % 201).map(|j| (i + j) as u8));
        for count in (0..70).chain([PIECE - 1, PIECE, PIECE + 1, 2 * PIECE + 4097]) {
            assert_eq!(root(count, leaf), slow_root(count, leaf), "count {count}");
        }
    }
}
