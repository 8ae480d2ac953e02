package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
)

const testPassword = "correct-horse-battery"

// portal is the whole portal behind httptest.
type portal struct {
	t   *testing.T
	db  *bun.DB
	srv *httptest.Server
	hc  *http.Client

	admin, agent, carol *models.User
	client              *models.Client
}

// newPortal seeds a workspace (an admin, an agent, a client with one user)
// and serves the portal with env.
func newPortal(t *testing.T, db *bun.DB, env map[string]string) *portal {
	t.Helper()
	vars := map[string]string{"PORTAL_DATA_DIR": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Northwind IT", AdminName: "Ada Admin",
		AdminEmail: "ada@northwind.test", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	p := &portal{t: t, db: db, srv: srv, hc: &http.Client{Jar: jar}, admin: admin}
	now := models.Now()
	p.client = &models.Client{Name: "Acme Corp", Slug: "acme", RequestPrefix: "ACME", Timezone: "Europe/Paris",
		NextRequestNumber: 1, MonthlyIncludedMinutes: 600, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(p.client).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	p.carol = p.user(&p.client.ID, models.RoleClient, "carol@acme.test", "Carol Client")
	p.agent = p.user(nil, models.RoleAgent, "sam@northwind.test", "Sam Agent")
	return p
}

func (p *portal) user(clientID *int64, role, email, name string) *models.User {
	p.t.Helper()
	hash, err := models.HashPassword(testPassword)
	if err != nil {
		p.t.Fatal(err)
	}
	now := models.Now()
	u := &models.User{ClientID: clientID, Role: role, Email: email, Name: name, PasswordHash: &hash,
		SignupMethod: "invite", NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
	if _, err := p.db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		p.t.Fatal(err)
	}
	return u
}

// token makes a personal token of u with scopes.
func (p *portal) token(u *models.User, scopes ...string) string {
	p.t.Helper()
	_, secret, err := models.CreateAPIToken(context.Background(), p.db, models.NewAPIToken{Kind: models.TokenPersonal,
		UserID: u.ID, Name: "test", Scopes: scopes})
	if err != nil {
		p.t.Fatal(err)
	}
	return secret
}

// allScopes is every scope but notes:internal.
var allScopes = []string{models.ScopeRequestsRead, models.ScopeRequestsWrite, models.ScopeMessagesWrite,
	models.ScopeTimeRead, models.ScopeTimeWrite, models.ScopeClientsRead, models.ScopeWebhooksAdmin}

// answer is a response with its body read.
type answer struct {
	*http.Response
	Body string
}

// json decodes the body into v.
func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.Body), v); err != nil {
		t.Fatalf("decode %q: %v", a.Body, err)
	}
}

// call sends method path with the token (none if ""), body (JSON-encoded
// unless a string) and header pairs.
func (p *portal) call(method, path, token string, body any, headers ...string) answer {
	p.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			p.t.Fatal(err)
		}
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, p.srv.URL+path, r)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return answer{res, string(b)}
}

// want fails unless the answer has status.
func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", a.Request.Method, a.Request.URL.Path, a.StatusCode, status, a.Body)
	}
	return a
}

// problemOf checks a problem+json answer and returns it.
func problemOf(t *testing.T, a answer, status int, kind string) map[string]any {
	t.Helper()
	a.want(t, status)
	if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, a.Body)
	}
	var p map[string]any
	a.json(t, &p)
	if p["type"] != "urn:portal:problem:"+kind || int(p["status"].(float64)) != status {
		t.Fatalf("problem %v, want type %s status %d", p, kind, status)
	}
	return p
}

// newRequest opens a request for carol through the model (test setup).
func (p *portal) newRequest(title string) *models.Request {
	p.t.Helper()
	r, err := models.CreateRequestOnBehalf(context.Background(), p.db, p.admin, models.OnBehalfRequest{
		NewRequest: models.NewRequest{Title: title, Urgency: models.UrgencyNormal, Channel: models.ChannelPhone},
		ClientID:   p.client.ID, RequesterID: p.carol.ID})
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

func newJar() (*cookiejar.Jar, error) { return cookiejar.New(nil) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfFor reads the CSRF token of the sign-in form this client was given.
func csrfFor(t *testing.T, p *portal) string {
	t.Helper()
	a := p.call("GET", "/signin", "", nil)
	m := csrfField.FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatalf("no csrf field on /signin: %s", a.Body)
	}
	return html.UnescapeString(m[1])
}
