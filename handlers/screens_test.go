package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// A "Completed" refused for want of a resolution summary shows the form
// again with everything the agent chose, and leaves the browser's address
// on the request page: the form's action only takes posts, and reloading it
// said "Page not found".
func TestRefusedCompletionKeepsTheChoices(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jams")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		_, body := staff.get(page)
		csrf := doc(t, body).Find(`input[name="csrf"]`).First().AttrOr("value", "")
		form := url.Values{"csrf": {csrf}, "status": {"completed"}, "urgency": {"high"},
			"assignee_id": {itoa(s.admin.ID)}, "resolution": {"  "}}
		for _, boosted := range []bool{false, true} {
			var headers []string
			if boosted {
				headers = []string{"HX-Request", "true", "HX-Boosted", "true", "HX-Current-URL", staff.srv.URL + page}
			}
			resp, body := staff.post(page+"/properties", form, headers...)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("boosted %v: status %d, want 422", boosted, resp.StatusCode)
			}
			d := doc(t, body)
			for sel, want := range map[string]string{
				"#status option[selected]":      "completed",
				"#urgency option[selected]":     "high",
				"#assignee_id option[selected]": itoa(s.admin.ID),
			} {
				if got := d.Find(sel).AttrOr("value", ""); got != want {
					t.Errorf("boosted %v: %s is %q, want %q", boosted, sel, got, want)
				}
			}
			if text(t, body, "#request-status") != "Submitted" {
				t.Errorf("boosted %v: the request's status shows %q", boosted, text(t, body, "#request-status"))
			}
			if got := resp.Header.Get("HX-Push-Url"); boosted && got != "false" {
				t.Errorf("boosted: HX-Push-Url %q, want false (the address bar keeps %s)", got, page)
			}
		}
	})
}

// Reopening asks the client why (optional). Staff read the reason on the
// queue row and the request page until the request is completed again, and
// in the request's history for good; a reason too long is refused with
// what was typed kept.
func TestReopenReasonReachesStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Scanner offline")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		completeAs(t, staff, r, "Restarted the scanner.")

		_, body := client.get("/requests/1")
		if doc(t, body).Find("#reopen-form textarea[name=reason]").Length() != 1 {
			t.Fatalf("the reopen form asks for no reason:\n%s", text(t, body, "#resolution-card"))
		}
		long := strings.Repeat("x", models.MaxReopenReasonLength+1)
		resp, body := client.submit("/requests/1", "/requests/1/reopen", url.Values{"reason": {long}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#reopen-reason") != long ||
			!strings.Contains(text(t, body, "#reopen-error"), "too long") {
			t.Fatalf("a long reason: %d, error %q", resp.StatusCode, text(t, body, "#reopen-error"))
		}
		reason := "It goes offline again every <b>morning</b>."
		if resp, _ = client.submit("/requests/1", "/requests/1/reopen", url.Values{"reason": {reason}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("reopen: %d", resp.StatusCode)
		}
		page := "/console/requests/" + itoa(r.ID)
		_, body = staff.get("/console")
		if got := strings.TrimSpace(requestRow(t, body, "ACME-1").Find(".reopen-reason").Text()); got != "Reopened: “"+reason+"”" {
			t.Errorf("queue row shows %q", got)
		}
		_, body = staff.get(page)
		if got := text(t, body, "#reopen-reason"); !strings.Contains(got, reason) {
			t.Errorf("request page shows %q", got)
		}
		if got := text(t, body, "#history"); !strings.Contains(got, "Carol Client reopened “Scanner offline”: “"+reason+"”") {
			t.Errorf("history: %q", got)
		}

		// Completed again: the reason has had its answer; the history keeps it.
		completeAs(t, staff, r, "Replaced the scanner's power supply.")
		_, body = staff.get(page)
		if doc(t, body).Find("#reopen-reason").Length() != 0 || !strings.Contains(text(t, body, "#history"), reason) {
			t.Errorf("after completion: reason %q, history %q", text(t, body, "#reopen-reason"), text(t, body, "#history"))
		}
		// A reply reopens without a reason.
		if resp, _ = client.submit("/requests/1", "/requests/1/reply", url.Values{"body": {"Still broken."}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		if _, body = staff.get("/console"); requestRow(t, body, "ACME-1").Find(".reopen-reason").Length() != 0 {
			t.Errorf("a reply's reopen shows a reason: %q", requestRow(t, body, "ACME-1").Text())
		}
	})
}

// The hours of a bank period are a total of what the plan includes, what
// was bought and what rolled over: no page calls them all "Purchased".
func TestHourBankTotalIsNotCalledPurchased(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 600)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := staff.browser()
		client.signIn(s.clientUser.Email, testPassword)
		pages := map[string]*app{"/hours": client, "/": client, "/console/hours": staff,
			"/console/clients/" + itoa(s.client.ID) + "/hours": staff}
		for path, a := range pages {
			_, body := a.get(path)
			main := doc(t, body).Find("main").Text()
			if strings.Contains(strings.ToLower(main), "purchased") {
				t.Errorf("%s says purchased: %q", path, strings.Join(strings.Fields(main), " "))
			}
			if path != "/" && !strings.Contains(main, "Total") {
				t.Errorf("%s names no total", path)
			}
		}
	})
}

