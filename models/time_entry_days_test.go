package models_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// dayTotals is time_entry_days, or the same grouping of time_entries.
func dayTotals(t *testing.T, db *bun.DB, fromEntries bool) map[string]int {
	t.Helper()
	var rows []struct {
		Billing string `bun:"billing"`
		Day     string `bun:"day"`
		Minutes int    `bun:"minutes"`
	}
	q := db.NewSelect().Table("time_entry_days").ColumnExpr("billing, CAST(work_date AS TEXT) AS day, minutes").Where("entries > 0")
	if fromEntries {
		q = db.NewSelect().Table("time_entries").ColumnExpr("billing, CAST(work_date AS TEXT) AS day, sum(minutes) AS minutes").
			Group("billing", "work_date")
	}
	if err := q.Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Billing+" "+r.Day] = r.Minutes
	}
	return out
}

// The per-day totals the Hours page reads follow every insert, change of
// minutes, date or billing, and delete of a time entry, on both databases.
func TestTimeEntryDaysFollowTheEntries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryBank(t, db, "acme", models.HourPlan{Kind: models.PlanMonthly, IncludedMinutes: 600, StartDay: 1, AnchorMonth: 1,
			Rollover: models.RolloverOff})
		a := w.entry(t, db, "2026-10-01", 60, models.BillingBillable)
		b := w.entry(t, db, "2026-10-01", 30, models.BillingBillable)
		c := w.entry(t, db, "2026-10-02", 45, models.BillingNotCharged)
		check := func(step string, want map[string]int) {
			t.Helper()
			got, entries := dayTotals(t, db, false), dayTotals(t, db, true)
			if len(got) != len(entries) {
				t.Fatalf("%s: days %v, entries say %v", step, got, entries)
			}
			for k, v := range entries {
				if got[k] != v {
					t.Fatalf("%s: days %v, entries say %v", step, got, entries)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d days, want %d (%v)", step, len(got), len(want), got)
			}
		}
		check("inserts", map[string]int{"b1": 90, "n2": 45})
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec("UPDATE time_entries SET minutes = 75 WHERE id = ?", a.ID)
		check("minutes changed", map[string]int{"b1": 105, "n2": 45})
		exec("UPDATE time_entries SET billing = ? WHERE id = ?", models.BillingHidden, b.ID)
		check("billing changed", map[string]int{"b1": 75, "h1": 30, "n2": 45})
		exec("UPDATE time_entries SET work_date = ? WHERE id = ?", mustDay("2026-10-03"), c.ID)
		check("date changed", map[string]int{"b1": 75, "h1": 30, "n3": 45})
		exec("UPDATE time_entries SET note = 'only the note' WHERE id = ?", c.ID)
		check("note changed", map[string]int{"b1": 75, "h1": 30, "n3": 45})
		exec("DELETE FROM time_entries WHERE id IN (?, ?)", a.ID, b.ID)
		check("deleted", map[string]int{"n3": 45})

		// What the Hours page reads from them.
		o, ok, err := models.ClientHours(ctx, db, w.client.ID, mustDay("2026-10-15").Add(12*3600e9), mustDay("2026-10-01"), false)
		if err != nil || !ok || o.Bank.UsedMinutes != 0 || o.NotCharged != 45 {
			t.Fatalf("hours after deletes: %v %v used %d not charged %d", err, ok, o.Bank.UsedMinutes, o.NotCharged)
		}
	})
}
