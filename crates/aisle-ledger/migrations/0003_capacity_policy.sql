-- Whether a warehouse refuses a scan that would leave a location over its capacity (1), or
-- records it with a warning (0, the default). The same text on SQLite and PostgreSQL.
ALTER TABLE warehouses ADD COLUMN refuse_over_capacity INTEGER NOT NULL DEFAULT 0;
