-- An account made through a portal link is pending until its owner opens
-- the link e-mailed to the address: the join form answers alike whether or
-- not an address has an account, so it never says which addresses exist.
ALTER TABLE users ADD COLUMN signup_pending BOOLEAN NOT NULL DEFAULT FALSE;
