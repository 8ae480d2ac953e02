package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// The token page's forms: a new token is shown on the answer that made it
// and never again, works on /api/v1 at once, and once revoked is refused
// with 401.
func TestTokenPageCreatesAndRevokes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)

		resp, body := admin.submit("/console/account/tokens", "/console/account/tokens", url.Values{"name": {"PSA sync"}, "kind": {"personal"}, "expires": {"90"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "scope") {
			t.Fatalf("no scopes: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		resp, body = admin.submit("/console/account/tokens", "/console/account/tokens", url.Values{"name": {"PSA sync"},
			"kind": {"personal"}, "scopes": {"clients:read", "requests:read"}, "expires": {"90"}})
		token, _ := doc(t, body).Find("#new-token-value").Attr("value")
		if resp.StatusCode != http.StatusCreated || token == "" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d, token %q, Cache-Control %q", resp.StatusCode, token, resp.Header.Get("Cache-Control"))
		}
		_, page := admin.get("/console/account/tokens")
		if strings.Contains(page, token) || doc(t, page).Find("#new-token-value").Length() != 0 {
			t.Fatal("the token is shown again")
		}
		if !strings.Contains(text(t, page, "#token-list td.card-title"), "PSA sync") {
			t.Fatalf("token list: %q", text(t, page, "#token-list"))
		}

		api := newClient()
		call := func() int {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/api/v1/clients", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := api.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := call(); got != http.StatusOK {
			t.Fatalf("new token: %d", got)
		}

		action, _ := doc(t, page).Find(`#token-list form[action$="/revoke"]`).Attr("action")
		resp, page = admin.submit("/console/account/tokens", action, url.Values{})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, page, "#token-list"), "Revoked") {
			t.Fatalf("revoke: %d %q", resp.StatusCode, text(t, page, "#token-list"))
		}
		if got := call(); got != http.StatusUnauthorized {
			t.Errorf("revoked token: %d, want 401", got)
		}
	})
}
