//! GS1 mod-10 check digits and the GTIN type (every GTIN stored as 14 digits, so one item is
//! found whichever of its EAN-8/UPC-A/EAN-13/GTIN-14 forms is scanned).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The GS1 mod-10 check digit for `body` (all digits except the check digit).
/// Returns `None` when `body` has a non-digit.
pub fn mod10(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether the last digit of `digits` is its correct GS1 check digit.
pub fn has_valid_check_digit(digits: &str) -> bool {
    match digits.len() {
        0 | 1 => false,
        n => match (mod10(&digits[..n - 1]), digits.as_bytes()[n - 1]) {
            (Some(expected), last) => last == b'0' + expected,
            _ => false,
        },
    }
}

/// A check-digit failure, saying which digit was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("{0:?} is not a GTIN: it must be 8, 12, 13 or 14 digits")]
    Length(String),
    #[error("{0:?} is not a GTIN: it contains a non-digit")]
    NotDigits(String),
    #[error("{code:?} has check digit {found}, but {expected} is correct")]
    CheckDigit {
        code: String,
        found: char,
        expected: u8,
    },
}

/// Verifies a GS1 key's check digit, reporting the digit that should have been there.
pub fn verify_check_digit(code: &str) -> Result<(), GtinError> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GtinError::NotDigits(code.to_string()));
    }
    let n = code.len();
    let expected = mod10(&code[..n - 1]).unwrap_or(0);
    let found = code.as_bytes()[n - 1] as char;
    if found as u8 == b'0' + expected {
        Ok(())
    } else {
        Err(GtinError::CheckDigit {
            code: code.to_string(),
            found,
            expected,
        })
    }
}

/// A Global Trade Item Number, normalised to 14 digits with a verified check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

impl Gtin {
    /// Accepts GTIN-8, -12, -13 or -14 and left-pads it to 14 digits.
    pub fn parse(code: &str) -> Result<Self, GtinError> {
        if !matches!(code.len(), 8 | 12 | 13 | 14) {
            return Err(GtinError::Length(code.to_string()));
        }
        verify_check_digit(code)?;
        Ok(Self(format!("{code:0>14}")))
    }

    /// The 14-digit form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shortest conventional form: GTIN-8 or GTIN-13 where the leading zeros allow, else 14.
    pub fn short_form(&self) -> &str {
        if let Some(rest) = self.0.strip_prefix("000000") {
            rest
        } else if let Some(rest) = self.0.strip_prefix('0') {
            rest
        } else {
            &self.0
        }
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Gtin {
    type Error = GtinError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Gtin> for String {
    fn from(g: Gtin) -> Self {
        g.0
    }
}

/// Expands an 8-digit UPC-E (number system, six digits, check digit) to its 12-digit UPC-A form.
/// Returns `None` when the number system is not 0 or 1 or a character is not a digit.
pub fn upce_to_upca(upce: &str) -> Option<String> {
    let b = upce.as_bytes();
    if b.len() != 8 || !upce.bytes().all(|c| c.is_ascii_digit()) || !matches!(b[0], b'0' | b'1') {
        return None;
    }
    let ns = b[0] as char;
    let d: Vec<char> = upce[1..7].chars().collect();
    let check = b[7] as char;
    let body: String = match d[5] {
        '0' | '1' | '2' => format!("{}{}{}0000{}{}{}", d[0], d[1], d[5], d[2], d[3], d[4]),
        '3' => format!("{}{}{}00000{}{}", d[0], d[1], d[2], d[3], d[4]),
        '4' => format!("{}{}{}{}00000{}", d[0], d[1], d[2], d[3], d[4]),
        _ => format!("{}{}{}{}{}0000{}", d[0], d[1], d[2], d[3], d[4], d[5]),
    };
    Some(format!("{ns}{body}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_keys() {
        assert_eq!(mod10("950600013435"), Some(2)); // EAN-13 9506000134352
        assert_eq!(mod10("0950600013435"), Some(2)); // same as GTIN-14 body
        assert_eq!(mod10("9638507"), Some(4)); // EAN-8 96385074
        assert_eq!(mod10("03600029145"), Some(2)); // UPC-A 036000291452
        assert!(has_valid_check_digit("106141411234567897")); // SSCC from GS1 examples
        assert_eq!(mod10("12a"), None);
        assert!(has_valid_check_digit("96385074"));
        assert!(!has_valid_check_digit("96385075"));
    }

    #[test]
    fn gtins_normalise_to_14_digits() {
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!(
            Gtin::parse("9506000134352").unwrap().as_str(),
            "09506000134352"
        );
        assert_eq!(
            Gtin::parse("09506000134352").unwrap().short_form(),
            "9506000134352"
        );
        assert_eq!(Gtin::parse("96385074").unwrap().short_form(), "96385074");
    }

    #[test]
    fn bad_gtins_say_which_digit_was_expected() {
        assert_eq!(
            Gtin::parse("9506000134353"),
            Err(GtinError::CheckDigit {
                code: "9506000134353".into(),
                found: '3',
                expected: 2
            })
        );
        assert!(matches!(Gtin::parse("12345"), Err(GtinError::Length(_))));
        assert!(matches!(
            Gtin::parse("95060001343A2"),
            Err(GtinError::NotDigits(_))
        ));
    }

    #[test]
    fn upce_expands_by_the_last_digit_rule() {
        // UPC-E 04252614 is UPC-A 042100005264, a well-known example.
        assert_eq!(upce_to_upca("04252614").as_deref(), Some("042100005264"));
        assert!(has_valid_check_digit("042100005264"));
        assert_eq!(upce_to_upca("01234565").as_deref(), Some("012345000065"));
        assert_eq!(upce_to_upca("21234565"), None);
    }
}
