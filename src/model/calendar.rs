//! Working days under the State Council holiday calendar, for the 20-working-day
//! deadline by which inspection results must be published.
//!
//! # What a working day is
//!
//! A date is a working day when it is a Monday–Friday that the State Council's
//! annual notice (《国务院办公厅关于××年部分节假日安排的通知》) does not make a
//! holiday, or a Saturday/Sunday that the notice makes a working day (调休, a
//! make-up workday). fairdraw knows no regional or sectoral calendar.
//!
//! # Counting
//!
//! The inspection date itself is never counted: day 1 is the first working day
//! *after* it, whatever day of the week the inspection fell on (an inspection on
//! a Saturday or during a holiday is allowed). The deadline for
//! `n` = 20 is the date of the 20th working day; publishing on that day is in
//! time. [`Calendar::working_days_between`] counts the same way, so
//! `working_days_between(s, add_working_days(s, n)) == n`.
//!
//! # Data
//!
//! The calendars are the JSON files in `data/holiday-cn/` (from
//! NateScarlet/holiday-cn, MIT licence, parsed from the State Council notices
//! listed in each file's `papers`), embedded in the binary with `include_str!`
//! so that nothing is read at run time. A file lists only the exceptions: the
//! days off and the make-up workdays, by their own date, which may lie in the
//! previous year (`2023.json` lists 2022-12-31, the New Year's holiday of 2023).
//!
//! # A year not yet published is an error, not a guess
//!
//! The State Council publishes each year's notice late in the year before
//! (October–December); until then nobody knows which weekdays will be holidays
//! and which weekends will be worked, and the Spring Festival week can fall
//! anywhere from late January to late February. A deadline computed from
//! weekends alone could be wrong by more than a week, and would look just as
//! authoritative once published, so any date in a year without a notice is
//! [`CalendarError::YearNotPublished`], and so is every computation that has to
//! look at such a date. Dates before the first shipped year are
//! [`CalendarError::OutOfRange`].
//!
//! The last days of December belong to two notices: next year's notice sets
//! the New Year's Day holiday, which has reached back into December (the 2019
//! notice made 2018-12-29, a Saturday, a working day and 2018-12-31, a Monday,
//! a holiday; the 2008 notice did the same to 2007-12-29 and 2007-12-31). So a
//! date on or after [`LAST_WEEK_OF_DECEMBER`] also needs next year's notice, and
//! without it is `YearNotPublished(next year)`.

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate};

use crate::model::date::{Date, DateError};

/// Why a working-day question cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The State Council has not published this year's holiday arrangements
    /// (or fairdraw does not ship them yet).
    #[error("the State Council has not published the {0} holiday calendar yet; fairdraw will not guess")]
    YearNotPublished(u16),
    /// The date lies before the first year of the calendar (2020 for the shipped data).
    #[error("{0} is earlier than any holiday calendar fairdraw has")]
    OutOfRange(Date),
}

/// Why holiday-cn year files do not make a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarFileError {
    #[error("holiday calendar is not JSON: {0}")]
    NotJson(String),
    #[error("holiday calendar has no numeric \"year\"")]
    NoYear,
    #[error("holiday calendar {0} has no \"days\" list")]
    NoDays(u16),
    #[error("holiday calendar {0} given twice")]
    Twice(u16),
    #[error("holiday calendar {year}: bad entry {entry}")]
    BadEntry { year: u16, entry: String },
    #[error("holiday calendar {year}: {source}")]
    BadDate { year: u16, source: DateError },
    #[error("holiday calendar {year} lists {date}, too far from its year")]
    TooFar { year: u16, date: Date },
    #[error("holiday calendars disagree on whether {0} is a day off")]
    Disagree(Date),
    #[error("no holiday calendar with any days: nothing is published")]
    NothingPublished,
    #[error("holiday calendar {gap} is missing between {first} and {last}")]
    Missing { gap: u16, first: u16, last: u16 },
}

