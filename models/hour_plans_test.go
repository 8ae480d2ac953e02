package models

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayPtr(s string) *time.Time { d := day(s); return &d }

// TestPeriodAt: month and quarter boundaries, start days, pooled and not.
func TestPeriodAt(t *testing.T) {
	cases := []struct {
		plan       HourPlan
		on         string
		start, end string
	}{
		{HourPlan{Kind: PlanMonthly, StartDay: 1}, "2026-11-30", "2026-11-01", "2026-12-01"},
		{HourPlan{Kind: PlanMonthly, StartDay: 1}, "2026-12-01", "2026-12-01", "2027-01-01"},
		{HourPlan{Kind: PlanMonthly, StartDay: 15}, "2026-11-14", "2026-10-15", "2026-11-15"},
		{HourPlan{Kind: PlanMonthly, StartDay: 15}, "2026-11-15", "2026-11-15", "2026-12-15"},
		{HourPlan{Kind: PlanMonthly, StartDay: 15}, "2027-01-03", "2026-12-15", "2027-01-15"},
		{HourPlan{Kind: PlanMonthly, StartDay: 28}, "2026-03-01", "2026-02-28", "2026-03-28"},
		{HourPlan{Kind: PlanQuarterly, Pooled: true, StartDay: 1, AnchorMonth: 1}, "2026-03-31", "2026-01-01", "2026-04-01"},
		{HourPlan{Kind: PlanQuarterly, Pooled: true, StartDay: 1, AnchorMonth: 1}, "2026-04-01", "2026-04-01", "2026-07-01"},
		{HourPlan{Kind: PlanQuarterly, Pooled: true, StartDay: 1, AnchorMonth: 2}, "2026-01-31", "2025-11-01", "2026-02-01"},
		{HourPlan{Kind: PlanQuarterly, Pooled: true, StartDay: 10, AnchorMonth: 1}, "2026-04-09", "2026-01-10", "2026-04-10"},
		{HourPlan{Kind: PlanQuarterly, Pooled: false, StartDay: 1, AnchorMonth: 1}, "2026-02-10", "2026-02-01", "2026-03-01"},
		{HourPlan{Kind: PlanYearly, Pooled: true, StartDay: 1, AnchorMonth: 7}, "2026-06-30", "2025-07-01", "2026-07-01"},
		{HourPlan{Kind: PlanYearly, Pooled: true, StartDay: 1, AnchorMonth: 7}, "2026-07-01", "2026-07-01", "2027-07-01"},
	}
	for _, c := range cases {
		got := c.plan.PeriodAt(day(c.on))
		if !got.Start.Equal(day(c.start)) || !got.End.Equal(day(c.end)) {
			t.Errorf("%+v at %s = %s..%s, want %s..%s", c.plan, c.on, got.Start.Format(time.DateOnly),
				got.End.Format(time.DateOnly), c.start, c.end)
		}
		if !got.Contains(day(c.on)) {
			t.Errorf("%s not in its own period", c.on)
		}
		if next := c.plan.periodByIndex(got.Index + 1); !next.Start.Equal(got.End) {
			t.Errorf("%s: next period starts %s, want %s", c.on, next.Start, got.End)
		}
	}
}

