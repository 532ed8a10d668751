-- The language a supervisor set for an operator (`en`, `de`, `es`; NULL: none set): tablets speak
-- it after sign-in unless the operator chose another on that tablet, and so do the pages.
ALTER TABLE operators ADD COLUMN language TEXT;
