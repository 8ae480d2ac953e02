-- Setting up a new authenticator app no longer turns two-factor sign-in off
-- on the way: the new secret waits here until a first code confirms it, and
-- the secret in use (totp_secret) keeps working meanwhile. Secrets that were
-- pending under the old scheme (a secret without totp_enabled_at) move here.
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
UPDATE users SET totp_pending_secret = totp_secret, totp_secret = NULL
    WHERE totp_enabled_at IS NULL AND totp_secret IS NOT NULL;
