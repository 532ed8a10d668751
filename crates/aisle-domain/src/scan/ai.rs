//! The GS1 Application Identifier table, built from GS1's Barcode Syntax Dictionary.
//!
//! `data/gs1-syntax-dictionary.txt` is a verbatim copy of GS1's machine-readable dictionary
//! (Apache-2.0, notice kept in the file and in `data/GS1-LICENSE.txt`). It is compiled into the
//! binary and parsed once on first use, so updating the table is a file swap, not a code change.

use std::collections::HashMap;
use std::sync::LazyLock;

const DICTIONARY: &str = include_str!("../../data/gs1-syntax-dictionary.txt");

/// The character set a component draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39.
    Y,
    /// base64url.
    Z,
}

impl Charset {
    pub fn allows(self, c: char) -> bool {
        match self {
            Self::N => c.is_ascii_digit(),
            Self::X => c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c),
            Self::Y => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            Self::Z => c.is_ascii_alphanumeric() || "-_=".contains(c),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::N => "digits",
            Self::X => "GS1 character set 82",
            Self::Y => "GS1 character set 39",
            Self::Z => "base64url characters",
        }
    }
}

/// One part of an AI's data field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub charset: Charset,
    pub min: usize,
    pub max: usize,
    pub optional: bool,
    /// Names of the content checks ("linters") applied to this component.
    pub linters: Vec<String>,
}

/// Everything the dictionary says about one AI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiSpec {
    pub ai: String,
    /// Predefined length: no FNC1 separator is needed after it.
    pub predefined_length: bool,
    /// May appear as a Digital Link data attribute.
    pub dl_attribute: bool,
    /// Is a Digital Link primary key.
    pub dl_primary_key: bool,
    pub components: Vec<Component>,
    pub title: String,
}

impl AiSpec {
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.min)
            .sum()
    }

    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| c.max).sum()
    }

    /// For the 31nn..36nn and 39nn measures and amounts: the implied decimal places.
    pub fn decimal_places(&self) -> Option<u32> {
        let b = self.ai.as_bytes();
        let decimal_family = b.len() == 4
            && matches!(
                &self.ai[..2],
                "31" | "32" | "33" | "34" | "35" | "36" | "39"
            );
        decimal_family.then(|| u32::from(b[3] - b'0'))
    }
}

/// A problem in the dictionary file itself (only possible if the embedded copy is edited badly).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GS1 syntax dictionary line {line}: {reason}")]
pub struct DictionaryError {
    pub line: usize,
    pub reason: String,
}

/// Parses dictionary text into a map from AI to its specification.
pub fn parse_dictionary(text: &str) -> Result<HashMap<String, AiSpec>, DictionaryError> {
    let mut out = HashMap::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let err = |reason: String| DictionaryError {
            line: line_no,
            reason,
        };
        let (body, title) = match raw.split_once('#') {
            Some((b, t)) => (b, t.trim()),
            None => (raw, ""),
        };
        let mut tokens = body.split_whitespace().peekable();
        let Some(ai_token) = tokens.next() else {
            continue;
        };
        let mut predefined_length = false;
        let mut dl_attribute = false;
        if let Some(flags) = tokens
            .peek()
            .filter(|t| t.chars().all(|c| !c.is_ascii_alphanumeric() && c != '['))
        {
            predefined_length = flags.contains('*');
            dl_attribute = flags.contains('?');
            tokens.next();
        }
        let mut components = Vec::new();
        let mut dl_primary_key = false;
        for tok in tokens {
            if tok.starts_with("dlpkey") {
                dl_primary_key = true;
            } else if tok.contains('=') {
                // req= / ex= associations: not needed to decode one carrier.
            } else {
                components.push(parse_component(tok).map_err(err)?);
            }
        }
        if components.is_empty() {
            return Err(err(format!("AI {ai_token} has no data specification")));
        }
        let (first, last) = match ai_token.split_once('-') {
            Some((a, b)) => (a, b),
            None => (ai_token, ai_token),
        };
        let (Ok(lo), Ok(hi)) = (first.parse::<u32>(), last.parse::<u32>()) else {
            return Err(err(format!("bad AI {ai_token:?}")));
        };
        for n in lo..=hi {
            let ai = format!("{n:0width$}", width = first.len());
            out.insert(
                ai.clone(),
                AiSpec {
                    ai,
                    predefined_length,
                    dl_attribute,
                    dl_primary_key,
                    components: components.clone(),
                    title: title.to_string(),
                },
            );
        }
    }
    Ok(out)
}

