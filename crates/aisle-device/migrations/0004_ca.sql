
ALTER TABLE sync_state ADD COLUMN ca_pem TEXT;
