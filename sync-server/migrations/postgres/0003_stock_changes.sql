-- The same as ../sqlite/0011_stock_changes.sql: every stock key with the server sequence number
-- of the last operation that changed it, for a pull that costs what changed.
CREATE TABLE stock_changes (
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    item_id      TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot          TEXT NOT NULL,
    expiry       TEXT NOT NULL,
    plate_id     TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    first_op     TEXT NOT NULL,
    PRIMARY KEY (item_id, location_id, lot, expiry, plate_id)
);
CREATE INDEX stock_changes_by_seq ON stock_changes(warehouse_id, seq);
INSERT INTO stock_changes (warehouse_id, item_id, location_id, lot, expiry, plate_id, seq, first_op)
SELECT l.warehouse_id, s.item_id, s.location_id, s.lot, s.expiry, s.plate_id,
       COALESCE((SELECT MAX(server_seq) FROM ops), 0), ''
FROM stock s JOIN locations l ON l.id = s.location_id;
