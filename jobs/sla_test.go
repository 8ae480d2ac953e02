package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestSLATickerAnnouncesColourChanges: a Critical request (15 min response
// target, 24x7) is due to turn yellow at 75 % (11m15s); the ticker ignores
// it before then, announces the change once when it comes, and again when
// the clock turns red.
func TestSLATickerAnnouncesColourChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := models.CreateDefaultSLAPolicy(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table("sla_calendars").Set("always_open = ?", true).Where("1 = 1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: "c@acme.test", Name: "C", SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sc, _ := models.ScopeFor(db, u)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Server down", Urgency: models.UrgencyCritical})
		if err != nil {
			t.Fatal(err)
		}
		if r.SLANextChangeAt == nil || !r.SLANextChangeAt.Equal(r.CreatedAt.Add(11*time.Minute+15*time.Second)) {
			t.Fatalf("next colour change stored as %v, want created + 11m15s", r.SLANextChangeAt)
		}

		at := r.CreatedAt
		ticker := &jobs.SLATicker{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return at }}
		for _, step := range []struct {
			after   time.Duration
			changed int
			colours string
		}{
			{5 * time.Minute, 0, ""},
			{11*time.Minute + 20*time.Second, 1, "yellow green"},
			{12 * time.Minute, 0, ""},
			{15*time.Minute + 2*time.Second, 1, "red green"},
			{20 * time.Minute, 0, ""},
		} {
			at = r.CreatedAt.Add(step.after)
			n, err := ticker.Tick(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != step.changed {
				t.Fatalf("after %s: %d changes, want %d", step.after, n, step.changed)
			}
			if n == 0 {
				continue
			}
			var ev models.ActivityEvent
			if err := db.NewSelect().Model(&ev).Where("kind = ?", models.EventSLAChanged).Order("id DESC").Limit(1).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if ev.Detail != step.colours || ev.RequestID == nil || *ev.RequestID != r.ID || ev.Audience != models.AudiencePublic {
				t.Fatalf("after %s: event %+v", step.after, ev)
			}
		}
		// Colour changes are pushed, not listed in the client's activity.
		activity, err := sc.RecentActivity(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range activity {
			if e.Kind == models.EventSLAChanged {
				t.Fatalf("SLA change listed in the activity timeline")
			}
		}
	})
}
