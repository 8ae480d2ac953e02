package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/markbates/goth/providers/openidConnect"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// newOAuthApp boots the portal with a real OpenID Connect provider running in
// the test process (mockoidc), behind goth's openidConnect provider
// registered under the production name "google".
func newOAuthApp(t *testing.T, db *bun.DB) (*app, *mockoidc.MockOIDC) {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() }) //nolint:errcheck
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"PORTAL_BASE_URL": base, "PORTAL_DATA_DIR": t.TempDir()}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cid := idp.Config()
	p, err := openidConnect.New(cid.ClientID, cid.ClientSecret, base+"/auth/google/callback",
		idp.DiscoveryEndpoint(), "openid", "email", "profile")
	if err != nil {
		t.Fatal(err)
	}
	p.SetName("google")
	// mockoidc's userinfo answer lacks the "sub" claim the spec requires, so
	// the claims are taken from the ID token it signs.
	p.SkipUserInfoRequest = true
	e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.WithProvider(p, "Google"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, client: newClient()}, idp
}

func googleUser(sub, email string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified, PreferredUsername: sub}
}

func TestGoogleSignInThroughALink(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)

		// The button shows because the provider is enabled.
		_, page := a.get("/signin")
		if href, _ := doc(t, page).Find("a.provider-google").Attr("href"); href != "/auth/google" {
			t.Fatalf("no Google button on the sign-in page: %q", href)
		}

		// Without a portal link, an unknown person gets no account.
		idp.QueueUser(googleUser("g-ursula", "ursula@unknown.test", true))
		resp, body := a.browser().get("/auth/google")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "portal link") {
			t.Fatalf("unknown Google user without a link: %d\n%s", resp.StatusCode, text(t, body, "main"))
		}
		if n := countRows(t, db, "users", "email = ?", "ursula@unknown.test"); n != 0 {
			t.Fatalf("account created without a link")
		}

		// Through a link: the account is created, bound to the link's client.
		link, l := makeLink(t, db, s.client.ID, 90)
		b := a.browser()
		_, page = b.get(link)
		href, _ := doc(t, page).Find("a.provider-google").Attr("href")
		if !strings.HasPrefix(href, "/auth/google?join=") {
			t.Fatalf("join page Google button: %q", href)
		}
		idp.QueueUser(googleUser("g-ursula", "ursula@acme.test", true))
		resp, body = b.get(href)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || text(t, body, "h1") != "Acme Corp" {
			t.Fatalf("sign-up through link: %d at %s (%q)", resp.StatusCode, resp.Request.URL.Path, text(t, body, "main"))
		}
		u, err := models.GetUserByEmail(t.Context(), db, "ursula@acme.test")
		if err != nil || u.ClientID == nil || *u.ClientID != s.client.ID || u.SignupMethod != "google" || u.PasswordHash != nil {
			t.Fatalf("account: %+v %v", u, err)
		}
		if n := countRows(t, db, "portal_links", "id = ? AND uses = 1", l.ID); n != 1 {
			t.Errorf("link use not counted")
		}
		// The OAuth state was single-use and is gone.
		if n := countRows(t, db, "oauth_states", ""); n != 0 {
			t.Errorf("%d OAuth states left", n)
		}

		// Later: plain sign-in with Google, no link needed (found by subject,
		// even when the e-mail at Google changed).
		idp.QueueUser(googleUser("g-ursula", "ursula.new@acme.test", true))
		c := a.browser()
		resp, _ = c.get("/auth/google")
		if resp.Request.URL.Path != "/" || c.sessionCookie() == "" {
			t.Fatalf("later Google sign-in landed on %s", resp.Request.URL.Path)
		}
		// Account lists the provider, and it can be unlinked once a password exists.
		_, acct := c.get("/account")
		if !strings.Contains(text(t, acct, "#identities"), "Google") {
			t.Errorf("account page does not list Google")
		}
		if err := models.SetPassword(t.Context(), db, u.ID, "ursula-password-1"); err != nil {
			t.Fatal(err)
		}
		c.signIn("ursula@acme.test", "ursula-password-1")
		_, acct = c.get("/account")
		action, _ := doc(t, acct).Find("#identities form").Attr("action")
		c.submit("/account", action, url.Values{})
		if n := countRows(t, db, "oauth_identities", "user_id = ?", u.ID); n != 0 {
			t.Errorf("identity not unlinked")
		}
	})
}

