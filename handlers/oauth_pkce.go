package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"

	"github.com/portal-msp/portal/models"
)

// withPKCEAndNonce adds a PKCE challenge (S256) and an OpenID Connect nonce
// to a provider's authorization URL, keeping the verifier and the nonce in
// the sign-in's state row. A code stolen on its way back is then useless
// without the verifier, and an ID token replayed from another sign-in
// carries the wrong nonce.
func withPKCEAndNonce(st *models.OAuthState, authURL string) (string, error) {
	verifier, _, err := models.NewToken()
	if err != nil {
		return "", err
	}
	nonce, _, err := models.NewToken()
	if err != nil {
		return "", err
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("handlers: parse authorization URL: %w", err)
	}
	sum := sha256.Sum256([]byte(verifier))
	q := u.Query()
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	q.Set("code_challenge_method", "S256")
	q.Set("nonce", nonce)
	u.RawQuery = q.Encode()
	st.CodeVerifier, st.Nonce = verifier, nonce
	return u.String(), nil
}
