
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
