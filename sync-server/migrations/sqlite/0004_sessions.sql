
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    badge      TEXT NOT NULL REFERENCES operators(badge),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
