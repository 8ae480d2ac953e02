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

func TestQueueMarksAwaitingAndSortsByLastUpdate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := submitAs(t, db, s.clientUser, "Alpha")
		b := submitAs(t, db, s.clientUser, "Bravo")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)

		awaiting := func(ref string) bool {
			t.Helper()
			_, body := staff.get("/console")
			_, ok := requestRow(t, body, ref).Attr("data-awaiting")
			return ok
		}
		if !awaiting("ACME-1") || !awaiting("ACME-2") {
			t.Fatalf("new requests not marked awaiting")
		}
		post(t, db, a, s.admin, "Looking into it.", false)
		if awaiting("ACME-1") {
			t.Errorf("answered request still awaiting")
		}
		post(t, db, a, s.admin, "note", true) // a note changes nothing
		post(t, db, a, s.clientUser, "Thanks, any news?", false)
		if !awaiting("ACME-1") {
			t.Errorf("client's last word not marked awaiting")
		}
		post(t, db, b, s.admin, "On it", true)
		if !awaiting("ACME-2") {
			t.Errorf("an internal note answered the client")
		}

		// Last update: a column, and a sort (most recent first).
		past(t, db, "requests", "updated_at", time.Hour, "id = ?", b.ID)
		_, body := staff.get("/console")
		href, _ := doc(t, body).Find("#sort-updated").Attr("href")
		if !strings.Contains(href, "sort=updated") {
			t.Fatalf("Last update header links to %q", href)
		}
		_, body = staff.get(href)
		rows := doc(t, body).Find("#queue-list tbody tr")
		if first, _ := rows.First().Attr("data-request"); first != "ACME-1" || rows.Length() != 2 {
			t.Errorf("sorted by last update: first %q of %d", first, rows.Length())
		}
		if !strings.Contains(requestRow(t, body, "ACME-2").Find(`td[data-label="Last update"]`).Text(), "1 hour ago") {
			t.Errorf("last update cell %q", requestRow(t, body, "ACME-2").Find(`td[data-label="Last update"]`).Text())
		}
	})
}

