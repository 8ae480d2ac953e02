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

// addAgent creates an agent who signs in with testPassword.
func addAgent(t *testing.T, db *bun.DB, email string) *models.User {
	t.Helper()
	now := models.Now()
	hash, _ := models.HashPassword(testPassword)
	u := &models.User{Role: models.RoleAgent, Email: email, Name: "Andy Agent", PasswordHash: &hash,
		SignupMethod: "password", NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAdminSetsAClientPolicy(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		addAgent(t, db, "andy@northwind.test")
		a := newApp(t, db)
		agent := a.browser()
		agent.signIn("andy@northwind.test", testPassword)
		if resp, _ := agent.get("/console/sla-policies"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("agent GET SLA policies: %d, want 404", resp.StatusCode)
		}

		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)
		form := url.Values{"name": {"Premium 24x7"}, "warning_percent": {"50"}, "always_open": {"1"},
			"timezone": {"America/New_York"}, "start": {"09:00"}, "end": {"17:00"}, "days": {"1", "2"},
			"holidays": {"2026-12-25 Christmas Day\n2027-01-01 New Year"}}
		for _, u := range models.Urgencies {
			form.Set("response_"+u, "0:30")
			form.Set("resolution_"+u, "4:00")
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("name", "")
		bad.Set("timezone", "Mars/Olympus")
		bad.Set("resolution_critical", "0:10")
		resp, body := admin.submit("/console/sla-policies/new", "/console/sla-policies", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad policy: %d", resp.StatusCode)
		}
		for _, f := range []string{"name", "timezone", "resolution_critical"} {
			if doc(t, body).Find("#"+f).Closest(".field").Find(".field-error").Length() != 1 {
				t.Errorf("no error beside %s", f)
			}
		}
		if n := tableCount(t, db, "sla_policies"); n != 1 {
			t.Fatalf("bad input wrote a policy (%d)", n)
		}

		resp, body = admin.submit("/console/sla-policies/new", "/console/sla-policies", form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Premium 24x7") {
			t.Fatalf("create policy: %d", resp.StatusCode)
		}
		var p models.SLAPolicy
		if err := db.NewSelect().Model(&p).Where("name = ?", "Premium 24x7").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		b, err := models.LoadSLAPolicy(context.Background(), db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Calendar.AlwaysOpen || len(b.Holidays) != 2 || b.Targets["critical"].ResolutionMinutes != 240 || p.WarningPercent != 50 {
			t.Errorf("saved policy %+v calendar %+v", p, b.Calendar)
		}

		admin.submit("/console/sla-policies", "/console/sla-policies/assign",
			url.Values{"client_id": {strconv.FormatInt(s.client.ID, 10)}, "policy_id": {strconv.FormatInt(p.ID, 10)}})
		got, err := models.ResolveSLAPolicy(context.Background(), db, s.client.ID)
		if err != nil || got.Policy.ID != p.ID {
			t.Fatalf("client policy %v, %v", got, err)
		}

		// A new request of the client takes the override's targets.
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		client.submit("/requests/new", "/requests", url.Values{"title": {"Slow Wi-Fi"}, "urgency": {"low"}})
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r.ResponseTargetSecs != 1800 || r.ResolutionTargetSecs != 4*3600 || r.ResponseDueAt == nil ||
			!r.ResponseDueAt.Equal(r.CreatedAt.Add(1800e9)) {
			t.Errorf("request targets %d/%d due %v", r.ResponseTargetSecs, r.ResolutionTargetSecs, r.ResponseDueAt)
		}

		// Urgency change from the console recomputes the targets.
		detail := "/console/requests/" + strconv.FormatInt(r.ID, 10)
		admin.submit(detail, detail+"/properties", url.Values{"status": {"in_progress"}, "urgency": {"critical"}})
		if err := db.NewSelect().Model(&r).WherePK().Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r.Urgency != "critical" || r.Status != "in_progress" || r.ResponseTargetSecs != 1800 {
			t.Errorf("after change: %s %s %d", r.Urgency, r.Status, r.ResponseTargetSecs)
		}
	})
}

func TestTimeEntriesBelongToTheirAuthor(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		addAgent(t, db, "andy@northwind.test")
		addAgent(t, db, "bea@northwind.test")
		a := newApp(t, db)
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		client.submit("/requests/new", "/requests", url.Values{"title": {"Install Office"}, "urgency": {"normal"}})
		detail := "/console/requests/" + strconv.FormatInt(requestIDOf(t, db, s.client.ID, 1), 10)

		// Both dates lie in the hour bank's open period (a closed one asks
		// for confirmation), whatever day the suite runs: today's period
		// by the app's clock, which PORTAL_TEST_CLOCK moves.
		ctx := context.Background()
		plan, err := models.LoadHourPlan(ctx, db, s.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := models.LocalDate(models.Now(), models.LoadLocation(s.client.Timezone))
		logged, edited := plan.PeriodAt(today).Start.Format(time.DateOnly), today.Format(time.DateOnly)

		andy := a.browser()
		andy.signIn("andy@northwind.test", testPassword)
		if resp, _ := andy.submit(detail, detail+"/time", url.Values{"duration": {"45"}, "date": {logged}, "note": {"Setup"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("log time: %d", resp.StatusCode)
		}
		var e models.TimeEntry
		if err := db.NewSelect().Model(&e).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		entry := detail + "/time/" + strconv.FormatInt(e.ID, 10)

		bea := a.browser()
		bea.signIn("bea@northwind.test", testPassword)
		if _, body := bea.get(detail); strings.Contains(body, entry+"/delete") {
			t.Errorf("another agent is offered to delete the entry")
		}
		if resp, _ := bea.submit(detail, entry+"/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another agent deleting: %d, want 403", resp.StatusCode)
		}
		resp, _ := andy.submit(entry, entry, url.Values{"duration": {"2:15"}, "date": {edited}, "note": {"Setup and mail"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("author edit: %d", resp.StatusCode)
		}
		if err := db.NewSelect().Model(&e).WherePK().Scan(context.Background()); err != nil || e.Minutes != 135 ||
			e.WorkDate.Format(time.DateOnly) != edited {
			t.Fatalf("entry after edit: %d minutes on %v, %v", e.Minutes, e.WorkDate, err)
		}
		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)
		if resp, _ := admin.submit(detail, entry+"/delete", url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("admin delete: %d", resp.StatusCode)
		}
		if n := tableCount(t, db, "time_entries"); n != 0 {
			t.Errorf("%d entries after delete", n)
		}
	})
}
