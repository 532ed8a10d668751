
ALTER TABLE devices ADD COLUMN clock_offset_s INTEGER;
ALTER TABLE ops ADD COLUMN at TEXT;
DROP TRIGGER ops_immutable;
UPDATE ops SET at = json_extract(entry, '$.device_time');
CREATE TRIGGER ops_immutable BEFORE UPDATE ON ops BEGIN SELECT RAISE(ABORT, 'logged operations are immutable'); END;
