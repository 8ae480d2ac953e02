package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MonthlySummary is one client's month in figures, built once on the 1st.
type MonthlySummary struct {
	bun.BaseModel `bun:"table:monthly_summaries"`

	ID                int64      `bun:"id,pk,autoincrement"`
	ClientID          int64      `bun:"client_id"`
	Month             time.Time  `bun:"month"`
	RequestsSubmitted int        `bun:"requests_submitted"`
	RequestsResolved  int        `bun:"requests_resolved"`
	MinutesUsed       int        `bun:"minutes_used"`
	SLAMet            int        `bun:"sla_met"`
	SLADecided        int        `bun:"sla_decided"`
	BuiltAt           time.Time  `bun:"built_at"`
	EmailedAt         *time.Time `bun:"emailed_at"`
	// MailRound numbers the sendings: a resend starts a new round, and a
	// recipient has the summary when a delivery of this round is recorded.
	MailRound int `bun:"mail_round"`

	SummaryHours // the hour bank as at the month's end (summary_hours.go)
}

// MonthLabel names the month, e.g. "November 2026".
func (m MonthlySummary) MonthLabel() string { return MonthLabel(m.Month) }

// SLAPercent is the share of SLA targets met, or -1 when none was decided.
func (m MonthlySummary) SLAPercent() int {
	if m.SLADecided == 0 {
		return -1
	}
	return Percent(m.SLAMet, m.SLADecided)
}

// MonthLabel names a month date, e.g. "November 2026".
func MonthLabel(month time.Time) string { return month.UTC().Format("January 2006") }

