package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// summaryBank is a client with an hour bank and time in three months:
// September, October and November 2026 (Berlin time).
type summaryBank struct {
	admin  *models.User
	client *models.Client
	req    *models.Request
}

func seedSummaryBank(t *testing.T, db *bun.DB, slug string, plan models.HourPlan) summaryBank {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC)
	admin := &models.User{Role: models.RoleAdmin, Email: "ada-" + slug + "@northwind.test", Name: "Ada", SignupMethod: "setup",
		CreatedAt: at, UpdatedAt: at}
	insert(t, db, admin)
	c := &models.Client{Name: slug, Slug: slug, RequestPrefix: "ACME", Timezone: "Europe/Berlin", NextRequestNumber: 2,
		CreatedAt: at, UpdatedAt: at}
	insert(t, db, c)
	plan.ClientID = c.ID
	if err := models.SaveHourPlan(ctx, db, admin, plan); err != nil {
		t.Fatal(err)
	}
	r := &models.Request{ClientID: c.ID, Number: 1, Title: "Work", Urgency: models.UrgencyNormal, Status: models.StatusInProgress,
		CreatedAt: at, UpdatedAt: at}
	insert(t, db, r)
	return summaryBank{admin: admin, client: c, req: r}
}

func insert(t *testing.T, db bun.IDB, model any) {
	t.Helper()
	if _, err := db.NewInsert().Model(model).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (w summaryBank) entry(t *testing.T, db bun.IDB, on string, minutes int, billing string) *models.TimeEntry {
	t.Helper()
	d := mustDay(on)
	e := &models.TimeEntry{ClientID: w.client.ID, RequestID: w.req.ID, StaffID: w.admin.ID, Minutes: minutes, WorkDate: d,
		Billing: billing, CreatedAt: d, UpdatedAt: d}
	insert(t, db, e)
	return e
}

func (w summaryBank) purchase(t *testing.T, db bun.IDB, on string, minutes int) *models.HourPurchase {
	t.Helper()
	p, err := models.AddPurchase(context.Background(), db, w.admin, w.client.ID, models.PurchaseInput{Minutes: minutes, On: mustDay(on)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// sameFigures fails unless the summary's hour bank is the Hours page's.
func sameFigures(t *testing.T, sum *models.MonthlySummary, o models.HoursOverview) {
	t.Helper()
	b := o.Balance
	if !sum.HasBank || !sum.PeriodStart.Equal(b.Start) || !sum.PeriodEnd.Equal(b.End) {
		t.Fatalf("summary period %v..%v, Hours page %v..%v", sum.PeriodStart, sum.PeriodEnd, b.Start, b.End)
	}
	got := []int{sum.Purchased(), sum.Used, sum.Remaining(), sum.Overage(), sum.Included, sum.RolloverIn, sum.BroughtIn, sum.Bought, sum.NotCharged}
	want := []int{o.Bank.PurchasedMinutes, o.Bank.UsedMinutes, o.Bank.RemainingMinutes(), o.OverMinutes(), b.Included, b.RolloverIn, b.BroughtIn, b.Bought, o.NotCharged}
	names := []string{"purchased", "used", "remaining", "overage", "included", "rollover in", "brought in", "bought", "not charged"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: summary %d, Hours page %d", names[i], got[i], want[i])
		}
	}
}

// TestSummaryHoursMatchHoursPage: the monthly summary's purchased (with
// top-ups and rollover), used, remaining or overage and not-charged time
// are the Hours page's for the same period, on both databases; and they are
// the hand-computed ones, so a shared mistake fails too.
func TestSummaryHoursMatchHoursPage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryBank(t, db, "acme", models.HourPlan{Kind: models.PlanMonthly, IncludedMinutes: 600, StartDay: 1, AnchorMonth: 1,
			OverageRate: "€95 per hour", Rollover: models.RolloverCapped, RolloverCapMinutes: 120})
		// September: 7 h of 10 used, 2 h (the cap) roll into October.
		w.entry(t, db, "2026-09-10", 420, models.BillingBillable)
		// October: 10 h included + 2 h rolled over + a 5 h top-up (and a
		// voided 8 h one); 18 h billable used, so 1 h over.
		w.purchase(t, db, "2026-10-12", 300)
		voided := w.purchase(t, db, "2026-10-13", 480)
		if err := models.VoidPurchase(ctx, db, w.admin, w.client.ID, voided.ID, "entered twice"); err != nil {
			t.Fatal(err)
		}
		w.entry(t, db, "2026-10-01", 600, models.BillingBillable)
		w.entry(t, db, "2026-10-31", 480, models.BillingBillable)
		w.entry(t, db, "2026-10-20", 45, models.BillingNotCharged)
		w.entry(t, db, "2026-10-21", 30, models.BillingHidden) // not the client's to see
		// November's time does not reach October.
		w.entry(t, db, "2026-11-01", 90, models.BillingBillable)
		w.purchase(t, db, "2026-11-02", 600)
		// Questions: one open at the end of October, one answered in it,
		// one asked in November.
		e1 := w.entry(t, db, "2026-10-02", 5, models.BillingHidden)
		e2 := w.entry(t, db, "2026-10-03", 5, models.BillingHidden)
		e3 := w.entry(t, db, "2026-10-04", 5, models.BillingHidden)
		closed := time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC)
		for _, q := range []*models.TimeQuestion{
			{ClientID: w.client.ID, TimeEntryID: e1.ID, OpenedBy: w.admin.ID, Status: models.QuestionOpen, CreatedAt: time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)},
			{ClientID: w.client.ID, TimeEntryID: e2.ID, OpenedBy: w.admin.ID, Status: models.QuestionAnswered, CreatedAt: time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC), ClosedAt: &closed},
			// 31 Oct 23:30 UTC is 1 Nov in Berlin: November's.
			{ClientID: w.client.ID, TimeEntryID: e3.ID, OpenedBy: w.admin.ID, Status: models.QuestionOpen, CreatedAt: time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC)},
		} {
			insert(t, db, q)
		}

		sum, created, err := models.BuildMonthlySummary(ctx, db, w.client.ID, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || !created {
			t.Fatalf("build: %v created=%v", err, created)
		}
		o, ok, err := models.ClientHours(ctx, db, w.client.ID, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC), mustDay("2026-10-01"), false)
		if err != nil || !ok {
			t.Fatalf("hours: %v %v", err, ok)
		}
		sameFigures(t, sum, o)
		if sum.Purchased() != 600+120+300 || sum.Used != 1080 || sum.Overage() != 60 || sum.NotCharged != 45 || sum.RolloverIn != 120 || sum.Bought != 300 {
			t.Errorf("October by hand: purchased 1020, used 1080, overage 60, not charged 45; got %+v", sum.SummaryHours)
		}
		if sum.OpenQuestions != 1 || sum.OverageRate != "€95 per hour" || sum.PeriodRunsOn(sum.Month) {
			t.Errorf("open questions %d (want 1), rate %q, runs on %v", sum.OpenQuestions, sum.OverageRate, sum.PeriodRunsOn(sum.Month))
		}
		if sum.MinutesUsed != 1080 {
			t.Errorf("hours logged in October %d, want 1080", sum.MinutesUsed)
		}

		// A rebuild after a late entry replaces the figures on the same row.
		w.entry(t, db, "2026-10-15", 60, models.BillingBillable)
		again, created, err := models.RebuildMonthlySummary(ctx, db, w.client.ID, sum.Month)
		if err != nil || created || again.ID != sum.ID || again.Used != 1140 {
			t.Fatalf("rebuild: %v created=%v id %d→%d used %d (want 1140)", err, created, sum.ID, again.ID, again.Used)
		}
		o, _, err = models.ClientHours(ctx, db, w.client.ID, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC), mustDay("2026-10-01"), false)
		if err != nil {
			t.Fatal(err)
		}
		sameFigures(t, again, o)
	})
}

