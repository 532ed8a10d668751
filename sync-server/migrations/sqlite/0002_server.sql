
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