// MonthDate is the month containing t in loc, as the first day at UTC
// midnight: how month and work dates are stored.
func MonthDate(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// BuildMonthlySummary computes and stores the summary of a client's calendar
// month (month is its first day, a UTC-midnight date; the month's instants
// are taken in the client's time zone). It is idempotent: a month already
// built is loaded, not recomputed, and created reports whether this call
// stored it. The summary_built event is written with the row, only once.
func BuildMonthlySummary(ctx context.Context, db bun.IDB, clientID int64, month time.Time) (*MonthlySummary, bool, error) {
	sum, err := computeSummary(ctx, db, clientID, month)
	if err != nil {
		return nil, false, err
	}
	month = sum.Month
	created := false
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// RETURNING nothing: with DO NOTHING a conflict returns no row.
		res, err := tx.NewInsert().Model(sum).On("CONFLICT (client_id, month) DO NOTHING").Returning("NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: store summary of client %d for %s: %w", clientID, MonthLabel(month), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("models: store summary of client %d: %w", clientID, err)
		} else if n == 1 {
			created = true
			if err := recordSummaryBuilt(ctx, tx, sum); err != nil {
				return err
			}
		}
		sum = new(MonthlySummary)
		if err := tx.NewSelect().Model(sum).Where("client_id = ?", clientID).Where("month = ?", month).Scan(ctx); err != nil {
			return notFound(err, fmt.Sprintf("load summary of client %d for %s", clientID, MonthLabel(month)))
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return sum, created, nil
}

// summaryFigures are the columns a rebuild replaces: everything computed,
// nothing about its mailing.
var summaryFigures = []string{"requests_submitted", "requests_resolved", "minutes_used", "sla_met", "sla_decided",
	"built_at", "has_bank", "bank_period_start", "bank_period_end", "included_minutes", "rollover_in_minutes",
	"brought_in_minutes", "bought_minutes", "bank_used_minutes", "not_charged_minutes", "open_questions", "overage_rate"}

// RebuildMonthlySummary recomputes a client's month and replaces the stored
// figures (the row keeps its id, so its deliveries stay with it), or stores
// it when the month was never built. created reports the latter; only then
// is summary_built recorded, as the month was not announced before.
func RebuildMonthlySummary(ctx context.Context, db bun.IDB, clientID int64, month time.Time) (*MonthlySummary, bool, error) {
	sum, err := computeSummary(ctx, db, clientID, month)
	if err != nil {
		return nil, false, err
	}
	month = sum.Month
	created := false
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model(sum).Column(summaryFigures...).
			Where("client_id = ?", clientID).Where("month = ?", month).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: replace summary of client %d for %s: %w", clientID, MonthLabel(month), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("models: replace summary of client %d: %w", clientID, err)
		} else if n == 0 {
			if _, err := tx.NewInsert().Model(sum).Returning("NULL").Exec(ctx); err != nil {
				return fmt.Errorf("models: store summary of client %d for %s: %w", clientID, MonthLabel(month), err)
			}
			created = true
			if err := recordSummaryBuilt(ctx, tx, sum); err != nil {
				return err
			}
		}
		sum = new(MonthlySummary)
		if err := tx.NewSelect().Model(sum).Where("client_id = ?", clientID).Where("month = ?", month).Scan(ctx); err != nil {
			return notFound(err, fmt.Sprintf("load summary of client %d for %s", clientID, MonthLabel(month)))
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return sum, created, nil
}

func recordSummaryBuilt(ctx context.Context, tx bun.IDB, sum *MonthlySummary) error {
	return RecordEvent(ctx, tx, &ActivityEvent{ClientID: sum.ClientID, Kind: EventSummaryBuilt,
		Audience: AudiencePublic, Detail: MonthLabel(sum.Month), CreatedAt: sum.BuiltAt})
}

// computeSummary works out a client's month without storing it, through
// the same batch code as the monthly run (summary_batch.go).
func computeSummary(ctx context.Context, db bun.IDB, clientID int64, month time.Time) (*MonthlySummary, error) {
	client, err := GetClient(ctx, db, clientID)
	if err != nil {
		return nil, err
	}
	sums, err := computeSummaries(ctx, db, []Client{*client}, month)
	if err != nil {
		return nil, err
	}
	return &sums[0], nil
}

// SummarySpan is what is built of one client's summaries: how many months,
// the first and the last. A catch-up run reads every client's span in one
// query and skips a client whose span is exactly the months due, instead of
// re-deriving each past month before finding it built.
type SummarySpan struct {
	ClientID int64     `bun:"client_id"`
	Months   int       `bun:"months"`
	First    time.Time `bun:"first_month"`
	Last     time.Time `bun:"last_month"`
}

// Covers reports whether the span is exactly the n months from first to
// last: (client, month) is unique, so then none of them is missing.
func (sp SummarySpan) Covers(first, last time.Time, n int) bool {
	return sp.Months == n && monthKey(sp.First) == monthKey(first) && monthKey(sp.Last) == monthKey(last)
}

func monthKey(month time.Time) string { return month.UTC().Format("2006-01") }

// ListSummarySpans loads every client's span of built summaries, by client.
func ListSummarySpans(ctx context.Context, db bun.IDB) (map[int64]SummarySpan, error) {
	var rows []SummarySpan
	if err := db.NewSelect().Model((*MonthlySummary)(nil)).Column("client_id").
		ColumnExpr("count(*) AS months").ColumnExpr("min(month) AS first_month").ColumnExpr("max(month) AS last_month").
		Group("client_id").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: spans of built summaries: %w", err)
	}
	spans := make(map[int64]SummarySpan, len(rows))
	for _, r := range rows {
		spans[r.ClientID] = r
	}
	return spans, nil
}

// SummaryMonths is the set of a client's months already built, for a client
// whose span shows a gap.
func SummaryMonths(ctx context.Context, db bun.IDB, clientID int64) (map[string]bool, error) {
	var months []time.Time
	if err := db.NewSelect().Model((*MonthlySummary)(nil)).Column("month").Where("client_id = ?", clientID).
		Scan(ctx, &months); err != nil {
		return nil, fmt.Errorf("models: months summarized for client %d: %w", clientID, err)
	}
	set := make(map[string]bool, len(months))
	for _, m := range months {
		set[monthKey(m)] = true
	}
	return set, nil
}

// HasMonth reports whether set (from SummaryMonths) holds the month date.
func HasMonth(set map[string]bool, month time.Time) bool { return set[monthKey(month)] }

// slaCounts are the SLA targets decided in a period, and met, by kind. A
// response target is decided at the first staff reply, a resolution target
// at completion. A target already past due on a request still open counts
// too, as breached: the figure must not say 100 % beside an overdue
// request. It counts in the period it is looked at (the month a summary
// covers), until it is decided.
type slaCounts struct {
	RespDecided int `bun:"resp_decided"`
	RespMet     int `bun:"resp_met"`
	ResDecided  int `bun:"res_decided"`
	ResMet      int `bun:"res_met"`
	RespOverdue int `bun:"resp_overdue"`
	ResOverdue  int `bun:"res_overdue"`
}

// figures is (met, decided).
func (c slaCounts) figures() (int, int) {
	return c.RespMet + c.ResMet, c.RespDecided + c.ResDecided + c.RespOverdue + c.ResOverdue
}

// slaColumns adds slaCounts' columns for [start, end) to a select of
// requests; the caller filters and groups.
func slaColumns(q *bun.SelectQuery, start, end time.Time) *bun.SelectQuery {
	start, end = start.UTC(), end.UTC()
	cutoff := end
	if now := Now(); now.Before(cutoff) {
		cutoff = now
	}
	return q.
		ColumnExpr("count(CASE WHEN first_response_at >= ? AND first_response_at < ? THEN 1 END) AS resp_decided", start, end).
		ColumnExpr("count(CASE WHEN first_response_at >= ? AND first_response_at < ? AND response_used_secs <= response_target_secs THEN 1 END) AS resp_met", start, end).
		ColumnExpr("count(CASE WHEN completed_at >= ? AND completed_at < ? THEN 1 END) AS res_decided", start, end).
		ColumnExpr("count(CASE WHEN completed_at >= ? AND completed_at < ? AND resolution_used_secs <= resolution_target_secs THEN 1 END) AS res_met", start, end).
		ColumnExpr("count(CASE WHEN (first_response_at IS NULL OR first_response_at >= ?) AND completed_at IS NULL AND created_at < ? AND response_target_secs > 0 AND (response_used_secs > response_target_secs OR response_due_at < ?) THEN 1 END) AS resp_overdue", end, cutoff, cutoff).
		ColumnExpr("count(CASE WHEN completed_at IS NULL AND created_at < ? AND resolution_target_secs > 0 AND (resolution_used_secs > resolution_target_secs OR resolution_due_at < ?) THEN 1 END) AS res_overdue", cutoff, cutoff)
}

// UnmailedSummaries lists the summaries of months from since on that have
// not been e-mailed yet, oldest first.
func UnmailedSummaries(ctx context.Context, db bun.IDB, since time.Time) ([]MonthlySummary, error) {
	var sums []MonthlySummary
	if err := db.NewSelect().Model(&sums).Where("emailed_at IS NULL").Where("month >= ?", since).
		Order("month", "client_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: unmailed summaries: %w", err)
	}
	return sums, nil
}