/// Days of December from which next year's notice is needed too (see the module doc).
pub const LAST_WEEK_OF_DECEMBER: u8 = 25;

/// The shipped calendars, one `include_str!` per file in `data/holiday-cn/`.
/// A year whose notice is not out yet is shipped with an empty `days` list.
const OFFICIAL: &[(&str, &str)] = &[
    ("2020.json", include_str!("../../data/holiday-cn/2020.json")),
    ("2021.json", include_str!("../../data/holiday-cn/2021.json")),
    ("2022.json", include_str!("../../data/holiday-cn/2022.json")),
    ("2023.json", include_str!("../../data/holiday-cn/2023.json")),
    ("2024.json", include_str!("../../data/holiday-cn/2024.json")),
    ("2025.json", include_str!("../../data/holiday-cn/2025.json")),
    ("2026.json", include_str!("../../data/holiday-cn/2026.json")),
    ("2027.json", include_str!("../../data/holiday-cn/2027.json")),
];

/// The holiday calendars of a run of consecutive years.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The published years: `first..=last`, no gaps.
    first: u16,
    last: u16,
    /// Every exception listed by a notice: `false` for a day off, `true` for a
    /// make-up workday. Any other date is a working day iff it is Monday–Friday.
    exceptions: HashMap<Date, bool>,
    /// `counted[k]`: working days among the first `k` answerable days
    /// (from `first`-01-01), so that counts are a subtraction.
    counted: Vec<u32>,
}

