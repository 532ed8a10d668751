
CREATE TABLE totes (
    order_code TEXT PRIMARY KEY,
    tote       INTEGER NOT NULL UNIQUE CHECK (tote >= 1)
) WITHOUT ROWID;
