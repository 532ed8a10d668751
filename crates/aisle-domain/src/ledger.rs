//! The stock ledger's vocabulary: the key every quantity is kept under and the signed deltas that
//! operations produce. On-hand stock is, by definition, the sum of deltas per key.

use crate::ids::{ItemId, LocationId, PlateId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a quantity of stock is, and which of it: item, location, lot, expiry and license plate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StockKey {
    pub item: ItemId,
    pub location: LocationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<PlateId>,
}

impl StockKey {
    /// Stock of an untracked item, loose at a location: no lot, expiry or plate.
    pub fn loose(item: ItemId, location: LocationId) -> Self {
        Self {
            item,
            location,
            lot: None,
            expiry: None,
            plate: None,
        }
    }

    /// The same stock somewhere else (and possibly on another plate).
    pub fn relocated(&self, location: LocationId, plate: Option<PlateId>) -> Self {
        Self {
            location,
            plate,
            ..self.clone()
        }
    }
}

/// A signed change of base units under one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    pub key: StockKey,
    pub qty: i64,
}

/// Sums deltas per key, dropping keys that net to zero: the on-hand figures a ledger implies.
pub fn net(deltas: impl IntoIterator<Item = Delta>) -> BTreeMap<StockKey, i64> {
    let mut out = BTreeMap::new();
    for d in deltas {
        *out.entry(d.key).or_insert(0) += d.qty;
    }
    out.retain(|_, q| *q != 0);
    out
}

/// Net change per item over a set of deltas (zero for anything that only moves stock).
pub fn net_by_item(deltas: &[Delta]) -> BTreeMap<ItemId, i64> {
    let mut out = BTreeMap::new();
    for d in deltas {
        *out.entry(d.key.item).or_insert(0) += d.qty;
    }
    out.retain(|_, q| *q != 0);
    out
}
