//! Calendar dates as registries write them (spec §1.5).
//!
//! [`Date`] is the value the registries and plans hold (year, month and day,
//! as written); every computation on dates — validity, leap years, day
//! arithmetic, weekdays, time zones — goes through `chrono::NaiveDate`
//! ([`Date::to_naive`], [`Date::from_naive`]).

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A proleptic Gregorian date; ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// Why a text is not a [`Date`]; each variant carries the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("\"{0}\" is not a date (YYYY-MM-DD)")]
    NotADate(String),
    #[error("\"{0}\": year must be between 1900 and 2999")]
    YearOutOfRange(String),
    #[error("\"{0}\" is not a real calendar date")]
    NotReal(String),
}

/// Why a text is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not RFC 3339: {source}")]
pub struct TimeError {
    pub text: String,
    pub source: chrono::ParseError,
}

impl Date {
    /// Accepts `YYYY-M-D`, `YYYY/M/D`, `YYYY.M.D` and `YYYYMMDD`.
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let bad = || DateError::NotADate(text.to_string());
        let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            vec![&text[..4], &text[4..6], &text[6..]]
        } else {
            text.split(['-', '/', '.']).collect()
        };
        if parts.len() != 3
            || parts[0].len() != 4
            || !(1..=2).contains(&parts[1].len())
            || !(1..=2).contains(&parts[2].len())
            || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let year: u16 = parts[0].parse().map_err(|_| bad())?;
        let month: u8 = parts[1].parse().map_err(|_| bad())?;
        let day: u8 = parts[2].parse().map_err(|_| bad())?;
        if !(1900..=2999).contains(&year) {
            return Err(DateError::YearOutOfRange(text.to_string()));
        }
        match NaiveDate::from_ymd_opt(year.into(), month.into(), day.into()) {
            Some(d) => Ok(Date::from_naive(d)),
            None => Err(DateError::NotReal(text.to_string())),
        }
    }
}

/// China Standard Time, UTC+8 all year (no daylight saving since 1991).
fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

impl Date {
    /// The same day as a `chrono` date, for every computation on dates.
    pub fn to_naive(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year.into(), self.month.into(), self.day.into())
            .unwrap_or_else(|| panic!("{self:?} is not a real calendar date"))
    }

    /// The same day as a [`Date`]. Panics if the year does not fit in a `u16`.
    pub fn from_naive(d: NaiveDate) -> Date {
        let year = u16::try_from(d.year()).unwrap_or_else(|_| panic!("year {} is out of range for a Date", d.year()));
        Date { year, month: d.month() as u8, day: d.day() as u8 }
    }

    /// Today's date in China.
    pub fn china_today() -> Date {
        Date::from_naive(chrono::Utc::now().with_timezone(&china()).date_naive())
    }
}

/// The China (UTC+8) date of an RFC 3339 time: a result published at
/// 07:44 Beijing time on 1 December (23:44 UTC on 30 November) is
/// published on 1 December.
pub fn china_date_of(rfc3339: &str) -> Result<Date, TimeError> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map_err(|source| TimeError { text: rfc3339.to_string(), source })?;
    Ok(Date::from_naive(t.with_timezone(&china()).date_naive()))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_accepted() {
        for t in ["2026-12-01", "2026/12/1", "2026.12.01", "20261201", "2026-12-1"] {
            assert_eq!(Date::parse(t).unwrap().to_string(), "2026-12-01", "{t}");
        }
    }

    #[test]
    fn impossible_dates_rejected() {
        for t in ["2026-02-29", "2026-13-01", "2026-00-10", "26-1-1", "2026-1", "", "2026-01-01T00"] {
            assert!(Date::parse(t).is_err(), "{t}");
        }
        assert!(Date::parse("2024-02-29").is_ok());
    }

    #[test]
    fn china_dates_are_utc_plus_8() {
        assert_eq!(china_date_of("2026-11-30T23:44:00Z").unwrap().to_string(), "2026-12-01");
        assert_eq!(china_date_of("2026-11-30T15:59:59Z").unwrap().to_string(), "2026-11-30");
        assert_eq!(china_date_of("2026-12-31T16:00:00Z").unwrap().to_string(), "2027-01-01");
        assert!(china_date_of("yesterday").is_err());
    }
}
