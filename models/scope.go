package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Scope is the only way client-facing handlers reach client data. It is built
// from the signed-in user's session, and every query it runs filters on that
// user's client id, so an id belonging to another client is simply not found.
type Scope struct {
	db       bun.IDB
	ClientID int64
	UserID   int64
}

// ErrNotClientUser is returned when a scope is asked for a staff user.
var ErrNotClientUser = errors.New("models: user does not belong to a client")

// ScopeFor returns the scope of a client user.
func ScopeFor(db bun.IDB, u *User) (Scope, error) {
	if u == nil || u.ClientID == nil {
		return Scope{}, ErrNotClientUser
	}
	return Scope{db: db, ClientID: *u.ClientID, UserID: u.ID}, nil
}

// Client loads the scope's own client.
func (s Scope) Client(ctx context.Context) (*Client, error) {
	return GetClient(ctx, s.db, s.ClientID)
}

// DashboardStats are the headline figures on the client dashboard.
type DashboardStats struct {
	Open       int
	Closed     int
	SLAMet     int // targets met this month
	SLADecided int // targets met or breached this month, and past due on open requests
	Bank       HourBank
	HasBank    bool
}

// CompliancePercent is met/decided, or -1 when nothing has been decided yet.
func (d DashboardStats) CompliancePercent() int {
	if d.SLADecided == 0 {
		return -1
	}
	return d.SLAMet * 100 / d.SLADecided
}

// Dashboard computes the dashboard figures for the scope's client at now.
func (s Scope) Dashboard(ctx context.Context, now time.Time) (DashboardStats, error) {
	var st DashboardStats
	client, err := s.Client(ctx)
	if err != nil {
		return st, err
	}
	loc := loadLocation(client.Timezone)
	monthStart := MonthStart(now, loc)
	monthEnd := monthStart.AddDate(0, 1, 0)

	var counts []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Request)(nil)).Column("status").ColumnExpr("count(*) AS n").
		Where("client_id = ?", s.ClientID).Group("status").Scan(ctx, &counts); err != nil {
		return st, fmt.Errorf("models: count requests of client %d: %w", s.ClientID, err)
	}
	for _, c := range counts {
		if c.Status == StatusCompleted {
			st.Closed += c.N
		} else {
			st.Open += c.N
		}
	}

	if st.SLAMet, st.SLADecided, err = slaFigures(ctx, s.db, s.ClientID, monthStart, monthEnd); err != nil {
		return st, err
	}

	bank, ok, err := s.CurrentHourBank(ctx, now)
	if err != nil {
		return st, err
	}
	st.Bank, st.HasBank = bank, ok
	return st, nil
}

// CurrentHourBank returns the balance of the period containing now (see
// CurrentPeriod); ok is false when the client has no hour bank at all.
func (s Scope) CurrentHourBank(ctx context.Context, now time.Time) (HourBank, bool, error) {
	p, ok, err := s.CurrentPeriod(ctx, now)
	if err != nil || !ok {
		return HourBank{}, false, err
	}
	var purchased int
	if p.ID != 0 {
		if err := s.db.NewSelect().Model((*HourPurchase)(nil)).ColumnExpr("coalesce(sum(minutes), 0)").
			Where("client_id = ?", s.ClientID).Where("period_id = ?", p.ID).Scan(ctx, &purchased); err != nil {
			return HourBank{}, false, fmt.Errorf("models: hour purchases of client %d: %w", s.ClientID, err)
		}
	}
	var used int
	if err := s.db.NewSelect().Model((*TimeEntry)(nil)).ColumnExpr("coalesce(sum(minutes), 0)").
		Where("client_id = ?", s.ClientID).Where("work_date >= ?", p.StartsOn).Where("work_date < ?", p.EndsOn).
		Scan(ctx, &used); err != nil {
		return HourBank{}, false, fmt.Errorf("models: hours used by client %d: %w", s.ClientID, err)
	}
	return HourBank{PurchasedMinutes: p.IncludedMinutes + purchased, UsedMinutes: used}, true, nil
}

// CurrentPeriod returns the hour bank period containing now. A month with no
// stored period is the client's calendar month (in its time zone) with its
// monthly included hours, returned unsaved (ID 0, so it has no top-ups); ok
// is false when the client has no hour bank at all (no period and no
// included hours).
func (s Scope) CurrentPeriod(ctx context.Context, now time.Time) (*HourBankPeriod, bool, error) {
	client, err := s.Client(ctx)
	if err != nil {
		return nil, false, err
	}
	// Periods and work dates are dates, stored as UTC midnights: compare with
	// the client's own date today, not the instant.
	local := now.In(loadLocation(client.Timezone))
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	p := new(HourBankPeriod)
	err = s.db.NewSelect().Model(p).Where("client_id = ?", s.ClientID).
		Where("starts_on <= ?", today).Where("ends_on > ?", today).Order("starts_on DESC").Limit(1).Scan(ctx)
	switch {
	case err == nil:
		return p, true, nil
	case errors.Is(notFound(err, ""), ErrNotFound):
		if client.MonthlyIncludedMinutes == 0 {
			return nil, false, nil
		}
		start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC)
		return &HourBankPeriod{ClientID: s.ClientID, StartsOn: start, EndsOn: start.AddDate(0, 1, 0),
			IncludedMinutes: client.MonthlyIncludedMinutes}, true, nil
	default:
		return nil, false, fmt.Errorf("models: current hour bank period of client %d: %w", s.ClientID, err)
	}
}

// RecentActivity returns the client's latest public activity, newest first.
func (s Scope) RecentActivity(ctx context.Context, limit int) ([]ActivityEvent, error) {
	var events []ActivityEvent
	err := s.db.NewSelect().Model(&events).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title") }).
		Where("activity_event.client_id = ?", s.ClientID).
		Where("activity_event.audience = ?", AudiencePublic).
		Where("activity_event.kind <> ?", EventSLAChanged).
		Order("activity_event.id DESC").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: recent activity of client %d: %w", s.ClientID, err)
	}
	return events, nil
}

// loadLocation falls back to UTC for an unknown zone name rather than failing
// a page over a setting.
func loadLocation(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}
