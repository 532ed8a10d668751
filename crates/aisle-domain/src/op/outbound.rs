//! Outbound operations after picking: picked goods packed into cartons, cartons closed with their
//! weight, and cartons shipped.
//!
//! Picking already took the goods out of the location's stock, so none of these moves stock: they
//! record where the order's picked goods are (which carton) and when they left (which shipment).
//! A carton is known by its SSCC, minted on the tablet from a block the server reserved for it
//! ([`crate::sscc`]), so cartons are packed and shipped offline like everything else.

use super::{MAX_QTY, OpError, positive};
use crate::ids::{ItemId, OrderLineId};
use serde::{Deserialize, Serialize};

/// The heaviest carton or pallet a scale reading may give, in grams (2 tonnes).
pub const MAX_CARTON_GRAMS: i64 = 2_000_000;
/// The most lines one pack operation (a whole tote) may carry.
pub const MAX_PACK_LINES: usize = 500;
/// The most cartons one shipment may carry.
pub const MAX_SHIPMENT_CARTONS: usize = 2_000;

/// One item (and lot) of an order going into a carton.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line: Option<OrderLineId>,
    pub item: ItemId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    pub qty: i64,
}

/// Picked goods of `order` go into carton `carton`: one item scanned, or a whole tote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    pub order: String,
    /// The carton's SSCC (18 digits).
    pub carton: String,
    pub lines: Vec<PackLine>,
    /// The cluster-pick tote the goods came from, when a tote was scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tote: Option<u32>,
}

/// A carton is closed: nothing more goes in, and its label carries its weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseCarton {
    pub order: String,
    pub carton: String,
    /// Gross weight in grams.
    pub weight_g: i64,
    /// True when typed from a scale; false when the tablet added up the items' weights.
    #[serde(default)]
    pub weighed: bool,
}

/// Cartons leave on a shipment (a carrier's collection, a route, a truck). The operation is the
/// shipment: its id names it. Cartons may belong to several orders, and an order may leave in
/// several shipments: what it has not shipped stays open (a backorder).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ship {
    pub carrier: String,
    /// Route, truck or the carrier's tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// SSCCs of the cartons, each once.
    pub cartons: Vec<String>,
}

fn sscc(code: &str) -> Result<(), OpError> {
    crate::sscc::check(code).map_err(|e| OpError::Other(e.said()))
}

fn order(order: &str) -> Result<(), OpError> {
    if order.trim().is_empty() {
        Err(OpError::Other(said!(
            "op.carton_without_order",
            "a carton belongs to an order: name it"
        )))
    } else {
        Ok(())
    }
}

impl Pack {
    pub(super) fn check(&self) -> Result<(), OpError> {
        order(&self.order)?;
        sscc(&self.carton)?;
        if self.lines.is_empty() || self.lines.len() > MAX_PACK_LINES {
            return Err(OpError::Other(said!(
                "op.pack_lines",
                "a pack carries 1 to {max} lines, not {lines}",
                max = MAX_PACK_LINES,
                lines = self.lines.len()
            )));
        }
        self.lines.iter().try_for_each(|l| positive(l.qty))
    }

    pub(super) fn quantities(&self) -> Vec<i64> {
        self.lines.iter().map(|l| l.qty).collect()
    }
}

impl CloseCarton {
    pub(super) fn check(&self) -> Result<(), OpError> {
        order(&self.order)?;
        sscc(&self.carton)?;
        if !(0..=MAX_CARTON_GRAMS).contains(&self.weight_g) {
            return Err(OpError::Quantity {
                rule: super::QuantityRule::CartonWeight,
                qty: self.weight_g,
            });
        }
        Ok(())
    }
}

impl Ship {
    pub(super) fn check(&self) -> Result<(), OpError> {
        if self.carrier.trim().is_empty() {
            return Err(OpError::Other(said!(
                "op.shipment_without_carrier",
                "a shipment names its carrier (or own truck)"
            )));
        }
        if self.cartons.is_empty() || self.cartons.len() > MAX_SHIPMENT_CARTONS {
            return Err(OpError::Other(said!(
                "op.shipment_cartons",
                "a shipment carries 1 to {max} cartons, not {cartons}",
                max = MAX_SHIPMENT_CARTONS,
                cartons = self.cartons.len()
            )));
        }
        for (i, c) in self.cartons.iter().enumerate() {
            sscc(c)?;
            if self.cartons[..i].contains(c) {
                return Err(OpError::Other(said!(
                    "op.shipment_carton_twice",
                    "carton {carton} is scanned onto the shipment twice",
                    carton = c.clone()
                )));
            }
        }
        Ok(())
    }
}

/// Grams as a scale shows them: `12.345 kg`, `850 g`.
pub fn weight_text(grams: i64) -> String {
    if grams.abs() >= 1000 {
        format!("{}.{:03} kg", grams / 1000, (grams % 1000).abs())
    } else {
        format!("{grams} g")
    }
}

const _: () = assert!(MAX_CARTON_GRAMS < MAX_QTY);
