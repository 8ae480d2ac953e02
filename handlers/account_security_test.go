package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// Guessing the current password on the account page is limited like
// sign-in: five wrong guesses, then a pause even for the right one.
func TestCurrentPasswordChecksAreRateLimited(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.clientUser.Email, testPassword)
		change := func(current string) (*http.Response, string) {
			return a.submit("/account", "/account/password", url.Values{"current_password": {current},
				"new_password": {"a-brand-new-passphrase"}, "confirm_password": {"a-brand-new-passphrase"}})
		}
		for i := range 5 {
			resp, body := change("not-my-password")
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong guess %d: status %d", i, resp.StatusCode)
			}
			if msg := text(t, body, ".has-error"); msg == "" {
				t.Errorf("wrong guess %d: no message beside the field", i)
			}
		}
		resp, _ := change(testPassword)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("6th check: status %d, want 429", resp.StatusCode)
		}
		if n := countRows(t, db, "users", "id = ? AND password_changed_at IS NOT NULL", s.clientUser.ID); n != 0 {
			t.Errorf("the password changed during the pause")
		}
	})
}

// A reset link asked for before the password was changed on the account
// page stops working: the change may have been made to lock out whoever
// read that mailbox.
func TestPasswordChangeRetiresEarlierResetLinks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		if resp, _ := a.other().submit("/forgot", "/forgot", url.Values{"email": {s.clientUser.Email}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("forgot: %d", resp.StatusCode)
		}
		reset := linkURLPattern.FindString(a.smtp.WaitFor(t, s.clientUser.Email, 1).Text)
		if reset == "" {
			t.Fatal("no reset link e-mailed")
		}
		a.signIn(s.clientUser.Email, testPassword)
		resp, body := a.submit("/account", "/account/password", url.Values{"current_password": {testPassword},
			"new_password": {"a-brand-new-passphrase"}, "confirm_password": {"a-brand-new-passphrase"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" {
			t.Fatalf("change password: %d at %s\n%s", resp.StatusCode, resp.Request.URL.Path, body)
		}
		b := a.other()
		if resp, _ := b.get(pathOf(t, reset)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("reset link from before the change: GET %d, want 404", resp.StatusCode)
		}
		token := b.csrfOf("/signin")
		if resp, _ := b.post(pathOf(t, reset), url.Values{"csrf": {token}, "password": {"attacker-passphrase"}, "confirm": {"attacker-passphrase"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("reset link from before the change: POST %d, want 404", resp.StatusCode)
		}
		b.signIn(s.clientUser.Email, "a-brand-new-passphrase")
		// A link asked for after the change works.
		a.other().submit("/forgot", "/forgot", url.Values{"email": {s.clientUser.Email}})
		fresh := linkURLPattern.FindString(a.smtp.WaitFor(t, s.clientUser.Email, 2).Text)
		if resp, _ := a.other().get(pathOf(t, fresh)); resp.StatusCode != http.StatusOK {
			t.Errorf("fresh reset link: %d", resp.StatusCode)
		}
	})
}
