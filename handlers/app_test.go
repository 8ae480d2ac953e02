package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
)

// app is the whole portal behind httptest, with one browser-like client.
type app struct {
	t      *testing.T
	db     *bun.DB
	srv    *httptest.Server
	client *http.Client
}

func newApp(t *testing.T, db *bun.DB) *app {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := handlers.New(cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, client: newClient()}
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// browser returns a second, independent client (own cookies) on the same app.
func (a *app) browser() *app {
	b := *a
	b.client = newClient()
	return &b
}

// do sends a request and returns the response with its body read.
func (a *app) do(req *http.Request) (*http.Response, string) {
	a.t.Helper()
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, string(b)
}

func (a *app) get(path string, headers ...string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.do(req)
}

func (a *app) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.do(req)
}

// submit GETs page, takes the CSRF token from its form, and POSTs form to
// action with it, as a browser would.
func (a *app) submit(page, action string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	resp, body := a.get(page)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: status %d", page, resp.StatusCode)
	}
	token, ok := doc(a.t, body).Find(`input[name="csrf"]`).First().Attr("value")
	if !ok || token == "" {
		a.t.Fatalf("GET %s: no CSRF token in the page", page)
	}
	form.Set("csrf", token)
	return a.post(action, form)
}

// signIn signs in through the sign-in form and fails the test otherwise.
func (a *app) signIn(email, password string) {
	a.t.Helper()
	resp, body := a.submit("/signin", "/signin", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/signin" {
		a.t.Fatalf("sign in as %s: status %d at %s\n%s", email, resp.StatusCode, resp.Request.URL.Path, body)
	}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func text(t *testing.T, body, selector string) string {
	t.Helper()
	return strings.TrimSpace(doc(t, body).Find(selector).First().Text())
}

const testPassword = "correct-horse-battery"

// seed is a set-up workspace with one admin and one client user.
type seed struct {
	admin, clientUser *models.User
	client            *models.Client
}

func seedWorkspace(t *testing.T, db *bun.DB) seed {
	t.Helper()
	ctx := context.Background()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Northwind IT", AdminName: "Ada Admin",
		AdminEmail: "ada@northwind.test", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	client := &models.Client{Name: "Acme Corp", Slug: "acme", RequestPrefix: "ACME", Timezone: "Europe/Paris",
		NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(client).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	hash, err := models.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	cu := &models.User{ClientID: &client.ID, Role: models.RoleClient, Email: "carol@acme.test", Name: "Carol Client",
		PasswordHash: &hash, SignupMethod: "invite", NotifyEmail: true, NotifyLowBalance: true, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(cu).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return seed{admin: admin, clientUser: cu, client: client}
}
