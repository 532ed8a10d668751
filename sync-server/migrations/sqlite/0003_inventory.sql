
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
