package jobs

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/models"
)

// summariesLockKey names the monthly summaries' advisory lock ("portsum").
const summariesLockKey = 0x706f7274_73756d

// SummariesSchedule runs the summaries hourly on the 1st and 2nd (UTC): a
// client's month ends at its own midnight, up to 12 hours after UTC's, and a
// run that finds nothing to do costs a few queries.
const SummariesSchedule = "5 * 1,2 * *"

// Summaries builds each client's monthly summary once the month is over and
// e-mails it to the client's contacts. Every run catches up on all months
// that are missing (the portal may have been down on the 1st) and retries
// e-mails that failed before.
type Summaries struct {
	DB      *bun.DB
	Mailer  *mail.Mailer // nil: summaries are built but not mailed
	Log     *slog.Logger
	BaseURL string // the portal's base URL, for the link in the e-mail

	// MailWindow: summaries of months older than this are not mailed, so a
	// first run over years of history does not flood anyone's inbox.
	MailWindow time.Duration

	mu sync.Mutex // one round at a time in this process (SQLite has no advisory lock)
}

// NewSummaries is the summaries job of a serving process, mailing through the
// portal's SMTP configuration (or the outbox folder).
func NewSummaries(cfg config.Config, db *bun.DB, log *slog.Logger) *Summaries {
	s := &Summaries{DB: db, Log: log, BaseURL: strings.TrimRight(cfg.BaseURL.String(), "/"), MailWindow: 62 * 24 * time.Hour}
	m, err := mail.ForPortal(cfg, db, log)
	if err != nil {
		log.Error("monthly summary e-mails disabled", "error", err)
	}
	s.Mailer = m
	return s
}

// Start runs the job once now (to catch up) and then on SummariesSchedule,
// until ctx ends. It returns at once.
func (s *Summaries) Start(ctx context.Context) {
	c := cron.New(cron.WithLocation(time.UTC))
	if _, err := c.AddFunc(SummariesSchedule, func() { s.run(ctx) }); err != nil {
		s.Log.Error("monthly summaries not scheduled", "error", err)
		return
	}
	c.Start()
	go s.run(ctx)
	go func() {
		<-ctx.Done()
		<-c.Stop().Done() // wait for a running round
	}()
}

// run is one scheduled round; errors are logged and the next round retries.
func (s *Summaries) run(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if n, err := s.RunDue(ctx, models.Now()); err != nil && ctx.Err() == nil {
		s.Log.Error("monthly summaries", "error", err)
	} else if n > 0 {
		s.Log.Info("monthly summaries built", "count", n)
	}
}

// RunDue builds every missing summary of every active client, for each month
// from the one the client was created in to the last complete one before
// now (in the client's time zone), then mails those not yet mailed. Another
// process holding the lock makes it a no-op. It returns how many summaries
// it built.
func (s *Summaries) RunDue(ctx context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	built := 0
	err := withLock(ctx, s.DB, summariesLockKey, func() error {
		clients, err := models.ListClients(ctx, s.DB)
		if err != nil {
			return err
		}
		spans, err := models.ListSummarySpans(ctx, s.DB)
		if err != nil {
			return err
		}
		// Which clients miss which month: built a month at a time, in
		// batches of clients, rather than a client at a time.
		missing := map[time.Time][]models.Client{}
		// Months inside the mail window are announced (an activity event)
		// as they are mailed; older ones a catch-up fills in are stored
		// quietly, or a first start would fill every client's recent
		// activity with a year of "summary ready, just now".
		recent := map[time.Time][]models.Client{}
		var months []time.Time
		locs := map[string]*time.Location{} // loading a zone reads tzdata: once per zone, not per client
		for _, c := range clients {
			loc, ok := locs[c.Timezone]
			if !ok {
				loc = models.LoadLocation(c.Timezone)
				locs[c.Timezone] = loc
			}
			todo, err := s.missingMonths(ctx, c, dueMonths(c, loc, now), spans[c.ID])
			if err != nil {
				return err
			}
			for _, m := range todo {
				if _, seen := missing[m]; !seen {
					if _, seen := recent[m]; !seen {
						months = append(months, m)
					}
				}
				if s.announces(m, now) {
					recent[m] = append(recent[m], c)
				} else {
					missing[m] = append(missing[m], c)
				}
			}
		}
		sort.Slice(months, func(i, j int) bool { return months[i].Before(months[j]) })
		for _, m := range months {
			for _, b := range []struct {
				clients  []models.Client
				announce bool
			}{{missing[m], false}, {recent[m], true}} {
				n, err := models.BuildMonthlySummaries(ctx, s.DB, b.clients, m, b.announce)
				built += n
				if err != nil {
					return err
				}
			}
		}
		return s.mailDue(ctx, now)
	})
	return built, err
}

// announces reports whether a summary of month is announced when built:
// whether it falls inside the mail window, as mailDue reckons it (every
// month when there is none).
func (s *Summaries) announces(month, now time.Time) bool {
	return s.MailWindow <= 0 || !month.Before(models.MonthDate(now.Add(-s.MailWindow), time.UTC))
}

// dueMonths are the client's complete months: from the one it was created in
// to the last before now's, in its time zone.
func dueMonths(c models.Client, loc *time.Location, now time.Time) []time.Time {
	var months []time.Time
	current := models.MonthDate(now, loc)
	for m := models.MonthDate(c.CreatedAt, loc); m.Before(current); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
	}
	return months
}

// missingMonths are the client's due months that are not built yet. A
// client whose span already covers them costs nothing more, nor does one
// with nothing built; otherwise its built months are read in one query.
func (s *Summaries) missingMonths(ctx context.Context, c models.Client, due []time.Time, span models.SummarySpan) ([]time.Time, error) {
	if len(due) == 0 || span.Covers(due[0], due[len(due)-1], len(due)) {
		return nil, nil
	}
	if span.Months == 0 {
		return due, nil
	}
	done, err := models.SummaryMonths(ctx, s.DB, c.ID)
	if err != nil {
		return nil, err
	}
	var todo []time.Time
	for _, m := range due {
		if !models.HasMonth(done, m) {
			todo = append(todo, m)
		}
	}
	return todo, nil
}

// mailDue mails every recent summary not mailed yet, a batch at a time
// (deliverBatch). Each accepted recipient is recorded at
// once, so a summary whose mail failed for one recipient is retried next run
// for that recipient only; it is marked e-mailed when every recipient has it.
func (s *Summaries) mailDue(ctx context.Context, now time.Time) error {
	if s.Mailer == nil {
		return nil
	}
	since := time.Time{}
	if s.MailWindow > 0 {
		since = models.MonthDate(now.Add(-s.MailWindow), time.UTC)
	}
	sums, err := models.UnmailedSummaries(ctx, s.DB, since)
	if err != nil {
		return err
	}
	workspace := s.workspaceName(ctx)
	for i := 0; i < len(sums); i += mailBatch {
		if _, err := s.deliverBatch(ctx, workspace, sums[i:min(i+mailBatch, len(sums))]); err != nil {
			return err
		}
	}
	return nil
}
