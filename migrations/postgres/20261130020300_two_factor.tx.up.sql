-- Two-factor sign-in with time-based codes (TOTP). The secret is pending
-- until a first code confirms it; the last step used is kept so that a code
-- works once. Recovery codes are stored as hashes and used once each.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workspace ADD COLUMN require_staff_totp BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE recovery_codes (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX recovery_codes_user_id ON recovery_codes (user_id);

-- A password that was right, waiting for the second factor.
CREATE TABLE signin_challenges (
    id         BIGSERIAL PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_path  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signin_challenges_user_id ON signin_challenges (user_id);
