
CREATE TABLE shipments (
    order_no   TEXT PRIMARY KEY,
    status     TEXT NOT NULL CHECK (status IN ('packed', 'shipped')),
    carrier    TEXT,
    tracking   TEXT,
    by_badge   TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
