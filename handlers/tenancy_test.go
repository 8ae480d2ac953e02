package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// publicPrefixes are routes that are not client pages: probes, assets, and
// the pages people use to get a session. Everything else outside /console
// is a client route and is walked by TestEveryClientRouteHidesOtherClients.
var publicPrefixes = []string{"/static", "/healthz", "/readyz", "/setup", "/signin", "/signout", "/forgot",
	"/reset/", "/join/", "/auth/"}

func isPublic(path string) bool {
	for _, p := range publicPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

var paramPattern = regexp.MustCompile(`:[A-Za-z_]+|\*`)

// foreignMarkers must never appear in a page served to Acme's users.
var foreignMarkers = []string{foreignName, foreignTitle, foreignMessage, "gina@globex.test", "Gina Globex", "GLOBEX"}

// appRoutes lists the application's routes (method, path), without echo's
// internal catch-alls.
func appRoutes(e *echo.Echo) []*echo.Route {
	var rs []*echo.Route
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || strings.HasSuffix(r.Name, "glob..func1") {
			continue
		}
		rs = append(rs, r)
	}
	return rs
}

// send makes a request with this browser's cookies and the CSRF header.
// An event stream never ends: it is returned at its headers, and a stream
// that sends none is given up after a minute. The minute is a bound for a
// hung route, not a speed test: a loaded machine (the whole suite at once)
// took over 5 s for one of these requests.
func (a *app) send(method, path, csrf string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp, ""
	}
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

// someForm fills the fields a client form may ask for, so a handler that
// validated before loading the row would still have to answer 404.
var someForm = url.Values{"title": {"x"}, "description": {"x"}, "body": {"x"}, "message": {"x"},
	"urgency": {"normal"}, "name": {"x"}, "status": {"completed"}}

func TestEveryClientRouteHidesOtherClients(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		seedOtherClient(t, db)
		now := models.Now()
		own := &models.Request{ClientID: s.client.ID, Number: 1, Title: "Acme printer", Urgency: models.UrgencyLow,
			Status: models.StatusSubmitted, RequesterID: &s.clientUser.ID, ResponseColour: "green", ResolutionColour: "green",
			ClockUpdatedAt: now, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(own).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		a := newAuthApp(t, db, nil)
		a.signIn(s.clientUser.Email, testPassword)
		csrf := a.csrfOf("/")

		foreign := []string{strconv.Itoa(foreignRequestID), strconv.Itoa(foreignRequestNo), strconv.Itoa(foreignMessageID),
			strconv.Itoa(foreignUserID), strconv.Itoa(foreignClientID), strconv.Itoa(foreignIdentityID),
			"GLOBEX-" + strconv.Itoa(foreignRequestNo), "globex"}
		walked := 0
		for _, r := range appRoutes(a.echo) {
			if strings.HasPrefix(r.Path, "/console") || isPublic(r.Path) {
				continue
			}
			if strings.HasPrefix(r.Path, "/api/") && r.Path != "/api/v1/openapi.json" {
				// The API takes bearer tokens only: a client's session cookie
				// opens none of it, whatever id it names.
				walked++
				path := paramPattern.ReplaceAllString(r.Path, foreign[0])
				resp, body := a.send(r.Method, path, csrf, someForm)
				want := http.StatusUnauthorized
				if strings.HasSuffix(r.Path, "/*") {
					want = http.StatusNotFound // the API's own "no such route" problem
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s with a client's session: %d, want %d", r.Method, path, resp.StatusCode, want)
				}
				if m := contains(body, foreignMarkers...); m != "" {
					t.Errorf("%s %s shows another client's data: %q", r.Method, path, m)
				}
				continue
			}
			if !paramPattern.MatchString(r.Path) {
				if r.Method != http.MethodGet {
					continue // acts on the user's own client only; nothing foreign to name
				}
				walked++
				resp, body := a.send(r.Method, r.Path, csrf, nil)
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s: %d", r.Method, r.Path, resp.StatusCode)
				}
				if m := contains(body, foreignMarkers...); m != "" {
					t.Errorf("%s %s shows another client's data: %q", r.Method, r.Path, m)
				}
				continue
			}
			for _, id := range foreign {
				walked++
				path := paramPattern.ReplaceAllString(r.Path, id)
				resp, body := a.send(r.Method, path, csrf, someForm)
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404", r.Method, path, resp.StatusCode)
				}
				if m := contains(body, foreignMarkers...); m != "" {
					t.Errorf("%s %s shows another client's data: %q", r.Method, path, m)
				}
			}
		}
		t.Logf("walked %d client requests", walked)
		if walked < 3 {
			t.Fatalf("only %d client requests walked: is the route table empty?", walked)
		}
		// Nothing changed for the other client.
		if n := countRows(t, db, "messages", "client_id = ?", foreignClientID); n != 1 {
			t.Errorf("the other client's messages changed: %d", n)
		}
		if n := countRows(t, db, "oauth_identities", "id = ?", foreignIdentityID); n != 1 {
			t.Errorf("the other user's identity was unlinked")
		}
	})
}

