//! Labels for what is on this device: a license plate with its contents, or an item with its
//! GTIN (and lot and expiry when given). Shared by the CLI and the app so both print the same.

use crate::resolve::Resolved;
use crate::{DeviceError, Result, Store};
use aisle_domain::ItemId;
use aisle_domain::said;
use chrono::NaiveDate;

/// A label that cannot be drawn (too much text for it, say), as the operator is told.
pub fn label_error(e: aisle_labels::LabelError) -> DeviceError {
    DeviceError::Invalid(said!(
        "labels.cannot_draw",
        "the label cannot be drawn: {reason}",
        reason = e
    ))
}

impl Store {
    /// An item by SKU or by any of its barcodes.
    pub fn find_item(&self, text: &str) -> Result<ItemId> {
        if let Some(item) = self.item_by_sku(text.trim())? {
            return Ok(item.id);
        }
        match self.resolve(text)?.resolved {
            Resolved::Item(i) => Ok(i.item.id),
            _ => Err(DeviceError::NotFound {
                what: "item (by barcode or SKU)",
                key: text.to_string(),
            }),
        }
    }

    /// The SVG label of a known license plate: its SSCC and one line per item (and lot) on it.
    pub fn plate_label(&self, raw: &str) -> Result<String> {
        let p = match self.resolve(raw)?.resolved {
            Resolved::Plate(p) => p,
            _ => {
                return Err(DeviceError::NotFound {
                    what: "license plate",
                    key: raw.to_string(),
                });
            }
        };
        let contents: Vec<String> = self
            .stock_on_plate(p.id)?
            .iter()
            .map(|l| {
                let lot = l
                    .lot
                    .as_ref()
                    .map(|x| format!(" lot {x}"))
                    .unwrap_or_default();
                format!("{} x {}{lot}", l.sku, l.qty)
            })
            .collect();
        aisle_labels::plate_label(&p.code, &contents).map_err(label_error)
    }

    /// The SVG label of an item (by SKU or barcode), with lot and expiry when given.
    pub fn item_label(
        &self,
        item: &str,
        lot: Option<&str>,
        expiry: Option<NaiveDate>,
    ) -> Result<String> {
        let it = self.item(self.find_item(item)?)?;
        let gtin = it
            .barcodes
            .iter()
            .find(|b| b.len() == 14 && b.bytes().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| {
                DeviceError::Invalid(said!(
                    "labels.item_has_no_gtin",
                    "item {sku} has no GTIN to print",
                    sku = it.sku
                ))
            })?;
        let exp = expiry.map(|d| d.format("%y%m%d").to_string());
        aisle_labels::item_label(&it.sku, &it.description, gtin, lot, exp.as_deref())
            .map_err(label_error)
    }
}
