package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// hourEvents lists the client's hour bank events as kind: detail (actor).
func hourEvents(t *testing.T, db *bun.DB, clientID int64) []string {
	t.Helper()
	var es []models.ActivityEvent
	if err := db.NewSelect().Model(&es).Relation("Actor").Where("activity_event.client_id = ?", clientID).
		Where("activity_event.kind IN (?)", bun.List([]string{models.EventHourPlanChanged, models.EventHoursPurchased,
			models.EventHourPurchaseEdit, models.EventHourPurchaseVoid, models.EventTimeClosedEdited})).
		Order("activity_event.id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		who := "?"
		if e.Actor != nil {
			who = e.Actor.Name
		}
		out = append(out, e.Kind+": "+e.Detail+" ("+who+", "+e.Audience+")")
	}
	return out
}

// TestConsoleHourPlanAndPurchases: staff set a pooled quarterly retainer,
// add a top-up, edit it and void another; the figures follow, the voided
// purchase stays listed struck through, and every change is an event
// naming who made it. The client's Hours page shows the same balance.
func TestConsoleHourPlanAndPurchases(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		today, _ := time.Parse(time.DateOnly, clientToday(t, s.client))
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID) + "/hours"

		resp, body := staff.get(page)
		if resp.StatusCode != http.StatusOK || text(t, body, "#hours-empty") == "" {
			t.Fatalf("GET %s: %d; want the no-bank note", page, resp.StatusCode)
		}

		// The quarter starts this month: 30 h pooled, up to 5 h roll over.
		resp, body = staff.submit(page, page+"/plan", url.Values{"kind": {"quarterly"}, "hours": {"30"}, "pooled": {"1"},
			"start_day": {"1"}, "anchor_month": {strconv.Itoa(int(today.Month()))}, "overage_rate": {"€95 per hour"},
			"rollover": {"capped"}, "rollover_cap": {"5"}, "rollover_expiry": {"2"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("save plan: %d %s", resp.StatusCode, body)
		}
		plan, err := models.LoadHourPlan(ctx, db, s.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Kind != models.PlanQuarterly || plan.IncludedMinutes != 1800 || !plan.Pooled || plan.RolloverCapMinutes != 300 ||
			plan.RolloverExpiryPeriods != 2 || plan.OverageRate != "€95 per hour" {
			t.Fatalf("plan = %+v", plan)
		}

		add := func(hours, on, ref string) {
			t.Helper()
			if resp, body := staff.submit(page, page+"/purchases", url.Values{"hours": {hours}, "on": {on},
				"reference": {ref}, "note": {"Top-up"}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("add purchase: %d %s", resp.StatusCode, body)
			}
		}
		add("10", today.Format(time.DateOnly), "INV-1")
		add("4", today.Format(time.DateOnly), "INV-2")
		ps, _ := models.ListPurchases(ctx, db, s.client.ID)
		if len(ps) != 2 {
			t.Fatalf("%d purchases", len(ps))
		}
		edit := page + "/purchases/" + itoa(ps[0].ID)
		if resp, body := staff.submit(edit, edit, url.Values{"hours": {"12.5"}, "on": {today.Format(time.DateOnly)},
			"reference": {"INV-1b"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("edit purchase: %d %s", resp.StatusCode, body)
		}
		void := page + "/purchases/" + itoa(ps[1].ID)
		if resp, body := staff.submit(void, void+"/void", url.Values{"reason": {"Entered twice"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("void purchase: %d %s", resp.StatusCode, body)
		}
		// A voided purchase can no longer be edited.
		if resp, _ := staff.submit(page, void, url.Values{"hours": {"1"}, "on": {today.Format(time.DateOnly)}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("edit of a voided purchase: %d, want 422", resp.StatusCode)
		}

		r := newRequest(t, db, s.clientUser, "Printer jam")
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 120, today)

		_, body = staff.get(page)
		for sel, want := range map[string]string{
			"#hours-purchased": "42.5 h", "#hours-used": "2 h", "#hours-remaining": "40.5 h", "#hours-bought": "12.5 h",
		} {
			if got := text(t, body, sel); got != want {
				t.Errorf("console %s = %q, want %q", sel, got, want)
			}
		}
		d := doc(t, body)
		voided := d.Find(`#purchase-list tr[data-purchase="` + itoa(ps[1].ID) + `"]`)
		if !voided.HasClass("voided") || voided.Find("del").Length() == 0 || !strings.Contains(voided.Text(), "Entered twice") {
			t.Errorf("voided row = %q, want it struck through with its reason", voided.Text())
		}
		if !strings.Contains(text(t, body, "#plan-summary"), "Quarterly retainer, 30 h per quarter (pooled)") {
			t.Errorf("plan summary = %q", text(t, body, "#plan-summary"))
		}

		events := hourEvents(t, db, s.client.ID)
		want := []string{
			"hour_plan_changed: Quarterly retainer, 30 h per quarter (pooled); up to 5 h rolls over for 2 periods; periods start on day 1; overage €95 per hour (Ada Admin, staff)",
			"hours_purchased: 10 h bought " + today.Format("2 Jan 2006") + " (INV-1) (Ada Admin, public)",
			"hours_purchased: 4 h bought " + today.Format("2 Jan 2006") + " (INV-2) (Ada Admin, public)",
			"hour_purchase_edited: 10 h bought " + today.Format("2 Jan 2006") + " (INV-1) → 12.5 h bought " + today.Format("2 Jan 2006") + " (INV-1b) (Ada Admin, public)",
			"hour_purchase_voided: 4 h bought " + today.Format("2 Jan 2006") + " (INV-2) voided: Entered twice (Ada Admin, public)",
		}
		if strings.Join(events, "\n") != strings.Join(want, "\n") {
			t.Errorf("events:\n%s\nwant:\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
		}

		a := staff.browser()
		a.signIn(s.clientUser.Email, testPassword)
		_, body = a.get("/hours")
		for sel, want := range map[string]string{"#hours-purchased": "42.5 h", "#hours-used": "2 h", "#hours-remaining": "40.5 h"} {
			if got := text(t, body, sel); got != want {
				t.Errorf("portal %s = %q, want %q", sel, got, want)
			}
		}
	})
}

// TestConsoleHourPlanBadInput: each bad field gets its message beside it,
// 422, and nothing is saved.
func TestConsoleHourPlanBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID) + "/hours"
		resp, body := staff.submit(page, page+"/plan", url.Values{"kind": {"weekly"}, "hours": {"-3"}, "start_day": {"31"},
			"anchor_month": {"13"}, "rollover": {"capped"}, "rollover_cap": {"x"}, "rollover_expiry": {"-1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad plan: %d, want 422", resp.StatusCode)
		}
		for _, f := range []string{"kind", "hours", "start_day", "anchor_month", "rollover_cap", "rollover_expiry"} {
			if text(t, body, "#"+f+"-error") == "" {
				t.Errorf("no message beside %s", f)
			}
		}
		plan, _ := models.LoadHourPlan(ctx, db, s.client.ID)
		if plan.Kind != models.PlanMonthly || plan.StartDay != 1 {
			t.Errorf("plan changed: %+v", plan)
		}
		resp, body = staff.submit(page, page+"/purchases", url.Values{"hours": {"0"}, "on": {"2026-13-01"},
			"expires": {"2020-01-01"}, "reference": {"a\nb"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad purchase: %d, want 422", resp.StatusCode)
		}
		for _, f := range []string{"hours", "on", "reference"} {
			if text(t, body, "#"+f+"-error") == "" {
				t.Errorf("no message beside purchase %s", f)
			}
		}
		resp, body = staff.submit(page, page+"/purchases", url.Values{"hours": {"3"}, "on": {"2026-11-01"}, "expires": {"2026-10-01"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#expires-error"), "before the date bought") {
			t.Errorf("expiry before purchase: %d %q", resp.StatusCode, text(t, body, "#expires-error"))
		}
		if ps, _ := models.ListPurchases(ctx, db, s.client.ID); len(ps) != 0 {
			t.Errorf("%d purchases saved from bad input", len(ps))
		}
		// Another client's purchase id is 404; a bad period is 404.
		if resp, _ := staff.get(page + "/purchases/999"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown purchase: %d", resp.StatusCode)
		}
		if resp, _ := staff.get(page + "?period=1999-01-01"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown period: %d", resp.StatusCode)
		}
		// Agents without CSRF token are refused.
		if resp, _ := staff.post(page+"/plan", url.Values{"kind": {"none"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("plan without CSRF: %d, want 403", resp.StatusCode)
		}
	})
}

// TestTimeBillingAndClosedPeriod: time not charged is counted apart (and
// hidden time not shown to the client at all); changing time in a closed
// period asks for confirmation, then is recorded.
func TestTimeBillingAndClosedPeriod(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 600)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		day := clientToday(t, s.client)
		page := "/console/requests/" + itoa(r.ID)
		for _, b := range []string{"billable", "not_charged", "hidden"} {
			if resp, body := staff.submit(page, page+"/time", url.Values{"duration": {"60"}, "date": {day}, "billing": {b}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("log %s: %d %s", b, resp.StatusCode, body)
			}
		}
		if resp, body := staff.submit(page, page+"/time", url.Values{"duration": {"60"}, "date": {day}, "billing": {"free"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			text(t, body, "#billing-error") == "" {
			t.Errorf("unknown billing: %d", resp.StatusCode)
		}
		_, body := staff.get(page)
		if got := doc(t, body).Find("#time-entries .badge").Length(); got != 2 {
			t.Errorf("%d not-charged badges in the console, want 2", got)
		}

		a := staff.browser()
		a.signIn(s.clientUser.Email, testPassword)
		_, body = a.get("/hours")
		if got := text(t, body, "#hours-used"); got != "1 h" {
			t.Errorf("used = %q, want 1 h (billable only)", got)
		}
		if got := text(t, body, "#hours-not-charged"); got != "1 h" {
			t.Errorf("not charged = %q, want 1 h (hidden left out)", got)
		}

		// An entry last period: the period is closed.
		today, _ := time.Parse(time.DateOnly, day)
		last := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -3)
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 90, last)
		var e models.TimeEntry
		if err := db.NewSelect().Model(&e).Where("work_date = ?", last).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		edit := page + "/time/" + itoa(e.ID)
		resp, body := staff.get(edit)
		if resp.StatusCode != http.StatusOK || doc(t, body).Find(`#closed-period input[name="confirm_closed"]`).Length() != 1 {
			t.Fatalf("edit page of closed-period time: %d, no confirmation asked", resp.StatusCode)
		}
		form := url.Values{"duration": {"30"}, "date": {last.Format(time.DateOnly)}, "billing": {"billable"}}
		resp, body = staff.submit(edit, edit, form)
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#confirm_closed-error") == "" {
			t.Fatalf("unconfirmed closed-period edit: %d", resp.StatusCode)
		}
		var again models.TimeEntry
		_ = db.NewSelect().Model(&again).Where("id = ?", e.ID).Scan(ctx)
		if again.Minutes != 90 {
			t.Errorf("entry changed without confirmation: %d min", again.Minutes)
		}
		form.Set("confirm_closed", "1")
		if resp, body := staff.submit(edit, edit, form); resp.StatusCode != http.StatusOK {
			t.Fatalf("confirmed edit: %d %s", resp.StatusCode, body)
		}
		_ = db.NewSelect().Model(&again).Where("id = ?", e.ID).Scan(ctx)
		if again.Minutes != 30 {
			t.Errorf("entry = %d min, want 30", again.Minutes)
		}
		ev := hourEvents(t, db, s.client.ID)
		if len(ev) != 1 || !strings.HasPrefix(ev[0], "time_closed_edited: 1.5 h on "+last.Format("2 Jan 2006")+" → 0.5 h on ") ||
			!strings.HasSuffix(ev[0], "(Ada Admin, staff)") {
			t.Errorf("closed-period events = %v", ev)
		}
	})
}
