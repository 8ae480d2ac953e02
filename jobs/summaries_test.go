package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// summaryWorld is two clients with history since August 2026: Acme (Berlin
// time, so month bounds are not UTC's) and Globex, whose data must never
// reach Acme's summaries.
type summaryWorld struct {
	acme, globex *models.Client
	staff        *models.User
}

var created = time.Date(2026, 8, 15, 9, 0, 0, 0, time.UTC)

func seedSummaryWorld(t *testing.T, db *bun.DB) summaryWorld {
	t.Helper()
	w := summaryWorld{}
	// Every mail carries the workspace's brand (mail.ForPortal), so the
	// portal is set up, as it is before any summary is mailed.
	if _, err := db.ExecContext(context.Background(), "INSERT INTO workspace (id, name) VALUES (1, 'Northwind IT')"); err != nil {
		t.Fatal(err)
	}
	staff := &models.User{Role: models.RoleAdmin, Email: "ada@northwind.test", Name: "Ada", SignupMethod: "setup",
		NotifyEmail: true, CreatedAt: created, UpdatedAt: created}
	mustInsert(t, db, staff)
	w.staff = staff
	for i, c := range []**models.Client{&w.acme, &w.globex} {
		name, tz := []string{"Acme", "Globex"}[i], []string{"Europe/Berlin", "UTC"}[i]
		*c = &models.Client{Name: name, Slug: strings.ToLower(name), RequestPrefix: strings.ToUpper(name[:4]), Timezone: tz,
			ContactEmail: "ops@" + strings.ToLower(name) + ".test", NextRequestNumber: 1, CreatedAt: created, UpdatedAt: created}
		mustInsert(t, db, *c)
	}
	return w
}

func mustInsert(t *testing.T, db bun.IDB, model any) {
	t.Helper()
	if _, err := db.NewInsert().Model(model).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func clientUser(t *testing.T, db *bun.DB, c *models.Client, email string, notify, disabled bool) {
	t.Helper()
	u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: email, Name: email, SignupMethod: "invite",
		NotifyEmail: notify, CreatedAt: created, UpdatedAt: created}
	if disabled {
		u.DisabledAt = &created
	}
	mustInsert(t, db, u)
}

// request stores a request created at created; responded and completed are
// optional, with the clock used against a one-hour target.
func request(t *testing.T, db *bun.DB, c *models.Client, n int, at time.Time, respondedAt *time.Time, respUsed int, completedAt *time.Time, resUsed int) *models.Request {
	t.Helper()
	r := &models.Request{ClientID: c.ID, Number: n, Title: c.Name + " request " + strconv.Itoa(n), Urgency: models.UrgencyNormal,
		Status: models.StatusSubmitted, ResponseTargetSecs: 3600, ResolutionTargetSecs: 3600, ResponseUsedSecs: respUsed,
		ResolutionUsedSecs: resUsed, ClockUpdatedAt: at, ResponseColour: "green", ResolutionColour: "green",
		FirstResponseAt: respondedAt, CompletedAt: completedAt, CreatedAt: at, UpdatedAt: at}
	if completedAt != nil {
		r.Status = models.StatusCompleted
	}
	mustInsert(t, db, r)
	return r
}

func timeEntry(t *testing.T, db *bun.DB, w summaryWorld, r *models.Request, day string, minutes int) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	mustInsert(t, db, &models.TimeEntry{ClientID: r.ClientID, RequestID: r.ID, StaffID: w.staff.ID, Minutes: minutes,
		WorkDate: d, CreatedAt: d, UpdatedAt: d})
}

