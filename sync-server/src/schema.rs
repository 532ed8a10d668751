//! The server's SQLite schema: numbered SQL files in `migrations/sqlite/`, applied in order
//! (`PRAGMA user_version` counts them). A released file is never edited: a change is a new file at
//! the end of the list, pinned by hash in the test below. Version 1 is the shared ledger's first
//! file ([`aisle_ledger::schema::V1`]), pinned there and here.

use rusqlite_migration::{M, Migrations};

/// The ledger tables every store shares: warehouses, locations, items, plates, ledger, stock.
const V1: &str = aisle_ledger::schema::V1;
/// The change log, devices, enrolment, operators, receipts and orders, exceptions.
const V1_SERVER: &str = include_str!("../migrations/sqlite/0002_server.sql");
/// Replenishment: reorder policies per warehouse and item, and purchase order numbers.
const V2_INVENTORY: &str = include_str!("../migrations/sqlite/0003_inventory.sql");
/// Supervisor sign-in sessions for the web pages: only the token's hash is kept.
const V3_SESSIONS: &str = include_str!("../migrations/sqlite/0004_sessions.sql");
/// Shipping confirmation of outbound orders: packed, then shipped with a carrier and tracking.
const V4_SHIPMENTS: &str = include_str!("../migrations/sqlite/0005_shipments.sql");
/// Tasks sent to devices (pick-face top-ups, counts), what each device last said of itself, and
/// unit costs for stock valuation (server-only: devices never need prices).
const V5_TASKS: &str = include_str!("../migrations/sqlite/0006_tasks.sql");
/// When each operation happened on the server's clock (`at`: the device's time corrected by the
/// offset its clock reported at the push), and each device's last reported clock offset, so that
/// a device with a wrong clock cannot move demand, FIFO or count dates.
const V6_CLOCKS: &str = include_str!("../migrations/sqlite/0007_clocks.sql");
/// Supervisor actions, append-only: who did what, when, and how it ended.
const V7_AUDIT: &str = include_str!("../migrations/sqlite/0008_audit.sql");
/// Many hands: an operation the server may not apply as sent is logged as `held` (kept, not
/// applied, never pulled by other devices); operators' roles keep their history so that work is
/// judged by the role its operator had when it was done; plates are numbered changes, so that
/// devices pull them like master data.
const V8_AUTHORITY: &str = include_str!("../migrations/sqlite/0009_authority.sql");
/// Work assigned to one device at a time (`crate::leases`), kept as history so that admission
/// can judge an operation by the leases that covered its time; recounts that block picking;
/// short-picked orders settled by a supervisor.
const V9_LEASES: &str = include_str!("../migrations/sqlite/0010_leases.sql");
/// Every stock key with the server sequence number of its last change, so that a pull sends the
/// rows changed after a cursor instead of every operation (docs/sync-protocol.md, "Pull").
const V10_STOCK_CHANGES: &str = include_str!("../migrations/sqlite/0011_stock_changes.sql");
/// Entries a device sent that cannot be logged under their identity (an operation id logged
/// before, other content under a logged number), kept as sent with the exception that holds them.
const V11_STRAY_ENTRIES: &str = include_str!("../migrations/sqlite/0012_stray_entries.sql");
/// Each item's minimum remaining shelf life (`aisle_domain::shelf_life`): the shared ledger's 0002.
const V12_SHELF_LIFE: &str = aisle_ledger::schema::V2_SHELF_LIFE;
/// Each order line's minimum remaining shelf life (set by an ERP from the customer's terms).
const V13_ORDER_SHELF_LIFE: &str = include_str!("../migrations/sqlite/0013_order_shelf_life.sql");
/// Which items each warehouse stocks, for replenishment.
const V14_ITEM_WAREHOUSES: &str = include_str!("../migrations/sqlite/0014_item_warehouses.sql");
/// Suppliers, their terms per item, preferred suppliers and purchase-order headers.
const V15_SUPPLIERS: &str = include_str!("../migrations/sqlite/0015_suppliers.sql");
/// Customer returns as applied, per order and item.
const V16_RETURNS: &str = include_str!("../migrations/sqlite/0016_returns.sql");
/// Transfers between warehouses.
const V17_TRANSFERS: &str = include_str!("../migrations/sqlite/0017_transfers.sql");
/// Whether a warehouse refuses a scan that overfills a location: the shared ledger's 0003.
const V18_CAPACITY_POLICY: &str = aisle_ledger::schema::V3_CAPACITY_POLICY;
/// Cartons, what was packed into them, shipments of cartons and SSCC blocks given to devices
/// (the same text on PostgreSQL).
const V19_CARTONS: &str = include_str!("../migrations/sqlite/0018_cartons.sql");
/// Locations' weight and volume limits: the shared ledger's 0004.
const V20_LOCATION_LIMITS: &str = aisle_ledger::schema::V4_LOCATION_LIMITS;
/// Operators a supervisor disabled, and since when (the same text on PostgreSQL).
const V21_OPERATOR_DISABLED: &str = include_str!("../migrations/sqlite/0019_operator_disabled.sql");
/// The language a supervisor set for an operator (the same text on PostgreSQL).
const V22_OPERATOR_LANGUAGE: &str = include_str!("../migrations/sqlite/0020_operator_language.sql");
/// The ledger's foreign keys dropped (SQLite only; PostgreSQL's 0004 did the same).
const V23_LEDGER_UNCHECKED_KEYS: &str =
    include_str!("../migrations/sqlite/0021_ledger_unchecked_keys.sql");
