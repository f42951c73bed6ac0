//! Canonical snapshots of the registries and their Merkle roots (spec §5).
//!
//! A leaf is the canonical JSON array of the columns the draw uses, so
//! unrelated columns, row order and file encoding cannot change a root.

use crate::canonical::write_str;
use crate::merkle::{self, Hash};
use crate::registry::{Enterprise, Enterprises, Inspector};

/// Columns of an enterprise leaf, before the kept extras.
pub const ENTERPRISE_COLUMNS: [&str; 6] = ["uscc", "name", "credit_class", "region", "industry", "status"];

/// The published column list of an enterprise snapshot.
pub fn enterprise_columns(reg: &Enterprises) -> Vec<String> {
    ENTERPRISE_COLUMNS.iter().map(|c| c.to_string()).chain(reg.extra_columns.iter().cloned()).collect()
}

/// Appends the leaf bytes of one enterprise to `out`.
pub fn enterprise_leaf(reg: &Enterprises, e: &Enterprise, out: &mut Vec<u8>) {
    out.push(b'[');
    write_str(e.uscc(), out);
    for v in [reg.name(e), e.class.letter(), e.region(), reg.industry(e), e.status.label()] {
        out.push(b',');
        write_str(v, out);
    }
    for j in 0..reg.extra_columns.len() {
        out.push(b',');
        write_str(reg.extra(e, j), out);
    }
    out.push(b']');
}

pub fn inspector_leaf(i: &Inspector) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.push(b'[');
    for v in [&i.id, &i.name, &i.department, &i.region] {
        write_str(v, &mut out);
        out.push(b',');
    }
    out.extend_from_slice(if i.active { b"true," } else { b"false," });
    write_str(i.role.label(), &mut out);
    out.extend_from_slice(b",[");
    for (k, q) in i.qualifications.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_str(q, &mut out);
    }
    out.extend_from_slice(b"],");
    write_str(&i.cert_expires.map(|d| d.to_string()).unwrap_or_default(), &mut out);
    out.push(b']');
    out
}

pub fn conflict_leaf(inspector_id: &str, uscc: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    out.push(b'[');
    write_str(inspector_id, &mut out);
    out.push(b',');
    write_str(uscc, &mut out);
    out.push(b']');
    out
}

pub fn enterprises_root(reg: &Enterprises) -> Hash {
    merkle::root_parallel(reg.rows.len(), |i| {
        let mut buf = Vec::with_capacity(160);
        enterprise_leaf(reg, &reg.rows[i], &mut buf);
        merkle::leaf_hash(&buf)
    })
}

pub fn inspectors_root(inspectors: &[Inspector]) -> Hash {
    merkle::root_parallel(inspectors.len(), |i| merkle::leaf_hash(&inspector_leaf(&inspectors[i])))
}

pub fn conflicts_root(pairs: &[(u32, u32)], inspectors: &[Inspector], reg: &Enterprises) -> Hash {
    merkle::root_parallel(pairs.len(), |k| {
        let (i, e) = pairs[k];
        merkle::leaf_hash(&conflict_leaf(&inspectors[i as usize].id, reg.rows[e as usize].uscc()))
    })
}
