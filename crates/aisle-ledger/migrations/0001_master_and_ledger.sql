
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