/// Each exception's message with its catalog key and values (the same text on PostgreSQL).
const V24_EXCEPTION_SAID: &str = include_str!("../migrations/sqlite/0022_exception_said.sql");
/// Each task's reason with its catalog key and values (the same text on PostgreSQL).
const V25_TASK_REASON_SAID: &str = include_str!("../migrations/sqlite/0023_task_reason_said.sql");
/// Each changed stock key's quantity beside its sequence number, for a pull that reads one index
/// (the same text on PostgreSQL).
const V26_STOCK_CHANGES_QTY: &str = include_str!("../migrations/sqlite/0024_stock_changes_qty.sql");

const MIGRATION_LIST: &[M<'static>] = &[
    M::up(V1),
    M::up(V1_SERVER),
    M::up(V2_INVENTORY),
    M::up(V3_SESSIONS),
    M::up(V4_SHIPMENTS),
    M::up(V5_TASKS),
    M::up(V6_CLOCKS),
    M::up(V7_AUDIT),
    M::up(V8_AUTHORITY),
    M::up(V9_LEASES),
    M::up(V10_STOCK_CHANGES),
    M::up(V11_STRAY_ENTRIES),
    M::up(V12_SHELF_LIFE),
    M::up(V13_ORDER_SHELF_LIFE),
    M::up(V14_ITEM_WAREHOUSES),
    M::up(V15_SUPPLIERS),
    M::up(V16_RETURNS),
    M::up(V17_TRANSFERS),
    M::up(V18_CAPACITY_POLICY),
    M::up(V19_CARTONS),
    M::up(V20_LOCATION_LIMITS),
    M::up(V21_OPERATOR_DISABLED),
    M::up(V22_OPERATOR_LANGUAGE),
    M::up(V23_LEDGER_UNCHECKED_KEYS),
    M::up(V24_EXCEPTION_SAID),
    M::up(V25_TASK_REASON_SAID),
    M::up(V26_STOCK_CHANGES_QTY),
];

pub const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_LIST);

/// The schema version this build writes (`PRAGMA user_version`).
pub const LATEST: usize = MIGRATION_LIST.len();

