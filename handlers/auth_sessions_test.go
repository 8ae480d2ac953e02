package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// signInRaw posts the sign-in form without following the redirect, so the
// Set-Cookie of the answer can be read.
func signInRaw(a *app, email, password string) *http.Response {
	a.t.Helper()
	token := a.csrfOf("/signin")
	form := url.Values{"email": {email}, "password": {password}, "csrf": {token}}
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.noRedirect(req)
}

func sessionSetCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "portal_session" {
			return c
		}
	}
	t.Fatalf("no session cookie set (status %d)", resp.StatusCode)
	return nil
}

func TestSessionCookieFlags(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		plain := newAuthApp(t, db, nil)
		c := sessionSetCookie(t, signInRaw(plain.app, s.clientUser.Email, testPassword))
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
			t.Errorf("http cookie flags: HttpOnly=%v SameSite=%v Secure=%v Path=%q", c.HttpOnly, c.SameSite, c.Secure, c.Path)
		}
		// Served over TLS (behind a proxy that terminates it): Secure.
		tls := newAuthApp(t, db, map[string]string{"PORTAL_BASE_URL": "https://portal.example.com"})
		c = sessionSetCookie(t, signInRaw(tls.app, s.clientUser.Email, testPassword))
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || !c.Secure {
			t.Errorf("https cookie flags: HttpOnly=%v SameSite=%v Secure=%v", c.HttpOnly, c.SameSite, c.Secure)
		}
		if len(c.Value) < 40 {
			t.Errorf("session token too short: %d chars", len(c.Value))
		}
		// Only the hash is stored.
		if n := countRows(t, db, "sessions", "token_hash = ?", models.HashToken(c.Value)); n != 1 {
			t.Errorf("session row by hash: %d", n)
		}
	})
}

func TestNewSessionIDAtSignIn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.clientUser.Email, testPassword)
		first := a.sessionCookie()
		// Signing in again from the same browser replaces the session.
		a.signIn(s.clientUser.Email, testPassword)
		second := a.sessionCookie()
		if first == "" || first == second {
			t.Fatalf("session id not renewed at sign-in: %q → %q", first, second)
		}
		if n := countRows(t, db, "sessions", "token_hash = ?", models.HashToken(first)); n != 0 {
			t.Errorf("the previous session survived sign-in")
		}
		// A session id planted before sign-in (fixation) is never promoted.
		b := a.other()
		u, _ := url.Parse(b.srv.URL)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_session", Value: "planted-by-attacker", Path: "/"}})
		b.signIn(s.clientUser.Email, testPassword)
		if got := b.sessionCookie(); got == "planted-by-attacker" || got == "" {
			t.Errorf("planted session id kept: %q", got)
		}
	})
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_SESSION_IDLE": "30m", "PORTAL_SESSION_MAX": "24h"})

		a.signIn(s.clientUser.Email, testPassword)
		past(t, db, "sessions", "last_seen_at", 31*time.Minute, "user_id = ?", s.clientUser.ID)
		if resp, _ := a.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("idle session still works: landed on %s", resp.Request.URL.Path)
		}
		if n := countRows(t, db, "sessions", "user_id = ?", s.clientUser.ID); n != 0 {
			t.Errorf("idle-expired session row kept")
		}

		// Active within the idle time but past the absolute limit.
		a.signIn(s.clientUser.Email, testPassword)
		past(t, db, "sessions", "expires_at", time.Second, "user_id = ?", s.clientUser.ID)
		if resp, _ := a.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("session past its absolute expiry still works: %s", resp.Request.URL.Path)
		}

		// A session in use is kept alive.
		a.signIn(s.clientUser.Email, testPassword)
		past(t, db, "sessions", "last_seen_at", 29*time.Minute, "user_id = ?", s.clientUser.ID)
		if resp, _ := a.get("/"); resp.Request.URL.Path != "/" {
			t.Errorf("active session rejected: %s", resp.Request.URL.Path)
		}
	})
}

func TestSignOutDeletesTheSessionRow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.admin.Email, testPassword)
		token := a.sessionCookie()
		a.submit("/console", "/signout", url.Values{})
		if n := countRows(t, db, "sessions", "token_hash = ?", models.HashToken(token)); n != 0 {
			t.Fatalf("session row left after sign-out")
		}
		// Replaying the old cookie does not sign anyone in.
		b := a.other()
		u, _ := url.Parse(b.srv.URL)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_session", Value: token, Path: "/"}})
		if resp, _ := b.get("/console"); resp.Request.URL.Path != "/signin" {
			t.Errorf("old cookie still signs in: %s", resp.Request.URL.Path)
		}
	})
}

func TestConsoleFormsNeedCSRFToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.admin.Email, testPassword)
		form := url.Values{"name": {"Initech"}, "slug": {"initech"}, "timezone": {"UTC"}}
		if resp, _ := a.post("/console/clients", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("create client without token: %d, want 403", resp.StatusCode)
		}
		form.Set("csrf", "forged")
		if resp, _ := a.post("/console/clients", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("create client with forged token: %d, want 403", resp.StatusCode)
		}
		if n := countRows(t, db, "clients", "slug = ?", "initech"); n != 0 {
			t.Fatalf("a forged request created a client")
		}
		// The token from the page works, as a field or as htmx's header.
		if resp, _ := a.post("/console/clients", form, "X-CSRF-Token", a.csrfOf("/console/clients/new")); resp.StatusCode != http.StatusOK {
			t.Fatalf("create client with header token: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "clients", "slug = ?", "initech"); n != 1 {
			t.Fatalf("client not created with a valid token")
		}
	})
}
