package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// BenchmarkClientHoursFiveYears: the Hours page's figures for a client with
// five years of monthly periods, a top-up a quarter and 50,000 time entries
// (PostgreSQL). Run with -bench ClientHours -benchtime 50x.
func BenchmarkClientHoursFiveYears(b *testing.B) {
	db := dbtest.New(b, dbtest.Postgres)
	ctx := context.Background()
	now := models.Now()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "W", AdminName: "Ada", AdminEmail: "ada@w.test", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "Europe/Paris", MonthlyIncludedMinutes: 2400,
		NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if err := models.SaveHourPlan(ctx, db, admin, models.HourPlan{ClientID: c.ID, Kind: models.PlanMonthly, IncludedMinutes: 2400,
		StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverCapped, RolloverCapMinutes: 600, RolloverExpiryPeriods: 3}); err != nil {
		b.Fatal(err)
	}
	var reqs []models.Request
	for i := 1; i <= 500; i++ {
		reqs = append(reqs, models.Request{ClientID: c.ID, Number: i, Title: "Work", Urgency: models.UrgencyNormal,
			Status: models.StatusCompleted, CreatedAt: now, UpdatedAt: now})
	}
	if _, err := db.NewInsert().Model(&reqs).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	start := models.LocalDate(now, time.UTC).AddDate(-5, 0, 0)
	days := int(models.LocalDate(now, time.UTC).Sub(start).Hours()/24) + 1
	entries := make([]models.TimeEntry, 0, 1000)
	for i := 0; i < 50000; i++ {
		entries = append(entries, models.TimeEntry{ClientID: c.ID, RequestID: reqs[i%len(reqs)].ID, StaffID: admin.ID,
			Minutes: 15 + i%60, WorkDate: start.AddDate(0, 0, i%days), CreatedAt: now, UpdatedAt: now})
		if len(entries) == cap(entries) {
			if _, err := db.NewInsert().Model(&entries).Exec(ctx); err != nil {
				b.Fatal(err)
			}
			entries = entries[:0]
		}
	}
	for m := 0; m < 60; m += 3 {
		if _, err := models.AddPurchase(ctx, db, admin, c.ID, models.PurchaseInput{Minutes: 600, On: start.AddDate(0, m, 3)}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, ok, err := models.ClientHours(ctx, db, c.ID, now, time.Time{}, false)
		if err != nil || !ok || len(o.Periods) < 60 {
			b.Fatalf("%v %v %d periods", err, ok, len(o.Periods))
		}
	}
}