/// The same schema on PostgreSQL, as numbered files in `migrations/postgres/` (the version is kept
/// in `aisle_schema`). It starts at today's tables; from here on both lists grow together, except
/// where a backend needs its own change (0004: the ledger's foreign keys, dropped on PostgreSQL
/// first; SQLite's 0021 did the same with a table rebuild).
pub mod postgres {
    /// Oldest first.
    pub const MIGRATIONS: &[&str] = &[
        aisle_ledger::schema::postgres::V1,
        include_str!("../migrations/postgres/0002_server.sql"),
        include_str!("../migrations/postgres/0003_stock_changes.sql"),
        include_str!("../migrations/postgres/0004_ledger_unchecked_keys.sql"),
        include_str!("../migrations/postgres/0005_stray_entries.sql"),
        aisle_ledger::schema::V2_SHELF_LIFE,
        include_str!("../migrations/postgres/0006_order_shelf_life.sql"),
        include_str!("../migrations/postgres/0007_item_warehouses.sql"),
        include_str!("../migrations/postgres/0008_suppliers.sql"),
        include_str!("../migrations/postgres/0009_returns.sql"),
        include_str!("../migrations/postgres/0010_transfers.sql"),
        aisle_ledger::schema::V3_CAPACITY_POLICY,
        super::V19_CARTONS,
        aisle_ledger::schema::V4_LOCATION_LIMITS,
        super::V21_OPERATOR_DISABLED,
        super::V22_OPERATOR_LANGUAGE,
        super::V24_EXCEPTION_SAID,
        super::V25_TASK_REASON_SAID,
        super::V26_STOCK_CHANGES_QTY,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn sha256(sql: &str) -> String {
        Sha256::digest(sql.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A database that ran a migration must never meet a different text under the same version:
    /// a change is a new migration at the end of the list. A new migration gets its hash pinned
    /// here when it is released.
    #[test]
    fn released_migrations_are_never_edited() {
        let released = [
            (
                "V1 (the shared ledger's 0001)",
                V1,
                "a24f9de2295ab4bb9fbc1760fec7767ab285fe4c5d680b58650902a23a4dc425",
            ),
            (
                "V1_SERVER",
                V1_SERVER,
                "1d7f399b08dd8a729f393bbe863c49d0f4a2d080c58fd0e502e162a6449a95cc",
            ),
            (
                "V2_INVENTORY",
                V2_INVENTORY,
                "3730078152603ae3368dac8787ea6bc612fc211a321f5abe56cc1e160d1bf9fa",
            ),
            (
                "V3_SESSIONS",
                V3_SESSIONS,
                "72159ea66e78f4b02d47222816fa9cb3ef59e8d370eac98910a4a8255cd5bb3b",
            ),
            (
                "V4_SHIPMENTS",
                V4_SHIPMENTS,
                "43ff496b1bd2bb4aeff1864f01d15280aefc00ad24816742bf054a64d13f54ab",
            ),
            (
                "V5_TASKS",
                V5_TASKS,
                "5007cd78b501154aa6a0419a63261a135cd8f68e4c5fe47b34d2c27fd354d38b",
            ),
            (
                "V6_CLOCKS",
                V6_CLOCKS,
                "58a6d97429b6a8cf17fc54d9939c2baabc5119f306f07eb50c9d051aa3e967b4",
            ),
            (
                "V7_AUDIT",
                V7_AUDIT,
                "476a2f6c12c5f94714fb126cc5cb3f544b37726d9e52f5919475593081650614",
            ),
            (
                "V8_AUTHORITY",
                V8_AUTHORITY,
                "9e45d038f3c0cbb4b1b100a70a1fe34e126410d9dc8f603a9b330bffee0cc0b7",
            ),
            (
                "V9_LEASES",
                V9_LEASES,
                "8f2df3ca4e6a4b5b3dbfbc19b1fd710b072993c2110e968a3d5e0aeddedccf34",
            ),
            (
                "V10_STOCK_CHANGES",
                V10_STOCK_CHANGES,
                "d49573eac765390402fe89a1b02356abc4ea8af6ad3cbda1164eeef14f7ac61f",
            ),
            (
                "V11_STRAY_ENTRIES",
                V11_STRAY_ENTRIES,
                "492a062680c7bf83fa4f9a87cd76c730f88e16b461c30ce58ea4b78c9c575182",
            ),
            (
                "V12_SHELF_LIFE (the shared ledger's 0002)",
                V12_SHELF_LIFE,
                "bc805519f0516d3e52d56077536eeae4355cce2c744cdca7c5fe6c6cc2fca9a4",
            ),
            (
                "V13_ORDER_SHELF_LIFE",
                V13_ORDER_SHELF_LIFE,
                "8249da27698334441bb9f921c7fa255260cf196db647559064beb5749d9727e5",
            ),
            (
                "V14_ITEM_WAREHOUSES",
                V14_ITEM_WAREHOUSES,
                "50e396abdb2d26ae8ec35cf337c07470790e29a6b3b6c6835f13e68b22b51a17",
            ),
            (
                "V15_SUPPLIERS",
                V15_SUPPLIERS,
                "a6d265f2a968ea3766f86deb1bf35c0bc31f7bf28bbdeed2404e4c0486d83f28",
            ),
            (
                "V16_RETURNS",
                V16_RETURNS,
                "1aa67fb0060f11dc32774a284913a8bc2f5d33750c6b88f0d375e5462ac07af3",
            ),
            (
                "V17_TRANSFERS",
                V17_TRANSFERS,
                "e38c91fd9a1ed1a0a2946393924de7fb0c613290f2117770aa6cc31e17e123d4",
            ),
            (
                "V18_CAPACITY_POLICY (the shared ledger's 0003)",
                V18_CAPACITY_POLICY,
                "7833bb8aaccc4f5f1b0a3f9116fbc1c82be82f4d09783bc6f6cec6a3b7b6273a",
            ),
            (
                "V19_CARTONS",
                V19_CARTONS,
                "aceabe13f89a272abf0c7934b5b0aa6d607bed3466269a1d3189b37384ef8e1d",
            ),
            (
                "V20_LOCATION_LIMITS (the shared ledger's 0004)",
                V20_LOCATION_LIMITS,
                "8996fedfbd3d8fcb487a98fc70dddf41e12bfd9000125ea487fb118b652a626c",
            ),
            (
                "V21_OPERATOR_DISABLED",
                V21_OPERATOR_DISABLED,
                "37e5e409b2976f59f9a58d1dc6fda2a43252acc76ecb96b17c9efe04edfdcef1",
            ),
            (
                "V22_OPERATOR_LANGUAGE",
                V22_OPERATOR_LANGUAGE,
                "c12bcc8d3e8c85f20aded58a26d7c9bd511c9d2856d91ced6d27a7cfeb9a25f8",
            ),
            (
                "V23_LEDGER_UNCHECKED_KEYS",
                V23_LEDGER_UNCHECKED_KEYS,
                "0bc3f8fc7faf52bcebfa9382f73a91487448884f60a5c69215b0ec2fe4767cf2",
            ),
            (
                "V24_EXCEPTION_SAID",
                V24_EXCEPTION_SAID,
                "2ddc23b647f820c228ebf2de2100ad7f334943445d7d68b0e36c5621bb1811d3",
            ),
            (
                "V25_TASK_REASON_SAID",
                V25_TASK_REASON_SAID,
                "72e59dbb7ab428a6df1d649dabe74d2290b5384895bca133e0587313ad06d112",
            ),
            (
                "V26_STOCK_CHANGES_QTY",
                V26_STOCK_CHANGES_QTY,
                "34a8847766c5ed8d61d1d46a5b54e449a1e12ab802c698ccf463e588db39259c",
            ),
        ];
        for (name, sql, pinned) in released {
            assert_eq!(
                sha256(sql),
                pinned,
                "released migration {name} was edited: put the change in a new migration"
            );
        }
        assert_eq!(
            LATEST,
            released.len(),
            "a new migration: pin its hash in this test once it is released"
        );
    }
}