func TestGoogleSignInLinksByVerifiedEmailOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		o := seedOtherClient(t, db)
		a, idp := newOAuthApp(t, db)

		// An unverified address does not take over an existing account.
		idp.QueueUser(googleUser("g-fake", s.clientUser.Email, false))
		if resp, _ := a.browser().get("/auth/google"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unverified e-mail signed in: %d", resp.StatusCode)
		}
		// A verified one links the identity and signs in.
		idp.QueueUser(googleUser("g-carol", s.clientUser.Email, true))
		b := a.browser()
		if resp, _ := b.get("/auth/google"); resp.Request.URL.Path != "/" {
			t.Errorf("verified e-mail: landed on %s", resp.Request.URL.Path)
		}
		if n := countRows(t, db, "oauth_identities", "user_id = ? AND subject = ?", s.clientUser.ID, "g-carol"); n != 1 {
			t.Errorf("identity not linked")
		}

		// Another client's user arriving through Acme's link is refused and stays bound.
		link, _ := makeLink(t, db, s.client.ID, 90)
		idp.QueueUser(googleUser("g-gina", o.user.Email, true))
		resp, body := a.browser().get("/auth/google?join=" + link[len("/join/"):])
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Acme") {
			t.Errorf("foreign user through link: %d", resp.StatusCode)
		}
		if u, _ := models.GetUser(t.Context(), db, o.user.ID); *u.ClientID != o.client.ID {
			t.Errorf("foreign user re-bound")
		}

		// A callback without the browser's state cookie is refused.
		if resp, _ := a.browser().get("/auth/google/callback?code=x&state=forged"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged callback: %d", resp.StatusCode)
		}
		// Unknown providers do not exist.
		if resp, _ := a.browser().get("/auth/facebook"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown provider: %d", resp.StatusCode)
		}
	})
}

func TestStaffGoogleSignInRespectsStaffDomains(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)
		if err := models.UpdateWorkspace(t.Context(), db, models.WorkspaceSettings{Name: "Northwind IT", StaffDomains: "northwind.test"}); err != nil {
			t.Fatal(err)
		}
		// The admin linked a personal Google account earlier.
		if err := models.LinkIdentity(t.Context(), db, s.admin.ID, "google", "g-ada-personal", "ada@gmail.test"); err != nil {
			t.Fatal(err)
		}
		idp.QueueUser(googleUser("g-ada-personal", "ada@gmail.test", true))
		if resp, body := a.browser().get("/auth/google"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "northwind.test") {
			t.Errorf("staff with an outside Google account: %d", resp.StatusCode)
		}
		// Staff sign in with a provider account only once they linked it.
		if err := models.LinkIdentity(t.Context(), db, s.admin.ID, "google", "g-ada", s.admin.Email); err != nil {
			t.Fatal(err)
		}
		idp.QueueUser(googleUser("g-ada", s.admin.Email, true))
		if resp, _ := a.browser().get("/auth/google"); resp.Request.URL.Path != "/console" {
			t.Errorf("staff with a workspace Google account landed on %s", resp.Request.URL.Path)
		}
	})
}

func TestNoProviderButtonsWhenNoneIsConfigured(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		if _, page := a.get("/signin"); strings.Contains(page, "/auth/") {
			t.Errorf("provider buttons shown with no provider configured")
		}
		if resp, _ := a.get("/auth/google"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("disabled provider: %d", resp.StatusCode)
		}
	})
}

func TestRefusedSignInsLinkNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)
		if err := models.UpdateWorkspace(t.Context(), db, models.WorkspaceSettings{Name: "Northwind IT", StaffDomains: "elsewhere.test"}); err != nil {
			t.Fatal(err)
		}
		idp.QueueUser(googleUser("g-ada", s.admin.Email, true))
		if resp, _ := a.browser().get("/auth/google"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff outside the domains: %d", resp.StatusCode)
		}
		if err := models.SetUserDisabled(t.Context(), db, s.clientUser.ID, s.clientUser.ClientID, true); err != nil {
			t.Fatal(err)
		}
		idp.QueueUser(googleUser("g-carol", s.clientUser.Email, true))
		if resp, _ := a.browser().get("/auth/google"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("disabled user: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "oauth_identities", ""); n != 0 {
			t.Errorf("refused sign-ins linked %d identities", n)
		}
	})
}