// closeTodayForSLA makes the client's SLA calendar 09:00–17:00 UTC every
// day with today a holiday: whatever the hour, its clocks stand still now.
func closeTodayForSLA(t *testing.T, db *bun.DB, c *models.Client) {
	t.Helper()
	ctx := t.Context()
	policy, err := models.SLAPolicyOf(ctx, db, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewUpdate().Model((*models.SLACalendar)(nil)).Where("id = ?", policy.Calendar.ID).
		Set("timezone = 'UTC', always_open = ?, work_days = 127, start_minute = 540, end_minute = 1020", false).
		Exec(ctx); err != nil {
		t.Fatal(err)
	}
	today := models.Now().Truncate(24 * time.Hour)
	if _, err := db.NewInsert().Model(&models.SLAHoliday{CalendarID: policy.Calendar.ID, Day: today, Name: "Closed"}).
		Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// A clock that runs in business hours stands still outside them, and the
// page says so: the timer shows the business time left (not the wall time
// to its deadline), "paused outside business hours", and carries the working
// time ahead for the page's countdown (data-open). The hours are also said
// in the viewer's zone.
func TestTimerOutsideBusinessHoursSaysPaused(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		closeTodayForSLA(t, db, s.client)
		r := submitAs(t, db, s.clientUser, "Phones dead")
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		for _, page := range []struct {
			a    *app
			path string
		}{{client, "/requests/1"}, {client, "/requests"}, {staff, "/console"}, {staff, "/console/requests/" + itoa(r.ID)}} {
			_, body := page.a.get(page.path)
			timer := doc(t, body).Find(`[data-clock="Resolution"]`).First()
			why := timer.Find(".sla-why")
			if timer.AttrOr("data-open", "") == "" || why.Length() != 1 || why.AttrOr("hidden", "no") != "no" ||
				strings.TrimSpace(why.Text()) != "paused outside business hours" {
				h, _ := timer.Html()
				t.Errorf("%s: the resolution timer does not stand still: %s", page.path, h)
			}
			if got := strings.TrimSpace(timer.Find(".sla-text").Text()); !strings.HasSuffix(got, " left") {
				t.Errorf("%s: timer text %q, want the business time left", page.path, got)
			}
		}
		// Carol's client is in Paris: the hours are said in her time too.
		_, body := client.get("/requests/1")
		if got := text(t, body, "#sla-policy"); !strings.Contains(got, "09:00–17:00 UTC time (10:00–18:00 Paris time)") &&
			!strings.Contains(got, "09:00–17:00 UTC time (11:00–19:00 Paris time)") {
			t.Errorf("the hours are not in the viewer's zone: %q", got)
		}
	})
}

