package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// BenchmarkSummariesBuildMonth builds October 2026's summaries of 1,000
// clients, each with 100 requests and 300 time entries over the year before
// and an hour bank with a top-up, on PostgreSQL: the monthly run on the 1st
// (the target: under 30 s). The data is seeded with set-based inserts, and
// each round starts with no summary built.
//
//	PORTAL_TEST_DATABASE_URL=... go test ./jobs -run '^$' -bench SummariesBuildMonth -benchtime 3x
func BenchmarkSummariesBuildMonth(b *testing.B) {
	db := dbtest.New(b, dbtest.Postgres)
	ctx := context.Background()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "W", AdminName: "Ada", AdminEmail: "ada@w.test", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		// Clients joined on 1 October (so October is the one month due), in
		// four time zones, with ten hours a month that roll over.
		`INSERT INTO clients (name, slug, request_prefix, timezone, contact_email, hour_plan, monthly_included_minutes,
		        rollover, created_at, updated_at)
		 SELECT 'Client ' || g, 'client-' || g, 'C' || g,
		        (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
		        'ops@client' || g || '.test', 'monthly', 600, 'all', '2026-10-01 12:00:00+00', now()
		 FROM generate_series(1, 1000) g`,
		// 100 requests each over November 2025 to October 2026; two in three
		// completed, SLA clocks on both sides of their targets.
		`INSERT INTO requests (client_id, number, title, urgency, status, response_target_secs, resolution_target_secs,
		        response_used_secs, resolution_used_secs, first_response_at, completed_at, created_at, updated_at)
		 SELECT c.id, n, 'Request ' || n, 'normal', CASE WHEN n % 3 = 0 THEN 'in_progress' ELSE 'completed' END,
		        3600, 28800, (n * 97) % 7200, (n * 131) % 40000, t.at + interval '20 minutes',
		        CASE WHEN n % 3 = 0 THEN NULL ELSE t.at + interval '1 day' END, t.at, t.at
		 FROM clients c, generate_series(1, 100) n
		      , LATERAL (SELECT timestamptz '2025-11-01 08:00:00+00' + (n * 87 + c.id % 24) * interval '1 hour') t(at)
		 WHERE c.id % 10 = ?`,
		// Three time entries per request (300 per client), one in ten not charged.
		`INSERT INTO time_entries (client_id, request_id, staff_id, minutes, work_date, billing, created_at, updated_at)
		 SELECT r.client_id, r.id, ` + itoa(admin.ID) + `, 15 + (r.number * k) % 60, (r.created_at + k * interval '1 day')::date,
		        CASE WHEN (r.number + k) % 10 = 0 THEN 'not_charged' ELSE 'billable' END, r.created_at, r.created_at
		 FROM requests r, generate_series(1, 3) k WHERE r.client_id % 10 = ?`,
		`INSERT INTO hour_purchases (client_id, minutes, purchased_on, reference, created_at, updated_at)
		 SELECT id, 300, '2026-10-10', 'INV-' || id, now(), now() FROM clients`,
		`UPDATE clients SET next_request_number = 101`,
		`ANALYZE`,
	} {
		// The driver allows a statement 5 s: the big inserts go a tenth
		// of the clients at a time.
		for part := 0; part < 10; part++ {
			if _, err := db.ExecContext(ctx, q, part); err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(q, "?") {
				break
			}
		}
	}
	job := &jobs.Summaries{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{`DELETE FROM monthly_summaries`, `DELETE FROM activity_events WHERE kind = 'summary_built'`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		n, err := job.RunDue(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		if n != 1000 {
			b.Fatalf("built %d summaries, want 1,000", n)
		}
	}
	b.StopTimer()
	var sum models.MonthlySummary
	if err := db.NewSelect().Model(&sum).Where("client_id = (SELECT min(id) FROM clients)").Scan(ctx); err != nil {
		b.Fatal(err)
	}
	if !sum.HasBank || sum.Used == 0 || sum.RequestsSubmitted == 0 {
		b.Fatalf("summary without figures: %+v", sum)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
