DROP TABLE signin_challenges;
DROP TABLE recovery_codes;
ALTER TABLE workspace DROP COLUMN require_staff_totp;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled_at;
ALTER TABLE users DROP COLUMN totp_secret;
