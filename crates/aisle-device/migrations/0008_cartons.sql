-- Packing and shipping: cartons of this warehouse as last pulled (the server's state, JSON as
-- sent; this device's own unsynced pack, close and ship operations are laid over it when read),
-- the blocks of SSCC serial references the server reserved for this device's cartons, and goods
-- in transit between warehouses as last pulled.
CREATE TABLE cartons (
    id   TEXT PRIMARY KEY,
    line TEXT NOT NULL
);
CREATE TABLE sscc_blocks (
    prefix       TEXT NOT NULL,
    extension    INTEGER NOT NULL,
    first_serial INTEGER NOT NULL,
    count        INTEGER NOT NULL CHECK (count > 0),
    used         INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= count),
    PRIMARY KEY (prefix, extension, first_serial)
);
CREATE TABLE in_transit (
    warehouse_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    qty          INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) WITHOUT ROWID;
