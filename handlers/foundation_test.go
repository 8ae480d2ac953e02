package handlers_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

func TestSetupRunsOnceAndSignsInTheAdmin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		a := newApp(t, db)

		resp, body := a.get("/")
		if resp.Request.URL.Path != "/setup" {
			t.Fatalf("first visit landed on %s, want /setup", resp.Request.URL.Path)
		}
		if got := text(t, body, "h1"); got != "Set up your portal" {
			t.Fatalf("setup heading = %q", got)
		}

		// Bad input: every field answered beside itself, with 422, nothing written.
		resp, body = a.submit("/setup", "/setup", url.Values{
			"workspace_name": {""}, "admin_name": {"Ada"}, "admin_email": {"not-an-email"}, "password": {"short"},
		})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid setup: status %d, want 422", resp.StatusCode)
		}
		d := doc(t, body)
		for _, field := range []string{"workspace_name", "admin_email", "password"} {
			if d.Find("#"+field).Closest(".field").Find(".field-error").Length() != 1 {
				t.Errorf("no error shown beside %s", field)
			}
		}
		if d.Find("#admin_name").Closest(".field").Find(".field-error").Length() != 0 {
			t.Errorf("valid admin_name shows an error")
		}
		if v, _ := d.Find("#admin_name").Attr("value"); v != "Ada" {
			t.Errorf("admin_name not kept after a failed submit: %q", v)
		}
		if n, _ := db.NewSelect().Table("users").Count(t.Context()); n != 0 {
			t.Fatalf("invalid setup wrote %d users", n)
		}

		resp, body = a.submit("/setup", "/setup", url.Values{
			"workspace_name": {"Northwind IT"}, "admin_name": {"Ada Admin"},
			"admin_email": {"Ada@Northwind.test"}, "password": {"a-long-enough-secret"}, "setup_code": {setupCode(t, db)},
		})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console" {
			t.Fatalf("setup: status %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if got := text(t, body, ".brand"); !strings.Contains(got, "Northwind IT") {
			t.Errorf("console brand = %q", got)
		}
		if got := text(t, body, ".flash"); !strings.Contains(got, "ready") {
			t.Errorf("flash after setup = %q", got)
		}

		// Setup is gone for good, for everyone.
		if resp, _ := a.browser().get("/setup"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /setup after setup: %d, want 404", resp.StatusCode)
		}
		if resp, _ := a.browser().get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("signed-out visitor landed on %s, want /signin", resp.Request.URL.Path)
		}
		// The e-mail was normalised: the admin signs in with any case.
		b := a.browser()
		b.signIn("ada@northwind.TEST", "a-long-enough-secret")
	})
}

func TestRenderFullPageOrFragment(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)

		resp, full := a.get("/")
		if !strings.Contains(full, "<html") || !strings.Contains(full, `class="topbar"`) {
			t.Fatalf("plain GET did not return the full page")
		}
		if vary := strings.Join(resp.Header.Values("Vary"), ","); !strings.Contains(vary, "HX-Request") {
			t.Errorf("Vary = %q, want HX-Request", vary)
		}
		if text(t, full, "h1") != "Acme Corp" {
			t.Errorf("dashboard h1 = %q", text(t, full, "h1"))
		}

		_, frag := a.get("/", "HX-Request", "true")
		if strings.Contains(frag, "<html") || strings.Contains(frag, `class="topbar"`) {
			t.Errorf("htmx request got the layout, want only the content block")
		}
		if !strings.Contains(frag, "Open requests") {
			t.Errorf("fragment lacks the dashboard content")
		}
		for _, h := range []string{"HX-Boosted", "HX-History-Restore-Request"} {
			if _, body := a.get("/", "HX-Request", "true", h, "true"); !strings.Contains(body, "<html") {
				t.Errorf("%s request did not get the full page", h)
			}
		}
	})
}

func TestErrorPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newApp(t, db)

		resp, body := a.get("/no/such/page")
		if resp.StatusCode != http.StatusNotFound || text(t, body, "h1") != "Page not found" {
			t.Fatalf("unknown route: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		if !strings.Contains(body, "<html") {
			t.Errorf("404 is not a full HTML page")
		}
		resp, body = a.get("/no/such/page", "HX-Request", "true")
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "<html") || !strings.Contains(body, "error-code") {
			t.Errorf("htmx 404 should be a fragment: %d %q", resp.StatusCode, body)
		}
		req, _ := http.NewRequest(http.MethodDelete, a.srv.URL+"/healthz", nil)
		resp, body = a.do(req)
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, "error-code") {
			t.Errorf("DELETE /healthz: %d, want 405 page", resp.StatusCode)
		}
	})
}

