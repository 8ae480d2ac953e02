package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// A sibling subdomain can plant cookies for the portal's host. With a plain
// double-submit cookie it chose both the cookie and the token and forged
// any POST; a token bound to the session it cannot read stops it.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		before := a.csrfOf("/signin")
		a.signIn(s.clientUser.Email, testPassword)

		u, _ := url.Parse(a.srv.URL)
		planted := strings.Repeat("A", 43)
		a.client.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_csrf", Value: planted, Path: "/"}})
		forged := func(token string) int {
			resp, _ := a.post("/account/profile", url.Values{"csrf": {token}, "name": {"Forged Name"}})
			return resp.StatusCode
		}
		if got := forged(planted); got != http.StatusForbidden {
			t.Errorf("POST with a planted cookie and its value as token: %d, want 403", got)
		}
		if got := forged(before); got != http.StatusForbidden {
			t.Errorf("POST with the token from before sign-in: %d, want 403", got)
		}
		attacker := a.other()
		attacker.signIn(s.admin.Email, testPassword)
		if got := forged(attacker.csrfOf("/console/account")); got != http.StatusForbidden {
			t.Errorf("POST with another session's token: %d, want 403", got)
		}
		if n := countRows(t, db, "users", "name = ?", "Forged Name"); n != 0 {
			t.Fatalf("a forged POST changed the profile")
		}
		// The victim's own page still works.
		resp, _ := a.submit("/account", "/account/profile", url.Values{"name": {"Carol Renamed"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("own form: status %d", resp.StatusCode)
		}
		got, err := models.GetUser(t.Context(), db, s.clientUser.ID)
		if err != nil || got.Name != "Carol Renamed" {
			t.Errorf("own form did not save: %v %v", got, err)
		}
	})
}

// Over https the anonymous CSRF cookie takes the __Host- prefix, which no
// other host may set.
func TestCSRFCookieHasHostPrefixOverHTTPS(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_BASE_URL": "https://portal.northwind.test"})
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/signin", nil)
		resp := a.noRedirect(req)
		var found *http.Cookie
		for _, ck := range resp.Cookies() {
			if strings.Contains(ck.Name, "csrf") {
				found = ck
			}
		}
		if found == nil || found.Name != "__Host-portal_csrf" || !found.Secure || found.Path != "/" || found.Domain != "" {
			t.Fatalf("CSRF cookie over https: %+v, want __Host-portal_csrf, Secure, Path=/, no Domain", found)
		}
	})
}

// Behind a TLS proxy (PORTAL_BASE_URL https) the portal sends HSTS and
// marks the flash cookie Secure, as it does its other cookies.
func TestHTTPSBaseURLSendsHSTSAndSecureFlash(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_BASE_URL": "https://portal.northwind.test"})
		resp, _ := a.get("/signin")
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
			t.Errorf("Strict-Transport-Security = %q", got)
		}
		// The cookie jar keeps Secure cookies from a plain http server, so
		// this browser is driven by hand: sign in, then sign out for a flash.
		get := func(path string, cookies []*http.Cookie) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
			for _, ck := range cookies {
				req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		post := func(path string, form url.Values, cookies []*http.Cookie) *http.Response {
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, ck := range cookies {
				req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		csrfOf := func(body string) string {
			token, _ := doc(t, body).Find(`meta[name="csrf-token"]`).Attr("content")
			return token
		}
		first, page := get("/signin", nil)
		anon := first.Cookies()
		in := post("/signin", url.Values{"csrf": {csrfOf(page)}, "email": {s.clientUser.Email}, "password": {testPassword}}, anon)
		if in.StatusCode != http.StatusSeeOther && in.StatusCode != http.StatusFound {
			t.Fatalf("sign in: %d", in.StatusCode)
		}
		session := in.Cookies()
		_, page = get("/account", session)
		out := post("/signout", url.Values{"csrf": {csrfOf(page)}}, session)
		var flash *http.Cookie
		for _, ck := range out.Cookies() {
			if ck.Name == "portal_flash" {
				flash = ck
			}
		}
		if flash == nil || !flash.Secure {
			t.Errorf("flash cookie over https: %+v (status %d), want Secure", flash, out.StatusCode)
		}
	})
}
