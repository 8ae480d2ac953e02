package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// A client user turns low-balance alerts off and on from Account,
// independently of "e-mail me about updates"; staff have no such box.
func TestAccountLowBalanceOptIn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		prefs := func() (updates, alerts bool) {
			t.Helper()
			u, err := models.GetUser(context.Background(), db, s.clientUser.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.NotifyEmail, u.NotifyLowBalance
		}
		_, body := a.get("/account")
		if _, ok := doc(t, body).Find("#notify-low-balance").Attr("checked"); !ok {
			t.Fatal("alerts box not checked for a user who has them on")
		}
		save := func(form url.Values) {
			t.Helper()
			form.Set("name", "Carol Client")
			form.Set("notify_scope", "following")
			if resp, body := a.submit("/account", "/account/profile", form); resp.StatusCode != http.StatusOK {
				t.Fatalf("save: %d %s", resp.StatusCode, body)
			}
		}
		save(url.Values{"notify_email": {"on"}})
		if updates, alerts := prefs(); !updates || alerts {
			t.Fatalf("updates %v alerts %v, want updates only", updates, alerts)
		}
		save(url.Values{"notify_low_balance": {"on"}})
		if updates, alerts := prefs(); updates || !alerts {
			t.Fatalf("updates %v alerts %v, want alerts only", updates, alerts)
		}

		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		if _, body := staff.get("/console/account"); doc(t, body).Find("#notify-low-balance").Length() != 0 {
			t.Error("staff account shows the client's alert box")
		}
	})
}
