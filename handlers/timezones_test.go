package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestTimesInViewersZone: one message, written at 03:30 UTC on 28 Nov, is
// shown to the client's people in the client's zone (New York: 22:30 on the
// 27th, the day the client's filters and hour bank count it on), to staff in
// the workspace's zone, and in a staff member's own zone once they choose one.
func TestTimesInViewersZone(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		if _, err := db.NewUpdate().Model(s.client).Set("timezone = ?", "America/New_York").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Printer", Urgency: models.UrgencyNormal})
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: s.client.ID, RequestID: r.ID,
			AuthorID: s.clientUser.ID, Body: "It jams."})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 28, 3, 30, 0, 0, time.UTC)
		if _, err := db.NewUpdate().Model(m).Set("created_at = ?", at).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		shows := func(a *app, page, want string) {
			t.Helper()
			_, body := a.get(page)
			got := text(t, body, "#message-"+itoa(m.ID)+" time")
			if got != want {
				t.Errorf("%s shows the message at %q, want %q", page, got, want)
			}
		}
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		shows(client, "/requests/"+itoa(int64(r.Number)), "27 Nov 2026 22:30 EST")

		staff := client.browser()
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		shows(staff, page, "28 Nov 2026 03:30 UTC")

		if resp, body := staff.submit("/console/account/timezone", "/console/account/timezone",
			url.Values{"timezone": {"Nowhere/Atlantis"}, "workspace_timezone": {"UTC"}}); resp.StatusCode != 422 ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("an unknown zone: %d %s", resp.StatusCode, body)
		}
		if resp, body := staff.submit("/console/account/timezone", "/console/account/timezone",
			url.Values{"timezone": {"Asia/Tokyo"}, "workspace_timezone": {"Europe/Paris"}}); resp.StatusCode != 200 {
			t.Fatalf("choose a zone: %d %s", resp.StatusCode, body)
		}
		shows(staff, page, "28 Nov 2026 12:30 JST")
		if _, body := staff.get("/console/account"); !strings.Contains(text(t, body, "#account-timezone"), "Tokyo") {
			t.Errorf("the account page does not name the zone: %s", text(t, body, "#account-timezone"))
		}
		// Back to the workspace's zone, now Paris.
		staff.submit("/console/account/timezone", "/console/account/timezone",
			url.Values{"timezone": {""}, "workspace_timezone": {"Europe/Paris"}})
		shows(staff, page, "28 Nov 2026 04:30 CET")
	})
}

// TestComplianceCountsOverdueTargets: a Critical request whose first
// response is two days overdue counts as a breached target on the dashboard,
// which says what its figure covers.
func TestComplianceCountsOverdueTargets(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Server down", Urgency: models.UrgencyCritical})
		if err != nil {
			t.Fatal(err)
		}
		due := models.Now().Add(-48 * time.Hour)
		if _, err := db.NewUpdate().Model(r).Set("response_target_secs = 3600").Set("response_due_at = ?", due).
			Set("resolution_target_secs = 0").Set("resolution_due_at = NULL").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/")
		if got := text(t, body, "#stat-sla"); got != "0 %" {
			t.Errorf("compliance beside an overdue request = %q, want 0 %%", got)
		}
		if got := text(t, body, "#stat-sla-cover"); !strings.Contains(got, "0 of 1 targets met") {
			t.Errorf("the figure does not say what it covers: %q", got)
		}
	})
}