fn parse_component(tok: &str) -> Result<Component, String> {
    let mut parts = tok.split(',');
    let ty = parts.next().unwrap_or_default();
    let (optional, ty) = match ty.strip_prefix('[') {
        Some(inner) => (
            true,
            inner
                .strip_suffix(']')
                .ok_or_else(|| format!("unclosed [ in {tok:?}"))?,
        ),
        None => (false, ty),
    };
    let mut chars = ty.chars();
    let charset = match chars.next() {
        Some('N') => Charset::N,
        Some('X') => Charset::X,
        Some('Y') => Charset::Y,
        Some('Z') => Charset::Z,
        _ => return Err(format!("unknown component type in {tok:?}")),
    };
    let len = chars.as_str();
    let (min, max) = match len.strip_prefix("..") {
        Some(max) => (
            1,
            max.parse().map_err(|_| format!("bad length in {tok:?}"))?,
        ),
        None => {
            let n = len.parse().map_err(|_| format!("bad length in {tok:?}"))?;
            (n, n)
        }
    };
    Ok(Component {
        charset,
        min,
        max,
        optional,
        linters: parts.map(str::to_string).collect(),
    })
}

static TABLE: LazyLock<HashMap<String, AiSpec>> =
    // ok: the embedded dictionary is checked by a unit test; an empty table would only make every
    // GS1 scan fail with "unknown AI", never panic.
    LazyLock::new(|| parse_dictionary(DICTIONARY).unwrap_or_default());

/// The specification of `ai`, if GS1 defines it.
pub fn lookup(ai: &str) -> Option<&'static AiSpec> {
    TABLE.get(ai)
}

/// Finds the AI at the start of `data`: AIs are prefix-free, so at most one of 2, 3 or 4 digits
/// matches.
pub fn match_prefix(data: &str) -> Option<&'static AiSpec> {
    (2..=4)
        .filter(|&n| data.len() >= n && data.is_char_boundary(n))
        .find_map(|n| lookup(&data[..n]))
}

/// Number of AIs in the table.
pub fn table_len() -> usize {
    TABLE.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_dictionary_parses_completely() {
        let table = parse_dictionary(DICTIONARY).unwrap();
        assert_eq!(table.len(), table_len());
        // Ranges are expanded: 3100..3105 are six AIs.
        for ai in [
            "00", "01", "10", "17", "21", "3103", "3925", "414", "8003", "8200", "7040",
        ] {
            assert!(table.contains_key(ai), "AI {ai} missing");
        }
        assert!(table.len() > 500, "only {} AIs", table.len());
    }

    #[test]
    fn specs_carry_lengths_flags_and_linters() {
        let gtin = lookup("01").unwrap();
        assert!(gtin.predefined_length && gtin.dl_primary_key);
        assert_eq!((gtin.min_len(), gtin.max_len()), (14, 14));
        assert_eq!(gtin.components[0].linters, vec!["csum", "gcppos2"]);
        let lot = lookup("10").unwrap();
        assert!(!lot.predefined_length);
        assert_eq!(
            (lot.min_len(), lot.max_len(), lot.components[0].charset),
            (1, 20, Charset::X)
        );
        let weight = lookup("3103").unwrap();
        assert_eq!(weight.decimal_places(), Some(3));
        let grai = lookup("8003").unwrap();
        assert_eq!((grai.min_len(), grai.max_len()), (14, 30));
        assert!(grai.components[2].optional);
    }

    #[test]
    fn prefixes_match_the_one_defined_ai() {
        assert_eq!(
            match_prefix("0109506000134352").map(|s| s.ai.as_str()),
            Some("01")
        );
        assert_eq!(
            match_prefix("3103000123").map(|s| s.ai.as_str()),
            Some("3103")
        );
        assert_eq!(match_prefix("414123").map(|s| s.ai.as_str()), Some("414"));
        assert!(match_prefix("99").is_some()); // internal AI 99 exists
        assert!(match_prefix("2").is_none());
        assert!(match_prefix("04").is_none());
    }

    #[test]
    fn bad_dictionary_lines_are_reported_with_their_number() {
        let e = parse_dictionary("01 * N14\n02 * Q14 # nonsense\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("Q14"));
    }
}
