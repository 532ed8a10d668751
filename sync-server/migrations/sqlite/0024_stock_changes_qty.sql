-- Each changed key's quantity as it stands, beside the sequence number of its last change, and an
-- index holding everything a state pull reads: the pull then reads that index alone, instead of
-- visiting the table and the key's stock row for every key (about 35 ms of a pull of 10,000 new
-- plates; docs/PERFORMANCE.md, session 18). `qty` is set by the statement that sets `seq`, in the
-- same transaction as the stock it copies (PendingBooks::flush); the books audit compares the two.
-- The same text runs on PostgreSQL.
ALTER TABLE stock_changes ADD COLUMN qty BIGINT NOT NULL DEFAULT 0;
UPDATE stock_changes SET qty = COALESCE((SELECT s.qty FROM stock s
    WHERE s.item_id = stock_changes.item_id AND s.location_id = stock_changes.location_id
      AND s.lot = stock_changes.lot AND s.expiry = stock_changes.expiry
      AND s.plate_id = stock_changes.plate_id), 0);
DROP INDEX stock_changes_by_seq;
CREATE INDEX stock_changes_by_seq ON stock_changes(warehouse_id, seq, first_op, qty);
