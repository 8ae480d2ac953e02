package models

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// Billing of a time entry.
const (
	BillingBillable   = "billable"    // counts against the hour bank
	BillingNotCharged = "not_charged" // shown to the client as not charged
	BillingHidden     = "hidden"      // not charged and not shown to the client
)

// HoursOverview is one period of a client's hour bank: its balance, the
// purchases and rollover behind it and where its time went. The console and
// the portal's Hours page, dashboard and exports all read it.
type HoursOverview struct {
	Plan    HourPlan
	Period  HourBankPeriod // dates of the selected period
	Balance PeriodBalance
	Bank    HourBank
	Current bool         // the selected period is the one containing today
	Periods []BankPeriod // every period with a balance, newest first
	// Purchases bought in the period, voided ones included (struck through).
	Purchases  []HourPurchase
	Requests   []RequestHours // billable time per request, largest first
	Days       []DayUsage     // billable time per day, oldest first
	NotCharged int            // minutes logged as not charged (hidden ones excluded for clients)
	// OtherMinutes is the billable time on requests a restricted member
	// does not see, left out of Requests (scope_roles.go).
	OtherMinutes int
}

// OverMinutes is the overage of the period (0 if none).
func (o HoursOverview) OverMinutes() int { return o.Balance.Overage() }

// ErrNoSuchPeriod is returned for a period start that is not one of the bank's.
var ErrNoSuchPeriod = fmt.Errorf("models: no such hour bank period: %w", ErrNotFound)

// ClientHours builds the overview of the period starting on `at` (zero: the
// period containing today in the client's zone). ok is false when the client
// has no hour bank (no plan, or a plan with no hours and no purchases).
// staff decides whether hidden time counts in NotCharged.
func ClientHours(ctx context.Context, db bun.IDB, clientID int64, now, at time.Time, staff bool) (HoursOverview, bool, error) {
	client, err := GetClient(ctx, db, clientID)
	if err != nil {
		return HoursOverview{}, false, err
	}
	return clientHours(ctx, db, client, now, at, staff, true)
}

// clientHours is ClientHours for a loaded client; without detail it stops
// at the balance (three statements: plan, purchases, daily usage), as the
// dashboard needs.
func clientHours(ctx context.Context, db bun.IDB, client *Client, now, at time.Time, staff, detail bool) (HoursOverview, bool, error) {
	var o HoursOverview
	clientID := client.ID
	var err error
	if o.Plan, err = LoadHourPlan(ctx, db, clientID); err != nil {
		return o, false, err
	}
	if o.Plan.Kind == PlanNone {
		return o, false, noPeriod(at)
	}
	purchases, err := ListPurchases(ctx, db, clientID)
	if err != nil {
		return o, false, err
	}
	if !hasBank(o.Plan, purchases) {
		return o, false, noPeriod(at)
	}
	current := o.Plan.PeriodAt(LocalDate(now, LoadLocation(client.Timezone)))
	usage, unbilled, err := dailyTime(ctx, db, clientID, current.End)
	if err != nil {
		return o, false, err
	}
	ledger := ledgerTo(o.Plan, purchases, usage, current, current.End)
	sel := len(ledger) - 1
	if !at.IsZero() {
		sel = -1
		for i, b := range ledger {
			if b.Start.Equal(at) {
				sel = i
			}
		}
		if sel < 0 {
			return o, false, ErrNoSuchPeriod
		}
	}
	for i := len(ledger) - 1; i >= 0; i-- {
		o.Periods = append(o.Periods, ledger[i].BankPeriod)
	}
	o.Balance = ledger[sel]
	o.Current = sel == len(ledger)-1
	o.Bank = o.Balance.Bank()
	per := o.Balance.BankPeriod
	o.Period = HourBankPeriod{ClientID: clientID, StartsOn: per.Start, EndsOn: per.End, IncludedMinutes: o.Balance.Included}
	if !detail {
		return o, true, nil
	}
	for _, p := range purchases {
		if per.Contains(p.PurchasedOn) {
			o.Purchases = append(o.Purchases, p)
		}
	}
	for _, u := range usage {
		if per.Contains(u.Day) {
			o.Days = append(o.Days, u)
		}
	}
	if o.Requests, err = periodHoursByRequest(ctx, db, client, per); err != nil {
		return o, false, err
	}
	o.NotCharged = notChargedMinutes(unbilled, per, staff)
	return o, true, nil
}

// hasBank reports whether a client keeps an hour bank: a plan, and hours
// included or some purchase (a voided one too: its period still shows).
func hasBank(plan HourPlan, purchases []HourPurchase) bool {
	return plan.Kind != PlanNone && (plan.IncludedMinutes > 0 || len(purchases) > 0)
}

