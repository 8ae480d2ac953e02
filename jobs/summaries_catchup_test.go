package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// queryCounter counts the statements a database runs.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	q.n.Add(1)
	return ctx
}
func (q *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// A run with nothing to build reads what is built once and computes nothing:
// its statements do not grow with the months of history.
func TestSummariesNoOpRunDoesNotRecomputeBuiltMonths(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		// Five years of history for both clients.
		old := time.Date(2021, 11, 15, 9, 0, 0, 0, time.UTC)
		if _, err := db.NewUpdate().Model((*models.Client)(nil)).Set("created_at = ?", old).
			Where("id IN (?, ?)", w.acme.ID, w.globex.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		job := newSummaries(t, db, mailtest.Start(t))
		if n := runDue(t, job, now); n != 2*60 {
			t.Fatalf("first run built %d, want 120", n)
		}
		counter := &queryCounter{}
		db.AddQueryHook(counter)
		if n := runDue(t, job, now.Add(time.Hour)); n != 0 {
			t.Fatalf("no-op run built %d", n)
		}
		if got := counter.n.Load(); got > 10 {
			t.Fatalf("a run with nothing to build ran %d statements for 2 clients x 60 months, want at most 10", got)
		}

		// A month missing in the middle of the history is found and built.
		gap := month(2024, 2)
		if _, err := db.NewDelete().Model((*models.MonthlySummary)(nil)).Where("client_id = ?", w.globex.ID).
			Where("month = ?", gap).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := runDue(t, job, now.Add(2*time.Hour)); n != 1 {
			t.Fatalf("run after a gap built %d, want the one missing month", n)
		}
		summaryOf(t, db, w.globex, gap)
	})
}

// BenchmarkSummariesNoOpRun is a catch-up run over 1,000 clients with five
// years of summaries already built, on PostgreSQL (the target: under 1 s).
//
//	PORTAL_TEST_DATABASE_URL=... go test ./jobs -run '^$' -bench SummariesNoOpRun -benchtime 5x
func BenchmarkSummariesNoOpRun(b *testing.B) {
	db := dbtest.New(b, dbtest.Postgres)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO clients (name, slug, request_prefix, timezone, contact_email, created_at, updated_at)
		 SELECT 'Client ' || g, 'client-' || g, 'C' || g, 'Europe/Berlin', 'ops@client' || g || '.test',
		        '2021-11-15 09:00:00+00', now()
		 FROM generate_series(1, 1000) g`,
		`INSERT INTO monthly_summaries (client_id, month, built_at, emailed_at)
		 SELECT c.id, m::date, now(), now()
		 FROM clients c, generate_series('2021-11-01'::date, '2026-10-01'::date, interval '1 month') m`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	smtp := mailtest.Start(b)
	job := newSummaries(b, db, smtp)
	b.ResetTimer()
	for b.Loop() {
		n, err := job.RunDue(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		if n != 0 {
			b.Fatalf("built %d", n)
		}
	}
}