func TestStaffRoutesRefuseClientsAndVisitors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		client := a.other()
		client.signIn(s.clientUser.Email, testPassword)
		clientCSRF := client.csrfOf("/")
		visitor := a.other()
		visitorCSRF := visitor.csrfOf("/signin")

		walked := 0
		for _, r := range appRoutes(a.echo) {
			if !strings.HasPrefix(r.Path, "/console") {
				continue
			}
			walked++
			path := paramPattern.ReplaceAllString(r.Path, "1")
			resp, body := client.send(r.Method, path, clientCSRF, someForm)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("client user %s %s: %d, want 404", r.Method, path, resp.StatusCode)
			}
			if strings.Contains(body, "Console") {
				t.Errorf("client user %s %s sees the console", r.Method, path)
			}
			resp, _ = visitor.send(r.Method, path, visitorCSRF, someForm)
			if resp.Request.URL.Path != "/signin" {
				t.Errorf("visitor %s %s landed on %s (%d), want /signin", r.Method, path, resp.Request.URL.Path, resp.StatusCode)
			}
		}
		if walked < 10 {
			t.Fatalf("only %d console routes found", walked)
		}
		if n := countRows(t, db, "clients", ""); n != 1 {
			t.Errorf("refused requests created clients")
		}
	})
}

func TestAdminOnlyConsolePages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_FRAME_ANCESTORS": "https://env.example.com"})
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)

		// Invite an agent: the account exists without a password and gets an e-mail.
		resp, _ := admin.submit("/console/staff", "/console/staff", url.Values{"name": {"Alan Agent"}, "email": {"alan@northwind.test"}, "role": {"agent"}})
		if resp.Request.URL.Path != "/console/staff" || resp.StatusCode != http.StatusOK {
			t.Fatalf("invite: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		msg := a.smtp.WaitFor(t, "alan@northwind.test", 1)
		link := pathOf(t, linkURLPattern.FindString(msg.Text))
		agent := a.other()
		if resp, _ := agent.submit(link, link, url.Values{"password": {"agent-secret-pass"}, "confirm": {"agent-secret-pass"}}); resp.Request.URL.Path != "/signin" {
			t.Fatalf("invited agent setting a password landed on %s", resp.Request.URL.Path)
		}
		agent.signIn("alan@northwind.test", "agent-secret-pass")
		var invite struct {
			Created time.Time `bun:"created_at"`
			Expires time.Time `bun:"expires_at"`
		}
		db.NewSelect().Table("password_resets").Column("created_at", "expires_at").Limit(1).Scan(t.Context(), &invite) //nolint:errcheck
		if d := invite.Expires.Sub(invite.Created); d < 24*time.Hour {
			t.Errorf("invitation valid only %v", d)
		}

		// Agents cannot see staff or settings.
		for _, p := range []string{"/console/staff", "/console/settings"} {
			if resp, _ := agent.get(p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("agent GET %s: %d", p, resp.StatusCode)
			}
		}
		if resp, _ := agent.get("/console/clients"); resp.StatusCode != http.StatusOK {
			t.Errorf("agent GET /console/clients: %d", resp.StatusCode)
		}

		// Settings: framing origins reach the CSP; staff domains restrict invitations.
		resp, body := admin.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"},
			"frame_origins": {"javascript:alert(1)"}, "staff_domains": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, ".field-error") == "" {
			t.Errorf("bad origin accepted: %d", resp.StatusCode)
		}
		admin.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind Managed IT"},
			"frame_origins": {"https://www.northwind.test\nhttps://help.northwind.test/"}, "staff_domains": {"northwind.test"}})
		resp, body = admin.get("/console/settings")
		csp := resp.Header.Get("Content-Security-Policy")
		for _, o := range []string{"https://www.northwind.test", "https://help.northwind.test", "https://env.example.com"} {
			if !strings.Contains(csp, o) {
				t.Errorf("CSP %q lacks %s", csp, o)
			}
		}
		if resp.Header.Get("X-Frame-Options") != "" {
			t.Errorf("X-Frame-Options set while framing is allowed")
		}
		if !strings.Contains(text(t, body, ".brand"), "Northwind Managed IT") {
			t.Errorf("MSP name not updated: %q", text(t, body, ".brand"))
		}
		resp, body = admin.submit("/console/staff", "/console/staff", url.Values{"name": {"Eve"}, "email": {"eve@gmail.test"}, "role": {"admin"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "northwind.test") {
			t.Errorf("invite outside staff domains: %d", resp.StatusCode)
		}

		// Disabling an agent signs them out.
		var alan models.User
		db.NewSelect().Model(&alan).Where("email = ?", "alan@northwind.test").Scan(t.Context()) //nolint:errcheck
		admin.submit("/console/staff", "/console/staff/"+itoa(alan.ID)+"/disable", url.Values{})
		if resp, _ := agent.get("/console"); resp.Request.URL.Path != "/signin" {
			t.Errorf("disabled agent still in")
		}
	})
}
