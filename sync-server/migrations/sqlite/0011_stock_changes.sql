-- A pull that costs what changed: every stock key of the server's books with the server
-- sequence number of the last operation that changed it, kept after the key is emptied (its
-- stock row is then gone: a device reads 0). Devices pull the keys changed after their cursor
-- instead of every operation (docs/sync-protocol.md, "Pull"). `first_op` is the first operation
-- that touched the key, for a device's FIFO.
CREATE TABLE stock_changes (
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    item_id      TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot          TEXT NOT NULL,
    expiry       TEXT NOT NULL,
    plate_id     TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    first_op     TEXT NOT NULL,
    PRIMARY KEY (item_id, location_id, lot, expiry, plate_id)
) WITHOUT ROWID;
CREATE INDEX stock_changes_by_seq ON stock_changes(warehouse_id, seq);
-- The books as they stand, at the last sequence number: a device past it has them already.
INSERT INTO stock_changes (warehouse_id, item_id, location_id, lot, expiry, plate_id, seq, first_op)
SELECT l.warehouse_id, s.item_id, s.location_id, s.lot, s.expiry, s.plate_id,
       COALESCE((SELECT MAX(server_seq) FROM ops), 0), ''
FROM stock s JOIN locations l ON l.id = s.location_id;
