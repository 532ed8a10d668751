
CREATE TABLE leases (
    work        TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    device_name TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
