//! Printable labels as SVG: a license-plate label (its SSCC as GS1-128, with the plate's contents)
//! and an item label (EAN-13 when the GTIN has that form, else GS1-128 with AI 01). The bars come
//! from `barcoders`; what is ours is turning GS1 element strings into Code 128 with FNC1 in the
//! right places, and laying the label out.

#![forbid(unsafe_code)]

pub mod carton;
pub mod matrix;
pub mod pdf;
pub mod printer;
pub mod slip;

use aisle_domain::scan::{ai, gs1};

/// Why a label cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("AI ({0}) is not a GS1 Application Identifier")]
    UnknownAi(String),
    #[error(transparent)]
    Data(#[from] aisle_domain::scan::ScanError),
    #[error("{0:?} is not a GTIN-13 (EAN-13 needs 13 digits)")]
    NotEan13(String),
    #[error("the barcode encoder refused the data: {0}")]
    Encoder(String),
}

/// Code 128 start codes and FNC1 in the syntax `barcoders` reads.
const SET_B: char = '\u{0181}';
const SET_C: char = '\u{0106}';
const FNC1: char = '\u{0179}';

/// Encodes GS1 element strings as GS1-128 bars (1 = dark module). Values are validated against
/// the GS1 dictionary first; FNC1 follows every element whose AI has no predefined length,
/// except the last.
pub fn gs1_128(elements: &[(&str, &str)]) -> Result<Vec<u8>, LabelError> {
    let mut text = String::new();
    for (i, (code, value)) in elements.iter().enumerate() {
        let spec = ai::lookup(code).ok_or_else(|| LabelError::UnknownAi((*code).to_string()))?;
        gs1::validate_value(spec, value)?;
        if i > 0 {
            let prev = ai::lookup(elements[i - 1].0)
                .ok_or_else(|| LabelError::UnknownAi(elements[i - 1].0.to_string()))?;
            if !prev.predefined_length {
                text.push(FNC1);
            }
        }
        text.push_str(code);
        text.push_str(value);
    }
    let encoded = code128_sets(&text);
    let code = barcoders::sym::code128::Code128::new(encoded)
        .map_err(|e| LabelError::Encoder(e.to_string()))?;
    Ok(code.encode())
}

