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
