-- An order line's minimum remaining shelf life, in days (an ERP sets it from the customer's
-- terms); the line takes the larger of it and the item's (aisle_domain::shelf_life).
ALTER TABLE order_lines ADD COLUMN min_shelf_life_days BIGINT CHECK (min_shelf_life_days >= 0);
