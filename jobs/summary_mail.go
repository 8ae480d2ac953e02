package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/models"
)

// Delivery is what one sending of a summary did: the recipients the mail
// server accepted now, those that had it already in this round, and those
// it refused (left for the next try).
type Delivery struct {
	Sent, Already, Refused []string
}

// ErrNoMailer is returned by Deliver when the process sends no e-mail.
var ErrNoMailer = errors.New("jobs: e-mail is not configured")

// Deliver sends a summary to its client's recipients that do not have it
// in its current mail round: the monthly run, a resend from the console and
// `portal summaries run --send` all go through here.
func (s *Summaries) Deliver(ctx context.Context, sum *models.MonthlySummary) (Delivery, error) {
	if s.Mailer == nil {
		return Delivery{}, ErrNoMailer
	}
	ds, err := s.deliverBatch(ctx, s.workspaceName(ctx), []models.MonthlySummary{*sum})
	if err != nil || len(ds) == 0 {
		return Delivery{}, err
	}
	return ds[0], nil
}

// workspaceName is the MSP's name for the mail, "Portal" if unreadable.
func (s *Summaries) workspaceName(ctx context.Context) string {
	if w, err := models.GetWorkspace(ctx, s.DB); err == nil {
		return w.Name
	}
	return "Portal"
}

// mailBatch is how many summaries deliverBatch takes at once: its reads,
// its locks and its final commit are per batch, not per summary.
const mailBatch = 200

// mailSenders is how many SMTP connections a batch sends over at once.
// Sending one mail is mostly waiting (the server's answers, the database's);
// a few side by side keep both busy. Mail relays take this many with ease.
const mailSenders = 4

// deliverBatch sends each summary of sums to the recipients that do not
// have it yet in its round and returns what it did per summary (in the
// order of sums, leaving out a summary whose client is gone). A refused
// recipient is logged and left for the next run; only database errors stop
// the batch. Each accepted mail is recorded before its sender sends the
// next (models.DeliveryRecorder), so a crash resends at most the mails in
// flight, one per sender; the summaries every recipient has are then
// marked e-mailed together.
func (s *Summaries) deliverBatch(ctx context.Context, workspace string, sums []models.MonthlySummary) ([]Delivery, error) {
	unlock, err := s.lockSummaries(ctx, sums)
	if err != nil {
		return nil, err
	}
	defer unlock()
	mailings, err := models.SummaryMailings(ctx, s.DB, sums)
	if err != nil {
		return nil, err
	}
	sign, err := models.UnsubscribeSigner(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(mailings))
	senders := min(mailSenders, len(mailings))
	errs := make([]error, senders)
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			errs[w] = s.sendShare(ctx, workspace, sign, mailings, out, w, senders)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	var done []models.MonthlySummary
	for i, m := range mailings {
		if len(out[i].Refused) == 0 {
			done = append(done, m.Summary)
		}
	}
	return out, models.MarkSummariesEmailed(ctx, s.DB, done, models.Now())
}

// sendShare is one sender's part of a batch: the mailings w, w+n, w+2n…,
// over its own SMTP session and recorder, writing each result to out.
func (s *Summaries) sendShare(ctx context.Context, workspace string, sign func(kind, email string) string,
	mailings []models.SummaryMailing, out []Delivery, w, n int) error {
	session := s.Mailer.Session()
	defer session.Close()
	rec, err := models.NewDeliveryRecorder(ctx, s.DB)
	if err != nil {
		return err
	}
	defer rec.Close()
	for i := w; i < len(mailings); i += n {
		out[i].Already = mailings[i].Already
		if len(mailings[i].To) == 0 {
			continue
		}
		if err := s.sendSummary(ctx, session, rec, workspace, mailings[i], sign, &out[i]); err != nil {
			return err
		}
	}
	return nil
}

// sendSummary mails one summary to m.To, recording each accepted mail.
func (s *Summaries) sendSummary(ctx context.Context, session *mail.Session, rec *models.DeliveryRecorder, workspace string,
	m models.SummaryMailing, sign func(kind, email string) string, d *Delivery) error {
	sum := &m.Summary
	data, err := s.mailData(ctx, workspace, &m.Client, sum)
	if err != nil {
		return err
	}
	for _, addr := range m.To {
		msg := mail.Message{To: addr, Template: "summary", Data: data,
			Unsubscribe: s.BaseURL + "/unsubscribe/" + sign(models.MailSummary, addr)}
		if err := session.Send(ctx, msg); err != nil {
			s.Log.ErrorContext(ctx, "summary mail not sent", "client", m.Client.ID, "month", sum.MonthLabel(), "error", err)
			d.Refused = append(d.Refused, addr)
			continue
		}
		if err := rec.Record(ctx, sum.ID, sum.MailRound, addr, models.Now()); err != nil {
			return err
		}
		d.Sent = append(d.Sent, addr)
	}
	return nil
}