/// Chooses character sets: set C for even runs of four or more digits (two digits a symbol), set
/// B for everything else; the symbol starts in C with FNC1 (the GS1-128 marker).
fn code128_sets(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::from(SET_C);
    out.push(FNC1);
    let mut in_c = true;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == FNC1 {
            out.push(FNC1);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 4 || (in_c && run >= 2) {
            let even = run - run % 2;
            if !in_c {
                out.push(SET_C);
                in_c = true;
            }
            out.extend(&chars[i..i + even]);
            i += even;
        } else {
            if in_c {
                out.push(SET_B);
                in_c = false;
            }
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// EAN-13 bars for a GTIN whose 14-digit form starts with 0.
pub fn ean13(gtin14: &str) -> Result<Vec<u8>, LabelError> {
    let thirteen = gtin14
        .strip_prefix('0')
        .filter(|g| g.len() == 13)
        .ok_or_else(|| LabelError::NotEan13(gtin14.to_string()))?;
    let code = barcoders::sym::ean13::EAN13::new(&thirteen[..12])
        .map_err(|e| LabelError::Encoder(e.to_string()))?;
    Ok(code.encode())
}

/// Human-readable text of element strings: `(00) 106141411234567897 (10) L42`.
pub fn human_readable(elements: &[(&str, &str)]) -> String {
    elements
        .iter()
        .map(|(a, v)| format!("({a}) {v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A label: a title, a few lines of text, and one barcode with its human-readable text.
fn svg(title: &str, lines: &[String], bars: &[u8], hri: &str) -> String {
    // Module width 2 units, quiet zones of 10 modules: scanners need them.
    let module = 2;
    let quiet = 10 * module;
    let bars_width = bars.len() as u32 * module;
    let longest = lines
        .iter()
        .map(|l| l.chars().count())
        .chain([title.chars().count() * 2])
        .max()
        .unwrap_or(0) as u32;
    let hri_width = 13 * hri.chars().count() as u32;
    let width = (bars_width + 2 * quiet)
        .max(11 * longest + 2 * quiet)
        .max(hri_width + 2 * quiet)
        .max(400);
    let text_top = 50 + 22 * lines.len() as u32;
    let bar_height = 120;
    let height = text_top + bar_height + 50;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\
         <text x=\"{quiet}\" y=\"32\" font-family=\"sans-serif\" font-size=\"26\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&format!(
            "<text x=\"{quiet}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"18\">{}</text>",
            60 + 22 * i as u32,
            escape(l)
        ));
    }
    // Bars centred, so the quiet zones on both sides are at least `quiet` wide.
    let mut x = (width - bars_width) / 2;
    let mut i = 0;
    while i < bars.len() {
        let run = bars[i..].iter().take_while(|b| **b == bars[i]).count();
        if bars[i] == 1 {
            out.push_str(&format!(
                "<rect x=\"{x}\" y=\"{text_top}\" width=\"{}\" height=\"{bar_height}\" fill=\"#000\"/>",
                run as u32 * module
            ));
        }
        x += run as u32 * module;
        i += run;
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"20\" text-anchor=\"middle\">{}</text></svg>",
        width / 2,
        text_top + bar_height + 30,
        escape(hri)
    ));
    out
}

/// A license-plate label: the SSCC as GS1-128, and what the plate holds (one line each).
pub fn plate_label(sscc: &str, contents: &[String]) -> Result<String, LabelError> {
    let elements = [("00", sscc)];
    let bars = gs1_128(&elements)?;
    Ok(svg(
        &format!("PLATE {sscc}"),
        contents,
        &bars,
        &human_readable(&elements),
    ))
}

/// An item label: EAN-13 when the GTIN allows, else GS1-128 with AI (01), plus lot and expiry
/// (AI 10 and 17) on the GS1-128 form when given.
pub fn item_label(
    sku: &str,
    description: &str,
    gtin14: &str,
    lot: Option<&str>,
    expiry_yymmdd: Option<&str>,
) -> Result<String, LabelError> {
    let title = format!("{sku}  {description}");
    if lot.is_none()
        && expiry_yymmdd.is_none()
        && let Ok(bars) = ean13(gtin14)
    {
        return Ok(svg(&title, &[], &bars, &gtin14[1..]));
    }
    let mut elements = vec![("01", gtin14)];
    if let Some(e) = expiry_yymmdd {
        elements.push(("17", e));
    }
    if let Some(l) = lot {
        elements.push(("10", l));
    }
    let bars = gs1_128(&elements)?;
    Ok(svg(&title, &[], &bars, &human_readable(&elements)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const START_C: [u8; 11] = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0];
    const FNC1_BARS: [u8; 11] = [1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0];
    const STOP: [u8; 13] = [1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1];

    #[test]
    fn sscc_is_gs1_128_with_start_c_fnc1_and_stop() {
        let bars = gs1_128(&[("00", "106141411234567897")]).unwrap();
        assert_eq!(&bars[..11], &START_C);
        assert_eq!(&bars[11..22], &FNC1_BARS);
        assert_eq!(&bars[bars.len() - 13..], &STOP);
        // Start, FNC1, 10 digit pairs, check symbol: 13 symbols of 11 modules, plus the stop.
        assert_eq!(bars.len(), 13 * 11 + 13);
    }

    #[test]
    fn variable_length_values_are_followed_by_fnc1_and_letters_switch_set() {
        let text = code128_sets("0109506000134352");
        assert_eq!(text, format!("{SET_C}{FNC1}0109506000134352"));
        let with_lot = code128_sets(&format!("10AB1{FNC1}17270131"));
        assert_eq!(
            with_lot,
            format!("{SET_C}{FNC1}10{SET_B}AB1{FNC1}{SET_C}17270131")
        );
        let bars = gs1_128(&[("01", "09506000134352"), ("10", "AB1"), ("17", "270131")]).unwrap();
        let fnc1_count = bars.chunks(11).filter(|c| *c == FNC1_BARS).count();
        assert!(
            fnc1_count >= 2,
            "the marker and the separator after the lot"
        );
    }

    #[test]
    fn data_is_validated_before_printing() {
        assert!(matches!(
            gs1_128(&[("00", "106141411234567898")]),
            Err(LabelError::Data(_))
        ));
        assert_eq!(
            gs1_128(&[("04", "1")]),
            Err(LabelError::UnknownAi("04".into()))
        );
        assert!(matches!(
            ean13("19506000134359"),
            Err(LabelError::NotEan13(_))
        ));
    }

    #[test]
    fn ean13_has_guards_and_95_modules() {
        let bars = ean13("09506000134352").unwrap();
        assert_eq!(bars.len(), 95);
        assert_eq!(&bars[..3], &[1, 0, 1]);
        assert_eq!(&bars[45..50], &[0, 1, 0, 1, 0]);
        assert_eq!(&bars[92..], &[1, 0, 1]);
    }

    #[test]
    fn labels_carry_text_and_bars() {
        let svg = plate_label("106141411234567897", &["HAR-00001 x 80".into()]).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("(00) 106141411234567897") && svg.contains("HAR-00001 x 80"));
        assert!(svg.matches("fill=\"#000\"").count() > 20);
        let item = item_label("OIL-1L", "Olive oil <1L>", "05012345000084", None, None).unwrap();
        assert!(item.contains("5012345000084") && item.contains("Olive oil &lt;1L&gt;"));
        let dated = item_label(
            "OIL-1L",
            "Olive oil",
            "05012345000084",
            Some("L42"),
            Some("270131"),
        )
        .unwrap();
        assert!(dated.contains("(01) 05012345000084 (17) 270131 (10) L42"));
    }
}
