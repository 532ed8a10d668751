-- Entries a device sent that cannot be logged under their own identity: an operation id the log
-- already holds (another device's, or this device's under another number), or other content
-- under a sequence number already logged (a tablet restored from an old backup, a copied
-- database). Each is kept here as sent, with the `duplicate_entry` exception that holds it, and
-- counts as received, so the device's sync goes on (docs/sync-protocol.md, "Push").
CREATE TABLE stray_entries (
    exception_id TEXT PRIMARY KEY REFERENCES exceptions(id),
    device_id    TEXT NOT NULL,
    device_seq   BIGINT NOT NULL,
    op_id        TEXT NOT NULL,
    entry        TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX stray_entries_device ON stray_entries(device_id, device_seq);
CREATE TRIGGER stray_entries_kept BEFORE UPDATE OR DELETE ON stray_entries FOR EACH ROW EXECUTE FUNCTION refuse_change('stray entries are kept as sent');
