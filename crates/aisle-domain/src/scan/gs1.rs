//! GS1 element strings (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1` symbols and the bracketed human-readable
//! form) and GS1 Digital Link URIs, decoded into validated AI elements.

use super::ScanError;
use super::ai::{self, AiSpec};
use super::lint;
use chrono::NaiveDate;
use serde::Serialize;

/// The FNC1 separator as scanners transmit it.
pub const GS: char = '\u{1d}';

/// Ways scanners and their configuration tools render FNC1/GS in keyboard output.
const GS_RENDERINGS: [&str; 9] = [
    "<GS>", "{GS}", "[GS]", "<FNC1>", "{FNC1}", "[FNC1]", "\\x1d", "\\x1D", "\u{241D}",
];

/// One decoded AI element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Element {
    pub ai: String,
    pub title: String,
    pub value: String,
}

/// A decoded GS1 message: the elements in scan order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gs1Message {
    pub elements: Vec<Element>,
}

impl Gs1Message {
    /// The value of the first element with `ai`.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// A date AI (YYMMDD) as a calendar date. Day 00 means the last day of the month; the century
    /// follows the GS1 sliding window around `today`.
    pub fn date(&self, ai: &str, today: NaiveDate) -> Option<NaiveDate> {
        let v = self.get(ai)?;
        yymmdd_to_date(v.get(..6)?, today)
    }

    /// A decimal measure AI such as 3103 (net weight, 3 decimals) as text, e.g. `"1.250"`.
    pub fn decimal(&self, ai_family: &str) -> Option<(String, String)> {
        self.elements
            .iter()
            .find(|e| e.ai.len() == 4 && e.ai.starts_with(ai_family))
            .and_then(|e| {
                let places = ai::lookup(&e.ai)?.decimal_places()? as usize;
                let v = e.value.trim_start_matches('0');
                let padded = format!("{v:0>width$}", width = places + 1);
                let (int, frac) = padded.split_at(padded.len() - places);
                let text = if places == 0 {
                    int.to_string()
                } else {
                    format!("{int}.{frac}")
                };
                Some((e.ai.clone(), text))
            })
    }
}

/// Converts a YYMMDD string using the GS1 General Specifications' century rule.
pub fn yymmdd_to_date(v: &str, today: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    let yy: i32 = v.get(0..2)?.parse().ok()?;
    let mm: u32 = v.get(2..4)?.parse().ok()?;
    let dd: u32 = v.get(4..6)?.parse().ok()?;
    let current = today.year();
    let century = current - current.rem_euclid(100);
    let diff = yy - current.rem_euclid(100);
    let year = if diff >= 51 {
        century - 100 + yy
    } else if diff <= -50 {
        century + 100 + yy
    } else {
        century + yy
    };
    let day = if dd == 0 {
        lint::days_in_month(year, mm)
    } else {
        dd
    };
    NaiveDate::from_ymd_opt(year, mm, day)
}

/// Rewrites rendered separators to the GS character.
pub fn normalise_separators(data: &str) -> String {
    let mut s = data.to_string();
    for r in GS_RENDERINGS {
        if s.contains(r) {
            s = s.replace(r, "\u{1d}");
        }
    }
    s
}

/// Decodes a raw element string (FNC1 separators already normalised to GS).
pub fn parse_element_string(data: &str) -> Result<Gs1Message, ScanError> {
    let mut elements = Vec::new();
    let mut pos = 0;
    let bytes = data.as_bytes();
    while pos < data.len() {
        if bytes[pos] == 0x1d {
            pos += 1;
            continue;
        }
        let rest = &data[pos..];
        let spec = ai::match_prefix(rest).ok_or_else(|| ScanError::UnknownAi {
            at: pos,
            found: rest.chars().take(4).collect(),
        })?;
        let start = pos + spec.ai.len();
        let until_gs = data[start..].find(GS).map_or(data.len(), |i| start + i);
        let end = if spec.predefined_length {
            let want = spec.max_len();
            if until_gs - start < want {
                return Err(ScanError::ValueLength {
                    ai: spec.ai.clone(),
                    len: until_gs - start,
                    min: want,
                    max: want,
                });
            }
            start + want
        } else {
            until_gs
        };
        let value = data
            .get(start..end)
            .ok_or_else(|| ScanError::BadCharacter {
                ai: spec.ai.clone(),
                at: 0,
                found: '\u{fffd}',
                expected: "ASCII",
            })?;
        validate_value(spec, value)?;
        elements.push(Element {
            ai: spec.ai.clone(),
            title: spec.title.clone(),
            value: value.to_string(),
        });
        pos = end;
    }
    if elements.is_empty() {
        return Err(ScanError::Empty);
    }
    Ok(Gs1Message { elements })
}

