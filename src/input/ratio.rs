//! Exact decimal ratios such as "5%" or "0.05" (spec §3.1).
//!
//! Sample sizes are `ceil(ratio × N)` in integers: a ratio is kept as
//! `digits / 10^scale` and never touches floating point.

use std::fmt;

use crate::input::table;

/// A ratio in [0, 1], exactly `numer / 10^scale`, stored in lowest terms of
/// ten (no trailing zero digits in `numer` unless it is zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    numer: u64,
    scale: u32,
}

/// The most fractional digits a ratio may carry, as written and as a
/// fraction (keeps `N × numer` in u128).
const MAX_SCALE: usize = 18;

/// The most digits before the decimal point: "100%" needs three.
const MAX_INTEGER_DIGITS: usize = 3;

/// Why a text is not a ratio (spec §3.1); the message completes "ratio … ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatioError {
    #[error("is not a ratio such as \"5%\" or \"0.05\" (digits, optionally a point and decimals, optionally %)")]
    Syntax,
    #[error("has more than {} digits before the decimal point", MAX_INTEGER_DIGITS)]
    IntegerDigits,
    #[error("has more than {} decimals (as a fraction: 5% is 0.05)", MAX_SCALE)]
    Decimals,
    #[error("is more than 100%")]
    OverOne,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { numer: 0, scale: 0 };

    /// Parses `D` or `D%` (spec §3.1): `D` is 1–3 digits, optionally a `.`
    /// and 1–18 digits; the lengths are checked before any arithmetic, so a
    /// ratio of thousands of digits is refused, never converted.
    pub fn parse(text: &str) -> Result<Ratio, RatioError> {
        let t = table::trim(text);
        let (body, percent) = match t.strip_suffix('%') {
            Some(b) => (table::trim(b), true),
            None => (t, false),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits_ok(int) || !digits_ok(frac) || (body.contains('.') && frac.is_empty()) {
            return Err(RatioError::Syntax);
        }
        if int.len() > MAX_INTEGER_DIGITS {
            return Err(RatioError::IntegerDigits);
        }
        let frac = if frac.len() > MAX_SCALE { None } else { Some(frac.trim_end_matches('0')) };
        let scale = frac.map(|f| f.len() + if percent { 2 } else { 0 }).filter(|&s| s <= MAX_SCALE);
        let (Some(frac), Some(scale)) = (frac, scale) else {
            return Err(RatioError::Decimals);
        };
        // At most 3 + 18 digits: exact in u128.
        let numer: u128 = format!("{int}{frac}").parse().expect("1 to 21 ASCII digits");
        if numer > 10u128.pow(scale as u32) {
            return Err(RatioError::OverOne);
        }
        Ok(Ratio { numer: numer as u64, scale: scale as u32 }.reduced())
    }

    fn reduced(mut self) -> Ratio {
        if self.numer == 0 {
            return Ratio::ZERO;
        }
        while self.scale > 0 && self.numer.is_multiple_of(10) {
            self.numer /= 10;
            self.scale -= 1;
        }
        self
    }

    /// `ceil(self × n)`, exactly.
    pub fn ceil_times(self, n: u64) -> u64 {
        let denom = 10u128.pow(self.scale);
        let prod = self.numer as u128 * n as u128;
        prod.div_ceil(denom) as u64
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Ratio) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Ratio) -> std::cmp::Ordering {
        let s = self.scale.max(other.scale);
        let a = self.numer as u128 * 10u128.pow(s - self.scale);
        let b = other.numer as u128 * 10u128.pow(s - other.scale);
        a.cmp(&b)
    }
}

/// The canonical form: shortest decimal string ("0.05", "1", "0").
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.numer);
        }
        let denom = 10u64.pow(self.scale);
        let frac = format!("{:0width$}", self.numer % denom, width = self.scale as usize);
        write!(f, "{}.{}", self.numer / denom, frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        for (input, canon) in [
            ("5%", "0.05"),
            ("0.05", "0.05"),
            ("0.050", "0.05"),
            ("100%", "1"),
            ("1", "1"),
            ("0%", "0"),
            ("12.5%", "0.125"),
            ("007%", "0.07"),
            ("0.0000001", "0.0000001"),
            (" 5 % ", "0.05"),
            ("\u{3000}5%", "0.05"),
            ("0.000000000000000001", "0.000000000000000001"),
            ("0.0000000000000001%", "0.000000000000000001"),
            ("100.000000000000000000%", "1"),
        ] {
            assert_eq!(Ratio::parse(input).unwrap().to_string(), canon, "{input}");
        }
    }

    #[test]
    fn rejects_junk() {
        for bad in [
            "",
            "%",
            "abc",
            "-5%",
            "+5%",
            "1e-2",
            "5.%",
            ".5",
            "101%",
            "1.5",
            "0x10",
            "5 %%",
            "5\n%",
            "0005%",
            "0.0000000000000000001",
            "0.00000000000000001%",
            "0.1000000000000000000",
        ] {
            assert!(Ratio::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn thousands_of_leading_zeros_are_refused_not_converted() {
        let zeros = "0".repeat(4999);
        assert_eq!(Ratio::parse(&format!("{zeros}1")).unwrap_err(), RatioError::IntegerDigits);
        assert_eq!(RatioError::IntegerDigits.to_string(), "has more than 3 digits before the decimal point");
        assert!(Ratio::parse(&format!("0.{zeros}1")).unwrap_err().to_string().contains("more than 18 decimals"));
    }

    #[test]
    fn ceiling_is_exact() {
        let r = Ratio::parse("2%").unwrap();
        assert_eq!(r.ceil_times(100), 2);
        assert_eq!(r.ceil_times(101), 3);
        assert_eq!(r.ceil_times(0), 0);
        // 0.1 has no exact binary form: 0.1 × 30 must be exactly 3, not 4.
        assert_eq!(Ratio::parse("0.1").unwrap().ceil_times(30), 3);
        assert_eq!(Ratio::parse("1").unwrap().ceil_times(10_000_000), 10_000_000);
    }

    #[test]
    fn ordering() {
        assert!(Ratio::parse("5%").unwrap() < Ratio::parse("0.3").unwrap());
        assert_eq!(Ratio::parse("30%").unwrap(), Ratio::parse("0.30").unwrap());
    }
}