func TestQueueViewsAndAssignToMe(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		submitAs(t, db, s.clientUser, "Alpha")
		b := submitAs(t, db, s.clientUser, "Bravo")
		agent := addAgent(t, db, "alan@northwind.test")
		staff := newApp(t, db)
		staff.signIn(agent.Email, testPassword)

		// Assign to me from the queue row: back on the queue, assigned.
		_, body := staff.get("/console?assignee=none")
		form := requestRow(t, body, "ACME-1").Find(`form[action$="/assign-me"]`)
		if form.Length() != 1 {
			t.Fatalf("no Assign to me in the unassigned row")
		}
		action, _ := form.Attr("action")
		back, _ := form.Find(`input[name="back"]`).Attr("value")
		resp, body := staff.post(action, url.Values{"csrf": {staff.csrfOf("/console")}, "back": {back}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console" {
			t.Fatalf("assign to me: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if got := strings.TrimSpace(requestRow(t, body, "ACME-1").Find(`td[data-label="Assignee"]`).Text()); got != "" && requestRow(t, body, "ACME-1").Length() != 0 {
			t.Errorf("ACME-1 still in the unassigned view (assignee %q)", got)
		}

		// One-click views.
		_, body = staff.get("/console")
		mine, _ := doc(t, body).Find(`#queue-views a:contains("My requests")`).Attr("href")
		unassigned, _ := doc(t, body).Find(`#queue-views a:contains("Unassigned")`).Attr("href")
		_, body = staff.get(mine)
		if requestRow(t, body, "ACME-1").Length() != 1 || requestRow(t, body, "ACME-2").Length() != 0 {
			t.Errorf("My requests view wrong: %s", text(t, body, "#queue-list tbody"))
		}
		_, body = staff.get(unassigned)
		if requestRow(t, body, "ACME-1").Length() != 0 || requestRow(t, body, "ACME-2").Length() != 1 {
			t.Errorf("Unassigned view wrong: %s", text(t, body, "#queue-list tbody"))
		}

		// Assign to me on the request page; an off-site "back" is ignored.
		page := "/console/requests/" + itoa(b.ID)
		resp, body = staff.post(page+"/assign-me", url.Values{"csrf": {staff.csrfOf(page)}, "back": {"//evil.test/"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != page {
			t.Fatalf("assign on the page: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if doc(t, body).Find("#assign-me").Length() != 0 || loadRequest(t, db, b.ID).AssigneeID == nil {
			t.Errorf("request page not assigned")
		}
		// No CSRF token: refused.
		if resp, _ := staff.post(page+"/assign-me", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("assign without CSRF: %d", resp.StatusCode)
		}
	})
}

func TestStaffOpenARequestOnAClientsBehalf(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", true)
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		before := countRows(t, db, "requests", "1 = 1")

		loc := time.UTC
		start := models.Now().Add(-72 * time.Hour).Truncate(time.Minute) // three days back: business hours have passed since
		form := func(requester int64, startAt string) url.Values {
			return url.Values{"client_id": {itoa(s.client.ID)}, "requester_id": {itoa(requester)}, "channel": {"phone"},
				"start_at": {startAt}, "title": {"Phones down"}, "description": {"Called at 9."}, "urgency": {"high"}}
		}
		// Another client's user: refused beside the requester field, nothing written.
		resp, body := staff.submit("/console/requests/new", "/console/requests", form(other.user.ID, start.In(loc).Format("2006-01-02T15:04")))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, body).Find("#requester_id").Parent().Text(), "this client's users") {
			t.Fatalf("foreign requester: %d\n%s", resp.StatusCode, text(t, body, "#on-behalf-form"))
		}
		// A time in the future: refused beside the field.
		resp, body = staff.submit("/console/requests/new", "/console/requests", form(dave.ID, models.Now().Add(3*time.Hour).In(loc).Format("2006-01-02T15:04")))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, body).Find("#start_at").Parent().Text(), "future") {
			t.Fatalf("future start: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "requests", "1 = 1"); n != before {
			t.Fatalf("%d requests written by refused forms", n-before)
		}

		resp, body = staff.submit("/console/requests/new", "/console/requests", form(dave.ID, start.In(loc).Format("2006-01-02T15:04")))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/requests/") {
			t.Fatalf("create: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if !strings.Contains(body, "submitted by Dave Acme by Phone call") {
			t.Errorf("page does not name requester and channel")
		}
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Order("id DESC").Limit(1).Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r.RequesterID == nil || *r.RequesterID != dave.ID || r.Channel != "phone" || !r.CreatedAt.Equal(start) || r.Urgency != "high" {
			t.Errorf("request %+v", r)
		}
		// The clocks started at the given time: due a target's business
		// time from then, with the business time since then used.
		policy, err := models.ResolveSLAPolicy(t.Context(), db, s.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := policy.Cal().Add(start, r.ResponseTargetSecs)
		if r.ResponseDueAt == nil || !r.ResponseDueAt.Equal(want) || r.ResponseUsedSecs == 0 ||
			r.ResponseUsedSecs != policy.Cal().Between(start, r.ClockUpdatedAt) {
			t.Errorf("clock: used %d, due %v, target %d, start %v", r.ResponseUsedSecs, r.ResponseDueAt, r.ResponseTargetSecs, start)
		}
		// The event names the staff member; the client sees it as theirs.
		var actor int64
		if err := db.NewSelect().Table("activity_events").Column("actor_id").Where("request_id = ?", r.ID).
			Where("kind = ?", models.EventRequestSubmitted).Scan(t.Context(), &actor); err != nil || actor != s.admin.ID {
			t.Errorf("submitted event actor %d (%v)", actor, err)
		}
		client := newApp(t, db)
		client.signIn(dave.Email, testPassword)
		if _, body := client.get("/requests"); requestRow(t, body, "ACME-1").Length() != 1 {
			t.Errorf("client does not see the request")
		}
	})
}
