//! Aisle's domain: the types every part of the system agrees on and the rules that need no I/O.
//!
//! Devices and the sync server share this crate so that a scan is decoded, an operation is
//! validated and its effect on stock is computed by exactly one implementation.

#![forbid(unsafe_code)]

// First, so that `said!` is in scope in every module below.
#[macro_use]
pub mod said;

pub mod admission;
pub mod allocation;
pub mod capacity;
pub mod cycle_count;
pub mod demo;
pub mod forecast;
pub mod fuzzing;
pub mod ids;
pub mod import;
pub mod ledger;
pub mod master;
pub mod op;
pub mod reconcile;
pub mod replenish;
pub mod scan;
pub mod shelf_life;
pub mod sscc;

pub use ids::{
    DeviceId, ItemId, LocationId, OpId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
pub use ledger::{Delta, StockKey};
pub use master::{
    Item, LicensePlate, Location, LocationKind, PackKind, PackLevel, Tracking, Warehouse,
};
pub use op::{ChangeLogEntry, OpKind, Operation, PAYLOAD_VERSION};
pub use said::Said;
