package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// setupCode issues a setup code as another process (or the CLI) would.
func setupCode(t *testing.T, db *bun.DB) string {
	t.Helper()
	code, err := models.NewSetupCode(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var setupCodeInLog = regexp.MustCompile(`setup_code=([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})`)

// Whoever reached a fresh instance first used to become its admin. Setup
// now needs the one-time code the server printed in its log.
func TestSetupNeedsTheOneTimeCodeFromTheLog(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		cfg, err := config.Load(func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		var logs lockedBuffer
		e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		a := &app{t: t, db: db, srv: srv, client: newClient()}
		m := setupCodeInLog.FindStringSubmatch(logs.String())
		if m == nil {
			t.Fatalf("no setup code in the log:\n%s", logs.String())
		}
		form := func(code string) url.Values {
			return url.Values{"workspace_name": {"Mallory Inc"}, "admin_name": {"Mallory"},
				"admin_email": {"mallory@evil.test"}, "password": {"a-long-enough-secret"}, "setup_code": {code}}
		}
		for _, code := range []string{"", "AAAA-BBBB-CCCC-DDDD"} {
			resp, body := a.browser().submit("/setup", "/setup", form(code))
			msg := doc(t, body).Find("#setup_code").Closest(".field").Find(".field-error").Text()
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "setup code") {
				t.Errorf("setup with code %q: %d, message %q", code, resp.StatusCode, msg)
			}
		}
		if n := countRows(t, db, "users", ""); n != 0 {
			t.Fatalf("setup without the code made %d users", n)
		}
		// The code as printed (lower case, spaces forgiven) sets the portal up, once.
		code := strings.ToLower(strings.ReplaceAll(m[1], "-", " "))
		resp, _ := a.submit("/setup", "/setup", form(code))
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console" {
			t.Fatalf("setup with the code: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if n := countRows(t, db, "setup_codes", ""); n != 0 {
			t.Errorf("%d setup codes left after setup", n)
		}
		if resp, _ := a.browser().get("/setup"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /setup after setup: %d", resp.StatusCode)
		}
	})
}
