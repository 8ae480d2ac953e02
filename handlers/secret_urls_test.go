package handlers_test

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models/dbtest"
)

// fakeToken looks like a real token and is unique to the test.
func fakeToken() string {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// Every route whose address carries a token (the route table marks them:
// a :token parameter, or a secret query) keeps it out of the request log,
// whatever the method, whether the token is valid or not, and when the
// address has a tail no route serves. /welcome/ and /rate/ links used to be
// logged whole.
func TestNoTokenRouteLogsItsToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		var logs lockedBuffer
		env := map[string]string{"PORTAL_DATA_DIR": t.TempDir(),
			"PORTAL_GOOGLE_CLIENT_ID": "id", "PORTAL_GOOGLE_CLIENT_SECRET": "secret"}
		cfg, err := config.Load(func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		defer srv.Close()
		a := &app{t: t, db: db, srv: srv, client: newClient()}
		// Stay here: the sign-in routes send the browser to the provider.
		a.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

		var tokens, tokenRoutes []string
		fill := func(route string) string {
			segs := strings.Split(route, "/")
			for i, s := range segs {
				switch {
				case s == ":"+handlers.SecretParam:
					tok := fakeToken()
					tokens = append(tokens, tok)
					segs[i] = tok
				case s == ":rating":
					segs[i] = "good"
				case s == ":provider":
					segs[i] = "google"
				case strings.HasPrefix(s, ":"):
					segs[i] = "1"
				}
			}
			return strings.Join(segs, "/")
		}
		for _, r := range appRoutes(e.Echo) {
			if !strings.Contains(r.Path, ":"+handlers.SecretParam) {
				continue
			}
			tokenRoutes = append(tokenRoutes, r.Method+" "+r.Path)
			for _, tail := range []string{"", "/", "/extra", "?utm_source=mail", "%2F..%2Fx"} {
				path := fill(r.Path) + tail
				if r.Method == http.MethodGet {
					a.get(path)
				} else {
					a.post(path, url.Values{"name": {"Z"}, "password": {"zed-password-1"}})
				}
			}
		}
		for _, want := range []string{"GET /join/:token", "POST /join/:token", "GET /reset/:token", "POST /reset/:token",
			"GET /welcome/:token", "POST /welcome/:token"} {
			if !slices.Contains(tokenRoutes, want) {
				t.Errorf("%s is not a token route of the table %v", want, tokenRoutes)
			}
		}
		if !slices.ContainsFunc(tokenRoutes, func(r string) bool { return strings.Contains(r, " /rate/:token") }) {
			t.Errorf("no /rate/:token route in %v", tokenRoutes)
		}
		for _, route := range handlers.SecretQueryRoutes {
			for _, q := range []string{"?join=", "?code=", "?state=x&code="} {
				tok := fakeToken()
				tokens = append(tokens, tok)
				a.get(fill(route) + q + tok)
				a.get(fill(route) + "/x" + q + tok)
			}
		}

		log := logs.String()
		for _, tok := range tokens {
			if strings.Contains(log, tok) {
				t.Fatalf("a token reached the log:\n%s", log)
			}
		}
		for _, want := range []string{"/rate/[redacted]/good", "/welcome/[redacted]", "/join/[redacted]/signin",
			"/auth/google/callback?[redacted]"} {
			if !strings.Contains(log, want) {
				t.Errorf("no request line with %s:\n%s", want, log)
			}
		}
	})
}

// Every path parameter is either a token (:token, redacted in logs) or one
// known to name nothing secret. A new parameter fails here until its author
// decides which it is, so a new token link cannot be logged by mistake.
func TestEveryPathParameterIsMarkedSecretOrNot(t *testing.T) {
	a := newAuthApp(t, dbtest.New(t, dbtest.SQLite), nil)
	for _, r := range appRoutes(a.echo) {
		for _, seg := range strings.Split(r.Path, "/") {
			name, ok := strings.CutPrefix(seg, ":")
			if seg == "*" {
				name, ok = "*", true
			}
			if ok && name != handlers.SecretParam && !handlers.PublicParams[name] {
				t.Errorf("%s %s: parameter %q is neither :%s (a secret, kept out of logs) nor in publicParams (secret_urls.go)",
					r.Method, r.Path, name, handlers.SecretParam)
			}
		}
	}
	routes := map[string]bool{}
	for _, r := range appRoutes(a.echo) {
		routes[r.Path] = true
	}
	for _, r := range handlers.SecretQueryRoutes {
		if !routes[r] {
			t.Errorf("secretQueryRoutes names %s, which is not a route", r)
		}
	}
}