// ledgerTo walks the bank up to and including period `to`, counting usage
// and purchases dated before until only. The Hours page passes the end of
// the current period (everything logged so far counts); a monthly summary
// passes the end of its month, so its figures are those at the month's end
// and a rebuild later gives the same ones. Both go through here, so the
// summary's numbers are the Hours page's.
func ledgerTo(plan HourPlan, purchases []HourPurchase, usage []DayUsage, to BankPeriod, until time.Time) []PeriodBalance {
	blocks := make([]PurchaseBlock, 0, len(purchases))
	for _, p := range purchases {
		if p.PurchasedOn.Before(until) {
			blocks = append(blocks, p.Block())
		}
	}
	n := len(usage)
	for n > 0 && !usage[n-1].Day.Before(until) { // usage is oldest first
		n--
	}
	return plan.Ledger(blocks, usage[:n], to)
}

// notChargedMinutes sums the time logged in period per that is not
// charged: for a client the "not charged" days only (hidden time is not
// theirs to see), for staff hidden time too.
func notChargedMinutes(unbilled []dayBilling, per BankPeriod, staff bool) int {
	minutes := 0
	for _, d := range unbilled {
		if per.Contains(d.Day) && (staff || d.Billing == BillingNotCharged) {
			minutes += d.Minutes
		}
	}
	return minutes
}

// noPeriod: a bank with no periods has none to show.
func noPeriod(at time.Time) error {
	if at.IsZero() {
		return nil
	}
	return ErrNoSuchPeriod
}

// dailyTime is the time per work date before end, oldest first, read from
// the per-day totals the database keeps beside time_entries
// (time_entry_days) in one statement: the billable days (usage, what the
// bank counts) and the others with their billing (what the Hours page shows
// as not charged), which took a statement of their own over time_entries.
func dailyTime(ctx context.Context, db bun.IDB, clientID int64, end time.Time) (usage []DayUsage, unbilled []dayBilling, err error) {
	var rows []dayBilling
	err = db.NewSelect().Table("time_entry_days").Column("work_date", "billing", "minutes").
		Where("client_id = ?", clientID).Where("entries > 0").
		Where("work_date < ?", end).Order("work_date").Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("models: daily hours of client %d: %w", clientID, err)
	}
	for _, r := range rows {
		r.Day = time.Date(r.Day.Year(), r.Day.Month(), r.Day.Day(), 0, 0, 0, 0, time.UTC)
		if r.Billing == BillingBillable {
			usage = append(usage, DayUsage{Day: r.Day, Minutes: r.Minutes})
		} else {
			unbilled = append(unbilled, r)
		}
	}
	return usage, unbilled, nil
}

// dayBilling is one work date's time of one billing kind.
type dayBilling struct {
	Day     time.Time `bun:"work_date"`
	Billing string    `bun:"billing"`
	Minutes int       `bun:"minutes"`
}

// periodHoursByRequest sums the period's billable time per request in one
// grouped query, largest first.
func periodHoursByRequest(ctx context.Context, db bun.IDB, client *Client, per BankPeriod) ([]RequestHours, error) {
	var rows []RequestHours
	err := db.NewSelect().Model((*TimeEntry)(nil)).
		Join("JOIN requests AS request ON request.id = time_entry.request_id").
		ColumnExpr("request.number AS number, request.title AS title, sum(time_entry.minutes) AS minutes").
		Where("time_entry.client_id = ?", client.ID).Where("request.client_id = ?", client.ID).
		Where("time_entry.billing = ?", BillingBillable).
		Where("time_entry.work_date >= ?", per.Start).Where("time_entry.work_date < ?", per.End).
		GroupExpr("request.id, request.number, request.title").
		OrderExpr("sum(time_entry.minutes) DESC, request.number DESC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: hours per request of client %d: %w", client.ID, err)
	}
	for i := range rows {
		rows[i].Prefix = client.RequestPrefix
	}
	return rows, nil
}

// PeriodOf returns the bank period containing day for a client, and whether
// it is closed (ended before the period containing now).
func PeriodOf(ctx context.Context, db bun.IDB, clientID int64, day, now time.Time) (BankPeriod, bool, error) {
	client, err := GetClient(ctx, db, clientID)
	if err != nil {
		return BankPeriod{}, false, err
	}
	plan, err := LoadHourPlan(ctx, db, clientID)
	if err != nil {
		return BankPeriod{}, false, err
	}
	cur := plan.PeriodAt(LocalDate(now, LoadLocation(client.Timezone)))
	p := plan.PeriodAt(day)
	return p, p.Index < cur.Index, nil
}

