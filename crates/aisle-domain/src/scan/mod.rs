//! The scan parser: raw scanner output in, a typed [`Scan`] or a precise [`ScanError`] out.
//!
//! A scanner sends whatever its label holds, sometimes with an AIM symbology identifier in front
//! and keyboard noise around it. Parsing is pure: it never looks at stock or master data; the
//! device store resolves a parsed scan against its own tables afterwards.

pub mod ai;
pub mod gs1;
pub mod gtin;
pub mod lint;

use chrono::NaiveDate;
use gs1::{Element, Gs1Message};
use gtin::{Gtin, has_valid_check_digit, upce_to_upca};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Why raw input is not a usable scan. Every variant says what, where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    Empty,
    BadAim(String),
    ControlCharacter {
        at: usize,
        code: u32,
    },
    UnknownAi {
        at: usize,
        found: String,
    },
    ValueLength {
        ai: String,
        len: usize,
        min: usize,
        max: usize,
    },
    BadCharacter {
        ai: String,
        at: usize,
        found: char,
        expected: &'static str,
    },
    Content {
        ai: String,
        title: String,
        value: String,
        reason: String,
    },
    Bracketed {
        at: usize,
        reason: String,
    },
    DigitalLink(String),
    Retail {
        symbology: &'static str,
        data: String,
        reason: String,
    },
}

/// The English words, from [`ScanError::said`] (one text for the CLI, logs and the catalogs' English).
impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said().text)
    }
}

impl std::error::Error for ScanError {}

impl ScanError {
    /// The message for a person, with its catalog key (see [`crate::said`]). The GS1 details
    /// (an AI's title, a dictionary's reason) stay as the GS1 dictionary words them.
    pub fn said(&self) -> crate::Said {
        match self {
            Self::Empty => said!("scan.empty", "the scan is empty"),
            Self::BadAim(aim) => said!(
                "scan.bad_aim",
                "malformed symbology identifier {aim:?}: expected ']' followed by a letter and a modifier character",
                aim = aim.clone()
            ),
            Self::ControlCharacter { at, code } => said!(
                "scan.control_character",
                "control character {code} at character {at} (only the GS separator is allowed in a scan)",
                code = format!("U+{code:04X}"),
                at = *at
            ),
            Self::UnknownAi { at, found } => said!(
                "scan.unknown_ai",
                "no GS1 Application Identifier starts at character {at} ({found:?})",
                at = *at,
                found = found.clone()
            ),
            Self::ValueLength { ai, len, min, max } if min == max => said!(
                "scan.value_length_exact",
                "AI ({ai}) value has {len} characters; exactly {min} required (a missing FNC1/GS separator?)",
                ai = ai.clone(),
                len = *len,
                min = *min
            ),
            Self::ValueLength { ai, len, min, max } => said!(
                "scan.value_length",
                "AI ({ai}) value has {len} characters; {min} to {max} allowed (a missing FNC1/GS separator?)",
                ai = ai.clone(),
                len = *len,
                min = *min,
                max = *max
            ),
            Self::BadCharacter {
                ai,
                at,
                found,
                expected,
            } => said!(
                "scan.bad_character",
                "AI ({ai}) has {found:?} at character {at} of its value; only {expected} are allowed",
                ai = ai.clone(),
                found = *found,
                at = *at,
                expected = *expected
            ),
            Self::Content {
                ai,
                title,
                value,
                reason,
            } => said!(
                "scan.content",
                "AI ({ai}) {title}: {value:?} {reason}",
                ai = ai.clone(),
                title = title.clone(),
                value = value.clone(),
                reason = reason.clone()
            ),
            Self::Bracketed { at, reason } => said!(
                "scan.bracketed",
                "bracketed GS1 data at character {at}: {reason}",
                at = *at,
                reason = reason.clone()
            ),
            Self::DigitalLink(reason) => {
                said!(
                    "scan.digital_link",
                    "GS1 Digital Link: {reason}",
                    reason = reason.clone()
                )
            }
            Self::Retail {
                symbology,
                data,
                reason,
            } => said!(
                "scan.retail",
                "{symbology} barcode {data:?}: {reason}",
                symbology = *symbology,
                data = data.clone(),
                reason = reason.clone()
            ),
        }
    }
}