// MarkSummaryEmailed records that a summary's mail round `round` reached
// every recipient; a round superseded meanwhile (a resend) is left open.
func MarkSummaryEmailed(ctx context.Context, db bun.IDB, id int64, round int, at time.Time) error {
	if _, err := db.NewUpdate().Model((*MonthlySummary)(nil)).Set("emailed_at = ?", at).
		Where("id = ?", id).Where("mail_round = ?", round).Exec(ctx); err != nil {
		return fmt.Errorf("models: mark summary %d e-mailed: %w", id, err)
	}
	return nil
}

// SummaryRecipients are the addresses a client's summary goes to: its contact
// address and its enabled users who want e-mail, each once.
func SummaryRecipients(ctx context.Context, db bun.IDB, client *Client) ([]string, error) {
	var users []User
	if err := db.NewSelect().Model(&users).Column("email").Where("client_id = ?", client.ID).
		Where("notify_email = ?", true).Where("disabled_at IS NULL").Where(getsSummary).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: summary recipients of client %d: %w", client.ID, err)
	}
	all := append([]string{client.ContactEmail}, emails(users)...)
	optedOut, err := optedOutSet(ctx, db, MailSummary, all)
	if err != nil {
		return nil, err
	}
	return summaryRecipients(all, optedOut), nil
}

// summaryRecipients are the addresses of all (the contact address first)
// each once, without those that unsubscribed from summaries
// (List-Unsubscribe), contact address or user alike.
func summaryRecipients(all []string, optedOut map[string]bool) []string {
	seen := make(map[string]bool, len(all))
	var to []string
	for _, e := range all {
		if n := NormalizeEmail(e); n != "" && !seen[n] && !optedOut[n] {
			seen[n] = true
			to = append(to, e)
		}
	}
	return to
}

func emails(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Email
	}
	return out
}
