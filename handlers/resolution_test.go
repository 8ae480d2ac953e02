package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// completeAs completes r through the console's details form.
func completeAs(t *testing.T, staff *app, r *models.Request, resolution string) string {
	t.Helper()
	page := "/console/requests/" + itoa(r.ID)
	resp, body := staff.submit(page, page+"/properties", url.Values{"status": {"completed"}, "urgency": {r.Urgency},
		"resolution": {resolution}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete %d: %d\n%s", r.ID, resp.StatusCode, body)
	}
	return body
}

func loadRequest(t *testing.T, db *bun.DB, id int64) *models.Request {
	t.Helper()
	r := new(models.Request)
	if err := db.NewSelect().Model(r).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func eventKinds(t *testing.T, db *bun.DB, requestID int64) string {
	t.Helper()
	var kinds []string
	if err := db.NewSelect().Table("activity_events").Column("kind").Where("request_id = ?", requestID).
		Order("id").Scan(context.Background(), &kinds); err != nil {
		t.Fatal(err)
	}
	return strings.Join(kinds, " ")
}

func TestResolutionIsShownAndAReplyReopensWithinTheWindow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "VPN drops")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)

		// Hostile text in the summary is shown as text.
		completeAs(t, staff, r, "Replaced the <b>router</b> firmware.")
		_, body := client.get("/requests/closed")
		if got := strings.TrimSpace(requestRow(t, body, "ACME-1").Find(".resolution-summary").Text()); got != "Replaced the <b>router</b> firmware." {
			t.Errorf("closed list resolution %q", got)
		}
		_, body = client.get("/requests/1")
		if got := text(t, body, "#resolution-text"); got != "Replaced the <b>router</b> firmware." {
			t.Errorf("request page resolution %q", got)
		}
		if !strings.Contains(text(t, body, "#composer-effect"), "reopens") || text(t, body, "#reply-form button") != "Send and reopen" {
			t.Errorf("composer does not say the reply reopens: %q", text(t, body, "#reply-form"))
		}
		done := loadRequest(t, db, r.ID)
		usedAtCompletion := done.ResolutionUsedSecs

		// A client reply within the window reopens it; the resolution clock
		// resumes from what it had used.
		resp, _ := client.submit("/requests/1", "/requests/1/reply", url.Values{"body": {"It dropped again."}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		_, body = client.get("/requests/1")
		if got := text(t, body, "#request-status"); got != "In Progress" {
			t.Errorf("status after reply %q", got)
		}
		res := doc(t, body).Find(`#timer-resolution [data-clock="Resolution"]`)
		if res.AttrOr("data-deadline", "") == "" {
			t.Errorf("resolution clock did not resume: %s", res.Text())
		}
		reopened := loadRequest(t, db, r.ID)
		if reopened.CompletedAt != nil || reopened.ResolutionDueAt == nil || reopened.ResolutionUsedSecs < usedAtCompletion {
			t.Errorf("clock after reopen: completed %v due %v used %d (was %d)", reopened.CompletedAt,
				reopened.ResolutionDueAt, reopened.ResolutionUsedSecs, usedAtCompletion)
		}
		// The queue lists it again.
		if _, body = staff.get("/console"); !strings.Contains(body, "VPN drops") {
			t.Errorf("reopened request not in the queue")
		}
		if got, want := eventKinds(t, db, r.ID), "request_submitted status_changed message_posted request_reopened"; got != want {
			t.Errorf("events\n got %s\nwant %s", got, want)
		}
		// The console shows who reopened it.
		if _, body = staff.get("/console/requests/" + itoa(r.ID)); !strings.Contains(text(t, body, "#history"), "Carol Client reopened") {
			t.Errorf("history: %s", text(t, body, "#history"))
		}
	})
}

