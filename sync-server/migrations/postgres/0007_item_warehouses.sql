-- Which items each warehouse stocks (an ERP's item-warehouse list): replenishment suggests only
-- what a warehouse stocks. Without a row, a warehouse stocks an item when it has its own reorder
-- policy for it or has held it (docs/inventory.md, "Policies and suggestions").
CREATE TABLE item_warehouses (
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    item_id      TEXT NOT NULL REFERENCES items(id),
    stocked      BOOLEAN NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
);
