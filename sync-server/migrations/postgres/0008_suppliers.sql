-- Suppliers, what each asks for each item, the preferred supplier of an item in a warehouse, and
-- purchase orders per supplier (docs/inventory.md, "Suppliers"). Prices in millionths of the
-- currency's unit, as item costs.
CREATE TABLE suppliers (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0)
);
CREATE TABLE supplier_items (
    supplier_id    TEXT NOT NULL REFERENCES suppliers(id),
    item_id        TEXT NOT NULL REFERENCES items(id),
    price_micros   BIGINT CHECK (price_micros >= 0),
    currency       TEXT,
    min_order_qty  INTEGER NOT NULL CHECK (min_order_qty >= 1),
    pack_multiple  INTEGER NOT NULL CHECK (pack_multiple >= 1),
    lead_time_days INTEGER CHECK (lead_time_days >= 0),
    PRIMARY KEY (supplier_id, item_id)
);
ALTER TABLE item_warehouses ADD COLUMN preferred_supplier_id TEXT REFERENCES suppliers(id);
-- A purchase order's header; its lines are the receipt lines under the same number. Orders
-- raised before this migration have lines and no header.
CREATE TABLE purchase_orders (
    po            TEXT PRIMARY KEY,
    warehouse_id  TEXT NOT NULL REFERENCES warehouses(id),
    supplier_id   TEXT REFERENCES suppliers(id),
    created_at    TEXT NOT NULL,
    expected_date TEXT
);