func utc(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// seedOctober gives Acme an October (Berlin time) with known figures:
// submitted 2, resolved 1, 90 minutes, SLA 1 met of 2 decided. Globex gets
// a busy October too.
func seedOctober(t *testing.T, db *bun.DB, w summaryWorld) {
	// Met response, breached resolution.
	r1 := request(t, db, w.acme, 1, *utc("2026-10-05T10:00:00Z"), utc("2026-10-05T10:10:00Z"), 600, utc("2026-10-20T10:00:00Z"), 9000)
	// 30 Sep 23:30 UTC is 1 Oct 01:30 in Berlin: October's.
	request(t, db, w.acme, 2, *utc("2026-09-30T23:30:00Z"), nil, 0, nil, 0)
	// 31 Oct 23:30 UTC is 1 Nov 00:30 in Berlin: November's, with its reply.
	request(t, db, w.acme, 3, *utc("2026-10-31T23:30:00Z"), utc("2026-10-31T23:40:00Z"), 600, nil, 0)
	timeEntry(t, db, w, r1, "2026-09-30", 15)
	timeEntry(t, db, w, r1, "2026-10-01", 60)
	timeEntry(t, db, w, r1, "2026-10-31", 30)
	timeEntry(t, db, w, r1, "2026-11-01", 45)

	g := request(t, db, w.globex, 1, *utc("2026-10-10T10:00:00Z"), utc("2026-10-10T12:00:00Z"), 7200, utc("2026-10-11T10:00:00Z"), 100)
	request(t, db, w.globex, 2, *utc("2026-10-12T10:00:00Z"), nil, 0, nil, 0)
	timeEntry(t, db, w, g, "2026-10-10", 600)
}

func summaryOf(t *testing.T, db *bun.DB, c *models.Client, m time.Time) models.MonthlySummary {
	t.Helper()
	var s models.MonthlySummary
	if err := db.NewSelect().Model(&s).Where("client_id = ?", c.ID).Where("month = ?", m).Scan(context.Background()); err != nil {
		t.Fatalf("summary of %s for %s: %v", c.Name, models.MonthLabel(m), err)
	}
	return s
}

func count(t *testing.T, db *bun.DB, q *bun.SelectQuery) int {
	t.Helper()
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func summaryEvents(t *testing.T, db *bun.DB, c *models.Client) int {
	return count(t, db, db.NewSelect().Model((*models.ActivityEvent)(nil)).Where("client_id = ?", c.ID).Where("kind = ?", models.EventSummaryBuilt))
}

func TestBuildMonthlySummaryIsIdempotentAndCountsTheMonth(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryWorld(t, db)
		seedOctober(t, db, w)

		s, created, err := models.BuildMonthlySummary(ctx, db, w.acme.ID, month(2026, 10))
		if err != nil || !created {
			t.Fatalf("first build: created=%v err=%v", created, err)
		}
		want := [5]int{2, 1, 90, 1, 2}
		got := [5]int{s.RequestsSubmitted, s.RequestsResolved, s.MinutesUsed, s.SLAMet, s.SLADecided}
		if got != want {
			t.Fatalf("October figures (submitted, resolved, minutes, met, decided) = %v, want %v", got, want)
		}
		again, created, err := models.BuildMonthlySummary(ctx, db, w.acme.ID, month(2026, 10))
		if err != nil || created {
			t.Fatalf("second build: created=%v err=%v", created, err)
		}
		if again.ID != s.ID || again.MinutesUsed != 90 {
			t.Fatalf("second build returned %+v, want the stored %+v", again, s)
		}
		if n := count(t, db, db.NewSelect().Model((*models.MonthlySummary)(nil))); n != 1 {
			t.Fatalf("%d summaries stored, want 1", n)
		}
		if n := summaryEvents(t, db, w.acme); n != 1 {
			t.Fatalf("%d summary_built events, want 1", n)
		}
		var ev models.ActivityEvent
		if err := db.NewSelect().Model(&ev).Where("kind = ?", models.EventSummaryBuilt).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ev.Detail != "October 2026" || ev.Audience != models.AudiencePublic || ev.ClientID != w.acme.ID {
			t.Fatalf("event %+v", ev)
		}

		// November (Berlin) holds request 3 and its reply, and the 1 Nov entry.
		nov, _, err := models.BuildMonthlySummary(ctx, db, w.acme.ID, month(2026, 11))
		if err != nil {
			t.Fatal(err)
		}
		if nov.RequestsSubmitted != 1 || nov.MinutesUsed != 45 || nov.SLAMet != 1 || nov.SLADecided != 1 {
			t.Fatalf("November figures %+v", nov)
		}
		g, _, err := models.BuildMonthlySummary(ctx, db, w.globex.ID, month(2026, 10))
		if err != nil {
			t.Fatal(err)
		}
		if g.RequestsSubmitted != 2 || g.RequestsResolved != 1 || g.MinutesUsed != 600 || g.SLAMet != 1 || g.SLADecided != 2 {
			t.Fatalf("Globex October figures %+v", g)
		}
	})
}