// deliveryLock is lockSummaries on SQLite, where one process serves the
// database (PORTAL_DATA_DIR's lock file).
var deliveryLock sync.Mutex

// summaryDeliveryLock is the first key of the advisory lock per summary.
const summaryDeliveryLock int32 = 0x706d7364 // "pmsd"

// lockSummaries makes deliveries of one summary take turns: the monthly
// run, a resend from the console and the command line may deliver the same
// summary at once, and each reads who already has it only once it holds
// the lock, so nobody gets it twice in a round. On PostgreSQL the lock is an
// advisory lock per summary, across processes, taken for a whole batch in
// one statement in id order (so two batches cannot wait on each other).
func (s *Summaries) lockSummaries(ctx context.Context, sums []models.MonthlySummary) (func(), error) {
	if !models.IsPostgres(s.DB) {
		deliveryLock.Lock()
		return deliveryLock.Unlock, nil
	}
	keys := make([]int32, len(sums))
	for i, sum := range sums {
		keys[i] = int32(sum.ID) // summaries past 2^31 share a lock with another: they only wait longer
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?, k) FROM (SELECT DISTINCT k FROM unnest(?::integer[]) AS k ORDER BY k) AS o",
		summaryDeliveryLock, pgdialect.Array(keys)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("jobs: lock %d summaries: %w", len(sums), err)
	}
	return func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock_all()") //nolint:errcheck // fails only with a broken connection, whose session and locks end with it
		conn.Close()
	}, nil
}

// mailData gathers what the summary e-mail shows.
func (s *Summaries) mailData(ctx context.Context, workspace string, client *models.Client, sum *models.MonthlySummary) (SummaryMail, error) {
	data := SummaryMail{Workspace: workspace, Client: client.Name, Summary: *sum, ReportsURL: s.BaseURL + "/reports",
		SummaryURL: s.BaseURL + "/reports/summaries/" + sum.MonthParam()}
	var err error
	if data.Resolved, err = models.ResolvedInMonth(ctx, s.DB, client, sum.Month); err != nil {
		return data, err
	}
	loc := models.LoadLocation(client.Timezone)
	start := time.Date(sum.Month.Year(), sum.Month.Month(), 1, 0, 0, 0, 0, loc)
	if data.Satisfaction, err = models.SatisfactionOfClient(ctx, s.DB, client.ID, start.UTC(), start.AddDate(0, 1, 0).UTC()); err != nil {
		return data, err
	}
	if data.Trend, err = models.SummaryTrend(ctx, s.DB, client.ID, sum.Month); err != nil {
		return data, err
	}
	return data, nil
}

// SummaryMail is the data of the summary e-mail. E-mail clients often strip
// inline SVG, so the mail shows the trend as a table and links to the
// summary page, which draws the chart.
type SummaryMail struct {
	Workspace  string
	Client     string
	Summary    models.MonthlySummary
	ReportsURL string
	SummaryURL string                   // the summary's own page, with the chart
	Resolved   []models.ResolvedRequest // the month's completed requests with their resolution
	// Satisfaction is the month's ratings of completed requests.
	Satisfaction models.Satisfaction
	Trend        []models.TrendMonth // the 12 months to this one, oldest first
}

// Hours shows the month's minutes as hours, e.g. "1.5 h".
func (m SummaryMail) Hours() string { return m.HoursOf(m.Summary.MinutesUsed) }

// HoursOf shows minutes as hours in the portal's one format.
func (m SummaryMail) HoursOf(minutes int) string { return models.HoursText(minutes) }

// RemainingText is the bank's remaining hours, or the overage said plainly.
func (m SummaryMail) RemainingText() string {
	if over := m.Summary.Overage(); over > 0 {
		return "Over by " + models.HoursText(over)
	}
	return models.HoursText(m.Summary.Remaining())
}

// PurchasedDetail says where the period's total came from, e.g.
// "10 h included + 2 h rolled over + 5 h top-ups".
func (m SummaryMail) PurchasedDetail() string {
	h := m.Summary.SummaryHours
	parts := []string{models.HoursText(h.Included) + " included"}
	if h.RolloverIn > 0 {
		parts = append(parts, models.HoursText(h.RolloverIn)+" rolled over")
	}
	if h.BroughtIn > 0 {
		parts = append(parts, models.HoursText(h.BroughtIn)+" from earlier purchases")
	}
	if h.Bought > 0 {
		parts = append(parts, models.HoursText(h.Bought)+" bought in the period")
	}
	return strings.Join(parts, " + ")
}

// PeriodNote names the bank period, and says when its figures are those at
// the month's end because it runs on.
func (m SummaryMail) PeriodNote() string {
	h := m.Summary.SummaryHours
	if h.PeriodRunsOn(m.Summary.Month) {
		last := m.Summary.Month.AddDate(0, 1, -1)
		return fmt.Sprintf("period %s, so far (to %s)", h.PeriodText(), last.Format("2 Jan"))
	}
	return "period " + h.PeriodText()
}
