package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// Starting a new set-up proves nothing but a session: it used to turn
// two-factor sign-in off (a POST with the session's CSRF token was enough),
// after which the password alone signed in. Now the app in use keeps
// working, and moving to a new app takes a code of the old one.
func TestSettingUpAgainKeepsTwoFactorOn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		secret, recovery := enableTOTP(t, carol, "/account")

		resp, body := carol.submit("/account", "/account/totp/setup", url.Values{})
		fresh := text(t, body, "#totp-secret")
		if resp.StatusCode != http.StatusOK || fresh == "" || fresh == secret {
			t.Fatalf("set up again: %d, secret %q", resp.StatusCode, fresh)
		}
		if n := countRows(t, db, "users", "id = ? AND totp_enabled_at IS NOT NULL AND totp_secret = ?", s.clientUser.ID, secret); n != 1 {
			t.Fatal("starting a new set-up turned two-factor sign-in off")
		}
		// The password alone still does not sign in (signInWithCode checks);
		// the app in use does.
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if _, resp, _ := signInWithCode(t, a, s.clientUser.Email, next); resp.Request.URL.Path != "/" {
			t.Fatalf("the app in use during a set-up: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}

		// The new app's code alone does not replace the app in use.
		code, _ := totp.GenerateCode(fresh, time.Now())
		resp, body = carol.submit("/account", "/account/totp/enable", url.Values{"totp_code": {code}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#current_code ~ .field-error"), "not right") {
			t.Fatalf("new app without the old one's code: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		if n := countRows(t, db, "users", "id = ? AND totp_secret = ?", s.clientUser.ID, secret); n != 1 {
			t.Fatal("the new app replaced the old one without its code")
		}
		// With a recovery code of the old app, it does, with new recovery codes.
		resp, body = carol.submit("/account", "/account/totp/enable", url.Values{"totp_code": {code}, "current_code": {recovery[0]}})
		var codes []string
		doc(t, body).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
		if resp.StatusCode != http.StatusOK || len(codes) != models.RecoveryCodeCount {
			t.Fatalf("move to the new app: %d, %d recovery codes\n%s", resp.StatusCode, len(codes), text(t, body, ".field-error"))
		}
		if _, resp, _ := signInWithCode(t, a, s.clientUser.Email, next); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("the old app after moving: %d", resp.StatusCode)
		}
		if _, resp, _ := signInWithCode(t, a, s.clientUser.Email, recovery[1]); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an old recovery code after moving: %d", resp.StatusCode)
		}
		newNext, _ := totp.GenerateCode(fresh, time.Now().Add(30*time.Second))
		if _, resp, _ := signInWithCode(t, a, s.clientUser.Email, newNext); resp.Request.URL.Path != "/" {
			t.Errorf("the new app: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
	})
}

// Turning two-factor sign-in off takes what signing in takes: the password
// and a code (or a recovery code). A session's CSRF token is not enough.
func TestTurningTwoFactorOffNeedsPasswordAndCode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		_, recovery := enableTOTP(t, carol, "/account")
		stillOn := func(what string) {
			t.Helper()
			if n := countRows(t, db, "users", "id = ? AND totp_enabled_at IS NOT NULL", s.clientUser.ID); n != 1 {
				t.Fatalf("%s turned two-factor sign-in off", what)
			}
		}
		off := func(form url.Values) (*http.Response, string) {
			return carol.submit("/account", "/account/totp/disable", form)
		}

		resp, body := off(url.Values{})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#disable_password ~ .field-error") == "" ||
			text(t, body, "#disable_code ~ .field-error") == "" {
			t.Fatalf("nothing but the CSRF token: %d, password %q, code %q", resp.StatusCode,
				text(t, body, "#disable_password ~ .field-error"), text(t, body, "#disable_code ~ .field-error"))
		}
		stillOn("the CSRF token alone")

		// A code without the password; the recovery code is not used up.
		resp, body = off(url.Values{"disable_password": {"not-my-password"}, "disable_code": {recovery[0]}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#disable_password ~ .field-error"), "not your current password") ||
			text(t, body, "#disable_code ~ .field-error") != "" {
			t.Fatalf("wrong password: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		stillOn("a recovery code with a wrong password")
		if n := countRows(t, db, "recovery_codes", "user_id = ? AND used_at IS NULL", s.clientUser.ID); n != models.RecoveryCodeCount {
			t.Errorf("a wrong password used up a recovery code: %d left", n)
		}

		// The password with a wrong code.
		resp, body = off(url.Values{"disable_password": {testPassword}, "disable_code": {"123456"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#disable_code ~ .field-error"), "not right") ||
			text(t, body, "#disable_password ~ .field-error") != "" {
			t.Fatalf("wrong code: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		stillOn("the password with a wrong code")
		if resp, _ := a.other().submit("/signin", "/signin", url.Values{"email": {s.clientUser.Email}, "password": {testPassword}}); resp.Request.URL.Path != "/signin/code" {
			t.Fatalf("after refused attempts, the password alone landed on %s", resp.Request.URL.Path)
		}

		// Both: off, and the password alone signs in again.
		resp, body = off(url.Values{"disable_password": {testPassword}, "disable_code": {recovery[0]}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" || !strings.Contains(text(t, body, ".flash"), "off") {
			t.Fatalf("turn off: %d at %s %q", resp.StatusCode, resp.Request.URL.Path, text(t, body, ".field-error"))
		}
		a.other().signIn(s.clientUser.Email, testPassword)
	})
}

// streamAnswer is how /events answers b: its status and content type, read
// without waiting on a stream that would stay open.
func streamAnswer(t *testing.T, b *app) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/events", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

// routeParam is a path parameter of a route, filled in with an id.
var routeParam = regexp.MustCompile(`:[a-z_]+|\*`)

// "Require two-factor sign-in for staff" covers every staff route, the live
// event stream included: it used to answer a staff member who had not set it
// up with a stream of client replies. An open stream ends when it turns on.
func TestUnenrolledStaffReachOnlyEnrolment(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		const alanEmail = "alan@northwind.test"
		if _, err := models.CreateUser(context.Background(), db, models.NewUser{Role: models.RoleAgent, Email: alanEmail,
			Name: "Alan Agent", Password: testPassword, SignupMethod: models.SignupCLI}); err != nil {
			t.Fatal(err)
		}
		live := newLiveApp(t, db)
		a := newAuthApp(t, db, nil)

		// Alan has the console open, with its stream, when the admin (set up
		// first) turns the requirement on: his session ends, and the stream.
		alan := live.browser()
		alan.signIn(alanEmail, testPassword)
		open := alan.listen()
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		enableTOTP(t, admin, "/console/account")
		if resp, body := admin.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"}, "require_totp": {"on"}}); resp.StatusCode != http.StatusOK ||
			resp.Request.URL.Path != "/console/settings" {
			t.Fatalf("require two-factor: %d at %s %q", resp.StatusCode, resp.Request.URL.Path, text(t, body, ".field-error"))
		}
		timeout := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-open:
				if !ok {
					break drain
				}
			case <-timeout:
				t.Fatal("the stream opened before the requirement kept going")
			}
		}

		// Signed in again, he is sent to set it up, and the stream is refused.
		resp, _ := alan.submit("/signin", "/signin", url.Values{"email": {alanEmail}, "password": {testPassword}})
		if resp.Request.URL.Path != "/console/account" {
			t.Fatalf("unenrolled staff signed in to %s", resp.Request.URL.Path)
		}
		if status, kind := streamAnswer(t, alan); status != http.StatusForbidden || strings.HasPrefix(kind, "text/event-stream") {
			t.Fatalf("/events for unenrolled staff: %d %s", status, kind)
		}

		// Every other staff route, whatever it serves (pages, fragments,
		// exports, files, forms), sends him to set it up.
		walker := a.other()
		walker.signIn(alanEmail, testPassword)
		token := walker.csrfOf("/console/account")
		walked := 0
		for _, r := range a.echo.Routes() {
			if !strings.HasPrefix(r.Path, "/console") || r.Path == "/console/account" || r.Path == "/console/account/timezone" ||
				(r.Method != http.MethodGet && r.Method != http.MethodPost) {
				continue
			}
			path := routeParam.ReplaceAllString(r.Path, "1")
			req, _ := http.NewRequest(r.Method, a.srv.URL+path, strings.NewReader(url.Values{"csrf": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp := walker.noRedirect(req)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/account#two-factor" {
				t.Errorf("%s %s: %d to %q", r.Method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
			walked++
		}
		if walked < 50 {
			t.Fatalf("walked %d staff routes only", walked)
		}
		if resp, _ := walker.get("/console", "HX-Request", "true"); resp.Header.Get("HX-Redirect") != "/console/account#two-factor" {
			t.Errorf("htmx fragment: %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
		// His API token, made before the requirement, acts as him: refused too.
		alanUser, err := models.GetUserByEmail(context.Background(), db, alanEmail)
		if err != nil {
			t.Fatal(err)
		}
		_, apiToken, err := models.CreateAPIToken(context.Background(), db, models.NewAPIToken{Kind: models.TokenPersonal,
			UserID: alanUser.ID, Name: "script", Scopes: []string{models.ScopeClientsRead}})
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := a.other().get("/api/v1/clients", "Authorization", "Bearer "+apiToken); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(body, "two-factor") {
			t.Errorf("API token of unenrolled staff: %d %s", resp.StatusCode, body)
		}
		// His own account page and its forms work.
		if resp, _ := walker.submit("/console/account", "/account/profile", url.Values{"name": {"Alan A. Agent"}}); resp.Request.URL.Path != "/console/account" ||
			countRows(t, db, "users", "email = ? AND name = ?", alanEmail, "Alan A. Agent") != 1 {
			t.Errorf("profile while unenrolled: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}

		// Once set up, the console and its stream are his.
		enableTOTP(t, alan, "/console/account")
		alan.listen() // fails the test unless 200 text/event-stream
		if resp, _ := alan.get("/console/clients"); resp.Request.URL.Path != "/console/clients" {
			t.Errorf("enrolled staff: /console/clients landed on %s", resp.Request.URL.Path)
		}
		if resp, body := a.other().get("/api/v1/clients", "Authorization", "Bearer "+apiToken); resp.StatusCode != http.StatusOK {
			t.Errorf("API token of enrolled staff: %d %s", resp.StatusCode, body)
		}
	})
}

// An admin who requires two-factor sign-in must have it: the setting is
// refused, beside its checkbox, until their own is on (it used to save and
// send the admin away from the console, this page included).
func TestRequiringTwoFactorNeedsTheAdminsOwn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		require := url.Values{"name": {"Northwind IT"}, "require_totp": {"on"}}

		resp, body := admin.submit("/console/settings", "/console/settings", require)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#require_totp-error"), "your own account first") {
			t.Fatalf("require without own: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		if v, _ := doc(t, body).Find("#require_totp").Attr("aria-invalid"); v != "true" {
			t.Errorf("the checkbox is not marked invalid")
		}
		if ws, err := models.GetWorkspace(t.Context(), db); err != nil || ws.RequireStaffTOTP {
			t.Fatalf("the setting was saved: %+v %v", ws, err)
		}
		if resp, _ := admin.get("/console/settings"); resp.Request.URL.Path != "/console/settings" {
			t.Fatalf("the admin was sent to %s", resp.Request.URL.Path)
		}

		enableTOTP(t, admin, "/console/account")
		if resp, body := admin.submit("/console/settings", "/console/settings", require); resp.StatusCode != http.StatusOK ||
			resp.Request.URL.Path != "/console/settings" {
			t.Fatalf("require with own: %d at %s %q", resp.StatusCode, resp.Request.URL.Path, text(t, body, ".field-error"))
		}
		if ws, err := models.GetWorkspace(t.Context(), db); err != nil || !ws.RequireStaffTOTP {
			t.Fatalf("the setting was not saved: %+v %v", ws, err)
		}
		if resp, _ := admin.get("/console"); resp.Request.URL.Path != "/console" {
			t.Errorf("the admin was sent to %s", resp.Request.URL.Path)
		}
	})
}
