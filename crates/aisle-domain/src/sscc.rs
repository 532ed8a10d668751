//! Serial Shipping Container Codes for cartons packed offline.
//!
//! An SSCC is 18 digits: an extension digit, the company's GS1 prefix, a serial reference and a
//! mod-10 check digit. A tablet packs with no network, so it cannot ask anyone for the next
//! number: the server hands each device a block of serial references no other device holds
//! ([`SsccBlock`]), and the device mints from it. Two tablets therefore never label two cartons
//! alike, whatever order they sync in.

use crate::scan::gtin::mod10;
use serde::{Deserialize, Serialize};

/// Why an SSCC cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsccError {
    Prefix(String),
    Extension(u8),
    Serial {
        serial: u64,
        digits: usize,
        prefix: String,
    },
    NotSscc(String),
}

/// The English words, from [`SsccError::said`] (one text for the CLI, logs and the catalogs' English).
impl std::fmt::Display for SsccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said().text)
    }
}

impl std::error::Error for SsccError {}

impl SsccError {
    /// The message for a person, with its catalog key (see [`crate::said`]).
    pub fn said(&self) -> crate::Said {
        match self {
            Self::Prefix(prefix) => said!(
                "sscc.prefix",
                "the GS1 company prefix {prefix:?} must be 7 to 10 digits",
                prefix = prefix.clone()
            ),
            Self::Extension(digit) => said!(
                "sscc.extension",
                "the extension digit must be 0 to 9, not {digit}",
                digit = *digit
            ),
            Self::Serial {
                serial,
                digits,
                prefix,
            } => said!(
                "sscc.serial",
                "serial reference {serial} does not fit in the {digits} digits prefix {prefix} leaves",
                serial = serial.to_string(),
                digits = *digits,
                prefix = prefix.clone()
            ),
            Self::NotSscc(code) => said!(
                "sscc.not_sscc",
                "{code:?} is not an SSCC: 18 digits with a valid check digit",
                code = code.clone()
            ),
        }
    }
}

/// The largest serial reference a prefix leaves room for.
pub fn max_serial(prefix: &str) -> u64 {
    let digits = 16usize.saturating_sub(prefix.len()) as u32;
    10u64.saturating_pow(digits) - 1
}

/// Builds the SSCC `extension, prefix, serial (zero-padded), check digit`.
pub fn mint(extension: u8, prefix: &str, serial: u64) -> Result<String, SsccError> {
    if !(7..=10).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SsccError::Prefix(prefix.to_string()));
    }
    if extension > 9 {
        return Err(SsccError::Extension(extension));
    }
    let digits = 16 - prefix.len();
    if serial > max_serial(prefix) {
        return Err(SsccError::Serial {
            serial,
            digits,
            prefix: prefix.to_string(),
        });
    }
    let body = format!("{extension}{prefix}{serial:0digits$}");
    let check = mod10(&body).ok_or_else(|| SsccError::NotSscc(body.clone()))?;
    Ok(format!("{body}{check}"))
}

/// Checks that `code` is an SSCC: 18 digits, correct check digit.
pub fn check(code: &str) -> Result<(), SsccError> {
    if code.len() == 18 && crate::scan::gtin::has_valid_check_digit(code) {
        Ok(())
    } else {
        Err(SsccError::NotSscc(code.to_string()))
    }
}

/// Serial references `first..first + count` under `prefix`, handed to one device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsccBlock {
    pub extension: u8,
    pub prefix: String,
    pub first: u64,
    pub count: u64,
}

impl SsccBlock {
    /// The `n`th SSCC of the block (from 0), or `None` past its end.
    pub fn nth(&self, n: u64) -> Option<Result<String, SsccError>> {
        (n < self.count).then(|| mint(self.extension, &self.prefix, self.first + n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{ScanConfig, ScanPatterns, parse};
    use proptest::prelude::*;

    #[test]
    fn gs1s_example_sscc_is_rebuilt() {
        // GS1's own example: extension 1, prefix 0614141, serial 123456789.
        assert_eq!(
            mint(1, "0614141", 123_456_789).unwrap(),
            "106141411234567897"
        );
        assert!(check("106141411234567897").is_ok());
        assert!(check("106141411234567898").is_err());
        assert!(check("10614141123456789").is_err());
    }

    #[test]
    fn bad_prefixes_and_serials_are_refused() {
        assert!(matches!(mint(0, "123", 1), Err(SsccError::Prefix(_))));
        assert!(matches!(
            mint(0, "12345678901", 1),
            Err(SsccError::Prefix(_))
        ));
        assert!(matches!(mint(0, "061414A", 1), Err(SsccError::Prefix(_))));
        assert!(matches!(
            mint(10, "0614141", 1),
            Err(SsccError::Extension(10))
        ));
        assert!(matches!(
            mint(0, "0614141", 1_000_000_000),
            Err(SsccError::Serial { digits: 9, .. })
        ));
        assert!(mint(0, "0614141", 999_999_999).is_ok());
        assert!(mint(0, "0614141234", 999_999).is_ok());
        assert!(mint(0, "0614141234", 1_000_000).is_err());
    }

    #[test]
    fn a_block_ends() {
        let b = SsccBlock {
            extension: 0,
            prefix: "0614141".into(),
            first: 5,
            count: 2,
        };
        assert!(b.nth(1).is_some_and(|s| s.is_ok()));
        assert!(b.nth(2).is_none());
    }

    proptest! {
        /// Every minted code is what the scanner reads back as an SSCC, and two serials never
        /// give one code.
        #[test]
        fn minted_codes_scan_back_as_themselves(
            ext in 0u8..10,
            prefix in "[0-9]{7,10}",
            a in 0u64..1_000_000,
            b in 0u64..1_000_000,
        ) {
            let x = mint(ext, &prefix, a).unwrap();
            prop_assert_eq!(x.len(), 18);
            let config = ScanConfig::new(&ScanPatterns::default(), chrono::NaiveDate::MIN).unwrap();
            let scan = parse(&x, &config).unwrap();
            prop_assert_eq!(scan.sscc(), Some(x.as_str()));
            let ai = parse(&format!("]C100{x}"), &config).unwrap();
            prop_assert_eq!(ai.sscc(), Some(x.as_str()));
            let y = mint(ext, &prefix, b).unwrap();
            prop_assert_eq!(a == b, x == y);
        }
    }
}
