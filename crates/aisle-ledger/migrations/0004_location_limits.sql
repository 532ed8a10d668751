-- A location's weight and volume limits, beside its capacity in units: the heaviest load it
-- takes in grams and the most it holds in cubic centimetres, when known. One text for both
-- backends.
ALTER TABLE locations ADD COLUMN max_weight_g BIGINT;
ALTER TABLE locations ADD COLUMN max_volume_cm3 BIGINT;
