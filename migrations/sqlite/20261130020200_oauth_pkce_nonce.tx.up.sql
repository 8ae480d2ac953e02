-- PKCE and OpenID Connect nonce of a provider sign-in in progress: the
-- verifier goes with the code exchange, the nonce must come back in the ID
-- token. Both are single-use secrets that live as long as the state row.
ALTER TABLE oauth_states ADD COLUMN code_verifier TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
