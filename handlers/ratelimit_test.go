package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

func TestSignInIsRateLimitedPerEmail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		for _, email := range []string{s.clientUser.Email, "nobody@acme.test"} {
			for i := 0; i < 5; i++ {
				if resp, _ := a.submit("/signin", "/signin", url.Values{"email": {email}, "password": {"wrong-password"}}); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("attempt %d for %s: %d", i, email, resp.StatusCode)
				}
			}
		}
		// Blocked now, even with the right password; known and unknown alike.
		respK, known := a.submit("/signin", "/signin", url.Values{"email": {s.clientUser.Email}, "password": {testPassword}})
		respU, unknown := a.submit("/signin", "/signin", url.Values{"email": {"nobody@acme.test"}, "password": {testPassword}})
		if respK.StatusCode != http.StatusTooManyRequests || respU.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("6th attempt: %d / %d, want 429", respK.StatusCode, respU.StatusCode)
		}
		if respK.Header.Get("Retry-After") == "" {
			t.Errorf("no Retry-After")
		}
		if k, u := text(t, known, "main"), text(t, unknown, "main"); k != u || !strings.Contains(k, "Too many attempts") {
			t.Errorf("429 pages differ or unclear: %q vs %q", k, u)
		}
		if n := countRows(t, db, "sessions", ""); n != 0 {
			t.Errorf("a blocked sign-in created a session")
		}
		// Another e-mail from the same IP is still allowed (IP limit is higher).
		a.other().signIn(s.admin.Email, testPassword)
		// Hits are stored in the database, shared by every process.
		if n := countRows(t, db, "rate_limit_hits", "bucket = ?", "signin-email:"+s.clientUser.Email); n != 5 {
			t.Errorf("%d hits stored for the e-mail, want 5", n)
		}
	})
}

func TestSignInIsRateLimitedPerIP(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		token := a.csrfOf("/signin")
		for i := 0; i < 30; i++ {
			a.post("/signin", url.Values{"csrf": {token}, "email": {fmt.Sprintf("guess%d@acme.test", i)}, "password": {"x"}})
		}
		if resp, _ := a.post("/signin", url.Values{"csrf": {token}, "email": {s.admin.Email}, "password": {testPassword}}); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("after 30 failures from one IP: %d, want 429", resp.StatusCode)
		}
	})
}

func TestTrustedProxyDecidesTheClientIP(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_TRUSTED_PROXIES": "127.0.0.1"})
		token := a.csrfOf("/signin")
		a.post("/signin", url.Values{"csrf": {token}, "email": {"x@acme.test"}, "password": {"x"}}, "X-Forwarded-For", "203.0.113.9")
		if n := countRows(t, db, "rate_limit_hits", "bucket = ?", "signin-ip:203.0.113.9"); n != 1 {
			t.Errorf("forwarded IP from a trusted proxy not used")
		}
		untrusted := newAuthApp(t, db, nil)
		token = untrusted.csrfOf("/signin")
		untrusted.post("/signin", url.Values{"csrf": {token}, "email": {"y@acme.test"}, "password": {"x"}}, "X-Forwarded-For", "198.51.100.7")
		if n := countRows(t, db, "rate_limit_hits", "bucket = ?", "signin-ip:198.51.100.7"); n != 0 {
			t.Errorf("X-Forwarded-For believed without a trusted proxy")
		}
	})
}

func TestResetAndLinkAreRateLimited(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		for i := 0; i < 3; i++ {
			if resp, _ := a.submit("/forgot", "/forgot", url.Values{"email": {"nobody@acme.test"}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("reset %d: %d", i, resp.StatusCode)
			}
		}
		resp, body := a.submit("/forgot", "/forgot", url.Values{"email": {"nobody@acme.test"}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts") {
			t.Errorf("4th reset for one e-mail: %d", resp.StatusCode)
		}

		link, _ := makeLink(t, db, s.client.ID, 90)
		for i := 0; i < 5; i++ {
			a.submit(link, link, url.Values{"name": {"M"}, "email": {"mallory@acme.test"}, "password": {"x"}})
		}
		if resp, _ := a.submit(link, link, url.Values{"name": {"M"}, "email": {"mallory@acme.test"}, "password": {"long-enough-pass"}}); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("6th join attempt for one e-mail: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "users", "email = ?", "mallory@acme.test"); n != 0 {
			t.Errorf("blocked join created an account")
		}
	})
}
