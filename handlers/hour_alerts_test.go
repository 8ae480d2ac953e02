package handlers_test

import (
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

// TestHourAlertsMailAndOverview: staff set thresholds and follow the
// client; logging time past a threshold and then into overage mails the
// client's users who take e-mail and the following staff once each, never
// again in the period; the console overview shows the alerts.
func TestHourAlertsMailAndOverview(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 600)
		now := models.Now()
		quiet := &models.User{ClientID: &s.client.ID, Role: models.RoleClient, Email: "quiet@acme.test", Name: "Quiet",
			NotifyEmail: false, CreatedAt: now, UpdatedAt: now}
		// The alert opt-in is its own: updates without alerts, and alerts
		// without updates.
		updatesOnly := &models.User{ClientID: &s.client.ID, Role: models.RoleClient, Email: "updates@acme.test", Name: "Updates",
			NotifyEmail: true, NotifyLowBalance: false, CreatedAt: now, UpdatedAt: now}
		alertsOnly := &models.User{ClientID: &s.client.ID, Role: models.RoleClient, Email: "alerts@acme.test", Name: "Alerts",
			NotifyEmail: false, NotifyLowBalance: true, CreatedAt: now, UpdatedAt: now}
		for _, u := range []*models.User{quiet, updatesOnly, alertsOnly} {
			if _, err := db.NewInsert().Model(u).Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		r := newRequest(t, db, s.clientUser, "Server move")
		staff := newAuthApp(t, db, nil)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID) + "/hours"

		resp, body := staff.submit(page, page+"/alerts", url.Values{"thresholds": {"5h, 10%, lots"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#thresholds-error"), "lots") {
			t.Fatalf("bad thresholds: %d %q", resp.StatusCode, text(t, body, "#thresholds-error"))
		}
		if resp, body := staff.submit(page, page+"/alerts", url.Values{"thresholds": {"5h, 10%"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("save thresholds: %d %s", resp.StatusCode, body)
		}
		if resp, _ := staff.submit(page, page+"/follow", url.Values{"follow": {"1"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("follow: %d", resp.StatusCode)
		}
		day := clientToday(t, s.client)
		req := "/console/requests/" + itoa(r.ID)
		log := func(d string) {
			t.Helper()
			if resp, body := staff.submit(req, req+"/time", url.Values{"duration": {d}, "date": {day}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("log %s: %d %s", d, resp.StatusCode, body)
			}
		}
		log("4:00") // 6 h left
		log("1:00") // 5 h left: the 5 h threshold
		m := staff.smtp.WaitFor(t, s.clientUser.Email, 1)
		if !strings.Contains(m.Subject, "Acme Corp: hours running low") || !strings.Contains(m.Text, "5 h left of 10 h (threshold: 5 h left)") {
			t.Errorf("client mail: %q\n%s", m.Subject, m.Text)
		}
		staff.smtp.WaitFor(t, s.admin.Email, 1)
		log("1:00") // 4 h left: nothing new
		log("6:00") // over by 2 h: 10 % and overage
		staff.smtp.WaitFor(t, s.clientUser.Email, 3)
		staff.smtp.WaitFor(t, s.admin.Email, 3)
		log("0:30")
		time.Sleep(300 * time.Millisecond)
		if n := staff.smtp.Count(s.clientUser.Email); n != 3 {
			t.Errorf("client got %d alert mails, want 3", n)
		}
		if n := staff.smtp.Count(s.admin.Email); n != 3 {
			t.Errorf("following staff got %d alert mails, want 3", n)
		}
		if n := staff.smtp.Count(quiet.Email); n != 0 {
			t.Errorf("user without e-mail got %d", n)
		}
		if n := staff.smtp.Count(updatesOnly.Email); n != 0 {
			t.Errorf("user who takes updates but not alerts got %d alert mails", n)
		}
		if n := staff.smtp.Count(alertsOnly.Email); n != 3 {
			t.Errorf("user who takes alerts only got %d alert mails, want 3", n)
		}

		_, body = staff.get("/console/hours")
		badges := doc(t, body).Find(`tr[data-client="` + itoa(s.client.ID) + `"] td.alerts .badge`).Map(func(_ int, b *goquery.Selection) string { return b.Text() })
		if strings.Join(badges, ",") != "≤ 5 h,≤ 10 %,Overage" {
			t.Errorf("overview alert badges = %v", badges)
		}
		_, body = staff.get(page)
		if n := doc(t, body).Find("#alert-list li").Length(); n != 3 {
			t.Errorf("%d alerts listed on the client's hours page, want 3", n)
		}
	})
}
