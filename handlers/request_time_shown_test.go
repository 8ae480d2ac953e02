package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestRequestPageShowsTheClientOnlyTheTimeItIsShown: time an agent keeps
// hidden from the client does not count in the client's "Hours logged" on
// the request page (nor in the list); staff see all of it.
func TestRequestPageShowsTheClientOnlyTheTimeItIsShown(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		r := newRequest(t, db, s.clientUser, "Server patching")
		day := models.Now()
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 60, day)
		now := models.Now()
		for _, billing := range []string{models.BillingNotCharged, models.BillingHidden} {
			e := &models.TimeEntry{ClientID: s.client.ID, RequestID: r.ID, StaffID: s.admin.ID, Minutes: 30,
				WorkDate: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), Billing: billing,
				CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		resp, body := client.get("/requests/" + strconv.Itoa(r.Number))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request page: %d", resp.StatusCode)
		}
		if got := text(t, body, "#hours-logged"); got != "1.5 h" {
			t.Errorf("client's hours logged = %q, want 1.5 h (1 h billable + 0.5 h not charged; the hidden 0.5 h left out)", got)
		}

		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		resp, body = staff.get("/console/requests/" + strconv.FormatInt(r.ID, 10))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("console request page: %d", resp.StatusCode)
		}
		if got := text(t, body, "#hours-logged"); got != "2 h" {
			t.Errorf("staff hours logged = %q, want 2 h", got)
		}
	})
}