// newSummaries is the job of a portal mailing through an in-process SMTP server.
func newSummaries(t testing.TB, db *bun.DB, smtp *mailtest.Server) *jobs.Summaries {
	t.Helper()
	vars := map[string]string{
		"PORTAL_SMTP_HOST": smtp.Host, "PORTAL_SMTP_PORT": strconv.Itoa(smtp.Port), "PORTAL_SMTP_TLS": "none",
		"PORTAL_SMTP_FROM": "Northwind IT <portal@northwind.test>", "PORTAL_DATA_DIR": t.TempDir(),
		"PORTAL_BASE_URL": "https://portal.northwind.test",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return jobs.NewSummaries(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func runDue(t *testing.T, s *jobs.Summaries, now time.Time) int {
	t.Helper()
	n, err := s.RunDue(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// now is early on 2 November 2026: August to October are complete.
var now = time.Date(2026, 11, 2, 0, 5, 0, 0, time.UTC)

func TestSummariesCatchUpAndMailOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		seedOctober(t, db, w)
		clientUser(t, db, w.acme, "carol@acme.test", true, false)
		clientUser(t, db, w.acme, "dave@acme.test", false, false) // e-mail off
		clientUser(t, db, w.acme, "eve@acme.test", true, true)    // disabled
		clientUser(t, db, w.acme, "OPS@acme.test", true, false)   // the contact address again
		clientUser(t, db, w.globex, "gina@globex.test", true, false)
		smtp := mailtest.Start(t)
		job := newSummaries(t, db, smtp)

		if n := runDue(t, job, now); n != 6 {
			t.Fatalf("built %d summaries, want August to October for two clients", n)
		}
		for _, c := range []*models.Client{w.acme, w.globex} {
			for _, m := range []time.Month{8, 9, 10} {
				summaryOf(t, db, c, month(2026, m))
			}
			if n := count(t, db, db.NewSelect().Model((*models.MonthlySummary)(nil)).Where("client_id = ?", c.ID)); n != 3 {
				t.Fatalf("%s has %d summaries, want 3 (no current month)", c.Name, n)
			}
		}
		if s := summaryOf(t, db, w.acme, month(2026, 9)); s.MinutesUsed != 15 || s.RequestsSubmitted != 0 {
			t.Fatalf("Acme September %+v", s)
		}

		// Mail: the two recent months (August is beyond the mail window), to
		// the contact and users who want e-mail, once each.
		for addr, want := range map[string]int{"ops@acme.test": 2, "carol@acme.test": 2, "dave@acme.test": 0,
			"eve@acme.test": 0, "ops@globex.test": 2, "gina@globex.test": 2} {
			if got := smtp.Count(addr); got != want {
				t.Errorf("%s got %d summary mails, want %d", addr, got, want)
			}
		}
		var oct mailtest.Message
		for _, m := range smtp.Messages() {
			if m.To[0] == "carol@acme.test" && strings.Contains(m.Subject, "October") {
				oct = m
			}
		}
		if oct.Subject != "Acme: your summary for October 2026" {
			t.Fatalf("subject %q", oct.Subject)
		}
		for _, want := range []string{"Requests submitted: 2", "Requests resolved:  1", "Hours used:         1.5 h",
			"1 of 2 (50 %)", "https://portal.northwind.test/reports"} {
			if !strings.Contains(oct.Text, want) {
				t.Errorf("mail lacks %q:\n%s", want, oct.Text)
			}
		}
		if strings.Contains(oct.Text+oct.HTML, "Globex") || strings.Contains(oct.Text, "10 h") {
			t.Errorf("Acme's mail carries Globex data:\n%s", oct.Text)
		}
		if s := summaryOf(t, db, w.acme, month(2026, 10)); s.EmailedAt == nil {
			t.Fatalf("October not marked e-mailed")
		}

		// The next run, even a month on, builds and mails nothing twice.
		sent := len(smtp.Messages())
		if n := runDue(t, job, now.Add(time.Hour)); n != 0 {
			t.Fatalf("second run built %d", n)
		}
		if len(smtp.Messages()) != sent {
			t.Fatalf("second run sent %d more mails", len(smtp.Messages())-sent)
		}
		// Announced as mailed: September and October; August, beyond the
		// mail window, is stored without an event in the client's activity.
		if n := summaryEvents(t, db, w.acme); n != 2 {
			t.Fatalf("Acme has %d summary events, want 2 (September and October)", n)
		}
		if n := runDue(t, job, time.Date(2026, 12, 1, 0, 5, 0, 0, time.UTC)); n != 2 {
			t.Fatalf("December run built %d, want November for both clients", n)
		}
	})
}

func TestSummaryMailIsRetriedAfterAFailure(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		smtp := mailtest.Start(t)
		job := newSummaries(t, db, smtp)

		// First run: the SMTP server is unreachable.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		good := job.Mailer
		job.Mailer, err = mail.New(mail.Config{Host: "127.0.0.1", Port: port, TLS: mail.TLSNone, From: "portal@northwind.test"},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		runDue(t, job, now)
		if s := summaryOf(t, db, w.acme, month(2026, 10)); s.EmailedAt != nil {
			t.Fatalf("failed mail marked as sent")
		}

		job.Mailer = good
		if n := runDue(t, job, now); n != 0 {
			t.Fatalf("retry built %d", n)
		}
		if got := smtp.Count("ops@acme.test"); got != 2 {
			t.Fatalf("retry sent %d mails to Acme, want 2", got)
		}
		if s := summaryOf(t, db, w.acme, month(2026, 10)); s.EmailedAt == nil {
			t.Fatalf("retried mail not marked as sent")
		}
	})
}

// summariesLockKey is jobs.summariesLockKey ("portsum").
const summariesLockKey = 0x706f7274_73756d

func TestSummariesTakeTheAdvisoryLock(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		if !models.IsPostgres(db) {
			t.Skip("advisory locks are PostgreSQL's")
		}
		ctx := context.Background()
		w := seedSummaryWorld(t, db)
		smtp := mailtest.Start(t)

		// Another process holds the lock: this one does nothing.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", summariesLockKey); err != nil {
			t.Fatal(err)
		}
		if n := runDue(t, newSummaries(t, db, smtp), now); n != 0 {
			t.Fatalf("built %d while another process held the lock", n)
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", summariesLockKey); err != nil {
			t.Fatal(err)
		}
		conn.Close()

		// Several processes at once: each summary built and mailed once.
		var wg sync.WaitGroup
		built := make([]int, 4)
		for i := range built {
			job := newSummaries(t, db, smtp)
			wg.Go(func() {
				n, err := job.RunDue(ctx, now)
				if err != nil {
					t.Error(err)
				}
				built[i] = n
			})
		}
		wg.Wait()
		total := 0
		for _, n := range built {
			total += n
		}
		if total != 6 {
			t.Fatalf("concurrent runs built %v, want 6 in all", built)
		}
		if n := count(t, db, db.NewSelect().Model((*models.MonthlySummary)(nil))); n != 6 {
			t.Fatalf("%d summaries stored", n)
		}
		if n := summaryEvents(t, db, w.acme); n != 2 {
			t.Fatalf("%d Acme summary events, want 2 (the mailed months)", n)
		}
		if got := smtp.Count("ops@acme.test"); got != 2 {
			t.Fatalf("Acme's contact got %d mails, want 2", got)
		}
	})
}

