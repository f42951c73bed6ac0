//! Unified Social Credit Code (统一社会信用代码) check, GB 32100-2015.
//!
//! An 18-character code over a 31-letter alphabet whose last character is a
//! mod-31 check over the first 17 (spec §2).

/// The GB 32100 alphabet; a character's value is its index here.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first 17 characters in the check sum.
pub const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("must be 18 characters, found {0}")]
    Length(usize),
    #[error("character '{ch}' at position {pos} is not allowed (alphabet 0-9A-HJ-NP-RTUW-Y)")]
    Character { pos: usize, ch: char },
    #[error("check character is '{found}', expected '{expected}'")]
    CheckDigit { found: char, expected: char },
}

fn value(byte: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == byte).map(|v| v as u32)
}

/// The check character for the first 17 characters of a code, or `None` when
/// one of them is outside the alphabet.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in first17.iter().zip(WEIGHTS.iter()) {
        sum += value(b)? * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// Validates an already upper-cased code.
pub fn validate(code: &str) -> Result<(), UsccError> {
    let chars = code.chars().count();
    if chars != 18 || code.len() != 18 {
        return Err(UsccError::Length(chars));
    }
    let bytes = code.as_bytes();
    for (pos, &b) in bytes.iter().enumerate() {
        if value(b).is_none() {
            return Err(UsccError::Character { pos: pos + 1, ch: b as char });
        }
    }
    let expected = check_char(&bytes[..17]).expect("alphabet checked above");
    if bytes[17] != expected {
        return Err(UsccError::CheckDigit { found: bytes[17] as char, expected: expected as char });
    }
    Ok(())
}

/// Upper-cases ASCII letters, the only normalisation the spec allows (§1.1).
pub fn normalize(raw: &str) -> String {
    raw.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on public business licences.
        for code in ["91110000600037341L", "91440300708461136T"] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
    }

    #[test]
    fn rejects_bad_check_length_and_alphabet() {
        assert!(matches!(validate("91110000600037341X"), Err(UsccError::CheckDigit { .. })));
        assert_eq!(validate("9111"), Err(UsccError::Length(4)));
        assert!(matches!(validate("9111000060003734IL"), Err(UsccError::Character { pos: 17, ch: 'I' })));
    }

    #[test]
    fn check_char_completes_any_prefix() {
        let prefix = b"91330100MA2CXXXXX";
        let c = check_char(prefix).unwrap();
        let mut full = prefix.to_vec();
        full.push(c);
        assert_eq!(validate(std::str::from_utf8(&full).unwrap()), Ok(()));
    }
}
