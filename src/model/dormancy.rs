//! Dormant (歇业) firms and their wake-ups (spec §6.3): when a dormancy term
//! has ended, whether a firm is dormant on a date, and whether a plan with
//! `scope.wake` takes a 歇业 row back into its pool.
//!
//! Dates are the stored §1.5 form (`YYYY-MM-DD`), `""` when absent, so that
//! the rules read the same on registry rows and on snapshot leaves; in that
//! form string order is date order.

use crate::model::date::Date;
use crate::model::registry::Status;

/// Leaf column (spec §5) of the first day of dormancy (歇业日期).
pub const DORMANT_FROM: &str = "dormant_from";
/// Leaf column (spec §5) of the last day of the declared term (歇业期限).
pub const DORMANT_UNTIL: &str = "dormant_until";
/// The longest dormancy the law allows, in years (《市场主体登记管理条例》第三十条).
pub const MAX_YEARS: u16 = 3;

/// The last day a dormancy that began on `from` may last: the same month
/// and day [`MAX_YEARS`] later, 29 February giving 28 February.
pub fn limit(from: Date) -> Date {
    let year = from.year + MAX_YEARS;
    let day = if from.month == 2 && from.day == 29 { 28 } else { from.day };
    Date { year, month: from.month, day }
}

/// A 歇业 row's term has ended on `on` (spec §6.3): its declared term ended
/// before `on`, or `on` is past the three-year limit. Unparsable dates count
/// as absent (the registry reader refuses them).
pub fn term_ended(from: &str, until: &str, on: &str) -> bool {
    let past_limit = Date::parse(from).is_ok_and(|f| limit(f).to_string().as_str() < on);
    (!until.is_empty() && until < on) || past_limit
}

/// `is_dormant(row, d)` of spec §6.3: the firm is 歇业 and its term has not
/// ended on `on`. A dormant firm is never recorded as unreachable at its
/// premises (result code `6`).
pub fn is_dormant(status: Status, from: &str, until: &str, on: &str) -> bool {
    status == Status::Dormant && !term_ended(from, until, on)
}

/// Whether a 歇业 row passes the status condition of a plan with
/// `scope.wake` (spec §6.3). `woken` are the plan's `[uscc, date]` pairs,
/// sorted by USCC; `as_of` may be `""` (no term is judged ended).
pub fn woken(uscc: &str, from: &str, until: &str, as_of: &str, woken: &[(String, String)]) -> bool {
    if !as_of.is_empty() && term_ended(from, until, as_of) {
        return true;
    }
    match woken.binary_search_by(|(u, _)| u.as_str().cmp(uscc)) {
        Ok(i) => from.is_empty() || woken[i].1.as_str() >= from,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_term_ends_after_its_last_day_or_three_years() {
        assert!(!term_ended("", "2026-12-01", "2026-12-01"), "the last day is still dormant");
        assert!(term_ended("", "2026-11-30", "2026-12-01"));
        assert!(!term_ended("2023-12-01", "", "2026-12-01"), "three years to the day");
        assert!(term_ended("2023-11-30", "", "2026-12-01"));
        assert!(term_ended("2024-02-29", "", "2027-03-01"));
        assert_eq!(limit(Date::parse("2024-02-29").unwrap()).to_string(), "2027-02-28");
        assert!(!term_ended("", "", "2026-12-01"), "no dates: dormant until woken");
    }

    #[test]
    fn a_wake_up_before_the_dormancy_began_does_not_count() {
        let w = vec![("A".to_string(), "2026-05-01".to_string())];
        assert!(woken("A", "2026-04-01", "", "2026-12-01", &w));
        assert!(!woken("A", "2026-06-01", "", "2026-12-01", &w));
        assert!(woken("A", "", "", "", &w));
        assert!(!woken("B", "", "", "2026-12-01", &w));
        assert!(!is_dormant(Status::Active, "", "", "2026-12-01"));
        assert!(is_dormant(Status::Dormant, "2026-01-01", "", "2026-12-01"));
    }
}
