package migrations_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestPolicyVersionBackfill runs the backfill of the policy versions
// migration (its statements after the schema change) over a policy with a
// holiday and a request that has no version: the request gets version 1 of
// its client's policy, and that version holds the same settings as the
// policy, so the next request reuses it rather than writing version 2 (the
// JSON each database writes decodes as the Go side writes it).
func TestPolicyVersionBackfill(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		files, err := migrations.Files(db)
		if err != nil {
			t.Fatal(err)
		}
		up, err := fs.ReadFile(files, "20261208030000_sla_policy_versions.tx.up.sql")
		if err != nil {
			t.Fatal(err)
		}
		at := strings.Index(string(up), "-- Existing policies")
		if at < 0 {
			t.Fatal("the migration has no backfill section")
		}
		backfill := string(up)[at:]

		targets := map[string][2]int{}
		for _, u := range models.Urgencies {
			targets[u] = [2]int{45, 600}
		}
		holiday := models.Now().AddDate(0, 1, 0).Truncate(24 * time.Hour)
		p, err := models.SaveSLAPolicy(ctx, db, 0, models.SLAPolicyInput{Name: "Backfilled", WarningPercent: 80, IsDefault: true,
			Timezone: "Europe/Paris", WorkDays: 0b0111110, StartMinute: 8 * 60, EndMinute: 18 * 60, Targets: targets,
			Holidays: []models.SLAHoliday{{Day: holiday, Name: "Founders' Day"}}})
		if err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		c := &models.Client{Name: "Old", Slug: "old", RequestPrefix: "OLD", Timezone: "UTC", NextRequestNumber: 2, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		r := &models.Request{ClientID: c.ID, Number: 1, Title: "From before versions", Urgency: models.UrgencyNormal,
			Status: models.StatusSubmitted, ClockUpdatedAt: now, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, backfill); err != nil {
			t.Fatalf("backfill: %v", err)
		}

		if err := db.NewSelect().Model(r).WherePK().Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var v models.SLAPolicyVersion
		if r.SLAPolicyVersionID == nil {
			t.Fatal("the request has no policy version after the backfill")
		}
		if err := db.NewSelect().Model(&v).Where("id = ?", *r.SLAPolicyVersionID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if v.PolicyID == nil || *v.PolicyID != p.ID || v.Version != 1 || v.Label() != "Backfilled, version 1" {
			t.Errorf("backfilled version %+v, want version 1 of policy %d", v, p.ID)
		}
		key := models.DayKey(holiday.Year(), holiday.Month(), holiday.Day())
		if names := v.HolidayNames(); names[key] != "Founders' Day" || len(names) != 1 {
			t.Errorf("backfilled holidays %v (%s)", names, v.HolidaysJSON)
		}
		if resp, res := v.TargetSecs(models.UrgencyHigh); resp != 45*60 || res != 600*60 {
			t.Errorf("backfilled high targets %d, %d (%s)", resp, res, v.TargetsJSON)
		}
		bundle, err := models.LoadSLAPolicy(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		id, err := models.RecordPolicyVersion(ctx, db, bundle)
		if err != nil {
			t.Fatal(err)
		}
		if *id != v.ID {
			t.Errorf("an unchanged policy got a new version %d after the backfilled %d: %s / %s", *id, v.ID, v.HolidaysJSON, v.TargetsJSON)
		}
	})
}