/// Decodes the bracketed human-readable form, e.g. `(01)09506000134352(10)AB-123`.
pub fn parse_bracketed(data: &str) -> Result<Gs1Message, ScanError> {
    let mut elements = Vec::new();
    let mut rest = data;
    let mut offset = 0;
    while !rest.is_empty() {
        let inner = rest.strip_prefix('(').ok_or_else(|| ScanError::Bracketed {
            at: offset,
            reason: "expected '(' to open an AI".into(),
        })?;
        let close = inner.find(')').ok_or_else(|| ScanError::Bracketed {
            at: offset,
            reason: "an AI is not closed with ')'".into(),
        })?;
        let ai_text = &inner[..close];
        let spec = ai::lookup(ai_text).ok_or_else(|| ScanError::UnknownAi {
            at: offset + 1,
            found: ai_text.to_string(),
        })?;
        let after = &inner[close + 1..];
        // A value may itself contain "(" (CSET 82 allows it); the next element starts at "(" + a known AI + ")".
        let mut end = after.len();
        let mut search = 0;
        while let Some(i) = after[search..].find('(') {
            let cand = &after[search + i + 1..];
            if let Some(c) = cand.find(')')
                && ai::lookup(&cand[..c]).is_some()
            {
                end = search + i;
                break;
            }
            search += i + 1;
        }
        let value = &after[..end];
        validate_value(spec, value)?;
        elements.push(Element {
            ai: spec.ai.clone(),
            title: spec.title.clone(),
            value: value.to_string(),
        });
        let consumed = 1 + close + 1 + end;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if elements.is_empty() {
        return Err(ScanError::Empty);
    }
    Ok(Gs1Message { elements })
}

/// Checks a value against its AI's components: lengths, character sets and content checks.
pub fn validate_value(spec: &AiSpec, value: &str) -> Result<(), ScanError> {
    // Every GS1 character set is ASCII; refusing anything else first keeps the slicing below on
    // character boundaries.
    if let Some((at, found)) = value.char_indices().find(|(_, c)| !c.is_ascii()) {
        let expected = spec
            .components
            .first()
            .map_or("ASCII", |c| c.charset.describe());
        return Err(ScanError::BadCharacter {
            ai: spec.ai.clone(),
            at,
            found,
            expected,
        });
    }
    let len = value.len();
    if len < spec.min_len() || len > spec.max_len() {
        return Err(ScanError::ValueLength {
            ai: spec.ai.clone(),
            len,
            min: spec.min_len(),
            max: spec.max_len(),
        });
    }
    let mut pos = 0;
    for comp in &spec.components {
        if pos >= value.len() && comp.optional {
            break;
        }
        let take = comp.max.min(value.len() - pos);
        let part = &value[pos..pos + take];
        if part.len() < comp.min {
            return Err(ScanError::ValueLength {
                ai: spec.ai.clone(),
                len,
                min: spec.min_len(),
                max: spec.max_len(),
            });
        }
        if let Some((i, c)) = part.char_indices().find(|(_, c)| !comp.charset.allows(*c)) {
            return Err(ScanError::BadCharacter {
                ai: spec.ai.clone(),
                at: pos + i,
                found: c,
                expected: comp.charset.describe(),
            });
        }
        for l in &comp.linters {
            lint::apply(l, part).map_err(|reason| ScanError::Content {
                ai: spec.ai.clone(),
                title: spec.title.clone(),
                value: part.to_string(),
                reason,
            })?;
        }
        pos += take;
    }
    Ok(())
}

/// Short names some Digital Link URIs use instead of numeric AIs.
fn dl_alias(seg: &str) -> &str {
    match seg {
        "gtin" => "01",
        "sscc" => "00",
        "lot" | "batch" => "10",
        "ser" | "serial" => "21",
        "cpv" => "22",
        "gln" => "414",
        "exp" => "17",
        other => other,
    }
}

/// Decodes a GS1 Digital Link URI: the path's primary key and qualifiers, then numeric query
/// attributes. Returns `Ok(None)` when the URI carries no GS1 primary key (an ordinary URL).
pub fn parse_digital_link(uri: &str) -> Result<Option<Gs1Message>, ScanError> {
    let url = url::Url::parse(uri)
        .map_err(|e| ScanError::DigitalLink(format!("not a valid URI: {e}")))?;
    let segs: Vec<String> = match url.path_segments() {
        Some(s) => s.map(percent_decode).collect::<Result<_, _>>()?,
        None => return Ok(None),
    };
    let Some(start) = (0..segs.len().saturating_sub(1)).find(|&i| {
        ai::lookup(dl_alias(&segs[i])).is_some_and(|s| s.dl_primary_key)
            && segs.len() - i >= 2
            && (segs.len() - i).is_multiple_of(2)
    }) else {
        return Ok(None);
    };
    let mut elements = Vec::new();
    for pair in segs[start..].chunks(2) {
        let ai_text = dl_alias(&pair[0]);
        let spec = ai::lookup(ai_text).ok_or_else(|| {
            ScanError::DigitalLink(format!("path segment {:?} is not a GS1 AI", pair[0]))
        })?;
        let value = &pair[1];
        validate_value(spec, value)?;
        elements.push(Element {
            ai: spec.ai.clone(),
            title: spec.title.clone(),
            value: value.clone(),
        });
    }
    for (k, v) in url.query_pairs() {
        let key = dl_alias(&k);
        if !key.bytes().all(|b| b.is_ascii_digit()) {
            continue; // non-AI query parameters are for the resolver, not for us
        }
        let spec = ai::lookup(key).ok_or_else(|| {
            ScanError::DigitalLink(format!("query parameter {k:?} is not a GS1 AI"))
        })?;
        validate_value(spec, &v)?;
        elements.push(Element {
            ai: spec.ai.clone(),
            title: spec.title.clone(),
            value: v.into_owned(),
        });
    }
    Ok(Some(Gs1Message { elements }))
}

fn percent_decode(seg: &str) -> Result<String, ScanError> {
    url::form_urlencoded::parse(format!("x={}", seg.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| ScanError::DigitalLink(format!("cannot decode path segment {seg:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn fixed_then_variable_then_fixed_with_separator() {
        let m = parse_element_string("0109506000134352\u{1d}10AB-123\u{1d}17251231").unwrap();
        let ais: Vec<_> = m
            .elements
            .iter()
            .map(|e| (e.ai.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            ais,
            vec![("01", "09506000134352"), ("10", "AB-123"), ("17", "251231")]
        );
        // Predefined-length AIs need no separator after them.
        let m = parse_element_string("010950600013435217251231").unwrap();
        assert_eq!(m.get("17"), Some("251231"));
    }

    #[test]
    fn missing_separator_after_a_variable_ai_is_caught_as_too_long() {
        let e = parse_element_string("0109506000134352101234567890123456789012345").unwrap_err();
        assert_eq!(
            e,
            ScanError::ValueLength {
                ai: "10".into(),
                len: 25,
                min: 1,
                max: 20
            }
        );
        assert!(e.to_string().contains("separator"), "{e}");
    }

    #[test]
    fn check_digit_and_character_errors_name_the_ai() {
        let e = parse_element_string("0109506000134353").unwrap_err();
        assert!(
            matches!(&e, ScanError::Content { ai, .. } if ai == "01"),
            "{e:?}"
        );
        assert!(e.to_string().contains("2 is correct"));
        let e = parse_element_string("0109506000134352\u{1d}10AB~1").unwrap_err();
        assert_eq!(
            e,
            ScanError::BadCharacter {
                ai: "10".into(),
                at: 2,
                found: '~',
                expected: "GS1 character set 82"
            }
        );
        let e = parse_element_string("0109506000134352\u{1d}9").unwrap_err();
        assert!(matches!(e, ScanError::UnknownAi { at: 17, .. }), "{e:?}");
        let e = parse_element_string("01095060001343").unwrap_err();
        assert!(matches!(e, ScanError::ValueLength { .. }));
    }

    #[test]
    fn dates_day_zero_and_century_window() {
        let m = parse_element_string("0109506000134352\u{1d}17260200\u{1d}11991231").unwrap();
        let today = day(2026, 11, 29);
        assert_eq!(m.date("17", today), Some(day(2026, 2, 28)));
        // 99 is more than 50 years ahead of 2026, so it is 1999.
        assert_eq!(m.date("11", today), Some(day(1999, 12, 31)));
        assert_eq!(yymmdd_to_date("760101", today), Some(day(2076, 1, 1)));
        assert_eq!(yymmdd_to_date("770101", today), Some(day(1977, 1, 1)));
        let e = parse_element_string("0109506000134352\u{1d}11251300").unwrap_err();
        assert!(e.to_string().contains("month"), "{e}");
    }

    #[test]
    fn decimals_in_310n_and_counts() {
        let m = parse_element_string("01095060001343523103001250").unwrap();
        assert_eq!(m.decimal("310"), Some(("3103".into(), "1.250".into())));
        let m = parse_element_string("01095060001343523100000042").unwrap();
        assert_eq!(m.decimal("310"), Some(("3100".into(), "42".into())));
        let m =
            parse_element_string("00106141411234567897\u{1d}0209506000134352\u{1d}3748").unwrap();
        assert_eq!(m.get("37"), Some("48"));
        assert_eq!(m.get("00"), Some("106141411234567897"));
    }

    #[test]
    fn rendered_separators_are_normalised() {
        for sep in GS_RENDERINGS {
            let s = normalise_separators(&format!("0109506000134352{sep}10LOT7{sep}21S1"));
            let m = parse_element_string(&s).unwrap();
            assert_eq!(
                (m.get("10"), m.get("21")),
                (Some("LOT7"), Some("S1")),
                "separator {sep}"
            );
        }
    }

    #[test]
    fn bracketed_form_allows_parentheses_in_values() {
        let m = parse_bracketed("(01)09506000134352(10)A(B)1(17)251231").unwrap();
        assert_eq!(m.get("10"), Some("A(B)1"));
        assert_eq!(m.get("17"), Some("251231"));
        assert!(matches!(
            parse_bracketed("(01)09506000134352(10"),
            Err(ScanError::ValueLength { .. })
        ));
        assert!(matches!(
            parse_bracketed("(01"),
            Err(ScanError::Bracketed { .. })
        ));
        assert!(matches!(
            parse_bracketed("01)"),
            Err(ScanError::Bracketed { at: 0, .. })
        ));
        assert!(matches!(
            parse_bracketed("(2)123"),
            Err(ScanError::UnknownAi { .. })
        ));
    }

    #[test]
    fn digital_link_path_and_query() {
        let m = parse_digital_link("https://id.example.com/some/prefix/01/09506000134352/10/AB%2F12?17=251231&linkType=all")
            .unwrap()
            .unwrap();
        assert_eq!(m.get("01"), Some("09506000134352"));
        assert_eq!(m.get("10"), Some("AB/12"));
        assert_eq!(m.get("17"), Some("251231"));
        assert!(
            parse_digital_link("https://example.com/about")
                .unwrap()
                .is_none()
        );
        let e = parse_digital_link("https://id.example.com/01/09506000134353").unwrap_err();
        assert!(e.to_string().contains("check digit"), "{e}");
        let m = parse_digital_link("https://id.example.com/00/106141411234567897")
            .unwrap()
            .unwrap();
        assert_eq!(m.get("00"), Some("106141411234567897"));
    }
}
