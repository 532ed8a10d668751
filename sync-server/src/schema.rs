//! The server's SQLite schema: the master data and ledger tables shared with devices (so both
//! apply operations with the same code), plus the global operation log, devices, enrolments,
//! operators, work and exceptions.

use rusqlite_migration::{M, Migrations};

const V1_SERVER: &str = r#"
CREATE TABLE server_state (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    epoch            TEXT NOT NULL,
    server_device_id TEXT NOT NULL
);

-- Every change of master data, work or exceptions, numbered: devices pull "since rev N".
CREATE TABLE changes (
    rev  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id   TEXT NOT NULL
);
CREATE TRIGGER warehouses_changed_i AFTER INSERT ON warehouses BEGIN INSERT INTO changes (kind, id) VALUES ('warehouse', NEW.id); END;
CREATE TRIGGER warehouses_changed_u AFTER UPDATE ON warehouses BEGIN INSERT INTO changes (kind, id) VALUES ('warehouse', NEW.id); END;
CREATE TRIGGER locations_changed_i AFTER INSERT ON locations BEGIN INSERT INTO changes (kind, id) VALUES ('location', NEW.id); END;
CREATE TRIGGER locations_changed_u AFTER UPDATE ON locations BEGIN INSERT INTO changes (kind, id) VALUES ('location', NEW.id); END;
CREATE TRIGGER items_changed_i AFTER INSERT ON items BEGIN INSERT INTO changes (kind, id) VALUES ('item', NEW.id); END;
CREATE TRIGGER items_changed_u AFTER UPDATE ON items BEGIN INSERT INTO changes (kind, id) VALUES ('item', NEW.id); END;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT,
    last_seen_at TEXT,
    app_version  TEXT NOT NULL,
    durable_seq  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE enrolments (
    code_hash    TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_by      TEXT
);

CREATE TABLE operators (
    badge      TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    pin_hash   TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('operator', 'supervisor')),
    created_at TEXT NOT NULL
);

