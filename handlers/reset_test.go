package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// resetLink asks for a reset of email and returns the path of the n-th link
// e-mailed to it.
func resetLink(t *testing.T, a *authApp, email string, n int) string {
	t.Helper()
	resp, body := a.other().submit("/forgot", "/forgot", url.Values{"email": {email}})
	if resp.StatusCode != http.StatusOK || text(t, body, "#forgot-sent") == "" {
		t.Fatalf("forgot: %d", resp.StatusCode)
	}
	msg := a.smtp.WaitFor(t, email, n)
	link := linkURLPattern.FindString(msg.Text)
	if link == "" || !strings.Contains(msg.HTML, link) {
		t.Fatalf("no reset link in the e-mail:\n%s", msg.Text)
	}
	return pathOf(t, link)
}

func TestPasswordReset(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		elsewhere := a.other()
		elsewhere.signIn(s.clientUser.Email, testPassword)

		// The answer is the same whether or not the e-mail has an account.
		_, known := a.other().submit("/forgot", "/forgot", url.Values{"email": {s.clientUser.Email}})
		resp, unknown := a.other().submit("/forgot", "/forgot", url.Values{"email": {"nobody@acme.test"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("forgot for unknown e-mail: %d", resp.StatusCode)
		}
		k := strings.ReplaceAll(text(t, known, "#forgot-sent"), s.clientUser.Email, "X")
		u := strings.ReplaceAll(text(t, unknown, "#forgot-sent"), "nobody@acme.test", "X")
		if k == "" || k != u {
			t.Errorf("answers differ: %q vs %q", k, u)
		}
		msg := a.smtp.WaitFor(t, s.clientUser.Email, 1)
		if !strings.Contains(msg.Subject, "Reset") {
			t.Errorf("subject %q", msg.Subject)
		}
		time.Sleep(100 * time.Millisecond)
		if n := a.smtp.Count("nobody@acme.test"); n != 0 {
			t.Errorf("mail sent to an unknown address")
		}
		path := pathOf(t, linkURLPattern.FindString(msg.Text))

		// Weak password refused beside the field; the link still works after that.
		b := a.other()
		resp, body := b.submit(path, path, url.Values{"password": {"short"}, "confirm": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, ".field-error") == "" {
			t.Fatalf("weak password: %d", resp.StatusCode)
		}
		resp, _ = b.submit(path, path, url.Values{"password": {"brand-new-secret-1"}, "confirm": {"brand-new-secret-1"}})
		if resp.Request.URL.Path != "/signin" {
			t.Fatalf("reset landed on %s", resp.Request.URL.Path)
		}
		// Every session of the user ended.
		if n := countRows(t, db, "sessions", "user_id = ?", s.clientUser.ID); n != 0 {
			t.Errorf("%d sessions survive the reset", n)
		}
		if resp, _ := elsewhere.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("other browser still signed in after reset")
		}
		// Single use.
		resp, body = b.get(path)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "no longer works") {
			t.Errorf("used link: %d", resp.StatusCode)
		}
		resp, _ = b.submit("/signin", path, url.Values{"password": {"another-secret-22"}, "confirm": {"another-secret-22"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("second use of the link: %d", resp.StatusCode)
		}
		b.signIn(s.clientUser.Email, "brand-new-secret-1")

		// Expired after one hour.
		path = resetLink(t, a, s.clientUser.Email, 2)
		if resp, _ := a.other().get(path); resp.StatusCode != http.StatusOK {
			t.Fatalf("fresh link: %d", resp.StatusCode)
		}
		past(t, db, "password_resets", "expires_at", time.Second, "used_at IS NULL")
		if resp, _ := a.other().get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("expired link: %d", resp.StatusCode)
		}
		var validity []struct {
			Created time.Time `bun:"created_at"`
			Expires time.Time `bun:"expires_at"`
		}
		if err := db.NewSelect().Table("password_resets").Column("created_at").ColumnExpr("expires_at").
			Where("user_id = ?", s.clientUser.ID).Order("id").Limit(1).Scan(t.Context(), &validity); err != nil {
			t.Fatal(err)
		}
		if d := validity[0].Expires.Sub(validity[0].Created); d != time.Hour {
			t.Errorf("reset link valid for %v, want 1h", d)
		}
	})
}

func TestChangePasswordRenewsTheSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		other := a.other()
		other.signIn(s.clientUser.Email, testPassword)
		a.signIn(s.clientUser.Email, testPassword)
		before := a.sessionCookie()

		resp, body := a.submit("/account", "/account/password", url.Values{"current_password": {"wrong-one-here"},
			"new_password": {"fresh-secret-pass"}, "confirm_password": {"fresh-secret-pass"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#current_password").Closest(".field").Find(".field-error").Length() != 1 {
			t.Fatalf("wrong current password: %d", resp.StatusCode)
		}
		resp, _ = a.submit("/account", "/account/password", url.Values{"current_password": {testPassword},
			"new_password": {"fresh-secret-pass"}, "confirm_password": {"fresh-secret-pass"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" {
			t.Fatalf("change password: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		after := a.sessionCookie()
		if after == "" || after == before {
			t.Errorf("session id not renewed after password change")
		}
		if resp, _ := other.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("other session survives a password change")
		}
		if n := countRows(t, db, "sessions", "user_id = ?", s.clientUser.ID); n != 1 {
			t.Errorf("%d sessions after change, want 1", n)
		}
		// Profile: name and e-mail preference.
		resp, body = a.submit("/account", "/account/profile", url.Values{"name": {"Carol C."}})
		if resp.Request.URL.Path != "/account" {
			t.Fatalf("profile: %d", resp.StatusCode)
		}
		if v, _ := doc(t, body).Find("#name").Attr("value"); v != "Carol C." {
			t.Errorf("name not saved: %q", v)
		}
		if _, ok := doc(t, body).Find(`input[name="notify_email"]`).Attr("checked"); ok {
			t.Errorf("e-mail preference not saved")
		}
	})
}
