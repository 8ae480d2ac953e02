package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// enableTOTP turns two-factor sign-in on from the account page of a
// signed-in browser and returns the secret and the recovery codes.
func enableTOTP(t *testing.T, b *app, accountPage string) (string, []string) {
	t.Helper()
	resp, body := b.submit(accountPage, "/account/totp/setup", url.Values{})
	secret := text(t, body, "#totp-secret")
	if resp.StatusCode != http.StatusOK || secret == "" || doc(t, body).Find("#totp-qr").Length() != 1 {
		t.Fatalf("set up: %d, secret %q", resp.StatusCode, secret)
	}
	resp, body = b.submit(accountPage, "/account/totp/enable", url.Values{"totp_code": {"000000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#totp_code ~ .field-error"), "not right") {
		t.Fatalf("wrong first code: %d %q", resp.StatusCode, text(t, body, ".field-error"))
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	resp, body = b.submit(accountPage, "/account/totp/enable", url.Values{"totp_code": {code}})
	var codes []string
	doc(t, body).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if resp.StatusCode != http.StatusOK || len(codes) != models.RecoveryCodeCount {
		t.Fatalf("turn on: %d, %d recovery codes", resp.StatusCode, len(codes))
	}
	return secret, codes
}

// signInWithCode signs in with the password, then answers the code page.
func signInWithCode(t *testing.T, a *authApp, email, code string) (*app, *http.Response, string) {
	t.Helper()
	b := a.other()
	resp, _ := b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {testPassword}})
	if resp.Request.URL.Path != "/signin/code" || b.sessionCookie() != "" {
		t.Fatalf("password of a two-factor account landed on %s (session %q)", resp.Request.URL.Path, b.sessionCookie())
	}
	resp, body := b.submit("/signin/code", "/signin/code", url.Values{"code": {code}})
	return b, resp, body
}

func TestTwoFactorSignInWithCodesAndRecoveryCodes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		secret, recovery := enableTOTP(t, carol, "/account")

		// The password alone is not enough; a wrong code is answered beside the field.
		b, resp, body := signInWithCode(t, a, s.clientUser.Email, "123456")
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, ".field-error") == "" || b.sessionCookie() != "" {
			t.Fatalf("wrong code: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		// The app's next code signs in, once.
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		b, resp, _ = signInWithCode(t, a, s.clientUser.Email, next)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || b.sessionCookie() == "" {
			t.Fatalf("right code: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if _, resp, _ = signInWithCode(t, a, s.clientUser.Email, next); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("the same code twice: %d", resp.StatusCode)
		}
		// A recovery code works once.
		if _, resp, _ = signInWithCode(t, a, s.clientUser.Email, strings.ToUpper(recovery[0])); resp.Request.URL.Path != "/" {
			t.Fatalf("recovery code: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if _, resp, _ = signInWithCode(t, a, s.clientUser.Email, recovery[0]); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a recovery code twice: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "recovery_codes", "user_id = ? AND used_at IS NULL", s.clientUser.ID); n != models.RecoveryCodeCount-1 {
			t.Errorf("%d recovery codes left, want %d", n, models.RecoveryCodeCount-1)
		}
		// Guessing codes is limited like passwords.
		for i := 0; i < 3; i++ {
			signInWithCode(t, a, s.clientUser.Email, "000000")
		}
		if _, resp, _ = signInWithCode(t, a, s.clientUser.Email, recovery[1]); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("after 5 wrong codes: %d, want 429", resp.StatusCode)
		}
	})
}

func TestAdminsCanRequireTwoFactorForStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		if _, err := models.CreateUser(context.Background(), db, models.NewUser{Role: models.RoleAgent, Email: "alan@northwind.test",
			Name: "Alan Agent", Password: testPassword, SignupMethod: models.SignupCLI}); err != nil {
			t.Fatal(err)
		}
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		enableTOTP(t, admin, "/console/account") // first: see TestRequiringTwoFactorNeedsTheAdminsOwn
		resp, _ := admin.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"}, "require_totp": {"on"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("save settings: %d", resp.StatusCode)
		}
		ws, err := models.GetWorkspace(t.Context(), db)
		if err != nil || !ws.RequireStaffTOTP {
			t.Fatalf("setting not saved: %+v %v", ws, err)
		}
		alan := a.other()
		alan.signIn("alan@northwind.test", testPassword)
		for _, page := range []string{"/console", "/console/clients"} {
			if resp, body := alan.get(page); resp.Request.URL.Path != "/console/account" || !strings.Contains(text(t, body, ".flash"), "requires two-factor") {
				t.Errorf("%s without two-factor landed on %s", page, resp.Request.URL.Path)
			}
		}
		secret, _ := enableTOTP(t, alan, "/console/account")
		if resp, _ := alan.get("/console/clients"); resp.Request.URL.Path != "/console/clients" {
			t.Errorf("with two-factor on, /console/clients landed on %s", resp.Request.URL.Path)
		}
		// While it is required, staff cannot turn it off.
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if resp, body := alan.submit("/console/account", "/account/totp/disable", url.Values{"disable_password": {testPassword}, "disable_code": {next}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(text(t, body, ".field-error"), "requires") {
			t.Errorf("turning off while required: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		// Client users are not concerned.
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		if resp, _ := carol.get("/requests"); resp.Request.URL.Path != "/requests" {
			t.Errorf("client user sent to %s", resp.Request.URL.Path)
		}
	})
}

func TestTwoFactorCanBeTurnedOffWithACode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		secret, _ := enableTOTP(t, carol, "/account")
		resp, body := carol.submit("/account", "/account/totp/disable", url.Values{"disable_password": {testPassword}, "disable_code": {"999999"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#disable_code ~ .field-error") == "" {
			t.Fatalf("wrong code to turn off: %d", resp.StatusCode)
		}
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if resp, _ := carol.submit("/account", "/account/totp/disable", url.Values{"disable_password": {testPassword}, "disable_code": {next}}); resp.StatusCode != http.StatusOK ||
			resp.Request.URL.Path != "/account" {
			t.Fatalf("turn off: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if n := countRows(t, db, "recovery_codes", "user_id = ?", s.clientUser.ID); n != 0 {
			t.Errorf("%d recovery codes left after turning off", n)
		}
		a.other().signIn(s.clientUser.Email, testPassword)
	})
}
