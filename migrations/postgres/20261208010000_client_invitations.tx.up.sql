-- client_invitations: a person invited by e-mail to one client's portal.
-- Each row is single-use and bound to its client and address; only the
-- token's hash is kept. A resend replaces the hash (the old link dies) and
-- the expiry. Expired is not stored: it is expires_at against the clock.
CREATE TABLE client_invitations (
    id         BIGSERIAL PRIMARY KEY,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    email      TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users (id),
    sent_at    TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    joined_at  TIMESTAMPTZ,
    user_id    BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX client_invitations_client_id ON client_invitations (client_id, created_at);
CREATE INDEX client_invitations_email ON client_invitations (email);

-- invitation_text: the invitation mail as admins wrote it in Settings; no
-- row means the default text.
CREATE TABLE invitation_text (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
