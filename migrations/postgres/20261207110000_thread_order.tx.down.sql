DROP TRIGGER messages_last_public ON messages;
DROP FUNCTION portal_last_public_message();
DROP INDEX requests_client_threads;
ALTER TABLE requests DROP COLUMN last_public_message_id;
