-- The ledger's item and location are no longer checked by foreign keys on PostgreSQL: each
-- check is a row lock on the item and the location, about 20 µs a ledger row, two thirds of the
-- time a push spent writing its ledger (docs/PERFORMANCE.md, session 8). Nothing is lost: a
-- device's operation is admitted only when its item and location exist (or it is held and
-- writes no ledger row), items and locations are never deleted, the stock table that every
-- ledger key is applied to keeps its foreign keys, and the books audit compares the two.
-- SQLite keeps the ledger's foreign keys: there a check is a cheap index probe.
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_item_id_fkey;
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_location_id_fkey;