// TestSummaryHoursQuarter: a pooled quarter. The summary of its last month
// is the quarter's Hours page; that of its first month shows the quarter so
// far, to the month's end.
func TestSummaryHoursQuarter(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryBank(t, db, "globex", models.HourPlan{Kind: models.PlanQuarterly, Pooled: true, IncludedMinutes: 1800,
			StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverOff})
		w.entry(t, db, "2026-10-05", 300, models.BillingBillable)
		w.entry(t, db, "2026-11-05", 600, models.BillingBillable)
		w.entry(t, db, "2026-12-30", 120, models.BillingNotCharged)
		w.purchase(t, db, "2026-12-01", 240)

		oct, _, err := models.BuildMonthlySummary(ctx, db, w.client.ID, mustDay("2026-10-01"))
		if err != nil {
			t.Fatal(err)
		}
		if !oct.PeriodRunsOn(oct.Month) || oct.Used != 300 || oct.Purchased() != 1800 || oct.PeriodText() != "1 Oct – 31 Dec 2026" {
			t.Errorf("October of the quarter: runs on %v, used %d (want 300), purchased %d (want 1800), %q",
				oct.PeriodRunsOn(oct.Month), oct.Used, oct.Purchased(), oct.PeriodText())
		}
		dec, _, err := models.BuildMonthlySummary(ctx, db, w.client.ID, mustDay("2026-12-01"))
		if err != nil {
			t.Fatal(err)
		}
		o, ok, err := models.ClientHours(ctx, db, w.client.ID, time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC), mustDay("2026-10-01"), false)
		if err != nil || !ok {
			t.Fatalf("hours: %v %v", err, ok)
		}
		sameFigures(t, dec, o)
		if dec.Purchased() != 2040 || dec.Used != 900 || dec.Remaining() != 1140 || dec.NotCharged != 120 || dec.PeriodRunsOn(dec.Month) {
			t.Errorf("December by hand: purchased 2040, used 900, remaining 1140, not charged 120; got %+v", dec.SummaryHours)
		}
	})
}
