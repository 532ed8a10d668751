//! The ledger's tables (master data, ledger, materialized stock, plates) as numbered SQL files.
//!
//! The device's store and the server's SQLite database each keep their own list of migrations;
//! each includes these files, in order, at the version where it first took them (both took
//! `0001` as part of their version 1). A change to the shared tables is a new file here, taken
//! by both lists as a new migration; a released file is never edited (pinned below and in both
//! lists' tests).

/// Warehouses, locations, items, barcodes, plates, the ledger and materialized stock.
pub const V1: &str = include_str!("../migrations/0001_master_and_ledger.sql");

/// Each item's minimum remaining shelf life. One text for both backends: the PostgreSQL list
/// takes it too.
pub const V2_SHELF_LIFE: &str = include_str!("../migrations/0002_shelf_life.sql");

/// Whether a warehouse refuses a scan that overfills a location. One text for both backends.
pub const V3_CAPACITY_POLICY: &str = include_str!("../migrations/0003_capacity_policy.sql");

/// A location's weight and volume limits. One text for both backends.
pub const V4_LOCATION_LIMITS: &str = include_str!("../migrations/0004_location_limits.sql");

/// The same tables on PostgreSQL (the server's other backend), numbered alike.
pub mod postgres {
    /// [`super::V1`]'s tables on PostgreSQL.
    pub const V1: &str = include_str!("../migrations/postgres/0001_master_and_ledger.sql");
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    #[test]
    fn released_files_are_never_edited() {
        for (name, sql, pinned) in [
            (
                "0001_master_and_ledger.sql",
                super::V1,
                "a24f9de2295ab4bb9fbc1760fec7767ab285fe4c5d680b58650902a23a4dc425",
            ),
            (
                "0002_shelf_life.sql",
                super::V2_SHELF_LIFE,
                "bc805519f0516d3e52d56077536eeae4355cce2c744cdca7c5fe6c6cc2fca9a4",
            ),
            (
                "0003_capacity_policy.sql",
                super::V3_CAPACITY_POLICY,
                "7833bb8aaccc4f5f1b0a3f9116fbc1c82be82f4d09783bc6f6cec6a3b7b6273a",
            ),
            (
                "0004_location_limits.sql",
                super::V4_LOCATION_LIMITS,
                "8996fedfbd3d8fcb487a98fc70dddf41e12bfd9000125ea487fb118b652a626c",
            ),
        ] {
            let now: String = Sha256::digest(sql.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                now, pinned,
                "migrations/{name} was edited: put the change in a new file"
            );
        }
    }
}