// clientMinutesByRequest sums the time a client sees on each of ids: hidden
// time left out.
func clientMinutesByRequest(ctx context.Context, db bun.IDB, ids []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var sums []struct {
		RequestID int64 `bun:"request_id"`
		Minutes   int   `bun:"minutes"`
	}
	if err := db.NewSelect().Model((*TimeEntry)(nil)).Column("request_id").ColumnExpr("sum(minutes) AS minutes").
		Where("request_id IN (?)", bun.List(ids)).Where("billing <> ?", BillingHidden).
		Group("request_id").Scan(ctx, &sums); err != nil {
		return nil, fmt.Errorf("models: sum time of requests: %w", err)
	}
	for _, s := range sums {
		out[s.RequestID] = s.Minutes
	}
	return out, nil
}

// ClientBalance is one client's current period on the console overview.
type ClientBalance struct {
	ClientID   int64
	ClientName string
	Plan       HourPlan
	Balance    PeriodBalance
	HasBank    bool
}

// Bank is the period's figures.
func (b ClientBalance) Bank() HourBank { return b.Balance.Bank() }

// LeftPercent is what remains of the period's purchase, in percent (below
// zero on overage); a bank with nothing purchased and time used is -100.
func (b ClientBalance) LeftPercent() int {
	p := b.Balance.Purchased()
	if p <= 0 {
		if b.Balance.Used > 0 {
			return -100
		}
		return 0
	}
	return Percent(b.Balance.Remaining(), p)
}

// CurrentBalances is every active client's current period in three
// statements (plans, purchases, daily usage), sorted by who is closest to
// running out: least left (in percent of what was purchased) first, then
// fewest hours left; clients without an hour bank last, by name.
func CurrentBalances(ctx context.Context, db bun.IDB, now time.Time) ([]ClientBalance, error) {
	var rows []struct {
		HourPlan
		Name     string `bun:"name"`
		Timezone string `bun:"timezone"`
	}
	if err := db.NewSelect().Model((*HourPlan)(nil)).
		Column("id", "hour_plan", "monthly_included_minutes", "plan_pooled", "period_start_day", "period_anchor_month",
			"overage_rate", "rollover", "rollover_cap_minutes", "rollover_expiry_periods", "name", "timezone").
		Where("archived_at IS NULL").Order("name").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: hour plans: %w", err)
	}
	var purchases []HourPurchase
	if err := db.NewSelect().Model(&purchases).Where("voided_at IS NULL").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: hour purchases: %w", err)
	}
	blocks := map[int64][]PurchaseBlock{}
	for _, p := range purchases {
		blocks[p.ClientID] = append(blocks[p.ClientID], p.Block())
	}
	var usage []struct {
		ClientID int64     `bun:"client_id"`
		Day      time.Time `bun:"work_date"`
		Minutes  int       `bun:"minutes"`
	}
	// Usage before a generous horizon only: no period is longer than a year,
	// plus the day the clients' dates are ahead of UTC.
	if err := db.NewSelect().Table("time_entry_days").Column("client_id", "work_date", "minutes").
		Where("billing = ?", BillingBillable).Where("entries > 0").Where("work_date < ?", now.AddDate(1, 0, 2)).
		Order("client_id", "work_date").Scan(ctx, &usage); err != nil {
		return nil, fmt.Errorf("models: daily hours: %w", err)
	}
	used := map[int64][]DayUsage{}
	for _, u := range usage {
		used[u.ClientID] = append(used[u.ClientID], DayUsage{Day: time.Date(u.Day.Year(), u.Day.Month(), u.Day.Day(), 0, 0, 0, 0, time.UTC), Minutes: u.Minutes})
	}
	out := make([]ClientBalance, 0, len(rows))
	for _, r := range rows {
		b := ClientBalance{ClientID: r.ClientID, ClientName: r.Name, Plan: r.HourPlan}
		if r.Kind != PlanNone && (r.IncludedMinutes > 0 || len(blocks[r.ClientID]) > 0) {
			cur := r.PeriodAt(LocalDate(now, LoadLocation(r.Timezone)))
			var days []DayUsage
			for _, d := range used[r.ClientID] {
				if d.Day.Before(cur.End) {
					days = append(days, d)
				}
			}
			if l := r.Ledger(blocks[r.ClientID], days, cur); len(l) > 0 {
				b.Balance, b.HasBank = l[len(l)-1], true
			}
		}
		out = append(out, b)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.HasBank != b.HasBank {
			return a.HasBank
		}
		if !a.HasBank {
			return false
		}
		if a.LeftPercent() != b.LeftPercent() {
			return a.LeftPercent() < b.LeftPercent()
		}
		return a.Balance.Remaining() < b.Balance.Remaining()
	})
	return out, nil
}
