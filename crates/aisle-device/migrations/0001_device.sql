
CREATE TABLE device (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    warehouse_id TEXT REFERENCES warehouses(id),
    created_at   TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The change log: append-only, gapless per device. Triggers make edits impossible.
CREATE TABLE change_log (
    seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
    op_id          TEXT NOT NULL UNIQUE,
    device_id      TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    op_type        TEXT NOT NULL,
    warehouse_id   TEXT NOT NULL,
    operator       TEXT NOT NULL,
    device_time    TEXT NOT NULL,
    scans          TEXT NOT NULL,
    payload        TEXT NOT NULL
);
CREATE TRIGGER change_log_immutable BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change log entries are immutable'); END;
CREATE TRIGGER change_log_append_only BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change log entries cannot be deleted'); END;

-- How far the change log has been acknowledged by the server (used by sync).
CREATE TABLE sync_state (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    pushed_seq INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (singleton, pushed_seq) VALUES (1, 0);
