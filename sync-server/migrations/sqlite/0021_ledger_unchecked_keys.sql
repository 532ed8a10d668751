-- The ledger's item and location are no longer checked by foreign keys on the server's SQLite
-- either (PostgreSQL since its 0004): each check is two index probes a ledger row, about a
-- fifth of a push's time writing its ledger (docs/PERFORMANCE.md, session 15). Nothing is lost:
-- an operation is admitted only when its item and location exist (or it is held and writes no
-- ledger row), items and locations are never deleted, the stock table every ledger key is
-- applied to keeps its foreign keys, and the books audit compares the two. SQLite cannot drop
-- a foreign key, so the table is rebuilt (once, at the upgrade: a copy of every ledger row).
-- Devices keep theirs: a device writes one ledger row a scan.
CREATE TABLE ledger_unchecked (
    id          INTEGER PRIMARY KEY,
    op_id       TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    location_id TEXT NOT NULL,
    lot         TEXT NOT NULL DEFAULT '',
    expiry      TEXT NOT NULL DEFAULT '',
    plate_id    TEXT NOT NULL DEFAULT '',
    qty         INTEGER NOT NULL
);
INSERT INTO ledger_unchecked (id, op_id, item_id, location_id, lot, expiry, plate_id, qty)
    SELECT id, op_id, item_id, location_id, lot, expiry, plate_id, qty FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_unchecked RENAME TO ledger;
CREATE TRIGGER ledger_immutable BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;
CREATE TRIGGER ledger_append_only BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows cannot be deleted'); END;