// The staff account page speaks to staff: no "ask your provider", no
// client's summary and low-balance settings; its e-mail choice says what a
// staff member is mailed about. The client's page keeps its own words.
func TestStaffAccountSpeaksToStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		_, body := staff.get("/console/account")
		form := doc(t, body).Find("#profile-form")
		words := strings.Join(strings.Fields(form.Text()), " ")
		for _, wrong := range []string{"provider", "monthly summary", "hours run low", "company's requests"} {
			if strings.Contains(words, wrong) {
				t.Errorf("the staff account page says %q: %s", wrong, words)
			}
		}
		if !strings.Contains(words, "E-mail me about requests") || form.Find("input[name=notify_email]").Length() != 1 {
			t.Errorf("no staff e-mail choice: %s", words)
		}

		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		_, body = client.get("/account")
		words = strings.Join(strings.Fields(doc(t, body).Find("#profile-form").Text()), " ")
		for _, want := range []string{"Ask your provider", "monthly summary", "hours run low"} {
			if !strings.Contains(words, want) {
				t.Errorf("the client's account page lost %q: %s", want, words)
			}
		}
	})
}

// SLA targets are written one way, in the policy list and its form alike
// ("15 min", "1 h 30 min"), and the form reads back what it shows as well as
// minutes and hours:minutes.
func TestSLATargetsAreWrittenOneWay(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)
		form := url.Values{"name": {"Office hours"}, "warning_percent": {"75"}, "timezone": {"UTC"},
			"start": {"09:00"}, "end": {"17:00"}, "days": {"1", "2", "3", "4", "5"}}
		written := map[string][2]string{ // urgency: what is typed, response and resolution
			"critical": {"15 min", "1 h 30 min"}, "high": {"0:30", "4h"}, "normal": {"90", "8 h"}, "low": {"2 h", "40:00"}}
		for u, v := range written {
			form.Set("response_"+u, v[0])
			form.Set("resolution_"+u, v[1])
		}
		if resp, body := admin.submit("/console/sla-policies/new", "/console/sla-policies", form); resp.StatusCode != http.StatusOK {
			t.Fatalf("create policy: %d\n%s", resp.StatusCode, text(t, body, "main"))
		}
		want := map[string][2]string{
			"critical": {"15 min", "1 h 30 min"}, "high": {"30 min", "4 h"}, "normal": {"1 h 30 min", "8 h"}, "low": {"2 h", "40 h"}}
		var p models.SLAPolicy
		if err := db.NewSelect().Model(&p).Where("name = ?", "Office hours").Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, list := admin.get("/console/sla-policies")
		_, edit := admin.get("/console/sla-policies/" + itoa(p.ID))
		for u, w := range want {
			row := doc(t, list).Find(`[data-policy="` + itoa(p.ID) + `"] .urgency-` + u).Closest("tr")
			cells := row.Find("td")
			if got := strings.TrimSpace(cells.Eq(1).Text()) + " and " + strings.TrimSpace(cells.Eq(2).Text()); got != w[0]+" and "+w[1] {
				t.Errorf("list, %s: %q, want %s and %s", u, got, w[0], w[1])
			}
			d := doc(t, edit)
			if r, res := d.Find("#response_"+u).AttrOr("value", ""), d.Find("#resolution_"+u).AttrOr("value", ""); r != w[0] || res != w[1] {
				t.Errorf("form, %s: %q and %q, want %s and %s", u, r, res, w[0], w[1])
			}
		}
	})
}

// The console's client page names the SLA policy its requests run on.
func TestClientPageNamesItsSLAPolicy(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		policy, err := models.SLAPolicyOf(t.Context(), db, s.client)
		if err != nil {
			t.Fatal(err)
		}
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		_, body := staff.get("/console/clients/" + itoa(s.client.ID))
		if got := text(t, body, "#client-sla dd"); !strings.Contains(got, policy.Policy.Name) || !strings.Contains(got, "Clocks run") {
			t.Errorf("the client page says %q, want the policy %q and its hours", got, policy.Policy.Name)
		}
	})
}

