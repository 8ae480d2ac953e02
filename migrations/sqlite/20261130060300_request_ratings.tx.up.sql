-- Satisfaction: the requester (or a colleague) rates a completed request
-- good or bad, with an optional comment, from the request page or by a
-- one-click link in the completion e-mail (a random token stored only as a
-- hash, single-use, expiring with the reopen window). One rating per
-- request, changeable within the reopen window.
CREATE TABLE request_ratings (
    request_id  BIGINT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    client_id   BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    rating      TEXT NOT NULL CHECK (rating IN ('good', 'bad')),
    comment     TEXT NOT NULL DEFAULT '',
    rated_at    TIMESTAMP NOT NULL
);
CREATE INDEX request_ratings_client_rated ON request_ratings (client_id, rated_at);
CREATE INDEX request_ratings_rated ON request_ratings (rated_at);
CREATE TABLE rating_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB NOT NULL UNIQUE,
    request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
