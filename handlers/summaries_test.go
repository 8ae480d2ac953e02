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

// seedSummaries gives Acme (a client since August 2026, ten hours a month)
// summaries of September and October with time in October, and Globex a
// September summary of its own.
func seedSummaries(t *testing.T, db *bun.DB, s seed) *models.Client {
	t.Helper()
	ctx := context.Background()
	summer := time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC)
	if _, err := db.NewUpdate().Model((*models.Client)(nil)).Set("created_at = ?", summer).Where("id = ?", s.client.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := models.SaveHourPlan(ctx, db, s.admin, models.HourPlan{ClientID: s.client.ID, Kind: models.PlanMonthly,
		IncludedMinutes: 600, StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverOff}); err != nil {
		t.Fatal(err)
	}
	r := newRequest(t, db, s.clientUser, "Printer jam")
	insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 90, time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC))
	insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 30, time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC))
	globex := &models.Client{Name: "Globex", Slug: "globex", RequestPrefix: "GLOB", Timezone: "UTC", NextRequestNumber: 1,
		CreatedAt: summer, UpdatedAt: summer}
	if _, err := db.NewInsert().Model(globex).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		id int64
		m  time.Month
	}{{s.client.ID, time.September}, {s.client.ID, time.October}, {globex.ID, time.August}} {
		if _, _, err := models.BuildMonthlySummary(ctx, db, b.id, time.Date(2026, b.m, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	return globex
}

// The client's summary page: the hour bank as the Hours page has it for
// the same period, the 12-month trend as an accessible SVG with a table
// beside it; another client's month and a bad month are not found.
func TestSummaryPage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		seedSummaries(t, db, s)
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)

		resp, body := a.get("/reports/summaries/2026-10")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET summary: %d", resp.StatusCode)
		}
		_, hoursBody := a.get("/hours?period=2026-10-01")
		for summarySel, hoursSel := range map[string]string{"#summary-purchased": "#hours-purchased",
			"#summary-used": "#hours-used", "#summary-remaining": "#hours-remaining"} {
			if got, want := text(t, body, summarySel), text(t, hoursBody, hoursSel); got != want || got == "" {
				t.Errorf("%s = %q, the Hours page's %s = %q", summarySel, got, hoursSel, want)
			}
		}
		for sel, want := range map[string]string{"h1": "Summary for October 2026", "#summary-used": "1.5 h",
			"#summary-purchased": "10 h", "#summary-remaining": "8.5 h", "#summary-bank-period": "Period 1 Oct – 31 Oct 2026",
			"#trend-svg title": "Requests and hours, last 12 months"} {
			if got := text(t, body, sel); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		d := doc(t, body)
		svg := d.Find("svg#trend-svg")
		if role, _ := svg.Attr("role"); role != "img" {
			t.Errorf("chart role = %q", role)
		}
		if by, _ := svg.Attr("aria-labelledby"); by != "trend-title trend-desc" || d.Find("#trend-desc").Text() == "" {
			t.Errorf("chart not labelled: %q", by)
		}
		if n := svg.Find("rect").Length(); n != 24 {
			t.Errorf("%d bars, want 12 months × 2 series", n)
		}
		rows := d.Find("#summary-trend-table tbody tr")
		if rows.Length() != 12 {
			t.Fatalf("%d trend rows, want 12", rows.Length())
		}
		if got := cells(rows.Last()); got != "Oct 2026|0|0|1.5 h" {
			t.Errorf("October row = %q", got)
		}
		if got := cells(rows.Eq(10)); got != "Sep 2026|0|0|0.5 h" {
			t.Errorf("September row = %q", got)
		}
		if got := cells(rows.First()); got != "Nov 2025|No summary" {
			t.Errorf("first row = %q", got)
		}
		if d.Find("[style]").Length() != 0 {
			t.Error("inline style on the summary page (the CSP forbids them)")
		}
		// The month's resolved requests are listed with their resolution
		// (escaped), as the e-mail lists them; a month without any has no list.
		if d.Find("#summary-resolved-list").Length() != 0 {
			t.Error("a resolved list before anything was resolved")
		}
		if _, err := db.NewUpdate().Table("requests").Set("status = ?", models.StatusCompleted).
			Set("completed_at = ?", time.Date(2026, 10, 9, 10, 0, 0, 0, time.UTC)).Set("resolution = ?", "Cleared the <jam> in tray 2.").
			Where("client_id = ?", s.client.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, body = a.get("/reports/summaries/2026-10")
		if got := text(t, body, "#summary-resolved-list li"); got != "ACME-1 Printer jamCleared the <jam> in tray 2." {
			t.Errorf("resolved list = %q", got)
		}
		if _, sep := a.get("/reports/summaries/2026-09"); doc(t, sep).Find("#summary-resolved-list").Length() != 0 {
			t.Error("September lists October's resolution")
		}
		// Reports links each month to its page.
		if _, reports := a.get("/reports"); doc(t, reports).Find(`a[href="/reports/summaries/2026-10"]`).Length() != 1 {
			t.Error("Reports does not link October's summary")
		}
		// Globex's August exists; Acme has no August: not found, as is a bad month.
		for _, path := range []string{"/reports/summaries/2026-08", "/reports/summaries/2026-13", "/reports/summaries/october"} {
			if resp, _ := a.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

// Staff list a client's summaries on its Hours page, preview one as the
// client sees it and resend it after confirming: a POST with CSRF that
// mails the summary recipients (a real SMTP server), records each delivery
// and an activity event naming who did it. Client users cannot.
func TestSummaryPreviewAndResend(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		seedSummaries(t, db, s)
		a := newAuthApp(t, db, nil)
		staff := a.app
		staff.signIn(s.admin.Email, testPassword)
		hoursPage := "/console/clients/" + itoa(s.client.ID) + "/hours"
		base := "/console/clients/" + itoa(s.client.ID) + "/summaries/2026-10"

		_, body := staff.get(hoursPage)
		d := doc(t, body)
		if n := d.Find("#summary-list tbody tr").Length(); n != 2 {
			t.Fatalf("%d summaries listed, want September and October", n)
		}
		row := d.Find(`#summary-list tr[data-month="2026-10"]`)
		if row.Find(`a[href="`+base+`"]`).Length() != 1 || row.Find(`a[href="`+base+`/resend"]`).Length() != 1 {
			t.Fatalf("October row lacks Preview and Resend: %s", row.Text())
		}

		resp, preview := staff.get(base)
		if resp.StatusCode != http.StatusOK || text(t, preview, "#summary-used") != "1.5 h" || doc(t, preview).Find("svg#trend-svg").Length() != 1 {
			t.Fatalf("preview: %d used %q", resp.StatusCode, text(t, preview, "#summary-used"))
		}
		if resp, _ := staff.get("/console/clients/" + itoa(s.client.ID) + "/summaries/2026-07"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("preview of a month never built: %d", resp.StatusCode)
		}

		resp, confirm := staff.get(base + "/resend")
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, confirm, "#confirm-consequence"), "carol@acme.test") {
			t.Fatalf("confirmation: %d %q", resp.StatusCode, text(t, confirm, "#confirm-consequence"))
		}
		// Without the CSRF token nothing is sent.
		if resp, _ := staff.post(base+"/resend", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without CSRF: %d, want 403", resp.StatusCode)
		}
		if a.smtp.Count("carol@acme.test") != 0 {
			t.Fatal("mailed without a CSRF token")
		}
		resp, body = staff.submit(base+"/resend", base+"/resend", url.Values{})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != hoursPage {
			t.Fatalf("resend: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if !strings.Contains(body, "Summary for October 2026 sent to 1 recipient.") {
			t.Errorf("no confirmation flash:\n%s", text(t, body, "main"))
		}
		if a.smtp.Count("carol@acme.test") != 1 {
			t.Fatalf("carol got %d mails, want 1", a.smtp.Count("carol@acme.test"))
		}
		m := a.smtp.Messages()[0]
		if m.Subject != "Acme Corp: your summary for October 2026" || !strings.Contains(m.Text, "/reports/summaries/2026-10") {
			t.Errorf("mail %q:\n%s", m.Subject, m.Text)
		}
		sum, err := models.GetMonthlySummary(ctx, db, s.client.ID, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		delivered, err := models.SummaryDeliveredTo(ctx, db, sum.ID, sum.MailRound)
		if err != nil || !delivered["carol@acme.test"] || sum.EmailedAt == nil {
			t.Errorf("delivery not recorded: %v %v emailed %v", delivered, err, sum.EmailedAt)
		}
		var ev models.ActivityEvent
		if err := db.NewSelect().Model(&ev).Where("client_id = ? AND kind = ?", s.client.ID, models.EventSummaryResent).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ev.ActorID == nil || *ev.ActorID != s.admin.ID || ev.Detail != "October 2026" {
			t.Errorf("resend event %+v", ev)
		}

		// The client's people cannot reach any of it.
		carol := staff.browser()
		carol.signIn(s.clientUser.Email, testPassword)
		for _, path := range []string{base, base + "/resend"} {
			if resp, _ := carol.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("client user GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

// cells is a table row's cells' texts, joined by "|".
func cells(row *goquery.Selection) string {
	return strings.Join(row.Find("th, td").Map(func(_ int, c *goquery.Selection) string { return strings.TrimSpace(c.Text()) }), "|")
}
