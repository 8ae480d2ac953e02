ALTER TABLE users DROP COLUMN signup_pending;