-- The global operation log: every device's change log, exactly once, in server order.
CREATE TABLE ops (
    server_seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id        TEXT NOT NULL UNIQUE,
    device_id    TEXT NOT NULL,
    device_seq   INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL,
    op_type      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    entry        TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX ops_warehouse ON ops(warehouse_id, server_seq);
CREATE TRIGGER ops_immutable BEFORE UPDATE ON ops BEGIN SELECT RAISE(ABORT, 'logged operations are immutable'); END;
CREATE TRIGGER ops_append_only BEFORE DELETE ON ops BEGIN SELECT RAISE(ABORT, 'logged operations cannot be deleted'); END;

CREATE TABLE receipt_lines (
    id            TEXT PRIMARY KEY,
    receipt       TEXT NOT NULL,
    line          INTEGER NOT NULL,
    warehouse_id  TEXT NOT NULL REFERENCES warehouses(id),
    item_id       TEXT NOT NULL REFERENCES items(id),
    expected_qty  INTEGER NOT NULL,
    received_qty  INTEGER NOT NULL DEFAULT 0,
    expected_date TEXT,
    UNIQUE (receipt, line)
);

CREATE TABLE order_lines (
    id           TEXT PRIMARY KEY,
    order_no     TEXT NOT NULL,
    line         INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    item_id      TEXT NOT NULL REFERENCES items(id),
    qty          INTEGER NOT NULL,
    picked_qty   INTEGER NOT NULL DEFAULT 0,
    customer     TEXT,
    UNIQUE (order_no, line)
);

-- Which operations worked on which receipt or order line.
CREATE TABLE line_ops (
    line_id TEXT NOT NULL,
    op_id   TEXT NOT NULL,
    PRIMARY KEY (line_id, op_id)
) WITHOUT ROWID;

CREATE TABLE serials (
    item_id  TEXT NOT NULL,
    serial   TEXT NOT NULL,
    op_id    TEXT NOT NULL,
    in_stock INTEGER NOT NULL,
    PRIMARY KEY (item_id, serial)
) WITHOUT ROWID;

-- Counts by item and location, to find movements that a counter had not seen and vice versa.
CREATE TABLE counts (
    item_id     TEXT NOT NULL,
    location_id TEXT NOT NULL,
    server_seq  INTEGER NOT NULL,
    op_id       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    PRIMARY KEY (item_id, location_id, server_seq)
) WITHOUT ROWID;

CREATE TRIGGER operators_changed_i AFTER INSERT ON operators BEGIN INSERT INTO changes (kind, id) VALUES ('operator', NEW.badge); END;
CREATE TRIGGER operators_changed_u AFTER UPDATE ON operators BEGIN INSERT INTO changes (kind, id) VALUES ('operator', NEW.badge); END;

CREATE TABLE exceptions (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    device_id    TEXT,
    op_ids       TEXT NOT NULL,
    location_id  TEXT,
    stock_key    TEXT,
    message      TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolution   TEXT
);
CREATE INDEX exceptions_open ON exceptions(warehouse_id, status);
"#;

/// Replenishment: reorder policies per warehouse and item, and purchase order numbers.
const V2_INVENTORY: &str = r#"
CREATE TABLE reorder_policies (
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    item_id      TEXT NOT NULL REFERENCES items(id),
    policy       TEXT NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) WITHOUT ROWID;
CREATE TABLE po_counter (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last      INTEGER NOT NULL
);
INSERT INTO po_counter (singleton, last) VALUES (1, 0);
"#;

/// Supervisor sign-in sessions for the web pages: only the token's hash is kept.
const V3_SESSIONS: &str = r#"
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    badge      TEXT NOT NULL REFERENCES operators(badge),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Shipping confirmation of outbound orders: packed, then shipped with a carrier and tracking.
const V4_SHIPMENTS: &str = r#"
CREATE TABLE shipments (
    order_no   TEXT PRIMARY KEY,
    status     TEXT NOT NULL CHECK (status IN ('packed', 'shipped')),
    carrier    TEXT,
    tracking   TEXT,
    by_badge   TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Tasks sent to devices (pick-face top-ups, counts), what each device last said of itself, and
/// unit costs for stock valuation (server-only: devices never need prices).
const V5_TASKS: &str = r#"
CREATE TABLE tasks (
    id               TEXT PRIMARY KEY,
    warehouse_id     TEXT NOT NULL REFERENCES warehouses(id),
    kind             TEXT NOT NULL CHECK (kind IN ('move', 'count')),
    item_id          TEXT NOT NULL REFERENCES items(id),
    from_location_id TEXT REFERENCES locations(id),
    location_id      TEXT NOT NULL REFERENCES locations(id),
    lot              TEXT,
    qty              INTEGER NOT NULL CHECK (qty > 0),
    blind            INTEGER NOT NULL DEFAULT 1,
    reason           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    done_qty         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    exception_id     TEXT,
    CHECK ((kind = 'move') = (from_location_id IS NOT NULL))
);
CREATE INDEX tasks_open ON tasks(warehouse_id, status);
ALTER TABLE devices ADD COLUMN log_end INTEGER;
CREATE TABLE item_costs (
    item_id          TEXT PRIMARY KEY REFERENCES items(id),
    unit_cost_micros INTEGER NOT NULL CHECK (unit_cost_micros >= 0),
    currency         TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// When each operation happened on the server's clock (`at`: the device's time corrected by the
/// offset its clock reported at the push), and each device's last reported clock offset, so that
/// a device with a wrong clock cannot move demand, FIFO or count dates.
const V6_CLOCKS: &str = r#"
ALTER TABLE devices ADD COLUMN clock_offset_s INTEGER;
ALTER TABLE ops ADD COLUMN at TEXT;
DROP TRIGGER ops_immutable;
UPDATE ops SET at = json_extract(entry, '$.device_time');
CREATE TRIGGER ops_immutable BEFORE UPDATE ON ops BEGIN SELECT RAISE(ABORT, 'logged operations are immutable'); END;
"#;

/// Supervisor actions, append-only: who did what, when, and how it ended.
const V7_AUDIT: &str = r#"
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    badge   TEXT NOT NULL,
    action  TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE TRIGGER audit_immutable BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// Many hands: an operation the server may not apply as sent is logged as `held` (kept, not
/// applied, never pulled by other devices); operators' roles keep their history so that work is
/// judged by the role its operator had when it was done; plates are numbered changes, so that
/// devices pull them like master data.
const V8_AUTHORITY: &str = r#"
ALTER TABLE ops ADD COLUMN status TEXT NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'held'));
CREATE TABLE operator_roles (
    badge      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('operator', 'supervisor')),
    valid_from TEXT NOT NULL,
    PRIMARY KEY (badge, valid_from)
) WITHOUT ROWID;
INSERT INTO operator_roles (badge, role, valid_from) SELECT badge, role, '0000-01-01T00:00:00.000Z' FROM operators;
CREATE TRIGGER operator_roles_i AFTER INSERT ON operators BEGIN
    INSERT OR REPLACE INTO operator_roles (badge, role, valid_from) VALUES (NEW.badge, NEW.role, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER operator_roles_u AFTER UPDATE OF role ON operators WHEN OLD.role <> NEW.role BEGIN
    INSERT OR REPLACE INTO operator_roles (badge, role, valid_from) VALUES (NEW.badge, NEW.role, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER plates_changed_i AFTER INSERT ON plates BEGIN INSERT INTO changes (kind, id) VALUES ('plate', NEW.id); END;
CREATE TRIGGER plates_changed_u AFTER UPDATE ON plates BEGIN INSERT INTO changes (kind, id) VALUES ('plate', NEW.id); END;
"#;

/// Work assigned to one device at a time (`crate::leases`), kept as history so that admission
/// can judge an operation by the leases that covered its time; recounts that block picking; short-picked
/// orders settled by a supervisor.
const V9_LEASES: &str = r#"
CREATE TABLE leases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    work_kind    TEXT NOT NULL CHECK (work_kind IN ('order_line', 'task')),
    work_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    device_id    TEXT NOT NULL REFERENCES devices(id),
    granted_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT,
    ended_by     TEXT
);
CREATE INDEX leases_work ON leases(work_kind, work_id);
CREATE INDEX leases_device ON leases(device_id) WHERE ended_at IS NULL;
CREATE INDEX leases_warehouse ON leases(warehouse_id) WHERE ended_at IS NULL;
-- A recount raised by a "not found" short pick keeps allocation away from the bin until counted.
ALTER TABLE tasks ADD COLUMN blocks_picking INTEGER NOT NULL DEFAULT 0;
-- A move task's lot comes with its expiry, so the device moves exactly that stock.
ALTER TABLE tasks ADD COLUMN expiry TEXT;
-- What a line was ordered as; `qty` is what is to be picked, which a supervisor's short-pick
-- decision brings down to what was picked (`crate::shortfall`).
ALTER TABLE order_lines ADD COLUMN ordered_qty INTEGER;
UPDATE order_lines SET ordered_qty = qty;
-- Waves of orders a supervisor releases together (`crate::waves`).
CREATE TABLE waves (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    released_at  TEXT,
    released_by  TEXT
);
CREATE TABLE wave_orders (
    wave_id  INTEGER NOT NULL REFERENCES waves(id),
    order_no TEXT NOT NULL UNIQUE,
    PRIMARY KEY (wave_id, order_no)
) WITHOUT ROWID;
"#;

const V1: &str = concat!(aisle_device::master_ddl!(), aisle_device::ledger_ddl!());

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
];

pub const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_LIST);

/// The schema version this build writes (`PRAGMA user_version`).
pub const LATEST: usize = MIGRATION_LIST.len();

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
    /// a change is a new migration at the end of the list. Version 1 is spliced from the device
    /// crate's DDL macros, so an edit there fails here too. A new migration gets its hash pinned
    /// here when it is released.
    #[test]
    fn released_migrations_are_never_edited() {
        let released = [
            (
                "V1 (device master and ledger DDL)",
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
