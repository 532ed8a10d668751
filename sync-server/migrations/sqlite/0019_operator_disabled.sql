-- A supervisor disables a badge (a leaver, a lost badge): from `disabled_at` on, tablets refuse its
-- sign-in once they have synced, and work it did from then on is held for a supervisor. NULL:
-- enabled. The operators_changed_u trigger sends the change to every device.
ALTER TABLE operators ADD COLUMN disabled_at TEXT;
