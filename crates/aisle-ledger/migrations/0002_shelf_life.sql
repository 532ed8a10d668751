-- Each item's minimum remaining shelf life, in days: dated stock with fewer days left is not
-- allocated or picked against an order (aisle_domain::shelf_life). NULL: no minimum beyond "not
-- expired". The same text on SQLite and PostgreSQL.
ALTER TABLE items ADD COLUMN min_shelf_life_days BIGINT CHECK (min_shelf_life_days >= 0);
