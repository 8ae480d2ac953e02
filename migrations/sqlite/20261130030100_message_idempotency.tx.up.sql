-- The reply forms carry a random key; a second post of the same form (a
-- double click, a retry after a lost answer) finds the first message by it
-- instead of writing another.
ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX messages_idempotency ON messages (author_id, idempotency_key);
