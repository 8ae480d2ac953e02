-- The Messages page lists a client's threads, newest public message first,
-- from the request row's newest public message, kept by a trigger so every
-- writer of messages keeps it (see the PostgreSQL file).
ALTER TABLE requests ADD COLUMN last_public_message_id BIGINT;
UPDATE requests SET last_public_message_id =
    (SELECT max(m.id) FROM messages AS m WHERE m.request_id = requests.id AND m.internal = FALSE);
CREATE INDEX requests_client_threads ON requests (client_id, last_public_message_id DESC)
    WHERE last_public_message_id IS NOT NULL;

CREATE TRIGGER messages_last_public AFTER INSERT ON messages
    WHEN NOT NEW.internal
BEGIN
    UPDATE requests SET last_public_message_id = NEW.id
        WHERE id = NEW.request_id AND (last_public_message_id IS NULL OR last_public_message_id < NEW.id);
END;
