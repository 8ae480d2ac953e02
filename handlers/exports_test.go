package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// insertEntry logs time with a billing on a date (YYYY-MM-DD).
func insertEntry(t *testing.T, db *bun.DB, clientID, requestID, staffID int64, minutes int, date, billing, note string) {
	t.Helper()
	d, _ := time.Parse(time.DateOnly, date)
	e := &models.TimeEntry{ClientID: clientID, RequestID: requestID, StaffID: staffID, Minutes: minutes, WorkDate: d,
		Billing: billing, Note: note, CreatedAt: models.Now(), UpdatedAt: models.Now()}
	if _, err := db.NewInsert().Model(e).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCSVExports: the period's time entries, activity history and monthly
// summaries against hand-computed files, in the client's zone (Paris, over
// the night summer time ends), hidden time and staff-only events left out,
// formula cells neutralised; staff get the same file for any client.
func TestCSVExports(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db) // Acme, Europe/Paris
		other := seedOtherClient(t, db)
		r1 := newRequest(t, db, s.clientUser, `=HYPERLINK("http://x")`)
		r2 := newRequest(t, db, s.clientUser, "+Printer")
		insertEntry(t, db, s.client.ID, r1.ID, s.admin.ID, 90, "2026-10-05", "billable", "@SUM(1+1)")
		insertEntry(t, db, s.client.ID, r2.ID, s.admin.ID, 20, "2026-10-31", "not_charged", "-2 pages")
		insertEntry(t, db, s.client.ID, r2.ID, s.admin.ID, 60, "2026-10-15", "hidden", "internal check")
		insertEntry(t, db, s.client.ID, r2.ID, s.admin.ID, 30, "2026-11-01", "billable", "next month")
		insertEntry(t, db, s.client.ID, r2.ID, s.admin.ID, 30, "2026-09-30", "billable", "last month")
		insertEntry(t, db, other.client.ID, other.request.ID, s.admin.ID, 45, "2026-10-10", "billable", "Globex work")

		// Events: 02:30 local twice on 25 Oct (summer time, then winter time),
		// 23:30 on the 25th, 00:30 on the 26th (outside the range), one staff-only.
		if _, err := db.NewDelete().Model((*models.ActivityEvent)(nil)).Where("client_id = ?", s.client.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, e := range []*models.ActivityEvent{
			{ClientID: s.client.ID, RequestID: &r1.ID, ActorID: &s.admin.ID, Kind: models.EventMessagePosted, Audience: models.AudiencePublic, CreatedAt: at("2026-10-25T00:30:00Z")},
			{ClientID: s.client.ID, Kind: models.EventSummaryBuilt, Audience: models.AudiencePublic, Detail: "October 2026", CreatedAt: at("2026-10-25T01:30:00Z")},
			{ClientID: s.client.ID, RequestID: &r1.ID, ActorID: &s.admin.ID, Kind: models.EventInternalNote, Audience: models.AudienceStaff, CreatedAt: at("2026-10-25T10:00:00Z")},
			{ClientID: s.client.ID, RequestID: &r2.ID, ActorID: &s.clientUser.ID, Kind: models.EventRequestSubmitted, Audience: models.AudiencePublic, CreatedAt: at("2026-10-25T22:30:00Z")},
			{ClientID: s.client.ID, RequestID: &r2.ID, ActorID: &s.clientUser.ID, Kind: models.EventRequestSubmitted, Audience: models.AudiencePublic, CreatedAt: at("2026-10-25T23:30:00Z")},
		} {
			if err := models.RecordEvent(ctx, db, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []*models.MonthlySummary{
			{ClientID: s.client.ID, Month: at("2026-10-01T00:00:00Z"), RequestsSubmitted: 1, BuiltAt: models.Now()},
			{ClientID: s.client.ID, Month: at("2026-09-01T00:00:00Z"), RequestsSubmitted: 3, RequestsResolved: 2, MinutesUsed: 435,
				SLAMet: 4, SLADecided: 5, BuiltAt: models.Now()},
			{ClientID: other.client.ID, Month: at("2026-09-01T00:00:00Z"), RequestsSubmitted: 9, BuiltAt: models.Now()},
		} {
			if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		wantTime := "Date,Request,Title,Hours,Billable,Note\n" +
			"2026-10-05,ACME-1,\"'=HYPERLINK(\"\"http://x\"\")\",1.5,yes,'@SUM(1+1)\n" +
			"2026-10-31,ACME-2,'+Printer,0.33,not charged,'-2 pages\n"
		wantActivity := "Time (Europe/Paris),Request,Who,What\n" +
			"2026-10-25 02:30:00 CEST,ACME-1,Ada Admin,\"Ada Admin wrote on “=HYPERLINK(\"\"http://x\"\")”\"\n" +
			"2026-10-25 02:30:00 CET,,,Monthly summary for October 2026 is ready\n" +
			"2026-10-25 23:30:00 CET,ACME-2,Carol Client,Carol Client submitted “+Printer”\n"
		wantSummaries := "Month,Requests submitted,Requests resolved,Hours used,SLA targets met,SLA targets decided\n" +
			"2026-09,3,2,7.25,4,5\n" +
			"2026-10,1,0,0,0,0\n"

		check := func(a *app, path, want, filename string) {
			t.Helper()
			resp, body := a.get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="`+filename+`"`) {
				t.Errorf("%s: Content-Disposition %q", path, cd)
			}
			if body != want {
				t.Errorf("%s:\n%s\nwant:\n%s", path, body, want)
			}
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		check(a, "/hours/time.csv?period=2026-10-01", wantTime, "acme-time-2026-10-01.csv")
		check(a, "/reports/activity.csv?from=2026-10-25&to=2026-10-25", wantActivity, "acme-activity.csv")
		check(a, "/reports/summaries.csv", wantSummaries, "acme-monthly-summaries.csv")
		if resp, _ := a.get("/hours/time.csv?period=2026-10-02"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("not a period start: %d, want 404", resp.StatusCode)
		}
		if resp, _ := a.get("/reports/activity.csv?from=junk"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %d, want 422", resp.StatusCode)
		}
		if resp, _ := a.get("/console/clients/" + itoa(s.client.ID) + "/time.csv"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client user at the console export: %d, want 404", resp.StatusCode)
		}

		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		base := "/console/clients/" + itoa(s.client.ID)
		check(staff, base+"/time.csv?period=2026-10-01", wantTime, "acme-time-2026-10-01.csv")
		check(staff, base+"/activity.csv?from=2026-10-25&to=2026-10-25", wantActivity, "acme-activity.csv")
		check(staff, base+"/summaries.csv", wantSummaries, "acme-monthly-summaries.csv")
		_, body := staff.get("/console/clients/" + itoa(other.client.ID) + "/time.csv?period=2026-10-01")
		if body != "Date,Request,Title,Hours,Billable,Note\n2026-10-10,GLOBEX-"+itoa(int64(other.request.Number))+","+foreignTitle+",0.75,yes,Globex work\n" {
			t.Errorf("Globex export = %q", body)
		}
		if resp, _ := staff.get("/console/clients/999/summaries.csv"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown client: %d, want 404", resp.StatusCode)
		}
	})
}

// TestCSVCellNeutralised: the cells a spreadsheet would run.
func TestCSVCellNeutralised(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		for i, title := range []string{"=1+1", "+1", "-1", "@A1", "\tx", "a=b", "plain"} {
			r := newRequest(t, db, s.clientUser, "T"+itoa(int64(i)))
			insertEntry(t, db, s.client.ID, r.ID, s.admin.ID, 60, clientToday(t, s.client), "billable", title)
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/hours/time.csv")
		var notes []string
		for _, line := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
			notes = append(notes, line[strings.LastIndex(line, ",")+1:])
		}
		want := "'=1+1|'+1|'-1|'@A1|'\tx|a=b|plain"
		if got := strings.Join(notes, "|"); got != want {
			t.Errorf("notes = %q, want %q", got, want)
		}
	})
}
