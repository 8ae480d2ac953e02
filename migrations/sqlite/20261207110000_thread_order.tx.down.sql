DROP TRIGGER messages_last_public;
DROP INDEX requests_client_threads;
ALTER TABLE requests DROP COLUMN last_public_message_id;
