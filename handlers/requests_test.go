package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// roundTheClock makes the default SLA calendar 24x7 so timers do not depend
// on the day the tests run.
func roundTheClock(t *testing.T, db *bun.DB) {
	t.Helper()
	if _, err := db.NewUpdate().Table("sla_calendars").Set("always_open = ?", true).Where("1 = 1").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// requestRow finds the list row of a request by its reference.
func requestRow(t *testing.T, body, ref string) *goquery.Selection {
	t.Helper()
	return doc(t, body).Find(`tr[data-request="` + ref + `"]`)
}

// clockOf returns the timer element of a clock ("Response", "Resolution").
func clockOf(s *goquery.Selection, label string) *goquery.Selection {
	return s.Find(`[data-clock="` + label + `"]`)
}

// requestIDOf is the database id of a client's request number.
func requestIDOf(t *testing.T, db *bun.DB, clientID int64, number int) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Table("requests").Column("id").Where("client_id = ?", clientID).
		Where("number = ?", number).Scan(context.Background(), &id); err != nil {
		t.Fatalf("request %d of client %d: %v", number, clientID, err)
	}
	return id
}

func tableCount(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRequestLifecycleEndToEnd(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		roundTheClock(t, db)
		a := newApp(t, db)
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)

		// The new request page explains each urgency; no categories, no field.
		_, page := client.get("/requests/new")
		if n := doc(t, page).Find(`input[name="urgency"]`).Length(); n != 4 {
			t.Fatalf("%d urgency choices, want 4", n)
		}
		if doc(t, page).Find("#category_id").Length() != 0 {
			t.Errorf("category field shown with no categories configured")
		}

		resp, _ := client.submit("/requests/new", "/requests", url.Values{"title": {"Update the wiki"},
			"description": {"When you have time."}, "urgency": {"low"}})
		if resp.Request.URL.Path != "/requests/1" {
			t.Fatalf("first request landed on %s", resp.Request.URL.Path)
		}
		resp, body := client.submit("/requests/new", "/requests", url.Values{"title": {"Mail server down"},
			"description": {"Nobody can send e-mail."}, "urgency": {"critical"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/requests/2" {
			t.Fatalf("critical request: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if h := text(t, body, "h1"); !strings.Contains(h, "ACME-2") || !strings.Contains(h, "Mail server down") {
			t.Errorf("detail heading %q", h)
		}

		// It is in Open requests at once, its response timer counting down.
		_, body = client.get("/requests")
		row := requestRow(t, body, "ACME-2")
		if row.Length() != 1 {
			t.Fatalf("ACME-2 not in the open list:\n%s", body)
		}
		resp0 := clockOf(row, "Response")
		if dl, _ := resp0.Attr("data-deadline"); dl == "" || !resp0.HasClass("sla-green") {
			t.Errorf("response timer: deadline %q, class %q", dl, resp0.AttrOr("class", ""))
		}
		if !strings.HasPrefix(strings.TrimSpace(resp0.Find(".sla-text").Text()), "due ") {
			t.Errorf("response timer text %q: without JavaScript it must say when it is due", resp0.Text())
		}

		// The agent finds it at the top of the queue.
		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		_, body = staff.get("/console")
		first := doc(t, body).Find("table.queue tbody tr").First()
		if ref, _ := first.Attr("data-request"); ref != "ACME-2" {
			t.Fatalf("top of the queue is %q, want ACME-2", ref)
		}
		if got := text(t, body, `[data-count="submitted"]`); got != "2" {
			t.Errorf("submitted count %q, want 2", got)
		}
		id := requestIDOf(t, db, s.client.ID, 2)
		detail := "/console/requests/" + strconv.FormatInt(id, 10)

		// A public reply stops the response clock: met.
		resp, body = staff.submit(detail, detail+"/reply", url.Values{"body": {"Looking at it now."}, "kind": {"reply"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != detail {
			t.Fatalf("reply: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if got := text(t, body, "#timer-response"); !strings.Contains(got, "met") {
			t.Errorf("response timer after reply %q, want met", got)
		}
		staff.submit(detail, detail+"/reply", url.Values{"body": {"SECRET-NOTE: the admin password is on a sticky note"}, "kind": {"note"}})
		_, body = staff.get(detail)
		if doc(t, body).Find(".message-internal").Length() != 1 {
			t.Errorf("internal note not shown (distinctly) to staff")
		}

		// Waiting on client pauses the resolution clock.
		staff.submit(detail, detail+"/properties", url.Values{"status": {"waiting"}, "urgency": {"critical"}})
		_, body = client.get("/requests/2")
		if got := text(t, body, "#request-status"); got != "Waiting on client" {
			t.Errorf("client sees status %q", got)
		}
		if _, paused := doc(t, body).Find(`#timer-resolution [data-paused]`).Attr("data-paused"); !paused {
			t.Errorf("resolution timer not paused while waiting: %s", text(t, body, "#timer-resolution"))
		}

		// The client answers: back in progress, the clock resumes.
		resp, body = client.submit("/requests/2", "/requests/2/reply", url.Values{"body": {"It says error 550."}})
		if resp.StatusCode != http.StatusOK || text(t, body, "#request-status") != "In Progress" {
			t.Fatalf("after client reply: %d, status %q", resp.StatusCode, text(t, body, "#request-status"))
		}
		res := doc(t, body).Find(`#timer-resolution [data-clock="Resolution"]`)
		if _, paused := res.Attr("data-paused"); paused || res.AttrOr("data-deadline", "") == "" {
			t.Errorf("resolution timer did not resume: %s", res.Text())
		}

		// The agent logs 1h30 and completes it.
		resp, _ = staff.submit(detail, detail+"/time", url.Values{"duration": {"1:30"},
			"date": {models.Now().Format("2006-01-02")}, "note": {"Replaced the relay certificate"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("log time: %d", resp.StatusCode)
		}
		// Completing asks for a resolution summary: without one nothing changes.
		resp, body = staff.submit(detail, detail+"/properties", url.Values{"status": {"completed"}, "urgency": {"critical"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#resolution-field"), "Resolution summary") ||
			text(t, body, "#request-status") != "In Progress" {
			t.Fatalf("complete without resolution: %d, status %q, field %q", resp.StatusCode,
				text(t, body, "#request-status"), text(t, body, "#resolution-field"))
		}
		_, body = staff.submit(detail, detail+"/properties", url.Values{"status": {"completed"}, "urgency": {"critical"},
			"resolution": {"Renewed the mail relay certificate."}})
		if got := text(t, body, "#timer-resolution"); !strings.Contains(got, "met") {
			t.Errorf("resolution after completion %q, want met", got)
		}

		// The client finds it under Closed requests with 1.5 hours.
		_, body = client.get("/requests/closed")
		row = requestRow(t, body, "ACME-2")
		if row.Length() != 1 || strings.TrimSpace(row.Find(".hours").Text()) != "1.5 h" {
			t.Fatalf("closed list row %q", row.Text())
		}
		if _, body = client.get("/requests"); requestRow(t, body, "ACME-2").Length() != 0 {
			t.Errorf("completed request still in the open list")
		}

		// Every change wrote its event; the note's event is staff-only.
		var kinds []string
		if err := db.NewSelect().Table("activity_events").Column("kind").Where("request_id = ?", id).
			Order("id").Scan(context.Background(), &kinds); err != nil {
			t.Fatal(err)
		}
		// The first public reply also takes the request from Submitted to In Progress.
		want := "request_submitted message_posted status_changed internal_note status_changed message_posted status_changed time_logged status_changed"
		if got := strings.Join(kinds, " "); got != want {
			t.Errorf("events:\n got %s\nwant %s", got, want)
		}
		var audience string
		db.NewSelect().Table("activity_events").Column("audience").Where("kind = 'internal_note'").Scan(context.Background(), &audience) //nolint:errcheck
		if audience != "staff" {
			t.Errorf("internal note event audience %q", audience)
		}

		// The internal note reaches no client page or fragment.
		for _, path := range []string{"/", "/requests", "/requests/closed", "/requests/2", "/requests?q=SECRET"} {
			for _, hx := range [][]string{nil, {"HX-Request", "true"}} {
				_, body := client.get(path, hx...)
				if strings.Contains(body, "SECRET-NOTE") || strings.Contains(body, "message-internal") {
					t.Errorf("internal note leaked on %s (htmx %v)", path, hx != nil)
				}
			}
		}
	})
}

func TestForeignRequestIsNotFound(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		ctx := context.Background()
		now := models.Now()
		rival := &models.Client{Name: "Globex", Slug: "globex", RequestPrefix: "GLX", Timezone: "UTC",
			NextRequestNumber: 7, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(rival).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		hash, _ := models.HashPassword(testPassword)
		ru := &models.User{ClientID: &rival.ID, Role: models.RoleClient, Email: "gina@globex.test", Name: "Gina",
			PasswordHash: &hash, SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(ru).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		g := a.browser()
		g.signIn(ru.Email, testPassword)
		g.submit("/requests/new", "/requests", url.Values{"title": {"Globex secret merger"}, "urgency": {"high"}})
		foreignID := requestIDOf(t, db, rival.ID, 7)

		carol := a.browser()
		carol.signIn(s.clientUser.Email, testPassword)
		for _, path := range []string{"/requests/7", "/requests/" + strconv.FormatInt(foreignID, 10), "/requests/abc",
			"/console/requests/" + strconv.FormatInt(foreignID, 10)} {
			resp, body := carol.get(path)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Globex") || strings.Contains(body, "merger") {
				t.Errorf("GET %s as another client: %d", path, resp.StatusCode)
			}
		}
		messages := tableCount(t, db, "messages")
		resp, _ := carol.submit("/requests", "/requests/7/reply", url.Values{"body": {"hello"}})
		if resp.StatusCode != http.StatusNotFound || tableCount(t, db, "messages") != messages {
			t.Errorf("reply to a foreign request: %d", resp.StatusCode)
		}
		for _, path := range []string{"/requests", "/requests/closed", "/requests?q=GLX-7", "/requests?q=merger"} {
			if _, body := carol.get(path); strings.Contains(body, "Globex secret merger") || requestRow(t, body, "GLX-7").Length() != 0 {
				t.Errorf("%s shows another client's request", path)
			}
		}
	})
}

func TestBadRequestInputIs422AndWritesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)

		cases := []struct {
			name   string
			form   url.Values
			fields []string
		}{
			{"empty", url.Values{"title": {"  "}, "urgency": {""}}, []string{"title", "urgency"}},
			{"too long", url.Values{"title": {strings.Repeat("x", 201)}, "description": {strings.Repeat("y", 20001)},
				"urgency": {"normal"}}, []string{"title", "description"}},
			{"made-up urgency", url.Values{"title": {"Fine"}, "urgency": {"apocalyptic"}}, []string{"urgency"}},
		}
		for _, c := range cases {
			resp, body := client.submit("/requests/new", "/requests", c.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", c.name, resp.StatusCode)
				continue
			}
			d := doc(t, body)
			for _, f := range c.fields {
				if d.Find("#"+f).Closest(".field").Find(".field-error").Length() != 1 {
					t.Errorf("%s: no message beside %s", c.name, f)
				}
			}
		}
		if n := tableCount(t, db, "requests") + tableCount(t, db, "activity_events"); n != 0 {
			t.Fatalf("invalid submissions wrote %d rows", n)
		}
		// Kept input: the typed title comes back.
		_, body := client.submit("/requests/new", "/requests", url.Values{"title": {"Keep me"}, "urgency": {"x"}})
		if v, _ := doc(t, body).Find("#title").Attr("value"); v != "Keep me" {
			t.Errorf("title not kept: %q", v)
		}

		client.submit("/requests/new", "/requests", url.Values{"title": {"Real one"}, "urgency": {"normal"}})
		resp, _ := client.submit("/requests/1", "/requests/1/reply", url.Values{"body": {"   "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || tableCount(t, db, "messages") != 0 {
			t.Errorf("empty reply: %d", resp.StatusCode)
		}

		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		detail := "/console/requests/" + strconv.FormatInt(requestIDOf(t, db, s.client.ID, 1), 10)
		for _, form := range []url.Values{
			{"duration": {"abc"}, "date": {"2026-11-24"}},
			{"duration": {"0"}, "date": {"2026-11-24"}},
			{"duration": {"1:75"}, "date": {"2026-11-24"}},
			{"duration": {"90"}, "date": {"yesterday"}},
		} {
			resp, body := staff.submit(detail, detail+"/time", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(".field-error").Length() == 0 {
				t.Errorf("log time %v: %d", form, resp.StatusCode)
			}
		}
		if n := tableCount(t, db, "time_entries"); n != 0 {
			t.Errorf("invalid time wrote %d entries", n)
		}
		resp, _ = staff.submit(detail, detail+"/properties", url.Values{"status": {"exploded"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad status: %d", resp.StatusCode)
		}
		resp, _ = staff.submit(detail, detail+"/reply", url.Values{"body": {""}, "kind": {"note"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || tableCount(t, db, "messages") != 0 {
			t.Errorf("empty note: %d", resp.StatusCode)
		}
	})
}