impl Calendar {
    /// The calendars shipped in the binary, parsed once.
    pub fn official() -> &'static Calendar {
        static OFFICIAL_CALENDAR: OnceLock<Calendar> = OnceLock::new();
        OFFICIAL_CALENDAR.get_or_init(|| {
            let texts: Vec<&str> = OFFICIAL.iter().map(|(_, text)| *text).collect();
            Calendar::from_json(&texts).expect("the embedded holiday calendars are valid (tested)")
        })
    }

    /// Builds a calendar from holiday-cn year files (any order). A file with an
    /// empty `days` list stands for a year whose notice is not published; the
    /// published years must be consecutive.
    pub fn from_json(years: &[&str]) -> Result<Calendar, CalendarFileError> {
        let mut published = HashSet::new();
        let mut exceptions: HashMap<Date, bool> = HashMap::new();
        for text in years {
            let file: serde_json::Value =
                serde_json::from_str(text).map_err(|e| CalendarFileError::NotJson(e.to_string()))?;
            let year = file
                .get("year")
                .and_then(|y| y.as_u64())
                .and_then(|y| u16::try_from(y).ok())
                .ok_or(CalendarFileError::NoYear)?;
            let days = file.get("days").and_then(|d| d.as_array()).ok_or(CalendarFileError::NoDays(year))?;
            if days.is_empty() {
                continue;
            }
            if !published.insert(year) {
                return Err(CalendarFileError::Twice(year));
            }
            for entry in days {
                let bad = || CalendarFileError::BadEntry { year, entry: entry.to_string() };
                let date = entry.get("date").and_then(|d| d.as_str()).ok_or_else(bad)?;
                let date = Date::parse(date).map_err(|source| CalendarFileError::BadDate { year, source })?;
                let off = entry.get("isOffDay").and_then(|o| o.as_bool()).ok_or_else(bad)?;
                if date.year.abs_diff(year) > 1 {
                    return Err(CalendarFileError::TooFar { year, date });
                }
                let working = !off;
                match exceptions.insert(date, working) {
                    Some(before) if before != working => {
                        return Err(CalendarFileError::Disagree(date));
                    }
                    _ => {}
                }
            }
        }
        let (Some(&first), Some(&last)) = (published.iter().min(), published.iter().max()) else {
            return Err(CalendarFileError::NothingPublished);
        };
        if let Some(gap) = (first..=last).find(|y| !published.contains(y)) {
            return Err(CalendarFileError::Missing { gap, first, last });
        }
        let mut cal = Calendar { first, last, exceptions, counted: vec![0] };
        let mut day = Date { year: first, month: 1, day: 1 };
        while let Ok(working) = cal.is_working_day(day) {
            let so_far = *cal.counted.last().expect("starts with 0");
            cal.counted.push(so_far + u32::from(working));
            day = next_day(day);
        }
        Ok(cal)
    }

    /// The years whose notices are in this calendar (2020..=2026 for the shipped data).
    pub fn years(&self) -> RangeInclusive<u16> {
        self.first..=self.last
    }

    /// Whether `d` is a working day: Monday–Friday and not a holiday, or a make-up workday.
    pub fn is_working_day(&self, d: Date) -> Result<bool, CalendarError> {
        if d.year < self.first {
            return Err(CalendarError::OutOfRange(d));
        }
        if d.year > self.last {
            return Err(CalendarError::YearNotPublished(d.year));
        }
        if d.year == self.last && d.month == 12 && d.day >= LAST_WEEK_OF_DECEMBER {
            return Err(CalendarError::YearNotPublished(d.year.saturating_add(1)));
        }
        Ok(match self.exceptions.get(&d) {
            Some(&working) => working,
            None => weekday(d) <= 5,
        })
    }

    /// The date `n` working days after `start` (start itself not counted): the publication deadline for n = 20.
    ///
    /// `n` = 0 gives `start` back. Fails as soon as the count reaches a date the
    /// calendar cannot answer for, e.g. `YearNotPublished(2027)` for 2026-12-20 + 20.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date, CalendarError> {
        // Within the answerable days: the first day whose running count
        // reaches the start's plus n.
        if let Some(k) = self.position(start) {
            let want = self.counted[k + 1] + n;
            let j = self.counted.partition_point(|&c| c < want);
            if n == 0 {
                return Ok(start);
            }
            if j < self.counted.len() {
                return Ok(self.date_at(j - 1));
            }
        }
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = next_day(date);
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// Working days strictly after `start` up to and including `end` (for "how many days left/overdue").
    ///
    /// Negative when `end` is before `start`: `working_days_between(a, b) == -working_days_between(b, a)`.
    /// Every date in the half-open interval must be answerable; equal dates give 0.
    pub fn working_days_between(&self, start: Date, end: Date) -> Result<i64, CalendarError> {
        let (low, high, sign) = if start <= end { (start, end, 1) } else { (end, start, -1) };
        if let (Some(a), Some(b)) = (self.position(low), self.position(high)) {
            return Ok(sign * i64::from(self.counted[b + 1] - self.counted[a + 1]));
        }
        let mut count = 0i64;
        let mut date = low;
        while date < high {
            date = next_day(date);
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }
}

impl Calendar {
    /// Index of an answerable day (one whose working status is known).
    fn position(&self, d: Date) -> Option<usize> {
        let k = (d.to_naive() - self.first_day()).num_days();
        usize::try_from(k).ok().filter(|&k| k + 1 < self.counted.len())
    }

    fn date_at(&self, k: usize) -> Date {
        Date::from_naive(self.first_day() + Days::new(k as u64))
    }

    fn first_day(&self) -> NaiveDate {
        Date { year: self.first, month: 1, day: 1 }.to_naive()
    }
}

/// The ISO day of the week: 1 = Monday … 7 = Sunday.
pub fn weekday(d: Date) -> u8 {
    d.to_naive().weekday().number_from_monday() as u8
}

/// The following calendar day. Panics after 65535-12-31.
pub fn next_day(d: Date) -> Date {
    Date::from_naive(d.to_naive() + Days::new(1))
}

