//! `enterprises.csv`: one row per enterprise, a pure function of `(seed, row)`.

use std::io::{self, BufWriter, Write};

use chrono::NaiveDate;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::model::uscc::{check_char, ALPHABET};

use super::random::*;
use super::tables::*;
use super::*;

/// Multipliers of the index permutations (coprime with 10⁸ and with 31⁶).
pub(super) const OLD_MUL: u64 = 48_271_927;
pub(super) const OLD_ADD: u64 = 13_572_468;
pub(super) const OLD_MOD: u64 = 100_000_000;
pub(super) const NEW_MUL: u64 = 612_662_333;
pub(super) const NEW_ADD: u64 = 205_147_901;

pub(super) struct Enterprise {
    pub(super) uscc: [u8; 18],
    pub(super) name: [&'static str; 7],
    pub(super) class: u8,
    pub(super) district: usize,
    pub(super) industry: usize,
    pub(super) status: usize,
    pub(super) established: NaiveDate,
    pub(super) abnormal: bool,
    pub(super) phone: [u8; 16],
    pub(super) phone_len: usize,
}

/// GB 11714 value of an organisation-code character (digits, then A = 10 …).
pub(super) fn org_value(b: u8) -> u32 {
    if b.is_ascii_digit() {
        (b - b'0') as u32
    } else {
        (b - b'A') as u32 + 10
    }
}

/// Characters 9–17 of the USCC: an 8-character body that is unique for the
/// row index, then a check character that is deliberately *not* the
/// GB 11714 one (so no synthetic code equals a real one).
pub(super) fn subject_code(idx: u64, old_style: bool, rng: &mut ChaCha8Rng, out: &mut [u8]) {
    let body = &mut out[..8];
    if old_style && idx < OLD_MOD {
        // Pre-2015 organisation code: 8 digits.
        let mut v = (idx % OLD_MOD * OLD_MUL + OLD_ADD) % OLD_MOD;
        for b in body.iter_mut().rev() {
            *b = b'0' + (v % 10) as u8;
            v /= 10;
        }
    } else {
        // Codes assigned by the registration authority since 2015: "MA" + 6.
        let mut v = (idx % MAX_ENTERPRISES * NEW_MUL + NEW_ADD) % MAX_ENTERPRISES;
        body[0] = b'M';
        body[1] = b'A';
        for b in body[2..].iter_mut().rev() {
            *b = ALPHABET[(v % 31) as usize];
            v /= 31;
        }
    }
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.iter().zip(W).map(|(&b, w)| org_value(b) * w).sum();
    let correct = (11 - sum % 11) % 11; // 10 is written X
    let wrong = (correct + 1 + rng.random_range(0..10u32)) % 11;
    out[8] = if wrong == 10 { b'X' } else { b'0' + wrong as u8 };
}

pub(super) fn enterprise(seed: u64, idx: u64) -> Enterprise {
    let mut rng = row_rng(seed, STREAM_ENTERPRISE, idx);
    let district = weighted(&mut rng, &DISTRICT_DIST);
    let industry = weighted(&mut rng, &INDUSTRY_DIST);
    let ind = &INDUSTRIES[industry];
    let dist = &DISTRICTS[district];

    // 1 企业, 2 个体工商户, 3 农民专业合作社 (GB 32100 机构类别 under 工商).
    let kind = if !ind.coop.is_empty() && per_mille(&mut rng, 80) {
        b'3'
    } else if !ind.shop.is_empty() && rng.random_ratio(ind.shop_pct, 100) {
        b'2'
    } else {
        b'1'
    };

    // More recent registrations are more frequent (density rises linearly).
    let one = day_between(&mut rng, ESTABLISHED_FIRST, ESTABLISHED_LAST);
    let other = day_between(&mut rng, ESTABLISHED_FIRST, ESTABLISHED_LAST);
    let established = one.max(other);
    let class_idx = weighted(&mut rng, &CLASS_DIST);
    let status = weighted(&mut rng, &STATUS_DIST);
    let abnormal = per_mille(&mut rng, ABNORMAL_PER_MILLE[class_idx]);

    let mut uscc = [0u8; 18];
    uscc[0] = b'9';
    uscc[1] = kind;
    uscc[2..8].copy_from_slice(dist.code.as_bytes());
    let old_style = kind != b'2' && established < USCC_REFORM;
    subject_code(idx, old_style, &mut rng, &mut uscc[8..17]);
    uscc[17] = check_char(&uscc[..17]).expect("generated from the alphabet");

    let first = pick(&mut rng, &BRAND_FIRST);
    let mut second = pick(&mut rng, &BRAND_SECOND);
    if second == first {
        second = pick(&mut rng, &BRAND_SECOND);
    }
    let (city, place) = if dist.name.ends_with('区') { ("杭州市", dist.name) } else { ("", dist.name) };
    let name = match kind {
        b'1' => {
            let (a, b) = match rng.random_range(0..100) {
                0..=4 => ("浙江", ""),
                5..=29 => ("杭州", dist.short),
                _ => ("杭州", ""),
            };
            let third = if per_mille(&mut rng, 250) { pick(&mut rng, &BRAND_SECOND) } else { "" };
            let form = if per_mille(&mut rng, 30) { "股份有限公司" } else { "有限公司" };
            [a, b, first, second, third, pick(&mut rng, ind.company), form]
        }
        b'2' => {
            let (f, s) = match rng.random_range(0..100) {
                0..=19 => (pick(&mut rng, &SURNAMES), "记"),
                20..=34 => ("老", pick(&mut rng, &SURNAMES)),
                35..=44 => ("阿", pick(&mut rng, &GIVEN)),
                _ => (first, second),
            };
            [city, place, f, s, pick(&mut rng, ind.shop), "", ""]
        }
        _ => [city, place, first, second, ind.coop, "", ""],
    };

    // Masked contact number, as published registries show them.
    let mut phone = [0u8; 16];
    let digits = rng.random_range(0..10_000);
    let phone_len = if per_mille(&mut rng, 700) {
        let prefix = pick(&mut rng, &MOBILE_PREFIXES).as_bytes();
        phone[..3].copy_from_slice(prefix);
        phone[3..7].copy_from_slice(b"****");
        write_digits(&mut phone[7..11], digits);
        11
    } else {
        phone[..9].copy_from_slice(b"0571-8***");
        write_digits(&mut phone[9..13], digits);
        13
    };

    Enterprise {
        uscc,
        name,
        class: CLASSES[class_idx],
        district,
        industry,
        status,
        established,
        abnormal,
        phone,
        phone_len,
    }
}

pub(super) fn write_digits(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

pub(super) fn check_enterprise_count(cfg: &SynthConfig) -> io::Result<()> {
    if cfg.enterprises > MAX_ENTERPRISES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("at most {MAX_ENTERPRISES} synthetic enterprises, {} asked", cfg.enterprises),
        ));
    }
    Ok(())
}

/// Writes `enterprises.csv`: BOM, [`ENTERPRISES_HEADER`], `cfg.enterprises` rows.
pub fn write_enterprises<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    out.write_all(BOM)?;
    out.write_all(ENTERPRISES_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let mut line = Vec::with_capacity(256);
    for idx in 0..cfg.enterprises {
        let e = enterprise(cfg.seed, idx);
        line.clear();
        line.extend_from_slice(&e.uscc);
        line.push(b',');
        for part in e.name {
            line.extend_from_slice(part.as_bytes());
        }
        line.push(b',');
        line.push(e.class);
        line.push(b',');
        line.extend_from_slice(DISTRICTS[e.district].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(INDUSTRIES[e.industry].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(STATUSES[e.status].as_bytes());
        line.push(b',');
        push_date(&mut line, e.established);
        line.push(b',');
        line.extend_from_slice(if e.abnormal { "是" } else { "否" }.as_bytes());
        line.push(b',');
        line.extend_from_slice(&e.phone[..e.phone_len]);
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}