/// The symbology a scanner reported in its AIM identifier (`]` + code letter + modifier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Symbology {
    /// The identifier as sent, e.g. `]C1`.
    pub aim: String,
    pub name: &'static str,
    /// The data is a GS1 element string (FNC1 in first position).
    pub gs1: bool,
}

impl Symbology {
    fn from_aim(aim: &str) -> Self {
        let (name, gs1) = match aim {
            "]C1" => ("GS1-128", true),
            "]e0" => ("GS1 DataBar", true),
            "]d2" => ("GS1 DataMatrix", true),
            "]Q3" => ("GS1 QR Code", true),
            "]J1" => ("GS1 DotCode", true),
            "]E0" => ("EAN-13 / UPC-A / UPC-E", false),
            "]E3" => ("EAN/UPC with add-on", false),
            "]E4" => ("EAN-8", false),
            _ => match aim.as_bytes().get(1) {
                Some(b'C') => ("Code 128", false),
                Some(b'A') => ("Code 39", false),
                Some(b'G') => ("Code 93", false),
                Some(b'I') => ("Interleaved 2 of 5", false),
                Some(b'd') => ("Data Matrix", false),
                Some(b'Q') => ("QR Code", false),
                Some(b'z') => ("Aztec", false),
                Some(b'L') => ("PDF417", false),
                Some(b'X') => ("other", false),
                _ => ("unrecognised", false),
            },
        };
        Self {
            aim: aim.to_string(),
            name,
            gs1,
        }
    }

    fn is_ean_upc(&self) -> bool {
        matches!(self.aim.as_str(), "]E0" | "]E3" | "]E4")
    }
}

/// Which retail form a plain GTIN was scanned in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetailFormat {
    Ean8,
    UpcE,
    UpcA,
    Ean13,
    Gtin14,
}

/// What a scan decodes to, before it is looked up in local data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanContent {
    /// A plain retail barcode: one GTIN, nothing else.
    Gtin { gtin: Gtin, format: RetailFormat },
    /// GS1 data: from an element string, the bracketed form or a Digital Link URI.
    Gs1 {
        elements: Vec<Element>,
        digital_link: bool,
    },
    /// Matched a configured location pattern. `warehouse` is the warehouse code the label names
    /// (the pattern's `warehouse` group), if it names one.
    Location {
        code: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        warehouse: Option<String>,
    },
    /// Matched a configured license-plate pattern.
    LicensePlate { code: String },
    /// Anything else: an internal item code, a badge, or something unknown.
    Text { text: String },
}

/// A parsed scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// Exactly what the scanner sent.
    pub raw: String,
    /// The data after noise removal and the symbology identifier.
    pub data: String,
    pub symbology: Option<Symbology>,
    #[serde(flatten)]
    pub content: ScanContent,
}

impl Scan {
    fn gs1(&self) -> Option<Gs1Message> {
        match &self.content {
            ScanContent::Gs1 { elements, .. } => Some(Gs1Message {
                elements: elements.clone(),
            }),
            _ => None,
        }
    }

    fn element(&self, ai: &str) -> Option<&str> {
        match &self.content {
            ScanContent::Gs1 { elements, .. } => elements
                .iter()
                .find(|e| e.ai == ai)
                .map(|e| e.value.as_str()),
            _ => None,
        }
    }

    /// The trade item: a plain GTIN, or GS1 AI (01), or (02) for the contents of a logistic unit.
    pub fn gtin(&self) -> Option<Gtin> {
        match &self.content {
            ScanContent::Gtin { gtin, .. } => Some(gtin.clone()),
            _ => self
                .element("01")
                .or_else(|| self.element("02"))
                .and_then(|g| Gtin::parse(g).ok()),
        }
    }

    /// The SSCC of a logistic unit (AI 00).
    pub fn sscc(&self) -> Option<&str> {
        self.element("00")
    }

    pub fn lot(&self) -> Option<&str> {
        self.element("10")
    }

    pub fn serial(&self) -> Option<&str> {
        self.element("21")
    }

    /// Expiry (AI 17), or best-before (AI 15) when no expiry is printed.
    pub fn expiry(&self, today: NaiveDate) -> Option<NaiveDate> {
        let m = self.gs1()?;
        m.date("17", today).or_else(|| m.date("15", today))
    }

    /// A count printed on the label: AI (30) variable count or (37) count of trade items.
    pub fn count(&self) -> Option<i64> {
        self.element("30")
            .or_else(|| self.element("37"))
            .and_then(|v| v.parse().ok())
    }

