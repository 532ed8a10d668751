-- Transfers between warehouses (docs/inventory.md, "Transfers"): an order at the source, then an
-- expected receipt at the destination under the same number once shipped; in transit between.
CREATE TABLE transfers (
    transfer_no TEXT PRIMARY KEY,
    from_wh     TEXT NOT NULL REFERENCES warehouses(id),
    to_wh       TEXT NOT NULL REFERENCES warehouses(id),
    status      TEXT NOT NULL CHECK (status IN ('open', 'in_transit', 'closed')),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    shipped_at  TEXT,
    closed_at   TEXT
);
CREATE TABLE transfer_counter (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last      BIGINT NOT NULL
);
INSERT INTO transfer_counter (singleton, last) VALUES (1, 0);
