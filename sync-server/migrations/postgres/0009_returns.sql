-- Customer returns as applied (docs/inventory.md, "Returns"): what came back of each order and
-- item, for the return_mismatch rule and the supervisor pages. Written with the operation, in the
-- same transaction, like order-line progress.
CREATE TABLE returns (
    op_id        TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL,
    order_no     TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot          TEXT NOT NULL DEFAULT '',
    expiry       TEXT NOT NULL DEFAULT '',
    qty          BIGINT NOT NULL,
    disposition  TEXT NOT NULL CHECK (disposition IN ('restock', 'quarantine', 'scrap')),
    reason       TEXT,
    operator     TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX returns_order ON returns (order_no, item_id);
CREATE INDEX returns_warehouse ON returns (warehouse_id, at);