    /// A GLN identifying a physical location (AI 414).
    pub fn gln(&self) -> Option<&str> {
        self.element("414")
    }
}

/// Site-specific rules: which scans are locations or license plates. Stored per device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanPatterns {
    /// Regular expressions for location labels. A named group `code` picks the location code out
    /// of a longer label; without it the whole scan is the code. A named group `warehouse` is the
    /// warehouse the label belongs to: such a label resolves only in that warehouse.
    pub location: Vec<String>,
    /// Regular expressions for internal license-plate labels (SSCCs are recognised anyway).
    pub plate: Vec<String>,
}

impl Default for ScanPatterns {
    fn default() -> Self {
        Self {
            location: vec![
                r"^LOC:(?:(?<warehouse>[A-Z0-9]+):)?(?<code>[A-Z0-9][A-Z0-9-]*)$".into(),
            ],
            plate: vec![r"^LP[0-9]{6,12}$".into()],
        }
    }
}

/// A pattern that is not a valid regular expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{which} pattern {index} ({pattern:?}) is not a valid regular expression: {reason}")]
pub struct PatternError {
    pub which: &'static str,
    pub index: usize,
    pub pattern: String,
    pub reason: String,
}

/// Everything the parser needs besides the raw input.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    location: Vec<Regex>,
    plate: Vec<Regex>,
    /// For the GS1 century rule on YYMMDD dates.
    pub today: NaiveDate,
}

impl ScanConfig {
    pub fn new(patterns: &ScanPatterns, today: NaiveDate) -> Result<Self, PatternError> {
        let compile = |which: &'static str, list: &[String]| {
            list.iter()
                .enumerate()
                .map(|(i, p)| {
                    Regex::new(p).map_err(|e| PatternError {
                        which,
                        index: i + 1,
                        pattern: p.clone(),
                        reason: e.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            location: compile("location", &patterns.location)?,
            plate: compile("license-plate", &patterns.plate)?,
            today,
        })
    }

    /// Default patterns, dated today (UTC).
    pub fn standard() -> Self {
        let today = chrono::Utc::now().date_naive();
        Self::new(&ScanPatterns::default(), today).unwrap_or(Self {
            location: vec![],
            plate: vec![],
            today,
        })
    }
}

/// Removes what scanners and keyboards add around the data: a byte-order mark, NUL bytes,
/// trailing CR/LF/TAB and surrounding spaces. Nothing inside the data is altered.
pub fn clean(raw: &str) -> String {
    raw.chars()
        .filter(|&c| c != '\0' && c != '\u{feff}')
        .collect::<String>()
        .trim_matches(|c| matches!(c, ' ' | '\r' | '\n' | '\t'))
        .to_string()
}

/// Parses raw scanner output.
pub fn parse(raw: &str, config: &ScanConfig) -> Result<Scan, ScanError> {
    let cleaned = clean(raw);
    let (symbology, data) = split_aim(&cleaned)?;
    if data.is_empty() {
        return Err(ScanError::Empty);
    }
    let content = match &symbology {
        Some(s) if s.gs1 => gs1_content(data)?,
        Some(s) if s.is_ean_upc() => retail(data, s)?,
        _ => classify(data, config)?,
    };
    Ok(Scan {
        raw: raw.to_string(),
        data: data.to_string(),
        symbology,
        content,
    })
}

fn split_aim(s: &str) -> Result<(Option<Symbology>, &str), ScanError> {
    if !s.starts_with(']') {
        return Ok((None, s));
    }
    let aim: String = s.chars().take(3).collect();
    let valid = aim.len() == 3
        && aim.as_bytes()[1].is_ascii_alphabetic()
        && aim.as_bytes()[2].is_ascii_alphanumeric();
    if !valid {
        return Err(ScanError::BadAim(aim));
    }
    Ok((Some(Symbology::from_aim(&aim)), &s[3..]))
}

fn gs1_content(data: &str) -> Result<ScanContent, ScanError> {
    let normalised = gs1::normalise_separators(data);
    let msg = if normalised.starts_with('(') {
        gs1::parse_bracketed(&normalised)?
    } else {
        gs1::parse_element_string(&normalised)?
    };
    Ok(ScanContent::Gs1 {
        elements: msg.elements,
        digital_link: false,
    })
}

fn retail(data: &str, symbology: &Symbology) -> Result<ScanContent, ScanError> {
    let err = |reason: String| ScanError::Retail {
        symbology: symbology.name,
        data: data.to_string(),
        reason,
    };
    if !data.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("must be digits only".into()));
    }
    // EAN/UPC with an add-on: the main symbol is the first 13 (or 12) digits.
    let main = if symbology.aim == "]E3" && data.len() > 13 {
        &data[..13]
    } else {
        data
    };
    let (digits, format) = match (symbology.aim.as_str(), main.len()) {
        ("]E4", 8) => (main.to_string(), RetailFormat::Ean8),
        (_, 8) => (
            upce_to_upca(main)
                .ok_or_else(|| err("is not a valid UPC-E (number system must be 0 or 1)".into()))?,
            RetailFormat::UpcE,
        ),
        (_, 12) => (main.to_string(), RetailFormat::UpcA),
        (_, 13) if main.starts_with('0') => (main[1..].to_string(), RetailFormat::UpcA),
        (_, 13) => (main.to_string(), RetailFormat::Ean13),
        (_, n) => {
            return Err(err(format!(
                "has {n} digits; EAN/UPC symbols carry 8, 12 or 13"
            )));
        }
    };
    let gtin = Gtin::parse(&digits).map_err(|e| err(e.to_string()))?;
    Ok(ScanContent::Gtin { gtin, format })
}

