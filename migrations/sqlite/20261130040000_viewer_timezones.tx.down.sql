ALTER TABLE workspace DROP COLUMN timezone;
ALTER TABLE users DROP COLUMN timezone;
