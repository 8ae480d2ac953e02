package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// TrendMonths is how many months a summary's trend shows, its own included.
const TrendMonths = 12

// TrendMonth is one month of a summary's trend, from the stored summaries;
// a month with none (before the client joined) has Built false and zeros.
type TrendMonth struct {
	Month             time.Time
	Built             bool
	RequestsSubmitted int
	RequestsResolved  int
	MinutesUsed       int
}

// Label is the month's short name, e.g. "Oct 2026".
func (m TrendMonth) Label() string { return m.Month.UTC().Format("Jan 2006") }

// SummaryTrend is the TrendMonths months ending with month, oldest first,
// in one query over the stored summaries: the trend shows what each month's
// summary said, never a recomputation that could disagree with it.
func SummaryTrend(ctx context.Context, db bun.IDB, clientID int64, month time.Time) ([]TrendMonth, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	first := month.AddDate(0, 1-TrendMonths, 0)
	var sums []MonthlySummary
	if err := db.NewSelect().Model(&sums).Column("month", "requests_submitted", "requests_resolved", "minutes_used").
		Where("client_id = ?", clientID).Where("month >= ?", first).Where("month <= ?", month).
		Order("month").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: summary trend of client %d to %s: %w", clientID, MonthLabel(month), err)
	}
	byMonth := make(map[string]MonthlySummary, len(sums))
	for _, s := range sums {
		byMonth[monthKey(s.Month)] = s
	}
	out := make([]TrendMonth, TrendMonths)
	for i := range out {
		m := first.AddDate(0, i, 0)
		out[i] = TrendMonth{Month: m}
		if s, ok := byMonth[monthKey(m)]; ok {
			out[i] = TrendMonth{Month: m, Built: true, RequestsSubmitted: s.RequestsSubmitted,
				RequestsResolved: s.RequestsResolved, MinutesUsed: s.MinutesUsed}
		}
	}
	return out, nil
}

// GetMonthlySummary loads one client's stored summary of month (a month
// date); ErrNotFound when that month was not built.
func GetMonthlySummary(ctx context.Context, db bun.IDB, clientID int64, month time.Time) (*MonthlySummary, error) {
	sum := new(MonthlySummary)
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	if err := db.NewSelect().Model(sum).Where("client_id = ?", clientID).Where("month = ?", month).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load summary of client %d for %s", clientID, MonthLabel(month)))
	}
	return sum, nil
}

// ListMonthlySummaries is a client's stored summaries, newest first, for
// staff.
func ListMonthlySummaries(ctx context.Context, db bun.IDB, clientID int64, limit int) ([]MonthlySummary, error) {
	var sums []MonthlySummary
	if err := db.NewSelect().Model(&sums).Where("client_id = ?", clientID).Order("month DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: monthly summaries of client %d: %w", clientID, err)
	}
	return sums, nil
}

// MonthlySummary is one of the client's stored summaries.
func (s Scope) MonthlySummary(ctx context.Context, month time.Time) (*MonthlySummary, error) {
	if err := s.requireSummaries(); err != nil {
		return nil, err
	}
	return GetMonthlySummary(ctx, s.db, s.clientID, month)
}

// ResolvedInMonth is the scope's client's requests completed in month, as
// its summary lists them. client is the scope's own (Scope.Client, read for
// its time zone); any other is refused.
func (s Scope) ResolvedInMonth(ctx context.Context, client *Client, month time.Time) ([]ResolvedRequest, error) {
	if client == nil || client.ID != s.clientID {
		return nil, fmt.Errorf("models: resolved requests of another client than the scope's: %w", ErrNotFound)
	}
	if err := s.requireSummaries(); err != nil {
		return nil, err
	}
	return ResolvedInMonth(ctx, s.db, client, month)
}

// SummaryTrend is the trend of the client's summary of month.
func (s Scope) SummaryTrend(ctx context.Context, month time.Time) ([]TrendMonth, error) {
	if err := s.requireSummaries(); err != nil {
		return nil, err
	}
	return SummaryTrend(ctx, s.db, s.clientID, month)
}

// ParseMonth reads a month written as 2026-10 (the form URLs and the CLI
// use) as its month date.
func ParseMonth(s string) (time.Time, error) {
	m, err := time.Parse("2006-01", s)
	if err != nil || m.Year() < 1970 || m.Year() > 9999 {
		return time.Time{}, fmt.Errorf("models: %q is not a month such as 2026-10", s)
	}
	return m, nil
}

// MonthParam is the month as URLs write it, e.g. "2026-10".
func (m MonthlySummary) MonthParam() string { return monthKey(m.Month) }
