-- An OAuth sign-in in progress: created when the browser leaves for the
-- provider, used once when it comes back. Only the state's hash is stored;
-- the browser holds the state in a short-lived cookie as well, so a callback
-- started in another browser is refused. A row in the database (rather than
-- a signed cookie) works across every process with no shared key to manage.
CREATE TABLE oauth_states (
    id             BIGSERIAL PRIMARY KEY,
    state_hash     BYTEA NOT NULL UNIQUE,
    provider       TEXT NOT NULL,
    session_data   TEXT NOT NULL DEFAULT '',
    portal_link_id BIGINT REFERENCES portal_links (id) ON DELETE CASCADE,
    link_user_id   BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
