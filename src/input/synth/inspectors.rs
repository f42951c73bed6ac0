//! `inspectors.csv`: the roster across five departments.

use std::io::{self, BufWriter, Write};

use chrono::NaiveDate;

use super::random::*;
use super::tables::*;
use super::*;

pub(super) struct Department {
    pub(super) name: &'static str,
    /// Two-digit code inside the certificate number.
    pub(super) code: &'static str,
    /// Share of the roster, percent (the first department takes the rest).
    pub(super) share: u64,
    /// Qualifications with their per-mille frequency; the first is the fallback.
    pub(super) quals: &'static [(&'static str, u32)],
}

pub(super) const DEPARTMENTS: [Department; 5] = [
    Department {
        name: "市场监督管理局",
        code: "01",
        share: 60,
        quals: &[
            ("食品", 750),
            ("药品", 250),
            ("特种设备", 300),
            ("计量", 300),
            ("价格", 300),
            ("广告", 250),
            ("产品质量", 300),
            ("知识产权", 100),
        ],
    },
    Department {
        name: "卫生健康委员会",
        code: "02",
        share: 15,
        quals: &[("公共卫生", 800), ("职业卫生", 300), ("医疗", 400), ("食品", 400)],
    },
    Department {
        name: "生态环境局",
        code: "03",
        share: 10,
        quals: &[("环境监测", 600), ("排污许可", 600), ("危险废物", 400)],
    },
    Department {
        name: "应急管理局",
        code: "04",
        share: 10,
        quals: &[("安全生产", 900), ("危险化学品", 500), ("消防", 300)],
    },
    Department {
        name: "商务局",
        code: "05",
        share: 5,
        quals: &[("商务执法", 800), ("单用途预付卡", 500), ("成品油", 400)],
    },
];

/// Roster rows per department, in [`DEPARTMENTS`] order.
pub(super) fn department_counts(n: u32) -> [u64; 5] {
    let n = n as u64;
    let mut counts = [0u64; 5];
    for (c, d) in counts.iter_mut().zip(DEPARTMENTS.iter()).skip(1) {
        *c = n * d.share / 100;
    }
    counts[0] = n - counts[1..].iter().sum::<u64>();
    counts
}

pub(super) struct Inspector {
    /// `区域代码(6) + 部门(2) + 序号(≥6)`.
    pub(super) id: [u8; 24],
    pub(super) id_len: usize,
    pub(super) name: [&'static str; 3],
    pub(super) department: usize,
    pub(super) district: usize,
    pub(super) active: bool,
    pub(super) quals: u32,
    pub(super) cert_expires: NaiveDate,
    pub(super) expert: bool,
}

pub(super) fn inspector(seed: u64, counts: &[u64; 5], i: u64) -> Inspector {
    let mut rng = row_rng(seed, STREAM_INSPECTOR, i);
    let (mut department, mut j) = (0, i);
    while department + 1 < counts.len() && j >= counts[department] {
        j -= counts[department];
        department += 1;
    }
    // Round robin over the districts, so that every district has inspectors
    // of the main department as soon as it has 13 of them.
    let district = ((j + 3 * department as u64) % DISTRICTS.len() as u64) as usize;
    let expert = i % 20 == 10;

    let mut id = [0u8; 24];
    id[..6].copy_from_slice(DISTRICTS[district].code.as_bytes());
    id[6..8].copy_from_slice(DEPARTMENTS[department].code.as_bytes());
    let mut serial = [0u8; 20];
    let mut v = i + 1;
    let mut len = 0;
    while v > 0 || len < 6 {
        serial[len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    for k in 0..len {
        id[8 + k] = serial[len - 1 - k];
    }
    let id_len = 8 + len;

    let surname = pick(&mut rng, &SURNAMES);
    let g1 = pick(&mut rng, &GIVEN);
    let g2 = if per_mille(&mut rng, 600) { pick(&mut rng, &GIVEN) } else { "" };
    let active = !per_mille(&mut rng, 60);
    let cert_expires = if per_mille(&mut rng, 50) {
        day_between(&mut rng, CERT_EXPIRED_FIRST, CERT_EXPIRED_LAST)
    } else {
        day_between(&mut rng, CERT_VALID_FIRST, CERT_VALID_LAST)
    };
    let mut quals = 0u32;
    for (k, &(_, p)) in DEPARTMENTS[department].quals.iter().enumerate() {
        if per_mille(&mut rng, p) {
            quals |= 1 << k;
        }
    }
    if quals == 0 {
        quals = 1;
    }
    Inspector { id, id_len, name: [surname, g1, g2], department, district, active, quals, cert_expires, expert }
}

/// Writes `inspectors.csv`: BOM, [`INSPECTORS_HEADER`], `cfg.inspectors` rows
/// across five departments (≈ 60 % 市场监督管理局).
pub fn write_inspectors<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(BOM)?;
    out.write_all(INSPECTORS_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let counts = department_counts(cfg.inspectors);
    let mut line = Vec::with_capacity(256);
    for i in 0..cfg.inspectors as u64 {
        let p = inspector(cfg.seed, &counts, i);
        let dept = &DEPARTMENTS[p.department];
        line.clear();
        line.extend_from_slice(&p.id[..p.id_len]);
        line.push(b',');
        for part in p.name {
            line.extend_from_slice(part.as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(dept.name.as_bytes());
        line.push(b',');
        line.extend_from_slice(DISTRICTS[p.district].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(if p.active { "是" } else { "否" }.as_bytes());
        line.push(b',');
        let mut first = true;
        for (k, &(q, _)) in dept.quals.iter().enumerate() {
            if p.quals & (1 << k) != 0 {
                if !first {
                    line.push(b';');
                }
                line.extend_from_slice(q.as_bytes());
                first = false;
            }
        }
        line.push(b',');
        push_date(&mut line, p.cert_expires);
        line.push(b',');
        line.extend_from_slice(if p.expert { b"expert".as_slice() } else { b"inspector".as_slice() });
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}
