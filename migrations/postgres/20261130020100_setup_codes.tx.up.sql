-- One-time codes that open the setup page of a fresh instance. Each process
-- that starts before setup prints one in its log; only their hashes are
-- kept, and all of them go once the workspace exists.
CREATE TABLE setup_codes (
    id         BIGSERIAL PRIMARY KEY,
    code_hash  BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
