//! `conflicts.csv`: distinct (inspector, enterprise) recusal pairs.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};

use rand::RngExt;

use super::enterprises::*;
use super::inspectors::*;
use super::random::*;
use super::*;

pub(super) const REASONS: [&str; 6] =
    ["近亲属任职", "曾在该企业任职", "近亲属持股", "与法定代表人有利害关系", "曾为该企业提供咨询服务", "本人申请回避"];

/// Writes `conflicts.csv`: BOM, [`CONFLICTS_HEADER`], up to `cfg.conflicts`
/// distinct (inspector, enterprise) pairs, the enterprise preferably in the
/// inspector's own district.
pub fn write_conflicts<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(BOM)?;
    out.write_all(CONFLICTS_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    if cfg.enterprises == 0 || cfg.inspectors == 0 {
        return out.flush();
    }
    let counts = department_counts(cfg.inspectors);
    let wanted = (cfg.conflicts as u64).min(cfg.enterprises.saturating_mul(cfg.inspectors as u64));
    let mut seen: HashSet<(u64, u64)> = HashSet::with_capacity(wanted as usize);
    let mut rng = row_rng(cfg.seed, STREAM_CONFLICT, 0);
    let mut attempts = 0u64;
    let max_attempts = 100 * wanted + 1000;
    let mut line = Vec::with_capacity(128);
    while (seen.len() as u64) < wanted && attempts < max_attempts {
        attempts += 1;
        let i = rng.random_range(0..cfg.inspectors as u64);
        let p = inspector(cfg.seed, &counts, i);
        let mut e_idx = rng.random_range(0..cfg.enterprises);
        let mut e = enterprise(cfg.seed, e_idx);
        // Same-district pairs for the first half of the attempts only, so
        // that the pairs no same-district enterprise can form are reached too.
        let tries = if attempts <= max_attempts / 2 { 30 } else { 0 };
        for _ in 0..tries {
            if e.district == p.district {
                break;
            }
            e_idx = rng.random_range(0..cfg.enterprises);
            e = enterprise(cfg.seed, e_idx);
        }
        let reason = pick(&mut rng, &REASONS);
        if !seen.insert((i, e_idx)) {
            continue;
        }
        line.clear();
        line.extend_from_slice(&p.id[..p.id_len]);
        line.push(b',');
        line.extend_from_slice(&e.uscc);
        line.push(b',');
        line.extend_from_slice(reason.as_bytes());
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}
