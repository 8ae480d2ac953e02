package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ScopeOfClient is a client's scope for staff, who may export any client's
// data exactly as the client sees it.
func ScopeOfClient(db bun.IDB, clientID int64) Scope { return Scope{db: db, clientID: clientID} }

// ExportEntry is one time entry as the client's export lists it.
type ExportEntry struct {
	ID       int64     `bun:"id"`
	Question string    `bun:"question"` // its question's status, "" for none
	WorkDate time.Time `bun:"work_date"`
	Number   int       `bun:"number"`
	Title    string    `bun:"title"`
	Minutes  int       `bun:"minutes"`
	Billing  string    `bun:"billing"`
	Note     string    `bun:"note"`
}

// ExportPeriod is the hour bank period starting on at (zero: the one
// containing now in the client's zone).
func (s Scope) ExportPeriod(ctx context.Context, now, at time.Time) (BankPeriod, error) {
	if err := s.requireHours(); err != nil {
		return BankPeriod{}, err
	}
	client, err := s.Client(ctx)
	if err != nil {
		return BankPeriod{}, err
	}
	plan, err := LoadHourPlan(ctx, s.db, s.clientID)
	if err != nil {
		return BankPeriod{}, err
	}
	if at.IsZero() {
		return plan.PeriodAt(LocalDate(now, LoadLocation(client.Timezone))), nil
	}
	p := plan.PeriodAt(at)
	if !p.Start.Equal(at) {
		return p, ErrNoSuchPeriod
	}
	return p, nil
}

// PeriodTimeEntries lists the period's time entries the client sees (hidden
// ones left out), oldest first.
func (s Scope) PeriodTimeEntries(ctx context.Context, per BankPeriod) ([]ExportEntry, error) {
	if err := s.requireHours(); err != nil {
		return nil, err
	}
	var rows []ExportEntry
	err := s.Viewer().whereSeesRequests(s.db.NewSelect(), "request").Model((*TimeEntry)(nil)).
		Join("JOIN requests AS request ON request.id = time_entry.request_id").
		Join("LEFT JOIN time_questions AS question ON question.time_entry_id = time_entry.id").
		ColumnExpr("time_entry.id, coalesce(question.status, '') AS question").
		ColumnExpr("time_entry.work_date, request.number, request.title, time_entry.minutes, time_entry.billing, time_entry.note").
		Where("time_entry.client_id = ?", s.clientID).Where("request.client_id = ?", s.clientID).
		Where("time_entry.billing <> ?", BillingHidden).
		Where("time_entry.work_date >= ?", per.Start).Where("time_entry.work_date < ?", per.End).
		OrderExpr("time_entry.work_date, time_entry.id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: time entries of client %d: %w", s.clientID, err)
	}
	return rows, nil
}

// MaxExportEvents bounds one activity export.
const MaxExportEvents = 50000

// ActivityForExport is the client's public activity in the filter's dates
// (not paged, at most MaxExportEvents), oldest first.
func (s Scope) ActivityForExport(ctx context.Context, f ActivityFilter) ([]ActivityEvent, error) {
	client, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	loc := LoadLocation(client.Timezone)
	var es []ActivityEvent
	q := s.db.NewSelect().Model(&es).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title") }).
		Where("activity_event.kind <> ?", EventSLAChanged)
	q = s.Viewer().whereSeesEvents(q, "activity_event")
	if !f.From.IsZero() {
		q = q.Where("activity_event.created_at >= ?", localMidnight(f.From, loc))
	}
	if !f.To.IsZero() {
		q = q.Where("activity_event.created_at < ?", localMidnight(f.To.AddDate(0, 0, 1), loc))
	}
	if err := q.Order("activity_event.id ASC").Limit(MaxExportEvents).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: activity of client %d: %w", s.clientID, err)
	}
	return es, nil
}
