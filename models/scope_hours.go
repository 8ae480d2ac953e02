package models

import (
	"context"
	"fmt"
	"time"
)

// HoursOverview is the client's Hours page: the current period's balance,
// the top-ups bought for it and where its time went.
type HoursOverview struct {
	Period    HourBankPeriod
	Bank      HourBank
	Purchases []HourPurchase // oldest first
	Requests  []RequestHours // largest first
}

// RequestHours is the time logged on one request within a period.
type RequestHours struct {
	Number  int    `bun:"number"`
	Title   string `bun:"title"`
	Minutes int    `bun:"minutes"`
	Prefix  string `bun:"-"`
}

// Ref is the request's number as people write it, e.g. ACME-42.
func (r RequestHours) Ref() string { return fmt.Sprintf("%s-%d", r.Prefix, r.Number) }

// Hours builds the overview of the period containing now; ok is false when
// the client has no hour bank. The balance is summed from the same rows the
// page lists, so its Used figure always equals the breakdown's total.
func (s Scope) Hours(ctx context.Context, now time.Time) (HoursOverview, bool, error) {
	var o HoursOverview
	p, ok, err := s.CurrentPeriod(ctx, now)
	if err != nil || !ok {
		return o, false, err
	}
	o.Period = *p
	if o.Purchases, err = s.periodPurchases(ctx, p); err != nil {
		return o, false, err
	}
	if o.Requests, err = s.periodHoursByRequest(ctx, p); err != nil {
		return o, false, err
	}
	o.Bank.PurchasedMinutes = p.IncludedMinutes
	for _, t := range o.Purchases {
		o.Bank.PurchasedMinutes += t.Minutes
	}
	for _, r := range o.Requests {
		o.Bank.UsedMinutes += r.Minutes
	}
	return o, true, nil
}

// periodPurchases lists a stored period's top-ups; a month with no stored
// period (ID 0) has none.
func (s Scope) periodPurchases(ctx context.Context, p *HourBankPeriod) ([]HourPurchase, error) {
	var ps []HourPurchase
	if p.ID == 0 {
		return ps, nil
	}
	err := s.db.NewSelect().Model(&ps).Column("id", "minutes", "note", "created_at").
		Where("client_id = ?", s.ClientID).Where("period_id = ?", p.ID).
		Order("created_at ASC", "id ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: hour purchases of client %d: %w", s.ClientID, err)
	}
	return ps, nil
}

// periodHoursByRequest sums the period's time per request in one grouped
// query, largest first.
func (s Scope) periodHoursByRequest(ctx context.Context, p *HourBankPeriod) ([]RequestHours, error) {
	client, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	var rows []RequestHours
	err = s.db.NewSelect().Model((*TimeEntry)(nil)).
		Join("JOIN requests AS request ON request.id = time_entry.request_id").
		ColumnExpr("request.number AS number, request.title AS title, sum(time_entry.minutes) AS minutes").
		Where("time_entry.client_id = ?", s.ClientID).Where("request.client_id = ?", s.ClientID).
		Where("time_entry.work_date >= ?", p.StartsOn).Where("time_entry.work_date < ?", p.EndsOn).
		GroupExpr("request.id, request.number, request.title").
		OrderExpr("sum(time_entry.minutes) DESC, request.number DESC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: hours per request of client %d: %w", s.ClientID, err)
	}
	for i := range rows {
		rows[i].Prefix = client.RequestPrefix
	}
	return rows, nil
}
