package models

import (
	"time"

	"github.com/uptrace/bun"
)

// HourBankPeriod is one billing period (a month by default) of a client's hour
// bank, with the hours included in the contract.
type HourBankPeriod struct {
	bun.BaseModel `bun:"table:hour_bank_periods"`

	ID              int64     `bun:"id,pk,autoincrement"`
	ClientID        int64     `bun:"client_id"`
	StartsOn        time.Time `bun:"starts_on"`
	EndsOn          time.Time `bun:"ends_on"` // exclusive
	IncludedMinutes int       `bun:"included_minutes"`
	CreatedAt       time.Time `bun:"created_at"`
}

// HourPurchase is a block of hours bought: a top-up on a retainer or a
// prepaid block. It counts from its date until used or past its expiry; a
// voided purchase is kept (shown struck through) and counts nowhere.
type HourPurchase struct {
	bun.BaseModel `bun:"table:hour_purchases,alias:hour_purchase"`

	ID          int64      `bun:"id,pk,autoincrement"`
	ClientID    int64      `bun:"client_id"`
	PeriodID    *int64     `bun:"period_id"` // older rows only
	Minutes     int        `bun:"minutes"`
	PurchasedOn time.Time  `bun:"purchased_on"`
	ExpiresOn   *time.Time `bun:"expires_on"` // last date it may be used
	Reference   string     `bun:"reference"`
	Note        string     `bun:"note"`
	CreatedBy   *int64     `bun:"created_by"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
	VoidedAt    *time.Time `bun:"voided_at"`
	VoidedBy    *int64     `bun:"voided_by"`
	VoidReason  string     `bun:"void_reason"`
}

// Block is the purchase as the ledger sees it.
func (p HourPurchase) Block() PurchaseBlock {
	return PurchaseBlock{ID: p.ID, Minutes: p.Minutes, On: p.PurchasedOn, Expires: p.ExpiresOn, Voided: p.VoidedAt != nil}
}

// HourBank is a period's balance: purchased (included plus top-ups), used and
// remaining, which goes negative on overage.
type HourBank struct {
	PurchasedMinutes int
	UsedMinutes      int
}

// RemainingMinutes may be negative: that is overage, shown as such.
func (b HourBank) RemainingMinutes() int { return b.PurchasedMinutes - b.UsedMinutes }

// Overage reports whether more was used than purchased.
func (b HourBank) Overage() bool { return b.RemainingMinutes() < 0 }

// UsedPercent is used/purchased capped to 0..100 for a progress bar.
func (b HourBank) UsedPercent() int {
	if b.PurchasedMinutes <= 0 {
		if b.UsedMinutes > 0 {
			return 100
		}
		return 0
	}
	p := Percent(b.UsedMinutes, b.PurchasedMinutes)
	return min(max(p, 0), 100)
}

// MonthStart returns midnight on the first of t's month in loc.
func MonthStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}
