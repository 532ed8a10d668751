//! The master-data answers the admission rules ([`aisle_domain::admission`]) need (items,
//! locations, plates), over the tables devices and the server share: one implementation for the
//! device's view and the server's.

use crate::args;
use crate::db::{Db, DbExt, Row, Value};
use aisle_domain::reconcile::{ViewError, ViewResult};
use aisle_domain::{ItemId, LocationId, PlateId, WarehouseId};

#[derive(Clone, Copy)]
pub struct SharedMaster<'a>(pub &'a dyn Db);

impl std::fmt::Debug for SharedMaster<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedMaster")
    }
}

/// A storage failure while answering the rules: never a verdict.
pub fn fail(e: impl std::fmt::Display) -> ViewError {
    ViewError(e.to_string())
}

impl SharedMaster<'_> {
    fn one<T>(
        &self,
        sql: &str,
        arg: &[Value],
        row: impl FnMut(&Row<'_>) -> crate::Result<T>,
    ) -> ViewResult<Option<T>> {
        self.0.first(sql, arg, row).map_err(fail)
    }

    pub fn item_sku(&self, item: ItemId) -> ViewResult<Option<String>> {
        self.one("SELECT sku FROM items WHERE id = ?1", args![item], |r| {
            r.get(0)
        })
    }

    pub fn location(&self, id: LocationId) -> ViewResult<Option<(WarehouseId, String)>> {
        self.one(
            "SELECT warehouse_id, code FROM locations WHERE id = ?1",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    pub fn plate_with_code(&self, code: &str) -> ViewResult<Option<PlateId>> {
        self.one("SELECT id FROM plates WHERE code = ?1", args![code], |r| {
            r.get(0)
        })
    }
}
