package models

import "time"

// SummaryHours is a monthly summary's hour bank: the bank period that
// contains the month's last day, as it stood at the month's end. It is
// computed by the same ledger as the Hours page (ledgerTo), so for a period
// that is over by then its figures are the Hours page's for that period.
// A period that runs on past the month (a quarter, a year, or one starting
// mid-month) is shown "so far", up to the month's last day.
type SummaryHours struct {
	HasBank     bool       `bun:"has_bank"`
	PeriodStart *time.Time `bun:"bank_period_start"`
	PeriodEnd   *time.Time `bun:"bank_period_end"` // exclusive
	Included    int        `bun:"included_minutes"`
	RolloverIn  int        `bun:"rollover_in_minutes"`
	BroughtIn   int        `bun:"brought_in_minutes"` // unused balance of earlier blocks
	Bought      int        `bun:"bought_minutes"`     // top-ups and blocks bought in the period
	Used        int        `bun:"bank_used_minutes"`
	NotCharged  int        `bun:"not_charged_minutes"` // logged but not charged (hidden time left out)
	// OpenQuestions is the client's questions on time entries still open at
	// the month's end.
	OpenQuestions int    `bun:"open_questions"`
	OverageRate   string `bun:"overage_rate"`
}

// Purchased is everything the period could draw on, as on the Hours page.
func (h SummaryHours) Purchased() int { return h.Included + h.RolloverIn + h.BroughtIn + h.Bought }

// Remaining goes negative on overage.
func (h SummaryHours) Remaining() int { return h.Purchased() - h.Used }

// Overage is the minutes used beyond what was purchased (0 if none).
func (h SummaryHours) Overage() int { return max(-h.Remaining(), 0) }

// Bank is the period's balance for the meter.
func (h SummaryHours) Bank() HourBank {
	return HourBank{PurchasedMinutes: h.Purchased(), UsedMinutes: h.Used}
}

// PeriodRunsOn reports whether the bank period goes on after month (the
// summary's month date): its figures are then the month-end ones.
func (h SummaryHours) PeriodRunsOn(month time.Time) bool {
	return h.PeriodEnd != nil && h.PeriodEnd.After(month.AddDate(0, 1, 0))
}

// PeriodText shows the bank period's dates, e.g. "1 Oct – 31 Dec 2026".
func (h SummaryHours) PeriodText() string {
	if h.PeriodStart == nil || h.PeriodEnd == nil {
		return ""
	}
	first, last := h.PeriodStart.UTC(), h.PeriodEnd.UTC().AddDate(0, 0, -1)
	if first.Year() == last.Year() {
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// monthBank is a client's hour bank for the summary of month, from its
// plan, purchases and daily time (oldest first, up to the month's end): the
// ledger walked to the period holding the month's last day with nothing
// dated after the month counted.
func monthBank(plan HourPlan, purchases []HourPurchase, days []dayTime, month time.Time) SummaryHours {
	h := SummaryHours{OverageRate: plan.OverageRate}
	if !hasBank(plan, purchases) {
		return h
	}
	monthEnd := month.AddDate(0, 1, 0)
	per := plan.PeriodAt(monthEnd.AddDate(0, 0, -1))
	until := per.End
	if monthEnd.Before(until) {
		until = monthEnd
	}
	usage := make([]DayUsage, 0, len(days))
	for _, d := range days {
		if d.Billable > 0 { // as dailyUsage: days with billable time
			usage = append(usage, DayUsage{Day: d.Day, Minutes: d.Billable})
		}
		if !d.Day.Before(per.Start) && d.Day.Before(until) {
			h.NotCharged += d.NotCharged
		}
	}
	h.fill(ledgerTo(plan, purchases, usage, per, until))
	return h
}

// fill takes the last period of a ledger.
func (h *SummaryHours) fill(ledger []PeriodBalance) {
	if len(ledger) == 0 {
		return
	}
	b := ledger[len(ledger)-1]
	start, end := b.Start, b.End
	h.HasBank, h.PeriodStart, h.PeriodEnd = true, &start, &end
	h.Included, h.RolloverIn, h.BroughtIn, h.Bought, h.Used = b.Included, b.RolloverIn, b.BroughtIn, b.Bought, b.Used
}