func TestAfterTheWindowAReplyStartsALinkedFollowUp(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer offline")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)

		// Settings: a 3-day window; a bad value is refused beside the field.
		resp, body := staff.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"}, "reopen_window_days": {"0"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#reopen-window-field"), "between 1 and 365") {
			t.Fatalf("bad window: %d %q", resp.StatusCode, text(t, body, "#reopen-window-field"))
		}
		resp, _ = staff.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"}, "reopen_window_days": {"3"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("save window: %d", resp.StatusCode)
		}
		completeAs(t, staff, r, "Reinstalled the driver.")
		past(t, db, "requests", "completed_at", 4*24*time.Hour, "id = ?", r.ID)

		// The client sees before sending that this will start a follow-up.
		_, body = client.get("/requests/1")
		if !strings.Contains(text(t, body, "#composer-effect"), "new request linked") ||
			text(t, body, "#reply-form button") != "Start a follow-up request" ||
			doc(t, body).Find("#reopen-form").Length() != 0 {
			t.Fatalf("composer after the window: %q", text(t, body, "#reply-form"))
		}
		// A reply (an old page) is refused, nothing written.
		resp, body = client.submit("/requests/1", "/requests/1/reply", url.Values{"body": {"Still offline"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Start a follow-up") {
			t.Errorf("reply after the window: %d", resp.StatusCode)
		}
		// With files: they are not kept, and the form says so beside them.
		resp, body = client.postFiles("/requests/1", "/requests/1/reply", url.Values{"body": {"Screenshot attached"}},
			[]upload{{name: "error.png", data: pngOf(t, 8, 8), ctype: "image/png"}}, false)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Your files were not sent") ||
			!strings.Contains(body, "Screenshot attached") {
			t.Errorf("reply with files after the window: %d\n%s", resp.StatusCode, text(t, body, "#reply-form"))
		}
		if n := countRows(t, db, "attachments", "1 = 1"); n != 0 {
			t.Errorf("%d attachments stored after the window", n)
		}
		// Reopen is refused too.
		resp, _ = client.submit("/requests/1", "/requests/1/reopen", url.Values{})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("reopen after the window: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "messages", "request_id = ?", r.ID); n != 0 {
			t.Errorf("%d messages written after the window", n)
		}
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusCompleted {
			t.Errorf("status %s after refused reply", got)
		}
		// An empty follow-up is refused beside the field.
		resp, body = client.submit("/requests/1", "/requests/1/follow-up", url.Values{"body": {"  "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#reply-form .has-error").Length() != 1 {
			t.Errorf("empty follow-up: %d", resp.StatusCode)
		}
		resp, body = client.submit("/requests/1", "/requests/1/follow-up", url.Values{"body": {"Printer offline again since Monday."}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/requests/2" {
			t.Fatalf("follow-up: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if got := text(t, body, "#follow-up-of"); got != "Follow-up to ACME-1." {
			t.Errorf("follow-up link %q", got)
		}
		if !strings.Contains(text(t, body, "h1"), "Follow-up to ACME-1: Printer offline") {
			t.Errorf("follow-up title %q", text(t, body, "h1"))
		}
		_, body = client.get("/requests/1")
		if got := text(t, body, "#follow-ups"); got != "Followed up by ACME-2." {
			t.Errorf("old request links %q", got)
		}
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusCompleted {
			t.Errorf("old request status %s", got)
		}
		if got := eventKinds(t, db, r.ID); got != "request_submitted status_changed follow_up_opened" {
			t.Errorf("old request events %s", got)
		}
	})
}

func TestClientMarksFixedAndReopens(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		r := submitAs(t, db, s.clientUser, "Shared drive slow")
		submitAs(t, db, s.clientUser, "Second") // ACME-2: a number the other client does not have
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)

		resp, body := client.submit("/requests/1", "/requests/1/fixed", url.Values{})
		if resp.StatusCode != http.StatusOK || text(t, body, "#request-status") != "Completed" {
			t.Fatalf("mark fixed: %d %q", resp.StatusCode, text(t, body, "#request-status"))
		}
		if got := text(t, body, "#resolution-text"); got != "Marked as fixed by Carol Client." {
			t.Errorf("resolution %q", got)
		}
		// Marking it again is refused, not an error page.
		resp, _ = client.post("/requests/1/fixed", url.Values{"csrf": {client.csrfOf("/requests/1")}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("second mark fixed: %d", resp.StatusCode)
		}
		resp, body = client.submit("/requests/1", "/requests/1/reopen", url.Values{})
		if resp.StatusCode != http.StatusOK || text(t, body, "#request-status") != "In Progress" {
			t.Fatalf("reopen: %d %q", resp.StatusCode, text(t, body, "#request-status"))
		}
		if got := eventKinds(t, db, r.ID); got != "request_submitted request_marked_fixed request_reopened" {
			t.Errorf("events %s", got)
		}
		// Another client's user cannot touch it: 404 like a missing request.
		intruder := newApp(t, db)
		intruder.signIn(other.user.Email, testPassword)
		for _, action := range []string{"/requests/2/fixed", "/requests/2/reopen", "/requests/2/follow-up"} {
			resp, _ := intruder.post(action, url.Values{"csrf": {intruder.csrfOf("/")}, "body": {"x"}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s by another client: %d", action, resp.StatusCode)
			}
		}
		// Without the CSRF token: refused.
		resp, _ = client.post("/requests/1/fixed", url.Values{})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("mark fixed without CSRF: %d", resp.StatusCode)
		}
	})
}

func TestCompletionMailCarriesTheResolution(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Mailbox full")
		n, smtp := newNotifier(t, db)
		tick(t, n, models.Now().Add(5*time.Minute)) // the new request's staff mail
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		completeAs(t, staff, r, "Archived mail older than 2 years; 40 % free now.")
		tick(t, n, models.Now().Add(5*time.Minute))
		msg := smtp.WaitFor(t, s.clientUser.Email, 1)
		if msg.Subject != "[ACME-1] Mailbox full" {
			t.Errorf("subject %q", msg.Subject)
		}
		for _, want := range []string{"completed your request", "Archived mail older than 2 years; 40 % free now.",
			"https://portal.northwind.test/requests/1"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("completion mail lacks %q:\n%s", want, msg.Text)
			}
		}
	})
}
