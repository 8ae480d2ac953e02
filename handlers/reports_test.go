package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func reportEvent(t *testing.T, db *bun.DB, e models.ActivityEvent) {
	t.Helper()
	if err := models.RecordEvent(context.Background(), db, &e); err != nil {
		t.Fatal(err)
	}
}

func storeSummary(t *testing.T, db *bun.DB, s models.MonthlySummary) {
	t.Helper()
	s.BuiltAt = models.Now()
	if _, err := db.NewInsert().Model(&s).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestReportsShowOwnSummariesAndActivity(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		post(t, db, r, s.admin, "Checking the tray.", true) // internal note: staff only
		reportEvent(t, db, models.ActivityEvent{ClientID: s.client.ID, RequestID: &r.ID, Kind: models.EventSLAChanged, Audience: models.AudiencePublic, Detail: "yellow green"})
		reportEvent(t, db, models.ActivityEvent{ClientID: other.client.ID, RequestID: &other.request.ID, ActorID: &other.user.ID,
			Kind: models.EventRequestSubmitted, Audience: models.AudiencePublic})

		storeSummary(t, db, models.MonthlySummary{ClientID: s.client.ID, Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			RequestsSubmitted: 3, RequestsResolved: 2, MinutesUsed: 90, SLAMet: 1, SLADecided: 2})
		if _, _, err := models.BuildMonthlySummary(ctx, db, s.client.ID, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		storeSummary(t, db, models.MonthlySummary{ClientID: other.client.ID, Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			RequestsSubmitted: 77, MinutesUsed: 12345, SLAMet: 3, SLADecided: 9})
		storeSummary(t, db, models.MonthlySummary{ClientID: other.client.ID, Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})

		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		resp, body := a.get("/reports")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /reports: %d\n%s", resp.StatusCode, body)
		}
		d := doc(t, body)
		if d.Find(`nav.nav-wide a[href="/reports"][aria-current="page"]`).Length() != 1 {
			t.Error("Reports is not the current navigation entry")
		}

		rows := d.Find("#summary-table tbody tr")
		var months []string
		rows.Each(func(_ int, tr *goquery.Selection) { months = append(months, tr.AttrOr("data-month", "")) })
		if strings.Join(months, ",") != "October 2026,September 2026" {
			t.Fatalf("summaries listed %v, want Acme's October then September", months)
		}
		oct := rows.First()
		if got := strings.TrimSpace(oct.Find(".summary-hours span").Text()); got != "1.5 h" {
			t.Errorf("October hours %q", got)
		}
		if got := strings.TrimSpace(oct.Find(".summary-sla span").Text()); got != "50 % (1 of 2)" {
			t.Errorf("October SLA %q", got)
		}
		if p := oct.Find("progress.meter"); p.Length() != 2 || p.First().AttrOr("value", "") != "90" || p.Last().AttrOr("value", "") != "50" {
			t.Errorf("October charts: %d meters", p.Length())
		}
		if got := rows.Last().Find(".summary-sla").Text(); !strings.Contains(got, "No targets decided") {
			t.Errorf("September SLA %q", got)
		}
		if d.Find("[style]").Length() != 0 || d.Find("main script").Length() != 0 {
			t.Error("Reports uses inline style or script")
		}

		history := text(t, body, "#activity-history")
		for _, want := range []string{"Carol Client submitted “Printer jam”", "Monthly summary for September 2026 is ready"} {
			if !strings.Contains(history, want) {
				t.Errorf("history lacks %q:\n%s", want, history)
			}
		}
		if strings.Contains(history, "internal note") || strings.Contains(body, "yellow green") {
			t.Errorf("history shows staff-only or SLA colour events:\n%s", history)
		}
		if m := contains(body, append(foreignMarkers, "205.75 h", "November 2026")...); m != "" {
			t.Errorf("Reports shows another client's data: %q", m)
		}
		if m := contains(text(t, body, "#summaries"), "77", "3 of 9"); m != "" {
			t.Errorf("summaries show another client's figures: %q", m)
		}
	})
}

func TestReportsDateFilter(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		submitAs(t, db, s.clientUser, "Printer jam")
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		paris, _ := time.LoadLocation("Europe/Paris")
		today := models.Now().In(paris).Format(time.DateOnly) // the app's clock (PORTAL_TEST_CLOCK)

		_, body := a.get("/reports?" + url.Values{"from": {today}, "to": {today}}.Encode())
		if !strings.Contains(text(t, body, "#activity-history"), "Printer jam") {
			t.Errorf("today's activity missing from today's range")
		}
		resp, body := a.get("/reports?from=2020-01-01&to=2020-01-31")
		if resp.StatusCode != http.StatusOK || doc(t, body).Find("#activity-history").Length() != 0 ||
			!strings.Contains(text(t, body, "#activity-empty"), "in this date range") {
			t.Errorf("January 2020 is not empty: %d\n%s", resp.StatusCode, body)
		}

		for _, bad := range []struct{ query, field, message string }{
			{"from=2026-13-40", "from", "Enter a date such as"},
			{"from=yesterday&to=2026-11-01", "from", "Enter a date such as"},
			{"to=01/11/2026", "to", "Enter a date such as"},
			{"from=2026-11-10&to=2026-11-01", "to", "on or after the start date"},
		} {
			resp, body := a.get("/reports?" + bad.query)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", bad.query, resp.StatusCode)
				continue
			}
			field := doc(t, body).Find("#" + bad.field).Closest(".field")
			if !field.HasClass("has-error") || !strings.Contains(field.Find(".field-error").Text(), bad.message) {
				t.Errorf("%s: no message %q beside %s", bad.query, bad.message, bad.field)
			}
		}
		// htmx gets the same 422, as the content fragment.
		if resp, _ := a.get("/reports?from=nope", "HX-Request", "true"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("htmx bad date: %d", resp.StatusCode)
		}
	})
}

func TestReportsActivityIsPaginatedNewestFirst(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		for m := 1; m <= models.DefaultPerPage+5; m++ {
			reportEvent(t, db, models.ActivityEvent{ClientID: s.client.ID, Kind: models.EventSummaryBuilt, Audience: models.AudiencePublic,
				Detail: time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("January 2006")})
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/reports")
		d := doc(t, body)
		items := d.Find("#activity-history li")
		if items.Length() != models.DefaultPerPage {
			t.Fatalf("page 1 lists %d events", items.Length())
		}
		if !strings.Contains(items.First().Text(), "June 2026") { // the 30th month from January 2024
			t.Errorf("newest first: page starts with %q", items.First().Text())
		}
		next, ok := d.Find(`.pagination a[rel="next"]`).Attr("href")
		if !ok {
			t.Fatal("no next page link")
		}
		_, body = a.get(next)
		items = doc(t, body).Find("#activity-history li")
		if items.Length() != 5 || !strings.Contains(items.Last().Text(), "January 2024") {
			t.Errorf("page 2 lists %d events, last %q", items.Length(), items.Last().Text())
		}
	})
}
