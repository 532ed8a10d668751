
ALTER TABLE ops ADD COLUMN status TEXT NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'held'));
CREATE TABLE operator_roles (
    badge      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('operator', 'supervisor')),
    valid_from TEXT NOT NULL,
    PRIMARY KEY (badge, valid_from)
) WITHOUT ROWID;
INSERT INTO operator_roles (badge, role, valid_from) SELECT badge, role, '0000-01-01T00:00:00.000Z' FROM operators;
CREATE TRIGGER operator_roles_i AFTER INSERT ON operators BEGIN
    INSERT OR REPLACE INTO operator_roles (badge, role, valid_from) VALUES (NEW.badge, NEW.role, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER operator_roles_u AFTER UPDATE OF role ON operators WHEN OLD.role <> NEW.role BEGIN
    INSERT OR REPLACE INTO operator_roles (badge, role, valid_from) VALUES (NEW.badge, NEW.role, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER plates_changed_i AFTER INSERT ON plates BEGIN INSERT INTO changes (kind, id) VALUES ('plate', NEW.id); END;
CREATE TRIGGER plates_changed_u AFTER UPDATE ON plates BEGIN INSERT INTO changes (kind, id) VALUES ('plate', NEW.id); END;
