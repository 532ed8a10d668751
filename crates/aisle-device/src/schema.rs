//! The store's schema and its versioned migrations (SQLite `user_version`).
//!
//! Migrations only ever append to this list; a released migration is never edited, so that every
//! device in the field can be brought forward from whatever version it has.

use rusqlite_migration::{M, Migrations};

/// Master data tables (warehouses, locations, items, barcodes, plates). Shared with the sync
/// server's SQLite backend, which holds the same master data and must look it up the same way.
#[macro_export]
macro_rules! master_ddl {
    () => {
        r#"
CREATE TABLE warehouses (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE locations (
    id           TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    code         TEXT NOT NULL,
    barcode      TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    parent_id    TEXT REFERENCES locations(id),
    walk_seq     INTEGER,
    capacity     INTEGER,
    UNIQUE (warehouse_id, code)
);

CREATE TABLE items (
    id             TEXT PRIMARY KEY,
    sku            TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL,
    uom            TEXT NOT NULL,
    weight_g       INTEGER,
    length_mm      INTEGER,
    width_mm       INTEGER,
    height_mm      INTEGER,
    tracking       TEXT NOT NULL,
    expiry_tracked INTEGER NOT NULL,
    reorder_point  INTEGER,
    min_qty        INTEGER,
    max_qty        INTEGER,
    -- Pack levels [[kind, gtin, quantity], ...] and base barcodes [code, ...] as JSON: read with
    -- the item in one row on every scan; `barcodes` below is the lookup index over the same codes,
    -- written in the same transaction.
    packs          TEXT NOT NULL DEFAULT '[]',
    codes          TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;

-- Every scannable code of every item, pack-level GTINs included: one B-tree probe per scan.
CREATE TABLE barcodes (
    code      TEXT PRIMARY KEY,
    item_id   TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    pack_kind TEXT NOT NULL,
    pack_qty  INTEGER NOT NULL CHECK (pack_qty >= 1)
) WITHOUT ROWID;
CREATE INDEX barcodes_item ON barcodes(item_id);

CREATE TABLE plates (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    location_id  TEXT REFERENCES locations(id)
);

"#
    };
}

/// The stock ledger and the materialized stock it implies. Shared with the sync server, so that
/// both apply an operation's effects with the same code ([`crate::record::apply`]).
#[macro_export]
macro_rules! ledger_ddl {
    () => {
        r#"
-- The stock ledger: one signed delta per key per operation. Empty strings stand for "none" in
-- key columns so that keys compare equal in the materialized table's primary key.
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    op_id       TEXT NOT NULL,
    item_id     TEXT NOT NULL REFERENCES items(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    lot         TEXT NOT NULL DEFAULT '',
    expiry      TEXT NOT NULL DEFAULT '',
    plate_id    TEXT NOT NULL DEFAULT '',
    qty         INTEGER NOT NULL
);
-- No secondary indexes: the ledger is only appended to on the scan path and read whole by the
-- audit; every index here would be another page written per scan.
CREATE TRIGGER ledger_immutable BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;
CREATE TRIGGER ledger_append_only BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows cannot be deleted'); END;

-- On-hand stock, materialized from the ledger in the same transaction. Zero rows are removed.
CREATE TABLE stock (
    item_id     TEXT NOT NULL REFERENCES items(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    lot         TEXT NOT NULL,
    expiry      TEXT NOT NULL,
    plate_id    TEXT NOT NULL,
    qty         INTEGER NOT NULL,
    PRIMARY KEY (item_id, location_id, lot, expiry, plate_id)
) WITHOUT ROWID;
CREATE INDEX stock_location ON stock(location_id);
CREATE INDEX stock_lot ON stock(lot) WHERE lot <> '';
CREATE INDEX stock_plate ON stock(plate_id) WHERE plate_id <> '';

"#
    };
}

const V1: &str = concat!(
    r#"
CREATE TABLE device (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    warehouse_id TEXT REFERENCES warehouses(id),
    created_at   TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The change log: append-only, gapless per device. Triggers make edits impossible.
CREATE TABLE change_log (
    seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
    op_id          TEXT NOT NULL UNIQUE,
    device_id      TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    op_type        TEXT NOT NULL,
    warehouse_id   TEXT NOT NULL,
    operator       TEXT NOT NULL,
    device_time    TEXT NOT NULL,
    scans          TEXT NOT NULL,
    payload        TEXT NOT NULL
);
CREATE TRIGGER change_log_immutable BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change log entries are immutable'); END;
CREATE TRIGGER change_log_append_only BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change log entries cannot be deleted'); END;

-- How far the change log has been acknowledged by the server (used by sync).
CREATE TABLE sync_state (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    pushed_seq INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (singleton, pushed_seq) VALUES (1, 0);
"#,
    master_ddl!(),
    ledger_ddl!()
);

/// Version 2: what sync needs: the server's address, token and epoch, the pull cursors, operations
/// received from other devices, downloaded work and exceptions, other warehouses' totals.
const V2: &str = r#"
ALTER TABLE sync_state ADD COLUMN server_url TEXT;
ALTER TABLE sync_state ADD COLUMN token TEXT;
ALTER TABLE sync_state ADD COLUMN epoch TEXT;
ALTER TABLE sync_state ADD COLUMN pull_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN bootstrapped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN last_sync_at TEXT;
ALTER TABLE change_log ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;

-- Operations of other devices (and the server) applied to the local ledger, so each is applied
-- exactly once. Their content lives on the server; keeping only ids keeps a pull's writes small.
CREATE TABLE remote_ops (
    server_seq INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    device_id  TEXT NOT NULL,
    op_type    TEXT NOT NULL
);

CREATE TABLE receipt_lines (
    id    TEXT PRIMARY KEY,
    line  TEXT NOT NULL
);
CREATE TABLE order_lines (
    id    TEXT PRIMARY KEY,
    line  TEXT NOT NULL
);
CREATE TABLE exceptions (
    id     TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    body   TEXT NOT NULL
);
-- Operators who may sign in here, with argon2 PIN hashes from the server: sign-in works offline.
CREATE TABLE operators (
    badge    TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    pin_hash TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE other_stock (
    warehouse_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    qty          INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) WITHOUT ROWID;
"#;

/// Version 3: tasks the server sends (pick-face top-ups, counts), kept as pulled.
const V3: &str = r#"
CREATE TABLE tasks (
    id     TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    body   TEXT NOT NULL
);
"#;

/// Version 4: the warehouse's own CA certificate (PEM) that the server's TLS certificate is
/// checked against, when it is not signed by a public CA.
const V4: &str = r#"
ALTER TABLE sync_state ADD COLUMN ca_pem TEXT;
"#;

/// Version 5: this device's operations the server held (logged, not applied) and that were taken
/// back out of local stock (`reversed`), or that a snapshot had already left out.
const V5: &str = r#"
CREATE TABLE held_ops (
    op_id        TEXT PRIMARY KEY,
    exception_id TEXT NOT NULL,
    reversed     INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Version 6: who holds which work (leases), as last pulled: `work` is `order_line:ID` or
/// `task:ID`.
const V6: &str = r#"
CREATE TABLE leases (
    work        TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    device_name TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Version 7: cluster picking: the tote each order on this device's pick walk goes into. An
/// order keeps its tote until it has nothing left to pick here; then the number is free again.
const V7: &str = r#"
CREATE TABLE totes (
    order_code TEXT PRIMARY KEY,
    tote       INTEGER NOT NULL UNIQUE CHECK (tote >= 1)
) WITHOUT ROWID;
"#;

const MIGRATION_LIST: &[M<'static>] = &[
    M::up(V1),
    M::up(V2),
    M::up(V3),
    M::up(V4),
    M::up(V5),
    M::up(V6),
    M::up(V7),
];

/// All migrations, oldest first. Version N means the first N have been applied.
pub const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_LIST);

/// The schema version this build writes.
pub const LATEST: usize = MIGRATION_LIST.len();

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// A store that ran a migration must never meet a different text under the same version: a
    /// change is a new migration at the end of the list. The server's first migration is spliced
    /// from `master_ddl!` and `ledger_ddl!`, which its own schema test pins as well. A new
    /// migration gets its hash pinned here when it is released.
    #[test]
    fn released_migrations_are_never_edited() {
        let released = [
            (
                "V1",
                V1,
                "77638e814ef179d67864d130df21a6ff652e685bc333e31f72731dd3374d255f",
            ),
            (
                "V2",
                V2,
                "10c5041b0c74457ab89db902bccc610e26a7d938c29f85e6f5f642618c20649c",
            ),
            (
                "V3",
                V3,
                "4804700a03c1b37b4223220420c9db23cd2ae541e6309d3e6a2e32747bc3baa4",
            ),
            (
                "V4",
                V4,
                "25cfa373af52f56cba5dee8417bb53ab5aebb0aca395559c1ca323baeb97596c",
            ),
            (
                "V5",
                V5,
                "61d51e6822046631728e40f4efcfe5ef3e7dc117462b1d6889ab62daa94546d2",
            ),
            (
                "V6",
                V6,
                "653222075c66249ef5df183edb5bc99c0dce8af1568f0a01a8d1a87c09729e90",
            ),
            (
                "V7",
                V7,
                "aa0b4a76699e1cee9143b004c3f96776e923c45dbddebf0f3a7d025984cc9192",
            ),
        ];
        let edited: Vec<String> = released
            .iter()
            .filter_map(|(name, sql, pinned)| {
                let now: String = Sha256::digest(sql.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                (now != *pinned).then(|| format!("{name}: pinned {pinned}, now {now}"))
            })
            .collect();
        assert!(
            edited.is_empty(),
            "released migrations were edited; put the change in a new migration:\n{}",
            edited.join("\n")
        );
        assert_eq!(
            LATEST,
            released.len(),
            "a new migration: pin its hash in this test once it is released"
        );
    }
}
