
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
