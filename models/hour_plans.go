package models

import (
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of hour plan.
const (
	PlanNone      = "none"      // no hour bank
	PlanMonthly   = "monthly"   // a retainer: hours included every month
	PlanQuarterly = "quarterly" // hours included every quarter
	PlanYearly    = "yearly"    // hours included every year
	PlanPrepaid   = "prepaid"   // no retainer: prepaid blocks only
)

// PlanKinds lists the kinds in the order the plan editor offers them.
var PlanKinds = []string{PlanNone, PlanMonthly, PlanQuarterly, PlanYearly, PlanPrepaid}

// Rollover of unused included hours into later periods.
const (
	RolloverOff    = "off"    // unused included hours lapse
	RolloverAll    = "all"    // all of them roll over
	RolloverCapped = "capped" // up to RolloverCapMinutes roll over
)

// HourPlan is a client's hour bank plan, stored on its clients row.
//
// A quarter's or year's hours are one pool when Pooled; otherwise they are
// spread evenly over its months and each month is a period of its own. The
// hours rolled over from a period can be used in the next
// RolloverExpiryPeriods periods (0: until used).
type HourPlan struct {
	bun.BaseModel `bun:"table:clients,alias:client"`

	ClientID              int64  `bun:"id,pk"`
	Kind                  string `bun:"hour_plan"`
	IncludedMinutes       int    `bun:"monthly_included_minutes"` // per plan period
	Pooled                bool   `bun:"plan_pooled"`
	StartDay              int    `bun:"period_start_day"`    // 1..28
	AnchorMonth           int    `bun:"period_anchor_month"` // the month a quarter or year starts in
	OverageRate           string `bun:"overage_rate"`        // a label for the summary, no invoicing
	Rollover              string `bun:"rollover"`
	RolloverCapMinutes    int    `bun:"rollover_cap_minutes"`
	RolloverExpiryPeriods int    `bun:"rollover_expiry_periods"`
}

// planMonths is the length in months of the plan's billing period.
func (p HourPlan) planMonths() int {
	switch p.Kind {
	case PlanQuarterly:
		return 3
	case PlanYearly:
		return 12
	}
	return 1
}

// periodMonths is the length in months of a period the bank is kept in: the
// billing period when pooled, otherwise a month.
func (p HourPlan) periodMonths() int {
	if p.Pooled {
		return p.planMonths()
	}
	return 1
}

// Retainer reports whether the plan includes hours every period.
func (p HourPlan) Retainer() bool {
	return p.Kind == PlanMonthly || p.Kind == PlanQuarterly || p.Kind == PlanYearly
}

// BankPeriod is one period of an hour bank: dates as UTC midnights, End
// exclusive. Index counts periods from a fixed origin, so the distance
// between two periods is a subtraction.
type BankPeriod struct {
	Start, End time.Time
	Index      int
}

// Contains reports whether day (a UTC-midnight date) falls in the period.
func (b BankPeriod) Contains(day time.Time) bool { return !day.Before(b.Start) && day.Before(b.End) }

// LastDay is the period's last date.
func (b BankPeriod) LastDay() time.Time { return b.End.AddDate(0, 0, -1) }

// LocalDate is the calendar date at instant t in loc, as a UTC midnight (the
// way dates are stored). Daylight saving changes only the instant a date
// starts, never which date an instant falls on here.
func LocalDate(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (p HourPlan) startDay() int { return min(max(p.StartDay, 1), 28) }

func (p HourPlan) anchor() int { return min(max(p.AnchorMonth, 1), 12) - 1 }

// PeriodAt returns the period containing day (a date).
func (p HourPlan) PeriodAt(day time.Time) BankPeriod {
	m := day.Year()*12 + int(day.Month()) - 1
	if day.Day() < p.startDay() {
		m--
	}
	n := p.periodMonths()
	idx := floorDiv(m-p.anchor(), n)
	return p.periodByIndex(idx)
}

func (p HourPlan) periodByIndex(idx int) BankPeriod {
	n := p.periodMonths()
	m := idx*n + p.anchor()
	start := time.Date(floorDiv(m, 12), time.Month(m-floorDiv(m, 12)*12+1), p.startDay(), 0, 0, 0, 0, time.UTC)
	return BankPeriod{Start: start, End: start.AddDate(0, n, 0), Index: idx}
}

// IncludedIn is the hours (minutes) the plan includes in a period: all of a
// pooled billing period's, or a month's even share of it (the first months
// take the odd minutes) when not pooled.
func (p HourPlan) IncludedIn(b BankPeriod) int {
	if !p.Retainer() {
		return 0
	}
	n := p.planMonths()
	if p.Pooled || n == 1 {
		return p.IncludedMinutes
	}
	k := b.Index - floorDiv(b.Index, n)*n // month within its billing period
	share := p.IncludedMinutes / n
	if k < p.IncludedMinutes%n {
		share++
	}
	return share
}

// PurchaseBlock is a purchase as the ledger sees it.
type PurchaseBlock struct {
	ID      int64
	Minutes int
	On      time.Time  // date bought
	Expires *time.Time // last date it may be used; nil: until used
	Voided  bool
}

// DayUsage is the billable minutes worked on one date.
type DayUsage struct {
	Day     time.Time
	Minutes int
}

// PeriodBalance is one period of the ledger. Purchased is everything the
// period could draw on: its included hours, hours rolled over into it,
// blocks brought forward with their unused balance and blocks bought in it.
// Remaining is Purchased minus Used and goes negative on overage; what of it
// does not carry into the next period (unused included hours not rolled
// over, rollover and blocks that expire) is Lapsed.
type PeriodBalance struct {
	BankPeriod
	Included    int
	RolloverIn  int
	BroughtIn   int // unused balance of earlier blocks
	Bought      int // blocks bought in the period
	Used        int
	RolloverOut int
	Lapsed      int
	// RolloverParts says where RolloverIn comes from.
	RolloverParts []RolloverPart
}

// RolloverPart is hours rolled over from one earlier period.
type RolloverPart struct {
	From    BankPeriod
	Minutes int       // available at the start of the period
	Until   time.Time // last date usable; zero: until used
}

// Purchased is the period's total available minutes.
func (b PeriodBalance) Purchased() int { return b.Included + b.RolloverIn + b.BroughtIn + b.Bought }

// Remaining may be negative: that is overage.
func (b PeriodBalance) Remaining() int { return b.Purchased() - b.Used }

// Overage is the minutes used beyond what was purchased (0 if none).
func (b PeriodBalance) Overage() int { return max(b.Used-b.Purchased(), 0) }

// Bank is the period as the summary figures pages show.
func (b PeriodBalance) Bank() HourBank {
	return HourBank{PurchasedMinutes: b.Purchased(), UsedMinutes: b.Used}
}

type rolloverCredit struct {
	minutes int
	from    int // period index it was rolled over from
	last    int // last period index it may be used in; -1 << 31: never expires
}

const neverExpires = -1 << 31

// Ledger walks the bank period by period from the first period with a
// purchase or usage (or from `to` when there is none) up to and including
// to, and returns every period's balance, oldest first.
//
// Each period draws first on hours rolled over (earliest to expire first),
// then on its included hours, then on blocks (earliest to expire first,
// then oldest). A block counts in every period from the one it is bought in
// to the one its expiry date falls in; voided blocks count nowhere. Usage
// the period cannot cover is overage and is not carried as a debt.
func (p HourPlan) Ledger(blocks []PurchaseBlock, usage []DayUsage, to BankPeriod) []PeriodBalance {
	if p.Kind == PlanNone {
		return nil
	}
	first := to.Index
	used := map[int]int{}
	for _, u := range usage {
		i := p.PeriodAt(u.Day).Index
		if i > to.Index {
			continue
		}
		used[i] += u.Minutes
		first = min(first, i)
	}
	var live []PurchaseBlock
	for _, b := range blocks {
		if b.Voided || b.Minutes <= 0 {
			continue
		}
		live = append(live, b)
		first = min(first, p.PeriodAt(b.On).Index)
	}
	sort.SliceStable(live, func(i, j int) bool {
		a, b := live[i], live[j]
		switch {
		case a.Expires == nil && b.Expires != nil:
			return false
		case a.Expires != nil && b.Expires == nil:
			return true
		case a.Expires != nil && !a.Expires.Equal(*b.Expires):
			return a.Expires.Before(*b.Expires)
		case !a.On.Equal(b.On):
			return a.On.Before(b.On)
		}
		return a.ID < b.ID
	})
	left := make([]int, len(live))
	for i, b := range live {
		left[i] = b.Minutes
	}
	var credits []rolloverCredit
	out := make([]PeriodBalance, 0, to.Index-first+1)
	for idx := first; idx <= to.Index; idx++ {
		per := p.periodByIndex(idx)
		bal := PeriodBalance{BankPeriod: per, Included: p.IncludedIn(per), Used: used[idx]}
		for _, c := range credits {
			bal.RolloverIn += c.minutes
			part := RolloverPart{From: p.periodByIndex(c.from), Minutes: c.minutes}
			if c.last != neverExpires {
				part.Until = p.periodByIndex(c.last).LastDay()
			}
			bal.RolloverParts = append(bal.RolloverParts, part)
		}
		var avail []int // indexes into live usable this period
		for i, b := range live {
			if !b.On.Before(per.End) || (b.Expires != nil && b.Expires.Before(per.Start)) || left[i] == 0 {
				continue
			}
			avail = append(avail, i)
			if b.On.Before(per.Start) {
				bal.BroughtIn += left[i]
			} else {
				bal.Bought += left[i]
			}
		}

		need := bal.Used
		sort.SliceStable(credits, func(i, j int) bool { return uint(credits[i].last) < uint(credits[j].last) })
		for i := range credits {
			take := min(need, credits[i].minutes)
			credits[i].minutes -= take
			need -= take
		}
		included := bal.Included
		take := min(need, included)
		included -= take
		need -= take
		for _, i := range avail {
			take := min(need, left[i])
			left[i] -= take
			need -= take
		}

		// Period end: roll unused included hours over, let expiring
		// rollover and blocks lapse.
		switch p.Rollover {
		case RolloverAll:
			bal.RolloverOut = included
		case RolloverCapped:
			bal.RolloverOut = min(included, p.RolloverCapMinutes)
		}
		bal.Lapsed = included - bal.RolloverOut
		kept := credits[:0]
		for _, c := range credits {
			switch {
			case c.minutes == 0:
			case c.last != neverExpires && c.last <= idx:
				bal.Lapsed += c.minutes
			default:
				kept = append(kept, c)
			}
		}
		credits = kept
		if bal.RolloverOut > 0 {
			last := neverExpires
			if p.RolloverExpiryPeriods > 0 {
				last = idx + p.RolloverExpiryPeriods
			}
			credits = append(credits, rolloverCredit{minutes: bal.RolloverOut, from: idx, last: last})
		}
		for _, i := range avail {
			if b := live[i]; b.Expires != nil && b.Expires.Before(per.End) {
				bal.Lapsed += left[i]
				left[i] = 0
			}
		}
		out = append(out, bal)
	}
	return out
}
