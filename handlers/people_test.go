package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestACompanyAdminManagesTheirColleaguesOnly: Carol, made company admin
// by staff, invites a colleague by e-mail (sent through the in-test SMTP
// server), disables and enables Dora, makes her an admin and takes her off
// the summary's list. She cannot disable herself, give a role beyond
// company admin, touch another company's user (404), or act without the
// CSRF token (403). Dora, a member, gets 404 on every People route.
func TestACompanyAdminManagesTheirColleaguesOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedRestricted(t, db)
		gina := seedOtherClient(t, db).user
		a := newAuthApp(t, db, nil)

		dora := a.other()
		dora.signIn(s.colleague.Email, testPassword)
		doraCSRF := dora.csrfOf("/")
		for _, r := range []struct{ method, path string }{{"GET", "/people"}, {"POST", "/people/invite"},
			{"POST", "/people/" + itoa(s.clientUser.ID) + "/disable"}, {"POST", "/people/" + itoa(s.clientUser.ID) + "/role"},
			{"POST", "/people/" + itoa(s.clientUser.ID) + "/summary"}} {
			if resp, _ := dora.send(r.method, r.path, doraCSRF, url.Values{"addresses": {"x@acme.test"}, "role": {"admin"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("member %s %s: %d, want 404", r.method, r.path, resp.StatusCode)
			}
		}
		if _, home := dora.send("GET", "/", doraCSRF, nil); strings.Contains(home, `href="/people"`) {
			t.Error("a member's navigation offers the People page")
		}

		if err := models.SetCompanyRole(ctx, db, s.client.ID, s.clientUser.ID, models.CompanyAdmin); err != nil {
			t.Fatal(err)
		}
		a.signIn(s.clientUser.Email, testPassword)
		csrf := a.csrfOf("/people")
		resp, page := a.send("GET", "/people", csrf, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, s.colleague.Email) || strings.Contains(page, gina.Email) {
			t.Fatalf("People page: %d, lists Dora %t, lists Gina %t", resp.StatusCode, strings.Contains(page, s.colleague.Email), strings.Contains(page, gina.Email))
		}

		// Invite by e-mail, with the invitation machinery.
		if resp, body := a.send("POST", "/people/invite", csrf, url.Values{"addresses": {"erin@acme.test"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "erin@acme.test") {
			t.Fatalf("invite: %d", resp.StatusCode)
		}
		a.smtp.WaitFor(t, "erin@acme.test", 1)
		if n := countRows(t, db, "client_invitations", "client_id = ? AND email = ?", s.client.ID, "erin@acme.test"); n != 1 {
			t.Errorf("invitations of erin: %d, want 1", n)
		}
		if resp, body := a.send("POST", "/people/invite", csrf, url.Values{"addresses": {gina.Email}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "belongs elsewhere") {
			t.Errorf("inviting another company's user: %d", resp.StatusCode)
		}

		// Disable and enable a colleague.
		if resp, _ := a.send("POST", "/people/"+itoa(s.colleague.ID)+"/disable", csrf, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("disable Dora: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "users", "id = ? AND disabled_at IS NOT NULL", s.colleague.ID); n != 1 {
			t.Error("Dora is not disabled")
		}
		if resp, _ := dora.send("GET", "/", doraCSRF, nil); resp.Request.URL.Path != "/signin" {
			t.Errorf("disabled Dora still has her session (landed on %s)", resp.Request.URL.Path)
		}
		a.send("POST", "/people/"+itoa(s.colleague.ID)+"/enable", csrf, nil)
		if n := countRows(t, db, "users", "id = ? AND disabled_at IS NULL", s.colleague.ID); n != 1 {
			t.Error("Dora is not enabled again")
		}

		// Not herself, nothing beyond company admin, nobody of another company.
		for _, bad := range []struct {
			path string
			form url.Values
			want int
		}{
			{"/people/" + itoa(s.clientUser.ID) + "/disable", nil, http.StatusUnprocessableEntity},
			{"/people/" + itoa(s.clientUser.ID) + "/role", url.Values{"role": {"member"}}, http.StatusUnprocessableEntity},
			{"/people/" + itoa(s.colleague.ID) + "/role", url.Values{"role": {"staff"}}, http.StatusUnprocessableEntity},
			{"/people/" + itoa(s.colleague.ID) + "/role", url.Values{"role": {models.RoleAdmin + "'"}}, http.StatusUnprocessableEntity},
			{"/people/" + itoa(gina.ID) + "/disable", nil, http.StatusNotFound},
			{"/people/" + itoa(gina.ID) + "/role", url.Values{"role": {"admin"}}, http.StatusNotFound},
			{"/people/" + itoa(gina.ID) + "/summary", nil, http.StatusNotFound},
			{"/people/" + itoa(s.admin.ID) + "/disable", nil, http.StatusNotFound},
		} {
			if resp, _ := a.send("POST", bad.path, csrf, bad.form); resp.StatusCode != bad.want {
				t.Errorf("POST %s %v: %d, want %d", bad.path, bad.form, resp.StatusCode, bad.want)
			}
		}
		if n := countRows(t, db, "users", "disabled_at IS NOT NULL"); n != 0 {
			t.Errorf("%d users disabled by refused requests", n)
		}
		if n := countRows(t, db, "users", "id = ? AND company_role = 'admin'", s.clientUser.ID); n != 1 {
			t.Error("Carol stepped herself down")
		}
		if n := countRows(t, db, "users", "id = ? AND company_role = 'member' AND summary_muted = ?", gina.ID, false); n != 1 {
			t.Error("another company's user was changed")
		}

		// Without the CSRF token nothing happens.
		if resp, _ := a.send("POST", "/people/"+itoa(s.colleague.ID)+"/disable", "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("disable without the CSRF token: %d, want 403", resp.StatusCode)
		}
		if n := countRows(t, db, "users", "id = ? AND disabled_at IS NULL", s.colleague.ID); n != 1 {
			t.Error("Dora disabled without a CSRF token")
		}

		// Role and summary list.
		a.send("POST", "/people/"+itoa(s.colleague.ID)+"/role", csrf, url.Values{"role": {"admin"}})
		a.send("POST", "/people/"+itoa(s.colleague.ID)+"/summary", csrf, url.Values{"summary": {"off"}})
		if n := countRows(t, db, "users", "id = ? AND company_role = 'admin' AND summary_muted = ?", s.colleague.ID, true); n != 1 {
			t.Error("Dora is not a company admin off the summary's list")
		}
		recipients, err := models.SummaryRecipients(ctx, db, s.client)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recipients {
			if r == s.colleague.Email {
				t.Error("Dora still receives the monthly summary")
			}
		}
	})
}
