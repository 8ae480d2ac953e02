package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// With no staff domains set, any provider identity carrying a staff
// member's (verified) e-mail used to open the console. Staff now sign in
// with a provider only after linking it themselves while signed in.
func TestStaffProviderSignInNeedsALinkMadeWhileSignedIn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)

		idp.QueueUser(googleUser("g-mallory", s.admin.Email, true))
		stranger := a.browser()
		resp, body := stranger.get("/auth/google")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(text(t, body, "main"), "account page") || stranger.sessionCookie() != "" {
			t.Fatalf("unlinked identity with a staff e-mail: %d at %s\n%s", resp.StatusCode, resp.Request.URL.Path, text(t, body, "main"))
		}
		if n := countRows(t, db, "oauth_identities", ""); n != 0 {
			t.Fatalf("the refused sign-in linked %d identities", n)
		}

		// Ada links her own Google account from her account page…
		ada := a.browser()
		ada.signIn(s.admin.Email, testPassword)
		idp.QueueUser(googleUser("g-ada", s.admin.Email, true))
		if resp, _ := ada.get("/auth/google?link=1"); resp.Request.URL.Path != "/console/account" {
			t.Fatalf("linking landed on %s", resp.Request.URL.Path)
		}
		// …and from then on signs in with it.
		idp.QueueUser(googleUser("g-ada", s.admin.Email, true))
		fresh := a.browser()
		if resp, _ := fresh.get("/auth/google"); resp.Request.URL.Path != "/console" || fresh.sessionCookie() == "" {
			t.Fatalf("linked staff sign-in landed on %s", resp.Request.URL.Path)
		}
		// Another identity with her address still may not.
		idp.QueueUser(googleUser("g-mallory", s.admin.Email, true))
		if resp, _ := a.browser().get("/auth/google"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("second unlinked identity: %d", resp.StatusCode)
		}
	})
}

// The generic OpenID Connect flow carries a PKCE challenge and a nonce; the
// code exchange sends the verifier (the in-process provider checks it) and
// an ID token without the sign-in's nonce is refused.
func TestOIDCSignInUsesPKCEAndNonce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)
		begin := func(b *app) *url.URL {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/auth/google", nil)
			resp := b.noRedirect(req)
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("begin: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			return loc
		}
		b := a.browser()
		loc := begin(b)
		q := loc.Query()
		if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || len(q.Get("nonce")) < 32 {
			t.Fatalf("authorization URL lacks PKCE or nonce: %s", loc)
		}
		if n := countRows(t, db, "oauth_states", "code_verifier <> '' AND nonce = ?", q.Get("nonce")); n != 1 {
			t.Fatalf("verifier and nonce not kept with the state")
		}
		idp.QueueUser(googleUser("g-carol", s.clientUser.Email, true))
		if resp := follow(t, b, loc); resp.Request.URL.Path != "/" || b.sessionCookie() == "" {
			t.Fatalf("sign-in with PKCE landed on %s", resp.Request.URL.Path)
		}

		// An ID token issued for another nonce is refused.
		c := a.browser()
		loc = begin(c)
		if _, err := db.NewUpdate().Table("oauth_states").Set("nonce = ?", "some-other-sign-in").Where("nonce <> ''").
			Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		idp.QueueUser(googleUser("g-carol", s.clientUser.Email, true))
		if resp := follow(t, c, loc); resp.StatusCode != http.StatusUnauthorized || c.sessionCookie() != "" {
			t.Errorf("ID token with a foreign nonce: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
	})
}

// follow opens an absolute URL (the provider's) in a browser and follows
// its redirects back to the portal.
func follow(t *testing.T, b *app, u *url.URL) *http.Response {
	t.Helper()
	resp, err := b.client.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
