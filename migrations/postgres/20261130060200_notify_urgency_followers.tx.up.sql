-- Notifications that match urgency: a Critical or High request's lines are
-- mailed at once, alone. Client users hear about the requests they follow
-- (the requester follows by default) or, by their choice, all of their
-- company's requests.
ALTER TABLE pending_notifications ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN notify_scope TEXT NOT NULL DEFAULT 'following';
CREATE TABLE request_followers (
    request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, user_id)
);
CREATE INDEX request_followers_user ON request_followers (user_id);
INSERT INTO request_followers (request_id, user_id, created_at)
SELECT id, requester_id, created_at FROM requests WHERE requester_id IS NOT NULL;
