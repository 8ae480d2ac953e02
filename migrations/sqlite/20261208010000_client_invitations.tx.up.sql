-- client_invitations: a person invited by e-mail to one client's portal.
-- Each row is single-use and bound to its client and address; only the
-- token's hash is kept. A resend replaces the hash (the old link dies) and
-- the expiry. Expired is not stored: it is expires_at against the clock.
CREATE TABLE client_invitations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    email      TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users (id),
    sent_at    TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    joined_at  TIMESTAMP,
    user_id    BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
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
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