// TestIncludedIn: a quarter not pooled spreads its hours over its months,
// the first months taking the odd minutes; pooled it is one amount.
func TestIncludedIn(t *testing.T) {
	q := HourPlan{Kind: PlanQuarterly, IncludedMinutes: 600 + 2, StartDay: 1, AnchorMonth: 1}
	var got []int
	for _, m := range []string{"2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05"} {
		got = append(got, q.IncludedIn(q.PeriodAt(day(m))))
	}
	if want := []int{201, 201, 200, 201}; !equalInts(got, want) {
		t.Errorf("not pooled = %v, want %v", got, want)
	}
	q.Pooled = true
	if n := q.IncludedIn(q.PeriodAt(day("2026-02-05"))); n != 602 {
		t.Errorf("pooled = %d, want 602", n)
	}
	if n := (HourPlan{Kind: PlanPrepaid, IncludedMinutes: 600}).IncludedIn(q.PeriodAt(day("2026-02-05"))); n != 0 {
		t.Errorf("prepaid includes %d", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLocalDate: the client's date, across DST changes and midnight.
func TestLocalDate(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		at   string
		loc  *time.Location
		want string
	}{
		// 25 Oct 2026: Berlin leaves summer time (UTC+2 → +1).
		{"2026-10-31T22:59:00Z", berlin, "2026-10-31"},
		{"2026-10-31T23:00:00Z", berlin, "2026-11-01"},
		// In summer time midnight is 22:00 UTC.
		{"2026-06-30T22:00:00Z", berlin, "2026-07-01"},
		// New York springs forward 8 Mar 2026, falls back 1 Nov 2026.
		{"2026-11-01T03:59:00Z", ny, "2026-10-31"},
		{"2026-11-01T04:00:00Z", ny, "2026-11-01"},
		{"2026-12-01T04:59:00Z", ny, "2026-11-30"},
		{"2026-12-01T05:00:00Z", ny, "2026-12-01"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := LocalDate(at, c.loc).Format(time.DateOnly); got != c.want {
			t.Errorf("LocalDate(%s, %s) = %s, want %s", c.at, c.loc, got, c.want)
		}
	}
	// The month a client is in at the end of October UTC is November in Berlin.
	p := HourPlan{Kind: PlanMonthly, StartDay: 1}
	at, _ := time.Parse(time.RFC3339, "2026-10-31T23:30:00Z")
	if got := p.PeriodAt(LocalDate(at, berlin)).Start; !got.Equal(day("2026-11-01")) {
		t.Errorf("period = %s, want November", got)
	}
}

type ledgerWant struct {
	included, rollIn, brought, bought, used, rollOut, lapsed, remaining int
}

func checkLedger(t *testing.T, got []PeriodBalance, want []ledgerWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d periods, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		gw := ledgerWant{g.Included, g.RolloverIn, g.BroughtIn, g.Bought, g.Used, g.RolloverOut, g.Lapsed, g.Remaining()}
		if gw != w {
			t.Errorf("period %d (%s) = %+v, want %+v", i, g.Start.Format(time.DateOnly), gw, w)
		}
	}
}

// TestLedgerRolloverCapped: 10 h a month, up to 4 h rolls over for 2 periods.
func TestLedgerRolloverCapped(t *testing.T) {
	p := HourPlan{Kind: PlanMonthly, IncludedMinutes: 600, StartDay: 1, Rollover: RolloverCapped,
		RolloverCapMinutes: 240, RolloverExpiryPeriods: 2}
	usage := []DayUsage{
		{day("2026-01-10"), 300}, // Jan: 5 h of 10 used, 4 h roll (cap), 1 h lapses
		{day("2026-02-10"), 120}, // Feb: 14 h available, 2 h from rollover: 2 h rollover + 10 h included left; 4 h roll
		{day("2026-03-10"), 0},   // Mar: nothing used: Jan's last 2 h expire after 2 periods (Feb, Mar)
		{day("2026-04-10"), 900}, // Apr: 4+4 rollover + 10 = 18, used 15
	}
	got := p.Ledger(nil, usage, p.PeriodAt(day("2026-04-20")))
	checkLedger(t, got, []ledgerWant{
		{600, 0, 0, 0, 300, 240, 60, 300},
		{600, 240, 0, 0, 120, 240, 360, 720},
		{600, 360, 0, 0, 0, 240, 360 + 120, 960},
		{600, 480, 0, 0, 900, 180, 0, 180},
	})
	// April draws on February's and March's rollover, each usable to its own end.
	parts := got[3].RolloverParts
	if len(parts) != 2 || !parts[0].From.Start.Equal(day("2026-02-01")) || parts[0].Minutes != 240 ||
		!parts[0].Until.Equal(day("2026-04-30")) || !parts[1].From.Start.Equal(day("2026-03-01")) || !parts[1].Until.Equal(day("2026-05-31")) {
		t.Errorf("April's rollover = %+v", parts)
	}
}

// TestLedgerRolloverAllNeverExpires: everything unused rolls, forever.
func TestLedgerRolloverAllNeverExpires(t *testing.T) {
	p := HourPlan{Kind: PlanMonthly, IncludedMinutes: 60, StartDay: 1, Rollover: RolloverAll}
	got := p.Ledger(nil, []DayUsage{{day("2026-01-02"), 30}}, p.PeriodAt(day("2026-03-02")))
	checkLedger(t, got, []ledgerWant{
		{60, 0, 0, 0, 30, 30, 0, 30},
		{60, 30, 0, 0, 0, 60, 0, 90},
		{60, 90, 0, 0, 0, 60, 0, 150},
	})
}

// TestLedgerBlocksExpiryVoids: prepaid blocks carry until used or expired;
// a voided block counts nowhere; usage beyond everything is overage.
func TestLedgerBlocksExpiryVoids(t *testing.T) {
	p := HourPlan{Kind: PlanPrepaid, StartDay: 1}
	blocks := []PurchaseBlock{
		{ID: 1, Minutes: 600, On: day("2026-01-15")},                                // 10 h, no expiry
		{ID: 2, Minutes: 300, On: day("2026-01-20"), Expires: dayPtr("2026-02-28")}, // 5 h until end of Feb
		{ID: 3, Minutes: 6000, On: day("2026-01-20"), Voided: true},
	}
	usage := []DayUsage{{day("2026-01-25"), 120}, {day("2026-03-03"), 60}, {day("2026-04-01"), 900}}
	got := p.Ledger(blocks, usage, p.PeriodAt(day("2026-04-02")))
	checkLedger(t, got, []ledgerWant{
		// Jan: 15 h bought, 2 h used from the expiring block first.
		{0, 0, 0, 900, 120, 0, 0, 780},
		// Feb: 3 h of block 2 lapse at its expiry.
		{0, 0, 780, 0, 0, 0, 180, 780},
		{0, 0, 600, 0, 60, 0, 0, 540},
		// Apr: 15 h used of 9 h: 6 h overage, nothing carried as debt.
		{0, 0, 540, 0, 900, 0, 0, -360},
	})
	if o := got[3].Overage(); o != 360 {
		t.Errorf("overage = %d, want 360", o)
	}
}

// TestLedgerTopUpAndRetainer: a top-up is drawn on after the included hours.
func TestLedgerTopUpAndRetainer(t *testing.T) {
	p := HourPlan{Kind: PlanQuarterly, Pooled: true, IncludedMinutes: 1800, StartDay: 1, AnchorMonth: 1}
	blocks := []PurchaseBlock{{ID: 1, Minutes: 600, On: day("2026-03-20")}}
	usage := []DayUsage{{day("2026-01-10"), 1500}, {day("2026-03-25"), 600}, {day("2026-04-02"), 60}}
	got := p.Ledger(blocks, usage, p.PeriodAt(day("2026-04-02")))
	checkLedger(t, got, []ledgerWant{
		{1800, 0, 0, 600, 2100, 0, 0, 300},
		{1800, 0, 300, 0, 60, 0, 1740, 2040},
	})
}

// TestLedgerNone: no plan, no ledger.
func TestLedgerNone(t *testing.T) {
	p := HourPlan{Kind: PlanNone}
	if got := p.Ledger(nil, []DayUsage{{day("2026-01-01"), 60}}, p.PeriodAt(day("2026-01-01"))); got != nil {
		t.Errorf("ledger of no plan = %v", got)
	}
}