/// Infers what unlabelled data is: URIs, bracketed GS1, FNC1-led strings, plain GTINs and SSCCs,
/// then the site's location and plate patterns, else text.
fn classify(data: &str, config: &ScanConfig) -> Result<ScanContent, ScanError> {
    if let Some((at, c)) = data
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && *c != gs1::GS)
    {
        return Err(ScanError::ControlCharacter { at, code: c as u32 });
    }
    let lower = data.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return match gs1::parse_digital_link(data)? {
            Some(m) => Ok(ScanContent::Gs1 {
                elements: m.elements,
                digital_link: true,
            }),
            None => Ok(ScanContent::Text {
                text: data.to_string(),
            }),
        };
    }
    if data.starts_with(gs1::GS) {
        return gs1_content(data);
    }
    if data.starts_with('(') && data[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return gs1_content(data);
    }
    if data.bytes().all(|b| b.is_ascii_digit()) {
        let format = match data.len() {
            8 => Some(RetailFormat::Ean8),
            12 => Some(RetailFormat::UpcA),
            13 => Some(RetailFormat::Ean13),
            14 => Some(RetailFormat::Gtin14),
            _ => None,
        };
        if let Some(format) = format {
            if let Ok(gtin) = Gtin::parse(data) {
                return Ok(ScanContent::Gtin { gtin, format });
            }
            if format == RetailFormat::Ean8
                && let Some(gtin) = upce_to_upca(data).and_then(|a| Gtin::parse(&a).ok())
            {
                return Ok(ScanContent::Gtin {
                    gtin,
                    format: RetailFormat::UpcE,
                });
            }
        }
        if data.len() == 18 && has_valid_check_digit(data) {
            let msg = gs1::parse_element_string(&format!("00{data}"))?;
            return Ok(ScanContent::Gs1 {
                elements: msg.elements,
                digital_link: false,
            });
        }
    }
    // A scanner that drops the ]C1 identifier still sends a valid element string; accept it only
    // when it decodes completely and starts with an identification key.
    if data.len() > 16
        && (data.starts_with("01") || data.starts_with("02") || data.starts_with("00"))
        && let Ok(msg) = gs1::parse_element_string(&gs1::normalise_separators(data))
    {
        return Ok(ScanContent::Gs1 {
            elements: msg.elements,
            digital_link: false,
        });
    }
    for re in &config.location {
        if let Some(caps) = re.captures(data) {
            let code = caps.name("code").map_or(data, |m| m.as_str());
            return Ok(ScanContent::Location {
                code: code.to_string(),
                warehouse: caps.name("warehouse").map(|m| m.as_str().to_string()),
            });
        }
    }
    if config.plate.iter().any(|re| re.is_match(data)) {
        return Ok(ScanContent::LicensePlate {
            code: data.to_string(),
        });
    }
    Ok(ScanContent::Text {
        text: data.to_string(),
    })
}

#[cfg(test)]
mod tests;