func TestStaffAndClientAreKeptApart(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)

		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		if resp, _ := client.get("/console"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client user GET /console: %d, want 404", resp.StatusCode)
		}

		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		if resp, _ := staff.get("/"); resp.Request.URL.Path != "/console" {
			t.Errorf("staff GET / landed on %s, want /console", resp.Request.URL.Path)
		}

		anon := a.browser()
		if resp, _ := anon.get("/console"); resp.Request.URL.Path != "/signin" {
			t.Errorf("visitor GET /console landed on %s, want /signin", resp.Request.URL.Path)
		}

		// Signing out deletes the session: the old cookie no longer works.
		resp, _ := client.submit("/", "/signout", url.Values{})
		if resp.Request.URL.Path != "/signin" {
			t.Fatalf("sign out landed on %s", resp.Request.URL.Path)
		}
		if n, _ := db.NewSelect().Table("sessions").Where("user_id = ?", s.clientUser.ID).Count(t.Context()); n != 0 {
			t.Errorf("%d sessions left after sign-out", n)
		}
	})
}

func TestWrongPasswordSaysNothingSpecific(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		_, known := a.submit("/signin", "/signin", url.Values{"email": {s.clientUser.Email}, "password": {"wrong-password"}})
		resp, unknown := a.submit("/signin", "/signin", url.Values{"email": {"nobody@acme.test"}, "password": {"wrong-password"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failed sign-in: %d, want 422", resp.StatusCode)
		}
		if k, u := text(t, known, ".flash-error"), text(t, unknown, ".flash-error"); k == "" || k != u {
			t.Errorf("messages differ or are empty: %q vs %q", k, u)
		}
	})
}

func TestStateChangesNeedCSRFToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.get("/signin") // obtain the CSRF cookie, but send no token
		resp, body := a.post("/signin", url.Values{"email": {s.admin.Email}, "password": {testPassword}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
			t.Fatalf("POST without token: %d", resp.StatusCode)
		}
		resp, _ = a.post("/signin", url.Values{"email": {s.admin.Email}, "password": {testPassword}, "csrf": {"forged"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("POST with a forged token: %d", resp.StatusCode)
		}
		if n, _ := db.NewSelect().Table("sessions").Count(t.Context()); n != 0 {
			t.Fatalf("a rejected sign-in created %d sessions", n)
		}
		// htmx sends the token in a header.
		_, page := a.get("/signin")
		token, _ := doc(t, page).Find(`meta[name="csrf-token"]`).Attr("content")
		resp, _ = a.post("/signin", url.Values{"email": {s.admin.Email}, "password": {testPassword}},
			"X-CSRF-Token", token, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != "/console" {
			t.Fatalf("htmx sign-in with header token: %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
	})
}

func TestSecurityHeadersAndProbes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		a := newApp(t, db)
		resp, _ := a.get("/signin")
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Request-Id") == "" {
			t.Errorf("missing secure headers: %v", h)
		}
		for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
			resp, body := a.get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET %s: %d %q", path, resp.StatusCode, body)
			}
		}
		db.Close()
		if resp, _ := a.get("/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with a closed database: %d, want 503", resp.StatusCode)
		}
	})
}

func TestStaticAssetsAreCachedAndCompressed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		a := newApp(t, db)
		_, page := a.get("/signin")
		href, ok := doc(t, page).Find(`link[rel="stylesheet"]`).Attr("href")
		if !ok || !strings.Contains(href, "?v=") {
			t.Fatalf("stylesheet href %q has no content hash", href)
		}
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+href, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("stylesheet: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("stylesheet not gzipped")
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		css, _ := io.ReadAll(zr)
		if !strings.Contains(string(css), ".topbar") {
			t.Errorf("stylesheet content unexpected")
		}
		if resp, _ := a.get("/static/css/portal.css"); !strings.Contains(resp.Header.Get("Cache-Control"), "no-cache") || resp.Header.Get("ETag") == "" {
			t.Errorf("unversioned asset should revalidate with an ETag: %v", resp.Header)
		}
		for _, script := range []string{"htmx.min.js", "htmx-ext-sse.js", "portal.js"} {
			if doc(t, page).Find(`script[src^="/static/js/`+script+`?v="]`).Length() != 1 {
				t.Errorf("page does not load %s", script)
			}
		}
	})
}
