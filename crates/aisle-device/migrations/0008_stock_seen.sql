-- The state pull (docs/sync-protocol.md, "Pull"): for each stock key the server has sent, the
-- server sequence number of the change it showed, so that a page read earlier (a second sync of
-- this device running at once) never puts back an older quantity.
CREATE TABLE stock_seen (
    item_id     TEXT NOT NULL,
    location_id TEXT NOT NULL,
    lot         TEXT NOT NULL,
    expiry      TEXT NOT NULL,
    plate_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (item_id, location_id, lot, expiry, plate_id)
) WITHOUT ROWID;
