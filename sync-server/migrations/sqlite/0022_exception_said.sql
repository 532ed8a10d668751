-- Each exception's message as said (`aisle_domain::said::Said` as JSON: a catalog key, its values
-- and the English text), so that the pages and the tablets say it in their reader's language.
-- NULL for exceptions raised before: they are shown in the English of `message`.
ALTER TABLE exceptions ADD COLUMN said TEXT;
