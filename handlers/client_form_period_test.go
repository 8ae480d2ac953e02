package handlers_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// The client form's included hours follow the plan's period.
func TestClientFormNamesThePlanPeriod(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		edit := "/console/clients/" + itoa(s.client.ID) + "/edit"
		if _, body := staff.get("/console/clients/new"); text(t, body, `label[for="monthly_hours"]`) != "Included hours per month" {
			t.Errorf("new client: %q", text(t, body, `label[for="monthly_hours"]`))
		}
		for kind, want := range map[string]string{models.PlanMonthly: "Included hours per month",
			models.PlanQuarterly: "Included hours per quarter", models.PlanYearly: "Included hours per year"} {
			if err := models.SaveHourPlan(context.Background(), db, s.admin, models.HourPlan{ClientID: s.client.ID, Kind: kind,
				IncludedMinutes: 600, StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverOff}); err != nil {
				t.Fatal(err)
			}
			if _, body := staff.get(edit); text(t, body, `label[for="monthly_hours"]`) != want {
				t.Errorf("%s plan: %q, want %q", kind, text(t, body, `label[for="monthly_hours"]`), want)
			}
		}
	})
}
