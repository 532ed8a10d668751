//! The packing slip of a shipment: every carton that left on it, its order, customer and weight,
//! and what is inside, as an A4 PDF that travels with the goods.

use crate::pdf::Document;
use aisle_domain::op::weight_text;

/// One line inside a carton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipLine {
    pub sku: String,
    pub description: String,
    pub lot: Option<String>,
    pub qty: i64,
}

/// One carton on the slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipCarton {
    pub sscc: String,
    pub order: String,
    pub customer: Option<String>,
    pub weight_g: Option<i64>,
    pub lines: Vec<SlipLine>,
}

/// A shipment's packing slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackingSlip {
    pub shipment: String,
    pub from: String,
    pub carrier: String,
    pub reference: Option<String>,
    pub shipped_at: String,
    pub cartons: Vec<SlipCarton>,
}

const A4: (f32, f32) = (595.0, 842.0);
const LEFT: f32 = 40.0;
const BOTTOM: f32 = 790.0;
const LINE: f32 = 14.0;

/// Writes down the page, starting a new one (with the slip's heading) when the page is full.
struct Writer {
    doc: Document,
    top: f32,
    heading: String,
    page: u32,
}

impl Writer {
    fn room(&mut self, lines: u32) {
        if self.top + LINE * lines as f32 > BOTTOM {
            self.doc.new_page();
            self.page += 1;
            self.top = 40.0;
            let h = format!("{} (page {})", self.heading, self.page);
            self.doc.text(LEFT, self.top, 9.0, false, &h);
            self.top += 2.0 * LINE;
        }
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        self.doc.text(x, self.top, size, bold, text);
    }
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(chars.saturating_sub(3)).collect();
        t.push_str("...");
        t
    }
}

impl PackingSlip {
    /// Units in all cartons.
    pub fn units(&self) -> i64 {
        self.cartons
            .iter()
            .flat_map(|c| &c.lines)
            .map(|l| l.qty)
            .sum()
    }

    pub fn pdf(&self) -> Vec<u8> {
        let mut w = Writer {
            doc: Document::new(A4.0, A4.1),
            top: 50.0,
            heading: format!("Packing slip, shipment {}", self.shipment),
            page: 1,
        };
        w.line(LEFT, 18.0, true, "PACKING SLIP");
        w.top += 24.0;
        let mut head = vec![
            format!("Shipment {}", self.shipment),
            format!("From {}", self.from),
            format!("Carrier {}", self.carrier),
        ];
        if let Some(r) = &self.reference {
            head.push(format!("Reference {r}"));
        }
        head.push(format!("Shipped {}", self.shipped_at));
        let weight: i64 = self.cartons.iter().filter_map(|c| c.weight_g).sum();
        head.push(format!(
            "{} cartons, {} units, {}",
            self.cartons.len(),
            self.units(),
            weight_text(weight)
        ));
        for h in head {
            w.line(LEFT, 10.0, false, &h);
            w.top += LINE;
        }
        for c in &self.cartons {
            w.top += LINE / 2.0;
            w.room(3);
            w.doc.rule(LEFT, w.top - 11.0, A4.0 - 2.0 * LEFT);
            let mut title = format!("Carton {}   Order {}", c.sscc, c.order);
            if let Some(cust) = &c.customer {
                title.push_str(&format!("   {}", clip(cust, 30)));
            }
            if let Some(g) = c.weight_g {
                title.push_str(&format!("   {}", weight_text(g)));
            }
            w.line(LEFT, 10.0, true, &title);
            w.top += LINE;
            for l in &c.lines {
                w.room(1);
                w.line(LEFT + 10.0, 9.0, false, &clip(&l.sku, 20));
                w.line(LEFT + 120.0, 9.0, false, &clip(&l.description, 45));
                w.line(
                    LEFT + 380.0,
                    9.0,
                    false,
                    &l.lot
                        .as_deref()
                        .map(|x| format!("lot {x}"))
                        .unwrap_or_default(),
                );
                w.line(LEFT + 470.0, 9.0, false, &l.qty.to_string());
                w.top += LINE;
            }
        }
        w.doc.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_shipment_runs_onto_more_pages_with_every_line() {
        let cartons = (0..12)
            .map(|i| SlipCarton {
                sscc: format!("10614141123456{i:04}"),
                order: format!("SO-{i}"),
                customer: Some("Café Müller".into()),
                weight_g: Some(1_500),
                lines: (0..8)
                    .map(|j| SlipLine {
                        sku: format!("SKU-{i}-{j}"),
                        description: "Widget".into(),
                        lot: (j % 2 == 0).then(|| format!("L{j}")),
                        qty: 2,
                    })
                    .collect(),
            })
            .collect();
        let slip = PackingSlip {
            shipment: "SH-1".into(),
            from: "Main DC".into(),
            carrier: "DHL".into(),
            reference: Some("Route 7".into()),
            shipped_at: "2026-12-03 10:00".into(),
            cartons,
        };
        assert_eq!(slip.units(), 12 * 8 * 2);
        let pdf = String::from_utf8_lossy(&slip.pdf()).to_string();
        let pages = pdf
            .split("/Count ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok());
        // 12 cartons of 8 lines, 14 pt a line, on pages of 750 pt.
        assert_eq!(pages, Some(3));
        assert!(pdf.contains("(12 cartons, 192 units, 18.000 kg) Tj"));
        for i in 0..12 {
            assert!(
                pdf.contains(&format!("(SKU-{i}-7) Tj")),
                "carton {i}'s last line"
            );
        }
        assert!(pdf.contains("Caf? M?ller"));
    }
}
