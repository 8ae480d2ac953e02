package models_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// Benchmark sizes: 200 clients, one of which holds 10,000 requests.
const (
	benchClients       = 200
	benchBigClientReqs = 10000
	benchOtherReqs     = 20 // per other client
)

// seedBench bulk-inserts the benchmark data set and returns the big
// client's user. Requests are a tenth open for the big client and a quarter
// for the others; every completed request has a time entry.
func seedBench(b *testing.B, db *bun.DB) *models.User {
	b.Helper()
	ctx := context.Background()
	if _, err := models.CreateDefaultSLAPolicy(ctx, db); err != nil {
		b.Fatal(err)
	}
	now := models.Now()
	staff := &models.User{Role: models.RoleAgent, Email: "agent@bench.test", Name: "Agent", SignupMethod: "password",
		CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(staff).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	clients := make([]models.Client, benchClients)
	for i := range clients {
		clients[i] = models.Client{Name: fmt.Sprintf("Client %03d", i), Slug: fmt.Sprintf("client-%03d", i),
			RequestPrefix: fmt.Sprintf("C%03d", i), Timezone: "UTC", CreatedAt: now, UpdatedAt: now}
	}
	if _, err := db.NewInsert().Model(&clients).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	user := &models.User{ClientID: &clients[0].ID, Role: models.RoleClient, Email: "big@bench.test", Name: "Big",
		SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(user).Exec(ctx); err != nil {
		b.Fatal(err)
	}

	titles := []string{"Printer offline", "VPN drops", "New laptop", "Mailbox full", "Password reset", "Backup failed"}
	var batch []models.Request
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		var entries []models.TimeEntry
		for _, r := range batch {
			if r.Status == models.StatusCompleted {
				entries = append(entries, models.TimeEntry{ClientID: r.ClientID, RequestID: r.ID, StaffID: staff.ID,
					Minutes: 30 + int(r.ID%90), WorkDate: r.CreatedAt.Truncate(24 * time.Hour), CreatedAt: now, UpdatedAt: now})
			}
		}
		if len(entries) > 0 {
			if _, err := db.NewInsert().Model(&entries).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		batch = batch[:0]
	}
	add := func(c models.Client, n, openEvery int) {
		for i := 1; i <= n; i++ {
			created := now.Add(-time.Duration(n-i) * 37 * time.Minute)
			r := models.Request{ClientID: c.ID, Number: i, Title: fmt.Sprintf("%s #%d", titles[i%len(titles)], i),
				Urgency: models.Urgencies[i%4], Status: models.StatusCompleted, ResponseTargetSecs: 3600,
				ResolutionTargetSecs: 8 * 3600, ResponseUsedSecs: 1200, ResolutionUsedSecs: 5 * 3600,
				ClockUpdatedAt: created.Add(time.Hour), ResponseColour: models.ColourGreen, ResolutionColour: models.ColourGreen,
				CreatedAt: created, UpdatedAt: created.Add(time.Hour)}
			if i%openEvery == 0 {
				r.Status = models.OpenStatuses[i%3]
				due := created.Add(time.Duration(i%48) * time.Hour)
				r.ResolutionDueAt = &due
				if i%2 == 0 {
					r.ResponseDueAt = &due
				}
			} else {
				done := created.Add(time.Hour)
				r.CompletedAt, r.FirstResponseAt = &done, &done
			}
			batch = append(batch, r)
			if len(batch) == 1000 {
				flush()
			}
		}
		flush()
	}
	add(clients[0], benchBigClientReqs, 10)
	for _, c := range clients[1:] {
		add(c, benchOtherReqs, 4)
	}
	// VACUUM sets the visibility map, as autovacuum would on a live database,
	// so counts can be index-only scans.
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return user
}

// BenchmarkRequestLists measures the staff queue and the big client's lists
// on PostgreSQL. Run: go test -run xxx -bench . -benchtime 200x ./models/
func BenchmarkRequestLists(b *testing.B) {
	if os.Getenv("PORTAL_TEST_DATABASE_URL") == "" {
		b.Skip("PORTAL_TEST_DATABASE_URL is not set: the request list benchmark needs PostgreSQL")
	}
	db := dbtest.New(b, dbtest.Postgres)
	user := seedBench(b, db)
	sc, err := models.ScopeFor(db, user)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := models.Now()

	run := func(name string, fn func() (int, error)) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				n, err := fn()
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
	run("Queue", func() (int, error) {
		p, err := models.ListQueue(ctx, db, models.QueueFilter{}, now)
		return len(p.Items), err
	})
	run("QueueBreached", func() (int, error) {
		p, err := models.ListQueue(ctx, db, models.QueueFilter{Breached: true}, now)
		return len(p.Items), err
	})
	run("QueueOneClient", func() (int, error) {
		p, err := models.ListQueue(ctx, db, models.QueueFilter{ClientID: *user.ClientID}, now)
		return len(p.Items), err
	})
	run("ClientOpenList", func() (int, error) {
		p, err := sc.ListOpenRequests(ctx, models.RequestFilter{}, now)
		return len(p.Items), err
	})
	run("ClientOpenSearch", func() (int, error) {
		p, err := sc.ListOpenRequests(ctx, models.RequestFilter{Q: "printer"}, now)
		return len(p.Items), err
	})
	run("ClientOpenByNumber", func() (int, error) {
		p, err := sc.ListOpenRequests(ctx, models.RequestFilter{Q: "C000-9990"}, now)
		return len(p.Items), err
	})
	run("ClientClosedList", func() (int, error) {
		p, err := sc.ListClosedRequests(ctx, models.RequestFilter{}, now)
		return len(p.Items), err
	})
	run("ClientClosedPage300", func() (int, error) {
		p, err := sc.ListClosedRequests(ctx, models.RequestFilter{Page: 300}, now)
		return len(p.Items), err
	})
}
