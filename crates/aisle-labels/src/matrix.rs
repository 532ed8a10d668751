//! GS1 DataMatrix: the 2D symbol for an item label with lot and expiry where a linear code would
//! be too long (small cartons, pharmacy-style packs). The modules come from `datamatrix`; what is
//! ours is the GS1 element string (validated against the dictionary, GS after variable-length
//! values) and the label around it.

use crate::{LabelError, escape, human_readable};
use aisle_domain::scan::{ai, gs1};
use datamatrix::{DataMatrix, SymbolList};

/// The modules of a GS1 DataMatrix, row by row (`true` = dark), without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub width: usize,
    pub rows: Vec<Vec<bool>>,
}

/// Encodes GS1 element strings as a square GS1 DataMatrix: FNC1 first, then the elements, with
/// GS (which the GS1 specification allows in DataMatrix) after each variable-length value but
/// the last. Values are validated against the GS1 dictionary first.
pub fn gs1_datamatrix(elements: &[(&str, &str)]) -> Result<Matrix, LabelError> {
    let mut data = String::new();
    for (i, (code, value)) in elements.iter().enumerate() {
        let spec = ai::lookup(code).ok_or_else(|| LabelError::UnknownAi((*code).to_string()))?;
        gs1::validate_value(spec, value)?;
        data.push_str(code);
        data.push_str(value);
        if !spec.predefined_length && i + 1 < elements.len() {
            data.push('\u{1d}');
        }
    }
    let code = DataMatrix::encode_gs1(data.as_bytes(), SymbolList::default().enforce_square())
        .map_err(|e| LabelError::Encoder(format!("{e:?}")))?;
    let bitmap = code.bitmap();
    let width = bitmap.width();
    let rows = bitmap
        .bits()
        .chunks(width)
        .map(|row| row.to_vec())
        .collect();
    Ok(Matrix { width, rows })
}

/// An item label with its GTIN, and lot and expiry when given, as a GS1 DataMatrix.
pub fn item_label_datamatrix(
    sku: &str,
    description: &str,
    gtin14: &str,
    lot: Option<&str>,
    expiry_yymmdd: Option<&str>,
) -> Result<String, LabelError> {
    let mut elements = vec![("01", gtin14)];
    if let Some(e) = expiry_yymmdd {
        elements.push(("17", e));
    }
    if let Some(l) = lot {
        elements.push(("10", l));
    }
    let matrix = gs1_datamatrix(&elements)?;
    // Modules of 6 units (a 2D symbol is read from farther away than its size suggests) and a
    // quiet zone of two modules, more than the one the standard asks for.
    let module = 6;
    let side = matrix.width * module;
    let quiet = 20;
    let hri = human_readable(&elements);
    let title = format!("{sku}  {description}");
    let width = (side + 2 * quiet)
        .max(13 * title.chars().count() + 2 * quiet)
        .max(11 * hri.chars().count() + 2 * quiet)
        .max(400);
    let top = 50;
    let height = top + side + 60;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\
         <text x=\"{quiet}\" y=\"32\" font-family=\"sans-serif\" font-size=\"26\" font-weight=\"bold\">{}</text>",
        escape(&title)
    );
    let left = (width - side) / 2;
    for (y, row) in matrix.rows.iter().enumerate() {
        let mut x = 0;
        while x < row.len() {
            let run = row[x..].iter().take_while(|b| **b == row[x]).count();
            if row[x] {
                out.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{module}\" fill=\"#000\"/>",
                    left + x * module,
                    top + y * module,
                    run * module
                ));
            }
            x += run;
        }
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"18\" text-anchor=\"middle\">{}</text></svg>",
        width / 2,
        top + side + 36,
        escape(&hri)
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datamatrix_is_square_with_its_finder_pattern() {
        let m =
            gs1_datamatrix(&[("01", "09506000134352"), ("17", "270131"), ("10", "AB1")]).unwrap();
        assert_eq!(m.rows.len(), m.width, "square symbols only");
        // The L of the finder: the left column and the bottom row are solid.
        assert!(m.rows.iter().all(|r| r[0]));
        assert!(m.rows[m.width - 1].iter().all(|b| *b));
        // The clock track: the top row alternates.
        assert!(m.rows[0].iter().step_by(2).all(|b| *b));
        assert!(m.rows[0].iter().skip(1).step_by(2).all(|b| !*b));
    }

    #[test]
    fn datamatrix_data_is_validated_before_printing() {
        assert!(matches!(
            gs1_datamatrix(&[("01", "09506000134353")]),
            Err(LabelError::Data(_))
        ));
        assert_eq!(
            gs1_datamatrix(&[("04", "1")]),
            Err(LabelError::UnknownAi("04".into()))
        );
    }

    #[test]
    fn the_label_names_the_item_and_prints_the_elements() {
        let svg = item_label_datamatrix(
            "BOL-1",
            "Bolt <M8>",
            "09506000134352",
            Some("L42"),
            Some("270131"),
        )
        .unwrap();
        assert!(svg.contains("BOL-1  Bolt &lt;M8&gt;"));
        assert!(svg.contains("(01) 09506000134352 (17) 270131 (10) L42"));
    }
}
