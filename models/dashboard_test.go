package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestDashboardCountsEachLateClockOnce: the dashboard's targets past due
// come from two index ranges (a running clock whose due time has passed; a
// paused clock that used more than its target). Every late clock counts,
// once, and a clock on time counts nowhere.
func TestDashboardCountsEachLateClockOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "late", Requests: 6, OpenShare: 100, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		clocks := []struct {
			name   string
			status string
			used   int
			due    *time.Time
		}{
			{"running, due an hour ago", models.StatusInProgress, 100, &past},
			{"running past its target, due an hour ago", models.StatusInProgress, 5000, &past},
			{"paused past its target", models.StatusWaiting, 5000, nil},
			{"running, due in an hour", models.StatusInProgress, 100, &future},
			{"paused within its target", models.StatusWaiting, 100, nil},
			{"running past its target (stored), due in an hour", models.StatusInProgress, 5000, &future},
		}
		for i, c := range clocks {
			_, err := db.NewUpdate().Model((*models.Request)(nil)).
				Set("status = ?", c.status).Set("created_at = ?", now.Add(-48*time.Hour)).
				Set("response_target_secs = 0").Set("response_due_at = NULL").Set("first_response_at = NULL").
				Set("resolution_target_secs = 3600").Set("resolution_used_secs = ?", c.used).Set("resolution_due_at = ?", c.due).
				Where("client_id = ?", set.Client.ID).Where("number = ?", i+1).Exec(ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		var user models.User
		if err := db.NewSelect().Model(&user).Where("client_id = ?", set.Client.ID).Limit(1).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		sc, err := models.ScopeFor(db, &user)
		if err != nil {
			t.Fatal(err)
		}
		st, err := sc.Dashboard(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		// Late: the first three and the last (its stored use is past the
		// target whatever its due time says).
		if st.Open != 6 || st.SLAMet != 0 || st.SLADecided != 4 {
			t.Errorf("open %d, targets met %d of %d; want 6 open, 0 of 4", st.Open, st.SLAMet, st.SLADecided)
		}
	})
}
