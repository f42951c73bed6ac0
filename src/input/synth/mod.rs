//! Deterministic synthetic registries (`fairdraw gen`).
//!
//! Generates an enterprise registry (检查对象名录库), an inspector roster
//! (执法检查人员名录库) and a recusal list (回避名单) for one invented city
//! modelled on Hangzhou, in the CSV formats of `audit/SPEC.md` §1.1–§1.3.
//! Everything is made up: names are assembled from common characters, phone
//! numbers are masked, and every USCC, while passing the GB 32100 check,
//! deliberately fails the GB 11714 organisation-code check embedded in real
//! codes (characters 9–17), so it should not coincide with a real registration.
//!
//! The output bytes depend only on [`SynthConfig`]: no wall clock, no
//! environment, no entropy. Random choices come from ChaCha8 (`rand_chacha`)
//! keyed by the seed, with one stream per file and a window of it per row:
//! enterprise row `i` is a pure function of `(seed, i)`, so a smaller registry
//! is a prefix of a larger one with the same seed. Every file starts with the
//! UTF-8 BOM (so that spreadsheet software opens it as UTF-8) followed by a
//! Chinese header line; lines end with `\n`; no value needs CSV quoting.

use std::io;
use std::path::Path;

/// How much to generate, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// Rows of `enterprises.csv` (at most [`MAX_ENTERPRISES`]).
    pub enterprises: u64,
    /// Rows of `inspectors.csv`.
    pub inspectors: u32,
    /// Rows of `conflicts.csv` (fewer when there are not that many distinct pairs).
    pub conflicts: u32,
    pub seed: u64,
}

impl Default for SynthConfig {
    /// 5,000 enterprises, 120 inspectors, 60 recusal pairs, seed 2026: the
    /// bundled sample data in `data/`.
    fn default() -> Self {
        SynthConfig { enterprises: 5000, inspectors: 120, conflicts: 60, seed: 2026 }
    }
}

/// The largest registry this generator can make with unique codes (31⁶).
pub const MAX_ENTERPRISES: u64 = 887_503_681;

/// Header of `enterprises.csv` (after the BOM).
pub const ENTERPRISES_HEADER: &str =
    "统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期,列入经营异常名录,联系电话";
/// Header of `inspectors.csv` (after the BOM).
pub const INSPECTORS_HEADER: &str = "执法证号,姓名,所属部门,区域代码,在岗,资质,证件有效期,角色";
/// Header of `conflicts.csv` (after the BOM).
pub const CONFLICTS_HEADER: &str = "执法证号,统一社会信用代码,回避原因";

const BOM: &[u8] = b"\xEF\xBB\xBF";

mod conflicts;
mod enterprises;
mod inspectors;
mod random;
mod tables;

pub use conflicts::write_conflicts;
use enterprises::check_enterprise_count;
pub use enterprises::write_enterprises;
pub use inspectors::write_inspectors;

