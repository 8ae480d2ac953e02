package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ActivityFilter narrows the client's activity history to a date range. From
// and To are dates (UTC midnights, as a date input gives them), both
// inclusive and read in the client's time zone; a zero date leaves that side
// open.
type ActivityFilter struct {
	From, To time.Time
	Page     int
	PerPage  int
}

// ActivityHistory returns a page of the client's public activity in the
// filter's range, newest first. SLA colour changes are pushed live, not
// listed.
func (s Scope) ActivityHistory(ctx context.Context, f ActivityFilter) (Page[ActivityEvent], error) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		f.PerPage = DefaultPerPage
	}
	p := Page[ActivityEvent]{Page: f.Page, PerPage: f.PerPage}
	client, err := s.Client(ctx)
	if err != nil {
		return p, err
	}
	loc := LoadLocation(client.Timezone)
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = s.Viewer().whereSeesEvents(q, "activity_event").
			Where("activity_event.kind <> ?", EventSLAChanged)
		if !f.From.IsZero() {
			q = q.Where("activity_event.created_at >= ?", localMidnight(f.From, loc))
		}
		if !f.To.IsZero() {
			q = q.Where("activity_event.created_at < ?", localMidnight(f.To.AddDate(0, 0, 1), loc))
		}
		return q
	}
	if p.Total, err = s.db.NewSelect().Model((*ActivityEvent)(nil)).Apply(filter).Count(ctx); err != nil {
		return p, fmt.Errorf("models: count activity of client %d: %w", s.clientID, err)
	}
	err = s.db.NewSelect().Model(&p.Items).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title") }).
		Apply(filter).
		Order("activity_event.id DESC").Limit(f.PerPage).Offset(offset(f.Page, f.PerPage)).Scan(ctx)
	if err != nil {
		return p, fmt.Errorf("models: activity history of client %d: %w", s.clientID, err)
	}
	return p, nil
}

// MonthlySummaries returns the client's latest monthly summaries, newest first.
// A member it is hidden from has none.
func (s Scope) MonthlySummaries(ctx context.Context, limit int) ([]MonthlySummary, error) {
	var sums []MonthlySummary
	if !s.SeesSummaries() {
		return sums, nil
	}
	if err := s.db.NewSelect().Model(&sums).Where("client_id = ?", s.clientID).
		Order("month DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: monthly summaries of client %d: %w", s.clientID, err)
	}
	return sums, nil
}

// localMidnight is the instant a date begins in loc, in UTC.
func localMidnight(date time.Time, loc *time.Location) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc).UTC()
}
