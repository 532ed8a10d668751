//! The carton label: who it is from and for, the order, the weight, what is inside, and the
//! carton's SSCC as GS1-128 (AI 00), the logistic unit's key a receiving warehouse scans. Drawn
//! three ways from one description: SVG (screens and office printers), PDF (4 x 6 inch label
//! stock) and ZPL (Zebra-compatible thermal printers, which draw the barcode themselves).

use crate::pdf::Document;
use crate::{LabelError, gs1_128, human_readable};
use aisle_domain::op::weight_text;

/// What a carton label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonLabel {
    pub sscc: String,
    /// The shipping warehouse (its name).
    pub from: String,
    /// The customer, when the order names one.
    pub to: Option<String>,
    pub order: String,
    pub weight_g: Option<i64>,
    /// One line per item and lot inside (`SKU x 12 lot L1`); the first few are printed.
    pub contents: Vec<String>,
    pub carrier: Option<String>,
}

/// `SKU x 12 lot L1`: one line of a carton's contents.
pub fn content_line(sku: &str, qty: i64, lot: Option<&str>) -> String {
    match lot {
        Some(lot) => format!("{sku} x {qty} lot {lot}"),
        None => format!("{sku} x {qty}"),
    }
}

/// Lines of contents a label has room for; the rest are counted.
const CONTENT_LINES: usize = 6;

impl CartonLabel {
    fn elements(&self) -> [(&str, &str); 1] {
        [("00", self.sscc.as_str())]
    }

    /// The text lines above the barcode, the same on every rendering.
    fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("FROM {}", self.from)];
        if let Some(to) = &self.to {
            out.push(format!("TO {to}"));
        }
        let mut order = format!("ORDER {}", self.order);
        if let Some(w) = self.weight_g {
            order.push_str(&format!("   WEIGHT {}", weight_text(w)));
        }
        out.push(order);
        if let Some(c) = &self.carrier {
            out.push(format!("CARRIER {c}"));
        }
        out.extend(self.contents.iter().take(CONTENT_LINES).cloned());
        if self.contents.len() > CONTENT_LINES {
            out.push(format!(
                "... and {} more lines",
                self.contents.len() - CONTENT_LINES
            ));
        }
        out
    }

    /// The label as SVG.
    pub fn svg(&self) -> Result<String, LabelError> {
        let bars = gs1_128(&self.elements())?;
        Ok(crate::svg(
            &format!("CARTON {}", self.sscc),
            &self.lines(),
            &bars,
            &human_readable(&self.elements()),
        ))
    }

    /// The label as a 4 x 6 inch PDF page.
    pub fn pdf(&self) -> Result<Vec<u8>, LabelError> {
        let bars = gs1_128(&self.elements())?;
        let mut d = Document::new(288.0, 432.0);
        d.text(14.0, 28.0, 14.0, true, &format!("CARTON {}", self.sscc));
        let lines = self.lines();
        for (i, l) in lines.iter().enumerate() {
            d.text(14.0, 50.0 + 14.0 * i as f32, 10.0, false, l);
        }
        // Modules of 1.2 pt (0.42 mm, inside GS1-128's range for logistic labels), centred, with
        // quiet zones of at least ten modules.
        let module = 1.2;
        let width = bars.len() as f32 * module;
        let x = (288.0 - width) / 2.0;
        let top = 60.0 + 14.0 * lines.len() as f32;
        d.bars(x, top, module, 90.0, &bars);
        d.text(
            x,
            top + 106.0,
            10.0,
            false,
            &human_readable(&self.elements()),
        );
        Ok(d.finish())
    }

    /// The label in ZPL II for a 203 dpi printer (4 x 6 inch): the barcode as `^BC` in subset C
    /// with FNC1 first (`>;>8`), which is GS1-128, drawn by the printer itself.
    pub fn zpl(&self) -> Result<String, LabelError> {
        // Validates the SSCC (check digit) exactly as the other renderings do.
        gs1_128(&self.elements())?;
        let mut z = String::from("^XA\n^CI28\n^PW812\n^LL1218\n");
        z.push_str(&format!(
            "^FO40,30^A0N,44,44^FDCARTON {}^FS\n",
            field(&self.sscc)
        ));
        let lines = self.lines();
        for (i, l) in lines.iter().enumerate() {
            z.push_str(&format!(
                "^FO40,{}^A0N,30,30^FD{}^FS\n",
                100 + 40 * i,
                field(l)
            ));
        }
        let top = 130 + 40 * lines.len();
        z.push_str(&format!(
            "^FO60,{top}^BY3^BCN,260,N,N,N^FD>;>800{}^FS\n",
            self.sscc
        ));
        z.push_str(&format!(
            "^FO60,{}^A0N,34,34^FD{}^FS\n^XZ\n",
            top + 290,
            field(&human_readable(&self.elements()))
        ));
        Ok(z)
    }
}

/// Text for a ZPL field: `^` and `~` start commands, so they never reach one; control
/// characters are dropped.
fn field(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '^' || c == '~' { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> CartonLabel {
        CartonLabel {
            sscc: "106141411234567897".into(),
            from: "Main DC".into(),
            to: Some("ACME ^XZ Ltd".into()),
            order: "SO-1".into(),
            weight_g: Some(12_345),
            contents: (1..=8).map(|i| format!("SKU-{i} x {i}")).collect(),
            carrier: Some("DHL".into()),
        }
    }

    #[test]
    fn zpl_carries_the_sscc_as_gs1_128_and_no_stray_commands() {
        let z = label().zpl().unwrap();
        assert!(z.starts_with("^XA") && z.trim_end().ends_with("^XZ"));
        assert!(z.contains("^BCN,260,N,N,N^FD>;>800106141411234567897^FS"));
        // The customer's "^XZ" would end the label early: it never gets through.
        assert_eq!(z.matches("^XZ").count(), 1);
        assert!(z.contains("ACME  XZ Ltd"));
        assert!(z.contains("WEIGHT 12.345 kg"));
        assert!(z.contains("... and 2 more lines"));
    }

    #[test]
    fn a_wrong_check_digit_draws_no_label() {
        let mut l = label();
        l.sscc = "106141411234567898".into();
        assert!(l.zpl().is_err() && l.svg().is_err() && l.pdf().is_err());
    }

    #[test]
    fn svg_and_pdf_say_the_same() {
        let l = label();
        let svg = l.svg().unwrap();
        assert!(svg.contains("(00) 106141411234567897") && svg.contains("ORDER SO-1"));
        let pdf = String::from_utf8_lossy(&l.pdf().unwrap()).to_string();
        assert!(pdf.contains("((00) 106141411234567897) Tj"));
        assert!(pdf.contains("(TO ACME ^XZ Ltd) Tj"));
    }
}
