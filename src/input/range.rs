//! Range filters (spec §6.2): inclusive bounds on a registry column, either
//! dates or decimal numbers. Numbers are compared as decimal strings, never
//! converted, so any length compares exactly and no float is involved.

use std::cmp::Ordering;

use crate::model::date::Date;

/// What a ranged column holds, decided by its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    Date,
    Number,
}

/// One `scope.range` entry with canonical bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub column: String,
    pub kind: RangeKind,
    pub min: Option<String>,
    pub max: Option<String>,
}

/// Why a bound or a registry value is not of its range's kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("is neither a number (digits, optionally with a decimal fraction) nor a date such as 2024-01-01")]
    NotABound,
    #[error("is not a number (digits, optionally with a decimal fraction)")]
    NotANumber,
    #[error("is not a date: {0}")]
    NotADate(String),
}

/// Whether `text` is ASCII digits, optionally `.` and more ASCII digits.
pub fn is_decimal(text: &str) -> bool {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// The integer part without leading zeros (at least one digit) and the
/// fraction without trailing zeros, of a text [`is_decimal`] accepted.
fn parts(text: &str) -> (&str, &str) {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let int = int.trim_start_matches('0');
    (if int.is_empty() { "0" } else { int }, frac.trim_end_matches('0'))
}

/// The shortest form of a decimal: `"0100.50"` → `"100.5"`.
pub fn canonical_decimal(text: &str) -> String {
    match parts(text) {
        (int, "") => int.to_string(),
        (int, frac) => format!("{int}.{frac}"),
    }
}

/// Compares two texts [`is_decimal`] accepted by their values.
pub fn compare_decimals(a: &str, b: &str) -> Ordering {
    let ((ai, af), (bi, bf)) = (parts(a), parts(b));
    // Without leading zeros a longer integer part is a larger number; the
    // fractions, without trailing zeros, compare digit by digit.
    ai.len().cmp(&bi.len()).then_with(|| ai.cmp(bi)).then_with(|| af.cmp(bf))
}

/// A bound as the plan wrote it, in canonical form with its kind.
pub fn parse_bound(text: &str) -> Result<(RangeKind, String), RangeError> {
    if is_decimal(text) {
        return Ok((RangeKind::Number, canonical_decimal(text)));
    }
    Date::parse(text).map(|d| (RangeKind::Date, d.to_string())).map_err(|_| RangeError::NotABound)
}

impl RangeKind {
    /// A registry value of this kind as the snapshot holds it: dates as
    /// `YYYY-MM-DD`, numbers as written; empty stays empty.
    pub fn normalize(self, value: &str) -> Result<String, RangeError> {
        match self {
            _ if value.is_empty() => Ok(String::new()),
            RangeKind::Date => {
                Date::parse(value).map(|d| d.to_string()).map_err(|e| RangeError::NotADate(e.to_string()))
            }
            RangeKind::Number if is_decimal(value) => Ok(value.to_string()),
            RangeKind::Number => Err(RangeError::NotANumber),
        }
    }

    fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            RangeKind::Date => a.cmp(b),
            RangeKind::Number => compare_decimals(a, b),
        }
    }
}

impl Range {
    /// Whether a normalised value lies in the range; an empty value never does.
    pub fn contains(&self, value: &str) -> bool {
        !value.is_empty()
            && self.min.as_deref().is_none_or(|m| self.kind.compare(m, value) != Ordering::Greater)
            && self.max.as_deref().is_none_or(|m| self.kind.compare(value, m) != Ordering::Greater)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly_without_floats() {
        assert_eq!(compare_decimals("0100.50", "100.5"), Ordering::Equal);
        assert_eq!(compare_decimals("99", "100"), Ordering::Less);
        assert_eq!(compare_decimals("0.05", "0.5"), Ordering::Less);
        assert_eq!(compare_decimals("0.5", "0.51"), Ordering::Less);
        // Beyond f64's 53 bits: 2^53 + 1 is above 2^53.
        assert_eq!(compare_decimals("9007199254740993", "9007199254740992"), Ordering::Greater);
        assert_eq!(canonical_decimal("000"), "0");
        assert_eq!(canonical_decimal("1.000"), "1");
    }

    #[test]
    fn bounds_are_numbers_or_dates_and_nothing_else() {
        assert_eq!(parse_bound("20240101"), Ok((RangeKind::Number, "20240101".into())));
        assert_eq!(parse_bound("2024/1/5"), Ok((RangeKind::Date, "2024-01-05".into())));
        for bad in ["-5", "+5", "1e3", "1,000", ".5", "5.", "", "2024-02-30", "５"] {
            assert_eq!(parse_bound(bad), Err(RangeError::NotABound), "{bad}");
        }
    }

    #[test]
    fn bounds_are_inclusive_and_empty_is_outside() {
        let r = Range { column: "x".into(), kind: RangeKind::Number, min: Some("10".into()), max: Some("20".into()) };
        assert!(r.contains("10") && r.contains("20.0") && r.contains("015"));
        assert!(!r.contains("9.999") && !r.contains("20.01") && !r.contains(""));
        let open = Range { column: "d".into(), kind: RangeKind::Date, min: Some("2024-01-01".into()), max: None };
        assert!(open.contains("2024-01-01") && open.contains("2999-12-31") && !open.contains("2023-12-31"));
    }
}
