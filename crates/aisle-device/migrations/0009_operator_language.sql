-- The language a supervisor set for an operator, as pulled (NULL: none set): the app speaks it
-- after sign-in unless the operator chose another on this tablet.
ALTER TABLE operators ADD COLUMN language TEXT;
