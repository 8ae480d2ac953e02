package handlers_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestMonthlyHoursWithoutStoredPeriod: a client set up with included hours
// per month sees its balance at once, before any period row exists.
func TestMonthlyHoursWithoutStoredPeriod(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		if _, err := db.NewUpdate().Model(s.client).Set("monthly_included_minutes = 600").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "New laptop", Urgency: models.UrgencyNormal})
		if err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		if _, body := a.get("/"); text(t, body, "#stat-hours") != "10 h" {
			t.Fatalf("hours remaining with nothing logged = %q, want 10 h", text(t, body, "#stat-hours"))
		}

		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		loc, err := time.LoadLocation(s.client.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		today := models.Now().In(loc).Format("2006-01-02")
		form := url.Values{"duration": {"1:30"}, "date": {today}, "note": {"Set up"}}
		if resp, body := staff.submit(page, page+"/time", form); resp.StatusCode != 200 {
			t.Fatalf("log time: %d %s", resp.StatusCode, body)
		}
		if _, body := a.get("/"); text(t, body, "#stat-hours") != "8.5 h" {
			t.Fatalf("hours remaining after 1:30 logged = %q, want 8.5 h", text(t, body, "#stat-hours"))
		}
	})
}