// "Is it fixed?" is asked once the team has answered, not of a request
// nobody has looked at yet.
func TestIsItFixedOnlyAfterAStaffReply(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Mouse broken")
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		if _, body := client.get("/requests/1"); doc(t, body).Find("#fixed-form").Length() != 0 {
			t.Errorf("a request nobody answered asks whether it is fixed")
		}
		post(t, db, r, s.admin, "A new mouse is on its way.", false)
		if _, body := client.get("/requests/1"); doc(t, body).Find("#fixed-form").Length() != 1 {
			t.Errorf("after the team's reply the request does not ask whether it is fixed")
		}
	})
}

// Counts of people read as English: "2 people", not "2 persons".
func TestArchivingCountsPeople(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		hash, _ := models.HashPassword(testPassword)
		now := models.Now()
		if _, err := db.NewInsert().Model(&models.User{ClientID: &s.client.ID, Role: models.RoleClient, Email: "dan@acme.test",
			Name: "Dan", PasswordHash: &hash, SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		_, body := staff.get("/console/clients/" + itoa(s.client.ID) + "/archive")
		if got := text(t, body, "main"); !strings.Contains(got, "2 people will be signed out") || strings.Contains(got, "persons") {
			t.Errorf("archive confirmation: %q", strings.Join(strings.Fields(got), " "))
		}
	})
}

// A staff reply to a new request takes it from Submitted to In Progress
// (the client sees it taken up); an internal note changes nothing the client
// sees, and a reply does not move a request waiting on the client.
func TestStaffReplyTakesUpANewRequest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Wi-Fi slow")
		post(t, db, r, s.admin, "Checking the access points.", true) // internal
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusSubmitted {
			t.Fatalf("after an internal note: %s, want submitted", got)
		}
		post(t, db, r, s.admin, "We are on it.", false)
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusInProgress {
			t.Errorf("after a staff reply: %s, want in_progress", got)
		}
		if err := models.ChangeRequestStatus(t.Context(), db, r.ID, s.admin, models.StatusWaiting); err != nil {
			t.Fatal(err)
		}
		post(t, db, r, s.admin, "Any news?", false)
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusWaiting {
			t.Errorf("a reply moved a request waiting on the client to %s", got)
		}
	})
}

// A rating given before the client reopened the request is shown as such on
// the console's request page, not as the verdict on the request as it is.
func TestReopenedRequestsRatingIsMarked(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Laptop slow")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		completeAs(t, staff, r, "Added memory.")
		if resp, _ := client.submit("/requests/1", "/requests/1/rate", url.Values{"rating": {"good"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("rate: %d", resp.StatusCode)
		}
		page := "/console/requests/" + itoa(r.ID)
		if _, body := staff.get(page); doc(t, body).Find("#rating").Length() != 1 || doc(t, body).Find("#rating-reopened").Length() != 0 {
			t.Fatalf("completed and rated: %q", text(t, body, "#rating"))
		}
		if resp, _ := client.submit("/requests/1", "/requests/1/reopen", url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("reopen: %d", resp.StatusCode)
		}
		if _, body := staff.get(page); !strings.Contains(text(t, body, "#rating"), "given before it was reopened") {
			t.Errorf("after the reopen the rating reads %q", text(t, body, "#rating"))
		}
	})
}

// Time zones are chosen from a list of IANA zones, with the stored one
// chosen; the staff member's own list starts with the workspace's zone.
func TestTimeZonesAreChosenFromAList(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		for path, want := range map[string]string{
			"/console/clients/" + itoa(s.client.ID) + "/edit": "Europe/Paris",
			"/console/sla-policies/new":                       "UTC",
			"/console/account/timezone":                       "",
		} {
			_, body := staff.get(path)
			sel := doc(t, body).Find("select#timezone")
			if sel.Find("option").Length() < 300 || sel.Find("option[value='America/New_York']").Length() != 1 {
				t.Errorf("%s: no list of zones (%d options)", path, sel.Find("option").Length())
				continue
			}
			if got := sel.Find("option[selected]").AttrOr("value", "?"); got != want {
				t.Errorf("%s: %q chosen, want %q", path, got, want)
			}
		}
	})
}
