
ALTER TABLE sync_state ADD COLUMN server_url TEXT;
ALTER TABLE sync_state ADD COLUMN token TEXT;
ALTER TABLE sync_state ADD COLUMN epoch TEXT;
ALTER TABLE sync_state ADD COLUMN pull_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN bootstrapped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN last_sync_at TEXT;
ALTER TABLE change_log ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;

-- Operations of other devices (and the server) applied to the local ledger, so each is applied
-- exactly once. Their content lives on the server; keeping only ids keeps a pull's writes small.
CREATE TABLE remote_ops (
    server_seq INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    device_id  TEXT NOT NULL,
    op_type    TEXT NOT NULL
);

CREATE TABLE receipt_lines (
    id    TEXT PRIMARY KEY,
    line  TEXT NOT NULL
);
CREATE TABLE order_lines (
    id    TEXT PRIMARY KEY,
    line  TEXT NOT NULL
);
CREATE TABLE exceptions (
    id     TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    body   TEXT NOT NULL
);
-- Operators who may sign in here, with argon2 PIN hashes from the server: sign-in works offline.
CREATE TABLE operators (
    badge    TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    pin_hash TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE other_stock (
    warehouse_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    qty          INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, item_id)
) WITHOUT ROWID;
