ALTER TABLE oauth_states DROP COLUMN nonce;
ALTER TABLE oauth_states DROP COLUMN code_verifier;
