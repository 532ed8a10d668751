-- Each task's reason as said (`aisle_domain::said::Said` as JSON: a catalog key, its values and
-- the English text), so that the tablets and the pages say why a task exists in their reader's
-- language. NULL for tasks made before: they show the English of `reason`.
ALTER TABLE tasks ADD COLUMN reason_said TEXT;