/// Creates `dir` if needed and writes `enterprises.csv`, `inspectors.csv` and
/// `conflicts.csv` into it.
pub fn write_all(cfg: &SynthConfig, dir: &Path) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    std::fs::create_dir_all(dir)?;
    write_enterprises(cfg, std::fs::File::create(dir.join("enterprises.csv"))?)?;
    write_inspectors(cfg, std::fs::File::create(dir.join("inspectors.csv"))?)?;
    write_conflicts(cfg, std::fs::File::create(dir.join("conflicts.csv"))?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::enterprises::*;
    use super::inspectors::*;
    use super::random::*;
    use super::tables::*;
    use super::*;
    use crate::model::uscc::validate;

    fn cfg(enterprises: u64, inspectors: u32, conflicts: u32, seed: u64) -> SynthConfig {
        SynthConfig { enterprises, inspectors, conflicts, seed }
    }

    fn text<F: Fn(&SynthConfig, &mut Vec<u8>) -> io::Result<()>>(c: &SynthConfig, f: F) -> String {
        let mut buf = Vec::new();
        f(c, &mut buf).unwrap();
        assert!(buf.starts_with(BOM), "starts with the UTF-8 BOM");
        String::from_utf8(buf[3..].to_vec()).unwrap()
    }

    fn enterprises(c: &SynthConfig) -> String {
        text(c, |c, b| write_enterprises(c, b))
    }
    fn inspectors(c: &SynthConfig) -> String {
        text(c, |c, b| write_inspectors(c, b))
    }
    fn conflicts(c: &SynthConfig) -> String {
        text(c, |c, b| write_conflicts(c, b))
    }

    #[test]
    fn default_config() {
        assert_eq!(SynthConfig::default(), cfg(5000, 120, 60, 2026));
    }

    #[test]
    fn header_lines() {
        let c = cfg(3, 3, 1, 1);
        assert_eq!(enterprises(&c).lines().next(), Some(ENTERPRISES_HEADER));
        assert_eq!(inspectors(&c).lines().next(), Some(INSPECTORS_HEADER));
        assert_eq!(conflicts(&c).lines().next(), Some(CONFLICTS_HEADER));
        assert!(ENTERPRISES_HEADER
            .starts_with("统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期"));
        assert!(ENTERPRISES_HEADER.contains("列入经营异常名录"));
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let c = cfg(2000, 120, 60, 2026);
        assert_eq!(enterprises(&c), enterprises(&c));
        assert_eq!(inspectors(&c), inspectors(&c));
        assert_eq!(conflicts(&c), conflicts(&c));
        let d = SynthConfig { seed: 2027, ..c };
        assert_ne!(enterprises(&c), enterprises(&d));
        assert_ne!(inspectors(&c), inspectors(&d));
        assert_ne!(conflicts(&c), conflicts(&d));
    }

    #[test]
    fn smaller_registry_is_a_prefix() {
        let small = enterprises(&cfg(300, 1, 0, 9));
        let large = enterprises(&cfg(900, 1, 0, 9));
        assert!(large.starts_with(&small));
    }

    #[test]
    fn usccs_valid_unique_and_realistic() {
        let c = cfg(20_000, 1, 0, 2026);
        let all = enterprises(&c);
        let mut seen = HashSet::new();
        let mut old_style = 0;
        for line in all.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 9, "{line}");
            let code = cells[0];
            assert_eq!(validate(code), Ok(()), "{code}");
            assert!(seen.insert(code.to_string()), "duplicate {code}");
            assert_eq!(&code[..1], "9");
            assert!(matches!(&code[1..2], "1" | "2" | "3"), "{code}");
            assert_eq!(&code[2..8], cells[3], "region inside the code");
            assert!(DISTRICTS.iter().any(|d| d.code == cells[3]));
            if code.as_bytes()[8].is_ascii_digit() {
                old_style += 1;
                assert!(cells[6] < "2015-10-01", "old-style code registered {}", cells[6]);
            } else {
                assert_eq!(&code[8..10], "MA");
            }
            // The embedded organisation code never passes GB 11714.
            let body = &code.as_bytes()[8..16];
            const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = body.iter().zip(W).map(|(&b, w)| org_value(b) * w).sum();
            let c9 = match (11 - sum % 11) % 11 {
                10 => b'X',
                v => b'0' + v as u8,
            };
            assert_ne!(code.as_bytes()[16], c9, "{code}");
        }
        assert_eq!(seen.len(), 20_000);
        assert!(old_style > 1000, "some pre-2015 codes: {old_style}");
    }

    #[test]
    fn codes_stay_unique_at_high_indices() {
        // Rows far apart in a 10⁷ registry never share a code.
        let mut seen = HashSet::new();
        for idx in (0..10_000_000u64).step_by(997).chain(99_999_000..100_001_000) {
            let e = enterprise(7, idx);
            assert!(validate(std::str::from_utf8(&e.uscc).unwrap()).is_ok());
            assert!(seen.insert(e.uscc), "duplicate at {idx}");
        }
        assert!(write_enterprises(&cfg(MAX_ENTERPRISES + 1, 1, 0, 1), io::sink()).is_err());
    }

    #[test]
    fn enterprise_mix_is_realistic() {
        let all = enterprises(&cfg(20_000, 1, 0, 2026));
        let mut class = [0u32; 4];
        let mut status = [0u32; 4];
        let mut abnormal = 0;
        for line in all.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            class[CLASSES.iter().position(|&c| c == cells[2].as_bytes()[0]).unwrap()] += 1;
            status[STATUSES.iter().position(|&s| s == cells[5]).unwrap()] += 1;
            abnormal += (cells[7] == "是") as u32;
            assert!(cells[1].ends_with("有限公司") || !cells[1].contains("公司"), "{}", cells[1]);
            assert!(INDUSTRIES.iter().any(|i| i.code == cells[4]));
            assert!(("1995-01-01"..="2026-09-30").contains(&cells[6]));
        }
        let pct = |x: u32| x as f64 / 200.0;
        assert!((42.0..48.0).contains(&pct(class[0])), "{class:?}");
        assert!((37.0..43.0).contains(&pct(class[1])), "{class:?}");
        assert!((10.0..14.0).contains(&pct(class[2])), "{class:?}");
        assert!((2.0..4.0).contains(&pct(class[3])), "{class:?}");
        assert!((86.0..90.0).contains(&pct(status[0])), "{status:?}");
        assert!((4.0..6.5).contains(&pct(abnormal)), "{abnormal}");
    }

    #[test]
    fn inspectors_cover_departments_and_districts() {
        let all = inspectors(&SynthConfig::default());
        let rows: Vec<Vec<&str>> = all.lines().skip(1).map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 120);
        let ids: HashSet<&str> = rows.iter().map(|r| r[0]).collect();
        assert_eq!(ids.len(), 120, "unique ids");
        let depts: HashSet<&str> = rows.iter().map(|r| r[2]).collect();
        assert!(depts.len() >= 4, "{depts:?}");
        for d in &DISTRICTS {
            assert!(
                rows.iter().any(|r| r[2] == "市场监督管理局" && r[3] == d.code && r[4] == "是" && r[7] == "inspector"),
                "no active market-supervision inspector in {}",
                d.name
            );
        }
        let experts = rows.iter().filter(|r| r[7] == "expert").count();
        assert!((3..=10).contains(&experts), "{experts}");
        assert!(rows.iter().any(|r| r[6].as_bytes() < b"2026-12-01".as_slice()), "some expired");
        for r in &rows {
            assert_eq!(r.len(), 8);
            assert!(r[0].len() >= 14 && r[0].bytes().all(|b| b.is_ascii_digit()));
            assert!(!r[5].is_empty());
        }
    }

    #[test]
    fn conflicts_reference_generated_rows() {
        let c = SynthConfig::default();
        let ents = enterprises(&c);
        let codes: HashSet<&str> = ents.lines().skip(1).map(|l| &l[..18]).collect();
        let insp = inspectors(&c);
        let ids: HashSet<&str> = insp.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        let conf = conflicts(&c);
        let mut pairs = HashSet::new();
        for line in conf.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 3);
            assert!(ids.contains(cells[0]), "{line}");
            assert!(codes.contains(cells[1]), "{line}");
            assert!(pairs.insert((cells[0], cells[1])), "duplicate pair {line}");
        }
        assert_eq!(pairs.len(), 60);
        // Fewer possible pairs than asked: all of them, then stop.
        let tiny = conflicts(&cfg(2, 2, 50, 1));
        assert_eq!(tiny.lines().count(), 1 + 4);
    }

    #[test]
    fn dates_are_written_as_spec_dates() {
        let mut b = Vec::new();
        push_date(&mut b, ymd(2026, 12, 5));
        assert_eq!(b, b"2026-12-05");
        let mut rng = row_rng(1, STREAM_INSPECTOR, 0);
        for _ in 0..1000 {
            let d = day_between(&mut rng, CERT_EXPIRED_FIRST, CERT_EXPIRED_LAST);
            assert!((CERT_EXPIRED_FIRST..=CERT_EXPIRED_LAST).contains(&d), "{d}");
        }
    }

    #[test]
    fn rows_do_not_depend_on_each_other() {
        // Row 5 alone equals row 5 of a file (each row has its own window of the stream).
        let file = enterprises(&cfg(6, 1, 0, 11));
        let mut line = Vec::new();
        let e = enterprise(11, 5);
        line.extend_from_slice(&e.uscc);
        assert!(file.lines().nth(6).unwrap().starts_with(std::str::from_utf8(&line).unwrap()));
        assert_ne!(enterprise(11, 5).uscc, enterprise(11, 4).uscc);
    }

    #[test]
    fn bundled_data_is_what_the_default_config_generates() {
        // data/README.md says the three registries are `fairdraw gen --seed 2026`.
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let c = SynthConfig::default();
        let read = |name: &str| std::fs::read_to_string(data.join(name)).unwrap()[3..].to_string();
        assert!(read("enterprises.csv") == enterprises(&c), "data/enterprises.csv is stale: regenerate it");
        assert!(read("inspectors.csv") == inspectors(&c), "data/inspectors.csv is stale: regenerate it");
        assert!(read("conflicts.csv") == conflicts(&c), "data/conflicts.csv is stale: regenerate it");
    }
}
