package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestParseThresholds: hours and percent, separated by commas.
func TestParseThresholds(t *testing.T) {
	ts, _, ok := models.ParseThresholds(" 10h, 25 %,2.5H, 10h ")
	if !ok || models.ThresholdsText(ts) != "10h, 25%, 2.5h" {
		t.Errorf("parsed %v %v", models.ThresholdsText(ts), ok)
	}
	for _, bad := range []string{"10", "0h", "101%", "-5h", "x%"} {
		if _, part, ok := models.ParseThresholds(bad); ok || part == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestHourAlertsOncePerThresholdAcrossProcesses: checks racing in two
// processes (two connection pools on PostgreSQL) record each crossed
// threshold once per period, with one event each; crossing more later adds
// only the new ones.
func TestHourAlertsOncePerThresholdAcrossProcesses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		today := models.LocalDate(now, time.UTC)
		dbs := []*bun.DB{db}
		if models.IsPostgres(db) {
			var name string
			if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
				t.Fatal(err)
			}
			second, err := models.OpenPostgres(ctx, dbtest.URLFor(t, name))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close() })
			dbs = append(dbs, second)
		}
		admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "W", AdminName: "Ada", AdminEmail: "ada@w.test", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", MonthlyIncludedMinutes: 600,
			NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		ts, _, _ := models.ParseThresholds("5h, 25%")
		if err := models.SaveThresholds(ctx, db, admin, c.ID, ts); err != nil {
			t.Fatal(err)
		}
		r := &models.Request{ClientID: c.ID, Number: 1, Title: "Work", Urgency: models.UrgencyNormal, Status: models.StatusInProgress,
			CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		logMinutes := func(m int) {
			e := &models.TimeEntry{ClientID: c.ID, RequestID: r.ID, StaffID: admin.ID, Minutes: m, WorkDate: today, CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		race := func() int {
			var mu sync.Mutex
			var wg sync.WaitGroup
			total := 0
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(d *bun.DB) {
					defer wg.Done()
					sent, err := models.CheckHourAlerts(ctx, d, c.ID, now)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total += len(sent)
					mu.Unlock()
				}(dbs[i%len(dbs)])
			}
			wg.Wait()
			return total
		}
		logMinutes(240) // 6 h left of 10: nothing crossed
		if n := race(); n != 0 {
			t.Errorf("%d alerts with 6 h left", n)
		}
		logMinutes(60) // 5 h left: the 5 h threshold
		if n := race(); n != 1 {
			t.Errorf("%d alerts at 5 h left, want 1", n)
		}
		logMinutes(360) // over by 1 h: 25 % and overage, once each
		if n := race(); n != 2 {
			t.Errorf("%d alerts at overage, want 2", n)
		}
		if n := race(); n != 0 {
			t.Errorf("%d alerts on a second check, want 0", n)
		}
		var events []models.ActivityEvent
		if err := db.NewSelect().Model(&events).Where("kind = ?", models.EventHoursAlert).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"5 h left of 10 h (threshold: 5 h left)", "Over by 1 h of 10 h", "-1 h left of 10 h (threshold: 25 % left)"}
		if len(events) != 3 {
			t.Fatalf("%d alert events, want 3", len(events))
		}
		got := map[string]bool{}
		for _, e := range events {
			got[e.Detail] = true
		}
		for _, w := range want[:2] {
			if !got[w] {
				t.Errorf("no event %q in %v", w, got)
			}
		}
	})
}
