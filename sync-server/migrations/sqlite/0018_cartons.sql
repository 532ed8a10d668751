-- Packing and shipping (docs/inventory.md, "Packing and shipping"): cartons by SSCC, what was
-- packed into them, the shipments that took them, and the blocks of SSCC serial references
-- handed to devices. Written with the operations, in the same transaction. The same text serves
-- PostgreSQL.
CREATE TABLE cartons (
    sscc                TEXT PRIMARY KEY,
    warehouse_id        TEXT NOT NULL,
    order_no            TEXT NOT NULL,
    weight_g            BIGINT,
    weighed             INTEGER NOT NULL DEFAULT 0,
    closed_op           TEXT,
    shipment_op         TEXT,
    shipped_device_time TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX cartons_order ON cartons (order_no);
CREATE INDEX cartons_shipment ON cartons (shipment_op);
CREATE TABLE carton_lines (
    op_id         TEXT NOT NULL,
    sscc          TEXT NOT NULL,
    order_no      TEXT NOT NULL,
    order_line_id TEXT,
    item_id       TEXT NOT NULL,
    lot           TEXT NOT NULL DEFAULT '',
    qty           BIGINT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX carton_lines_sscc ON carton_lines (sscc);
CREATE INDEX carton_lines_order ON carton_lines (order_no, item_id);
CREATE TABLE dispatches (
    op_id        TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    reference    TEXT,
    operator     TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    device_time  TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX dispatches_warehouse ON dispatches (warehouse_id, at);
CREATE TABLE sscc_blocks (
    first_serial BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    prefix       TEXT NOT NULL,
    extension    INTEGER NOT NULL,
    device_id    TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (prefix, extension, first_serial)
);
