//! The year a commitment counts its annual caps in (LOG-FORMAT "The
//! effective plan"): the plan's inspection_date year, else the **China**
//! year of the commit time. Found by an attacker review: verify.py took the
//! UTC year (an honest log committed on 31 December after 16:00 UTC failed
//! there), and `audit verify` and verify.js never checked `year` at all, so
//! an operator re-signing the log could move a commitment to another year
//! and dodge every annual cap.

mod common;
use common::*;

use serde_json::Value;

const NOW: &str = "2027-01-05T00:00:00Z";

/// A log with one commitment of the minimal plan (no inspection_date) at
/// 2026-12-31T17:00:00Z — already 1 January 2027 in China.
fn new_years_eve(dir: &std::path::Path) -> std::path::PathBuf {
    let log = dir.join("log");
    fairdraw(&["init", "--log", s(&log), "--now", "2026-12-31T16:00:00Z"], dir).expect(0);
    let sample = [data("enterprises.csv"), data("inspectors.csv"), data("conflicts.csv")];
    commit_by_ceremony(dir, &log, &sample, &data("plan-minimal.toml"), "2026-12-31T17:00:00Z");
    log
}

fn three(log: &std::path::Path, d: &std::path::Path) -> Vec<(&'static str, Run)> {
    vec![
        ("fairdraw audit verify", fairdraw(&["audit", "verify", "--log", s(log), "--no-replay"], d)),
        ("verify.py", verify_py(&["log", s(log), "--now", NOW], d)),
        ("verify.js", verify_js(&["log", s(log), "--now", NOW], d)),
    ]
}

#[test]
fn a_commitment_after_16_utc_on_new_years_eve_counts_in_the_china_year_for_all_three() {
    let dir = tempdir();
    let log = new_years_eve(dir.path());
    let c = log_entries(&log).into_iter().find(|e| e["kind"] == "DrawCommitment").unwrap();
    assert_eq!(c["body"]["year"], 2027, "the writer's year is China's");
    for (who, run) in three(&log, dir.path()) {
        assert_eq!(run.code, 0, "{who} must accept the honest log:\n{}{}", run.stdout, run.stderr);
    }
}

#[test]
fn a_commitment_moved_to_another_year_and_re_signed_is_tampering_for_all_three() {
    let dir = tempdir();
    let log = new_years_eve(dir.path());
    let mut entries = log_entries(&log);
    let c = entries.iter_mut().rev().find(|e| e["kind"] == "DrawCommitment").unwrap();
    c["body"]["year"] = Value::from(2026);
    write_log_entries(&log, &entries);
    resign_log(&log);
    for (who, run) in three(&log, dir.path()) {
        let said = format!("{}{}", run.stdout, run.stderr);
        assert_ne!(run.code, 0, "{who} must refuse the moved year:\n{said}");
        assert!(said.contains("year 2026 should be 2027"), "{who} must name the year:\n{said}");
    }
}
