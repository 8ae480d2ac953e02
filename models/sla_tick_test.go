package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestTickSLAClocks checks the periodic tick turns a clock yellow then red
// and leaves clocks that did not change alone.
func TestTickSLAClocks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := models.CreateDefaultSLAPolicy(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table("sla_calendars").Set("always_open = ?", true).Where("1 = 1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1,
			CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: "c@acme.test", Name: "C", SignupMethod: "invite",
			CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sc, _ := models.ScopeFor(db, u)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Down", Urgency: models.UrgencyCritical}) // 15 min response
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			after time.Duration
			want  string
			n     int
		}{
			{5 * time.Minute, models.ColourGreen, 0},
			{12 * time.Minute, models.ColourYellow, 1},
			{13 * time.Minute, models.ColourYellow, 0},
			{16 * time.Minute, models.ColourRed, 1},
		}
		for _, s := range steps {
			changes, err := models.TickSLAClocks(ctx, db, r.CreatedAt.Add(s.after))
			if err != nil {
				t.Fatal(err)
			}
			var got models.Request
			if err := db.NewSelect().Model(&got).Where("id = ?", r.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if len(changes) != s.n || got.ResponseColour != s.want {
				t.Errorf("after %s: %d changes, colour %s; want %d, %s", s.after, len(changes), got.ResponseColour, s.n, s.want)
			}
		}
	})
}
