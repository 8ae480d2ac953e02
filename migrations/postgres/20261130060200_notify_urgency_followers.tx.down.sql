DROP TABLE request_followers;
ALTER TABLE users DROP COLUMN notify_scope;
ALTER TABLE pending_notifications DROP COLUMN urgent;
