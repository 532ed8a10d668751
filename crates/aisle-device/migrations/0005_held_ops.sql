
CREATE TABLE held_ops (
    op_id        TEXT PRIMARY KEY,
    exception_id TEXT NOT NULL,
    reversed     INTEGER NOT NULL
) WITHOUT ROWID;