// Start catches up at once, without waiting for the 1st.
func TestSummariesStartCatchesUp(t *testing.T) {
	if models.Now().Before(time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)) {
		t.Skip("the seeded clients are from August 2026")
	}
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		job := newSummaries(t, db, mailtest.Start(t))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		job.Start(ctx)
		deadline := time.Now().Add(5 * time.Second)
		for count(t, db, db.NewSelect().Model((*models.MonthlySummary)(nil)).Where("client_id = ?", w.acme.ID).
			Where("month = ?", month(2026, 8))) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no August summary 5s after Start")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestConcurrentDeliveriesSendOnce: the monthly run, a resend and the
// command line may deliver one summary at the same moment, from several
// processes; each recipient still gets it once in its round.
func TestConcurrentDeliveriesSendOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryWorld(t, db)
		seedOctober(t, db, w)
		clientUser(t, db, w.acme, "carol@acme.test", true, false)
		clientUser(t, db, w.acme, "frank@acme.test", true, false)
		if _, _, err := models.BuildMonthlySummary(ctx, db, w.acme.ID, month(2026, 10)); err != nil {
			t.Fatal(err)
		}
		sum := summaryOf(t, db, w.acme, month(2026, 10))
		smtp := mailtest.Start(t)
		var wg sync.WaitGroup
		for range 6 {
			job := newSummaries(t, db, smtp) // one per process
			s := sum
			wg.Go(func() {
				if _, err := job.Deliver(ctx, &s); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, addr := range []string{"ops@acme.test", "carol@acme.test", "frank@acme.test"} {
			if got := smtp.Count(addr); got != 1 {
				t.Errorf("%s got the October summary %d times, want once", addr, got)
			}
		}
	})
}
