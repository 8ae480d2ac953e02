UPDATE users SET totp_secret = totp_pending_secret
    WHERE totp_enabled_at IS NULL AND totp_pending_secret IS NOT NULL;
ALTER TABLE users DROP COLUMN totp_pending_secret;
