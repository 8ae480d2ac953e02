package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// BenchmarkSummariesMailMonth mails October 2026's summaries of
// PORTAL_BENCH_CLIENTS clients (1,000 unless set), each to its contact
// address, through a real SMTP server started in the test, on PostgreSQL:
// the mailing half of the monthly run (the target: 10,000 in under 60 s).
// The summaries are built once; each round starts with none mailed.
//
//	PORTAL_TEST_DATABASE_URL=... PORTAL_BENCH_CLIENTS=10000 go test ./jobs -run '^$' -bench SummariesMailMonth -benchtime 1x
func BenchmarkSummariesMailMonth(b *testing.B) {
	clients := 1000
	if n, err := strconv.Atoi(os.Getenv("PORTAL_BENCH_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	db := dbtest.New(b, dbtest.Postgres)
	ctx := context.Background()
	if _, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "W", AdminName: "Ada", AdminEmail: "ada@w.test", Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO clients (name, slug, request_prefix, timezone, contact_email, hour_plan,
	        monthly_included_minutes, rollover, created_at, updated_at)
	 SELECT 'Client ' || g, 'client-' || g, 'C' || g, (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
	        'ops@client' || g || '.test', 'monthly', 600, 'all', '2026-10-01 12:00:00+00', now()
	 FROM generate_series(1, ?) g`, clients); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if n, err := (&jobs.Summaries{DB: db, Log: log}).RunDue(ctx, now); err != nil || n != clients {
		b.Fatalf("built %d summaries (%v), want %d", n, err, clients)
	}
	smtp := mailtest.Start(b)
	job := newSummaries(b, db, smtp)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{`DELETE FROM summary_deliveries`, `UPDATE monthly_summaries SET emailed_at = NULL`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if _, err := job.RunDue(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var unmailed int
	if err := db.NewRaw("SELECT count(*) FROM monthly_summaries WHERE emailed_at IS NULL").Scan(ctx, &unmailed); err != nil {
		b.Fatal(err)
	}
	if unmailed != 0 {
		b.Fatalf("%d summaries left unmailed", unmailed)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*clients), "ms/mail")
}
