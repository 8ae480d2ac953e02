package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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
	workspace := "Portal"
	if w, err := models.GetWorkspace(ctx, s.DB); err == nil {
		workspace = w.Name
	}
	return s.deliver(ctx, workspace, sum)
}

// deliver sends one summary to the recipients that do not have it yet in
// its round. A refused recipient is logged and left for the next run; only
// database errors stop the round. The summary is marked e-mailed when every
// recipient has it.
func (s *Summaries) deliver(ctx context.Context, workspace string, sum *models.MonthlySummary) (Delivery, error) {
	var d Delivery
	unlock, err := s.lockSummary(ctx, sum.ID)
	if err != nil {
		return d, err
	}
	defer unlock()
	client, err := models.GetClient(ctx, s.DB, sum.ClientID)
	if err != nil {
		return d, err
	}
	to, err := models.SummaryRecipients(ctx, s.DB, client)
	if err != nil {
		return d, err
	}
	sent, err := models.SummaryDeliveredTo(ctx, s.DB, sum.ID, sum.MailRound)
	if err != nil {
		return d, err
	}
	data, err := s.mailData(ctx, workspace, client, sum)
	if err != nil {
		return d, err
	}
	for _, addr := range to {
		if sent[models.NormalizeEmail(addr)] {
			d.Already = append(d.Already, addr)
			continue
		}
		token, err := models.UnsubscribeToken(ctx, s.DB, models.MailSummary, addr)
		if err != nil {
			return d, err
		}
		msg := mail.Message{To: addr, Template: "summary", Data: data, Unsubscribe: s.BaseURL + "/unsubscribe/" + token}
		if err := s.Mailer.Send(ctx, msg); err != nil {
			s.Log.ErrorContext(ctx, "summary mail not sent", "client", client.ID, "month", sum.MonthLabel(), "error", err)
			d.Refused = append(d.Refused, addr)
			continue
		}
		if err := models.RecordSummaryDelivery(ctx, s.DB, sum.ID, sum.MailRound, addr, models.Now()); err != nil {
			return d, err
		}
		d.Sent = append(d.Sent, addr)
	}
	if len(d.Refused) > 0 {
		return d, nil
	}
	return d, models.MarkSummaryEmailed(ctx, s.DB, sum.ID, sum.MailRound, models.Now())
}

// deliveryLock is lockSummary on SQLite, where one process serves the
// database (PORTAL_DATA_DIR's lock file).
var deliveryLock sync.Mutex

// summaryDeliveryLock is the first key of the advisory lock per summary.
const summaryDeliveryLock int32 = 0x706d7364 // "pmsd"

// lockSummary makes deliveries of one summary take turns: the monthly run,
// a resend from the console and the command line may deliver the same
// summary at once, and each reads who already has it only once it holds
// the lock, so nobody gets it twice in a round. On PostgreSQL the lock is an
// advisory lock per summary, across processes.
func (s *Summaries) lockSummary(ctx context.Context, id int64) (func(), error) {
	if !models.IsPostgres(s.DB) {
		deliveryLock.Lock()
		return deliveryLock.Unlock, nil
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock connection: %w", err)
	}
	key := int32(id) // summaries past 2^31 share a lock with another: they only wait longer
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?, ?)", summaryDeliveryLock, key); err != nil {
		conn.Close()
		return nil, fmt.Errorf("jobs: lock summary %d: %w", id, err)
	}
	return func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?, ?)", summaryDeliveryLock, key) //nolint:errcheck // fails only with a broken connection, whose session and lock end with it
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
