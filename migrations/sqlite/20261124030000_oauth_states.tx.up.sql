-- An OAuth sign-in in progress; see the PostgreSQL migration for why.
CREATE TABLE oauth_states (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    state_hash     BLOB NOT NULL UNIQUE,
    provider       TEXT NOT NULL,
    session_data   TEXT NOT NULL DEFAULT '',
    portal_link_id BIGINT REFERENCES portal_links (id) ON DELETE CASCADE,
    link_user_id   BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at     TIMESTAMP NOT NULL
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