/// The preceding calendar day. Panics before 0000-01-01.
pub fn prev_day(d: Date) -> Date {
    Date::from_naive(d.to_naive() - Days::new(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn official() -> &'static Calendar {
        Calendar::official()
    }

    /// The precomputed counts give what counting day by day gives,
    /// errors included.
    #[test]
    fn counts_match_counting_day_by_day() {
        let cal = official();
        let slow_add = |start: Date, n: u32| -> Result<Date, CalendarError> {
            let (mut date, mut left) = (start, n);
            while left > 0 {
                date = next_day(date);
                if cal.is_working_day(date)? {
                    left -= 1;
                }
            }
            Ok(date)
        };
        let slow_between = |a: Date, b: Date| -> Result<i64, CalendarError> {
            let (mut date, mut count) = (a, 0);
            while date < b {
                date = next_day(date);
                count += i64::from(cal.is_working_day(date)?);
            }
            Ok(count)
        };
        let mut d = date("2019-12-20");
        let end = date("2027-01-10");
        let mut k = 0u32;
        while d < end {
            for n in [0, 1, 5, 20, 45] {
                assert_eq!(cal.add_working_days(d, n), slow_add(d, n), "{d} + {n}");
            }
            let other = Date::from_naive(d.to_naive() + Days::new(u64::from(k % 400)));
            assert_eq!(cal.working_days_between(d, other), slow_between(d, other), "{d}..{other}");
            d = next_day(d);
            k += 37;
        }
    }

    #[test]
    fn weekday_of_known_dates() {
        for (text, expected) in [
            ("1970-01-01", 4), // the epoch, a Thursday
            ("1900-01-01", 1),
            ("2000-02-29", 2),
            ("2000-03-01", 3),
            ("2024-02-29", 4),
            ("2025-01-01", 3),
            ("2025-10-01", 3),
            ("2026-01-01", 4),
            ("2026-02-17", 2), // 春节 2026 (正月初一)
            ("2026-12-31", 4),
            ("2100-03-01", 1), // 2100 is not a leap year
            ("2999-12-31", 2),
        ] {
            assert_eq!(weekday(date(text)), expected, "{text}");
        }
    }

    #[test]
    fn day_arithmetic_walks_every_real_date() {
        // Every date Date::parse accepts from 1900 to 2103, in order, one day apart,
        // with the weekday advancing by one.
        let mut d = date("1900-01-01");
        let mut count = 0;
        for year in 1900..=2103u16 {
            for month in 1..=12u8 {
                for day in 1..=31u8 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    let Ok(real) = Date::parse(&text) else { continue };
                    assert_eq!(d, real);
                    let next = next_day(d);
                    assert_eq!(prev_day(next), d);
                    assert_eq!(weekday(next), weekday(d) % 7 + 1, "{d}");
                    assert_eq!((next.to_naive() - d.to_naive()).num_days(), 1);
                    d = next;
                    count += 1;
                }
            }
        }
        assert_eq!(count, 204 * 365 + 49); // 49 leap years: 1904..=2096 except 1900 and 2100
        assert_eq!(d, date("2104-01-01"));
        assert_eq!(next_day(Date { year: 0, month: 12, day: 31 }), Date { year: 1, month: 1, day: 1 });
        assert_eq!(prev_day(Date { year: 0, month: 3, day: 1 }), Date { year: 0, month: 2, day: 29 });
        assert_eq!(next_day(date("1900-02-28")), date("1900-03-01"));
        assert_eq!(next_day(date("2000-02-28")), date("2000-02-29"));
        assert_eq!(prev_day(date("2026-01-01")), date("2025-12-31"));
    }

    /// Hand-checked publication deadlines (inspection date + 20 working days), each
    /// counted from the State Council notice in data/holiday-cn/ and cross-checked
    /// with an independent Python script (datetime + the same JSON files).
    /// "WD" is a working day, "补" a make-up workday (调休), "休" a holiday.
    const DEADLINES: &[(&str, &str)] = &[
        // 2025-01-20 (Mon). Spring Festival 2025: 补 01-26 (Sun), 休 01-28..02-04, 补 02-08 (Sat).
        // 01-21..24 = 1-4, 01-26 补 = 5, 01-27 = 6, [01-28..02-04 休], 02-05..07 = 7-9,
        // 02-08 补 = 10, 02-10..14 = 11-15, 02-17..21 = 16-20.
        ("2025-01-20", "2025-02-21"),
        // 2025-04-25 (Fri). Labour Day 2025: 补 04-27 (Sun), 休 05-01..05.
        // 04-27 补 = 1, 04-28..30 = 2-4, [05-01..05 休], 05-06..09 = 5-8, 05-12..16 = 9-13,
        // 05-19..23 = 14-18, 05-26..27 = 19-20.
        ("2025-04-25", "2025-05-27"),
        // 2025-09-25 (Thu). National Day + Mid-Autumn 2025: 补 09-28 (Sun), 休 10-01..08, 补 10-11 (Sat).
        // 09-26 = 1, 09-28 补 = 2, 09-29..30 = 3-4, [10-01..08 休], 10-09..10 = 5-6, 10-11 补 = 7,
        // 10-13..17 = 8-12, 10-20..24 = 13-17, 10-27..29 = 18-20.
        ("2025-09-25", "2025-10-29"),
        // 2025-10-01 (Wed), an inspection on a holiday: counting starts 10-02 all the same.
        // [10-02..08 休], 10-09..10 = 1-2, 10-11 补 = 3, 10-13..17 = 4-8, 10-20..24 = 9-13,
        // 10-27..31 = 14-18, 11-03..04 = 19-20.
        ("2025-10-01", "2025-11-04"),
        // 2025-12-24 (Wed), across the year: New Year 2026 休 01-01..03, 补 01-04 (Sun).
        // 12-25..26 = 1-2, 12-29..31 = 3-5, [01-01..03 休], 01-04 补 = 6, 01-05..09 = 7-11,
        // 01-12..16 = 12-16, 01-19..22 = 17-20.
        ("2025-12-24", "2026-01-22"),
        // 2026-02-10 (Tue). Spring Festival 2026: 补 02-14 (Sat), 休 02-15..23, 补 02-28 (Sat).
        // 02-11..13 = 1-3, 02-14 补 = 4, [02-15..23 休], 02-24..27 = 5-8, 02-28 补 = 9,
        // 03-02..06 = 10-14, 03-09..13 = 15-19, 03-16 = 20.
        ("2026-02-10", "2026-03-16"),
        // 2026-09-14 (Mon), a window with a make-up Sunday: 补 09-20 (Sun), 休 09-25..27 (Mid-Autumn),
        // 休 10-01..07, 补 10-10 (Sat).
        // 09-15..18 = 1-4, 09-20 补 = 5, 09-21..24 = 6-9, [09-25..27 休], 09-28..30 = 10-12,
        // [10-01..07 休], 10-08..09 = 13-14, 10-10 补 = 15, 10-12..16 = 16-20.
        ("2026-09-14", "2026-10-16"),
        // 2026-09-28 (Mon). National Day 2026: 休 10-01..07, 补 10-10 (Sat).
        // 09-29..30 = 1-2, [10-01..07 休], 10-08..09 = 3-4, 10-10 补 = 5, 10-12..16 = 6-10,
        // 10-19..23 = 11-15, 10-26..30 = 16-20.
        ("2026-09-28", "2026-10-30"),
        // 2026-11-20 (Fri), no holiday: 11-23..27 = 1-5, 11-30..12-04 = 6-10, 12-07..11 = 11-15,
        // 12-14..18 = 16-20 (the latest deadline the 2026 notice alone can settle).
        ("2026-11-20", "2026-12-18"),
    ];

    #[test]
    fn hand_checked_deadlines() {
        let cal = official();
        for &(start, deadline) in DEADLINES {
            let (start, deadline) = (date(start), date(deadline));
            assert_eq!(cal.add_working_days(start, 20), Ok(deadline), "{start} + 20");
            assert_eq!(cal.working_days_between(start, deadline), Ok(20), "{start}..{deadline}");
            assert_eq!(cal.working_days_between(deadline, start), Ok(-20), "{deadline}..{start}");
            assert_eq!(cal.is_working_day(deadline), Ok(true), "{deadline}");
            // The day before the deadline is still within 19 working days.
            assert_eq!(cal.working_days_between(start, prev_day(deadline)), Ok(19), "{start}");
        }
    }

    #[test]
    fn make_up_weekends_and_holiday_mondays() {
        let cal = official();
        for (text, working) in [
            ("2025-01-26", true),  // Sunday, 补 for Spring Festival 2025
            ("2025-02-08", true),  // Saturday, 补
            ("2025-09-28", true),  // Sunday, 补 for National Day 2025
            ("2025-10-11", true),  // Saturday, 补
            ("2026-01-04", true),  // Sunday, 补 for New Year 2026
            ("2026-02-14", true),  // Saturday, 补 for Spring Festival 2026
            ("2026-02-28", true),  // Saturday, 补
            ("2026-09-20", true),  // Sunday, 补 for National Day 2026
            ("2026-10-10", true),  // Saturday, 补
            ("2025-02-03", false), // Monday, 春节 2025
            ("2025-10-06", false), // Monday, 中秋 2025
            ("2026-02-16", false), // Monday, 春节 2026
            ("2026-02-23", false), // Monday, 春节 2026
            ("2026-10-05", false), // Monday, 国庆 2026
            ("2026-04-06", false), // Monday, 清明 2026
            ("2022-12-31", false), // Saturday, listed by the 2023 notice
            ("2020-01-31", false), // Friday, Spring Festival 2020 as extended (second notice in 2020.json)
            ("2020-02-03", true),  // Monday, back to work, listed as a working day in 2020.json
            ("2025-03-01", false), // ordinary Saturday
            ("2025-03-02", false), // ordinary Sunday
            ("2025-03-03", true),  // ordinary Monday
            ("2026-12-24", true),  // ordinary Thursday, last day before the next notice is needed
        ] {
            assert_eq!(official().is_working_day(date(text)), Ok(working), "{text}");
            assert_eq!(cal.is_working_day(date(text)), Ok(working), "{text}");
        }
    }

    #[test]
    fn unpublished_year_is_an_error() {
        let cal = official();
        assert_eq!(cal.years(), 2020..=2026);
        let y2027 = CalendarError::YearNotPublished(2027);
        assert_eq!(cal.is_working_day(date("2027-03-01")), Err(y2027.clone()));
        assert_eq!(cal.is_working_day(date("2027-01-01")), Err(y2027.clone()));
        // The last week of December 2026 waits for the 2027 notice (New Year's Day holiday).
        assert_eq!(cal.is_working_day(date("2026-12-25")), Err(y2027.clone()));
        assert_eq!(cal.is_working_day(date("2026-12-31")), Err(y2027.clone()));
        // The 20th working day after 2026-12-20 lies in 2027.
        assert_eq!(cal.add_working_days(date("2026-12-20"), 20), Err(y2027.clone()));
        // Would be 2026-12-29 on weekends alone; refused rather than guessed.
        assert_eq!(cal.add_working_days(date("2026-12-01"), 20), Err(y2027.clone()));
        assert_eq!(cal.working_days_between(date("2026-12-01"), date("2027-01-10")), Err(y2027.clone()));
        assert_eq!(cal.is_working_day(date("2099-06-01")), Err(CalendarError::YearNotPublished(2099)));
        assert_eq!(
            y2027.to_string(),
            "the State Council has not published the 2027 holiday calendar yet; fairdraw will not guess"
        );
        // Before the first shipped year.
        let early = date("2019-12-31");
        assert_eq!(cal.is_working_day(early), Err(CalendarError::OutOfRange(early)));
        assert_eq!(cal.add_working_days(date("2019-12-20"), 20), Err(CalendarError::OutOfRange(date("2019-12-21"))));
        // The late-December rule holds only at the end: December 2025 is settled by the 2026 notice.
        assert_eq!(cal.is_working_day(date("2025-12-31")), Ok(true));
    }

    #[test]
    fn counting_conventions() {
        let cal = official();
        let d = date("2025-06-03");
        assert_eq!(cal.add_working_days(d, 0), Ok(d));
        assert_eq!(cal.working_days_between(d, d), Ok(0));
        // An inspection on a Friday: the next working day is Monday.
        assert_eq!(cal.add_working_days(date("2025-06-06"), 1), Ok(date("2025-06-09")));
        // Within a holiday: nothing counts until the holiday ends.
        assert_eq!(cal.working_days_between(date("2025-10-01"), date("2025-10-08")), Ok(0));
        assert_eq!(cal.working_days_between(date("2025-10-01"), date("2025-10-09")), Ok(1));
        // Consistency over a whole year of starts and several n.
        let mut start = date("2025-01-01");
        while start.year == 2025 {
            for n in [1, 5, 20] {
                let end = cal.add_working_days(start, n).unwrap();
                assert_eq!(cal.working_days_between(start, end), Ok(i64::from(n)), "{start} + {n}");
                assert_eq!(cal.is_working_day(end), Ok(true));
            }
            start = next_day(start);
        }
    }

    #[test]
    fn from_json_validates() {
        let file = |year: u16, days: &str| format!(r#"{{"year": {year}, "papers": [], "days": [{days}]}}"#);
        let y2030 = file(2030, r#"{"name": "元旦", "date": "2030-01-01", "isOffDay": true}"#);
        let y2031 = file(2031, r#"{"name": "元旦", "date": "2031-01-01", "isOffDay": true}"#);
        let y2032 = file(2032, "");
        let cal = Calendar::from_json(&[&y2031, &y2032, &y2030]).unwrap();
        assert_eq!(cal.years(), 2030..=2031);
        assert_eq!(cal.is_working_day(date("2030-01-01")), Ok(false)); // a Tuesday
        assert_eq!(cal.is_working_day(date("2030-01-02")), Ok(true));
        assert_eq!(cal.is_working_day(date("2032-01-05")), Err(CalendarError::YearNotPublished(2032)));

        let y2033 = file(2033, r#"{"name": "元旦", "date": "2033-01-03", "isOffDay": true}"#);
        assert!(Calendar::from_json(&[&y2030, &y2033]).unwrap_err().to_string().contains("2031 is missing"));
        assert!(Calendar::from_json(&[&y2032]).is_err());
        assert!(Calendar::from_json(&[]).is_err());
        assert!(Calendar::from_json(&["{"]).is_err());
        assert!(Calendar::from_json(&[&y2030, &y2030]).unwrap_err().to_string().contains("twice"));
        // A working-day entry on a weekday is harmless (2020.json marks Monday 2020-02-03, the end of
        // the extended Spring Festival, that way).
        let weekday_work = file(2030, r#"{"name": "x", "date": "2030-01-02", "isOffDay": false}"#);
        assert_eq!(Calendar::from_json(&[&weekday_work]).unwrap().is_working_day(date("2030-01-02")), Ok(true));
        let far = file(2030, r#"{"name": "x", "date": "2035-01-02", "isOffDay": true}"#);
        assert!(Calendar::from_json(&[&far]).unwrap_err().to_string().contains("too far"));
        let bad_date = file(2030, r#"{"name": "x", "date": "2030-02-30", "isOffDay": true}"#);
        assert!(Calendar::from_json(&[&bad_date]).is_err());
        let no_flag = file(2030, r#"{"name": "x", "date": "2030-02-03"}"#);
        assert!(Calendar::from_json(&[&no_flag]).is_err());
        // Two notices listing the same day must agree (2023's lists 2022-12-31).
        let a = file(2030, r#"{"name": "x", "date": "2030-12-28", "isOffDay": false}"#);
        let b = file(2031, r#"{"name": "x", "date": "2030-12-28", "isOffDay": true}"#);
        assert!(Calendar::from_json(&[&a, &b]).unwrap_err().to_string().contains("disagree"));
        let c = file(2031, r#"{"name": "x", "date": "2030-12-28", "isOffDay": false}"#);
        assert!(Calendar::from_json(&[&a, &c]).is_ok());
    }

    /// The embedded list covers every file in data/holiday-cn/, byte for byte.
    #[test]
    fn embedded_data_is_the_data_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/holiday-cn");
        let dir = if dir.is_dir() { dir } else { source_dir().join("../data/holiday-cn") };
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".json"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = OFFICIAL.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded, "add an include_str! line to OFFICIAL for each year file");
        for (name, text) in OFFICIAL {
            assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), *text, "{name}");
        }
    }

    /// The embedded files are holiday-cn's files unchanged: their SHA-256
    /// digests are the ones recorded in `data/holiday-cn/SHA256SUMS` (which
    /// `sha256sum -c` checks too), so an edit to a year file fails here in
    /// every clone.
    #[test]
    fn embedded_data_matches_the_recorded_checksums() {
        use sha2::{Digest, Sha256};
        let recorded: Vec<(&str, &str)> = include_str!("../../data/holiday-cn/SHA256SUMS")
            .lines()
            .map(|line| {
                let (digest, name) = line.split_once("  ").expect("sha256sum format: DIGEST, two spaces, NAME");
                (name, digest)
            })
            .collect();
        let computed: Vec<(&str, String)> =
            OFFICIAL.iter().map(|(name, text)| (*name, hex::encode(Sha256::digest(text.as_bytes())))).collect();
        let recorded_names: Vec<&str> = recorded.iter().map(|(n, _)| *n).collect();
        let embedded_names: Vec<&str> = computed.iter().map(|(n, _)| *n).collect();
        assert_eq!(recorded_names, embedded_names, "SHA256SUMS lists every embedded year file");
        for ((name, want), (_, got)) in recorded.iter().zip(&computed) {
            assert_eq!(want, got, "{name} is not the file whose digest SHA256SUMS records");
        }
    }

    /// Where the project's shared data sits beside the checkout (developers'
    /// machines, CI), its copies are the embedded files too. Elsewhere the
    /// check above still pins the content; the skip is said past the
    /// harness's output capture.
    #[test]
    fn embedded_data_matches_shared_files() {
        let candidates = [
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/holiday-cn"),
            source_dir().join("../../shared/data/holiday-cn"),
        ];
        let Some(shared) = candidates.iter().find(|dir| dir.is_dir()) else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED calendar::tests::embedded_data_matches_shared_files: no shared/data/holiday-cn \
                 beside the checkout\n"
            );
            return;
        };
        let mut count = 0;
        for entry in std::fs::read_dir(shared).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if !name.ends_with(".json") {
                continue;
            }
            let text = std::fs::read_to_string(shared.join(&name)).unwrap();
            let embedded = OFFICIAL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
            assert_eq!(embedded, Some(text.as_str()), "{name} differs from {}", shared.display());
            count += 1;
        }
        assert_eq!(count, OFFICIAL.len());
    }

    /// The directory of this source file (works when it is compiled from another crate via `#[path]`).
    fn source_dir() -> std::path::PathBuf {
        let file = std::path::Path::new(file!());
        let file = if file.is_absolute() {
            file.to_path_buf()
        } else {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
        };
        file.parent().unwrap().to_path_buf()
    }
}
